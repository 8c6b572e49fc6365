"""Verify every DKIM-Signature with dkimpy, checking the body hash and the header signature
SEPARATELY (CANON-01): "the body was touched" and "a header was touched or the key is wrong"
are different problems with different owners.

dkimpy's `DKIM.verify` stops at the first body-hash mismatch and never says whether the
header signature would have held, and it reads the clock itself (t=/x= checks). So the steps
of its `verify_sig_process` are run here one by one with dkimpy's own pieces (tag parser,
`validate_signature_fields`, canonicalisation, `hash_headers`, `load_pk_from_dns`, RSA and
Ed25519 checks) — the header hash covers the `bh=` value as written, not the body, so it can
be checked whatever the body hash says. Each signature arrives parsed once
(wizard.dkim.signature); its dkimpy view is what these steps read. Keys are fetched first, all at once, through the
DnsSession (so every lookup is in the report); dkimpy's `dnsfunc` then answers from those
answers inside a worker thread.

For RSA the public-key operation also recovers what the signer signed: a well-formed
EMSA-PKCS1-v1_5 block means the key matches and the signed headers changed (CANON-13); noise
means the published key is not the signing key (DKIM-KEY-14).
"""
from __future__ import annotations

import asyncio
import base64
import re
from collections.abc import Iterable
from datetime import datetime

import nacl.exceptions
from dkim.canonicalization import CanonicalizationPolicy, InvalidCanonicalizationPolicyError
from dkim.crypto import HASH_ALGORITHMS, EMSA_PKCS1_v1_5_encode, int2str, rsa_encrypt
from msgspec import Struct
from msgspec.structs import replace

import dkim
from wizard import fixes
from wizard.common.dnsname import InvalidName
from wizard.common.safe_text import sanitize

# dkimpy's own body canonicalisation is regex-based and the slow spot on large bodies;
# wizard.dkim.canon produces the same bytes (tested against dkimpy) several times faster.
from wizard.dkim import outcome
from wizard.dkim.canon import BodyDigests, body_digest
from wizard.dkim.keyrecord import KeyReport, analyze_key, nearby_names, verifies_when_corrected
from wizard.dkim.meanings import decode_qp
from wizard.dkim.signature import Signature, parse_signatures
from wizard.dkim.tags import (
    expired_at_check,
    future_at_check,
    header_signature_unchecked,
    unprocessable,
    verified_only,
)
from wizard.dns.types import Status
from wizard.input.message import Header, Message
from wizard.model.dkim import BodyHash as BodyHash
from wizard.model.dkim import SignatureVerdict as SignatureVerdict
from wizard.model.findings import Finding, Severity, signature_about

MAX_SIGNATURES = 20  # a message with more is broken or hostile; each costs a key lookup
FUTURE_SKEW = 300  # seconds of clock difference that do not make a signature "future"
FUTURE_REJECT = 36000  # dkimpy (and others) reject t= more than 10 h ahead
RESULTS = ("pass", "fail", "permerror", "temperror", "neutral", "policy", "none")


class _Prepared(Struct, frozen=True):
    """One signature after parsing, before any DNS: what to fetch, or why not."""

    index: int
    header: Header
    signature: Signature
    tags: dict[bytes, bytes]  # dkimpy's view (the signature's)
    d: str
    s: str
    a: str
    key_name: str  # "" when the signature cannot be checked at all
    i_domain: str | None
    findings: tuple[Finding, ...]
    reason: str  # sig_syntax / identity_mismatch when set


class Crypto(Struct, frozen=True):
    """What the two hashes and the signature check gave (shared with wizard.arc.verify)."""

    body: BodyHash
    header_signature: str
    key_matches: bool | None
    canonical_headers: tuple[str, ...]  # the signed headers as hashed, for CANON-03's "show"
    error: str = ""  # why the header signature could not be checked


def dkimpy_fields(raws: Iterable[bytes]) -> list[list[bytes]]:
    """Raw header fields in the form dkimpy's `rfc822_parse` gives: [name, value after the
    colon with folding kept and a final CRLF].

    Handed to dkimpy as `DKIM.headers` instead of letting it parse the message: its parse
    grows a folded field by bytes concatenation, quadratic in the number of fold lines (a
    field folded over 100,000 lines took 5 s per parse, and forensics re-verifies often)."""
    out = []
    for raw in raws:
        colon = raw.index(b":")
        out.append([raw[:colon], raw[colon + 1:] + b"\r\n"])
    return out


def dkim_headers(msg: Message) -> list[list[bytes]]:
    """The message's header fields as dkimpy holds them (see dkimpy_fields)."""
    return dkimpy_fields(header.raw for header in msg.headers)


def _text(value: bytes | None) -> str:
    return "" if value is None else value.decode("utf-8", errors="backslashreplace")


def _prepare(sig: Signature) -> _Prepared:
    index, header = sig.index, sig.header
    about = f"DKIM-Signature #{index + 1}"
    tags = sig.dkimpy_tags
    if sig.dkimpy_error:
        return _Prepared(index, header, sig, {}, "", "", "", "", None,
                         (unprocessable(about, sig.dkimpy_error),), "sig_syntax")
    # Shown in findings, so made safe here; a name with control characters then fails check_name.
    d, s, a = (sanitize(_text(tags.get(k)).strip(), one_line=True) for k in (b"d", b"s", b"a"))
    i_domain = None

    def refuse(why: str) -> _Prepared:
        return _Prepared(index, header, sig, tags, d, s, a, "", i_domain, (unprocessable(about, why),), "sig_syntax")

    # dkimpy's field check is given the view RFC 6376 §3.5 defines, not the raw tags: time is
    # checked later against the injected clock (dkimpy's check uses the real one), i= decoded
    # from dkim-quoted-printable, and q= left out once dns/txt is among its methods (unknown
    # methods MUST be ignored; dkimpy refuses anything but exactly "dns/txt"; a q= without
    # dns/txt is the tag checks' DKIM-SIG finding and stays for dkimpy to refuse).
    checked = {k: v for k, v in tags.items() if k not in (b"t", b"x")}
    if b"q" in tags and b"dns/txt" in [m.strip().lower() for m in tags[b"q"].split(b":")]:
        del checked[b"q"]
    if b"i" in tags:
        checked[b"i"] = decode_qp(tags[b"i"])
        i_value = sanitize(_text(checked[b"i"]).strip(), one_line=True)
        if "@" not in i_value:
            # dkimpy indexes i= by d='s length and raises IndexError on a short one.
            return refuse('i= has no "@": it must be [local-part]@domain (RFC 6376 §3.5)')
        i_domain = i_value.rpartition("@")[2].lower()
        if d and not (i_domain == d.lower() or i_domain.endswith("." + d.lower())):
            # DKIM-SIG-09 is the tag checks' finding (wizard.dkim.tags); here it only stops the check.
            return _Prepared(index, header, sig, tags, d, s, a, "", i_domain, (), "identity_mismatch")
    try:
        dkim.validate_signature_fields(checked)
        CanonicalizationPolicy.from_c_value(tags.get(b"c", b"simple/simple"))
    except InvalidCanonicalizationPolicyError as exc:
        return refuse(f"c= names an unknown canonicalisation ({_text(exc.args[0])})")
    except (dkim.ValidationError, KeyError) as exc:
        # dkimpy formats bytes values as b'…'; show them as the user wrote them.
        return refuse(re.sub(r"b'([^']*)'", r"\1", str(exc)))
    try:
        bh_len = len(base64.b64decode(re.sub(rb"\s+", b"", tags[b"bh"])))
    except ValueError:
        bh_len = -1
    digest_len = HASH_ALGORITHMS[tags[b"a"]]().digest_size
    if bh_len != digest_len:
        return refuse(f"bh= decodes to {bh_len} bytes, but a {a} body hash is {digest_len} bytes (DKIM-SIG-17)")
    for tag in (b"t", b"x"):
        # RFC 6376 §3.5 allows up to 12 digits; more cannot be a time a signer meant.
        if tag in tags and not re.fullmatch(rb"\d{1,12}", tags[tag]):
            return refuse(f"{tag.decode()}= is not a plausible time in seconds")
    try:
        name = fixes.dkim_key_name(d, s)
    except InvalidName as exc:
        return refuse(f"the key name cannot be looked up: {exc}")
    return _Prepared(index, header, sig, tags, d, s, a, name, i_domain, (), "")


def _probe_name(key_name: str) -> str:
    """A name beside the selector that should not exist (DNS-06 wildcard probe)."""
    return "mailtriage-wildcard-probe._domainkey." + key_name.split("._domainkey.", 1)[1]


async def verify_signatures(msg: Message, session, *, now: datetime,
                            body_digests: BodyDigests | None = None,
                            signatures: tuple[Signature, ...] | None = None) -> tuple[SignatureVerdict, ...]:
    """One verdict per DKIM-Signature, top-most first (at most MAX_SIGNATURES; a finding on
    the last verdict says when more were left out). Never raises for message or DNS content.
    `body_digests` answers body hashes computed ahead for this message (wizard.transit.prefetch);
    `signatures` are `msg`'s, already parsed (wizard.dkim.signature), else they are parsed here."""
    headers = msg.get_all("DKIM-Signature")
    if signatures is None:
        signatures = parse_signatures(msg)
    prepared = [_prepare(sig) for sig in signatures[:MAX_SIGNATURES]]
    names = sorted({p.key_name for p in prepared if p.key_name})
    answers = dict(zip(names, await asyncio.gather(*(session.lookup(n, "TXT") for n in names))))
    # A key name answering with something that is not a key may be a wildcard (DNS-06):
    # ask a sibling name that cannot exist to tell.
    odd = [n for n in names if answers[n].status.answered and not any("p=" in v for v in answers[n].values)]
    probes = dict(zip(odd, await asyncio.gather(*(session.lookup(_probe_name(n), "TXT") for n in odd))))
    # A missing key may sit at a wrong name, or the signer may use another selector (DNS-07).
    missing = [n for n in names if answers[n].status in (Status.NXDOMAIN, Status.NODATA) and not answers[n].cname_chain]
    near = {n: nearby_names(n) for n in missing}
    asked = sorted({x for names_ in near.values() for x in names_})
    got = dict(zip(asked, await asyncio.gather(*(session.lookup(x, "TXT") for x in asked))))
    reports = {
        p.index: analyze_key(answers[p.key_name], sig_a=p.a, sig_i_domain=p.i_domain, sig_d=p.d,
                             probe=probes.get(p.key_name),
                             nearby=tuple(got[x] for x in near.get(p.key_name, ())))
        for p in prepared if p.key_name
    }
    stamp = int(now.timestamp())
    verdicts = await asyncio.to_thread(_verify_all, msg, prepared, reports, stamp, body_digests)
    if len(headers) > MAX_SIGNATURES and verdicts:
        cap = verified_only(MAX_SIGNATURES, len(headers))
        last = verdicts[-1]
        verdicts[-1] = replace(last, findings=last.findings + (cap,))
    return tuple(verdicts)


def _verify_all(msg: Message, prepared: list[_Prepared], reports: dict[int, KeyReport],
                stamp: int, body_digests: BodyDigests | None) -> list[SignatureVerdict]:
    headers = dkim_headers(msg)
    return [_verify_one(msg, headers, p, reports.get(p.index), stamp, body_digests) for p in prepared]


def _dnsfunc(report: KeyReport):
    """dkimpy's dnsfunc, answering from the record already fetched and analysed. When the
    record only failed on panel mistakes, the repaired value is used so the engineer learns
    whether the signature would hold once the record is fixed."""
    value = report.value if report.fingerprint else report.corrected

    def answer(name, timeout=5):
        return dkimpy_key_value(value) if value else None

    return answer


def dkimpy_key_value(value: str) -> bytes:
    """A key record as dkimpy can load it. s= is a colon-separated list of services (RFC 6376
    §3.6.1), but dkimpy compares it with "email" / "*" as a whole and drops the key otherwise.
    keyrecord has already judged s= (DKIM-KEY-11 when email is not among the services), so a
    list that includes email or * is handed over as s=email."""
    parts = value.split(";")
    for n, part in enumerate(parts):
        name, eq, services = part.partition("=")
        listed = {x.strip().lower() for x in services.split(":")}
        if eq and name.strip() == "s" and len(listed) > 1 and listed & {"email", "*"}:
            parts[n] = " s=email"
    return ";".join(parts).encode()


def check_crypto(headers: list[list[bytes]], body: bytes | None, tags: dict[bytes, bytes],
                 sig_header: list[bytes], report: KeyReport | None, *, default_c: bytes = b"simple/simple",
                 add_from: bool = True, body_digests: BodyDigests | None = None) -> Crypto:
    """Body hash and header signature of one signature, each on its own (runs in a thread).
    `add_from` follows dkimpy's DKIM rule of hashing one more From than h= lists (a second
    From then breaks the signature); dkimpy's ARC path does not do that. `body_digests` may
    already hold the body's digest (wizard.transit.prefetch); otherwise it is computed here."""
    policy = CanonicalizationPolicy.from_c_value(tags.get(b"c", default_c))
    hasher = HASH_ALGORITHMS[tags[b"a"]]
    expected = re.sub(rb"\s+", b"", tags.get(b"bh", b"")).decode("ascii", "replace")
    if body is None:
        body_hash = BodyHash("not_checked", "", expected)
    else:
        algorithm = policy.body_algorithm.name.decode()
        length = int(tags[b"l"]) if b"l" in tags else None
        digest = body_digests(algorithm, tags[b"a"], length) if body_digests else None
        if digest is None:
            digest = body_digest(body, algorithm, hasher, length)
        computed = base64.b64encode(digest).decode()
        body_hash = BodyHash("pass" if computed == expected else "fail", computed, expected)

    include = [x.lower() for x in re.split(rb"(?<!\s)\s*:\s*", tags[b"h"].strip())]
    if add_from and b"from" in include:
        include.append(b"from")
    canon_headers = policy.canonicalize_headers(headers)
    shown = tuple(
        sanitize(_text(n + b":" + v).rstrip("\r\n"), one_line=True)
        for n, v in dkim.select_headers(canon_headers, include)
    )
    if report is None or not (report.fingerprint or report.corrected):
        return Crypto(body_hash, "not_checked", None, shown, "no usable key")
    try:
        pk, _bits, ktag, _tlsrpt = dkim.load_pk_from_dns(report.name.encode() + b".", _dnsfunc(report))
    except (dkim.DKIMException, ValueError, TypeError) as exc:
        return Crypto(body_hash, "not_checked", None, shown, f"dkimpy could not load the key: {exc}")
    if ktag != tags[b"a"].split(b"-")[0]:
        return Crypto(body_hash, "not_checked", None, shown, "the key type does not match a=")
    h = dkim.HashThrough(hasher())
    dkim.hash_headers(h, policy, canon_headers, include, sig_header, tags)
    try:
        signature = base64.b64decode(re.sub(rb"\s+", b"", tags[b"b"]))
    except ValueError as exc:
        return Crypto(body_hash, "not_checked", None, shown, f"b= is not base64: {exc}")
    if ktag == b"ed25519":
        try:
            pk.verify(h.digest(), signature)
            return Crypto(body_hash, "pass", True, shown)
        except (nacl.exceptions.BadSignatureError, ValueError, TypeError):
            return Crypto(body_hash, "fail", None, shown)
    modlen = len(int2str(pk["modulus"]))
    try:
        wanted = EMSA_PKCS1_v1_5_encode(h, modlen)
    except dkim.DigestTooLargeError:
        return Crypto(body_hash, "not_checked", None, shown, "the key is too small for this hash")
    if len(signature) != modlen:
        # Noted, not fatal: the size difference is itself evidence of another key or a cut b=.
        size_note = (f"b= is {len(signature)} bytes but this {modlen * 8}-bit key makes {modlen}-byte "
                     "signatures: it was made with a key of another size, or b= was cut")
        if len(signature) > modlen:
            return Crypto(body_hash, "fail", False, shown, size_note)
    else:
        size_note = ""
    got = bytes(rsa_encrypt(signature, pk, modlen))
    if got == bytes(wanted):
        return Crypto(body_hash, "pass", True, shown)
    # Same padding and DigestInfo, other digest: this key made the signature over other headers.
    prefix = bytes(wanted)[: -h.hasher.digest_size]
    return Crypto(body_hash, "fail", got.startswith(prefix), shown, size_note)


def _verify_one(msg: Message, headers: list[list[bytes]], p: _Prepared, report: KeyReport | None,
                stamp: int, body_digests: BodyDigests | None) -> SignatureVerdict:
    about = signature_about(p.index, p.d, p.s)
    if not p.key_name:
        return SignatureVerdict(p.index, p.d, p.s, p.a, "permerror", p.reason, (), BodyHash("not_checked"),
                                "not_checked", None, tuple(replace(f, about=about) for f in p.findings), p.header)
    findings: list[Finding] = []
    warnings: list[str] = []
    sig_header = headers[p.header.index]
    body = msg.body if msg.body is not None else _signed_empty_body(p.tags)
    try:
        crypto = check_crypto(headers, body, p.tags, sig_header, report, body_digests=body_digests)
    except Exception as exc:  # noqa: BLE001 - dkimpy on hostile input: report, never raise (house rule)
        crypto = Crypto(BodyHash("not_checked"), "not_checked", None, (), f"verification failed: {exc}")
    if report is not None and not report.fingerprint and crypto.header_signature == "pass":
        # Checked against the repaired record (keyrecord's `corrected`): say so, and keep the
        # verdict about the record as published.
        findings.append(verifies_when_corrected(about))
        crypto = replace(crypto, header_signature="not_checked", key_matches=None)
    if crypto.error and report is not None and report.usable and crypto.header_signature == "not_checked":
        findings.append(header_signature_unchecked(about, crypto.error))

    time_reason = _time_checks(p, stamp, findings, warnings, about)
    # What the tags alone show (a second From: DKIM-SIG-12, l=: DKIM-SIG-14, rsa-sha1:
    # DKIM-SIG-05) is wizard.dkim.tags' finding, made first and without DNS; here those facts
    # only decide the verdict and its warnings.
    if len(msg.get_all("From")) > 1:
        warnings.append("duplicate_from")
    if b"l" in p.tags:
        warnings.append("body_length")
    if report is not None and report.testing:
        warnings.append("testing")
    weak = report is not None and report.key_type == "rsa" and report.key_bits is not None and report.key_bits < 2048
    if weak:
        warnings.append("weak_key")
    sha1 = p.a.lower() == "rsa-sha1"
    if sha1:
        warnings.append("sha1")
    _body_findings(p, msg, crypto, report, findings, about)

    key_problem = report.problem if report is not None else "key_not_found"
    if key_problem == "dns_temperror":
        result, reason = "temperror", "dns_temperror"
    elif key_problem:
        result, reason = "permerror", key_problem
    elif crypto.body.result == "fail":
        result, reason = "fail", "body_hash"
    elif crypto.header_signature != "pass":
        result, reason = ("fail", "signature") if crypto.header_signature == "fail" else ("permerror", "sig_syntax")
    elif time_reason:
        result, reason = "fail", time_reason
    elif report is not None and report.key_bits is not None and report.key_type == "rsa" and report.key_bits < 1024:
        result, reason = "policy", "weak_key"  # RFC 8301 §3.2
    elif sha1:
        result, reason = "policy", "sha1"  # RFC 8301 §3.1, AR-04
    elif crypto.body.result == "not_checked":
        result, reason = "neutral", "body_not_checked"
    else:
        result, reason = "pass", ""
    return SignatureVerdict(
        index=p.index, d=p.d, s=p.s, a=p.a, result=result, reason=reason,
        warnings=tuple(dict.fromkeys(warnings)), body_hash=crypto.body, header_signature=crypto.header_signature,
        key=report, findings=(report.findings if report else ()) + tuple(findings), header=p.header,
        key_matches=crypto.key_matches,
    )


def _signed_empty_body(tags: dict[bytes, bytes]) -> bytes | None:
    """b"" when the input stops after its header fields and bh= is the empty body's hash:
    a header block with nothing after it is a complete message with an empty body (RFC 5322
    §3.5), and bh= shows the signer saw exactly that. Otherwise the body is unknown (None)."""
    try:
        policy = CanonicalizationPolicy.from_c_value(tags.get(b"c", b"simple/simple"))
        empty = body_digest(b"", policy.body_algorithm.name.decode(), HASH_ALGORITHMS[tags[b"a"]], None)
    except (InvalidCanonicalizationPolicyError, KeyError):
        return None
    written = re.sub(rb"\s+", b"", tags.get(b"bh", b""))
    return b"" if base64.b64encode(empty) == written else None


def _time_checks(p: _Prepared, stamp: int, findings: list[Finding], warnings: list[str], about: str) -> str:
    """The verdict's reason from t= and x= against the check's clock ("" when they hold).
    The tag checks judge t=/x= against the message's own hops; what fails *this* check is
    said with their builders (wizard.dkim.tags), so DKIM-SIG-15/16 keep one module's words."""
    t = int(p.tags[b"t"]) if b"t" in p.tags else None
    x = int(p.tags[b"x"]) if b"x" in p.tags else None
    if x is not None and (x < stamp or (t is not None and x < t)):
        findings.append(expired_at_check(about, t, x, stamp))
        return "expired"
    if t is not None and t > stamp + FUTURE_SKEW:
        warnings.append("future")
        rejected = t - stamp > FUTURE_REJECT
        findings.append(future_at_check(about, t, stamp, rejected=rejected))
        return "future" if rejected else ""
    return ""


def _body_findings(p: _Prepared, msg: Message, crypto: Crypto, report: KeyReport | None,
                   findings: list[Finding], about: str) -> None:
    body, header = crypto.body, crypto.header_signature
    lines = (
        f"Body hash: {'MATCH' if body.result == 'pass' else 'MISMATCH' if body.result == 'fail' else 'not checked'}"
        + (f" (expected {body.expected}, computed {body.computed})" if body.result == "fail" else ""),
        f"Header signature: {header.upper() if header != 'not_checked' else 'not checked'}",
    )
    # A missing body is wizard.input.fidelity's EVID-04; the verdict says "not checked".
    if body.result == "fail":
        findings.append(outcome.body_changed(about, lines, headers_intact=header == "pass"))
        c_body = CanonicalizationPolicy.from_c_value(p.tags.get(b"c", b"simple/simple")).body_algorithm.name.decode()
        if body.expected in outcome.EMPTY_BODY_BH.values() and msg.body and msg.body.strip():
            findings.append(outcome.empty_body_signed(about, body.expected, c_body))
    elif body.result == "pass" and header == "fail":
        if crypto.key_matches is False:
            fp = report.fingerprint if report else ""
            findings.append(Finding(
                "DKIM-KEY-14", Severity.CRITICAL, "Published key does not match the signing key",
                "The body is intact and the key was fetched and parsed, but b= does not decode with it: the "
                "signature was not made with this key. The signer and DNS disagree (rotation done on one side "
                "only, wrong selector configured, or several signing servers with different keys). Compare the "
                "signer's public key with the published one (CAUSE-14).",
                evidence=lines + (f"published key sha256 (DER): {fp}",) + ((crypto.error,) if crypto.error else ()),
                fixes=_key_fixes(p), about=about,
            ))
        elif crypto.key_matches:
            findings.append(outcome.header_changed(about, lines + crypto.canonical_headers))
        else:
            findings.append(outcome.header_changed_or_key(about, lines + crypto.canonical_headers, _key_fixes(p)))


def _key_fixes(p: _Prepared) -> tuple:
    try:
        return (fixes.dig_answer(p.key_name, "TXT"), fixes.openssl_key_size(p.d, p.s), fixes.opendkim_testkey(p.d, p.s))
    except InvalidName:
        return ()


__all__ = [
    "MAX_SIGNATURES",
    "BodyHash",
    "Crypto",
    "SignatureVerdict",
    "check_crypto",
    "dkim_headers",
    "verify_signatures",
]
