"""The Summary pane: the input, its headline facts and every finding, worst first."""
from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.content import Content
from textual.widgets import DataTable, Static

from tui import safe
from tui.dialogs.value import WholeValueOnEnter
from tui.widgets.panes.base import SEVERITY_STYLE, TablePane, inner
from tui.widgets.truncate import fit_table

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
        parts.append(safe.label("[b]Evidence [/b][dim](e shows it in the input or the DNS pane)[/dim]"))
        parts.extend(safe.text(e, "italic") for e in finding.evidence)
    for fix in finding.fixes:
        from tui.widgets.fix import fix_text

        parts.append(safe.line(safe.label("[b]Fix: [/b]"), fix.purpose))
        parts.append(safe.text(fix_text(fix), "$accent"))
    return Content("\n").join(parts)


class SummaryPane(WholeValueOnEnter, TablePane):
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
        findings = ordered(report.all_findings)
        cells = [[(f.severity.value, RICH_SEVERITY[f.severity.value]), (safe.clean(f.id, one_line=True), ""),
                  (safe.clean(f.title, one_line=True), "")] for f in findings]
        # The title gives way (to "…"); the pane's width less the table's scrollbar (2).
        fitted = fit_table(self.columns, cells, (self.size.width or self.app.size.width) - 2, ((2, 20),))
        return list(zip(fitted, findings, strict=True))

    def on_resize(self) -> None:
        self.refresh_report()

    def whole_value(self, finding) -> tuple[str, str]:
        """Enter on a row: the finding whole (its title is cut to fit the table)."""
        from tui.widgets.fix import fix_text

        parts = [finding.title, finding.detail]
        if finding.evidence:
            parts.append("Evidence:\n" + "\n".join(finding.evidence))
        parts += [f"Fix: {fix.purpose}\n{fix_text(fix)}" for fix in finding.fixes]
        return f"{finding.id} ({finding.severity.value})", "\n\n".join(parts)

    def detail(self, item) -> Content:
        return _finding_detail(item)
