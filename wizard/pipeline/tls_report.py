"""A TLS-RPT report in (RFC 8460: JSON, gzip, or a mail carrying one), a Report with its
`tls_report` out. The report is the reporter's account of past sessions; nothing is looked
up live here (`mailtriage tls DOMAIN` does that, and each TLS-18 finding carries it)."""
from __future__ import annotations

from wizard.input.classify import Evidence, UnreadableInput
from wizard.model.report import InputInfo, Report, sort_findings
from wizard.model.request import AnalysisRequest
from wizard.tls.report import NotTlsReport, parse_tls_report


def analyze_tls_report(evidence: Evidence, request: AnalysisRequest) -> Report:
    """Raises UnreadableInput for a report that cannot be read (not JSON, no `policies`
    array, a gzip bomb); `check` exits 2 with its words."""
    assert request.now is not None  # filled in by analyze()
    try:
        report = parse_tls_report(evidence.raw)
    except NotTlsReport as exc:
        raise UnreadableInput(f"not a readable TLS report: {exc}") from None
    info = InputInfo(kind="tls_report", label=evidence.label, source=request.source,
                     size=len(evidence.raw), line_endings="n/a", has_body=False)
    # No resolver is named: nothing was asked (the report is past sessions).
    return Report(input=info, analysed_at=request.now, tls_report=report,
                  findings=sort_findings(list(evidence.findings) + list(report.findings)))
