"""The verdict in the words every report opens with (text and Markdown): the outcome, the root
cause and its proof, the fix as a command, a record or advice, and how to confirm it.

The verdict itself (wizard.verdict) names findings by id; this module finds them in the report
for their evidence and their lookups, so both writers say the same thing.
"""
from __future__ import annotations

from msgspec import Struct

from wizard.common.safe_text import sanitize
from wizard.model.findings import Finding, FixCommand, RecordFix
from wizard.model.report import Report
from wizard.output.sections import Bullets, Para, Section, shown
from wizard.verdict import Verdict
from wizard.verdict.remedy import is_check

_PROOF = {"proven": "proven", "confirmed": "confirmed by the receiver", "inferred": "inferred"}
_CONFIRM = "Send a new message the same way and run mailtriage check on the copy as received."


class FixView(Struct, frozen=True):
    who: str
    what: str  # the purpose of the command or record, or the advice itself
    line: str = ""  # the command's shell line or the record's zone-file line
    is_record: bool = False
    confirm: str = ""  # how to tell it worked
    checks: tuple[str, ...] = ()  # lookups (shell lines) that show the change took


class VerdictView(Struct, frozen=True):
    outcome: str
    headline: str
    cause: str = ""  # "CANON-11 Lines were appended … (DKIM-Signature #1 …)"
    proof: str = ""  # "proven: + team mailing list -- team@lists.example.org"
    evidence: tuple[str, ...] = ()
    fix: FixView | None = None
    not_the_cause: tuple[str, ...] = ()  # "SPF-15: why"
    other_causes: tuple[str, ...] = ()
    chain: tuple[str, ...] = ()


def _finding(report: Report, finding_id: str, about: str = "") -> Finding | None:
    found = [f for f in report.all_findings if f.id == finding_id]
    return next((f for f in found if sanitize(f.about, one_line=True) == about), found[0] if found else None)


def _telling(evidence: tuple[str, ...]) -> str:
    """The first evidence line that says something (a rule of underscores does not)."""
    for line in evidence:
        if sum(ch.isalnum() for ch in line) >= 4:
            return shown(line.strip())
    return ""


def _fix_view(report: Report, verdict: Verdict, root: Finding | None) -> FixView | None:
    fix = verdict.primary_fix
    if fix is None:
        return None
    checks = tuple(shown(f.shell) for f in (root.fixes if root else ())
                   if isinstance(f, FixCommand) and is_check(f))
    who = shown(fix.who)
    if fix.kind == "advice":
        what, _, confirm = fix.text.partition(" To confirm: ")
        return FixView(who, shown(what), confirm=shown(confirm or _CONFIRM), checks=checks)
    if fix.kind == "command":
        return FixView(who, shown(fix.text), shown(FixCommand(tuple(fix.argv), fix.text).shell),
                       confirm=_CONFIRM, checks=checks)
    record = next((f for f in (root.fixes if root else ()) if isinstance(f, RecordFix)
                   and f.zone_line in fix.text), None)
    if record is None:  # the record fix came from elsewhere: its words carry the line
        return FixView(who, shown(fix.text), confirm=_CONFIRM, checks=checks)
    return FixView(who, shown(record.purpose), shown(record.zone_line), is_record=True,
                   confirm=_CONFIRM, checks=checks)


def verdict_view(report: Report, verdict: Verdict) -> VerdictView:
    rc = verdict.root_cause
    root = _finding(report, rc.id, rc.about) if rc else None
    cause = proof = ""
    evidence: tuple[str, ...] = ()
    if rc is not None:
        cause = f"{rc.id} {shown(rc.title)}" + (f" ({shown(rc.about)})" if rc.about else "")
        evidence = tuple(shown(e) for e in (root.evidence if root else ()))
        telling = _telling(root.evidence) if root else ""
        proof = _PROOF[rc.confidence] + (f": {telling}" if telling else "")
    return VerdictView(
        outcome=verdict.outcome,
        headline=shown(verdict.headline),
        cause=cause,
        proof=proof,
        evidence=evidence,
        fix=_fix_view(report, verdict, root),
        not_the_cause=tuple(f"{n.id}: {shown(n.why)}" for n in verdict.not_the_cause),
        other_causes=tuple(f"{c.id} {shown(c.title)} ({_PROOF[c.confidence]})" for c in verdict.other_causes),
        chain=tuple(f"{link.id} {shown(link.title)}" for link in verdict.chain),
    )


def why_section(view: VerdictView) -> Section | None:
    """The verdict in full, after the short block: the chain, every other cause, every
    finding that is not the cause, and the whole fix."""
    blocks: list = []
    if view.chain:
        blocks += [Para(f"How the outcome ({view.outcome}) comes about, from the outcome down:"),
                   Bullets(view.chain)]
    if view.other_causes:
        blocks += [Para("Also causes it (each would need fixing too):"), Bullets(view.other_causes)]
    if view.not_the_cause:
        blocks += [Para("Not the cause:"), Bullets(view.not_the_cause)]
    fix = view.fix
    if fix is not None:
        blocks.append(Para(f"Fix, by {fix.who}: {fix.what}"))
        blocks.append(Para(f"To confirm: {fix.confirm}"))
    return Section("Why", tuple(blocks)) if blocks else None
