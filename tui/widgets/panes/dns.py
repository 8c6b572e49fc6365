"""The DNS pane: every answer the analysis asked for, as published."""
from __future__ import annotations

from textual.content import Content

from tui import safe
from tui.widgets.panes.base import TablePane


class DnsPane(TablePane):
    columns = ("name", "type", "resolver", "status", "TTL", "ms", "value")

    def rows(self):
        report = self.state.report
        out = []
        from wizard.guide.tree import sorted_answers

        answers = report.dns + (report.returned.dns if report.returned else ()) if report else ()
        for answer in sorted_answers(answers):
            status = answer.status.value
            value = " | ".join(answer.values) if answer.values else answer.error
            out.append((
                (safe.cell(answer.name, limit=32), safe.cell(answer.rdtype), safe.cell(answer.resolver, limit=16),
                 safe.cell(status, "green" if answer.status.answered else "red"),
                 safe.cell("" if answer.ttl is None else answer.ttl), safe.cell(f"{answer.elapsed_ms:.0f}"),
                 safe.cell(value, limit=48)),
                answer,
            ))
        return out

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
