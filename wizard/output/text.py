"""Plain text and Markdown reports for `mailtriage check`.

Both come from one list of sections (title + blocks), so the two formats can never say
different things. All data text passes through sanitize(): no ESC or C1 byte from the input
reaches the terminal, and in Markdown, table cells are escaped so a header cannot break the
table or smuggle in a link.
"""
from __future__ import annotations

from msgspec import Struct

from wizard.model.findings import FixCommand, RecordFix, Severity
from wizard.model.report import Report
from wizard.common.safe_text import sanitize, shorten


class Para(Struct, frozen=True):
    text: str


class Table(Struct, frozen=True):
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


class Bullets(Struct, frozen=True):
    items: tuple[str, ...]


class Code(Struct, frozen=True):
    lines: tuple[str, ...]


class Item(Struct, frozen=True):
    """A finding: heading line, explanation, evidence and fixes."""

    severity: Severity
    heading: str
    detail: str
    evidence: tuple[str, ...]
    fixes: tuple[tuple[str, str], ...]  # (purpose, command or record line)


class Section(Struct, frozen=True):
    title: str
    blocks: tuple


def _s(value) -> str:
    return "—" if value is None or value == "" else sanitize(str(value), one_line=True)


def _yes_no(value: bool | None) -> str:
    return "—" if value is None else ("yes" if value else "no")


def _fix_lines(fix) -> tuple[str, str]:
    if isinstance(fix, FixCommand):
        return fix.purpose, fix.shell
    if isinstance(fix, RecordFix):
        return fix.purpose, fix.zone_line
    return "", str(fix)


def _summary(report: Report, depth: int) -> Section:
    counts: dict[Severity, int] = {}
    for finding in report.all_findings:
        counts[finding.severity] = counts.get(finding.severity, 0) + 1
    tally = ", ".join(f"{counts[s]} {s.value}" for s in Severity if counts.get(s)) or "no findings"
    verdict = "FAILED" if report.failed else "OK"
    lines = [f"{verdict}: {tally}.", f"Input: {_s(report.input.label)} from {_s(report.input.source)}."]
    facts = report.message
    if facts is not None:
        lines.append(
            f"From: {_s(facts.from_header)} · MAIL FROM: {_s(facts.mail_from)} · "
            f"client: {_s(facts.client_ip)} (HELO {_s(facts.helo)})"
        )
    if report.resolvers:
        lines.append("DNS asked: " + ", ".join(_s(r) for r in report.resolvers))
    elif report.input.kind in ("message", "headers"):
        lines.append("DNS: no lookups made (offline); results that need DNS are 'none'.")
    return Section("Summary" if depth == 0 else "Returned message", tuple(Para(l) for l in lines))


def _bounce(report: Report) -> Section | None:
    b = report.bounce
    if b is None:
        return None
    rows = [
        ("Kind", _s(b.kind)),
        ("Status", _s(b.status) + (f" (DSN Status: {_s(b.dsn_status)})" if b.dsn_status and b.dsn_status != b.status else "")),
        ("Reply", _s(b.reply_code)),
        ("Recipients", ", ".join(_s(r) for r in b.recipients) or "—"),
        ("Provider", _s(b.provider)),
        ("Stage", _s(b.stage)),
        ("Reporting MTA", _s(b.reporting_mta)),
        ("Remote MTA", _s(b.remote_mta)),
    ]
    rows = [r for r in rows if r[1] != "—"]  # a bare reply has no MTAs or recipients: say nothing
    blocks: list = [Table(("Field", "Value"), tuple(rows))]
    if b.reply_text:
        blocks.append(Para("Receiver said: " + _s(shorten(b.reply_text, 600))))
    exp = b.explanation
    if exp is not None:
        blocks.append(Para(_s(exp.plain)))
        if exp.causes:
            blocks.append(Para("Likely causes:"))
            blocks.append(Bullets(tuple(_s(c) for c in exp.causes)))
        if exp.next_steps:
            blocks.append(Para("Next steps:"))
            blocks.append(Bullets(tuple(_s(c) for c in exp.next_steps)))
    return Section("Bounce", tuple(blocks))


def _signatures(report: Report) -> Section | None:
    if not report.signatures:
        return None
    rows = []
    for sig in report.signatures:
        v = sig.verdict
        body = _s(v.body_hash.result) if v is not None else "not checked"
        head = _s(v.header_signature) if v is not None else "not checked"
        bits = "—"
        if v is not None and v.key is not None and v.key.key_bits:
            bits = f"{v.key.key_type} {v.key.key_bits}"
        rows.append((str(sig.index + 1), _s(sig.d), _s(sig.s), _s(sig.a), _s(sig.result),
                     _s(sig.reason), body, head, bits))
    table = Table(("#", "d=", "s=", "a=", "result", "reason", "body hash", "header sig", "key"), tuple(rows))
    return Section("DKIM signatures", (table,))


_DIFF_MARK = {"same": " ", "removed": "-", "added": "+", "skip": "…"}
MAX_DIFF_LINES = 80


def _diff_lines(diff) -> tuple[str, ...]:
    """The diff of the canonical bodies, changed lines with a little context, capped."""
    keep = set()
    for n, line in enumerate(diff):
        if line.kind != "same":
            keep.update(range(max(0, n - 2), min(len(diff), n + 3)))
    out = []
    last = -1
    for n in sorted(keep):
        if n != last + 1 and out:
            out.append("…")
        line = diff[n]
        out.append(f"{_DIFF_MARK.get(line.kind, '?')} {line.text_visible}")
        last = n
    if len(out) > MAX_DIFF_LINES:
        out = out[:MAX_DIFF_LINES] + [f"… ({len(out) - MAX_DIFF_LINES} more diff lines in the JSON report)"]
    return tuple(sanitize(l, one_line=True) for l in out)


def _transit(report: Report) -> Section | None:
    """What changed after signing: the proven change per signature, and the diff against the
    original when one was given (CANON-xx)."""
    blocks: list = []
    for sig in report.signatures:
        label = f"DKIM-Signature #{sig.index + 1} (d={_s(sig.d)} s={_s(sig.s)})"
        for side, forensics in (("body", sig.body), ("headers", sig.headers)):
            if forensics is None:
                continue
            change = forensics.proven_change
            if change is not None:
                blocks.append(Para(f"{label}, {side}: {_s(change.description)} (proven by re-hashing; "
                                   f"{_s(change.finding_id)})"))
                if change.evidence:
                    blocks.append(Code(tuple(_s(shorten(e, 200)) for e in change.evidence[:40])))
            elif forensics.tried:
                blocks.append(Para(f"{label}, {side}: no single known change explains the failure. "
                                   f"Tried: {'; '.join(_s(t) for t in forensics.tried)}."))
            diff = getattr(forensics, "diff", ())
            if diff:
                blocks.append(Para(f"Canonical {side} of the original (-) against the received copy (+), "
                                   "whitespace visible (␍ ␊ ␉, trailing spaces ·):"))
                blocks.append(Code(_diff_lines(diff)))
    return Section("What changed in transit", tuple(blocks)) if blocks else None


def dmarc_section(report: Report) -> Section | None:
    d = report.dmarc
    if d is None:
        return None
    if report.input.kind == "domain":
        verdict = f"Policy {_s(d.policy)} for {_s(d.from_domain)} (no message: nothing to align)."
    else:
        verdict = (f"Result: {_s(d.result)} for From domain {_s(d.from_domain)}; policy "
                   f"{_s(d.policy)} (effective: {_s(d.effective_policy)}).")
    lines = [
        verdict,
        f"Record: {_s(d.record.raw if d.record else None)} at {_s(d.record_name)}.",
        f"Organisational domain: {_s(d.org_domain_psl)} (Public Suffix List, RFC 7489) / "
        f"{_s(d.org_domain_treewalk)} (DNS tree walk, RFC 9989).",
    ]
    blocks: list = [Para(l) for l in lines]
    if d.alignment:
        blocks.append(Table(("mechanism", "domain", "result", "aligned (relaxed)", "aligned (strict)"),
                            tuple((_s(a.mechanism), _s(a.domain), _s(a.result), _yes_no(a.relaxed), _yes_no(a.strict))
                                  for a in d.alignment)))
    return Section("DMARC", tuple(blocks))


def _spf_rows(node, depth: int = 0) -> list[tuple[str, ...]]:
    """The record tree as table rows, indented by depth, with the running lookup count."""
    label = ("  " * depth) + node.term
    rows = [(_s(label), str(node.cost) if node.cost else "", str(node.running_total) if node.cost else "",
             "void" if node.void else "", _s(shorten(text, 70)) if (text := node.error or node.detail or node.record) else "")]
    for child in node.children:
        rows += _spf_rows(child, depth + 1)
    return rows


def spf_section(report: Report) -> Section | None:
    s = report.spf
    tree = s.tree if s is not None else (report.domain.spf if report.domain is not None else None)
    if s is None and tree is None:
        return None
    blocks: list = []
    if s is not None:
        blocks.append(Para(f"Result: {_s(s.result)} for {_s(s.domain)} (identity: {_s(s.identity)}, "
                           f"client {_s(s.ip)})."))
        blocks.append(Para(_s(s.identity_note) if s.identity_note else
                           "SPF checks the MAIL FROM (Return-Path) domain, not the From header."))
        if s.explanation:
            blocks.append(Para("Receiver-side explanation: " + _s(s.explanation)))
    if tree is not None:
        blocks.append(Para(f"DNS lookups used: {tree.lookups_used} of 10; void lookups: {tree.voids} of 2."))
        blocks.append(Table(("term", "cost", "total", "void", "record / result"), tuple(_spf_rows(tree.root))))
    return Section("SPF", tuple(blocks))


def domain_keys_section(report: Report) -> Section | None:
    d = report.domain
    if d is None:
        return None
    rows = []
    for key in d.keys:
        kind = f"{key.key_type or '?'} {key.key_bits or ''}".strip()
        state = "revoked" if key.revoked else ("testing (t=y)" if key.testing else ("usable" if key.usable else _s(key.problem)))
        chain = " → ".join(_s(n) for n in key.cname_chain)
        rows.append((_s(key.name), key.status.value, kind if key.status.answered else "—", state if key.status.answered else "—", chain or "—"))
    what = "common selectors tried" if d.probed else "selectors asked"
    blocks: list = [Para(f"DKIM keys for {_s(d.domain)} ({what}: {', '.join(_s(x) for x in d.selectors)}).")]
    if rows:
        blocks.append(Table(("key name", "status", "key", "state", "CNAME chain"), tuple(rows)))
    return Section("DKIM keys", tuple(blocks))


def _findings(report: Report) -> Section:
    items = []
    for f in report.findings:
        about = f" — {f.about}" if f.about else ""
        items.append(Item(f.severity, f"{f.id} {f.title}{about}", f.detail, f.evidence,
                          tuple(_fix_lines(x) for x in f.fixes)))
    if not items:
        return Section("Findings", (Para("Nothing to report."),))
    return Section("Findings", tuple(items))


def _dns(report: Report) -> Section | None:
    if not report.dns:
        return None
    rows = []
    for a in report.dns:
        value = " | ".join(a.values) if a.values else (a.error or "")
        rows.append((_s(a.resolver), _s(a.name), a.rdtype, a.status.value,
                     "—" if a.ttl is None else str(a.ttl), f"{a.elapsed_ms:.0f}",
                     _s(shorten(value, 90))))
    return Section("DNS answers", (Table(("resolver", "name", "type", "status", "ttl", "ms", "answer"), tuple(rows)),))


def sections(report: Report, depth: int = 0) -> list[Section]:
    out = [_summary(report, depth)]
    for build in (_bounce, _signatures, _transit, domain_keys_section, dmarc_section, spf_section):
        section = build(report)
        if section is not None:
            out.append(section)
    out.append(_findings(report))
    dns = _dns(report)
    if dns is not None:
        out.append(dns)
    if report.caps:
        out.append(Section("Limits applied", tuple(
            Para(f"{_s(c.what)}: {c.seen:,} seen, at most {c.limit:,} examined") for c in report.caps)))
    if report.returned is not None and depth == 0:
        out += sections(report.returned, depth + 1)
    return out


# ---- plain text -------------------------------------------------------------------------

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
                lines += ["    " + l for l in block.lines]
            elif isinstance(block, Bullets):
                lines += ["  - " + item for item in block.items]
            elif isinstance(block, Item):
                lines.append(f"[{block.severity.value.upper()}] {_s(block.heading)}")
                lines += ["    " + l for l in sanitize(block.detail).splitlines()]
                for ev in block.evidence:
                    lines.append("    > " + _s(shorten(ev, 300)))
                for purpose, command in block.fixes:
                    lines.append(f"    fix: {_s(purpose)}")
                    lines.append(f"      $ {_s(command)}")
                lines.append("")
    return "\n".join(lines).lstrip("\n") + "\n"


# ---- Markdown ---------------------------------------------------------------------------

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
                lines.append(f"### {block.severity.value.upper()} · {_md_cell(_s(block.heading))}")
                lines += ["", _md_cell(sanitize(block.detail)), ""]
                for ev in block.evidence:
                    lines.append("- evidence: " + _md_code(_s(shorten(ev, 300))))
                if block.evidence:
                    lines.append("")
                if block.fixes:
                    body = [l for p, c in block.fixes for l in (f"# {_s(p)}", _s(c))]
                    fence = _fence(body)
                    lines += [fence + "sh", *body, fence, ""]
    return "\n".join(lines).rstrip() + "\n"
