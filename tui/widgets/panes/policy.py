"""The DMARC/SPF pane: the policy sections the CLI prints, fitted to the pane."""
from __future__ import annotations

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
        elif isinstance(block, Code):
            out += [safe.text("    " + line) for line in block.lines]
        elif isinstance(block, Bullets):
            out += [safe.text("  • " + item) for item in block.items]
    return Content("\n").join(out)


class PolicyPane(Pane):
    """DMARC and SPF (or, for a domain, its keys), as the same sections the CLI prints."""

    def render_report(self) -> None:
        from wizard.output.sections import dmarc_section, domain_keys_section, spf_section

        report = inner(self.state)
        sections = [build(report) for build in (domain_keys_section, dmarc_section, spf_section)] if report else []
        # The pane's width less its scrollbar and padding (4: counted even before the
        # scrollbar appears, which does not resize the pane) and one spare column.
        width = (self.size.width or self.app.size.width) - 5
        parts = [section_view(x, width) for x in sections if x is not None]
        self.body().update(Content("\n\n").join(parts) if parts else
                           safe.label("[dim]No DMARC or SPF evaluation for this input.[/dim]"))

    def on_resize(self) -> None:
        self.render_report()
