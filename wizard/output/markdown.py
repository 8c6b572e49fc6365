"""The Markdown report (`check --markdown`, the app's .md save), for a ticket.

Rendered from wizard.output.sections like the plain text; table cells are escaped and code
fences outgrow any backtick run in the data, so a header cannot break the table, close a
fence or smuggle in a link.
"""
from __future__ import annotations

from wizard.common.safe_text import sanitize, shorten
from wizard.model.report import Report
from wizard.output.sections import Bullets, Code, Item, Para, Table, sections, shown


def _md_cell(text: str) -> str:
    # Escape what would break a table or turn data into a link/markup in a ticket system.
    for ch in ("\\", "|", "`", "*", "_", "[", "]", "<", ">"):
        text = text.replace(ch, "\\" + ch)
    return text


def _md_code(text: str) -> str:
    """An inline code span that the text itself cannot close."""
    ticks = "`"
    while ticks in text:
        ticks += "`"
    return f"{ticks} {text} {ticks}"


def _fence(body: list[str]) -> str:
    """A code fence longer than any backtick run inside, so data cannot close it."""
    run = 0
    for line in body:
        count = 0
        for ch in line:
            count = count + 1 if ch == "`" else 0
            run = max(run, count)
    return "`" * max(3, run + 1)


def render_markdown(report: Report) -> str:
    lines: list[str] = ["# mailtriage report", ""]
    for section in sections(report):
        lines += [f"## {section.title}", ""]
        for block in section.blocks:
            if isinstance(block, Para):
                lines += [_md_cell(block.text), ""]
            elif isinstance(block, Table):
                lines.append("| " + " | ".join(block.header) + " |")
                lines.append("|" + "---|" * len(block.header))
                lines += ["| " + " | ".join(_md_cell(c) for c in row) + " |" for row in block.rows]
                lines.append("")
            elif isinstance(block, Code):
                lines += ["```", *block.lines, "```", ""]
            elif isinstance(block, Bullets):
                lines += ["- " + _md_cell(item) for item in block.items] + [""]
            elif isinstance(block, Item):
                lines.append(f"### {block.severity.value.upper()} · {_md_cell(shown(block.heading))}")
                lines += ["", _md_cell(sanitize(block.detail)), ""]
                for ev in block.evidence:
                    lines.append("- evidence: " + _md_code(shown(shorten(ev, 300))))
                if block.evidence:
                    lines.append("")
                if block.fixes:
                    body = [line for p, c in block.fixes for line in (f"# {shown(p)}", shown(c))]
                    fence = _fence(body)
                    lines += [fence + "sh", *body, fence, ""]
    return "\n".join(lines).rstrip() + "\n"
