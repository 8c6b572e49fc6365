"""Say *what* changed in a signed body after signing, and prove it by re-hashing.

"Body hash did not verify" is where other tools stop. Here the body search
(wizard.transit.body_search) tries the reversals of known relay habits, and only one that
reproduces the signature's bh= is reported as proven, with the bytes that changed and the
intermediary that usually makes that change. With the sender's original the target is the
original's canonical body instead, and a line diff with visible whitespace is added
(wizard.transit.diff).

The verdict itself (bh= matches or not, CANON-01) and the facts about the signature (l=,
DKIM-SIG-14; an empty-body bh=, CANON-06) are reported by the stages before this one; the
copy's own faults (EVID-02/03) by wizard.input.fidelity. This module reports what changed.
"""
from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence

from wizard.arc.tags import ArcSet, decode_arc
from wizard.common.safe_text import sanitize, shorten
from wizard.dkim import canon, outcome
from wizard.dkim.signature import BODY_ALGORITHMS, Signature
from wizard.input.fidelity import line_ending_finding, paste_damage
from wizard.input.message import Message
from wizard.model.findings import Cap, Finding, Severity
from wizard.model.transit import BodyForensics as BodyForensics
from wizard.receiver.auth_results import AuthResult, AuthResultsSet, parse_auth_results
from wizard.transit.body_search import SEARCH_BUDGET, Hit, Search, compare_with_original, run_search
from wizard.transit.change import (
    MAX_EVIDENCE_LINES,
    MAX_SHOWN_BYTES,
    ProvenChange,
    finding_about,
    sentence,
)
from wizard.transit.diff import DiffLine, diff_bodies, split_lines, visible
from wizard.transit.intermediaries import Intermediary, recognise_intermediaries

MAX_BODY = 64 << 20  # bodies above this get bh= only: no search, no diff


def _b64(digest: bytes) -> str:
    return base64.b64encode(digest).decode("ascii")


def _unusable(sig: Signature) -> str:
    """Why this signature's body hash cannot be searched; "" when it can. The findings on
    these faults are wizard.dkim.tags' and wizard.dkim.verify's."""
    if sig.c_body not in BODY_ALGORITHMS:
        return f"c= names an unknown body canonicalisation ({sanitize(sig.c_body, one_line=True)})"
    try:
        if not sig.bh or len(sig.bh) % 4:
            raise binascii.Error
        base64.b64decode(sig.bh, validate=True)
    except (binascii.Error, ValueError):
        return f"bh={sanitize(shorten(sig.bh, 80), one_line=True)} is not valid base64"
    if sig.tags.get("l") is not None and sig.length is None:
        return "l= is not a number"
    return ""


def _span_change(received: bytes, original: bytes) -> tuple[int, bytes, bytes]:
    """The single differing span between two canonical bodies, widened to whole lines:
    (offset in received, bytes there now, bytes as signed)."""
    limit = min(len(received), len(original))
    head = 0
    step = 1 << 14
    while head + step <= limit and received[head : head + step] == original[head : head + step]:
        head += step
    while head < limit and received[head] == original[head]:
        head += 1
    head = received.rfind(b"\r\n", 0, head) + 2 if received.rfind(b"\r\n", 0, head) >= 0 else 0
    tail = 0
    room = limit - head
    while tail + step <= room and received[len(received) - tail - step : len(received) - tail] == \
            original[len(original) - tail - step : len(original) - tail]:
        tail += step
    while tail < room and received[len(received) - 1 - tail] == original[len(original) - 1 - tail]:
        tail += 1
    while tail > 0 and received[len(received) - tail - 2 : len(received) - tail] != b"\r\n":
        tail -= 1
    return head, received[head : len(received) - tail], original[head : len(original) - tail]


def _evidence_lines(now: bytes, before: bytes) -> tuple[str, ...]:
    out = []
    for sign, chunk in (("-", before), ("+", now)):
        lines = split_lines(chunk)
        for line in lines[:MAX_EVIDENCE_LINES]:
            out.append(f"{sign} {shorten(visible(line), 200)}")
        if len(lines) > MAX_EVIDENCE_LINES:
            out.append(f"{sign} … {len(lines) - MAX_EVIDENCE_LINES} more lines")
    return tuple(out)


def _proven(hit: Hit, received: bytes) -> ProvenChange:
    offset, now, before = _span_change(received, hit.original)
    return ProvenChange(
        kind=hit.kind,
        finding_id=hit.finding_id,
        description=hit.description,
        evidence=hit.extra_evidence + _evidence_lines(now, before),
        offset=offset,
        received_bytes=now[:MAX_SHOWN_BYTES],
        original_bytes=before[:MAX_SHOWN_BYTES],
        received_length=len(now),
        original_length=len(before),
    )


def _cause_findings(change: ProvenChange, hit_cause: str, inter: tuple[Intermediary, ...], about: str) -> list[Finding]:
    """Connect a proven change to the intermediaries that typically make it."""
    wanted = {
        "appended": {"CAUSE-01", "CAUSE-02", "CAUSE-06"},
        "inserted": {"CAUSE-01", "CAUSE-02", "CAUSE-06"},
        "mime-part-added": {"CAUSE-01", "CAUSE-02", "CAUSE-06", "CAUSE-08"},
        "mime-wrapped": {"CAUSE-01", "CAUSE-02", "CAUSE-08"},
        "mime-restructured": {"CAUSE-01", "CAUSE-02", "CAUSE-08"},
        "prepended": {"CAUSE-03", "CAUSE-05"},
        "links-rewritten": {hit_cause} if hit_cause else {"CAUSE-03", "CAUSE-04", "CAUSE-05"},
        "re-encoded": {"CAUSE-08"},
        "re-wrapped": {"CAUSE-08"},
        "subject-tag": {"CAUSE-01", "CAUSE-02", "CAUSE-03", "CAUSE-05", "CAUSE-07"},
    }.get(change.kind, set())
    out = []
    for it in inter:
        if it.cause not in wanted:
            continue
        when = " after signing" if it.after_signing else ""
        out.append(Finding(it.cause, Severity.ERROR, sentence(f"{it.name} changed the message{when}"),
                           f"{change.description} {it.name} {it.changes}. Fix: {it.fix}.",
                           it.evidence, about=about))
    if change.kind == "links-rewritten" and not any(f.id == hit_cause for f in out) and hit_cause:
        out.append(Finding(hit_cause, Severity.ERROR, "Links rewritten by a gateway after signing",
                           change.description, change.evidence[:3], about=about))
    return out


def receiver_results(auth: AuthResultsSet | None, arc: ArcSet | None) -> tuple[AuthResult, ...]:
    """What the receivers wrote at delivery, as already parsed: Authentication-Results
    (wizard.receiver.auth_results) and ARC-Authentication-Results (wizard.arc.tags)."""
    sealed = tuple(r for inst in (arc.instances if arc else ()) if inst.auth_results
                   for r in inst.auth_results.results)
    return (auth.results if auth else ()) + sealed


def _read_receivers(msg: Message) -> tuple[AuthResult, ...]:
    """receiver_results for a caller without a report: parsed here from `msg`."""
    return receiver_results(parse_auth_results(msg), decode_arc(msg))


def _delivery_pass(results: Sequence[AuthResult], domain: str) -> str | None:
    """The receiver's dkim=pass for `domain` at delivery, as evidence (EVID-05)."""
    wanted = domain.lower().rstrip(".")
    for r in results:
        d = (r.prop("header.d") or "").lower().rstrip(".")
        if r.method == "dkim" and r.result == "pass" and d and d == wanted:
            by = f" by {r.authserv_id}" if r.authserv_id else ""
            return f"dkim=pass at delivery{by}: {shorten(sanitize(r.raw, one_line=True), 200)}"
    return None


def _evid05(ar_line: str, about: str) -> Finding:
    return Finding("EVID-05", Severity.WARN, "Receiver verified DKIM=pass at delivery; this copy was changed later",
                   "The receiver's Authentication-Results record a pass for this signature, so the change was "
                   "made to the stored copy after delivery (Safe Links, journaling, archiving, a mail client). "
                   "The sender is not at fault.", (ar_line,), about=about)


def analyze_body(msg: Message, sig: Signature, *, original: Message | None = None,
                 delivery: Sequence[AuthResult] | None = None) -> BodyForensics:
    """Check bh= of one parsed DKIM-Signature of `msg` and, when it fails, find and prove
    what changed. `delivery` are the receivers' results already parsed (read from `msg`
    when not given)."""
    if error := _unusable(sig):
        return BodyForensics(sig.bh, "", False, sig.c_body, sig.length, b"", None, (), (), (), (), error=error)
    about = finding_about(sig)
    a = sig.a or "rsa-sha256"
    findings: list[Finding] = []
    if msg.body is None:
        inter = recognise_intermediaries(msg, signature_index=sig.header.index, scan_body=False)
        return BodyForensics(sig.bh, "", False, sig.c_body, sig.length, b"", None, (), (), inter, (),
                             error="the body is not available")

    caps: list[Cap] = []
    body = msg.body
    received = canon.canonicalize_body(body, sig.c_body)
    expected = base64.b64decode(sig.bh)
    computed = canon.body_hash(received, a, sig.length)
    matches = computed == expected
    # Links in the body only matter for explaining a mismatch; scanning 20 MB for them on
    # every valid message would cost more than the hash.
    inter = recognise_intermediaries(msg, signature_index=sig.header.index, scan_body=not matches)
    tail = received[sig.length:] if sig.length is not None else b""

    orig_bh = None
    orig_matches = None
    target = expected
    orig_canon = None
    if original is not None and original.body is not None:
        orig_canon = canon.canonicalize_body(original.body, sig.c_body)
        orig_digest = canon.body_hash(orig_canon, a, sig.length)
        orig_bh = _b64(orig_digest)
        orig_matches = orig_digest == expected
        target = orig_digest
        # The input's own line endings are wizard.input's finding; the original is not classified.
        if (ending := line_ending_finding(original, "Original: ")) is not None:
            findings.append(ending)
        if not orig_matches:
            findings.append(outcome.original_does_not_match(about, sig.bh, orig_bh))

    diff: tuple[DiffLine, ...] = ()
    if orig_canon is not None:
        if len(received) > MAX_BODY or len(orig_canon) > MAX_BODY:
            caps.append(Cap("body bytes for diff", MAX_BODY, max(len(received), len(orig_canon))))
        else:
            diff = diff_bodies(orig_canon, received)

    # The verdict itself (bh match or not, CANON-01) is wizard.dkim.verify's finding; forensics
    # reports only what changed and the proof.
    if matches and (orig_canon is None or orig_matches or orig_canon == received):
        return BodyForensics(sig.bh, _b64(computed), True, sig.c_body, sig.length, tail, None, (), diff,
                             inter, tuple(findings), orig_bh, orig_matches, tuple(caps))

    if matches:
        findings.append(outcome.differs_outside_signature(about))

    hit: Hit | None = None
    search = Search(received, sig.c_body, a, sig.length, target)
    if len(body) > MAX_BODY:
        caps.append(Cap("body bytes for the change search", MAX_BODY, len(body)))
        search.tried.append(f"no search: the body is over {MAX_BODY >> 20} MB")
    else:
        hit = run_search(search, msg, body)
        if search.budget_hit:
            caps.append(Cap("bytes hashed by the change search", SEARCH_BUDGET, search.spent))
    if hit is None and orig_canon is not None and original is not None:
        hit = compare_with_original(received, orig_canon, msg, original, sig.c_body)

    change = _proven(hit, received) if hit else None
    ar_pass = _delivery_pass(_read_receivers(msg) if delivery is None else delivery, sig.d)
    damage = paste_damage(msg) if change is None else ()
    if change is not None and hit is not None:
        if hit.by_comparison:
            proof = "Found by comparing the canonical bodies of the original and the received copy"
        elif orig_canon is None or orig_matches:
            proof = f"Proven: undoing it reproduces bh={sig.bh}"
        else:
            proof = "Proven: undoing it reproduces the original's canonical body exactly"
        # An empty-body bh= is verification's CANON-06; the proof is kept in proven_change.
        if change.finding_id != outcome.EMPTY_BODY:
            findings.append(Finding(change.finding_id, Severity.INFO if ar_pass else Severity.ERROR,
                                    change.description,
                                    f"{proof}. At offset {change.offset} of the canonical body, "
                                    f"{change.received_length} bytes are there now where the signer hashed "
                                    f"{change.original_length}.", change.evidence, about=about))
        if ar_pass:
            findings.append(_evid05(ar_pass, about))
        findings += _cause_findings(change, hit.wrapper_cause, inter, about)
    elif ar_pass and not damage:
        findings.append(_evid05(ar_pass, about))
    elif not matches and not damage:
        # With a damaged copy, wizard.input.fidelity's EVID-03 is the explanation: the copy,
        # not the sender, is suspect.
        findings.append(outcome.body_change_unexplained(about, tuple(search.tried[:MAX_EVIDENCE_LINES])))
    return BodyForensics(sig.bh, _b64(computed), matches, sig.c_body, sig.length, tail, change,
                         tuple(search.tried), diff, inter, tuple(findings), orig_bh, orig_matches, tuple(caps),
                         damage)
