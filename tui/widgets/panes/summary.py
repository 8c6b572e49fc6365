"""The Summary pane: the input, its headline facts and every finding, worst first."""
from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.content import Content
from textual.widgets import DataTable, Static

from tui import safe
from tui.widgets.panes.base import SEVERITY_STYLE, TablePane, inner

RICH_SEVERITY = {"critical": "bold red", "error": "red", "warn": "yellow", "info": "dim"}


def _finding_detail(finding) -> Content:
    parts = [
        safe.line((finding.id, "bold"), "  ", (finding.severity.value.upper(), SEVERITY_STYLE[finding.severity.value])),
        safe.text(finding.title, "bold"),
        safe.text(finding.detail),
    ]
    if finding.about:
        parts.append(safe.line(safe.label("[dim]About: [/dim]"), finding.about))
    if finding.evidence:
        parts.append(safe.label("[b]Evidence[/b]"))
        parts.extend(safe.text(e, "italic") for e in finding.evidence)
    for fix in finding.fixes:
        from tui.widgets.fix import fix_text

        parts.append(safe.line(safe.label("[b]Fix: [/b]"), fix.purpose))
        parts.append(safe.text(fix_text(fix), "$accent"))
    return Content("\n").join(parts)


class SummaryPane(TablePane):
    columns = ("severity", "id", "finding")

    def compose(self) -> ComposeResult:
        yield Static(classes="pane-status")
        yield Static(classes="summary")
        yield DataTable(cursor_type="row", zebra_stripes=True)
        with VerticalScroll(classes="detail"):
            yield Static(classes="detail-body")

    def refresh_report(self) -> None:
        report = self.state.report
        lines: list[Content] = []
        if report is not None:
            lines.append(safe.line(safe.label("[b]Input: [/b]"), report.input.label, "  ",
                                   (f"({report.input.source})", "dim")))
            facts = inner(self.state).message
            if facts is not None:
                for name, value in (("From", facts.from_header), ("Subject", facts.subject), ("Date", facts.date)):
                    if value:
                        lines.append(safe.line((f"{name}: ", "bold"), safe.text(value, one_line=True, limit=200)))
            worst = report.worst
            verdict = "no findings" if worst is None else f"worst finding: {worst.value}"
            from wizard.output.words import plural

            lines.append(safe.line((f"{plural(len(report.all_findings), 'finding')}, ", ""),
                                   (verdict, SEVERITY_STYLE.get(worst.value, "") if worst else "")))
        self.query_one(".summary", Static).update(Content("\n").join(lines))
        super().refresh_report()

    def rows(self):
        from wizard.output.words import ordered

        report = self.state.report
        if report is None:
            return []
        return [
            ((safe.cell(f.severity.value, RICH_SEVERITY[f.severity.value]),
              safe.cell(f.id), safe.cell(f.title)), f)
            for f in ordered(report.all_findings)
        ]

    def detail(self, item) -> Content:
        return _finding_detail(item)
