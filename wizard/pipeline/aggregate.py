"""A DMARC aggregate report in, a Report with its `aggregate` out: find the XML (whatever
form it came in), read it safely, triage every source with live DNS (wizard.aggregate)."""
from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from msgspec.structs import replace

from wizard.aggregate.archive import MAX_MAIL_BYTES, NotAReport, extract_xml, looks_like_report
from wizard.aggregate.parse import parse_report
from wizard.aggregate.triage import readiness, triage, volumes
from wizard.common.safe_text import sanitize
from wizard.dns.types import Lookup, Resolver
from wizard.input.classify import Evidence, UnreadableInput
from wizard.model.aggregate import AggregateReport, PolicyPublished, Readiness
from wizard.model.report import InputInfo, Report, sort_findings
from wizard.model.request import AnalysisRequest

MAX_REPORT_FILES = 1_000  # files looked at in --reports DIR: a year of daily reports from a few receivers
MAX_FIX_FIRST = 10  # sources named to fix first; the reports themselves list every one
_NO_POLICY = PolicyPublished(domain="")  # no report read: nothing says what is published


async def analyze_aggregate(evidence: Evidence, request: AnalysisRequest, *,
                            resolvers: Sequence[Resolver]) -> Report:
    """Raises UnreadableInput for a report that cannot be read safely (RUA-15: a bomb,
    entities, a truncated archive) or at all (not XML); `check` exits 2 with its words."""
    assert request.now is not None  # filled in by analyze()
    try:
        xml, form = extract_xml(evidence.raw)
        parsed = parse_report(xml, form)
    except NotAReport as exc:
        raise UnreadableInput(f"not a readable DMARC aggregate report: {exc}") from None
    lookup = None
    session = None
    if resolvers:
        from wizard.dns.session import DnsSession

        # --timeout bounds the whole triage's DNS, as it bounds a message's (DnsSession.deadline)
        session = DnsSession(list(resolvers), timeout=request.timeout, compare=False,
                             deadline=request.timeout)
        lookup = session.lookup
    triaged = await triage(parsed.report, lookup, session.lookup_many if session is not None else None)
    info = InputInfo(kind="dmarc_aggregate", label=f"{evidence.label} ({form})", source=request.source,
                     size=len(evidence.raw), line_endings="n/a", has_body=False)
    return Report(
        input=info, analysed_at=request.now, resolvers=tuple(r.label for r in resolvers),
        aggregate=triaged.report, dns=session.answers if session is not None else (),
        findings=sort_findings(list(evidence.findings) + list(parsed.findings) + list(triaged.findings)),
        caps=parsed.caps + triaged.caps,
    )


def _read(path: Path, domain: str) -> AggregateReport | str:
    """The report in `path` about `domain`, or why it is not one (said in the summary)."""
    try:
        if path.stat().st_size > MAX_MAIL_BYTES:
            return f"over {MAX_MAIL_BYTES // 2**20} MB"
        raw = path.read_bytes()
    except OSError as exc:
        return f"cannot be read ({exc.strerror or exc})"
    if not looks_like_report(raw):
        return "not a DMARC aggregate report"
    try:
        report = parse_report(*extract_xml(raw)).report
    except NotAReport as exc:
        return str(exc)
    about = report.domain
    if about != domain and not about.endswith("." + domain):
        return f"about {about or 'no domain'}, not {domain}"
    return report


async def add_reports(report: Report, directory: Path, resolvers: Sequence[Resolver], timeout: float) -> Report:
    """`domain D --reports DIR`: every aggregate report in DIR about D (or its subdomains),
    in any form `check` reads, triaged with one DNS session (an IP in several reports is
    asked once), and summed into D's readiness to move its policy (RUA-13)."""
    assert report.domain is not None  # a domain analysis' report
    domain = report.domain.domain.lower().rstrip(".")
    files = sorted(p for p in directory.rglob("*") if p.is_file())
    not_read = [f"{len(files) - MAX_REPORT_FILES} more files: only {MAX_REPORT_FILES} are read"] \
        if len(files) > MAX_REPORT_FILES else []
    read: dict[tuple[str, str], AggregateReport] = {}
    for path in files[:MAX_REPORT_FILES]:
        found = _read(path, domain)
        # The same report kept twice (the mail and its saved attachment) must count once.
        key = (found.org_name, found.report_id or str(path)) if not isinstance(found, str) else ("", "")
        if not isinstance(found, str) and key in read:
            found = f"the same report as another file ({found.org_name}, report id {found.report_id})"
        if isinstance(found, str):
            not_read.append(sanitize(f"{path.relative_to(directory)}: {found}", one_line=True))
        else:
            read[key] = found
    lookup: Lookup | None = None
    session = None
    if resolvers:
        from wizard.dns.session import DnsSession

        session = DnsSession(list(resolvers), timeout=timeout, compare=False, deadline=timeout)
        lookup = session.lookup
    many = session.lookup_many if session is not None else None
    triaged = [(await triage(r, lookup, many)).report for r in read.values()]
    latest = max(triaged, key=lambda r: r.end, default=None)
    sources = tuple(s for r in triaged for s in r.sources)
    combined = AggregateReport(
        org_name=", ".join(dict.fromkeys(r.org_name for r in triaged)), report_id="",
        begin=min((r.begin for r in triaged if r.begin), default=""), end=latest.end if latest else "",
        domain=domain, schema=latest.schema if latest else "rfc7489",
        policy_published=latest.policy_published if latest else replace(_NO_POLICY, domain=domain),
        messages=sum(r.messages for r in triaged), passing=sum(r.passing for r in triaged),
        failing=sum(r.failing for r in triaged), sources=sources)
    numbers = volumes(combined)
    summary = Readiness(
        domain=domain, reports=len(triaged), receivers=tuple(dict.fromkeys(r.org_name for r in triaged if r.org_name)),
        begin=combined.begin, end=combined.end, policy=numbers.policy, next_policy=numbers.step,
        messages=combined.messages, passing=combined.passing, failing=combined.failing,
        legitimate=numbers.legitimate, aligned=numbers.aligned, ready=numbers.ready,
        fix_first=numbers.failing[:MAX_FIX_FIRST], not_read=tuple(not_read))
    new = [readiness(combined)] if triaged else []
    new += [s.finding for s in numbers.failing[:MAX_FIX_FIRST] if s.finding is not None]
    return replace(report, readiness=summary, findings=sort_findings(list(report.findings) + new),
                   dns=report.dns + (session.answers if session is not None else ()))
