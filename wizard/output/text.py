"""The plain-text report (`mailtriage check`, the app's .txt save): the VERDICT block, then
wizard.output.sections."""
from __future__ import annotations

import textwrap

from wizard.common.safe_text import sanitize, shorten
from wizard.model.report import Report
from wizard.output.sections import Bullets, Code, Item, Para, Section, Table, sections, shown
from wizard.output.verdict_view import VerdictView, verdict_view, why_section
from wizard.verdict import Verdict, judge

WIDTH = 80
MAX_SOURCES = 50  # rows of an aggregate report's sources table; --json holds them all


def aggregate_section(report: Report) -> Section | None:
    """A DMARC aggregate report's sources by failing volume with their class, then the fix of
    each failing one (each source's verdict, wizard.verdict.aggregate); text and Markdown
    both show it. The fixes are a list, not a column, so an 80-column table cuts none."""
    aggregate = report.aggregate
    if aggregate is None:
        return None
    from wizard.verdict.aggregate import source_verdict

    rows, fixes = [], []
    for source in aggregate.sources[:MAX_SOURCES]:
        rows.append((source.ip, shorten(shown(source.ptr), 30), str(source.count), source.dmarc,
                     source.source_class))
        fix = source_verdict(source, aggregate.domain).primary_fix
        if fix is not None and source.dmarc == "fail":
            fixes.append(f"{source.ip} ({source.count} messages, {source.source_class}): {shown(fix.text)}")
    blocks: list = [Para(f"{aggregate.messages} messages from {len(aggregate.sources)} sources: "
                         f"{aggregate.passing} passed DMARC, {aggregate.failing} failed.")]
    blocks.append(Table(("source", "PTR", "messages", "DMARC", "class"), tuple(rows)))
    if len(aggregate.sources) > MAX_SOURCES:
        blocks.append(Para(f"{len(aggregate.sources) - MAX_SOURCES} more sources in --json."))
    if fixes:
        blocks += [Para("What to do, by failing volume:"), Bullets(tuple(fixes))]
    return Section("Sources by failing volume", tuple(blocks))


def readiness_section(report: Report) -> Section | None:
    """`domain D --reports DIR`: what the aggregate reports say about moving D's policy."""
    ready = report.readiness
    if ready is None:
        return None
    from wizard.verdict.aggregate import source_verdict

    if not ready.reports:
        blocks: list = [Para(f"No aggregate report about {ready.domain} was found, so nothing says how "
                             "its mail authenticates at receivers.")]
    else:
        share = ready.aligned / ready.legitimate if ready.legitimate else 0.0
        receivers = ", ".join(shown(r) for r in ready.receivers) or "unnamed receivers"
        blocks = [Para(f"{ready.reports} report{'s' if ready.reports != 1 else ''} from {receivers}, "
                       f"{ready.begin[:10]} to {ready.end[:10]}: {ready.messages} messages, {ready.failing} "
                       f"failed DMARC. {share:.1%} of legitimate volume ({ready.aligned} of {ready.legitimate} "
                       "messages) is aligned.")]
        if ready.ready:
            blocks.append(Para(f"p={ready.policy} can move to p={ready.next_policy}: stage it (t=y, or pct) "
                               "over 2–4 weeks of reports."))
        elif not ready.next_policy:
            blocks.append(Para("The policy is already p=reject."))
        elif ready.fix_first:
            blocks.append(Para(f"p={ready.policy} cannot move to p={ready.next_policy} yet. Fix these sources first:"))
            fixes = []
            for source in ready.fix_first:
                fix = source_verdict(source, ready.domain).primary_fix
                fid = source.finding.id if source.finding else "?"
                words = shown(fix.text) if fix else "see --json"
                fixes.append(f"{source.ip} ({source.count} messages, {fid}): {words}")
            blocks.append(Bullets(tuple(fixes)))
        else:
            blocks.append(Para(f"p={ready.policy} cannot move to p={ready.next_policy} yet: too little of the "
                               "legitimate mail is aligned; wait for more reports."))
    if ready.not_read:
        blocks += [Para("Not read:"), Bullets(tuple(shown(n) for n in ready.not_read[:10]))]
    return Section("DMARC readiness from aggregate reports", tuple(blocks))


def tls_report_section(report: Report) -> Section | None:
    """A TLS-RPT report's policies, their failed sessions by MX and result type with the
    diagnosis each means, then the fix of each policy with failures (its verdict,
    wizard.verdict.tls); text and Markdown both show it."""
    tls = report.tls_report
    if tls is None:
        return None
    from wizard.verdict.tls import policy_verdict

    policies, rows, fixes = [], [], []
    for p in tls.policies[:MAX_SOURCES]:
        policies.append((shown(p.policy_type), shown(p.policy_domain), shown(p.mode) or "—",
                         shorten(shown(", ".join(p.mx_hosts)), 40), str(p.successful), str(p.failed)))
        rows += [(shown(f.receiving_mx_hostname), shown(f.result_type), shown(f.sending_mta_ip),
                  str(f.count), f.finding or "—") for f in p.failures[:MAX_SOURCES]]
        fix = policy_verdict(p, report.findings).primary_fix
        if fix is not None:
            fixes.append(f"{shown(p.policy_domain)} ({p.failed} failed): {shown(fix.text)}")
    blocks: list = [Para(f"Reporter {shown(tls.org_name) or '?'}, report {shown(tls.report_id) or '?'}, "
                         f"{shown(tls.begin)} to {shown(tls.end)}.")]
    blocks.append(Table(("policy", "domain", "mode", "MX", "successful", "failed"), tuple(policies)))
    if rows:
        blocks.append(Table(("MX", "result", "sending IP", "sessions", "diagnosis"), tuple(rows)))
    if fixes:
        blocks += [Para("What to do, by policy:"), Bullets(tuple(fixes))]
    return Section("TLS report", tuple(blocks))


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


def _wrap(text: str, first: str = "", rest: str | None = None) -> list[str]:
    """`text` in lines of at most WIDTH columns, the first led by `first`, the others by
    `rest` (default: as the first); a long word is broken rather than overflow."""
    return textwrap.wrap(text, WIDTH, initial_indent=first, subsequent_indent=first if rest is None else rest,
                         break_on_hyphens=False) or [first.rstrip()]


def _two_lines(text: str) -> list[str]:
    """`text` in at most two lines of WIDTH columns, the second indented and cut."""
    lines = _wrap(text, "", "  ")
    if len(lines) <= 2:
        return lines
    return [lines[0], _cut("  " + " ".join(line.strip() for line in lines[1:]))]


def _cut(text: str, width: int = WIDTH) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _table(table: Table) -> list[str]:
    """A table that fits 80 columns as columns; a wider one of a few rows (the DKIM
    signatures) as one wrapped line of "header value" pairs per row, so nothing is cut;
    a wider long one (DNS answers) with its widest cells cut (the JSON holds them whole)."""
    natural = text_table(table)
    if max(map(len, natural)) <= WIDTH or len(table.rows) > 4:
        return text_table(table, WIDTH)
    out: list[str] = []
    for row in table.rows:
        pairs = [f"{h} {c}" for h, c in zip(table.header, row) if c not in ("", "—")]
        out += _wrap(" · ".join(pairs), "", "    ")
    return out


def verdict_block(view: VerdictView) -> list[str]:
    """At most six lines: the headline (two at most), the root cause and its proof, the fix
    (its command or record on a line of its own, which may be wider than 80 columns) and one
    finding that is not the cause."""
    lines = _two_lines(f"VERDICT: {view.outcome.upper()}. {view.headline}")
    if view.cause:
        lines.append(_cut(f"Cause: {view.cause.split(' ', 1)[0]}, {view.proof}"))
    fix = view.fix
    if fix is not None:
        said = f"Fix ({fix.who}): {fix.what}"
        if fix.line:
            lines += [_cut(said), ("  " if fix.is_record else "  $ ") + fix.line]
        else:
            lines += _two_lines(said)
    if view.not_the_cause:
        more = len(view.not_the_cause) - 1
        tail = f" (+{more} more under WHY)" if more else ""
        lines.append(_cut(f"Not the cause: {view.not_the_cause[0]}", WIDTH - len(tail)) + tail)
    return lines[:6]


def render_text(report: Report, verdict: Verdict | None = None, verbose: bool = False) -> str:
    """The report for a terminal: the VERDICT block, then the sections (INFO findings only
    when `verbose`). Lines fit 80 columns except commands and record lines."""
    verdict = verdict if verdict is not None else judge(report)
    view = verdict_view(report, verdict)
    lines: list[str] = verdict_block(view)
    why = why_section(view)
    sources = aggregate_section(report) or tls_report_section(report) or readiness_section(report)
    for section in ([why] if why else []) + ([sources] if sources else []) + sections(
            report, verdict=verdict, verbose=verbose):
        lines += ["", section.title.upper(), "=" * len(section.title)]
        for block in section.blocks:
            if isinstance(block, Para):
                lines += _wrap(block.text)
            elif isinstance(block, Table):
                lines += _table(block)
            elif isinstance(block, Code):
                lines += [_cut("    " + line) for line in block.lines]
            elif isinstance(block, Bullets):
                for item in block.items:
                    lines += _wrap(item, "  - ", "    ")
            elif isinstance(block, Item):
                lines += _wrap(f"[{block.severity.value.upper()}] {shown(block.heading)}", "", "    ")
                for line in sanitize(block.detail).splitlines():
                    lines += _wrap(line, "    ")
                if block.note:
                    lines += _wrap(f"Not the cause here: {block.note}", "    ")
                for ev in block.evidence:
                    lines += _wrap(shown(shorten(ev, 300)), "    > ", "      ")
                for fix in block.fixes:
                    label = "check" if fix.kind == "check" else "fix"  # a lookup changes nothing
                    lines += _wrap(f"{label}: {shown(fix.purpose)}", "    ", "      ")
                    # A record is published, not run: it gets no `$` prompt.
                    lines.append(("      " if fix.kind == "record" else "      $ ") + shown(fix.line))
                lines.append("")
    return "\n".join(lines).rstrip("\n") + "\n"
