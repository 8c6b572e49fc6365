"""One TXT value read as a DMARC record: tags, typed values, and the findings on the record
itself (DMARC-03, 04, 05, 10, 12, 13, 20, 21), with the corrected record as the fix."""
from __future__ import annotations

import re
from collections.abc import Sequence

from msgspec.structs import replace

from wizard import fixes
from wizard.common.dnsname import is_valid_name
from wizard.common.safe_text import sanitize, shorten
from wizard.model.dmarc import DmarcRecord as DmarcRecord
from wizard.model.findings import Finding, Severity

_POLICIES = ("none", "quarantine", "reject")
_KNOWN_TAGS = ("v", "p", "sp", "np", "adkim", "aspf", "pct", "fo", "rf", "ri", "rua", "ruf",
               "psd", "t")
_REMOVED_IN_9989 = {"pct": "sampling was replaced by t=y (test mode)",
                    "rf": "failure-report format moved to RFC 9991",
                    "ri": "aggregate reports are sent daily (RFC 9990)"}
_NEW_IN_9989 = {"np": "policy for non-existent subdomains",
                "psd": "marks a public-suffix operator's record for the tree walk",
                "t": "test mode (t=y), replacing the common pct=0"}
_FO_VALUES = {"0": "all underlying checks failed (the default)",
              "1": "any underlying check failed",
              "d": "a DKIM signature failed to verify",
              "s": "SPF failed"}
_URI_SIZE = re.compile(r"!\d+[kmgt]?$", re.IGNORECASE)
MAX_RECORD_CHARS = 4096  # a DMARC record is ~100 chars; anything past this is not parsed


def finding(fid: str, severity: Severity, title: str, detail: str, evidence=(), fixes=(),
            about: str = "") -> Finding:
    """A DMARC finding; evidence (record text, header values) is made safe to show."""
    return Finding(fid, severity, title, detail, tuple(sanitize(e, one_line=True)
                                                       for e in evidence), fixes, about)


def sampling_applied(sampling: str, effective: str | None, raw: str, about: str) -> Finding:
    """DMARC-10 as the evaluation (wizard.dmarc.findings) applies pct=/t= to a failing message."""
    return finding("DMARC-10", Severity.INFO, sampling, f"Effective policy for failing mail: {effective}.",
                   [raw], about=about)


def parse_record(raw: str, *, about: str = "") -> DmarcRecord:
    """Read one TXT value as DMARC; never raises. Problems become findings naming the exact
    token (DMARC-03, 04, 05, 10, 12, 13, 20, 21)."""
    shown = shorten(sanitize(raw, one_line=True), 300)
    findings: list[Finding] = []
    text = raw
    if len(text) > MAX_RECORD_CHARS:
        findings.append(finding(
            "DMARC-05", Severity.ERROR, "DMARC record far too long",
            f"The record is {len(text)} characters; only the first {MAX_RECORD_CHARS} were read.",
            [shown], about=about))
        text = text[:MAX_RECORD_CHARS]
    stripped = text.strip()
    head = re.match(r"v\s*=\s*(\S+?)\s*(;|$)", stripped)
    if text != text.lstrip() or text.startswith('"'):
        findings.append(finding(
            "DMARC-03", Severity.CRITICAL, "DMARC record starts with a quote or space",
            "Receivers discard a record that does not begin exactly with v=DMARC1 "
            "(RFC 7489 §6.6.3). Quotes shown by dig are presentation only; pasting them into a "
            "DNS control panel stores them as data (DNS-02).", [shown], about=about))
        return DmarcRecord(raw, False, findings=tuple(findings))
    if head is None or head.group(1).upper() != "DMARC1":
        if re.match(r"v\s*=\s*DMARC1\s", stripped, re.IGNORECASE):
            detail = "v=DMARC1 is not followed by a semicolon: tags are separated by semicolons."
        elif re.search(r"(^|;)\s*v\s*=\s*DMARC1", stripped, re.IGNORECASE):
            detail = ("v=DMARC1 appears, but not as the first tag; it must come first "
                      "(RFC 7489 §6.3).")
        else:
            detail = "The record does not begin with v=DMARC1."
        findings.append(finding("DMARC-03", Severity.CRITICAL, "Record not recognised as DMARC",
                                 detail + " Receivers discard it.", [shown], about=about))
        return DmarcRecord(raw, False, findings=tuple(findings))
    if head.group(1) != "DMARC1":
        # RFC 7489 §6.4 and RFC 9989 §4.8 spell the value as case-sensitive octets: the record
        # is ignored, so its p= must not be applied here either.
        findings.append(finding(
            "DMARC-03", Severity.CRITICAL, f"Version written as v={head.group(1)}: record ignored",
            "The version must be exactly DMARC1 in capitals (RFC 7489 §6.4, RFC 9989 §4.7); "
            "receivers that follow the RFCs ignore the whole record, so this domain has no "
            "policy there. Some receivers match it loosely, which is why it can seem to work at "
            "one and not another. Write v=DMARC1.", [shown], _version_fix(stripped, head, about),
            about=about))
        return DmarcRecord(raw, False, findings=tuple(findings))

    tags: list[tuple[str, str]] = []
    values: dict[str, str] = {}
    for token in (t.strip() for t in stripped.split(";")):
        if not token:
            continue
        name, eq, value = token.partition("=")
        name, value = name.strip().lower(), value.strip()
        if not eq or not re.fullmatch(r"[a-z][a-z0-9_]*", name):
            findings.append(_bad_token(token, "is not a tag=value pair", shown, about))
            continue
        if re.search(r",\s*[a-z]+\s*=", value, re.IGNORECASE):
            findings.append(_bad_token(
                token, "holds a second tag after a comma: tags are separated by semicolons",
                shown, about))
        if name in values:
            findings.append(_bad_token(token, f"repeats the {name}= tag; receivers may use "
                                       "either one or reject the record", shown, about))
            continue
        tags.append((name, value))
        values[name] = value
    fields, more = _check_tags(values, shown, about)
    findings.extend(more)
    findings = _attach_correction(findings, tags, about)
    return DmarcRecord(raw, True, tuple(tags), findings=tuple(findings), **fields)


def _attach_correction(findings: list[Finding], tags: list[tuple[str, str]], about: str
                       ) -> list[Finding]:
    """Give every fixable syntax finding (DMARC-04/05) the whole record corrected, as the
    RecordFix to publish at `about` (the `_dmarc` name, when the record came from DNS)."""
    fixable = [f for f in findings if f.id in ("DMARC-04", "DMARC-05")
               and f.severity != Severity.INFO]
    corrected = rebuild_record(tags)
    if (not fixable or corrected == "; ".join(f"{n}={v}" for n, v in tags)
            or not about.startswith("_dmarc.") or not is_valid_name(about)):
        return findings
    fix = fixes.txt_record(about, corrected, "the record with the invalid tags corrected "
                           "(check the policy is the one you meant)")
    return [replace(f, fixes=f.fixes + fix) if f in fixable else f for f in findings]


def _version_fix(stripped: str, head: re.Match[str], about: str) -> tuple:
    """The same record with the version in capitals, to publish at `about` (a `_dmarc` name)."""
    if not about.startswith("_dmarc.") or not is_valid_name(about):
        return ()
    return fixes.txt_record(about, "v=DMARC1" + stripped[head.end(1):],
                            "the record with its version in capitals, so receivers read it")


def rebuild_record(tags: Sequence[tuple[str, str]], **changes: str) -> str:
    """A valid record from `tags` (as parsed, mistakes included) with `changes` applied:
    tags split at commas that should have been semicolons, each value mended where its intent
    is clear, v= first and p= second (RFC 7489's order, which every receiver accepts)."""
    split: list[tuple[str, str]] = []
    for name, value in tags:
        first, *rest = re.split(r",\s*(?=[a-z]+\s*=)", value, flags=re.IGNORECASE)
        split.append((name, first))
        split.extend((n.strip().lower(), v.strip()) for n, _, v in (r.partition("=") for r in rest))
    mended: dict[str, str] = {}
    for name, value in split:
        if name not in mended:
            value = _mend(name, value)
            if value:
                mended[name] = value
    mended.update(changes)
    mended["v"] = "DMARC1"
    mended.setdefault("p", "none")
    order = ["v", "p"] + [n for n in mended if n not in ("v", "p")]
    return "; ".join(f"{n}={mended[n]}" for n in order)


def _mend(name: str, value: str) -> str:
    lower = value.lower()
    if name in ("p", "sp", "np"):
        return next((p for p in _POLICIES if lower.startswith(p[:3])), "none")
    if name in ("adkim", "aspf"):
        return lower[:1] if lower[:1] in ("r", "s") else "r"
    if name == "pct":
        digits = re.sub(r"\D", "", value)
        return str(min(int(digits), 100)) if digits else ""
    if name in ("rua", "ruf"):
        uris = []
        for item in (u.strip() for u in value.split(",")):
            address = (item.split() or [""])[0]
            if "@" in address:
                uris.append(address if address.lower().startswith("mailto:")
                            else f"mailto:{address}")
        return ",".join(uris)
    if name == "fo":
        return ":".join(o for o in lower.split(":") if o in _FO_VALUES) or "0"
    if name in ("t", "psd"):
        return lower if lower in ("y", "n", "u")[: 2 if name == "t" else 3] else ""
    return value


def _bad_token(token: str, why: str, shown: str, about: str, severity=Severity.ERROR) -> Finding:
    return finding("DMARC-05", severity, f"Invalid DMARC tag: {sanitize(token, one_line=True)}",
                    f"`{sanitize(token, one_line=True)}` {why}.", [shown], about=about)


def _policy(values: dict[str, str], name: str, shown: str, about: str,
            findings: list[Finding]) -> str | None:
    value = values.get(name)
    if value is None:
        return None
    if value.lower() in _POLICIES:
        return value.lower()
    token = f"{name}={value}"
    if name == "p":
        findings.append(finding(
            "DMARC-04", Severity.ERROR, f"Invalid policy: {sanitize(token, one_line=True)}",
            "p= must be none, quarantine or reject. RFC 7489 receivers then treat the record as "
            "p=none if a valid rua= is present and ignore it otherwise; RFC 9989 receivers "
            "treat it as p=none.", [shown], about=about))
    else:
        findings.append(_bad_token(token, "must be none, quarantine or reject", shown, about))
    return None


def _check_tags(values: dict[str, str], shown: str, about: str) -> tuple[dict, list[Finding]]:
    findings: list[Finding] = []
    fields: dict = {}
    fields["p"] = _policy(values, "p", shown, about, findings)
    fields["sp"] = _policy(values, "sp", shown, about, findings)
    fields["np"] = _policy(values, "np", shown, about, findings)
    for name in ("adkim", "aspf"):
        value = values.get(name)
        if value is None:
            continue
        if value.lower() in ("r", "s"):
            fields[name] = value.lower()
        else:
            hint = f" (write {name}={value[0].lower()})" if value[:1].lower() in "rs" and value else ""
            findings.append(_bad_token(f"{name}={value}", "must be r (relaxed) or s (strict)"
                                       + hint + "; receivers fall back to relaxed", shown, about))
    if "pct" in values:
        value = values["pct"]
        if value.isdigit() and 0 <= int(value) <= 100:
            fields["pct"] = int(value)
        else:
            findings.append(_bad_token(f"pct={value}", "must be a whole number from 0 to 100 "
                                       "without a % sign", shown, about))
    if "t" in values:
        if values["t"].lower() in ("y", "n"):
            fields["t"] = values["t"].lower() == "y"
        else:
            findings.append(_bad_token(f"t={values['t']}", "must be y or n", shown, about))
    if "psd" in values:
        if values["psd"].lower() in ("y", "n", "u"):
            fields["psd"] = values["psd"].lower()
        else:
            findings.append(_bad_token(f"psd={values['psd']}", "must be y, n or u", shown, about))
    if "ri" in values and not values["ri"].isdigit():
        findings.append(_bad_token(f"ri={values['ri']}", "must be a number of seconds", shown,
                                   about))
    if "rf" in values and values["rf"].lower() not in ("afrf", "iodef"):
        findings.append(_bad_token(f"rf={values['rf']}", "must be afrf", shown, about,
                                   Severity.WARN))
    if "fo" in values:
        options = tuple(o.strip().lower() for o in values["fo"].split(":"))
        wrong = [o for o in options if o not in _FO_VALUES]
        if wrong:
            findings.append(_bad_token(f"fo={values['fo']}", "must be 0, 1, d or s, separated by "
                                       "colons", shown, about))
        fields["fo"] = tuple(o for o in options if o in _FO_VALUES)
    for name in ("rua", "ruf"):
        if name in values:
            fields[name] = _report_uris(name, values[name], shown, about, findings)
    for name in values:
        if name not in _KNOWN_TAGS:
            findings.append(_bad_token(f"{name}={values[name]}", "is not a DMARC tag; receivers "
                                       "ignore it (a typo?)", shown, about, Severity.WARN))
    findings.extend(_record_notes(values, fields, shown, about))
    return fields, findings


def _report_uris(name: str, value: str, shown: str, about: str,
                 findings: list[Finding]) -> tuple[str, ...]:
    uris = []
    for item in (u.strip() for u in value.split(",")):
        if not item:
            continue
        if not item.lower().startswith("mailto:"):
            reason = ("needs mailto: in front of the address" if "@" in item and ":" not in item
                      else "is not a mailto: URI, the only kind receivers send reports to")
            findings.append(_bad_token(f"{name}={item}", reason, shown, about, Severity.WARN))
            continue
        address = item[len("mailto:"):]
        if _URI_SIZE.search(address):
            findings.append(finding(
                "DMARC-21", Severity.INFO, f"Size limit on report address: {item}",
                "The !size suffix is obsolete in RFC 9989 (RFC 9990 reporting); it is harmless.",
                [shown], about=about))
            address = _URI_SIZE.sub("", address)
        local, at, domain = address.partition("@")
        if not at or not local or " " in address or not is_valid_name(domain):
            findings.append(_bad_token(f"{name}={item}", "is not a usable mail address (junk "
                                       "after the address?)", shown, about))
            continue
        uris.append("mailto:" + address)
    return tuple(uris)


def _record_notes(values: dict[str, str], fields: dict, shown: str, about: str) -> list[Finding]:
    """The informational checks on a syntactically read record (DMARC-04/10/12/13/20/21)."""
    notes: list[Finding] = []
    if "p" not in values:
        notes.append(finding(
            "DMARC-04", Severity.ERROR, "DMARC record has no p= tag",
            "RFC 7489 requires p=; without it receivers act as if p=none when a valid rua= is "
            "present and ignore the record otherwise. RFC 9989 receivers treat it as p=none.",
            [shown], about=about))
    elif list(values)[1:2] != ["p"]:
        notes.append(finding(
            "DMARC-04", Severity.INFO, "p= is not right after v=",
            "RFC 7489's grammar puts p= second and some validators insist on it; RFC 9989 allows "
            "any order after v=.", [shown], about=about))
    pct = fields.get("pct")
    if pct is not None and pct not in (0, 100):
        notes.append(finding(
            "DMARC-10", Severity.WARN, f"pct={pct}: the policy applies to a sample",
            f"RFC 7489 receivers apply the policy to about {pct}% of failing mail and the next "
            "less strict policy to the rest; receivers implement sampling inconsistently, and "
            "RFC 9989 receivers ignore pct altogether.", [shown], about=about))
    if fields.get("p") == "none":
        notes.append(finding(
            "DMARC-20", Severity.INFO, "Policy p=none: monitoring only",
            "p=none satisfies the Gmail/Yahoo/Microsoft bulk-sender rules but gives no "
            "protection against spoofing; move to quarantine, then reject, once the aggregate "
            "reports show all legitimate mail passing.", [shown], about=about))
    if not fields.get("rua"):
        notes.append(finding(
            "DMARC-12", Severity.INFO, "No aggregate report address (rua=)",
            "No aggregate reports will be sent, so the owner cannot see who sends as this "
            "domain. Add rua=mailto:… before tightening the policy.", [shown], about=about))
    if fields.get("ruf"):
        fo = fields.get("fo") or ("0",)
        conditions = "; ".join(_FO_VALUES[o] for o in fo)
        notes.append(finding(
            "DMARC-13", Severity.INFO, "Failure reports requested (ruf=)",
            f"A failure report is asked for when: {conditions}. Most large mailbox providers "
            "send few or none.", [shown], about=about))
    for name, what in _REMOVED_IN_9989.items():
        if name in values:
            notes.append(finding(
                "DMARC-21", Severity.INFO, f"{name}= was removed in RFC 9989",
                f"RFC 9989 removed {name}= ({what}); it is harmless, and RFC 7489 receivers "
                "still read it.", [shown], about=about))
    for name, what in _NEW_IN_9989.items():
        if name in values:
            notes.append(finding(
                "DMARC-21", Severity.INFO, f"{name}= is new in RFC 9989",
                f"{name}= ({what}) is read only by RFC 9989 receivers; RFC 7489 receivers "
                "ignore it.", [shown], about=about))
    return notes

