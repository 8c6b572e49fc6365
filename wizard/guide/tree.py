"""The decision tree a junior admin walks: pure functions from a Report to Steps.

The six questions, in the order an experienced engineer asks them:

1. What do you have?            (the input, and how far we can trust it: EVID-*)
2. What did the receiver say?   (bounce code and its meaning; Authentication-Results)
3. Which identity failed?       (DKIM / SPF / DMARC alignment, in words)
4. Is DNS right?                (key, DMARC and SPF records, per resolver)
5. What changed in transit?     (body and header forensics: CANON-*, CAUSE-*)
6. The fix                      (commands and records to copy, and how to confirm)

A step the evidence already answers is skipped, with the reason kept so the guided view can
say why ("no bounce and no Authentication-Results in the input"). Nothing here knows about
Textual; the TUI only renders what `walk()` returns.
"""
from __future__ import annotations

import itertools

from msgspec import Struct
from msgspec.structs import replace

from wizard.common.dnsname import InvalidName
from wizard.common.safe_text import shorten
from wizard.model.findings import Finding, FixCommand, RecordFix, Severity, worst
from wizard.model.report import Report
from wizard.output.words import ordered, plural

QUESTIONS: tuple[tuple[str, str], ...] = (
    ("input", "What do you have?"),
    ("receiver", "What did the receiver say?"),
    ("identity", "Which identity failed?"),
    ("dns", "Is DNS right?"),
    ("transit", "What changed in transit?"),
    ("fix", "The fix"),
)

# Which diagnoses.md ids answer which question. Prefixes; the first match wins, so the
# specific ids (DKIM-SIG-12: headers added in transit) come before their family.
_AREAS: tuple[tuple[str, str], ...] = (
    ("EVID-05", "transit"),
    ("EVID-", "input"),
    ("DSN-", "receiver"),
    ("AR-", "receiver"),
    ("DMARC-15", "receiver"),
    ("DMARC-16", "receiver"),
    ("ARC-07", "receiver"),
    ("PROV-", "receiver"),
    ("DKIM-SIG-12", "transit"),
    ("DKIM-SIG-13", "transit"),
    ("DKIM-SIG-22", "transit"),
    ("CANON-", "transit"),
    ("CAUSE-", "transit"),
    ("DKIM-KEY-", "dns"),
    ("DNS-", "dns"),
    ("DMARC-06", "identity"),
    ("DMARC-07", "identity"),
    ("DMARC-14", "identity"),
    ("DMARC-17", "identity"),
    ("DMARC-18", "identity"),
    ("DMARC-19", "identity"),
    ("DMARC-", "dns"),
    ("SPF-13", "identity"),
    ("SPF-14", "identity"),
    ("SPF-15", "identity"),
    ("SPF-16", "identity"),
    ("SPF-21", "identity"),
    ("SPF-", "dns"),
    ("DKIM-SIG-", "identity"),
    ("ARC-", "identity"),
)

_WHY = {
    "input": "Every later answer depends on having the bytes the receiver saw. A copy from a "
    "mail client can be re-wrapped or missing its body, and then re-verifying it would blame "
    "an innocent sender.",
    "receiver": "The receiver's own words are the only first-hand account of why it refused or "
    "flagged the message; everything else is us re-checking from the outside.",
    "identity": "DMARC passes when SPF or DKIM passes for a domain aligned with the From "
    "address. Knowing which of the three identities broke tells you which team owns the fix.",
    "dns": "Receivers look up the DKIM key, the SPF and the DMARC records for every message. A "
    "record that is missing, mistyped, split badly or different between servers fails "
    "authentication for everyone who sees it.",
    "transit": "A DKIM signature breaks when anything it covers changes after signing: a footer, "
    "a rewritten link, re-encoded text or a changed header. Finding the change tells you who "
    "touched the message.",
    "fix": "Copy the command or record, apply it, then confirm with the checks below before "
    "telling anyone it is fixed: DNS changes take up to the old TTL to be seen everywhere.",
}

# How each step is announced by the step before it (skipped steps are not announced).
_ANNOUNCE = {
    "receiver": "Next: what the receiver said about it.",
    "identity": "Next: which identity (DKIM, SPF or DMARC) failed.",
    "dns": "Next: whether the DNS records behind those identities are right.",
    "transit": "Next: what changed in the message on its way.",
    "fix": "Next: the fix.",
}
_LAST = "Done. Save the report (s) to hand it on, or open the inspect view (i) for detail."


class Step(Struct, frozen=True):
    key: str  # one of the QUESTIONS keys
    number: int  # 1…6, its place in the full tree (kept when earlier steps are skipped)
    question: str
    found: str  # what we found, in plain words
    why: str  # why it matters
    evidence: tuple[str, ...]  # exact lines from the input / DNS answers
    findings: tuple[Finding, ...]  # worst first
    fixes: tuple[FixCommand | RecordFix, ...]
    confirm: tuple[FixCommand, ...]  # how to check the fix worked (last step)
    next: str  # the step offered next, in words (set by walk, which knows what was skipped)
    pending: bool = False  # answers for this step are still arriving

    @property
    def severity(self) -> Severity | None:
        return worst(self.findings)


class Skipped(Struct, frozen=True):
    key: str
    number: int
    question: str
    reason: str


class Walk(Struct, frozen=True):
    steps: tuple[Step, ...]
    skipped: tuple[Skipped, ...]

    def index_of(self, key: str) -> int | None:
        for i, step in enumerate(self.steps):
            if step.key == key:
                return i
        return None


def message_report(report: Report) -> Report:
    """The report about the message itself: for a bounce that carried the message back
    (DSN-12), the analysis of that returned message; otherwise the report."""
    return report.returned if report.returned is not None else report


def area_of(finding_id: str) -> str:
    for prefix, area in _AREAS:
        if finding_id.startswith(prefix):
            return area
    return "identity"


def findings_for(report: Report, area: str) -> tuple[Finding, ...]:
    """The report's findings that answer question `area`, worst first."""
    return ordered(f for f in report.all_findings if area_of(f.id) == area)


def _problems(findings: tuple[Finding, ...]) -> tuple[Finding, ...]:
    return tuple(f for f in findings if f.severity is not Severity.INFO)


def _from_where(source: str) -> str:
    """Where the input came from, as the end of a sentence."""
    if source == "paste":
        return "pasted into the app"
    if source == "stdin":
        return "read from standard input"
    if source.startswith("scenario "):
        return f"from the training scenario {source.removeprefix('scenario ')}"
    return f"from the file {source}"


# A title read out of its pane needs its subject: "More than 10 DNS-querying terms" is
# about SPF. Added when the title does not already name it.
_SUBJECTS = (("SPF-", "SPF"), ("DMARC-", "DMARC"), ("DKIM-KEY-", "DKIM key"), ("DKIM-", "DKIM"), ("ARC-", "ARC"))


def _titled(finding: Finding) -> str:
    title = finding.title.rstrip(".")
    for prefix, subject in _SUBJECTS:
        if finding.id.startswith(prefix):
            if subject.split()[0].lower() in title.lower():
                return title
            return f"{subject}: {_lower_first(title)}"  # "more than…"; "SPF/DKIM…" stays
    return title


def _lower_first(text: str) -> str:
    return text[0].lower() + text[1:] if text[:2].istitle() else text


def _titles(findings: tuple[Finding, ...], limit: int = 3, *, mid_sentence: bool = False) -> str:
    """The first `limit` titles as one sentence; "(and N more)" for the rest."""
    titles = [_titled(f) for f in findings[:limit]]
    titles = [t if i == 0 and not mid_sentence else _lower_first(t) for i, t in enumerate(titles)]
    more = len(findings) - limit
    text = "; ".join(titles)
    return f"{text} (and {more} more)" if more > 0 else text


def _distinct(lines: list[str]) -> tuple[str, ...]:
    """Each evidence line once. Findings quote the same receiver text, some cut short
    ("…"); a line already contained in a longer one is left out."""
    unique = list(dict.fromkeys(line for line in lines if line))
    cores = [line.removesuffix("…").strip() for line in unique]

    def covered(i: int) -> bool:
        return any(
            cores[i] in cores[j] and (len(cores[j]) > len(cores[i]) or unique[i].endswith("…"))
            for j in range(len(unique)) if j != i
        )

    return tuple(line for i, line in enumerate(unique) if not covered(i))


def _step(report: Report, key: str, found: str, evidence: list[str], *, pending: bool = False,
          findings_first: bool = False) -> Step:
    number = next(i for i, (k, _) in enumerate(QUESTIONS, 1) if k == key)
    findings = findings_for(report, key)
    fixes: dict[FixCommand | RecordFix, None] = {}
    for finding in findings:
        for fix in finding.fixes:
            fixes[fix] = None
    from_findings = [e for f in findings for e in f.evidence]
    if findings_first:
        # The problems' own evidence leads; notes (which organisational domain, how many
        # SPF lookups) come after the answers a reader checks first.
        notes = [e for f in findings if f.severity is Severity.INFO for e in f.evidence]
        evidence = [e for f in _problems(findings) for e in f.evidence] + evidence + notes
    else:
        evidence = evidence + from_findings
    return Step(
        key=key,
        number=number,
        question=QUESTIONS[number - 1][1],
        found=found,
        why=_WHY[key],
        evidence=_distinct(evidence),
        findings=findings,
        fixes=tuple(fixes) if key != "fix" else (),
        confirm=(),
        next=_LAST,
        pending=pending,
    )


def _skip(key: str, reason: str) -> Skipped:
    number = next(i for i, (k, _) in enumerate(QUESTIONS, 1) if k == key)
    return Skipped(key, number, QUESTIONS[number - 1][1], reason)


# --- the six questions ------------------------------------------------------------------


def step_input(report: Report) -> Step:
    info = report.input
    if info.kind == "domain":
        step = _step(report, "input", f"You asked about {info.source}: no message, so we check "
                     "its DNS records (the DKIM keys of the selectors you named, SPF and DMARC).", [])
        return replace(step, why="Without a message there is no sender identity or signature to "
                       "check, only what every receiver would look up in DNS.")
    found = f"You gave us {info.label}: {plural(info.size, 'byte')} {_from_where(info.source)}."
    if info.kind not in ("domain", "smtp_reply", "auth_results", "dkim_signature"):
        found += (" It includes the body, so we can check whether the body was changed."
                  if info.has_body else
                  " The body is missing, so we cannot check whether the body was changed.")
    problems = _problems(findings_for(report, "input"))
    if problems:
        found += " Be careful: " + _titles(problems, mid_sentence=True) + "."
    evidence = [f"line endings: {info.line_endings}"] if info.line_endings not in ("crlf", "none", "n/a") else []
    for cap in report.caps:
        evidence.append(f"limit reached: {cap.what} (saw {cap.seen}, analysed {cap.limit})")
    return _step(report, "input", found, evidence)


def _verdicts(auth) -> str:
    """The trusted receiver's SPF, DKIM and DMARC results in a few words, e.g.
    "SPF pass, DKIM fail (body hash did not verify), DMARC fail"."""
    out = []
    for r in auth.trusted:
        if r.method in ("spf", "dkim", "dmarc"):
            why = r.reason or r.comment
            out.append(f"{r.method.upper()} {r.result}" + (f" ({shorten(why, 60)})" if why else ""))
    return ", ".join(dict.fromkeys(out))


def step_receiver(report: Report) -> Step | Skipped:
    bounce, auth = report.bounce, report.auth_results
    findings = findings_for(report, "receiver")
    if bounce is None and auth is None and not findings:
        return _skip("receiver", "The input holds no bounce and no Authentication-Results header, "
                     "so there is nothing the receiver said.")
    parts: list[str] = []
    evidence: list[str] = []
    if bounce is not None and bounce.kind == "not_a_bounce":
        parts.append(f"This is not a bounce: it is {report.input.label}.")
    elif bounce is not None:
        code = " ".join(str(c) for c in (bounce.reply_code, bounce.status) if c)
        sentence = "The receiving server" + (f" ({bounce.provider})" if bounce.provider else "")
        sentence += " delayed the message" if bounce.kind == "delayed" else " refused the message"
        if code:
            sentence += f" with {code}"
        if bounce.stage:
            sentence += f" at the {bounce.stage.replace('_', ' ').upper()} stage"
        parts.append(sentence + ".")
        if bounce.explanation is not None:
            parts.append(bounce.explanation.plain)
        if bounce.reply_text:
            evidence.append(f"{bounce.reply_code or ''} {bounce.reply_text}".strip())
        elif bounce.diagnostic_code:
            evidence.append(bounce.diagnostic_code)
        evidence.extend(f"recipient: {r}" for r in bounce.recipients)
    if auth is not None:
        verdicts = _verdicts(auth)
        where = f" ({auth.trusted_authserv_id})" if auth.trusted_authserv_id else ""
        parts.append(f"The receiving server{where} wrote down its checks in an Authentication-Results header"
                     + (f": {verdicts}." if verdicts else "."))
    problems = _problems(findings)
    if problems and bounce is None:
        parts.append(_titles(problems) + ".")
    return _step(report, "receiver", " ".join(parts) or _titles(findings) + ".", evidence)


def _reason(sig) -> str:
    # The engine's reasons are codes (key_not_found, body_hash); people read words.
    return sig.reason.replace("_", " ") if sig.reason else ""


def _signature_line(sig) -> str:
    """sig is a wizard.pipeline.analyze.SignatureReport."""
    text = f"DKIM signature {sig.index + 1} by {sig.d or '?'} (selector {sig.s or '?'}): "
    text += "not checked yet" if sig.result == "none" and sig.verdict is None else sig.result
    return text + (f" — {_reason(sig)}" if sig.reason else "")


def step_identity(report: Report) -> Step | Skipped:
    findings = findings_for(report, "identity")
    inner = message_report(report)
    if inner.message is None and not inner.signatures and inner.auth_results is None and not findings:
        if report.input.kind == "domain":
            return _skip("identity", "You asked about a domain, not a message: there is no sender identity to check.")
        return _skip("identity", "The input carries no message headers, so there is no identity to check.")
    receiver_problems = _problems(findings_for(report, "receiver"))
    auth_related = any(
        area_of(f.id) in ("identity", "dns", "transit") for f in _problems(report.all_findings)
    )
    if report.bounce is not None and receiver_problems and not auth_related and not inner.signatures:
        return _skip("identity", "The receiver's reason is not about authentication, so DKIM, SPF "
                     "and DMARC are not the problem here.")
    lines = [_signature_line(sig) for sig in inner.signatures]
    problems = _problems(findings)
    broken = [sig for sig in inner.signatures if sig.result not in ("pass", "none")]
    if problems:
        found = _titles(problems) + "."
    elif broken:
        # The finding that explains it belongs to a later question (a missing key is DNS).
        sig = broken[0]
        found = (f"DKIM failed: the signature by {sig.d or '?'} did not verify ({sig.result}"
                 + (f", {_reason(sig)}" if sig.reason else "") + "). The next steps show why.")
    elif inner.signatures:
        found = "No identity failed: every check we could make passed."
    else:
        found = ("The message is not DKIM-signed; only SPF can align it for DMARC."
                 if inner.message else _titles(findings))
    facts = inner.message
    if facts is not None:
        if facts.from_domain:
            lines.append(f"From domain: {facts.from_domain}")
        if facts.mail_from_domain:
            lines.append(f"Envelope sender (MAIL FROM) domain: {facts.mail_from_domain}")
        if facts.client_ip:
            lines.append(f"Sending IP: {facts.client_ip}")
    return _step(report, "identity", found, lines)


def sorted_answers(answers) -> list:
    """By name, type and resolver: lookups finish in network order, not a readable one."""
    return sorted(answers, key=lambda a: (a.name, a.rdtype, a.resolver))


def _answer_line(answer) -> str:
    value = " | ".join(answer.values) if answer.values else (answer.error or answer.status.value)
    ttl = f", TTL {answer.ttl}" if answer.ttl is not None else ""
    return shorten(
        f"{answer.rdtype} {answer.name} @ {answer.resolver}: {answer.status.value}{ttl}, "
        f"{answer.elapsed_ms:.0f} ms: {value}",
        160,
    )


def step_dns(report: Report) -> Step | Skipped:
    findings = findings_for(report, "dns")
    answers = report.dns + (report.returned.dns if report.returned is not None else ())
    pending = report.pending + (report.returned.pending if report.returned is not None else ())
    # DNS answers are attached when the online stages finish; until then they are pending.
    dns_pending = any(stage in ("dns", "spf", "dmarc") for stage in pending)
    if not answers and not findings and not dns_pending:
        return _skip("dns", "Nothing in the input names a domain or selector to look up.")
    problems = _problems(findings)
    if problems:
        found = "DNS is not right. " + _titles(problems) + "."
    elif dns_pending and not answers:
        found = "Looking up the DKIM key, SPF and DMARC records…"
    elif answers:
        found = f"Nothing wrong in the {plural(len(answers), 'DNS answer')} we got."
    else:
        found = "No DNS answers were recorded, so nothing here says DNS is wrong."
    if dns_pending and answers:
        found += " More answers are still arriving."
    resolvers = sorted({a.resolver for a in answers})
    if len(resolvers) > 1:
        found += f" Asked {plural(len(resolvers), 'resolver')}: {', '.join(resolvers)}."
    # What went wrong first: the problems' own evidence, then every answer by name. Failed
    # lookups do not lead: most are expected (the DMARC tree walk and the selector guesses
    # ask names that need not exist), and the problems already name the ones that matter.
    lines = [_answer_line(a) for a in sorted_answers(answers)]
    return _step(report, "dns", found, lines, pending=dns_pending, findings_first=True)


def step_transit(report: Report) -> Step | Skipped:
    findings = findings_for(report, "transit")
    # Notes alone (a signed header relays often rewrite) do not make this a question worth
    # a step; they stay in the inspect view.
    if not _problems(findings):
        inner = message_report(report)
        if not inner.signatures:
            return _skip("transit", "The message is not DKIM-signed, so there is no signature a change could break.")
        if not inner.input.has_body:
            return _skip("transit", "The body is not in the input, so changes to it cannot be seen.")
        return _skip("transit", "No signature shows a change in transit.")
    problems = _problems(findings)
    if problems:
        found = "The message changed after it was signed: " + _titles(problems, mid_sentence=True) + "."
    else:
        found = _titles(findings) + "."
    # With the sender's original, say which copy the signature vouches for, and lead the
    # evidence with the diff's changed lines (the whole diff is in the Body pane).
    evidence: list[str] = []
    for sig in message_report(report).signatures:
        body = sig.body
        if body is None or body.original_matches is None:
            continue
        found += " " + original_verdict(body)
        marks = {"added": "+ ", "removed": "- "}
        evidence += [marks[d.kind] + d.text_visible for d in body.diff if d.kind in marks]
    return _step(report, "transit", found, evidence)


def original_verdict(body) -> str:
    """Which copy matches bh=, once the sender's original was given (BodyForensics)."""
    if body.original_matches and not body.matches:
        return "The original matches the signature: the change happened in transit."
    if body.original_matches:
        return "Both the original and the received copy match the signature."
    if body.matches:
        return "The received copy matches the signature; the original you gave is not the copy that was signed."
    return ("Neither matches the signature: the original you gave is not the copy that was signed "
            "(it may have been changed before signing).")


def confirm_commands(fixes: tuple[FixCommand | RecordFix, ...],
                     resolvers: tuple[str, ...] = ()) -> tuple[FixCommand, ...]:
    """How to confirm each published record: ask for it back (per resolver when several
    were used, because the point is that every server sees it)."""
    from wizard.fixes import dig_short

    specs = tuple(r for r in resolvers if r not in ("system", "zone"))
    out: dict[FixCommand, None] = {}
    for fix in fixes:
        if isinstance(fix, RecordFix):
            try:
                for command in dig_short(fix.name, fix.rdtype, specs):
                    out[command] = None
            except (InvalidName, ValueError):
                # A name that is not a DNS name never reaches a command (DESIGN.md rule 5).
                continue
    return tuple(out)


# Commands that only look at something. Among fixes for equally bad problems, the change
# (a record to publish, a command that does something) comes before the ones that look.
_LOOKING = frozenset({"dig", "host", "nslookup", "delv", "opendkim-testkey"})


def _looks_only(fix: FixCommand | RecordFix) -> bool:
    return isinstance(fix, FixCommand) and bool(fix.argv) and fix.argv[0] in _LOOKING


def step_fix(report: Report) -> Step:
    fixes: dict[FixCommand | RecordFix, int] = {}
    for finding in ordered(report.all_findings):
        for fix in finding.fixes:
            fixes.setdefault(fix, finding.severity.rank)
    all_fixes = tuple(sorted(fixes, key=lambda f: (-fixes[f], _looks_only(f))))
    problems = _problems(ordered(report.all_findings))
    why = _WHY["fix"]
    if all_fixes:
        found = (f"{plural(len(all_fixes), 'thing')} to do, most important first. "
                 "c copies the first one; tab moves to the next.")
    elif report.failed:
        found = "No command can fix this from here. What to change is explained below, most important first."
        why = ("These problems are fixed in a setting (of a mailing list, a sending service or a mail "
               "server), not by a DNS record. Save the report (s) to hand it to whoever runs that system.")
    else:
        found = "Nothing to fix: no check failed."
        why = ("Every check we could make passed. If a receiver still refuses the message, its "
               "reason is not in this input: save the report (s) and ask for the bounce.")
    confirm = confirm_commands(all_fixes, report.resolvers)
    if all_fixes and not confirm:  # only commands that look: nothing to publish and re-check
        why = ("Run the commands to see the problem for yourself; what to change is explained below. "
               "After a DNS change, allow up to the old TTL before checking again.")
    step = _step(report, "fix", found, [])
    # The problems travel with the fix step: their detail says what to do, which is the
    # whole answer when no command or record can fix it (a list footer, an ESP setting).
    return Step(
        key=step.key, number=step.number, question=step.question, found=step.found, why=why,
        evidence=(), findings=problems, fixes=all_fixes,
        confirm=confirm,
        next=step.next,
    )


def walk(report: Report) -> Walk:
    """The steps to show for this report, in order, and the ones skipped with their reason."""
    steps: list[Step] = []
    skipped: list[Skipped] = []
    for result in (
        step_input(report),
        step_receiver(report),
        step_identity(report),
        step_dns(report),
        step_transit(report),
        step_fix(report),
    ):
        if isinstance(result, Step):
            steps.append(result)
        else:
            skipped.append(result)
    announced = [replace(step, next=_ANNOUNCE[after.key]) for step, after in itertools.pairwise(steps)]
    return Walk(tuple(announced + steps[-1:]), tuple(skipped))
