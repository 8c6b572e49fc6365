"""ARC chain validation (RFC 8617, diagnoses.md §7) with dkimpy's `ARC.verify`.

dkimpy decides the chain result (cv) and each instance's AMS/AS verdict. Its answer says
neither *why* an AMS failed nor what the first hop saw, so around it: the keys are fetched
first through the DnsSession (dkimpy's `dnsfunc` answers from them, so every lookup is in
the report) and analysed like DKIM keys; each AMS is also split into body hash / header
signature with wizard.dkim.verify's `check_crypto` (ARC-04); the AAR of i=1 is read with
`authres` to tell the original authentication story (ARC-05).

dkimpy checks t= against the real clock (10 h leeway) and offers no hook for another one,
so ARC results do not follow an injected clock.
"""
from __future__ import annotations

import asyncio
import re

import authres
from dkim.canonicalization import Relaxed
from dkim.util import InvalidTagValueList, parse_tag_value
from msgspec import Struct

import dkim
from wizard import fixes
from wizard.arc.tags import MAX_INSTANCES
from wizard.common.dnsname import InvalidName
from wizard.common.safe_text import sanitize, shorten
from wizard.dkim.keyrecord import KeyReport, analyze_key
from wizard.dkim.verify import (
    BodyHash,
    SignatureVerdict,
    check_crypto,
    dkim_headers,
    dkimpy_key_value,
)
from wizard.input.message import Message
from wizard.model.arc import ArcReport as ArcReport
from wizard.model.arc import ArcVerifiedInstance as ArcInstance
from wizard.model.findings import Finding, Severity

MAX_ARC_HEADERS = 150  # 50 instances (RFC 8617 §4.2.1) × 3 fields
ARC_FIELDS = ("arc-seal", "arc-message-signature", "arc-authentication-results")


class _Field(Struct, frozen=True):
    name: str  # lower case
    instance: int
    tags: dict[bytes, bytes]
    value: str  # relaxed-canonical value, as dkimpy reads it


def _arc_fields(msg: Message) -> list[_Field]:
    out = []
    for header in msg.headers:
        lname = header.name.lower()
        if lname not in ARC_FIELDS:
            continue
        colon = header.raw.index(b":")
        (_, value), = Relaxed.canonicalize_headers([(header.raw[:colon], header.raw[colon + 1:] + b"\r\n")])
        m = dkim.ARC.INSTANCE_RE.search(value)
        instance = int(m.group(1)) if m else 0
        tags: dict[bytes, bytes] = {}
        if lname != "arc-authentication-results":
            try:
                tags = parse_tag_value(value)
            except InvalidTagValueList:
                tags = {}
        out.append(_Field(lname, instance, tags, value.decode("utf-8", "backslashreplace").strip()))
        if len(out) >= MAX_ARC_HEADERS:
            break
    return out


def _key_of(tags: dict[bytes, bytes]) -> str:
    try:
        return fixes.dkim_key_name(tags.get(b"d", b"").decode("ascii"), tags.get(b"s", b"").decode("ascii"))
    except (InvalidName, UnicodeDecodeError):
        return ""


def _summary(aar: str) -> tuple[str, str]:
    """(authserv-id, "spf=pass dkim=pass (d=example.com) …") from an AAR value."""
    body = re.sub(r"^\s*i\s*=\s*\d+\s*;", "", aar, count=1)
    try:
        parsed = authres.AuthenticationResultsHeader.parse("Authentication-Results: " + body)
    except Exception:  # noqa: BLE001 - authres raises several classes for malformed input
        return "", ""
    parts = []
    for res in parsed.results:
        props = ", ".join(f"{p.type}.{p.name}={p.value}" for p in res.properties)
        parts.append(f"{res.method}={res.result}" + (f" ({props})" if props else ""))
    return str(parsed.authserv_id), sanitize("; ".join(parts), one_line=True)


async def verify_arc(msg: Message, session, *, dkim_verdicts: tuple[SignatureVerdict, ...] = ()) -> ArcReport:
    """Validate the ARC chain. `dkim_verdicts` (from verify_signatures) lets ARC-05 say how
    the original DKIM result compares with today's. Never raises for message or DNS content."""
    fields = _arc_fields(msg)
    if not fields:
        return ArcReport("none", "Message is not ARC signed", (), None, "", ())
    sets = max(sum(1 for h in msg.headers if h.name.lower() == "arc-seal"), max(f.instance for f in fields))
    if sets > MAX_INSTANCES:
        # dkimpy verifies every set of any length (1,600 sets took 45 s); such a chain fails
        # whatever its signatures say, so it is refused unverified. The finding that names the
        # limit (ARC-02) is wizard.arc.tags', made from the same headers.
        return ArcReport("fail", f"ARC chain of {sets} sets is longer than the {MAX_INSTANCES} RFC 8617 "
                         "§4.2.1 allows: refused without verifying", (), None, "", ())
    names = sorted({n for f in fields if f.tags for n in [_key_of(f.tags)] if n})
    answers = dict(zip(names, await asyncio.gather(*(session.lookup(n, "TXT") for n in names))))
    values = {n: a.values for n, a in answers.items()}
    reports: dict[tuple[str, int], KeyReport] = {}
    for f in fields:
        name = _key_of(f.tags) if f.tags else ""
        if name:
            a = f.tags.get(b"a", b"").decode("ascii", "replace")
            reports[(f.name, f.instance)] = analyze_key(answers[name], sig_a=a,
                                                              sig_d=f.tags.get(b"d", b"").decode("ascii", "replace"))

    def dnsfunc(name: bytes, timeout: float = 5) -> bytes | None:
        # dkimpy asks only for the AMS/AS keys read above (same parser, same fields); a name
        # missing here failed check_name and must not reach DNS.
        found = values.get(name.decode("ascii", "replace").rstrip(".").lower(), ())
        for v in found:  # the record keyrecord analysed first (a verifier may pick any)
            if "p=" in v:
                return dkimpy_key_value(v)
        return found[0].encode() if found else None

    cv, results, reason = await asyncio.to_thread(_run_dkimpy, msg, dnsfunc)
    splits = await asyncio.to_thread(_ams_splits, msg, fields, reports)
    return _report(fields, reports, cv, results, reason, splits, dkim_verdicts)


def _run_dkimpy(msg: Message, dnsfunc) -> tuple[bytes | None, list[dict], str]:
    try:
        # The fields are handed over already split (wizard.dkim.verify.dkimpy_fields says why
        # dkimpy's own parse is not used); the body is the bytes rfc822_parse would give.
        arc = dkim.ARC(minkey=1024)
        arc.headers, arc.body = dkim_headers(msg), msg.body or b""
        return arc.verify(dnsfunc=dnsfunc)
    except Exception as exc:  # noqa: BLE001 - dkimpy on hostile input: report it as a broken chain
        return dkim.CV_Fail, [], f"{type(exc).__name__}: {exc}"


def _ams_splits(msg: Message, fields: list[_Field], reports) -> dict[int, tuple[BodyHash, str]]:
    headers = dkim_headers(msg)
    arc_headers = [h for h in msg.headers if h.name.lower() == "arc-message-signature"]
    out: dict[int, tuple[BodyHash, str]] = {}
    for f, header in zip([f for f in fields if f.name == "arc-message-signature"], arc_headers):
        if not f.tags or b"a" not in f.tags or b"h" not in f.tags:
            continue
        try:
            crypto = check_crypto(headers, msg.body, f.tags, headers[header.index],
                                  reports.get((f.name, f.instance)), default_c=b"relaxed/relaxed", add_from=False)
        except Exception:  # noqa: BLE001 - malformed AMS: dkimpy's verdict already says it failed
            continue
        out[f.instance] = (crypto.body, crypto.header_signature)
    return out


def _verdict(flag) -> str:
    return "not_checked" if flag is None else ("pass" if flag else "fail")


def _report(fields, reports, cv, results, reason, splits, dkim_verdicts) -> ArcReport:
    by_instance: dict[int, dict] = {r["instance"]: r for r in results}
    count = max((f.instance for f in fields), default=0)
    instances = []
    for i in range(1, count + 1):
        mine = {f.name: f for f in fields if f.instance == i}
        seal, ams, aar = mine.get("arc-seal"), mine.get("arc-message-signature"), mine.get("arc-authentication-results")
        r = by_instance.get(i, {})
        aar_value = sanitize(aar.value, one_line=True) if aar else ""
        split = splits.get(i, (BodyHash("not_checked"), "not_checked"))
        instances.append(ArcInstance(
            instance=i,
            seal_d=_tag(seal, b"d"), seal_s=_tag(seal, b"s"), ams_d=_tag(ams, b"d"), ams_s=_tag(ams, b"s"),
            cv=_tag(seal, b"cv"),
            ams=_verdict(r.get("ams-valid")), seal=_verdict(r.get("as-valid")),
            ams_body_hash=split[0], ams_header_signature=split[1],
            aar=aar_value, aar_summary=_summary(aar.value)[1] if aar else "",
            ams_key=reports.get(("arc-message-signature", i)), seal_key=reports.get(("arc-seal", i)),
        ))
    result = {dkim.CV_Pass: "pass", dkim.CV_None: "none"}.get(cv, "fail")
    if count and result == "none":
        result = "fail"  # ARC headers present but nothing usable: a broken chain, not "none"
    broken = None if result == "pass" else _broken_at(reason, instances)
    findings = list(_findings(instances, result, reason, broken))
    original = ""
    first = next((inst for inst in instances if inst.instance == 1), None)
    first_aar = next((f for f in fields if f.name == "arc-authentication-results" and f.instance == 1), None)
    if first is not None and first_aar is not None:
        authserv, summary = _summary(first_aar.value)
        if summary:
            original = (f"At the first ARC hop (i=1, {authserv or '?'}, sealed by d={first.seal_d or '?'}): {summary}")
            findings.append(_story(original, first, instances, result, dkim_verdicts))
    if result == "pass":
        sealers = ", ".join(dict.fromkeys(inst.seal_d for inst in instances if inst.seal_d))
        findings.append(Finding(
            "ARC-06", Severity.INFO, "ARC pass does not mean the receiver trusts the sealer",
            f"The chain validates, but ARC only informs local policy (RFC 8617 §7.2): each receiver decides "
            f"whether it trusts {sealers} and may or may not override a DMARC failure for it.",
            # Each set as verified: on a pass this is where the AMS/AS verdicts are shown.
            evidence=(f"sealers: {sealers}", *(_row(inst, count) for inst in instances)),
        ))
    return ArcReport(result, sanitize(reason if isinstance(reason, str) else str(reason), one_line=True),
                     tuple(instances), broken, original, tuple(findings))


def _tag(field: _Field | None, name: bytes) -> str:
    if field is None or name not in field.tags:
        return ""
    return sanitize(field.tags[name].decode("utf-8", "replace"), one_line=True)


def _broken_at(reason: str, instances: list[ArcInstance]) -> int | None:
    m = re.search(r"\[(\d+)\]|instance (\d+)", reason or "")
    if m:
        return int(m.group(1) or m.group(2))
    if "Most recent ARC-Message-Signature" in (reason or "") and instances:
        return instances[-1].instance
    return None


def _row(inst: ArcInstance, newest: int) -> str:
    older = " — normal for an older instance" if inst.ams == "fail" and inst.instance < newest else ""
    return (f"i={inst.instance}: sealer d={inst.seal_d} s={inst.seal_s} cv={inst.cv or '?'}; "
            f"AMS {inst.ams} (body hash {inst.ams_body_hash.result}, headers {inst.ams_header_signature}{older}); "
            f"AS {inst.seal}; AAR: {shorten(inst.aar_summary or inst.aar, 160)}")


def _findings(instances: list[ArcInstance], result: str, reason: str, broken: int | None):
    # The sets present (ARC-01), their structure (ARC-02) and cv= (ARC-03) are wizard.arc.tags'
    # findings: it reads them first, without DNS, and lists every problem where dkimpy stops at
    # the first. What only the cryptography shows (ARC-04) is said here.
    if result == "pass":
        return
    newest = max((inst.instance for inst in instances), default=0)
    table = tuple(_row(inst, newest) for inst in instances)
    text = reason or ""
    structural = any(s in text for s in ("Incomplete", "Duplicate", "not present", "Maximum instance", "h= tag")) or \
        [inst.instance for inst in instances] != list(range(1, len(instances) + 1)) or any(
            inst.cv == "" or not inst.aar for inst in instances)
    if structural or "reported" in text:
        return  # a broken structure or a sealer's cv=fail fails the chain before any signature
    inst = next((x for x in instances if x.instance == broken), instances[-1] if instances else None)
    if inst is None:
        return
    why = []
    if inst.ams == "fail":
        why.append(_ams_why(inst))
    if inst.seal == "fail":
        key = inst.seal_key
        why.append("the ARC-Seal did not verify" + (f" ({key.problem.replace('_', ' ')})" if key and key.problem else
                                                     ": an ARC header was changed after sealing, "
                                                     "or the sealer's key does not match"))
    yield Finding("ARC-04", Severity.CRITICAL, f"ARC chain fails at i={inst.instance}",
                  f"The newest AMS and every ARC-Seal must verify (RFC 8617 §5.2). At i={inst.instance} "
                  f"(sealer {inst.seal_d}): {'; '.join(why) or text}.",
                  evidence=table, fixes=_arc_fixes(inst))


def _ams_why(inst: ArcInstance) -> str:
    key = inst.ams_key
    if key is not None and key.problem:
        return f"the ARC-Message-Signature's key is unusable ({key.problem.replace('_', ' ')})"
    if inst.ams_body_hash.result == "fail":
        return ("the ARC-Message-Signature's body hash fails: the body changed after this hop sealed it"
                + (" (its header signature still verifies)" if inst.ams_header_signature == "pass" else ""))
    if inst.ams_header_signature == "fail":
        return "the ARC-Message-Signature's header signature fails: a signed header changed after sealing"
    return "the ARC-Message-Signature did not verify"


def _arc_fixes(inst: ArcInstance) -> tuple:
    out = []
    for d, s in ((inst.seal_d, inst.seal_s), (inst.ams_d, inst.ams_s)):
        try:
            out.append(fixes.dig_answer(fixes.dkim_key_name(d, s), "TXT"))
        except (InvalidName, ValueError):
            continue
    return tuple(dict.fromkeys(out))


def _story(original: str, first: ArcInstance, instances: list[ArcInstance], result: str,
           dkim_verdicts: tuple[SignatureVerdict, ...]) -> Finding:
    lines = [original]
    failing = [v for v in dkim_verdicts if v.result != "pass"]
    if dkim_verdicts and failing and not any(v.result == "pass" for v in dkim_verdicts):
        changed = [v for v in failing if v.reason == "body_hash"]
        lines.append("DKIM fails now" + (" (body hash: the body was changed after the first hop saw it)" if changed
                                         else f" ({failing[0].reason})"))
    if result == "pass":
        lines.append(f"DMARC can be rescued only if the receiver trusts the ARC sealer(s) "
                     f"{', '.join(dict.fromkeys(i.seal_d for i in instances if i.seal_d))}")
    else:
        lines.append("the ARC chain itself fails, so no receiver can rely on this record of the original results")
    return Finding("ARC-05", Severity.INFO, "What the first ARC hop saw",
                   "; ".join(lines) + ".", evidence=(first.aar,))
