"""DMARC: the record, its discovery both ways, alignment and the result (diagnoses.md §5).

Receivers will run RFC 7489 (Public Suffix List) and RFC 9989 (DNS tree walk) side by side
for years, so every check is evaluated under both and the report says where they disagree.

No library is used for DMARC itself: the Python candidates (checkdmarc, parsedmarc) do their
own DNS through dnspython directly, and every lookup here must go through our DNS layer so it
is recorded, timed and answered by the test server. The organisational domain does come from
the `publicsuffixlist` package (wizard.dmarc.orgdomain).
"""
from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable, Sequence
from msgspec import Struct
from msgspec.structs import replace
from email.utils import getaddresses

from wizard.dns.types import DnsAnswer, Status
from wizard.common.dnsname import InvalidName, check_name
from wizard.model.findings import Finding, FixCommand, RecordFix, Severity
from wizard.dmarc.orgdomain import WalkStep, psl_org_domain, treewalk_org_domain, walk_names
from wizard.common.safe_text import sanitize, shorten

Lookup = Callable[[str, str], Awaitable[DnsAnswer]]

RFC7489 = "RFC 7489"
RFC9989 = "RFC 9989"

_POLICIES = ("none", "quarantine", "reject")
_LESS_STRICT = {"reject": "quarantine", "quarantine": "none", "none": "none"}
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
MAX_DKIM_DOMAINS = 20  # passing signatures whose d= is aligned; each costs a tree walk


# ---------------------------------------------------------------- the record itself


class DmarcRecord(Struct, frozen=True):
    """One TXT value read as a DMARC record. `tags` keeps the record's own order and text;
    the typed fields hold only values that are valid (None when absent or invalid)."""

    raw: str
    is_dmarc: bool  # begins with v=DMARC1 (RFC 7489 §6.6.3 discards anything else)
    tags: tuple[tuple[str, str], ...] = ()
    p: str | None = None
    sp: str | None = None
    np: str | None = None
    adkim: str = "r"
    aspf: str = "r"
    pct: int | None = None
    t: bool = False
    psd: str | None = None
    rua: tuple[str, ...] = ()
    ruf: tuple[str, ...] = ()
    fo: tuple[str, ...] = ()
    findings: tuple[Finding, ...] = ()

    def tag(self, name: str) -> str | None:
        for key, value in self.tags:
            if key == name:
                return value
        return None


def _finding(fid: str, severity: Severity, title: str, detail: str, evidence=(), fixes=(),
             about: str = "") -> Finding:
    return Finding(fid, severity, title, detail, tuple(sanitize(e, one_line=True)
                                                       for e in evidence), fixes, about)


def parse_record(raw: str, *, about: str = "") -> DmarcRecord:
    """Read one TXT value as DMARC; never raises. Problems become findings naming the exact
    token (DMARC-03, 04, 05, 10, 12, 13, 20, 21)."""
    shown = shorten(sanitize(raw, one_line=True), 300)
    findings: list[Finding] = []
    text = raw
    if len(text) > MAX_RECORD_CHARS:
        findings.append(_finding(
            "DMARC-05", Severity.ERROR, "DMARC record far too long",
            f"The record is {len(text)} characters; only the first {MAX_RECORD_CHARS} were read.",
            [shown], about=about))
        text = text[:MAX_RECORD_CHARS]
    stripped = text.strip()
    head = re.match(r"v\s*=\s*(\S+?)\s*(;|$)", stripped)
    if text != text.lstrip() or text.startswith('"'):
        findings.append(_finding(
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
        findings.append(_finding("DMARC-03", Severity.CRITICAL, "Record not recognised as DMARC",
                                 detail + " Receivers discard it.", [shown], about=about))
        return DmarcRecord(raw, False, findings=tuple(findings))
    if head.group(1) != "DMARC1":
        findings.append(_finding(
            "DMARC-03", Severity.WARN, f"Version written as v={head.group(1)}",
            "The specification gives the value as DMARC1 in capitals; some receivers compare it "
            "exactly.", [shown], about=about))

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
            or not about.startswith("_dmarc.") or not _valid_name(about)):
        return findings
    fix = RecordFix(about, "TXT", corrected,
                    "the record with the invalid tags corrected (check the policy is the one "
                    "you meant)")
    return [replace(f, fixes=f.fixes + (fix,)) if f in fixable else f for f in findings]


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
    return _finding("DMARC-05", severity, f"Invalid DMARC tag: {sanitize(token, one_line=True)}",
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
        findings.append(_finding(
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
            findings.append(_finding(
                "DMARC-21", Severity.INFO, f"Size limit on report address: {item}",
                "The !size suffix is obsolete in RFC 9989 (RFC 9990 reporting); it is harmless.",
                [shown], about=about))
            address = _URI_SIZE.sub("", address)
        local, at, domain = address.partition("@")
        if not at or not local or " " in address or not _valid_name(domain):
            findings.append(_bad_token(f"{name}={item}", "is not a usable mail address (junk "
                                       "after the address?)", shown, about))
            continue
        uris.append("mailto:" + address)
    return tuple(uris)


def _valid_name(value: str) -> bool:
    try:
        check_name(value)
    except InvalidName:
        return False
    return True


def _record_notes(values: dict[str, str], fields: dict, shown: str, about: str) -> list[Finding]:
    """The informational checks on a syntactically read record (DMARC-04/10/12/13/20/21)."""
    notes: list[Finding] = []
    if "p" not in values:
        notes.append(_finding(
            "DMARC-04", Severity.ERROR, "DMARC record has no p= tag",
            "RFC 7489 requires p=; without it receivers act as if p=none when a valid rua= is "
            "present and ignore the record otherwise. RFC 9989 receivers treat it as p=none.",
            [shown], about=about))
    elif list(values)[1:2] != ["p"]:
        notes.append(_finding(
            "DMARC-04", Severity.INFO, "p= is not right after v=",
            "RFC 7489's grammar puts p= second and some validators insist on it; RFC 9989 allows "
            "any order after v=.", [shown], about=about))
    pct = fields.get("pct")
    if pct is not None and pct not in (0, 100):
        notes.append(_finding(
            "DMARC-10", Severity.WARN, f"pct={pct}: the policy applies to a sample",
            f"RFC 7489 receivers apply the policy to about {pct}% of failing mail and the next "
            "less strict policy to the rest; receivers implement sampling inconsistently, and "
            "RFC 9989 receivers ignore pct altogether.", [shown], about=about))
    if fields.get("p") == "none":
        notes.append(_finding(
            "DMARC-20", Severity.INFO, "Policy p=none: monitoring only",
            "p=none satisfies the Gmail/Yahoo/Microsoft bulk-sender rules but gives no "
            "protection against spoofing; move to quarantine, then reject, once the aggregate "
            "reports show all legitimate mail passing.", [shown], about=about))
    if not fields.get("rua"):
        notes.append(_finding(
            "DMARC-12", Severity.INFO, "No aggregate report address (rua=)",
            "No aggregate reports will be sent, so the owner cannot see who sends as this "
            "domain. Add rua=mailto:… before tightening the policy.", [shown], about=about))
    if fields.get("ruf"):
        fo = fields.get("fo") or ("0",)
        conditions = "; ".join(_FO_VALUES[o] for o in fo)
        notes.append(_finding(
            "DMARC-13", Severity.INFO, "Failure reports requested (ruf=)",
            f"A failure report is asked for when: {conditions}. Most large mailbox providers "
            "send few or none.", [shown], about=about))
    for name, what in _REMOVED_IN_9989.items():
        if name in values:
            notes.append(_finding(
                "DMARC-21", Severity.INFO, f"{name}= was removed in RFC 9989",
                f"RFC 9989 removed {name}= ({what}); it is harmless, and RFC 7489 receivers "
                "still read it.", [shown], about=about))
    for name, what in _NEW_IN_9989.items():
        if name in values:
            notes.append(_finding(
                "DMARC-21", Severity.INFO, f"{name}= is new in RFC 9989",
                f"{name}= ({what}) is read only by RFC 9989 receivers; RFC 7489 receivers "
                "ignore it.", [shown], about=about))
    return notes


# ---------------------------------------------------------------- discovery


class DmarcLookup(Struct, frozen=True):
    """One `_dmarc` name asked during discovery and what it held."""

    domain: str  # the domain whose policy this is (the record is at _dmarc.<domain>)
    answer: DnsAnswer
    records: tuple[DmarcRecord, ...]  # the TXT values that begin with v=DMARC1
    others: tuple[DmarcRecord, ...] = ()  # TXT values that do not (DMARC-03 when they try)

    @property
    def name(self) -> str:
        return f"_dmarc.{self.domain}"


async def _dmarc_lookup(domain: str, lookup: Lookup) -> DmarcLookup:
    answer = await lookup(f"_dmarc.{domain}", "TXT")
    records, others = [], []
    for value in answer.values if answer.status.answered else ():
        record = parse_record(value, about=f"_dmarc.{domain}")
        (records if record.is_dmarc else others).append(record)
    return DmarcLookup(domain, answer, tuple(records), tuple(others))


class Discovery(Struct, frozen=True):
    """Where one rule set found the policy record (or why it found none)."""

    rfc: str
    steps: tuple[DmarcLookup, ...]  # every name asked, in the order the rules ask them
    found: DmarcLookup | None  # the step whose record applies
    org_domain: str
    org_reason: str
    how: str  # "exact domain", "organisational domain (PSL)", "tree walk step 2", ""
    error: str = ""  # "temperror" / "permerror" when discovery itself failed
    uncertain: tuple[str, ...] = ()  # tree walk: domains whose query failed


def _memo(lookup: Lookup) -> Lookup:
    """One task per (name, type) for the duration of one check, so the two rule sets and
    the tree walks of several domains never ask the same question twice."""
    tasks: dict[tuple[str, str], asyncio.Task[DnsAnswer]] = {}

    async def memo(name: str, rdtype: str) -> DnsAnswer:
        key = (name.lower(), rdtype.upper())
        if key not in tasks:
            tasks[key] = asyncio.ensure_future(lookup(name, rdtype))
        return await tasks[key]

    return memo


async def discover_7489(domain: str, lookup: Lookup) -> Discovery:
    """RFC 7489 §6.6.3: `_dmarc.<domain>`, then `_dmarc.<organisational domain>`; both are
    asked at once because the second is usually needed and they are independent."""
    org = psl_org_domain(domain)
    reason = "Public Suffix List (publicsuffixlist package, bundled list)"
    names = [domain] if org == domain else [domain, org]
    steps = tuple(await asyncio.gather(*(_dmarc_lookup(n, lookup) for n in names)))
    for index, step in enumerate(steps):
        if step.answer.status.transient:
            return Discovery(RFC7489, steps[: index + 1], None, org, reason, "", "temperror")
        if len(step.records) > 1:
            return Discovery(RFC7489, steps[: index + 1], step, org, reason,
                             _how(index, RFC7489), "permerror")
        if step.records:
            return Discovery(RFC7489, steps[: index + 1], step, org, reason, _how(index, RFC7489))
    return Discovery(RFC7489, steps, None, org, reason, "")


def _how(index: int, rfc: str) -> str:
    if index == 0:
        return "exact domain"
    return "organisational domain (PSL)" if rfc == RFC7489 else f"tree walk step {index + 1}"


async def discover_9989(domain: str, lookup: Lookup) -> Discovery:
    """RFC 9989 §4.10: the DNS tree walk. Every step is needed to settle the organisational
    domain, so all (at most eight) are asked at once; the policy is the first record found
    walking up."""
    steps = tuple(await asyncio.gather(*(_dmarc_lookup(n, lookup) for n in walk_names(domain))))
    org = treewalk_org_domain(domain, _walk_steps(steps))
    found, how, error = None, "", ""
    for index, step in enumerate(steps):
        if step.answer.status.transient:
            error = "temperror"
            break
        if step.records:
            found, how = step, _how(index, RFC9989)
            error = "permerror" if len(step.records) > 1 else ""
            break
    return Discovery(RFC9989, steps, found, org.domain, org.reason, how, error, org.uncertain)


def _walk_steps(steps: Sequence[DmarcLookup]) -> list[WalkStep]:
    return [WalkStep(s.domain, len(s.records), s.records[0].psd if len(s.records) == 1 else None,
                     s.answer.status.transient) for s in steps]


async def treewalk_org(domain: str, lookup: Lookup) -> str:
    """The RFC 9989 organisational domain of any domain (DKIM d=, MAIL FROM) for alignment."""
    steps = await asyncio.gather(*(_dmarc_lookup(n, lookup) for n in walk_names(domain)))
    return treewalk_org_domain(domain, _walk_steps(steps)).domain


# ---------------------------------------------------------------- alignment and result


class AlignmentRow(Struct, frozen=True):
    """One identifier DMARC can use: a DKIM d= or the SPF MAIL FROM domain."""

    mechanism: str  # "dkim" | "spf"
    domain: str
    result: str  # "pass" for DKIM rows (only passing signatures are given), SPF's result
    passed: bool
    org_domain: str  # under the rule set's organisational-domain method
    relaxed: bool  # same organisational domain as the From domain
    strict: bool  # identical to the From domain
    mode: str  # "r" | "s", from adkim / aspf
    aligned: bool  # under `mode`

    @property
    def counts(self) -> bool:
        """Passed and aligned: this row alone makes DMARC pass."""
        return self.passed and self.aligned


class DmarcGrid(Struct, frozen=True):
    """The 2×2 picture of DMARC-06: SPF/DKIM × passed/aligned, with the domains in it."""

    spf_domain: str | None
    spf_pass: bool
    spf_aligned: bool
    dkim_domains: tuple[str, ...]
    dkim_pass: bool
    dkim_aligned: bool


class DmarcResult(Struct, frozen=True):
    """DMARC evaluated under one rule set (RFC 7489 + PSL, or RFC 9989 + tree walk)."""

    rfc: str
    result: str  # pass | fail | none | temperror | permerror
    org_domain: str
    org_reason: str
    record: DmarcRecord | None
    record_name: str  # "_dmarc.example.com", "" when none was found
    discovered_via: str  # "exact domain", "organisational domain (PSL)", "tree walk step 2"
    cname_chain: tuple[str, ...]
    policy: str | None  # the policy value that applies (after p/sp/np selection)
    policy_tag: str  # "p" | "sp" | "np" | ""
    effective_policy: str | None  # after pct (RFC 7489) or t=y (RFC 9989)
    sampling: str  # plain words on pct/t, "" when they play no part
    alignment: tuple[AlignmentRow, ...]
    grid: DmarcGrid
    queried: tuple[DnsAnswer, ...]


def evaluate_dmarc(from_domain: str, dkim_passes: Sequence[str],
                   spf: tuple[str | None, str | None], discovery: Discovery,
                   org_of: Callable[[str], str], *, nonexistent: bool = False) -> DmarcResult:
    """Pure DMARC decision for one rule set: which policy applies and whether the message
    passes. `org_of` maps a domain to its organisational domain under the same rule set;
    `nonexistent` says the From domain has no A, AAAA or MX (for np=, RFC 9989 only)."""
    found = discovery.found
    record = found.records[0] if found and found.records else None
    from_org = discovery.org_domain
    adkim = record.adkim if record else "r"
    aspf = record.aspf if record else "r"
    rows = [_row("dkim", d, "pass", True, from_domain, from_org, org_of, adkim)
            for d in dict.fromkeys(dkim_passes)]
    spf_result, spf_domain = spf
    if spf_domain:
        rows.append(_row("spf", spf_domain, spf_result or "none", spf_result == "pass",
                         from_domain, from_org, org_of, aspf))
    grid = DmarcGrid(
        spf_domain, spf_result == "pass", any(r.counts for r in rows if r.mechanism == "spf"),
        tuple(r.domain for r in rows if r.mechanism == "dkim"), bool(dkim_passes),
        any(r.counts for r in rows if r.mechanism == "dkim"))
    policy, tag = _select_policy(record, found, from_domain, discovery.rfc, nonexistent)
    if discovery.error:
        result = discovery.error
    elif record is None:
        result = "none"
    elif discovery.rfc == RFC7489 and record.p is None and not record.rua:
        result = "permerror"  # §6.6.3: no valid p= and no valid rua=: the record is not used
    else:
        result = "pass" if any(r.counts for r in rows) else "fail"
    effective, sampling = _sampling(record, policy, discovery.rfc)
    queried = tuple(s.answer for s in discovery.steps)
    return DmarcResult(
        discovery.rfc, result, from_org, discovery.org_reason, record,
        found.name if found else "", discovery.how, found.answer.cname_chain if found else (),
        policy, tag, effective if result not in ("none", "permerror") else None, sampling,
        tuple(rows), grid, queried)


def _row(mechanism: str, domain: str, result: str, passed: bool, from_domain: str,
         from_org: str, org_of: Callable[[str], str], mode: str) -> AlignmentRow:
    org = org_of(domain)
    strict = domain == from_domain
    relaxed = strict or org == from_org
    return AlignmentRow(mechanism, domain, result, passed, org, relaxed, strict, mode,
                        strict if mode == "s" else relaxed)


def _select_policy(record: DmarcRecord | None, found: DmarcLookup | None, from_domain: str,
                   rfc: str, nonexistent: bool) -> tuple[str | None, str]:
    if record is None or found is None:
        return None, ""
    base = record.p or "none"  # a missing/invalid p= reads as none (DMARC-04)
    if found.domain == from_domain:
        return base, "p"
    if rfc == RFC9989 and nonexistent and record.np:
        return record.np, "np"
    if record.sp:
        return record.sp, "sp"
    return base, "p"


def _sampling(record: DmarcRecord | None, policy: str | None, rfc: str) -> tuple[str | None, str]:
    if record is None or policy is None:
        return policy, ""
    if rfc == RFC7489 and record.pct is not None and record.pct < 100:
        lower = _LESS_STRICT[policy]
        if record.pct == 0:
            return lower, f"pct=0: RFC 7489 receivers apply {lower} instead of {policy}"
        return policy, (f"pct={record.pct}: RFC 7489 receivers apply {policy} to about "
                        f"{record.pct}% of failing mail and {lower} to the rest")
    if rfc == RFC9989 and record.t:
        lower = _LESS_STRICT[policy]
        return lower, f"t=y (test mode): RFC 9989 receivers apply {lower} instead of {policy}"
    return policy, ""


# ---------------------------------------------------------------- the public checks


class DmarcReport(Struct, frozen=True):
    """DMARC for one message (or one domain in domain mode), under both rule sets.

    The convenience properties read the RFC 9989 evaluation (the standard in force since
    May 2026); `rfc7489` sits beside it and `disagree` says when the two differ."""

    from_domain: str | None
    from_header: str | None
    org_domain_psl: str | None
    org_domain_treewalk: str | None
    rfc7489: DmarcResult | None
    rfc9989: DmarcResult | None
    from_nonexistent: bool = False
    report_authorisations: tuple[DnsAnswer, ...] = ()
    findings: tuple[Finding, ...] = ()

    # The RFC 9989 verdict at the top level, where scripts look first (README's JSON shape).
    __json_extra__ = ("result", "policy", "effective_policy", "record_name", "discovered_via", "disagree")

    @property
    def record(self) -> DmarcRecord | None:
        return self.rfc9989.record if self.rfc9989 else None

    @property
    def record_name(self) -> str:
        return self.rfc9989.record_name if self.rfc9989 else ""

    @property
    def discovered_via(self) -> str:
        return self.rfc9989.discovered_via if self.rfc9989 else ""

    @property
    def policy(self) -> str | None:
        return self.rfc9989.policy if self.rfc9989 else None

    @property
    def effective_policy(self) -> str | None:
        return self.rfc9989.effective_policy if self.rfc9989 else None

    @property
    def result(self) -> str:
        return self.rfc9989.result if self.rfc9989 else "permerror"

    @property
    def alignment(self) -> tuple[AlignmentRow, ...]:
        return self.rfc9989.alignment if self.rfc9989 else ()

    @property
    def disagree(self) -> bool:
        a, b = self.rfc7489, self.rfc9989
        return bool(a and b and (a.result, a.org_domain, a.effective_policy)
                    != (b.result, b.org_domain, b.effective_policy))

    @property
    def queried(self) -> tuple[DnsAnswer, ...]:
        seen: dict[tuple[str, str], DnsAnswer] = {}
        for ev in (self.rfc7489, self.rfc9989):
            for answer in ev.queried if ev else ():
                seen.setdefault((answer.name, answer.rdtype), answer)
        for answer in self.report_authorisations:
            seen.setdefault((answer.name, answer.rdtype), answer)
        return tuple(seen.values())


def _dig(name: str) -> FixCommand:
    return FixCommand(("dig", "+short", "TXT", name), f"show the TXT records at {name}")


def from_domain_of(from_header: str | None) -> tuple[str | None, list[Finding]]:
    """The RFC 5322.From domain DMARC uses, or None with a DMARC-14 finding saying why."""
    if from_header is None or not from_header.strip():
        return None, [_finding(
            "DMARC-14", Severity.CRITICAL, "No From address",
            "DMARC needs exactly one author domain from the From header; without one the "
            "message cannot pass DMARC, and Gmail and Microsoft reject it outright.",
            [from_header or "(no From header)"])]
    addresses = [a for _, a in getaddresses([from_header]) if a]
    domains = list(dict.fromkeys(a.rpartition("@")[2].lower() for a in addresses
                                 if "@" in a))
    if not domains:
        return None, [_finding(
            "DMARC-14", Severity.CRITICAL, "From header has no usable address",
            "No address with a domain could be read from the From header, so DMARC has no "
            "author domain; Gmail rejects such mail.", [from_header])]
    findings = []
    if len(addresses) > 1:
        severity = Severity.CRITICAL if len(domains) > 1 else Severity.WARN
        findings.append(_finding(
            "DMARC-14", severity, "Several addresses in From",
            "RFC 7489 §6.6.1 lets receivers reject mail with several From domains, and Gmail "
            "rejects multiple From addresses (\"Messages with multiple addresses in From: header "
            "are not accepted\")." + (" DMARC is evaluated for the first domain." if len(
                domains) > 1 else ""), [from_header]))
    try:
        return check_name(domains[0]), findings
    except InvalidName as exc:
        findings.append(_finding("DMARC-14", Severity.CRITICAL, "From domain is not a DNS name",
                                 str(exc), [from_header]))
        return None, findings


async def check_dmarc(from_header: str | None, *, dkim_pass_domains: Sequence[str],
                      spf_result: str | None, spf_domain: str | None,
                      lookup: Lookup, dkim_fail_domains: Sequence[str] = ()) -> DmarcReport:
    """DMARC for a message: the From header's domain, the d= of every DKIM signature that
    verified, and the SPF result with its MAIL FROM (or HELO) domain. `dkim_fail_domains`
    (d= of signatures that failed) only shapes the advice: when an aligned signature failed,
    that failure, not the alignment set-up, is what to fix."""
    report = await _check_message(from_header, dkim_pass_domains, spf_result, spf_domain, lookup)
    return _blame_failed_aligned_signature(report, dkim_fail_domains)


def _blame_failed_aligned_signature(report: DmarcReport, failed: Sequence[str]) -> DmarcReport:
    """DMARC-06's usual fix (an ESP's custom DKIM and return path) is wrong advice when the
    From domain did sign and that aligned signature broke in transit (a list footer, a
    gateway): then the unaligned pass is incidental, so the finding drops to WARN and says so."""
    org = report.org_domain_psl
    aligned = sorted({d for d in failed if org and psl_org_domain(d) == org})
    if not aligned or report.result != "fail":
        return report
    note = (f" Here the From domain did sign (d={', '.join(aligned)}), and that aligned signature "
            "failed: fix why it failed (see its findings) and DMARC passes; the unaligned pass "
            "above is incidental.")
    findings = tuple(
        replace(f, severity=Severity.WARN, detail=f.detail + note) if f.id == "DMARC-06" else f
        for f in report.findings
    )
    return replace(report, findings=findings)


async def _check_message(from_header: str | None, dkim_pass_domains: Sequence[str],
                         spf_result: str | None, spf_domain: str | None,
                         lookup: Lookup) -> DmarcReport:
    domain, findings = from_domain_of(from_header)
    if domain is None:
        return DmarcReport(None, from_header, None, None, None, None, findings=tuple(findings))
    dkim, bad = _clean_domains(dkim_pass_domains, "DKIM d=")
    findings.extend(bad)
    dkim = list(dict.fromkeys(dkim))
    if len(dkim) > MAX_DKIM_DOMAINS:
        findings.append(_finding(
            "DKIM-SIG-19", Severity.WARN, f"{len(dkim)} signing domains: only the first "
            f"{MAX_DKIM_DOMAINS} were aligned", "Each signing domain costs a DNS tree walk; a "
            "message with this many passing signatures is unusual and was capped.",
            dkim[MAX_DKIM_DOMAINS:MAX_DKIM_DOMAINS + 5]))
        dkim = dkim[:MAX_DKIM_DOMAINS]
    spf_clean, bad = _clean_domains([spf_domain] if spf_domain else [], "SPF domain")
    findings.extend(bad)
    return await _check(domain, from_header, dkim, spf_result, spf_clean[0] if spf_clean else None,
                        lookup, findings)


async def check_dmarc_domain(domain: str, lookup: Lookup) -> DmarcReport:
    """Domain mode: discovery and record checks only (nothing to align)."""
    try:
        name = check_name(domain)
    except InvalidName as exc:
        return DmarcReport(None, None, None, None, None, None, findings=(_finding(
            "EVID-01", Severity.ERROR, "Not a domain name", f"{exc}; nothing was looked up.",
            [domain]),))
    return await _check(name, None, [], None, None, lookup, [])


def _clean_domains(values: Sequence[str], what: str) -> tuple[list[str], list[Finding]]:
    good, bad = [], []
    for value in values:
        try:
            good.append(check_name(value))
        except InvalidName as exc:
            bad.append(_finding("EVID-01", Severity.WARN, f"{what} is not a domain name",
                                f"{exc}; it cannot align with From and was left out.", [value]))
    return good, bad


async def _check(domain: str, from_header: str | None, dkim: list[str], spf_result: str | None,
                 spf_domain: str | None, lookup: Lookup, findings: list[Finding]) -> DmarcReport:
    lookup = _memo(lookup)
    others = list(dict.fromkeys(dkim + ([spf_domain] if spf_domain else [])))
    # RFC 9989 (after RFC 8020): a domain is non-existent when DNS says NXDOMAIN for it;
    # that holds for every record type, so one A query answers it.
    d7489, d9989, existence, walked = await asyncio.gather(
        discover_7489(domain, lookup), discover_9989(domain, lookup), lookup(domain, "A"),
        asyncio.gather(*(treewalk_org(d, lookup) for d in others)))
    nonexistent = existence.status == Status.NXDOMAIN
    walk_orgs = dict(zip(others, walked))
    walk_orgs[domain] = d9989.org_domain
    spf = (spf_result, spf_domain)
    r7489 = evaluate_dmarc(domain, dkim, spf, d7489, psl_org_domain)
    r9989 = evaluate_dmarc(domain, dkim, spf, d9989, lambda d: walk_orgs.get(d, d),
                           nonexistent=nonexistent)
    auths = await _report_authorisations(r9989.record or r7489.record, r9989, r7489,
                                         lookup=lookup)
    findings.extend(_findings(domain, r7489, r9989, d7489, d9989, existence, auths,
                              message=from_header is not None))
    return DmarcReport(domain, from_header, d7489.org_domain, d9989.org_domain, r7489, r9989,
                       nonexistent, tuple(a for a, _ in auths), tuple(_dedupe(findings)))


async def _report_authorisations(record: DmarcRecord | None, *results: DmarcResult,
                                 lookup: Lookup) -> list[tuple[DnsAnswer, str]]:
    """DMARC-11: a rua/ruf address in another organisational domain needs the TXT record
    `<policy domain>._report._dmarc.<report domain>` with v=DMARC1 (RFC 7489 §7.1)."""
    if record is None:
        return []
    policy_domain = next((r.record_name[len("_dmarc."):] for r in results if r.record_name), "")
    if not policy_domain:
        return []
    targets = {}
    for uri in record.rua + record.ruf:
        report_domain = uri.rpartition("@")[2]
        try:  # validated when parsed; the joined name may still be too long for DNS
            name = check_name(f"{policy_domain}._report._dmarc.{report_domain}")
        except InvalidName:
            continue
        if psl_org_domain(check_name(report_domain)) != psl_org_domain(policy_domain):
            targets[name] = uri
    answers = await asyncio.gather(*(lookup(name, "TXT") for name in targets))
    return list(zip(answers, targets.values()))


def _dedupe(findings: list[Finding]) -> list[Finding]:
    return list(dict.fromkeys(findings))


def _findings(domain: str, r7489: DmarcResult, r9989: DmarcResult, d7489: Discovery,
              d9989: Discovery, existence: DnsAnswer,
              auths: list[tuple[DnsAnswer, str]], *, message: bool) -> list[Finding]:
    out: list[Finding] = []
    # The findings of the records the rule sets use (once, when both use the same one), and
    # DMARC-03 for TXT at a _dmarc name on the way that tried to be DMARC and was discarded.
    for result in (r7489, r9989):
        if result.record is not None and result.result != "permerror":
            out.extend(result.record.findings)
    for discovery in (d7489, d9989):
        for step in discovery.steps:
            out.extend(f for record in step.others if re.search("dmarc", record.raw, re.I)
                       for f in record.findings)
    out.extend(_per_rule_set(_discovery_findings(domain, d7489),
                             _discovery_findings(domain, d9989)))
    if existence.status == Status.NXDOMAIN:
        out.append(_finding(
            "DNS-12", Severity.CRITICAL, f"{domain} does not exist",
            "The From domain is NXDOMAIN; many receivers reject such mail, and RFC 9989 "
            "receivers apply np= when its parent publishes one.",
            [f"{existence.name} {existence.rdtype}: {existence.status}"], about=domain))
    out.extend(_org_findings(domain, r7489, r9989, d9989))
    out.extend(_per_rule_set(_policy_findings(domain, r7489, message),
                             _policy_findings(domain, r9989, message)))
    for answer, uri in auths:
        if not any(parse_record(v).is_dmarc for v in answer.values):
            report_domain = uri.rpartition("@")[2]
            out.append(_finding(
                "DMARC-11", Severity.WARN, f"Report address {uri} is not authorised",
                f"Reports to another domain are sent only if {report_domain} publishes a TXT "
                f"record v=DMARC1 at {answer.name} (RFC 7489 §7.1); the lookup gave "
                f"{answer.status}{': ' + answer.error if answer.error else ''}.",
                [f"{answer.name} TXT: {answer.status}"],
                (RecordFix(answer.name, "TXT", "v=DMARC1",
                           f"let {report_domain} receive this domain's DMARC reports"),
                 _dig(answer.name)), about=domain))
    return out


def _per_rule_set(old: list[Finding], new: list[Finding]) -> list[Finding]:
    """Findings both rule sets reach are said once (with the evidence of both); the rest
    are labelled with their RFC."""
    def key(f: Finding) -> tuple[str, str, str]:
        return f.id, f.title, f.detail

    def label(f: Finding, rfc: str) -> Finding:
        return replace(f, title=f"{rfc}: {f.title}", detail=f"Under {rfc}: {f.detail}")
    old_by_key = {key(f): f for f in old}
    new_keys = {key(f) for f in new}
    both = [replace(f, evidence=tuple(dict.fromkeys(old_by_key[key(f)].evidence + f.evidence)))
            for f in new if key(f) in old_by_key]
    return (both + [label(f, RFC7489) for f in old if key(f) not in new_keys]
            + [label(f, RFC9989) for f in new if key(f) not in old_by_key])


def _discovery_findings(domain: str, discovery: Discovery) -> list[Finding]:
    out: list[Finding] = []
    evidence = [f"{s.name} TXT: {s.answer.status}"
                + (f" via {' → '.join(s.answer.cname_chain)}" if s.answer.cname_chain else "")
                + (f" ({s.answer.error})" if s.answer.status.transient else "")
                + "".join(f"\n  {v}" for v in s.answer.values) for s in discovery.steps]
    if discovery.error == "temperror":
        failed = next(s for s in discovery.steps if s.answer.status.transient)
        out.append(_finding(
            "DMARC-17", Severity.WARN, f"DMARC lookup failed ({failed.answer.status})",
            f"The query for {failed.name} got {failed.answer.status}"
            f"{': ' + failed.answer.error if failed.answer.error else ''}. Receivers report "
            "dmarc=temperror and usually defer; a retry will likely succeed. Check the domain's "
            "DNS health (DNS-08…10).", evidence, (_dig(failed.name),), about=domain))
    elif discovery.found and len(discovery.found.records) > 1:
        step = discovery.found
        out.append(_finding(
            "DMARC-02", Severity.CRITICAL, f"Several DMARC records at {step.name}",
            "With more than one v=DMARC1 record, policy discovery ends and DMARC is not applied "
            "(RFC 7489 §6.6.3). Merge them into one record.",
            [r.raw for r in step.records], (_dig(step.name),), about=domain))
    elif discovery.found is None:
        out.append(_finding(
            "DMARC-01", Severity.WARN, "No DMARC record",
            "No DMARC record at any of the names receivers ask (listed below), so "
            "receivers report dmarc=none. Gmail, Yahoo and Microsoft require at least p=none "
            "from bulk senders.", evidence,
            (RecordFix(f"_dmarc.{discovery.org_domain}", "TXT",
                       f"v=DMARC1; p=none; rua=mailto:dmarc-reports@{discovery.org_domain}",
                       "a starter DMARC record (monitoring only)"),
             _dig(f"_dmarc.{domain}")), about=domain))
    for step in discovery.steps:
        if step.answer.cname_chain and not step.records and not step.answer.status.transient:
            chain = " → ".join((step.name,) + step.answer.cname_chain)
            out.append(_finding(
                "DMARC-22", Severity.WARN, f"{step.name} is delegated by CNAME to nothing",
                f"The CNAME target {step.answer.cname_chain[-1]} holds no DMARC record "
                f"({step.answer.status}): the hosting service has not set it up, or the CNAME "
                "is left over from one you no longer use. Receivers carry on as if there were "
                "no record here.", [chain],
                (FixCommand(("dig", "+noall", "+answer", "TXT", step.name),
                            "show the CNAME chain and what the target holds"),), about=domain))
        if step.answer.cname_chain and step.records:
            chain = " → ".join((step.name,) + step.answer.cname_chain)
            out.append(_finding(
                "DMARC-22", Severity.INFO, f"{step.name} is delegated by CNAME",
                f"The record comes from {step.answer.cname_chain[-1]}, which whoever hosts it "
                "can change; this is allowed (DNS-03).", [chain],
                (FixCommand(("dig", "+noall", "+answer", "TXT", step.name),
                            "show the CNAME chain and the record"),), about=domain))
    return out


def _org_findings(domain: str, r7489: DmarcResult, r9989: DmarcResult,
                  d9989: Discovery) -> list[Finding]:
    out = []
    evidence = [f"{RFC7489} (Public Suffix List): {r7489.org_domain}",
                f"{RFC9989} (DNS tree walk): {r9989.org_domain} — {r9989.org_reason}"]
    differ = r7489.org_domain != r9989.org_domain
    out.append(_finding(
        "DMARC-08", Severity.WARN if differ else Severity.INFO,
        "Organisational domain differs between RFC 7489 and RFC 9989" if differ else
        f"Organisational domain: {r9989.org_domain}",
        ("The Public Suffix List and the DNS tree walk disagree, so receivers on the old and "
         "new rules can apply different records and alignment." if differ else
         "The Public Suffix List and the DNS tree walk agree."), evidence, about=domain))
    if d9989.uncertain:
        out.append(_finding(
            "DMARC-17", Severity.WARN, "Tree walk could not ask every level",
            "These _dmarc names did not answer, so the RFC 9989 organisational domain assumes "
            "they hold no record: " + ", ".join(f"_dmarc.{d}" for d in d9989.uncertain) + ".",
            [f"_dmarc.{d}" for d in d9989.uncertain], about=domain))
    if (r7489.result, r7489.effective_policy) != (r9989.result, r9989.effective_policy):
        out.append(_finding(
            "DMARC-08", Severity.WARN, "RFC 7489 and RFC 9989 receivers reach different verdicts",
            f"{RFC7489}: dmarc={r7489.result}, policy {r7489.effective_policy or '—'}; "
            f"{RFC9989}: dmarc={r9989.result}, policy {r9989.effective_policy or '—'}.",
            evidence, about=domain))
    return out


def _policy_findings(domain: str, result: DmarcResult, message: bool) -> list[Finding]:
    out = []
    if result.record is None or result.policy is None:
        return out
    why = {"p": "From is the domain that publishes the record",
           "sp": "From is a subdomain without a record of its own",
           "np": "From is a subdomain that does not exist in DNS"}.get(result.policy_tag, "")
    if result.policy_tag != "p" or result.discovered_via != "exact domain":
        out.append(_finding(
            "DMARC-09", Severity.INFO, f"Policy {result.policy} "
            f"({result.policy_tag}=) from {result.record_name}",
            f"Policy from {result.record_name}, applied as {result.policy_tag}={result.policy} "
            f"because {why}.", [result.record.raw], about=domain))
    if result.sampling:
        out.append(_finding("DMARC-10", Severity.INFO, result.sampling,
                            f"Effective policy for failing mail: {result.effective_policy}.",
                            [result.record.raw], about=domain))
    if not message or result.result != "fail":
        return out
    rows = result.alignment
    grid = _grid_text(result)
    unaligned = [r for r in rows if r.passed and not r.aligned]
    strict_only = [r for r in unaligned if r.relaxed]
    for row in strict_only:
        tag = "adkim" if row.mechanism == "dkim" else "aspf"
        relaxed = RecordFix(result.record_name, "TXT",
                            rebuild_record(result.record.tags, **{tag: "r"}),
                            f"relaxed {row.mechanism.upper()} alignment ({tag}=r)")
        out.append(_finding(
            "DMARC-07", Severity.CRITICAL, f"Strict alignment rejects {row.domain}",
            f"{tag}=s needs {row.domain} to equal the From domain {domain} exactly; relaxed "
            f"alignment ({tag}=r) would pass, since both are in {row.org_domain}. Either relax "
            f"the record, or sign (or send) with {domain} itself.", grid, (relaxed,),
            about=domain))
    foreign_spf = [r for r in unaligned if r.mechanism == "spf" and not r.relaxed]
    foreign_dkim = [r for r in unaligned if r.mechanism == "dkim" and not r.relaxed]
    for row in foreign_spf:
        out.append(_finding(
            "CAUSE-17", Severity.INFO, f"MAIL FROM is another organisation's domain: {row.domain}",
            f"SPF passed for {row.domain}, typically an ESP's default return path, which is not "
            f"part of {result.org_domain}. Fix: a custom MAIL FROM (return-path) subdomain of "
            f"{domain} at the sending service, with the MX/SPF or CNAME records it gives you.",
            grid, about=domain))
    if foreign_dkim and not any(r.counts for r in rows):
        names = ", ".join(r.domain for r in foreign_dkim)
        out.append(_finding(
            "CAUSE-15", Severity.INFO, f"Signed by a third party ({names}), not by {domain}",
            "The sending service signs with its own domain because custom DKIM is not set up. "
            f"Fix: enable the service's custom DKIM for {domain} (it gives CNAME records to "
            "publish under _domainkey), and a custom return path.", grid, about=domain))
    if unaligned and len(strict_only) < len(unaligned):
        out.append(_finding(
            "DMARC-06", Severity.CRITICAL,
            f"SPF/DKIM passed but not aligned with {domain}",
            "DMARC counts SPF or DKIM only when the passing domain belongs to the From domain's "
            f"organisational domain ({result.org_domain}). Typical cause: a third-party sender "
            "or ESP using its own bounce domain and DKIM d= (CAUSE-15, CAUSE-17). Fix: set up "
            "the ESP's custom DKIM (CNAME records under your domain) and a custom return-path "
            "(MAIL FROM) subdomain of your domain.", grid, about=domain))
    return out


def _grid_text(result: DmarcResult) -> list[str]:
    lines = [f"{'':6} {'domain':32} {'passed':7} aligned (relaxed/strict)"]
    for row in result.alignment:
        lines.append(f"{row.mechanism.upper():6} {row.domain:32} {row.result:7} "
                     f"{'yes' if row.aligned else 'no'} ({'yes' if row.relaxed else 'no'}/"
                     f"{'yes' if row.strict else 'no'})")
    return lines
