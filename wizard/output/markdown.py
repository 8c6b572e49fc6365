"""The Markdown report (`check --markdown`, the app's .md save), for a ticket.

What a ticket needs first fits in 40 lines: the verdict, its evidence, the fix and how to
confirm it; everything else (the full chain, every section) follows in <details> blocks.
Rendered from wizard.output.verdict_view and wizard.output.sections like the plain text;
table cells are escaped and code fences outgrow any backtick run in the data, so a header
cannot break the table, close a fence or smuggle in a link. A record line is not a shell
command: it goes in a ```dns-zone fence, commands in ```sh, and neither gets a `$` prompt.
"""
from __future__ import annotations

from wizard.common.safe_text import sanitize, shorten
from wizard.model.report import Report
from wizard.output.sections import Bullets, Code, Item, Para, Section, Table, sections, shown
from wizard.output.text import aggregate_section, readiness_section, tls_report_section
from wizard.output.verdict_view import VerdictView, verdict_view, why_section
from wizard.verdict import Verdict, judge

MAX_EVIDENCE = 4  # evidence lines in the opening part; the rest are in the findings
MAX_NOT_THE_CAUSE = 3


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


def _fenced(body: list[str], info: str) -> list[str]:
    fence = _fence(body)
    return [fence + info, *body, fence, ""]


def _opening(view: VerdictView) -> list[str]:
    """The verdict, its evidence, the fix and how to confirm it (at most 40 lines)."""
    lines = [f"# mailtriage: {view.outcome.upper()}", "", f"**{_md_cell(view.headline)}**", ""]
    if view.cause:
        lines += [f"**Root cause** ({_md_cell(view.proof.split(':', 1)[0])}): {_md_cell(view.cause)}", ""]
        if view.evidence:
            lines += _fenced([shorten(e, 200) for e in view.evidence[:MAX_EVIDENCE]], "")
    if view.other_causes:
        lines += ["**Also causes it:** " + _md_cell("; ".join(view.other_causes)), ""]
    fix = view.fix
    if fix is not None:
        lines += ["## Fix", "", f"**{_md_cell(fix.who)}:** {_md_cell(fix.what)}", ""]
        if fix.line:
            lines += _fenced([fix.line], "dns-zone" if fix.is_record else "sh")
        lines += ["## How to confirm", "", _md_cell(fix.confirm), ""]
        if fix.checks:
            lines += _fenced(list(fix.checks[:3]), "sh")
    if view.not_the_cause:
        lines += ["## Not the cause", ""]
        lines += ["- " + _md_cell(n) for n in view.not_the_cause[:MAX_NOT_THE_CAUSE]] + [""]
    return lines


def _section(section: Section) -> list[str]:
    lines: list[str] = []
    for block in section.blocks:
        if isinstance(block, Para):
            lines += [_md_cell(block.text), ""]
        elif isinstance(block, Table):
            lines.append("| " + " | ".join(block.header) + " |")
            lines.append("|" + "---|" * len(block.header))
            lines += ["| " + " | ".join(_md_cell(c) for c in row) + " |" for row in block.rows]
            lines.append("")
        elif isinstance(block, Code):
            lines += _fenced(list(block.lines), "")
        elif isinstance(block, Bullets):
            lines += ["- " + _md_cell(item) for item in block.items] + [""]
        elif isinstance(block, Item):
            lines.append(f"### {block.severity.value.upper()} · {_md_cell(shown(block.heading))}")
            lines += ["", _md_cell(sanitize(block.detail)), ""]
            if block.note:
                lines += [f"Not the cause here: {_md_cell(block.note)}", ""]
            for ev in block.evidence:
                lines.append("- evidence: " + _md_code(shown(shorten(ev, 300))))
            if block.evidence:
                lines.append("")
            for fix in block.fixes:
                check = "Check (changes nothing): " if fix.kind == "check" else ""
                lines += [f"{check}{_md_cell(shown(fix.purpose))}:", ""]
                lines += _fenced([shown(fix.line)], "dns-zone" if fix.kind == "record" else "sh")
    return lines


def render_markdown(report: Report, verdict: Verdict | None = None, verbose: bool = False) -> str:
    verdict = verdict if verdict is not None else judge(report)
    view = verdict_view(report, verdict)
    lines = _opening(view)
    sources = aggregate_section(report) or tls_report_section(report) or readiness_section(report)
    if sources is not None:  # a report's sources (policies) are what the verdict is about
        lines += [f"## {sources.title}", ""] + _section(sources)
    why = why_section(view)
    for section in ([why] if why else []) + sections(report, verdict=verdict, verbose=verbose):
        lines += ["<details>", f"<summary>{_md_cell(section.title)}</summary>", ""]
        lines += _section(section)
        lines.append("</details>")
    return "\n".join(lines).rstrip() + "\n"
