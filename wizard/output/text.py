"""The plain-text report (`mailtriage check`, the app's .txt save), from wizard.output.sections."""
from __future__ import annotations

from wizard.common.safe_text import sanitize, shorten
from wizard.model.report import Report
from wizard.output.sections import Bullets, Code, Item, Para, Table, sections, shown


def text_table(table: Table, width: int | None = None) -> list[str]:
    """A table as aligned plain-text lines (header, rule, rows); long cells are cut. With
    `width` (a screen's columns), the widest columns give way until every line fits, and
    cut cells end in "…" so the columns stay aligned."""
    widths = [len(h) for h in table.header]
    for row in table.rows:
        widths = [max(w, len(c)) for w, c in zip(widths, row)]
    widths = [min(w, 60) for w in widths]
    if width is not None:
        while sum(widths) + 2 * (len(widths) - 1) > width and max(widths) > 8:
            widths[widths.index(max(widths))] -= 1

    def cut(cell: str, w: int) -> str:
        if len(cell) <= w:
            return cell.ljust(w)
        return cell[: w - 1] + "…" if width is not None else shorten(cell, w).ljust(w)

    def fmt(row):
        return "  ".join(cut(c, w) for c, w in zip(row, widths)).rstrip()

    return [fmt(table.header), fmt(tuple("-" * w for w in widths))] + [fmt(r) for r in table.rows]


def render_text(report: Report) -> str:
    lines: list[str] = []
    for section in sections(report):
        lines += ["", section.title.upper(), "=" * len(section.title)]
        for block in section.blocks:
            if isinstance(block, Para):
                lines.append(block.text)
            elif isinstance(block, Table):
                lines += text_table(block)
            elif isinstance(block, Code):
                lines += ["    " + line for line in block.lines]
            elif isinstance(block, Bullets):
                lines += ["  - " + item for item in block.items]
            elif isinstance(block, Item):
                lines.append(f"[{block.severity.value.upper()}] {shown(block.heading)}")
                lines += ["    " + line for line in sanitize(block.detail).splitlines()]
                for ev in block.evidence:
                    lines.append("    > " + shown(shorten(ev, 300)))
                for purpose, command in block.fixes:
                    lines.append(f"    fix: {shown(purpose)}")
                    lines.append(f"      $ {shown(command)}")
                lines.append("")
    return "\n".join(lines).lstrip("\n") + "\n"
