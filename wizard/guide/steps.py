"""What every guided step is made of: the questions in order, which finding answers which
question, and the Step / Skipped / Walk types the TUI renders.

The questions follow the verdict: first the answer (what happened), then its causal chain as
the "why" questions (what the receiver said, which identity failed, why: DNS or a change in
transit, who caused it), then the fix. The list is fixed, so the guided view can count
"Step 4 of 7" from the first partial report on and the count never changes.
"""
from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

from msgspec import Struct
from msgspec.structs import replace

from wizard.common.safe_text import sanitize
from wizard.model.findings import Finding, FixCommand, RecordFix, Severity, worst
from wizard.model.report import Report
from wizard.output.words import ordered

if TYPE_CHECKING:
    from wizard.verdict.model import Verdict

QUESTIONS: tuple[tuple[str, str], ...] = (
    ("verdict", "What happened?"),
    ("receiver", "What did the receiver say?"),
    ("identity", "Which identity failed?"),
    ("dns", "Is DNS right?"),
    ("transit", "What changed in transit?"),
    ("who", "Who caused it?"),
    ("fix", "The fix"),
)
TOTAL = len(QUESTIONS)

# Which diagnoses.md ids answer which question. Prefixes; the first match wins, so the
# specific ids (DKIM-SIG-12: headers added in transit) come before their family.
_AREAS: tuple[tuple[str, str], ...] = (
    ("EVID-05", "transit"),
    ("EVID-", "verdict"),  # how far the input can be trusted is part of the answer
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
    ("CAUSE-", "who"),
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

WHY = {
    "verdict": "This is the answer. The steps after this one walk the chain that leads to it, "
    "from the outcome down to who caused it, and end on the fix.",
    "receiver": "The receiver's own words are the only first-hand account of why it refused or "
    "flagged the message; everything else is us re-checking from the outside.",
    "identity": "DMARC passes when SPF or DKIM passes for a domain aligned with the From "
    "address. Knowing which of the identities broke tells you which team owns the fix.",
    "dns": "Receivers look up the DKIM key, the SPF and the DMARC records for every message. A "
    "record that is missing, mistyped, split badly or different between servers fails "
    "authentication for everyone who sees it.",
    "transit": "A DKIM signature breaks when anything it covers changes after signing: a footer, "
    "a rewritten link, re-encoded text or a changed header. Finding the change tells you who "
    "touched the message.",
    "who": "The fix belongs to whoever can change the cause: often not the sender's DNS but a "
    "list, a gateway, a sending service or the signing server.",
    "fix": "Apply the fix, then confirm with the checks below before telling anyone it is "
    "fixed: DNS changes take up to the old TTL to be seen everywhere.",
}

# How each step is announced by the step before it (skipped steps are not announced).
ANNOUNCE = {
    "receiver": "Next: why — what the receiver said about it.",
    "identity": "Next: why — which identity (DKIM, SPF or DMARC) failed.",
    "dns": "Next: why — whether the DNS records behind those identities are right.",
    "transit": "Next: why — what changed in the message on its way.",
    "who": "Next: who caused it.",
    "fix": "Next: the fix.",
}
LAST = "Done. Save the report (s) to hand it on, or open the inspect view (i) for detail."


class Advice(Struct, frozen=True):
    """The root cause's fix when no command or record can fix it: who must act and what to
    do (with how to confirm it worked), as the verdict words it."""

    finding: str
    who: str
    text: str

    @property
    def copy_text(self) -> str:
        """What `c` copies: ready to paste into the ticket for whoever must act."""
        return f"For {self.who}: {self.text}"


class Step(Struct, frozen=True):
    key: str  # one of the QUESTIONS keys
    number: int  # 1…TOTAL, its place in the full tree (kept when other steps are skipped)
    question: str
    found: str  # what we found, in plain words
    why: str  # why it matters
    evidence: tuple[str, ...]  # exact lines from the input / DNS answers
    findings: tuple[Finding, ...]  # worst first, each with its severity in this report's context
    fixes: tuple[FixCommand | RecordFix, ...]  # the changes to make, the root cause's first
    confirm: tuple[FixCommand, ...]  # how to check the fix worked (last step)
    next: str  # the step offered next, in words (set by walk, which knows what was skipped)
    pending: bool = False  # answers for this step are still arriving
    chain: tuple[str, ...] = ()  # the links of the verdict's causal chain this step answers
    notes: tuple[str, ...] = ()  # other causes, and what looks alarming but is not the cause
    advice: Advice | None = None  # the root cause's fix when it is advice (fix step)
    checks: tuple[FixCommand, ...] = ()  # lookups that show the problem; they change nothing

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

    def skipped_after(self, step: Step) -> tuple[Skipped, ...]:
        """The skipped questions between `step` and the next step shown."""
        later = [s.number for s in self.steps if s.number > step.number]
        end = min(later) if later else TOTAL + 1
        return tuple(s for s in self.skipped if step.number < s.number < end)


def number_of(key: str) -> int:
    return next(i for i, (k, _) in enumerate(QUESTIONS, 1) if k == key)


def message_report(report: Report) -> Report:
    """The report about the message itself: for a bounce that carried the message back
    (DSN-12), the analysis of that returned message; otherwise the report."""
    return report.returned if report.returned is not None else report


def area_of(finding_id: str) -> str:
    for prefix, area in _AREAS:
        if finding_id.startswith(prefix):
            return area
    return "identity"


def in_context(findings, verdict: Verdict | None) -> tuple[Finding, ...]:
    """Findings with the severity they have in this report (the verdict's), worst first: SPF
    failing at a forwarder is INFO when DKIM carries DMARC; the root cause is CRITICAL."""
    from msgspec.structs import replace

    if verdict is None:
        return ordered(findings)
    return ordered(replace(f, severity=verdict.severity_in_context(f)) for f in findings)


def findings_for(report: Report, area: str, verdict: Verdict | None = None) -> tuple[Finding, ...]:
    """The report's findings that answer question `area`, worst first."""
    return in_context((f for f in report.all_findings if area_of(f.id) == area), verdict)


def problems(findings: tuple[Finding, ...]) -> tuple[Finding, ...]:
    return tuple(f for f in findings if f.severity is not Severity.INFO)


def finding_by_id(report: Report, finding_id: str) -> Finding | None:
    return next((f for f in report.all_findings if f.id == finding_id), None)


# A title read out of its pane needs its subject: "More than 10 DNS-querying terms" is
# about SPF. Added when the title does not already name it.
_SUBJECTS = (("SPF-", "SPF"), ("DMARC-", "DMARC"), ("DKIM-KEY-", "DKIM key"), ("DKIM-", "DKIM"), ("ARC-", "ARC"))


def titled(finding_id: str, title: str) -> str:
    title = title.rstrip(".")
    for prefix, subject in _SUBJECTS:
        if finding_id.startswith(prefix):
            if subject.split()[0].lower() in title.lower():
                return title
            return f"{subject}: {lower_first(title)}"  # "more than…"; "SPF/DKIM…" stays
    return title


def lower_first(text: str) -> str:
    return text[0].lower() + text[1:] if text[:2].istitle() else text


def titles(findings: tuple[Finding, ...], limit: int = 3, *, mid_sentence: bool = False) -> str:
    """The first `limit` titles as one sentence; "(and N more)" for the rest."""
    out = [titled(f.id, f.title) for f in findings[:limit]]
    out = [t if i == 0 and not mid_sentence else lower_first(t) for i, t in enumerate(out)]
    more = len(findings) - limit
    text = "; ".join(out)
    return f"{text} (and {more} more)" if more > 0 else text


def distinct(lines: list[str]) -> tuple[str, ...]:
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


def chain_here(key: str, verdict: Verdict | None) -> tuple[str, ...]:
    """The chain links this question answers, as "ID: title" (already sanitised)."""
    if verdict is None:
        return ()
    return tuple(f"{link.id}: {link.title}" for link in verdict.chain if area_of(link.id) == key)


def notes_here(key: str, verdict: Verdict | None) -> tuple[str, ...]:
    """What looks alarming in this question's findings but is not the cause, and why."""
    if verdict is None:
        return ()
    return tuple(f"Not the cause: {n.id}: {sanitize(n.why, one_line=True)}"
                 for n in verdict.not_the_cause if area_of(n.id) == key)


def make_step(report: Report, key: str, found: str, evidence: list[str], *, verdict: Verdict | None = None,
              pending: bool = False, findings_first: bool = False) -> Step:
    number = number_of(key)
    findings = findings_for(report, key, verdict)
    fixes: dict[FixCommand | RecordFix, None] = {}
    for finding in findings:
        for fix in finding.fixes:
            fixes[fix] = None
    from_findings = [e for f in findings for e in f.evidence]
    if findings_first:
        # The problems' own evidence leads; notes (which organisational domain, how many
        # SPF lookups) come after the answers a reader checks first.
        notes = [e for f in findings if f.severity is Severity.INFO for e in f.evidence]
        evidence = [e for f in problems(findings) for e in f.evidence] + evidence + notes
    else:
        evidence = evidence + from_findings
    return Step(
        key=key,
        number=number,
        question=QUESTIONS[number - 1][1],
        found=found,
        why=WHY[key],
        evidence=distinct(evidence),
        findings=findings,
        fixes=tuple(fixes) if key != "fix" else (),
        confirm=(),
        next=LAST,
        pending=pending,
        chain=chain_here(key, verdict),
        notes=notes_here(key, verdict),
    )


def skip(key: str, reason: str) -> Skipped:
    number = number_of(key)
    return Skipped(key, number, QUESTIONS[number - 1][1], reason)


def assemble(results: Iterable[Step | Skipped], announce: Mapping[str, str], last: str | None = None) -> Walk:
    """The walk of these results in order: each step announces the next one shown (the
    skipped ones are kept with their reason); `last`, when given, is the last step's line."""
    results = list(results)
    steps = [r for r in results if isinstance(r, Step)]
    skipped = tuple(r for r in results if isinstance(r, Skipped))
    announced = [replace(step, next=announce[after.key]) for step, after in itertools.pairwise(steps)]
    end = [replace(steps[-1], next=last) if last is not None else steps[-1]] if steps else []
    return Walk(tuple(announced + end), skipped)
