"""The verdict: the answer a report opens with — the outcome as the receiver would judge it,
THE root cause, the chain that leads to it, and the one fix that addresses it.

Built by wizard.verdict.judge from a finished (or partial) Report; every writer (JSON, text,
Markdown, TUI) and the exit status read it, so they cannot disagree.
"""
from __future__ import annotations

from typing import Literal

from msgspec import Struct

from wizard.model.findings import Finding, Severity
from wizard.verdict.tables import NOT_THE_CAUSE

Outcome = Literal["pass", "fail", "rejected", "deferred", "inconclusive"]
Confidence = Literal["proven", "confirmed", "inferred"]
FixKind = Literal["command", "record", "advice"]

# 2 (unreadable input, usage error) is the CLI's own and never a verdict.
EXIT_STATUS: dict[str, int] = {"pass": 0, "fail": 1, "rejected": 1, "deferred": 1, "inconclusive": 3}


class Cause(Struct, frozen=True):
    """A finding that, fixed, changes the outcome. `confidence`: proven (a re-hash or the RSA
    decode reproduced it), confirmed (the receiver's Authentication-Results or bounce says
    the same), inferred (the tool's own reading of the evidence)."""

    id: str
    title: str
    about: str
    confidence: Confidence


class Link(Struct, frozen=True):
    """One step of the causal chain, outcome first, the party who caused it last."""

    id: str
    title: str


class NotTheCause(Struct, frozen=True):
    """A finding that looks alarming but does not change this message's outcome."""

    id: str
    why: str


class PrimaryFix(Struct, frozen=True):
    """The root cause's fix. `kind`: a command to run, a DNS record to publish, or advice for
    the party who must act when no command or record can fix it (an intermediary changed
    the message). `argv` is the command (empty for records and advice); `text` says what
    to do and, for advice, how to confirm it worked."""

    finding: str
    kind: FixKind
    who: str
    text: str
    argv: tuple[str, ...] = ()


class Verdict(Struct, frozen=True):
    outcome: Outcome
    headline: str
    root_cause: Cause | None
    chain: tuple[Link, ...]
    other_causes: tuple[Cause, ...]
    not_the_cause: tuple[NotTheCause, ...]
    primary_fix: PrimaryFix | None

    @property
    def exit_status(self) -> int:
        return EXIT_STATUS[self.outcome]

    @property
    def failed(self) -> bool:
        return self.exit_status == 1

    def cause_ids(self) -> frozenset[str]:
        causes = ((self.root_cause,) if self.root_cause else ()) + self.other_causes
        return frozenset(c.id for c in causes)

    def severity_in_context(self, finding: Finding) -> Severity:
        """The severity to show for `finding` in this report (the catalogue severity stays in
        the finding and the JSON). A cause of a failed outcome explains it on its own
        (CRITICAL); a cause on a passing message is ERROR at most (it fails elsewhere, e.g.
        once forwarded); a finding judged not the cause is INFO when it is an expected
        side effect here (SPF at a forwarder) and WARN at most otherwise."""
        catalogue = finding.severity
        if finding.id in self.cause_ids():
            if self.outcome in ("fail", "rejected", "deferred"):
                return Severity.CRITICAL
            return catalogue if catalogue.rank <= Severity.ERROR.rank else Severity.ERROR
        if any(n.id == finding.id for n in self.not_the_cause):
            entry = NOT_THE_CAUSE.get(finding.id)
            if entry is not None and entry.side_effect:
                return Severity.INFO
            return catalogue if catalogue.rank <= Severity.WARN.rank else Severity.WARN
        return catalogue


def exit_status(verdict: Verdict) -> int:
    """`check`'s exit status for a verdict: 0 pass, 1 fail/rejected/deferred, 3 inconclusive."""
    return verdict.exit_status
