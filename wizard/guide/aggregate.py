"""The guided walk of a DMARC aggregate report, in the message walk's spirit: the answer
first, then why, then what to do (diagnoses.md §15).

1. What is this report?                 (who sent it, about what, how much passed)
2. Who fails, and how much?             (failing volume by class, the sources behind it)
3. Which source to fix first, and why?  (the legitimate failing source with the most mail)
4. Can the policy move?                 (RUA-13: the aligned share of legitimate mail)
5. The fix                              (that source's fix first, then the others')

The steps reuse the message walk's question slots (verdict, receiver, identity, who, fix),
so the guided screen counts and lays them out as it does a message's; a report holds no
message, so "Is DNS right?" and "What changed in transit?" are no questions here and are
left out rather than shown as skipped.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from msgspec.structs import replace

from wizard.guide.fix import confirm_commands, lead_fix
from wizard.guide.steps import (
    ANNOUNCE,
    Advice,
    Skipped,
    Step,
    Walk,
    assemble,
    in_context,
    make_step,
    problems,
    skip,
)
from wizard.model.aggregate import AggregateReport, AggregateSource
from wizard.model.findings import Finding, FixCommand, RecordFix
from wizard.model.report import Report
from wizard.output.words import plural
from wizard.verdict.aggregate import source_verdict

if TYPE_CHECKING:
    from wizard.verdict.model import Verdict

QUESTIONS = {
    "verdict": "What is this report?",
    "receiver": "Who fails, and how much?",
    "identity": "Which source to fix first, and why?",
    "who": "Can the policy move?",
    "fix": "The fix",
}
WHY = {
    "verdict": "A receiver sends the domain owner a count of the mail that claimed the domain, by "
    "sending IP, and how it authenticated: it shows sources, not messages, so every fix is per source.",
    "receiver": "Not every failure is yours to fix: your own senders failing DMARC are, forwarded "
    "mail and lists are the forwarder's, and spoofing failing is DMARC doing its job.",
    "identity": "A legitimate sender that fails DMARC is the one an enforcing policy would hurt: "
    "its mail is yours. The one with the most failing mail comes first.",
    "who": "p=quarantine and p=reject stop spoofing, but also every legitimate source still failing. "
    "Move when your own mail is aligned, staged, and over several weeks of reports.",
    "fix": "Apply the fix, then watch the next reports: the source should show DMARC pass aligned "
    "within a day or two of receivers' reports.",
}
ANNOUNCE_HERE = {
    "receiver": "Next: who fails, and how much.",
    "identity": "Next: which source to fix first, and why.",
    "who": "Next: whether the policy can move.",
    "fix": ANNOUNCE["fix"],
}
_CLASS_WORDS = (
    ("legitimate_unaligned", "from your own senders"),
    ("forwarder", "forwarded or from lists"),
    ("spoofing", "likely spoofing"),
    ("unknown", "from senders mailtriage cannot place"),
)
_CLASS = {"aligned": "aligned", "legitimate_unaligned": "your sender, failing", "forwarder": "forwarder or list",
          "spoofing": "likely spoofing", "unknown": "unknown sender"}
_SHOWN = 8  # sources listed as evidence; the Sources pane and the report list them all


def _skip(key: str, reason: str) -> Skipped:
    return replace(skip(key, reason), question=QUESTIONS[key])


def _legit_failing(aggregate: AggregateReport) -> list[AggregateSource]:
    return sorted((s for s in aggregate.sources if s.dmarc == "fail" and s.source_class == "legitimate_unaligned"
                   and s.finding is not None), key=lambda s: -s.count)


def _source_line(source: AggregateSource) -> str:
    where = ", ".join(x for x in (source.ptr, source.provider) if x) or "no PTR"
    title = source.finding.title if source.finding else "not triaged"
    line = f"{source.ip} ({where}): {plural(source.count, 'message')}, "
    return line + f"{_CLASS.get(source.source_class, source.source_class)}: {title}"


def _own(report: Report, key: str, found: str, evidence: list[str], findings: list[Finding],
         verdict: Verdict) -> Step:
    """A step of this walk: the shared Step shape with this walk's question, why and findings."""
    step = make_step(report, key, found, [], verdict=verdict)
    shown = in_context(dict.fromkeys(findings), verdict)
    return replace(step, question=QUESTIONS[key], why=WHY[key], findings=shown, chain=(), notes=(),
                   evidence=tuple(dict.fromkeys(evidence + [e for f in shown for e in f.evidence])),
                   fixes=tuple(dict.fromkeys(fix for f in shown for fix in f.fixes)))


def _what(report: Report, aggregate: AggregateReport, verdict: Verdict) -> Step:
    span = f"{aggregate.begin[:10]} to {aggregate.end[:10]}" if aggregate.begin else "an unstated period"
    found = (f"A DMARC aggregate report from {aggregate.org_name or 'an unnamed receiver'} about "
             f"{aggregate.domain or 'an unnamed domain'}, {span}: {plural(aggregate.messages, 'message')} "
             f"from {plural(len({s.ip for s in aggregate.sources}), 'source IP')}; "
             f"{aggregate.passing} passed DMARC, {aggregate.failing} failed. ")
    found += ("Some of your own mail fails: the next steps say which, and what to change."
              if verdict.outcome == "fail" else "None of your own senders fails DMARC.")
    ids = ("RUA-01", "RUA-02", "RUA-16")
    return _own(report, "verdict", found, [], [f for f in report.findings if f.id in ids], verdict)


def _who_fails(report: Report, aggregate: AggregateReport, verdict: Verdict) -> Step | Skipped:
    failing = [s for s in aggregate.sources if s.dmarc == "fail"]
    if not failing:
        return _skip("receiver", "Every message in the report passed DMARC.")
    volumes = [(words, sum(s.count for s in failing if s.source_class == klass), klass)
               for klass, words in _CLASS_WORDS]
    parts = [f"{volume} {words}" for words, volume, _ in volumes if volume]
    found = f"{aggregate.failing} of {aggregate.messages} messages failed DMARC: " + "; ".join(parts) + "."
    lines = [_source_line(s) for s in failing[:_SHOWN]]
    if len(failing) > _SHOWN:
        lines.append(f"(and {plural(len(failing) - _SHOWN, 'more failing source')}: the Sources pane lists all)")
    summaries = [f for f in report.findings if f.id in ("RUA-11", "RUA-12") and not f.about.startswith("source ")]
    return _own(report, "receiver", found, lines, summaries, verdict)


def _first(report: Report, aggregate: AggregateReport, verdict: Verdict) -> Step | Skipped:
    legit = _legit_failing(aggregate)
    if not legit:
        return _skip("identity", "No legitimate source fails DMARC: what fails is forwarded mail or "
                    "spoofing, which nothing in your DNS fixes.")
    first = legit[0]
    assert first.finding is not None  # _legit_failing keeps triaged sources only
    volume = sum(s.count for s in legit)
    found = (f"{first.ip}" + (f" ({first.provider})" if first.provider else "") + f": {first.finding.title}. "
             f"It sends {plural(first.count, 'message')}, "
             + (f"{first.count / volume:.0%} of your own failing mail, the most of any legitimate source."
                if len(legit) > 1 else "and is the only legitimate source that fails."))
    if len(legit) > 1:
        found += " Then: " + "; ".join(f"{s.ip} ({s.finding.id if s.finding else '?'})" for s in legit[1:4])
        found += f" (and {len(legit) - 4} more)." if len(legit) > 4 else "."
    return _own(report, "identity", found, [], [first.finding], verdict)


def _readiness(report: Report, aggregate: AggregateReport, verdict: Verdict) -> Step | Skipped:
    ready = next((f for f in report.findings if f.id == "RUA-13"), None)
    if ready is None:
        return _skip("who", "The report names no policy to move.")
    policy = aggregate.policy_published.p or "none"
    step = _own(report, "who", f"{ready.title}. {ready.detail}", [], [ready], verdict)
    return replace(step, question=f"Can the policy move from p={policy}?")


def _fix(report: Report, aggregate: AggregateReport, verdict: Verdict) -> Step | Skipped:
    legit = _legit_failing(aggregate)
    if not legit:
        return _skip("fix", "Nothing to fix in DNS: no legitimate source fails DMARC.")
    lead = lead_fix(report, verdict)
    fixes: dict[FixCommand | RecordFix, None] = {}
    if isinstance(lead, (FixCommand, RecordFix)):
        fixes[lead] = None
    others = []
    for source in legit[1:]:
        fix = source_verdict(source, aggregate.domain).primary_fix
        if fix is not None:
            others.append(f"{source.ip}: {fix.text}")
        for f in source.finding.fixes if source.finding else ():
            if isinstance(f, RecordFix):
                fixes[f] = None
    first = legit[0]
    who = verdict.primary_fix.who if verdict.primary_fix else "the domain's administrator"
    found = f"First {first.ip}, for {who}" + ("; c copies it for the ticket." if isinstance(lead, Advice)
                                               else "; c copies it.")
    if others:
        found += f" Then {plural(len(others), 'other source')}, as listed below."
    step = make_step(report, "fix", found, [], verdict=verdict)
    shown = tuple(s.finding for s in legit if s.finding is not None)
    return replace(step, why=WHY["fix"], evidence=tuple(others), findings=problems(in_context(shown, verdict)),
                   fixes=tuple(fixes), confirm=confirm_commands(tuple(fixes), report.resolvers),
                   advice=lead if isinstance(lead, Advice) else None, chain=(), notes=())


def walk_aggregate(report: Report, verdict: Verdict) -> Walk:
    aggregate = report.aggregate
    assert aggregate is not None  # walk() dispatches here for aggregate reports only
    return assemble((_what(report, aggregate, verdict), _who_fails(report, aggregate, verdict),
                     _first(report, aggregate, verdict), _readiness(report, aggregate, verdict),
                     _fix(report, aggregate, verdict)), ANNOUNCE_HERE)
