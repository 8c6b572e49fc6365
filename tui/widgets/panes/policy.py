"""The DMARC/SPF pane: the policy sections the CLI prints, fitted to the pane."""
from __future__ import annotations

from typing import ClassVar

from textual.binding import Binding
from textual.content import Content

from tui import safe
from tui.widgets.panes.base import Pane, inner


def section_view(section, width: int) -> Content:
    """A wizard.output.sections Section (the same text the CLI prints) as pane content; tables are
    fitted to `width` columns, since a wrapped table row is unreadable."""
    from wizard.output.sections import Bullets, Code, Para, Table
    from wizard.output.text import text_table

    out = [safe.label(f"[b reverse] {section.title} [/]")]
    for block in section.blocks:
        if isinstance(block, Para):
            out.append(safe.text(block.text))
        elif isinstance(block, Table):
            head, rule, *rows = text_table(block, width)
            out += [safe.text(head, "bold"), safe.text(rule, "dim")] + [safe.text(r) for r in rows]
            if text_table(block, width) != text_table(block):
                out.append(safe.label("[dim]Cells ending in … are cut to fit: [/dim][b]enter[/b][dim] shows every "
                                      "row whole.[/dim]"))
        elif isinstance(block, Code):
            out += [safe.text("    " + line) for line in block.lines]
        elif isinstance(block, Bullets):
            out += [safe.text("  • " + item) for item in block.items]
    return Content("\n").join(out)


def whole_rows(section) -> str:
    """Every table row of `section` uncut, one line each (wrapped by the dialog): the first
    cell as it is (an SPF term keeps its tree indent), the others named by their column."""
    from wizard.output.sections import Table

    lines = [section.title]
    for block in section.blocks:
        if isinstance(block, Table):
            for row in block.rows:
                first, *rest = row
                named = [f"{head}: {cell}" for head, cell in zip(block.header[1:], rest, strict=True) if cell.strip()]
                lines.append("  ".join([first.rstrip(), *named]) if named else first.rstrip())
    return "\n".join(lines)


def whole_tree(node, depth: int = 0) -> list[str]:
    """The SPF tree whole: the section's rows shorten each record, the dialog must not."""
    text = node.error or node.detail or node.record or ""
    cost = f"  lookup {node.running_total} of 10" if node.cost else ""
    lines = ["  " * depth + node.term + cost + ("  void" if node.void else "") + (f"  → {text}" if text else "")]
    for child in node.children:
        lines += whole_tree(child, depth + 1)
    return lines


class PolicyPane(Pane):
    """DMARC and SPF (or, for a domain, its keys), as the same sections the CLI prints."""

    BINDINGS: ClassVar = [Binding("enter", "whole_value", "Whole rows", id="policy.whole", show=False,
                                  tooltip="Every table row of this pane uncut")]

    def sections(self) -> list:
        from wizard.output.sections import dmarc_section, domain_keys_section, spf_section

        report = inner(self.state)
        sections = [build(report) for build in (domain_keys_section, dmarc_section, spf_section)] if report else []
        return [x for x in sections if x is not None]

    def action_whole_value(self) -> None:
        from tui.dialogs.value import ValueDialog

        report = inner(self.state)
        parts = [whole_rows(x) for x in self.sections() if x.title != "SPF"]
        spf = report.spf.tree if report and report.spf else (report.domain.spf if report and report.domain else None)
        if spf is not None:
            parts.append("\n".join(["SPF", *whole_tree(spf.root)]))
        text = "\n\n".join(parts)
        self.app.push_screen(ValueDialog("DMARC and SPF tables, every row whole", text))

    def render_report(self) -> None:
        sections = self.sections()
        # The pane's width less its scrollbar and padding (4: counted even before the
        # scrollbar appears, which does not resize the pane) and one spare column.
        width = (self.size.width or self.app.size.width) - 5
        parts = [section_view(x, width) for x in sections]
        self.body().update(Content("\n\n").join(parts) if parts else
                           safe.label("[dim]No DMARC or SPF evaluation for this input.[/dim]"))

    def on_resize(self) -> None:
        self.render_report()
