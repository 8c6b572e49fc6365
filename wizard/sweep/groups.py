"""A sweep's results: one small record per message, and the groups they add up to.

Only the groups grow with a sweep (one per distinct outcome × root cause × signing domain ×
From domain × source), each with a count, its first and last Date and a bounded number of
example paths, so memory follows the variety of a mailbox, not its size.
"""
from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from email.utils import parsedate_to_datetime

from msgspec import Struct

from wizard.model.report import Report
from wizard.verdict.model import EXIT_STATUS, Verdict

MAX_EXAMPLES = 3  # paths kept per group: enough to open one, and to see it is not a fluke


class Result(Struct, frozen=True, omit_defaults=True):
    """What one message came to: its verdict's outcome and root cause id, and the identities
    it is grouped by. One line of `--jsonl`. `date` is the Date header as ISO 8601 ("" when
    missing or unreadable)."""

    path: str
    outcome: str
    root_cause: str = ""
    signing_domain: str = ""
    from_domain: str = ""
    source: str = ""
    date: str = ""


def result_of(path: str, report: Report, verdict: Verdict) -> Result:
    """The grouping record of one analysed message (or report file: _report_result)."""
    if report.aggregate is not None or report.tls_report is not None:
        return _report_result(path, report, verdict)
    if report.message is None and report.returned is not None:
        # A bounce is grouped by the message it carried back: whose mail bounced, and how
        # it was signed and sent (the verdict, and so the root cause, stays the bounce's).
        report = report.returned
    facts = report.message
    signing = report.signatures[0] if report.signatures else None
    key = signing.verdict.key if signing is not None and signing.verdict is not None else None
    # The ESP when DNS named one (the key's CNAME target), else the client IP the Received
    # chain (or --ip) gave: who actually sent it.
    source = (key.esp if key is not None else "") or (facts.client_ip if facts else None) or ""
    return Result(
        path=path,
        outcome=verdict.outcome,
        root_cause=verdict.root_cause.id if verdict.root_cause else "",
        signing_domain=(signing.d or "").lower() if signing is not None else "",
        from_domain=(facts.from_domain or "") if facts else "",
        source=source,
        date=_iso_date(facts.date if facts else None),
    )


def _report_result(path: str, report: Report, verdict: Verdict) -> Result:
    """A DMARC aggregate or TLS report is one item: its verdict, grouped by the domain it is
    about (in the From domain column) and the organisation that sent it (as its source), so a
    week of one receiver's reports about one domain with one cause is one group; its Date is
    the start of the period it covers."""
    if report.aggregate is not None:
        about, reporter, begin = (report.aggregate.domain, report.aggregate.org_name,
                                  report.aggregate.begin)
    else:
        assert report.tls_report is not None
        tls = report.tls_report
        about = tls.policies[0].policy_domain if tls.policies else ""
        reporter, begin = tls.org_name, tls.begin
    return Result(
        path=path,
        outcome=verdict.outcome,
        root_cause=verdict.root_cause.id if verdict.root_cause else "",
        from_domain=about.lower(),
        source=reporter,
        date=_iso_instant(begin),
    )


def _iso_instant(value: str) -> str:
    """An ISO 8601 time as the groups compare them; "" for what is none."""
    try:
        return datetime.fromisoformat(value).isoformat()
    except (TypeError, ValueError):
        return ""


def _iso_date(value: str | None) -> str:
    if not value:
        return ""
    try:
        return parsedate_to_datetime(value).isoformat()
    except (TypeError, ValueError, IndexError):
        return ""


GroupKey = tuple[str, str, str, str, str]


class Group(Struct):
    outcome: str
    root_cause: str
    signing_domain: str
    from_domain: str
    source: str
    count: int = 0
    first: str = ""
    last: str = ""
    examples: list[str] = []


def _instant(iso: str) -> datetime:
    return datetime.fromisoformat(iso)


class Groups:
    """The running aggregate; `add` each result as it arrives, `ordered()` at any time."""

    def __init__(self) -> None:
        self._groups: dict[GroupKey, Group] = {}
        self.messages = 0

    def add(self, result: Result) -> Group:
        self.messages += 1
        key = (result.outcome, result.root_cause, result.signing_domain, result.from_domain,
               result.source)
        group = self._groups.get(key)
        if group is None:
            group = self._groups[key] = Group(*key)
        group.count += 1
        if len(group.examples) < MAX_EXAMPLES:
            group.examples.append(result.path)
        if result.date:
            try:
                when = _instant(result.date)
                if not group.first or when < _instant(group.first):
                    group.first = result.date
                if not group.last or when > _instant(group.last):
                    group.last = result.date
            except (TypeError, ValueError):  # naive and aware dates cannot be compared
                pass
        return group

    @property
    def outcomes(self) -> set[str]:
        return {group.outcome for group in self._groups.values()}

    def extend(self, results: Iterable[Result]) -> None:
        for result in results:
            self.add(result)

    def ordered(self) -> list[Group]:
        """Largest first; ties in a stable order (the key), so the same input prints the same."""
        return sorted(self._groups.values(), key=lambda g: (
            -g.count, g.outcome, g.root_cause, g.signing_domain, g.from_domain, g.source))


def exit_status(outcomes: Iterable[str], unreadable: int) -> int:
    """`check`'s exit statuses over a whole sweep, so a script can stop on a bad mailbox:
    1 when any message fails (or was rejected or deferred) — a failure is the news whatever
    else happened; else 3 when anything could not be judged: an inconclusive message, an
    unreadable file (it was listed, but its verdict is unknown) or no input at all; else 0.
    (2, a usage error, is the command line's own.)"""
    statuses = {EXIT_STATUS[outcome] for outcome in outcomes}
    if EXIT_STATUS["fail"] in statuses:
        return EXIT_STATUS["fail"]
    if EXIT_STATUS["inconclusive"] in statuses or unreadable or not statuses:
        return EXIT_STATUS["inconclusive"]
    return EXIT_STATUS["pass"]
