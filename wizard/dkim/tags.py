"""Every DKIM-Signature decoded, explained in plain words, and checked without DNS (§1).

The checks here need only the message: tag syntax, required tags, algorithm, canonicalisation,
identity, header coverage, body length, times, the shape of b=/bh=, q=, z=. Key lookups and
cryptographic verification live elsewhere (keyrecord, verify); what each tag means is in
wizard.dkim.meanings. dkimpy is the reference for
what a verifier does, and its own pieces are used where they fit: `select_headers` decides
which header instances h= covers, `CanonicalizationPolicy` gives the canonical body length.
"""
from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import TypedDict

from dkim.canonicalization import CanonicalizationPolicy, InvalidCanonicalizationPolicyError
from msgspec import Struct

from dkim import select_headers
from wizard.common.dnsname import InvalidName, check_name
from wizard.common.durations import span
from wizard.common.safe_text import decode, sanitize, shorten
from wizard.dkim.canon import canonicalize_body
from wizard.dkim.meanings import (
    ALGORITHMS,
    CANON,
    TagInfo,
    b64_value,
    decode_qp,
    decode_z,
    display_value,
    epoch_utc,
    explain_tag,
    split_h,
    utc_text,
)
from wizard.dkim.signature import MAX_PARSED, Signature, parse_signatures
from wizard.dkim.taglist import TagList, Verdict, pointer
from wizard.input.message import Header, Message, parse_date
from wizard.input.received import ReceivedChain, parse_received
from wizard.model.dkim import DecodedSignature as DecodedSignature
from wizard.model.findings import Cap, Finding, Severity, signature_about

MAX_SIGNATURES = MAX_PARSED  # signatures examined per message; more is abuse (say so, stop there)

REQUIRED = ("v", "a", "b", "bh", "d", "h", "s")  # RFC 6376 §3.5
# RFC 6376 §5.4.1's recommended list, plus RFC 8058's one-click header.
RECOMMENDED = (
    "from", "reply-to", "subject", "date", "to", "cc", "resent-date", "resent-from",
    "resent-to", "resent-cc", "in-reply-to", "references", "list-id", "list-help",
    "list-unsubscribe", "list-subscribe", "list-post", "list-owner", "list-archive",
    "list-unsubscribe-post",
)
# RFC 5322 §3.6: at most one of each. A second copy is what Gmail rejects (§10).
SINGLE = ("from", "sender", "reply-to", "to", "cc", "bcc", "message-id", "in-reply-to",
          "references", "subject", "date")
# Headers intermediaries rewrite (DKIM-SIG-13), with who usually does it.
REWRITTEN = {
    "subject": "tagged by gateways and lists ([EXTERNAL], [list-name])",
    "from": "rewritten by lists for DMARC mitigation",
    "reply-to": "set or replaced by lists",
    "to": "address rewriting by forwarders",
    "cc": "address rewriting by forwarders",
    "message-id": "replaced by some relays",
    "content-type": "changed when a relay re-encodes the body",
    "content-transfer-encoding": "changed when a relay re-encodes the body (8bit to QP/base64)",
    "mime-version": "added or normalised by relays that re-encode",
    "sender": "set by lists",
    "date": "rewritten by a few relays",
}
FUTURE_TOLERANCE = timedelta(minutes=5)
# The ids, for the change records (wizard.transit.headers) that name the diagnosis a proof supports.
HEADER_ADDED = "DKIM-SIG-12"
Z_COPY_DIFFERS = "DKIM-SIG-21"
SHORT_VALIDITY = timedelta(hours=24)


class SignatureSet(Struct, frozen=True):
    signatures: tuple[DecodedSignature, ...]  # top-most first
    findings: tuple[Finding, ...]  # every finding: the set's own and each signature's
    total: int = 0  # DKIM-Signature fields in the message (may exceed those examined)
    cap: Cap | None = None


class _Sig(TypedDict):
    """One signature's decoded tag values, as the checks read them (see DecodedSignature)."""

    d: str | None
    s: str | None
    a: str | None
    c_header: str
    c_body: str
    i: str | None
    q: str | None
    h: tuple[str, ...]
    l: int | None  # noqa: E741 - the l= tag's own name
    t: datetime | None
    x: datetime | None


class _Builder:
    """Collects the notes, warnings and findings of one signature while it is checked."""

    def __init__(self, index: int, header: Header, tags: TagList) -> None:
        self.index = index
        self.header = header
        self.tags = tags
        self.notes: dict[str, tuple[Verdict, str]] = {}
        self.warnings: list[str] = []
        self.findings: list[Finding] = []
        self.about = ""

    @property
    def evidence(self) -> str:
        # Unfolded: evidence is shown one line per item; the fold points carry no meaning here.
        return f"{self.header.name}: {self.header.unfolded}"

    def note(self, tag: str, verdict: Verdict, text: str) -> None:
        old_verdict, old_text = self.notes.get(tag, (Verdict.OK, ""))
        worse = verdict if _RANK[verdict] > _RANK[old_verdict] else old_verdict
        joined = f"{old_text}; {text}" if old_text and text not in old_text else (old_text or text)
        self.notes[tag] = (worse, joined)

    def warn(self, code: str) -> None:
        if code not in self.warnings:
            self.warnings.append(code)

    def find(self, id_: str, severity: Severity, title: str, detail: str,
             evidence: tuple[str, ...] = ()) -> None:
        self.findings.append(
            Finding(id_, severity, title, detail, evidence or (self.evidence,), about=self.about)
        )


_RANK = {Verdict.OK: 0, Verdict.WARN: 1, Verdict.ERROR: 2}


class _Context(Struct, frozen=True):
    """Facts about the message shared by every signature's checks."""

    msg: Message
    now: datetime
    received: ReceivedChain
    date: datetime | None
    bodies: dict  # canonical body per body algorithm, filled lazily


def _canonical_body(ctx: _Context, algorithm: str) -> bytes | None:
    if ctx.msg.body is None:
        return None
    if algorithm not in ctx.bodies:
        # wizard.dkim.canon gives dkimpy's bytes, faster (dkimpy's regexes dominate on big bodies).
        ctx.bodies[algorithm] = canonicalize_body(ctx.msg.body, algorithm)
    return ctx.bodies[algorithm]


def _int_tag(b: _Builder, name: str, digits: int = 12) -> int | None:
    value = b.tags.get(name)
    if value is None:
        return None
    if not re.fullmatch(rf"\d{{1,{digits}}}", value):
        b.note(name, Verdict.ERROR, "not a decimal number")
        b.find("DKIM-SIG-02", Severity.ERROR, f"{name}= is not a number",
               f"{name}={value!r}: RFC 6376 §3.5 requires a plain decimal integer here, so "
               "verifiers reject the signature.")
        b.warn("syntax")
        return None
    return int(value)


def _check_syntax(b: _Builder) -> None:
    for problem in b.tags.problems:
        b.find(
            "DKIM-SIG-02", Severity.ERROR,
            "Tag-list syntax error" if problem.kind != "duplicate" else "Duplicate tag",
            problem.message + ". Verifiers reject the whole signature (permerror).",
            (b.evidence, pointer(b.tags.source, problem.position)),
        )
        b.warn("syntax")
    missing = [t for t in REQUIRED if b.tags.get(t) is None]
    if missing:
        listed = ", ".join(f"{t}=" for t in missing)
        b.find("DKIM-SIG-03", Severity.ERROR, f"Required tag missing: {listed}",
               "v, a, b, bh, d, h and s are all required (RFC 6376 §3.5); a verifier ignores a "
               'signature without them ("signature missing required tag").')
        b.warn("missing_tags")


def _check_basics(b: _Builder, sig: _Sig) -> None:
    v = b.tags.get("v")
    if v is not None and v != "1":
        b.note("v", Verdict.ERROR, "only v=1 exists")
        b.find("DKIM-SIG-04", Severity.ERROR, f"Unsupported version v={v}",
               'v= must be 1 (RFC 6376 §3.5); any other value is "incompatible version".')
        b.warn("bad_version")
    a = (sig["a"] or "").lower()
    if a == "rsa-sha1":
        b.note("a", Verdict.ERROR, "rsa-sha1 is no longer accepted")
        b.find("DKIM-SIG-05", Severity.ERROR, "Signed with rsa-sha1",
               "a=rsa-sha1 is no longer accepted: RFC 8301 says verifiers MUST NOT treat rsa-sha1 "
               "signatures as valid (receivers show dkim=policy or fail). Re-sign with "
               "rsa-sha256: in OpenDKIM set `SignatureAlgorithm rsa-sha256`.")
        b.warn("sha1")
    elif sig["a"] is not None and a not in ALGORITHMS:
        b.note("a", Verdict.ERROR, "unknown algorithm")
        b.find("DKIM-SIG-06", Severity.ERROR, f"Unknown signing algorithm a={sig['a']}",
               "Only rsa-sha256 and ed25519-sha256 are defined; verifiers return permerror for "
               "anything else (RFC 6376 §6.1.1).")
        b.warn("unknown_algorithm")
    for name, value in (("d", sig["d"]), ("s", sig["s"])):
        if value is None:
            continue
        try:
            check_name(value if name == "d" else f"{value}._domainkey.example")
        except InvalidName as exc:
            b.note(name, Verdict.ERROR, "not a usable DNS name")
            b.find("DKIM-SIG-02", Severity.ERROR, f"{name}= is not a valid DNS name",
                   f"{exc}. The key cannot be looked up, so the signature cannot verify.")
            b.warn("syntax")
    q = b.tags.get("q")
    if q is not None and "dns/txt" not in [m.strip().lower() for m in q.split(":")]:
        b.note("q", Verdict.ERROR, "only dns/txt is defined")
        b.find("DKIM-SIG-18", Severity.ERROR, f"Unsupported query method q={q}",
               "q= may only be dns/txt (RFC 6376 §3.5); verifiers cannot fetch the key otherwise.")
        b.warn("bad_query")


def _check_canon(b: _Builder, sig: _Sig) -> None:
    c = b.tags.get("c")
    if c is None:
        b.notes.setdefault("c", (Verdict.WARN, "absent: defaults to simple/simple"))
    try:
        CanonicalizationPolicy.from_c_value(c.lower().encode() if c is not None else None)
    except InvalidCanonicalizationPolicyError:
        b.note("c", Verdict.ERROR, "not a valid canonicalisation")
        b.find("DKIM-SIG-07", Severity.ERROR, f"Invalid canonicalisation c={c}",
               "c= must be simple or relaxed for headers and for the body (header/body); "
               "verifiers reject this signature.")
        b.warn("syntax")
        return
    if "simple" in (sig["c_header"], sig["c_body"]):
        parts = [p for p, v in (("headers", sig["c_header"]), ("body", sig["c_body"])) if v == "simple"]
        b.note("c", Verdict.WARN, f"simple for {' and '.join(parts)} is fragile")
        b.find("DKIM-SIG-07", Severity.INFO,
               f"c={sig['c_header']}/{sig['c_body']}: simple canonicalisation for {' and '.join(parts)}",
               "simple breaks on any refolding or whitespace change by a relay or list; "
               "relaxed/relaxed is the usual choice. This matters when the signature failed.")
        b.warn("simple_canon")


def _check_identity(b: _Builder, sig: _Sig) -> None:
    i, d = sig["i"], sig["d"]
    if i is None or d is None:
        return
    # i= is dkim-quoted-printable (RFC 6376 §3.5): "user=40example.com" is user@example.com.
    i = decode_qp(i.encode("utf-8", "surrogateescape")).decode("utf-8", "replace")
    domain = i.rpartition("@")[2].lower().rstrip(".")
    d = d.lower().rstrip(".")
    if "@" not in i or not (domain == d or domain.endswith("." + d)):
        b.note("i", Verdict.ERROR, "not inside d=")
        b.find("DKIM-SIG-09", Severity.ERROR, f"i= {i} is not inside d={d}",
               "The domain of i= must equal d= or be a subdomain of it (RFC 6376 §3.5); "
               'verifiers fail the signature ("domain mismatch").')
        b.warn("identity_mismatch")


def _check_headers(b: _Builder, sig: _Sig, msg: Message) -> None:
    listed = sig["h"]
    if b.tags.get("h") is None:
        return
    names = [n.lower() for n in listed]
    if "" in names:
        b.note("h", Verdict.WARN, "empty name in the list (stray ':')")
    names = [n for n in names if n]
    if "from" not in names:
        b.note("h", Verdict.ERROR, "From is not signed")
        b.find("DKIM-SIG-10", Severity.ERROR, "From is not signed",
               'h= must include From (RFC 6376 §5.4); verifiers ignore this signature ("From '
               'field not signed").')
        b.warn("unsigned_from")
    sig_at = b.header.index
    headers = msg.headers
    # Which header instances h= covers, exactly as dkimpy picks them (bottom-up per name).
    pairs = [(h.name, h.index) for h in headers]
    covered = {index for _, index in select_headers(pairs, names)}
    counts: dict[str, int] = {}
    for h in headers:
        counts[h.name.lower()] = counts.get(h.name.lower(), 0) + 1
    listed_counts: dict[str, int] = {}
    for n in names:
        listed_counts[n] = listed_counts.get(n, 0) + 1
    marks = []
    for name, in_h in listed_counts.items():
        in_msg = counts.get(name, 0)
        if in_h > in_msg:
            marks.append(f"{name} ×{in_h} (oversigned: {in_msg} in the message, so adding one breaks the signature)")
    if marks:
        b.note("h", Verdict.OK, "; ".join(marks))
        b.find("DKIM-SIG-12", Severity.INFO, "Oversigned headers",
               "These names are listed more often than the header occurs; that stops anyone "
               "adding them later without breaking the signature (RFC 6376 §5.4.2): "
               + "; ".join(marks) + ".")
    # (a)/(b): a covered header instance that was added after signing. Not every signer
    # prepends its signature (Amazon SES puts it among the headers), so "above the signature"
    # alone proves nothing; it does when a later hop's Received lies between the two, or when
    # another copy of the same field sits below the signature where the signer put its own.
    received_at = [h.index for h in headers if h.name.lower() == "received"]
    below = {h.name.lower() for h in headers if h.index > sig_at}
    added = [h for h in headers if h.index < sig_at and h.index in covered
             and (any(h.index < r < sig_at for r in received_at) or h.name.lower() in below)]
    if added:
        b.find("DKIM-SIG-12", Severity.WARN, "Signed header added after signing",
               "These header fields sit above the DKIM-Signature, beyond a later hop's Received "
               "field or on top of the signer's own copy, so they were added in transit; h= "
               "covers them, so the header signature fails. The relay or list that adds them "
               "must not, or the signer should stop listing them.",
               (b.evidence,) + tuple(f"line {h.line}: {h.name}:{shorten(h.value, 200)}" for h in added))
    # (c): duplicates of single-instance headers, whether h= covers them or not.
    for name in SINGLE:
        copies = [h for h in headers if h.name.lower() == name]
        if len(copies) < 2:
            continue
        lines = tuple(f"line {h.line}: {h.name}:{shorten(h.value, 200)}" for h in copies)
        uncovered = [h for h in copies if h.index not in covered]
        how = ("The signature covers only the bottom-most "
               f"{len(copies) - len(uncovered)}; the others were not signed (added after signing, "
               "or smuggled in)." if uncovered and name in listed_counts else
               "h= covers every copy, so a copy added after signing breaks the signature.")
        b.find("DKIM-SIG-12", Severity.ERROR if name == "from" else Severity.WARN,
               f"{copies[0].name} appears {len(copies)} times",
               f"RFC 5322 allows one {copies[0].name} field. {how} Gmail rejects messages with "
               "duplicate headers.", (b.evidence,) + lines)
        if name == "from":
            b.warn("duplicate_from")
    # More instances than h= covers (trace and list headers): informational.
    for name, in_h in listed_counts.items():
        extra = [h for h in headers if h.name.lower() == name and h.index not in covered]
        if not extra or name in SINGLE:
            continue
        b.find("DKIM-SIG-12", Severity.INFO,
               f"{len(extra)} {extra[0].name} field(s) not covered by h=",
               f"h= lists {name} {in_h} time(s) but the message has {counts[name]}; the top-most "
               "extra copies are not signed (added in transit, which is normal for trace "
               "headers, or left unsigned by the signer).",
               (b.evidence,) + tuple(f"line {h.line}: {h.name}:{shorten(h.value, 200)}" for h in extra))
    # DKIM-SIG-11: recommended headers present at signing time (below the signature) but unsigned.
    unsigned = sorted({h.name for h in headers
                       if h.index > sig_at and h.name.lower() in RECOMMENDED
                       and h.name.lower() not in listed_counts})
    if unsigned:
        lower = {u.lower() for u in unsigned}
        one_click = "list-unsubscribe" in lower or "list-unsubscribe-post" in lower
        detail = ("RFC 6376 §5.4.1 recommends signing these; unsigned, they can be changed or "
                  "added without breaking the signature: " + ", ".join(unsigned) + ".")
        if one_click:
            detail += (" RFC 8058 one-click unsubscribe is honoured only when DKIM covers "
                       "List-Unsubscribe and List-Unsubscribe-Post; Gmail and Yahoo require it "
                       "for bulk mail.")
        b.note("h", Verdict.WARN, "does not cover " + ", ".join(unsigned))
        b.find("DKIM-SIG-11", Severity.WARN, "Important headers not signed", detail)
    rewritten = [n for n in dict.fromkeys(names) if n in REWRITTEN and counts.get(n)]
    if rewritten:
        b.find("DKIM-SIG-13", Severity.INFO, "Signed headers that relays commonly rewrite",
               "If the header signature fails, look at these first: "
               + "; ".join(f"{n}: {REWRITTEN[n]}" for n in rewritten) + ".")


def _check_body(b: _Builder, sig: _Sig, ctx: _Context) -> None:
    length = sig["l"]
    if length is None:
        return
    b.warn("body_length")
    body = _canonical_body(ctx, sig["c_body"]) if sig["c_body"] in CANON else None
    if body is None:
        b.note("l", Verdict.WARN, "body not available: cannot say how much is unsigned")
        b.find("DKIM-SIG-14", Severity.WARN, f"Body length limit l={length}",
               f"Only the first {length} bytes of the canonical body are signed; content "
               "appended after them is not protected (a known abuse path, RFC 6376 §8.2).")
        return
    if len(body) < length:
        b.note("l", Verdict.ERROR, f"the body is now shorter ({len(body)} bytes)")
        b.find("DKIM-SIG-14", Severity.ERROR, f"Body shorter than l={length}",
               f"The canonical ({sig['c_body']}) body is {len(body)} bytes, fewer than the "
               f"{length} that were signed: the body was cut, so the body hash cannot match.")
        return
    extra = len(body) - length
    if extra:
        tail = shorten(decode(body[length:]), 300)
        b.note("l", Verdict.WARN, f"{extra} bytes of the body are not signed")
        b.find("DKIM-SIG-14", Severity.WARN, f"l={length}: {extra} bytes of the body are unsigned",
               f"Only the first {length} bytes of the canonical ({sig['c_body']}) body are signed; "
               f"{extra} bytes were added after signing (footer, list trailer, or injected "
               "content) and are not protected by this signature.",
               (b.evidence, f"unsigned tail: {tail}"))
    else:
        b.note("l", Verdict.WARN, "covers the whole body now, but appended text would not be signed")
        b.find("DKIM-SIG-14", Severity.WARN, f"Body length limit l={length}",
               "The whole current body is signed, but l= lets anyone append content without "
               "breaking the signature (RFC 6376 §8.2); signers should not use l=.")


def _check_times(b: _Builder, sig: _Sig, ctx: _Context) -> None:
    t, x = sig["t"], sig["x"]
    hops_after = [h for h in ctx.received.before(b.header.index) if h.timestamp]
    receipt = hops_after[-1] if hops_after else None  # first hop that saw the signed message
    arrival = ctx.received.hops[0] if ctx.received.hops and ctx.received.hops[0].timestamp else None
    if t is not None:
        refs: list[tuple[datetime, str, str]] = []
        if receipt is not None and receipt.timestamp is not None:  # hops_after all have one
            refs.append((receipt.timestamp, f"the first Received after signing ({receipt.by or '?'})",
                         f"{receipt.header.name}: {shorten(receipt.raw, 200)}"))
        elif ctx.date is not None:
            # No Received after the signature: only the Date is left, and it is the author's
            # clock at composition, so a day of queueing and skew is allowed for.
            refs.append((ctx.date + timedelta(days=1), "one day after the message's Date",
                         f"Date: {ctx.msg.value('Date')}"))
        refs.append((ctx.now, "the time of this check", f"checked at {utc_text(ctx.now)}"))
        for stamp, label, line in refs:
            if t > stamp + FUTURE_TOLERANCE:
                skew = t - stamp
                b.note("t", Verdict.WARN, f"{span(skew)} after {label}")
                b.find("DKIM-SIG-15", Severity.WARN, f"Signing time is {span(skew)} in the future",
                       f"t= says the message was signed at {utc_text(t)}, {span(skew)} after {label} "
                       f"({utc_text(stamp)}). Some verifiers reject signatures from the future; "
                       "the usual cause is a wrong clock on the signing server.",
                       (b.evidence, line))
                if "Received" in label:
                    b.find("CAUSE-19", Severity.WARN, "Clock problem on the signer",
                           f"The signer's clock is about {span(skew)} ahead of the receiving "
                           "server's. Fix NTP on the signing host.", (b.evidence, line))
                b.warn("future")
                break
    if x is None:
        return
    if t is not None and x <= t:
        b.note("x", Verdict.ERROR, "not after t=")
        b.find("DKIM-SIG-16", Severity.ERROR, "x= is not later than t=",
               f"The signature expires ({utc_text(x)}) before or when it was made ({utc_text(t)}); "
               "x= MUST be greater than t= (RFC 6376 §3.5), so verifiers reject it.")
        b.warn("expired")
        return
    validity = f" (validity {span(x - t)})" if t is not None else ""
    if arrival is not None and arrival.timestamp is not None and x < arrival.timestamp:
        b.note("x", Verdict.ERROR, "expired before delivery")
        b.find("DKIM-SIG-16", Severity.ERROR, "Signature expired before delivery",
               f"Signed at {utc_text(t) if t else '?'}, expired at {utc_text(x)}{validity}; the "
               f"message was received at {utc_text(arrival.timestamp)}. Receivers treat it as "
               "invalid (\"signature expired\"). Use a longer x= (days) or none.",
               (b.evidence, f"{arrival.header.name}: {shorten(arrival.raw, 200)}"))
        b.warn("expired")
    elif x < ctx.now:
        b.note("x", Verdict.WARN, "expired since delivery")
        b.find("DKIM-SIG-16", Severity.WARN, "Signature has expired since delivery",
               f"Expired at {utc_text(x)}{validity}, before this check ({utc_text(ctx.now)}) but "
               "after the message arrived: the receiver could verify it, a check now cannot.")
        b.warn("expired")
    if t is not None and x - t < SHORT_VALIDITY:
        b.note("x", Verdict.WARN, f"validity only {span(x - t)}")
        b.find("DKIM-SIG-16", Severity.WARN, f"Very short validity: {span(x - t)}",
               "A short x= breaks mail that is queued, greylisted, retried or checked later "
               "(forwarders, DSN copies). Signers usually use days or no x= at all.")
        b.warn("short_expiry")


def _check_hashes(b: _Builder, sig: _Sig) -> None:
    expected = ALGORITHMS.get((sig["a"] or "").lower(), ("", 0))[1]
    for name in ("bh", "b"):
        value = b.tags.get(name)
        if value is None:
            continue
        raw, why = b64_value(value)
        if raw is None:
            b.note(name, Verdict.ERROR, why)
            b.find("DKIM-SIG-17", Severity.ERROR, f"Malformed {name}=",
                   f"{name}= {why}; the signature cannot verify (RFC 6376 §3.5).")
            b.warn("bad_base64")
            continue
        if name == "bh" and expected and len(raw) != expected:
            b.note("bh", Verdict.ERROR, f"{len(raw)} bytes, {sig['a']} needs {expected}")
            b.find("DKIM-SIG-17", Severity.ERROR, f"bh= has the wrong length ({len(raw)} bytes)",
                   f"A {sig['a']} body hash is {expected} bytes; this one is {len(raw)}, so it "
                   "was truncated or altered and cannot match.")
            b.warn("bad_base64")
        if name == "b" and (sig["a"] or "").lower().startswith("rsa") and len(raw) < 128:
            b.note("b", Verdict.WARN, f"{len(raw) * 8}-bit signature: key shorter than 1024 bits")
            b.warn("weak_key")
        if name == "b" and (sig["a"] or "").lower().startswith("ed25519") and len(raw) != 64:
            b.note("b", Verdict.ERROR, f"{len(raw)} bytes; Ed25519 signatures are 64")
            b.find("DKIM-SIG-17", Severity.ERROR, "b= has the wrong length for Ed25519",
                   f"An Ed25519 signature is 64 bytes; this one is {len(raw)}.")
            b.warn("bad_base64")


def _collapse(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _compact(value: str | None) -> str | None:
    return re.sub(r"\s+", "", value) if value is not None else None


def _check_z(b: _Builder, msg: Message) -> None:
    value = b.tags.get("z")
    if value is None:
        return
    diffs = []
    for name, original in decode_z(value):
        current = msg.value(name)
        if current is None:
            diffs.append(f"{name}: was {original!r}, now absent")
        elif _collapse(current) != _collapse(original):  # relaxed-style: whitespace only
            diffs.append(f"{name}: was {original!r}, now {current!r}")
    if diffs:
        b.note("z", Verdict.WARN, f"{len(diffs)} header(s) differ from the copies")
        b.find("DKIM-SIG-21", Severity.INFO, "Headers changed since signing (from z=)",
               "z= holds the header values at signing time; these differ now, which names the "
               "rewritten header directly.", (b.evidence,) + tuple(shorten(d, 300) for d in diffs))
        b.warn("z_diff")
    else:
        b.note("z", Verdict.OK, "the copied headers match the current ones")


def _decode_one(index: int, header: Header, ctx: _Context, tags: TagList) -> DecodedSignature:
    b = _Builder(index, header, tags)
    c = (tags.get("c") or "simple").lower()
    c_head, _, c_body = c.partition("/")
    h = tags.get("h")
    sig: _Sig = {
        "d": tags.get("d"), "s": tags.get("s"), "a": tags.get("a"),
        "c_header": c_head, "c_body": c_body or "simple",
        "i": tags.get("i"), "q": tags.get("q"),
        "h": split_h(h) if h is not None else (),
        "l": None, "t": None, "x": None,  # set below, after the syntax findings
    }
    b.about = signature_about(index, sig['d'], sig['s'])
    _check_syntax(b)
    sig["l"] = _int_tag(b, "l", 76)
    t = _int_tag(b, "t")
    x = _int_tag(b, "x")
    sig["t"] = epoch_utc(t) if t is not None else None
    sig["x"] = epoch_utc(x) if x is not None else None
    _check_basics(b, sig)
    _check_canon(b, sig)
    _check_identity(b, sig)
    _check_hashes(b, sig)
    _check_headers(b, sig, ctx.msg)
    _check_body(b, sig, ctx)
    _check_times(b, sig, ctx)
    _check_z(b, ctx.msg)
    infos = []
    for tag in tags.tags:
        verdict, note = b.notes.get(tag.name, (Verdict.OK, ""))
        infos.append(TagInfo(tag.name, display_value(tag.name, tag.value),
                             explain_tag(tag.name, tag.value), verdict, note))
    if tags.get("c") is None:
        infos.append(TagInfo("c", "", explain_tag("c", "simple/simple"), *b.notes["c"]))
    return DecodedSignature(
        index=index, header=header, tags=tuple(infos),
        d=sig["d"], s=sig["s"], a=sig["a"], c_header=sig["c_header"], c_body=sig["c_body"],
        i=sig["i"], l=sig["l"], t=sig["t"], x=sig["x"], q=sig["q"], h=sig["h"],
        bh=_compact(tags.get("bh")), b=_compact(tags.get("b")),
        syntax_ok=tags.ok and not any(f.id in ("DKIM-SIG-02", "DKIM-SIG-03") for f in b.findings),
        warnings=tuple(b.warnings), findings=tuple(b.findings),
    )


# What verification (wizard.dkim.verify) sees beyond the tags, built here so each of these
# ids has its words in one module.
def unprocessable(about: str, why: str) -> Finding:
    """DKIM-SIG-02 for a signature dkimpy refuses to process, with its reason."""
    return Finding("DKIM-SIG-02", Severity.ERROR, "DKIM-Signature cannot be processed",
                   f"Verifiers give up on this signature (permerror): {sanitize(why, one_line=True)}.",
                   about=about)


def header_signature_unchecked(about: str, why: str) -> Finding:
    """DKIM-SIG-17 when the key is usable but b= could not be checked against it."""
    return Finding("DKIM-SIG-17", Severity.ERROR, "Header signature could not be checked",
                   sanitize(why, one_line=True), about=about)


def _when(seconds: int) -> str:
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def expired_at_check(about: str, t: int | None, x: int, stamp: int) -> Finding:
    """DKIM-SIG-16 when x= has passed at the time of the check (or precedes t=): the verdict
    fails. Only what the check adds: the dates, the validity and the advice are the tag
    checks' DKIM-SIG-16 (`_check_times`), which the report joins to this one."""
    if t is not None and x < t:
        detail = f"x= ({x}) is before t= ({t}): the signature was never valid (RFC 6376 §3.5)."
    else:
        detail = (f"x= ({_when(x)}) has passed at the time of this check ({_when(stamp)}), so this check "
                  "fails it: verifiers treat an expired signature as invalid (PERMFAIL \"signature "
                  "expired\", RFC 6376 §6.1.1).")
    return Finding("DKIM-SIG-16", Severity.ERROR, "Signature expired (x=)", detail,
                   evidence=tuple(f"{k}={v}" for k, v in (("t", t), ("x", x)) if v is not None), about=about)


def future_at_check(about: str, t: int, stamp: int, *, rejected: bool) -> Finding:
    """DKIM-SIG-15 against the time of the check; `rejected` past dkimpy's 10-hour limit."""
    return Finding(
        "DKIM-SIG-15", Severity.ERROR if rejected else Severity.WARN, "Signature timestamp in the future",
        f"t= is {(t - stamp) / 3600:.1f} hours after the time of this check: the signer's clock is probably wrong."
        + (" dkimpy and other verifiers reject signatures more than 10 hours ahead." if rejected else ""),
        evidence=(f"t={t} ({_when(t)})", f"checked at {_when(stamp)}"), about=about,
    )


def verified_only(limit: int, total: int) -> Finding:
    """DKIM-SIG-19 when verification stops before the last signature (each costs a lookup)."""
    return Finding("DKIM-SIG-19", Severity.WARN, f"Only the first {limit} signatures were checked",
                   f"The message carries {total} DKIM-Signature fields; mailtriage checked the top "
                   f"{limit} and left the rest out to bound its work.",
                   evidence=(f"{total} DKIM-Signature fields",))


def receiver_found_no_signature() -> Finding:
    """DKIM-SIG-01 as a bounce states it (wizard.receiver.findings quotes the reply as evidence)."""
    return Finding("DKIM-SIG-01", Severity.ERROR, "Receiver says the message carried no DKIM signature",
                   "The receiver requires a DKIM signature and found none. Enable DKIM signing for the "
                   "From domain on the sending system.")


def aligned_only(count: int, limit: int, left_out: tuple[str, ...]) -> Finding:
    """DKIM-SIG-19 when DMARC (wizard.dmarc.check) aligns only the first signing domains."""
    return Finding("DKIM-SIG-19", Severity.WARN, f"{count} signing domains: only the first {limit} were aligned",
                   "Each signing domain costs a DNS tree walk; a message with this many passing "
                   "signatures is unusual and was capped.",
                   tuple(sanitize(d, one_line=True) for d in left_out))


def decode_signatures(msg: Message, *, now: datetime,
                      parsed: tuple[Signature, ...] | None = None) -> SignatureSet:
    """Decode and check every DKIM-Signature (top-most first). Never raises. `parsed` is
    the pipeline's one parse of the signatures (wizard.dkim.signature); read, not redone."""
    fields = msg.get_all("DKIM-Signature")
    if parsed is None:
        parsed = parse_signatures(msg)
    if now.tzinfo is None:
        now = now.replace(tzinfo=UTC)
    ctx = _Context(msg, now, parse_received(msg), parse_date(msg.value("Date")), {})
    findings: list[Finding] = []
    if not fields:
        findings.append(
            Finding("DKIM-SIG-01", Severity.WARN, "Message not DKIM-signed",
                    "No DKIM-Signature: DMARC can pass only through aligned SPF, which "
                    "forwarding breaks. Gmail and Yahoo require DKIM for bulk senders, Microsoft "
                    "for senders of more than 5,000 messages a day to its consumer domains.",
                    about="message")
        )
        return SignatureSet((), tuple(findings), 0, None)
    cap = None
    if len(fields) > MAX_SIGNATURES:
        cap = Cap("DKIM-Signature fields", MAX_SIGNATURES, len(fields))
        findings.append(
            Finding("DKIM-SIG-19", Severity.WARN,
                    f"Only the first {MAX_SIGNATURES} of {len(fields)} DKIM signatures were examined",
                    "No legitimate message carries this many signatures; it is broken or built "
                    "to slow verifiers down. Receivers also stop after a few.", about="message")
        )
    sigs = tuple(_decode_one(p.index, p.header, ctx, p.tags) for p in parsed[:MAX_SIGNATURES])
    for sig in sigs:
        findings.extend(sig.findings)
    if len(fields) > 1:
        rows = tuple(f"{s.label}: a={s.a} line {s.header.line}" for s in sigs)
        findings.append(
            Finding("DKIM-SIG-19", Severity.INFO, f"{len(fields)} DKIM signatures",
                    "Each signature is verified on its own; one passing signature whose d= "
                    "aligns with the From domain is enough for DMARC.", rows, about="message")
        )
    algos = {(s.a or "").lower() for s in sigs}
    if algos and algos <= {"ed25519-sha256"}:
        findings.append(
            Finding("DKIM-SIG-06", Severity.WARN, "Signed with Ed25519 only",
                    "Many receivers cannot verify Ed25519 (RFC 8463); add an rsa-sha256 "
                    "signature alongside it.", about="message")
        )
    elif "ed25519-sha256" in algos and "rsa-sha256" in algos:
        findings.append(
            Finding("DKIM-SIG-06", Severity.INFO, "Signed with both Ed25519 and RSA",
                    "Receivers that cannot verify Ed25519 use the RSA signature (RFC 8463).",
                    about="message")
        )
    seen: dict[tuple[str, str], list[DecodedSignature]] = {}
    for s in sigs:
        if s.d:  # s= missing on both (a truncated copy) still means the same signer
            seen.setdefault((s.d.lower(), (s.s or "").lower()), []).append(s)
    for (d, selector), group in seen.items():
        if len(group) > 1:
            findings.append(
                Finding("DKIM-SIG-20", Severity.WARN,
                        f"Signed {len(group)} times by d={d} s={selector or '(missing)'}",
                        "Two hops of the same organisation both signed. It is legal but "
                        "wasteful, and some relays refuse it (Amazon SES: \"Duplicate header "
                        "'DKIM-Signature'\"). Sign at one hop only.",
                        tuple(f"line {g.header.line}: {g.header.name}:{shorten(g.header.value, 200)}"
                              for g in group), about="message")
            )
    return SignatureSet(sigs, tuple(findings), len(fields), cap)
