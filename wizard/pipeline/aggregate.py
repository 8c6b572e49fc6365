"""A DMARC aggregate report in, a Report with its `aggregate` out: find the XML (whatever
form it came in), read it safely, triage every source with live DNS (wizard.aggregate)."""
from __future__ import annotations

from collections.abc import Sequence

from wizard.aggregate.archive import NotAReport, extract_xml
from wizard.aggregate.parse import parse_report
from wizard.aggregate.triage import triage
from wizard.dns.types import Resolver
from wizard.input.classify import Evidence, UnreadableInput
from wizard.model.report import InputInfo, Report, sort_findings
from wizard.model.request import AnalysisRequest


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
    triaged = await triage(parsed.report, lookup)
    info = InputInfo(kind="dmarc_aggregate", label=f"{evidence.label} ({form})", source=request.source,
                     size=len(evidence.raw), line_endings="n/a", has_body=False)
    return Report(
        input=info, analysed_at=request.now, resolvers=tuple(r.label for r in resolvers),
        aggregate=triaged.report, dns=session.answers if session is not None else (),
        findings=sort_findings(list(evidence.findings) + list(parsed.findings) + list(triaged.findings)),
        caps=parsed.caps + triaged.caps,
    )
