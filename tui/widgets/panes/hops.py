"""The Hops pane: the Received chain, newest hop first."""
from __future__ import annotations

from textual.content import Content

from tui import safe
from tui.dialogs.value import WholeValueOnEnter
from tui.widgets.panes.base import TablePane, inner
from tui.widgets.truncate import fit_table


class HopsPane(WholeValueOnEnter, TablePane):
    # "from" is the HELO name (the rDNS name when there is none); the detail shows both.
    columns = ("#", "from", "IP", "by", "with", "TLS", "time", "delay")
    # At 80 columns the time's zone and the protocol give way first, then the host names,
    # then the time down to its date (enter shows the header whole).
    GIVE_WAY = ((6, 19), (4, 8), (3, 16), (1, 16), (2, 15), (3, 12), (1, 12), (6, 10))

    def rows(self):
        report = inner(self.state)
        chain = report.received if report else None
        hops = list(chain.hops) if chain else []
        cells = []
        for hop in hops:
            delay = "" if hop.delay_from_previous is None else f"{hop.delay_from_previous:+.0f}s"
            texts = [str(hop.position), safe.clean(hop.from_helo or hop.from_rdns or "", one_line=True),
                     safe.clean(hop.from_ip or "", one_line=True), safe.clean(hop.by or "", one_line=True),
                     safe.clean(hop.with_protocol or "", one_line=True), {True: "yes", False: "no", None: "?"}[hop.tls],
                     hop.timestamp.isoformat() if hop.timestamp else "", delay]
            cells.append([(text, "") for text in texts])
        # The pane's width less the table's vertical scrollbar (2), counted before it shows.
        fitted = fit_table(self.columns, cells, (self.size.width or self.app.size.width) - 2, self.GIVE_WAY)
        return list(zip(fitted, hops, strict=True))

    def on_resize(self) -> None:
        self.refresh_report()

    def whole_value(self, hop) -> tuple[str, str]:
        return f"Received header of hop {hop.position}", hop.raw

    def empty(self) -> Content:
        return safe.label("[dim]No Received headers in this input.[/dim]")

    def detail(self, hop) -> Content:
        return Content("\n").join([
            safe.label("[b]Received [/b][dim](newest hop is 0)[/dim]"),
            safe.text(hop.raw),
            safe.line(safe.label("[b]rDNS [/b]"), hop.from_rdns or "?",
                      safe.label("  [b]HELO [/b]"), hop.from_helo or "?",
                      safe.label("  [b]id [/b]"), hop.id or "?", safe.label("  [b]for [/b]"), hop.for_ or "?"),
        ])
