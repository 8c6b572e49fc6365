"""ARC sets decoded and checked for structure, without DNS (RFC 8617; ARC-01…03).

Each forwarding hop adds one set: ARC-Authentication-Results (what it saw), ARC-Message-
Signature (a DKIM-like signature of the message) and ARC-Seal (a signature over the ARC
headers), all with the same instance i=. dkimpy's `ARC.verify` does the cryptography later
(ARC-04); it stops at the first structural problem with one message, whereas this module
lists every one (missing member, duplicate, gap, cv= misuse) with the header that shows it.
"""
from __future__ import annotations

import re

from wizard.common.safe_text import shorten
from wizard.dkim.meanings import TagInfo, b64_value, display_value, epoch_utc, explain_tag
from wizard.dkim.taglist import Verdict, parse_tags, pointer
from wizard.input.message import Header, Message
from wizard.model.arc import ArcHeaderInfo as ArcHeaderInfo
from wizard.model.arc import ArcSet as ArcSet
from wizard.model.arc import ArcTagInstance as ArcInstance
from wizard.model.findings import Cap, Finding, Severity
from wizard.receiver.auth_results import parse_value

MAX_INSTANCES = 50  # RFC 8617 §4.2.1: a chain longer than 50 sets fails
KINDS = ("arc-authentication-results", "arc-message-signature", "arc-seal")
REQUIRED = {
    "arc-seal": ("i", "a", "b", "cv", "d", "s", "t"),
    "arc-message-signature": ("i", "a", "b", "bh", "d", "h", "s"),
}


def _instance(tags_value: str) -> int | None:
    m = re.match(r"\s*i\s*=\s*(\d{1,4})\s*(?:;|$)", tags_value)
    return int(m.group(1)) if m else None


def _decode(header: Header, findings: list[Finding]) -> ArcHeaderInfo:
    kind = header.name.lower()
    ev = f"{header.name}:{shorten(header.value, 600)}"
    if kind == "arc-authentication-results":
        m = re.match(r"\s*i\s*=\s*(\d{1,4})\s*;(.*)\Z", header.unfolded, re.S)
        if m is None:
            findings.append(Finding("ARC-02", Severity.CRITICAL,
                                    "ARC-Authentication-Results without a readable i=",
                                    "Every ARC header starts with its instance number i=; this "
                                    "one cannot be placed in the chain, so the chain fails.",
                                    (ev,), about="ARC"))
            return ArcHeaderInfo(header.name, header, None, ())
        i = int(m.group(1))
        field = parse_value(m.group(2), header, position=i, trusted=False)
        info = TagInfo("i", str(i), explain_tag("i", str(i), arc=True), Verdict.OK)
        return ArcHeaderInfo(header.name, header, i, (info,), authserv_id=field.authserv_id,
                             results=field.results)
    tags = parse_tags(header.value)
    for problem in tags.problems:
        findings.append(Finding("ARC-02", Severity.CRITICAL, f"{header.name}: {problem.message}",
                                "A malformed ARC header makes the chain fail.",
                                (ev, pointer(tags.source, problem.position)), about="ARC"))
    notes: dict[str, tuple[Verdict, str]] = {}
    missing = [t for t in REQUIRED[kind] if tags.get(t) is None]
    if missing:
        findings.append(Finding("ARC-02", Severity.CRITICAL,
                                f"{header.name} lacks " + ", ".join(f"{t}=" for t in missing),
                                "These tags are required (RFC 8617 §4.1); the chain fails.",
                                (ev,), about="ARC"))
    if kind == "arc-seal" and tags.get("h") is not None:
        notes["h"] = (Verdict.ERROR, "not allowed in ARC-Seal")
        findings.append(Finding("ARC-02", Severity.CRITICAL, "ARC-Seal carries h=",
                                "h= is not permitted in an ARC-Seal (RFC 8617 §4.1.3); verifiers "
                                "(dkimpy among them) fail the chain.", (ev,), about="ARC"))
    a = tags.get("a")
    if a is not None and a.lower() != "rsa-sha256":
        notes["a"] = (Verdict.ERROR, "ARC allows only rsa-sha256")
        findings.append(Finding("ARC-02", Severity.CRITICAL, f"{header.name} uses a={a}",
                                "RFC 8617 defines ARC with rsa-sha256 only.", (ev,), about="ARC"))
    for name in ("b", "bh"):
        value = tags.get(name)
        if value is not None and b64_value(value)[0] is None:
            notes[name] = (Verdict.ERROR, b64_value(value)[1])
    i_text = tags.get("i")
    instance = int(i_text) if i_text is not None and re.fullmatch(r"\d{1,4}", i_text) else None
    if i_text is not None and instance is None:
        notes["i"] = (Verdict.ERROR, "not a number")
    t_text = tags.get("t")
    t = None
    if t_text is not None and re.fullmatch(r"\d{1,12}", t_text):
        t = epoch_utc(int(t_text))
    infos = []
    for tag in tags.tags:
        verdict, note = notes.get(tag.name, (Verdict.OK, ""))
        infos.append(TagInfo(tag.name, display_value(tag.name, tag.value),
                             explain_tag(tag.name, tag.value, arc=True), verdict, note))
    cv = tags.get("cv")
    return ArcHeaderInfo(header.name, header, instance, tuple(infos), d=tags.get("d"),
                         s=tags.get("s"), a=a, cv=cv.lower() if cv else None, t=t)


def decode_arc(msg: Message) -> ArcSet:
    """Decode every ARC header and check the chain's structure. Never raises."""
    fields = [h for h in msg.headers if h.name.lower() in KINDS]
    findings: list[Finding] = []
    if not fields:
        return ArcSet((), (), True, None)
    cap = None
    limit = 3 * (MAX_INSTANCES + 1)
    if len(fields) > limit:
        cap = Cap("ARC header fields", limit, len(fields))
        fields = fields[:limit]
    decoded = [_decode(h, findings) for h in fields]
    by_i: dict[int, dict[str, list[ArcHeaderInfo]]] = {}
    for info in decoded:
        if info.instance is None:
            if info.kind.lower() != "arc-authentication-results":
                findings.append(Finding("ARC-02", Severity.CRITICAL,
                                        f"{info.kind} without a readable i=",
                                        "It cannot be placed in the chain, so the chain fails.",
                                        (f"{info.kind}:{shorten(info.header.value, 300)}",),
                                        about="ARC"))
            continue
        by_i.setdefault(info.instance, {}).setdefault(info.kind.lower(), []).append(info)
    top = max(by_i, default=0)
    if top > MAX_INSTANCES or cap is not None:
        findings.append(Finding("ARC-02", Severity.CRITICAL,
                                f"ARC chain longer than {MAX_INSTANCES} sets",
                                f"RFC 8617 limits a chain to {MAX_INSTANCES} instances; longer "
                                "chains fail (and are often mail loops). Only the first "
                                f"{MAX_INSTANCES} were examined.", about="ARC"))
    instances = []
    for i in range(1, min(top, MAX_INSTANCES) + 1):
        members = by_i.get(i)
        if members is None:
            findings.append(Finding("ARC-02", Severity.CRITICAL, f"ARC instance i={i} is missing",
                                    f"Instances must run from 1 to {top} without gaps; the chain "
                                    "fails.", about="ARC"))
            continue
        picked = {}
        for kind in KINDS:
            found = members.get(kind, [])
            label = {"arc-authentication-results": "ARC-Authentication-Results",
                     "arc-message-signature": "ARC-Message-Signature",
                     "arc-seal": "ARC-Seal"}[kind]
            if not found:
                findings.append(Finding("ARC-02", Severity.CRITICAL, f"i={i} has no {label}",
                                        "Each instance needs exactly one ARC-Authentication-"
                                        "Results, ARC-Message-Signature and ARC-Seal; the chain "
                                        "fails.", about="ARC"))
            elif len(found) > 1:
                findings.append(Finding("ARC-02", Severity.CRITICAL,
                                        f"i={i} has {len(found)} {label} fields",
                                        "Each instance needs exactly one of each; the chain fails.",
                                        tuple(f"{f.kind}:{shorten(f.header.value, 200)}" for f in found),
                                        about="ARC"))
            picked[kind] = found[0] if found else None
        instances.append(ArcInstance(i, picked["arc-authentication-results"],
                                     picked["arc-message-signature"], picked["arc-seal"]))
    for inst in instances:
        if inst.seal is None or inst.cv is None:
            continue
        ev = (f"{inst.seal.kind}:{shorten(inst.seal.header.value, 300)}",)
        if inst.i == 1 and inst.cv != "none":
            findings.append(Finding("ARC-03", Severity.CRITICAL, f"i=1 has cv={inst.cv}",
                                    "The first set has nothing before it and must say cv=none.",
                                    ev, about="ARC"))
        elif inst.i > 1 and inst.cv == "none":
            findings.append(Finding("ARC-03", Severity.CRITICAL, f"i={inst.i} has cv=none",
                                    "Only i=1 may say cv=none; later sets must record pass or "
                                    "fail. The chain fails.", ev, about="ARC"))
        elif inst.cv == "fail":
            findings.append(Finding("ARC-03", Severity.CRITICAL,
                                    f"The chain was already broken at i={inst.i} (cv=fail)",
                                    "The hop that added this set found the earlier chain invalid; "
                                    "once a sealer records cv=fail the chain stays failed.",
                                    ev, about="ARC"))
        elif inst.cv not in ("none", "pass"):
            findings.append(Finding("ARC-03", Severity.CRITICAL, f"i={inst.i} has cv={inst.cv}",
                                    "cv= must be none, pass or fail.", ev, about="ARC"))
    structure_ok = not any(f.id in ("ARC-02", "ARC-03") for f in findings)
    rows = tuple(
        f"i={inst.i}: sealer d={inst.seal.d if inst.seal else '?'} s={inst.seal.s if inst.seal else '?'} "
        f"cv={inst.cv or '?'}; saw: {inst.summary()}"
        for inst in instances
    )
    findings.insert(0, Finding("ARC-01", Severity.INFO, f"{len(instances)} ARC set(s)",
                               "Each forwarding hop that supports ARC recorded what it saw "
                               "(ARC-Authentication-Results) and sealed it. The first set shows "
                               "the authentication before any forwarding changed the message. ARC "
                               "only informs the receiver, which decides whether it trusts the "
                               "sealer.", rows, about="ARC"))
    return ArcSet(tuple(instances), tuple(findings), structure_ok, cap)
