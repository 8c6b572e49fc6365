"""The DNS pane: every answer the analysis asked for, as published."""
from __future__ import annotations

from textual.content import Content

from tui import safe
from tui.dialogs.value import WholeValueOnEnter
from tui.widgets.panes.base import TablePane
from tui.widgets.truncate import fit_table


class DnsPane(WholeValueOnEnter, TablePane):
    columns = ("name", "type", "resolver", "status", "TTL", "ms", "value")
    # Narrowest first to give way at 80 columns: the value (enter shows it whole), then the
    # name down to what tells selectors apart, then the resolver label.
    GIVE_WAY = ((6, 24), (0, 20), (2, 9), (6, 10))

    def rows(self):
        report = self.state.report
        from wizard.guide.tree import sorted_answers

        answers = sorted_answers(report.dns + (report.returned.dns if report.returned else ())) if report else []
        cells = []
        for answer in answers:
            value = " | ".join(answer.values) if answer.values else answer.error
            cells.append([
                (safe.clean(answer.name, one_line=True), ""), (safe.clean(answer.rdtype, one_line=True), ""),
                (safe.clean(answer.resolver, one_line=True), ""),
                (answer.status.value, "green" if answer.status.answered else "red"),
                ("" if answer.ttl is None else str(answer.ttl), ""), (f"{answer.elapsed_ms:.0f}", ""),
                (safe.clean(value or "", one_line=True), ""),
            ])
        # The pane's width less the table's vertical scrollbar (2), counted before it shows.
        fitted = fit_table(self.columns, cells, (self.size.width or self.app.size.width) - 2, self.GIVE_WAY)
        return list(zip(fitted, answers, strict=True))

    def on_resize(self) -> None:
        self.refresh_report()

    def whole_value(self, answer) -> tuple[str, str]:
        # One record a line, its strings joined as DKIM and SPF read them.
        return f"{answer.rdtype} {answer.name}", "\n".join(answer.values) or answer.error

    def empty(self) -> Content:
        if self.state.report is not None and self.state.report.pending and not self.state.finished:
            return safe.label("[b]Lookups pending… [/b]answers appear here as they land.")
        return safe.label("[dim]No DNS lookups for this input.[/dim]")

    def detail(self, answer) -> Content:
        parts = [
            safe.line((f"{answer.rdtype} ", "bold"), (answer.name, "bold"), safe.label(" [dim]asked [/dim]"),
                      answer.resolver),
            safe.line(safe.label("[b]Status [/b]"), answer.status.value,
                      safe.label("  [b]TTL [/b]"), str(answer.ttl),
                      safe.label("  [b]time [/b]"), f"{answer.elapsed_ms:.1f} ms",
                      safe.label("  [b]size [/b]"), "" if answer.size is None else f"{answer.size} bytes"),
        ]
        if answer.error:
            parts.append(safe.line(safe.label("[b]Why: [/b]"), answer.error))
        if answer.cname_chain:
            parts.append(safe.line(safe.label("[b]CNAME chain: [/b]"), " → ".join((answer.name,) + answer.cname_chain)))
        for i, record in enumerate(answer.strings, 1):
            from wizard.output.words import plural

            parts.append(safe.label(f"[b]Record {i} [/b][dim]({plural(len(record), 'string')}, as published)[/dim]"))
            parts.extend(safe.line('  "', safe.text(s), '"') for s in record)
        return Content("\n").join(parts)
