"""The fix step: the root cause's fix first (the verdict's primary fix, as the command or
record to copy, or the advice for whoever must act), the other changes after it, and the
lookups that only show the problem as checks, never as fixes."""
from __future__ import annotations

from typing import TYPE_CHECKING

from msgspec.structs import replace

from wizard.common.dnsname import InvalidName
from wizard.guide.steps import WHY, Advice, Step, in_context, make_step, problems
from wizard.model.findings import FixCommand, RecordFix
from wizard.model.report import Report
from wizard.output.words import plural
from wizard.verdict.remedy import is_check

if TYPE_CHECKING:
    from wizard.verdict.model import Verdict


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


def lead_fix(report: Report, verdict: Verdict) -> FixCommand | RecordFix | Advice | None:
    """The verdict's primary fix as the thing to show and copy: the root finding's own
    command or record it names, else the advice (who must act, what to do, how to confirm)."""
    primary = verdict.primary_fix
    if primary is None:
        return None
    root = next((f for f in report.all_findings if f.id == primary.finding), None)
    for fix in root.fixes if root else ():
        if primary.kind == "record" and isinstance(fix, RecordFix):
            return fix
        if primary.kind == "command" and isinstance(fix, FixCommand) and fix.argv == primary.argv:
            return fix
    if primary.kind == "command" and primary.argv:
        return FixCommand(primary.argv, primary.text)
    return Advice(primary.finding, primary.who, primary.text)


def step_fix(report: Report, verdict: Verdict) -> Step:
    findings = in_context(report.all_findings, verdict)
    ranks: dict[FixCommand | RecordFix, int] = {}
    for finding in findings:
        for fix in finding.fixes:
            ranks.setdefault(fix, finding.severity.rank)
    ranked = sorted(ranks, key=lambda f: -ranks[f])
    lead = lead_fix(report, verdict)
    changes = [f for f in ranked if not (isinstance(f, FixCommand) and is_check(f)) and f != lead]
    checks = tuple(f for f in ranked if isinstance(f, FixCommand) and is_check(f) and f != lead)
    fixes = ([lead] if isinstance(lead, (FixCommand, RecordFix)) else []) + changes
    advice = lead if isinstance(lead, Advice) else None
    why = WHY["fix"]
    if verdict.primary_fix is not None:
        who = verdict.primary_fix.who
        if advice is not None:
            found = (f"No command or record fixes the root cause: {who} must act, "
                     "as below. c copies it for the ticket.")
            why = ("The cause is a setting of a system the message passed through or was sent "
                   "from, not a DNS record. Save the report (s) to hand it to whoever runs it.")
        else:
            found = f"The root cause's fix first, for {who}; c copies it."
        if changes:
            found += f" Then {plural(len(changes), 'other fix', 'other fixes')}."
    elif changes:
        found = (f"{plural(len(changes), 'thing')} to do, most important first. "
                 "c copies the first one; tab moves to the next.")
    elif verdict.outcome == "pass":
        found = "Nothing to fix: the message passes and no check failed."
        why = ("If a receiver still refuses the message, its reason is not in this input: save "
               "the report (s) and ask for the bounce.")
    else:
        found = "No command can fix this from here. What to change is explained below."
        why = ("These problems are fixed in a setting (of a mailing list, a sending service or a mail "
               "server), not by a DNS record. Save the report (s) to hand it to whoever runs that system.")
    if checks:
        found += " The checks below only look; they change nothing."
    confirm = confirm_commands(tuple(fixes), report.resolvers)
    step = make_step(report, "fix", found, [], verdict=verdict)
    # The problems travel with the fix step: their detail says what to do, which is the
    # whole answer when no command or record can fix it (a list footer, an ESP setting).
    shown = problems(findings)
    root_id = verdict.root_cause.id if verdict.root_cause else None
    shown = tuple(sorted(shown, key=lambda f: f.id != root_id))
    return replace(step, why=why, evidence=(), findings=shown, fixes=tuple(fixes), confirm=confirm,
                   advice=advice, checks=checks, chain=(), notes=())
