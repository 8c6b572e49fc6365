"""The Hops pane: the Received chain, newest hop first."""
from __future__ import annotations

from textual.content import Content

from tui import safe
from tui.widgets.panes.base import TablePane, inner


class HopsPane(TablePane):
    columns = ("#", "from (HELO / rDNS)", "IP", "by", "with", "TLS", "time", "delay")

    def rows(self):
        report = inner(self.state)
        chain = report.received if report else None
        out = []
        for hop in chain.hops if chain else ():
            delay = "" if hop.delay_from_previous is None else f"{hop.delay_from_previous:+.0f}s"
            out.append((
                (safe.cell(hop.position), safe.cell(hop.from_helo or hop.from_rdns or "", limit=30),
                 safe.cell(hop.from_ip or "", limit=40), safe.cell(hop.by or "", limit=30),
                 safe.cell(hop.with_protocol or "", limit=16),
                 safe.cell({True: "yes", False: "no", None: "?"}[hop.tls]),
                 safe.cell(hop.timestamp.isoformat() if hop.timestamp else ""), safe.cell(delay)),
                hop,
            ))
        return out

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
