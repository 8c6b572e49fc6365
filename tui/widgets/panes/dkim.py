"""The DKIM pane: every tag of every DKIM-Signature, with its verdict and meaning."""
from __future__ import annotations

from textual.content import Content

from tui import safe
from tui.widgets.panes.base import VERDICT_STYLE, TablePane, inner


class DkimPane(TablePane):
    columns = ("sig", "tag", "verdict", "value", "meaning")

    def rows(self):
        report = inner(self.state)
        out = []
        for n, sig in enumerate(report.signatures if report else (), 1):
            for tag in sig.decoded.tags:
                verdict = str(tag.verdict)
                out.append((
                    (safe.cell(n), safe.cell(tag.name, "bold"), safe.cell(verdict, VERDICT_STYLE.get(verdict, "")),
                     safe.cell(tag.value, limit=24), safe.cell(tag.meaning, limit=60)),
                    (sig, tag),
                ))
        return out

    def empty(self) -> Content:
        return safe.label("[dim]No DKIM-Signature in this input.[/dim]")

    def detail(self, item) -> Content:
        sig, tag = item
        parts = [
            safe.line(safe.label("[b]Signature [/b]"), (f"d={sig.d or '?'} s={sig.s or '?'}  ", ""),
                      (f"{sig.result}  ", "bold"), sig.reason),
            safe.line(safe.label("[b]Tag [/b]"), (tag.name, "bold"), safe.label("  [b]verdict [/b]"),
                      (str(tag.verdict), VERDICT_STYLE.get(str(tag.verdict), ""))),
            safe.label("[b]Value[/b]"),
            safe.text(tag.value),
            safe.label("[b]Meaning[/b]"),
            safe.text(tag.meaning),
        ]
        if tag.note:
            parts += [safe.label("[b]Note[/b]"), safe.text(tag.note)]
        return Content("\n").join(parts)
