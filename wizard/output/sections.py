"""What a report says, as sections of blocks (paragraphs, tables, bullets, code, findings).

The plain-text and Markdown writers (wizard.output.text, wizard.output.markdown) and the
TUI's policy panes all render these, so no two of them can say different things. All data
text passes through sanitize() here: no ESC or C1 byte from the input reaches a terminal.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from msgspec import Struct

from wizard.common.safe_text import sanitize, shorten
from wizard.model.findings import FixCommand, RecordFix, Severity
from wizard.model.report import Report
from wizard.model.spf import SpfNode
from wizard.model.transit import DiffLine
from wizard.verdict.remedy import is_check

if TYPE_CHECKING:
    from wizard.verdict import Verdict


class Para(Struct, frozen=True):
    text: str


class Table(Struct, frozen=True):
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


class Bullets(Struct, frozen=True):
    items: tuple[str, ...]


class Code(Struct, frozen=True):
    lines: tuple[str, ...]


class FixLine(Struct, frozen=True):
    """A fix as a writer shows it: a record line is never dressed as a shell command."""

    kind: Literal["command", "check", "record", "other"]  # a check only looks (is_check)
    purpose: str
    line: str  # the shell line, or the record in zone-file form


class Item(Struct, frozen=True):
    """A finding: heading line, explanation, evidence and fixes. `severity` is the one in
    context (the verdict's); `note` says why it is not the cause, when it is not."""

    severity: Severity
    heading: str
    detail: str
    evidence: tuple[str, ...]
    fixes: tuple[FixLine, ...]
    note: str = ""


class Section(Struct, frozen=True):
    title: str
    blocks: tuple


def shown(value: object) -> str:
    """A value as one line of safe text; an em dash for nothing."""
    return "—" if value is None or value == "" else sanitize(str(value), one_line=True)


def _yes_no(value: bool | None) -> str:
    return "—" if value is None else ("yes" if value else "no")


def _fix_line(fix) -> FixLine:
    if isinstance(fix, FixCommand):
        return FixLine("check" if is_check(fix) else "command", fix.purpose, fix.shell)
    if isinstance(fix, RecordFix):
        return FixLine("record", fix.purpose, fix.zone_line)
    return FixLine("other", "", str(fix))


def _summary(report: Report, depth: int) -> Section:
    # The verdict, not a count of findings, says how it went (wizard.output.verdict_view).
    lines = [f"Input: {shown(report.input.label)} from {shown(report.input.source)}."]
    facts = report.message
    if facts is not None:
        lines.append(
            f"From: {shown(facts.from_header)} · MAIL FROM: {shown(facts.mail_from)} · "
            f"client: {shown(facts.client_ip)} (HELO {shown(facts.helo)})"
        )
    if report.resolvers:
        lines.append("DNS asked: " + ", ".join(shown(r) for r in report.resolvers))
    elif report.input.kind in ("message", "headers"):
        lines.append("DNS: no lookups made (offline); results that need DNS are 'none'.")
    return Section("Summary" if depth == 0 else "Returned message", tuple(Para(line) for line in lines))


def _bounce(report: Report) -> Section | None:
    b = report.bounce
    if b is None:
        return None
    rows = [
        ("Kind", shown(b.kind)),
        ("Status", shown(b.status) + (f" (DSN Status: {shown(b.dsn_status)})"
                                      if b.dsn_status and b.dsn_status != b.status else "")),
        ("Reply", shown(b.reply_code)),
        ("Recipients", ", ".join(shown(r) for r in b.recipients) or "—"),
        ("Provider", shown(b.provider)),
        ("Stage", shown(b.stage)),
        ("Reporting MTA", shown(b.reporting_mta)),
        ("Remote MTA", shown(b.remote_mta)),
    ]
    rows = [r for r in rows if r[1] != "—"]  # a bare reply has no MTAs or recipients: say nothing
    blocks: list = [Table(("Field", "Value"), tuple(rows))]
    blocks += _recipient_table(b)
    if b.reply_text:
        blocks.append(Para("Receiver said: " + shown(shorten(b.reply_text, 600))))
    exp = b.explanation
    if exp is not None:
        blocks.append(Para(shown(exp.plain)))
        if exp.causes:
            blocks.append(Para("Likely causes:"))
            blocks.append(Bullets(tuple(shown(c) for c in exp.causes)))
        if exp.next_steps:
            blocks.append(Para("Next steps:"))
            blocks.append(Bullets(tuple(shown(c) for c in exp.next_steps)))
    total = 1 + len(b.more_notifications)
    for n, more in enumerate(b.more_notifications, 2):
        # DSN-21: each further notification of the file on its own, never merged.
        blocks.append(Para(f"Notification {n} of {total}: {shown(more.layout)}"))
        blocks.append(Table(("Field", "Value"), tuple(r for r in (
            ("Kind", shown(more.kind)), ("Status", shown(more.status)), ("Reply", shown(more.reply_code)),
            ("Recipients", ", ".join(shown(r) for r in more.recipients) or "—"),
        ) if r[1] != "—")))
        blocks += _recipient_table(more)
        if more.reply_text:
            blocks.append(Para("Receiver said: " + shown(shorten(more.reply_text, 600))))
    return Section("Bounce", tuple(blocks))


def _recipient_table(b) -> list:
    """One row per recipient when there are several (DSN-22) or one whose Final-Recipient
    named no mailbox (DSN-19): each with its own status."""
    if len(b.per_recipient) < 2 and not any(r.recipient_raw for r in b.per_recipient):
        return []
    rows = tuple(
        (shown(r.recipient or "(unknown)"), shown(r.status), shown(r.reply_code), shown(r.kind),
         shown(r.enhanced_from),
         "; ".join(filter(None, (r.recipient_from and f"named by {shown(r.recipient_from)}",
                                 r.recipient_raw and f"Final-Recipient: {shown(r.recipient_raw)}")))
         or "—")
        for r in b.per_recipient
    )
    return [Table(("Recipient", "Status", "Reply", "Kind", "Code from", "Note"), rows)]


def _signatures(report: Report) -> Section | None:
    if not report.signatures:
        return None
    rows = []
    for sig in report.signatures:
        v = sig.verdict
        body = shown(v.body_hash.result) if v is not None else "not checked"
        head = shown(v.header_signature) if v is not None else "not checked"
        bits = "—"
        if v is not None and v.key is not None and v.key.key_bits:
            bits = f"{v.key.key_type} {v.key.key_bits}"
        rows.append((str(sig.index + 1), shown(sig.d), shown(sig.s), shown(sig.a), shown(sig.result),
                     shown(sig.reason), body, head, bits))
    table = Table(("#", "d=", "s=", "a=", "result", "reason", "body hash", "header sig", "key"), tuple(rows))
    return Section("DKIM signatures", (table,))


_DIFF_MARK = {"same": " ", "removed": "-", "added": "+", "skip": "…"}
MAX_DIFF_LINES = 80


def _diff_lines(diff: tuple[DiffLine, ...]) -> tuple[str, ...]:
    """The diff of the canonical bodies, changed lines with a little context, capped."""
    keep: set[int] = set()
    for n, line in enumerate(diff):
        if line.kind != "same":
            keep.update(range(max(0, n - 2), min(len(diff), n + 3)))
    out: list[str] = []
    last = -1
    for n in sorted(keep):
        if n != last + 1 and out:
            out.append("…")
        line = diff[n]
        out.append(f"{_DIFF_MARK.get(line.kind, '?')} {line.text_visible}")
        last = n
    if len(out) > MAX_DIFF_LINES:
        out = out[:MAX_DIFF_LINES] + [f"… ({len(out) - MAX_DIFF_LINES} more diff lines in the JSON report)"]
    return tuple(sanitize(line, one_line=True) for line in out)


def _transit(report: Report) -> Section | None:
    """What changed after signing: the proven change per signature, and the diff against the
    original when one was given (CANON-xx)."""
    blocks: list = []
    for sig in report.signatures:
        label = f"DKIM-Signature #{sig.index + 1} (d={shown(sig.d)} s={shown(sig.s)})"
        for side, forensics in (("body", sig.body), ("headers", sig.headers)):
            if forensics is None:
                continue
            change = forensics.proven_change
            if change is not None:
                blocks.append(Para(f"{label}, {side}: {shown(change.description)} (proven by re-hashing; "
                                   f"{shown(change.finding_id)})"))
                if change.evidence:
                    blocks.append(Code(tuple(shown(shorten(e, 200)) for e in change.evidence[:40])))
            elif forensics.tried:
                blocks.append(Para(f"{label}, {side}: no single known change explains the failure. "
                                   f"Tried: {'; '.join(shown(t) for t in forensics.tried)}."))
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
        verdict = f"Policy {shown(d.policy)} for {shown(d.from_domain)} (no message: nothing to align)."
    else:
        verdict = (f"Result: {shown(d.result)} for From domain {shown(d.from_domain)}; policy "
                   f"{shown(d.policy)} (effective: {shown(d.effective_policy)}).")
    lines = [
        verdict,
        f"Record: {shown(d.record.raw if d.record else None)} at {shown(d.record_name)}.",
        f"Organisational domain: {shown(d.org_domain_psl)} (Public Suffix List, RFC 7489) / "
        f"{shown(d.org_domain_treewalk)} (DNS tree walk, RFC 9989).",
    ]
    blocks: list = [Para(line) for line in lines]
    if d.alignment:
        blocks.append(Table(("mechanism", "domain", "result", "aligned (relaxed)", "aligned (strict)"),
                            tuple((shown(a.mechanism), shown(a.domain), shown(a.result),
                                   _yes_no(a.relaxed), _yes_no(a.strict)) for a in d.alignment)))
    return Section("DMARC", tuple(blocks))


def _spf_rows(node: SpfNode, depth: int = 0) -> list[tuple[str, ...]]:
    """The record tree as table rows, indented by depth, with the running lookup count."""
    label = ("  " * depth) + node.term
    text = node.error or node.detail or node.record
    rows: list[tuple[str, ...]] = [(
        shown(label), str(node.cost) if node.cost else "", str(node.running_total) if node.cost else "",
        "void" if node.void else "", shown(shorten(text, 70)) if text else "")]
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
        blocks.append(Para(f"Result: {shown(s.result)} for {shown(s.domain)} (identity: {shown(s.identity)}, "
                           f"client {shown(s.ip)})."))
        blocks.append(Para(shown(s.identity_note) if s.identity_note else
                           "SPF checks the MAIL FROM (Return-Path) domain, not the From header."))
        if s.explanation:
            blocks.append(Para("Receiver-side explanation: " + shown(s.explanation)))
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
        if key.revoked:
            state = "revoked"
        else:
            state = "testing (t=y)" if key.testing else ("usable" if key.usable else shown(key.problem))
        chain = " → ".join(shown(n) for n in key.cname_chain)
        answered = key.status.answered
        rows.append((shown(key.name), key.status.value, kind if answered else "—", state if answered else "—",
                     chain or "—"))
    what = "common selectors tried" if d.probed else "selectors asked"
    blocks: list = [Para(f"DKIM keys for {shown(d.domain)} ({what}: {', '.join(shown(x) for x in d.selectors)}).")]
    if rows:
        blocks.append(Table(("key name", "status", "key", "state", "CNAME chain"), tuple(rows)))
    return Section("DKIM keys", tuple(blocks))


def _findings(report: Report, verdict: Verdict | None, verbose: bool) -> Section:
    """Worst first in context; INFO findings only when `verbose` (a line says how many)."""
    items = []
    hidden = 0
    not_cause = {n.id: n.why for n in verdict.not_the_cause} if verdict else {}
    for f in report.findings:
        severity = verdict.severity_in_context(f) if verdict else f.severity
        if severity is Severity.INFO and not verbose:
            hidden += 1
            continue
        about = f" — {f.about}" if f.about else ""
        items.append(Item(severity, f"{f.id} {f.title}{about}", f.detail, f.evidence,
                          tuple(_fix_line(x) for x in f.fixes), not_cause.get(f.id, "")))
    items.sort(key=lambda item: -item.severity.rank)
    blocks: list = items
    if hidden:
        blocks.append(Para(f"{hidden} INFO finding{'s' if hidden != 1 else ''} not shown (-v shows them)."))
    return Section("Findings", tuple(blocks) or (Para("Nothing to report."),))


def _dns(report: Report) -> Section | None:
    if not report.dns:
        return None
    rows = []
    for a in report.dns:
        value = " | ".join(a.values) if a.values else (a.error or "")
        rows.append((shown(a.resolver), shown(a.name), a.rdtype, a.status.value,
                     "—" if a.ttl is None else str(a.ttl), f"{a.elapsed_ms:.0f}",
                     shown(shorten(value, 90))))
    return Section("DNS answers", (Table(("resolver", "name", "type", "status", "ttl", "ms", "answer"), tuple(rows)),))


def sections(report: Report, depth: int = 0, verdict: Verdict | None = None,
             verbose: bool = True) -> list[Section]:
    """Every section of the report; with `verdict`, findings show their severity in context."""
    out = [_summary(report, depth)]
    for build in (_bounce, _signatures, _transit, domain_keys_section, dmarc_section, spf_section):
        section = build(report)
        if section is not None:
            out.append(section)
    out.append(_findings(report, verdict, verbose))
    dns = _dns(report)
    if dns is not None:
        out.append(dns)
    if report.caps:
        out.append(Section("Limits applied", tuple(
            Para(f"{shown(c.what)}: {c.seen:,} seen, at most {c.limit:,} examined") for c in report.caps)))
    if report.returned is not None and depth == 0:
        out += sections(report.returned, depth + 1, verdict, verbose)
    return out
