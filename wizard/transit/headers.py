"""Say which header changed after signing, and prove it: the header signature b= of one
DKIM-Signature is re-verified by dkimpy with the published key over edited header lists
(a Subject tag removed, a field refolded, an added header dropped, z= copies restored, …);
the edit that makes b= verify again is the proof.

As on the body side, the pass/fail verdict is wizard.dkim.verify's (CANON-01/CANON-13) and
a damaged copy is wizard.input.fidelity's EVID-03; this module reports what changed.
"""
from __future__ import annotations

import re
from collections.abc import Iterator

from msgspec import Struct

import dkim
from wizard.common.safe_text import sanitize, shorten
from wizard.dkim import canon, outcome
from wizard.dkim.signature import Signature
from wizard.dkim.tags import HEADER_ADDED, Z_COPY_DIFFERS
from wizard.dkim.verify import dkimpy_fields
from wizard.input.fidelity import paste_damage
from wizard.input.message import Header, Message
from wizard.model.findings import Finding, Severity
from wizard.model.transit import HeaderForensics as HeaderForensics
from wizard.transit.change import (
    MAX_EVIDENCE_LINES,
    MAX_SHOWN_BYTES,
    ProvenChange,
    finding_about,
    sentence,
)
from wizard.transit.diff import visible
from wizard.transit.intermediaries import Intermediary, recognise_intermediaries, strip_subject_tag

MAX_HEADER_VERIFIES = 400  # RSA verifications per header search


# The run of base64 and blank characters that reaches the end; the lookbehind starts it only
# where a run begins, so each byte is scanned once.
_B64_TAIL = re.compile(rb"(?<![A-Za-z0-9+/= \t])[A-Za-z0-9+/= \t]*$")


def _join_b_value(value: bytes) -> bytes:
    """Remove the blanks inside a trailing `b=` value (dkimpy signs it unfolded).

    The first `b=` whose rest is all base64 lies inside the base64 run that ends the value, so
    that run is found first: `\\bb=[…]*$` tried from every `b=` was quadratic on `b=b=b=…`."""
    tail = _B64_TAIL.search(value)
    tag = re.compile(rb"\bb=").search(value, tail.start()) if tail else None
    if tail is None or tag is None:
        return value
    return value[: tag.end()] + re.sub(rb"[ \t]", b"", value[tag.end() : tail.end()]) + value[tail.end() :]


_SINGLETONS = ("from", "sender", "reply-to", "to", "cc", "bcc", "subject", "date", "message-id", "in-reply-to",
               "references")
_NAME_CASE = {"message-id": "Message-ID", "mime-version": "MIME-Version", "dkim-signature": "DKIM-Signature"}


class _HeaderVerifier:
    """Re-verify b= of one signature over edited header lists, with dkimpy and a fixed key.

    dkimpy's verify() checks the body hash first and stops there on a mismatch, and its
    prep step rejects expired signatures; forensics needs the header answer on its own
    (CANON-01), so we call DKIM.verify_sig with bh= left out of the tag dict and only the
    header fields given (the header hash never reads the body)."""

    def __init__(self, sig: Signature, public_key: bytes):
        self.tags = sig.dkimpy_tags
        self.tags.pop(b"bh", None)
        self.include = [x.lower() for x in re.split(rb"(?<!\s)\s*:\s*", self.tags.get(b"h", b"").strip()) if x]
        self.position = sig.index  # which DKIM-Signature (0 = top-most)
        k = b"ed25519" if sig.a.startswith("ed25519") else b"rsa"
        self.record = b"v=DKIM1; k=" + k + b"; p=" + public_key
        self.runs = 0

    def dnsfunc(self, name, timeout=5):
        return self.record

    def __call__(self, fields: list[bytes]) -> bool | str:
        self.runs += 1
        try:
            d = dkim.DKIM()
            d.headers = dkimpy_fields(fields)
            sigs = [(x, y) for x, y in d.headers if x.lower() == b"dkim-signature"]
            if len(sigs) <= self.position:
                return "the DKIM-Signature header is missing"
            return bool(d.verify_sig(dict(self.tags), list(self.include), sigs[self.position], self.dnsfunc))
        # dkimpy reports a missing or malformed tag (a=, b=, d=, s=) as KeyError/ValueError
        # rather than DKIMException; any of them means "cannot verify", never a crash.
        except (dkim.DKIMException, KeyError, ValueError, TypeError, IndexError) as exc:
            return sanitize(f"{type(exc).__name__}: {exc}", one_line=True)


def _fold78(raw: bytes) -> bytes:
    """Refold a field the way most MUAs do: break before a space so lines stay ≤ 78."""
    colon = raw.index(b":")
    words = re.sub(rb"\r\n(?=[ \t])", b"", raw[colon + 1 :]).split(b" ")
    lines = [raw[: colon + 1] + words[0]]
    for w in words[1:]:
        if len(lines[-1]) + 1 + len(w) > 78 and lines[-1].strip():
            lines.append(b" " + w)
        else:
            lines[-1] += b" " + w
    return b"\r\n".join(lines)


def _name_variants(name: bytes) -> list[bytes]:
    text = name.decode("latin-1")
    canonical = _NAME_CASE.get(text.lower(), "-".join(p.capitalize() for p in text.split("-")))
    return [v.encode("latin-1") for v in dict.fromkeys((canonical, text.lower())) if v != text]


def _z_values(tags: dict) -> list[tuple[str, bytes]]:
    """z= copied header fields (RFC 6376 §3.5): '|'-separated, dkim-quoted-printable."""
    z = tags.get(b"z")
    if not z:
        return []
    out = []
    for item in re.sub(rb"\s+", b"", z).split(b"|"):
        if b":" not in item:
            continue
        name, value = item.split(b":", 1)
        value = re.sub(rb"=([0-9A-Fa-f]{2})", lambda m: bytes([int(m.group(1), 16)]), value)
        out.append((name.decode("latin-1"), value))
    return out


def _relaxed_value(value: bytes) -> bytes:
    return re.sub(rb"[ \t]+", b" ", re.sub(rb"\r\n", b"", value)).strip()


class _HCand(Struct, frozen=True):
    kind: str
    finding_id: str
    description: str
    index: int  # header index concerned
    fields: list
    before: bytes  # the field as the candidate restores it (empty: header removed)


def _header_candidates(msg: Message, include: list[bytes], algo: str, sig_header_index: int,
                       tags: dict, original: Message | None, tried: list[str]) -> Iterator[_HCand]:
    fields = [h.raw for h in msg.headers]
    signed = {x.decode("latin-1") for x in include}
    # Header instances dkimpy's select_headers would pick, bottom-up per name.
    chosen: list[Header] = []
    used: dict[str, int] = {}
    for name in include:
        lname = name.decode("latin-1")
        pool = [h for h in msg.headers if h.name.lower() == lname and h.index != sig_header_index]
        k = used.get(lname, 0)
        if k < len(pool):
            chosen.append(pool[len(pool) - 1 - k])
        used[lname] = k + 1

    def with_field(index: int, raw: bytes | None) -> list[bytes]:
        new = list(fields)
        if raw is None:
            del new[index]
        else:
            new[index] = raw
        return new

    if original is not None:
        tried.append("the sender's copy: each signed header compared and restored")
        for lname in dict.fromkeys(x.decode("latin-1") for x in include):
            now = [h for h in msg.headers if h.name.lower() == lname]
            before = [h for h in original.headers if h.name.lower() == lname]
            if [h.raw for h in now] == [h.raw for h in before]:
                continue
            new = [h.raw for h in msg.headers if h.name.lower() != lname]
            at = min((h.index for h in now), default=0)
            for h in reversed(before):
                new.insert(min(at, len(new)), h.raw)
            if len(now) > len(before):
                kind, fid, what = "header-added", HEADER_ADDED, f"A {now[0].name} header was added after signing."
            elif len(now) == len(before) == 1 and _relaxed_value(now[0].raw.split(b":", 1)[1]) == \
                    _relaxed_value(before[0].raw.split(b":", 1)[1]):
                kind, fid, what = ("refolded" if now[0].name == before[0].name else "header-case", "CANON-02",
                                   f"The {before[0].name} header was refolded or re-spaced after signing "
                                   "(breaks c=simple/…, survives relaxed).")
            else:
                kind, fid = "header-changed", outcome.HEADER_CHANGED
                what = f"The {lname} header value changed after signing."
            yield _HCand(kind, fid, what, now[0].index if now else 0, new, before[0].raw if before else b"")

    z = _z_values(tags)
    if z:
        tried.append(f"z= copied headers: {len(z)} values restored")
        for zname, zvalue in z:
            zh = msg.get(zname)
            if zh is None or _relaxed_value(zvalue) == _relaxed_value(zh.raw.split(b":", 1)[1]):
                continue
            for raw in (zh.name.encode("latin-1") + b":" + zvalue, zh.name.encode("latin-1") + b": " + zvalue.lstrip()):
                yield _HCand("header-changed", Z_COPY_DIFFERS, f"The {zh.name} header differs from its z= copy: "
                             "it was changed after signing.", zh.index, with_field(zh.index, raw), raw)

    for h in chosen:
        if h.name.lower() != "subject":
            continue
        variants = strip_subject_tag(h.value)
        tried.append(f"subject tags: {len(variants)} tag removals tried on Subject")
        for label, tag, value in variants:
            raw = h.raw[: h.raw.index(b":") + 1] + value.encode("utf-8", "surrogateescape")
            yield _HCand("subject-tag", outcome.HEADER_CHANGED,
                         f"The Subject was tagged {tag!r} after signing ({label}).",
                         h.index, with_field(h.index, raw), raw)

    removable = [h for h in msg.headers if h.name.lower() in signed and h.index != sig_header_index
                 and h.name.lower() != "dkim-signature"][:40]
    tried.append(f"headers added in transit: {len(removable)} signed-name header(s) removed one at a time")
    for h in removable:
        yield _HCand("header-added", HEADER_ADDED, f"A {h.name} header was added after signing; h= covers "
                     f"{h.name.lower()}, so the verifier now hashes the new one.", h.index,
                     with_field(h.index, None), b"")

    if algo == canon.SIMPLE and 0 <= sig_header_index < len(fields):
        # c=simple hashes the DKIM-Signature's own folding (DKIM-SIG-22). A relay that refolded
        # it is undone by refolding the way dkimpy signs (its fold() at 72 columns).
        raw_sig = fields[sig_header_index]
        colon = raw_sig.index(b":")
        unfolded = raw_sig[colon + 1 :].replace(b"\r\n", b"").lstrip(b" \t")
        unfolded = _join_b_value(unfolded)
        refolded = raw_sig[: colon + 1] + b" " + dkim.fold(unfolded + b"\r\n", namelen=colon).rstrip(b"\r\n")
        tried.append("DKIM-Signature refolded the way dkimpy folds it")
        if refolded != raw_sig:
            yield _HCand("refolded", "DKIM-SIG-22", "The DKIM-Signature header itself was refolded after signing; "
                         "with c=simple its folding is part of the signed data.", sig_header_index,
                         with_field(sig_header_index, refolded), refolded)

    if algo == canon.SIMPLE:
        tried.append(f"simple header canonicalisation: unfolding, refolding at 78, name case and "
                     f"space after the colon for {len(chosen)} signed header(s)")
        for h in chosen:
            colon = h.raw.index(b":")
            name, rest = h.raw[:colon], h.raw[colon + 1 :]
            variants_: list[tuple[str, bytes]] = []
            if b"\r\n" in h.raw:
                variants_.append(("refolded", h.raw.replace(b"\r\n", b"")))
            if len(h.raw) > 78 or b"\r\n" in h.raw:
                variants_.append(("refolded", _fold78(h.raw)))
            variants_ += [("header-case", v + b":" + rest) for v in _name_variants(name)]
            variants_.append(("refolded", name + b":" + rest[1:] if rest.startswith(b" ") else name + b": " + rest))
            for kind, raw in dict.fromkeys(variants_):
                if raw == h.raw:
                    continue
                what = (f"The {h.name} header name's case was changed after signing (c=simple keeps case)."
                        if kind == "header-case" else
                        f"The {h.name} header was refolded or re-spaced after signing (c=simple keeps folding).")
                yield _HCand(kind, "CANON-02", what, h.index, with_field(h.index, raw), raw)


def _header_cause_findings(change: ProvenChange, inter: tuple[Intermediary, ...], about: str) -> list[Finding]:
    out = []
    if change.kind == "subject-tag":
        lists = [it for it in inter if it.cause in ("CAUSE-01", "CAUSE-02")]
        if lists:
            it = lists[0]
            out.append(Finding(it.cause, Severity.ERROR, sentence(f"{it.name} tagged the Subject after signing"),
                               f"{change.description} Fix: {it.fix}.", it.evidence, about=about))
        else:
            gw = [it.name for it in inter if it.cause in ("CAUSE-03", "CAUSE-05")]
            by = f" (likely {gw[0]})" if gw else ""
            out.append(Finding("CAUSE-07", Severity.ERROR, f"A tagging system changed the Subject{by}",
                               f"{change.description} Fix: exempt signed mail from tagging, or tag after "
                               "verification.", change.evidence, about=about))
    elif change.kind in ("refolded", "header-case"):
        out.append(Finding("CAUSE-09", Severity.ERROR, "Header refolding or whitespace change broke c=simple",
                           f"{change.description} Fix: sign with c=relaxed/relaxed.", change.evidence, about=about))
    elif change.kind == "header-added":
        out.append(Finding("CAUSE-10", Severity.ERROR, "A header covered by h= was added in transit",
                           f"{change.description} If h= lists the name more often than it occurred when signing "
                           "(oversigning), this is oversigning doing its job; otherwise the relay added a "
                           "duplicate: remove it at the source.", change.evidence, about=about))
    return out


def analyze_headers(msg: Message, sig: Signature, *, public_key: bytes | None,
                    original: Message | None = None) -> HeaderForensics:
    """Check b= of one parsed DKIM-Signature of `msg` on its own and, when it fails, find the
    header change whose reversal makes it verify again. `public_key` is the key record's p=
    (base64)."""
    if sig.dkimpy_error or sig.c_header not in (canon.SIMPLE, canon.RELAXED):
        # The signature's own findings (wizard.dkim.tags, wizard.dkim.verify) say what is wrong.
        return HeaderForensics(None, sig.c_header, sig.h, None, (), (), (), (), "signature cannot be parsed")
    about = finding_about(sig)
    tags = sig.dkimpy_tags
    sig_index = sig.header.index
    # Header-side attribution needs header evidence only; scanning a large body again for
    # links would double the cost of a check for nothing.
    inter = recognise_intermediaries(msg, signature_index=sig_index, scan_body=False)
    findings: list[Finding] = []

    for lname in _SINGLETONS:
        dup = msg.get_all(lname)
        if len(dup) > 1:
            findings.append(Finding("CAUSE-10", Severity.ERROR, f"{len(dup)} {dup[0].name} headers",
                                    "A message must carry this header at most once (RFC 5322 §3.6); receivers "
                                    "such as Gmail reject it, and DKIM verifiers hash only the bottom one.",
                                    tuple(f"{h.name}: {shorten(sanitize(h.unfolded, one_line=True), 150)}"
                                          for h in dup),
                                    about=about))
    z_diff = []
    for zname, zvalue in _z_values(tags):
        h = msg.get(zname)
        now = h.raw.split(b":", 1)[1] if h else b""
        if _relaxed_value(zvalue) != _relaxed_value(now):
            z_diff.append((sanitize(zname, one_line=True),
                           sanitize(zvalue.decode("utf-8", "backslashreplace"), one_line=True),
                           sanitize(now.decode("utf-8", "backslashreplace"), one_line=True).strip()))
    # That z= copies differ is the tag checks' DKIM-SIG-21 (wizard.dkim.tags); kept here for the
    # pane, and tried below as a change that may explain the failure.

    def done(ok: bool | None, change: ProvenChange | None = None, tried: list[str] | tuple = (),
             error: str = "", damage: tuple[str, ...] = ()) -> HeaderForensics:
        return HeaderForensics(ok, sig.c_header, sig.h, change, tuple(tried), tuple(z_diff), inter,
                               tuple(findings), error, damage)

    if not public_key:
        return done(None, error="no public key given: the header signature was not checked")
    verify = _HeaderVerifier(sig, public_key)
    result = verify([h.raw for h in msg.headers])
    # As on the body side, the pass/fail verdict is wizard.dkim.verify's CANON-01 finding.
    if result is True:
        return done(True)
    if isinstance(result, str):
        return done(None, error=result)
    tried: list[str] = []
    change = None
    for cand in _header_candidates(msg, verify.include, sig.c_header, sig_index, tags, original, tried):
        if verify.runs > MAX_HEADER_VERIFIES:
            tried.append(f"stopped after {MAX_HEADER_VERIFIES} re-verifications")
            break
        if verify(cand.fields) is True:
            present = cand.index < len(msg.headers)
            now = msg.headers[cand.index].raw if present else b""
            header = msg.headers[cand.index].name if present else ""
            evidence = ((f"- {visible(cand.before)}",) if cand.before else ()) + (f"+ {visible(now)}",)
            change = ProvenChange(cand.kind, cand.finding_id, cand.description, evidence, cand.index,
                                  now[:MAX_SHOWN_BYTES], cand.before[:MAX_SHOWN_BYTES], len(now), len(cand.before),
                                  sanitize(header, one_line=True))
            break
    damage: tuple[str, ...] = ()
    if change is not None:
        findings.append(Finding(change.finding_id, Severity.ERROR, change.description,
                                "Proven: with this change undone, b= verifies with the published key.",
                                change.evidence, about=about))
        findings += _header_cause_findings(change, inter, about)
    elif not (damage := paste_damage(msg)):
        # With a damaged copy, wizard.input.fidelity's EVID-03 is the explanation instead.
        findings.append(outcome.header_change_unexplained(about, tuple(tried[:MAX_EVIDENCE_LINES])))
    return done(False, change, tried, damage=damage)
