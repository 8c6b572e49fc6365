"""The Sources pane of a DMARC aggregate report: every source with its class, sortable by
failing volume, class or IP (`o` cycles), the highlighted one's verdict below, and enter
opens its verdict, evidence and fixes whole, ready to copy (wizard.verdict.aggregate)."""
from __future__ import annotations

import ipaddress
from typing import ClassVar

from textual.binding import Binding
from textual.content import Content
from textual.widgets import DataTable, Static

from tui import safe
from tui.dialogs.value import WholeValueOnEnter
from tui.widgets.panes.base import VERDICT_STYLE, TablePane, status_line
from tui.widgets.truncate import fit_table

# Class order for the class sort: what needs the owner's action first.
_CLASS_ORDER = ("legitimate_unaligned", "unknown", "spoofing", "forwarder", "aligned")
_CLASS_STYLE = {"aligned": "green", "legitimate_unaligned": "bold $error", "forwarder": "$text-muted",
                "spoofing": "$warning", "unknown": "$warning"}


def _ip_key(ip: str) -> tuple[int, int, str]:
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return (9, 0, ip)
    return (address.version, int(address), "")


_SORT_WORDS = {"count": "failing volume", "class": "class", "IP": "IP"}
SORTS = {
    "count": lambda s: (-(s.count if s.dmarc == "fail" else 0), -s.count, s.ip),
    "class": lambda s: (_CLASS_ORDER.index(s.source_class) if s.source_class in _CLASS_ORDER else 9, -s.count),
    "IP": lambda s: _ip_key(s.ip),
}


class AggregatePane(WholeValueOnEnter, TablePane):
    columns = ("source", "PTR", "messages", "DMARC", "class")
    # At 80 columns the PTR gives way first (the detail below shows it whole), then the IP
    # (an IPv6 address is long), never the class the rows are read by.
    GIVE_WAY = ((1, 12), (0, 15))
    # Not in the footer: at 80 columns it squeezes out the help key; the status line names it.
    BINDINGS: ClassVar = [Binding("o", "sort", "Sort", id="aggregate.sort", show=False,
                                  tooltip="Sort the sources by failing volume, class or IP")]
    sort = "count"

    def action_sort(self) -> None:
        names = list(SORTS)
        self.sort = names[(names.index(self.sort) + 1) % len(names)]
        self.refresh_report()
        self.notify(f"Sources sorted by {_SORT_WORDS[self.sort]}", markup=False)

    def refresh_report(self) -> None:
        super().refresh_report()
        if getattr(self.state.report, "aggregate", None) is not None:
            others = ", ".join(_SORT_WORDS[n] for n in SORTS if n != self.sort)
            self.query_one(".pane-status", Static).update(Content("\n").join([
                status_line(self.state),
                safe.line(safe.label("[dim]Sorted by [/dim]"), (_SORT_WORDS[self.sort], "bold"),
                          safe.label(f"[dim] · [b]o[/b] sorts by {others} · [b]enter[/b] the whole source[/dim]"))]))

    def rows(self):
        report = self.state.report
        aggregate = getattr(report, "aggregate", None)
        if aggregate is None:
            return []
        sources = sorted(aggregate.sources, key=SORTS[self.sort])
        cells = [[(safe.clean(s.ip, one_line=True), ""), (safe.clean(s.ptr or "—", one_line=True), ""),
                  (str(s.count), ""), (s.dmarc, VERDICT_STYLE.get(s.dmarc, "")),
                  (s.source_class, _CLASS_STYLE.get(s.source_class, ""))] for s in sources]
        # The pane's width less the table's vertical scrollbar (2), counted before it shows.
        fitted = fit_table(self.columns, cells, (self.size.width or self.app.size.width) - 2, self.GIVE_WAY)
        return list(zip(fitted, sources, strict=True))

    def on_resize(self) -> None:
        self.refresh_report()

    def on_show(self) -> None:
        # Choosing a pane leaves the focus on the tabs, where `o` is the screen's (compare
        # with the original message, which a report does not have) and the footer does not
        # offer the sort: the table takes the focus, for an aggregate report only.
        if getattr(self.state.report, "aggregate", None) is not None:
            self.query_one(DataTable).focus()

    def empty(self) -> Content:
        return safe.label("[dim]Not a DMARC aggregate report.[/dim]")

    def _verdict(self, source):
        from wizard.verdict.aggregate import source_verdict

        return source_verdict(source, self.state.report.aggregate.domain)

    def detail(self, source) -> Content:
        verdict = self._verdict(source)
        parts = [safe.line((f"{verdict.outcome.upper()} ", VERDICT_STYLE.get(verdict.outcome, "bold")),
                           (verdict.headline, "bold"))]
        if verdict.root_cause is not None:
            parts.append(safe.line(safe.label("[b]Root cause [/b]"), (verdict.root_cause.id, "bold"), " ",
                                   verdict.root_cause.title))
        if verdict.primary_fix is not None:
            parts.append(safe.line(safe.label("[b]Fix [/b]"), (f"({verdict.primary_fix.who}) ", "dim"),
                                   verdict.primary_fix.text))
        if source.finding is not None:
            parts.append(safe.label("[b]Evidence[/b] [dim](enter: all of it, to copy)[/dim]"))
            parts.extend(safe.line("  ", safe.text(line, one_line=True)) for line in source.finding.evidence)
        return Content("\n").join(parts)

    def whole_value(self, source) -> tuple[str, str]:
        verdict = self._verdict(source)
        lines = [f"{verdict.outcome.upper()}: {verdict.headline}"]
        if verdict.root_cause is not None:
            lines.append(f"Root cause: {verdict.root_cause.id} {verdict.root_cause.title}")
        if verdict.primary_fix is not None:
            lines.append(f"Fix ({verdict.primary_fix.who}): {verdict.primary_fix.text}")
        finding = source.finding
        if finding is not None:
            lines += ["", finding.detail, "", "Evidence:"] + [f"  {line}" for line in finding.evidence]
            lines += [f"{fix.purpose}:\n  {getattr(fix, 'zone_line', None) or getattr(fix, 'shell', '')}"
                      for fix in finding.fixes]
        return f"Source {source.ip}", "\n".join(lines)
