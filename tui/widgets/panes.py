"""The inspect view's panes. Each takes the app's current state and re-renders from it.

Every value shown comes from the Report and goes through tui.safe (DESIGN.md rule 4).
Panes re-render whole on every partial report: reports are small and a full redraw is
simpler than diffing, and the table cursor is kept so the user does not lose their place.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.widgets import DataTable, Static, TextArea

from tui import safe
from tui.widgets.fix import FixBox

if TYPE_CHECKING:
    from tui.app import MailTriageApp

SEVERITY_STYLE = {
    "critical": "bold $error",
    "error": "$error",
    "warn": "$warning",
    "info": "$text-muted",
}
# Values in the field lists are cut here; the DNS, DKIM and Raw panes show them whole.
VALUE_LIMIT = 400
RICH_SEVERITY = {"critical": "bold red", "error": "red", "warn": "yellow", "info": "dim"}
VERDICT_STYLE = {"ok": "green", "pass": "green", "warn": "yellow", "error": "red", "fail": "red"}


# The engine's pending stages, as a person would name them.
STAGE_WORDS = {"dns": "DNS lookups", "spf": "SPF", "dmarc": "DMARC", "forensics": "what changed in transit"}
# The engine's resolver labels that are not addresses, in words.
RESOLVER_WORDS = {"zone": "the zone files (offline)", "system": "the system resolver"}


def inner(app: "MailTriageApp"):
    """The report about the message: a DSN's returned message when there is one."""
    from wizard.guide.tree import message_report

    return message_report(app.report) if app.report is not None else None


def status_line(app: "MailTriageApp") -> Content:
    """Where the analysis is: pending stages, done, or stopped (and why)."""
    if app.error:
        return safe.line(safe.label("[b $error]Stopped: [/]"), (app.error, ""))
    report = app.report
    if report is None:
        return safe.label("[b]Analysing… [/b]reading the input")
    if not app.finished:
        pending = ", ".join(STAGE_WORDS.get(stage, stage) for stage in report.pending) or "checks"
        return safe.line(safe.label("[b]Analysing… [/b]still waiting for: "), (pending, "italic"))
    if not report.resolvers:
        return safe.label("[b]Done. [/b]No DNS lookups were needed.")
    resolvers = ", ".join(RESOLVER_WORDS.get(r, r) for r in report.resolvers)
    return safe.line(safe.label("[b]Done. [/b]DNS asked: "), (resolvers, ""))


def data_view(obj: Any, *, indent: int = 0) -> Content:
    """Any report part (frozen dataclasses, via the engine's own JSON mapping) as indented
    `field: value` lines. Used where a part has many fields and no table fits better."""
    from wizard.output.jsonable import to_data

    data = to_data(obj)
    out: list[Content] = []

    def walk(value: Any, depth: int, key: str | None) -> None:
        pad = "  " * depth
        head = safe.line(pad, (f"{key}: ", "bold")) if key is not None else Content(pad)
        if isinstance(value, dict):
            if key is not None:
                out.append(head)
            for k, v in value.items():
                if v in (None, "", [], {}):
                    continue
                walk(v, depth + (1 if key is not None else 0), str(k))
        elif isinstance(value, list):
            if key is not None:
                out.append(head)
            for i, v in enumerate(value, 1):
                if isinstance(v, list) and not any(isinstance(x, (dict, list)) for x in v):
                    # A pair or tuple of plain values (tags, properties): one line, not a tree.
                    flat = "=".join(map(str, v)) if len(v) == 2 else " · ".join(map(str, v))
                    out.append(safe.line(pad + "  - ", safe.text(flat, one_line=True, limit=VALUE_LIMIT)))
                elif isinstance(v, (dict, list)):
                    out.append(safe.line(pad + "  ", (f"#{i}", "dim")))
                    walk(v, depth + 2, None)
                else:
                    out.append(safe.line(pad + "  - ", safe.text(v, one_line=True, limit=VALUE_LIMIT)))
        else:
            out.append(Content.assemble(head, safe.text(value, one_line=True, limit=VALUE_LIMIT)))

    walk(data, indent, None)
    return Content("\n").join(out) if out else safe.label("[dim](nothing)[/dim]")


def advice(findings) -> Content:
    """What to do: each problem with its explanation, which carries the advice (the whole
    answer when no command can fix it, like a list footer or an ESP setting)."""
    return Content("\n\n").join([safe.label("[b]What to do[/b]")] + [
        Content("\n").join([
            safe.line((f"{f.severity.value.upper()} ", SEVERITY_STYLE[f.severity.value]), (f"{f.id} ", "bold"), (f.title, "bold")),
            safe.text(f.detail),
        ])
        for f in findings
    ])


class Pane(VerticalScroll):
    """Base: a scrolling pane with a status line, re-rendered by `refresh_report`."""

    def compose(self) -> ComposeResult:
        yield Static(classes="pane-status")
        yield from self.compose_body()

    def compose_body(self) -> ComposeResult:
        yield Static(classes="pane-body")

    @property
    def state(self) -> "MailTriageApp":
        return self.app  # type: ignore[return-value]

    def refresh_report(self) -> None:
        self.query_one(".pane-status", Static).update(status_line(self.state))
        self.render_report()

    def render_report(self) -> None:
        raise NotImplementedError

    def body(self) -> Static:
        return self.query_one(".pane-body", Static)


class TablePane(Vertical):
    """A DataTable with the selected row's full explanation below it."""

    columns: ClassVar[tuple[str, ...]] = ()

    def compose(self) -> ComposeResult:
        yield Static(classes="pane-status")
        yield DataTable(cursor_type="row", zebra_stripes=True)
        with VerticalScroll(classes="detail"):
            yield Static(classes="detail-body")

    def on_mount(self) -> None:
        self.query_one(DataTable).add_columns(*self.columns)

    @property
    def state(self) -> "MailTriageApp":
        return self.app  # type: ignore[return-value]

    def rows(self) -> list[tuple[tuple, object]]:
        """(cells, item) per row; `item` is passed to `detail` when the row is selected."""
        raise NotImplementedError

    def detail(self, item: object) -> Content:
        raise NotImplementedError

    def empty(self) -> Content:
        return safe.label("[dim]Nothing here for this input.[/dim]")

    def refresh_report(self) -> None:
        self.query_one(".pane-status", Static).update(status_line(self.state))
        table = self.query_one(DataTable)
        row = table.cursor_row
        table.clear()
        self._items = []
        for cells, item in self.rows():
            table.add_row(*cells)
            self._items.append(item)
        if self._items:
            table.move_cursor(row=min(row, len(self._items) - 1))
            self._show(table.cursor_row)
        else:
            self.query_one(".detail-body", Static).update(self.empty())

    def _show(self, row: int) -> None:
        if 0 <= row < len(getattr(self, "_items", ())):
            self.query_one(".detail-body", Static).update(self.detail(self._items[row]))

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        event.stop()
        self._show(event.cursor_row)


def _finding_detail(finding) -> Content:
    parts = [
        safe.line((finding.id, "bold"), "  ", (finding.severity.value.upper(), SEVERITY_STYLE[finding.severity.value])),
        safe.text(finding.title, "bold"),
        safe.text(finding.detail),
    ]
    if finding.about:
        parts.append(safe.line(safe.label("[dim]About: [/dim]"), finding.about))
    if finding.evidence:
        parts.append(safe.label("[b]Evidence[/b]"))
        parts.extend(safe.text(e, "italic") for e in finding.evidence)
    for fix in finding.fixes:
        from tui.widgets.fix import fix_text

        parts.append(safe.line(safe.label("[b]Fix: [/b]"), fix.purpose))
        parts.append(safe.text(fix_text(fix), "$accent"))
    return Content("\n").join(parts)


class SummaryPane(TablePane):
    columns = ("severity", "id", "finding")

    def compose(self) -> ComposeResult:
        yield Static(classes="pane-status")
        yield Static(classes="summary")
        yield DataTable(cursor_type="row", zebra_stripes=True)
        with VerticalScroll(classes="detail"):
            yield Static(classes="detail-body")

    def refresh_report(self) -> None:
        report = self.state.report
        lines: list[Content] = []
        if report is not None:
            lines.append(safe.line(safe.label("[b]Input: [/b]"), report.input.label, "  ", (f"({report.input.source})", "dim")))
            facts = inner(self.state).message
            if facts is not None:
                for name, value in (("From", facts.from_header), ("Subject", facts.subject), ("Date", facts.date)):
                    if value:
                        lines.append(safe.line((f"{name}: ", "bold"), safe.text(value, one_line=True, limit=200)))
            worst = report.worst
            verdict = "no findings" if worst is None else f"worst finding: {worst.value}"
            from wizard.guide.tree import plural

            lines.append(safe.line((f"{plural(len(report.all_findings), 'finding')}, ", ""),
                                   (verdict, SEVERITY_STYLE.get(worst.value, "") if worst else "")))
        self.query_one(".summary", Static).update(Content("\n").join(lines))
        super().refresh_report()

    def rows(self):
        from wizard.guide.tree import ordered

        report = self.state.report
        if report is None:
            return []
        return [
            ((safe.cell(f.severity.value, RICH_SEVERITY[f.severity.value]),
              safe.cell(f.id), safe.cell(f.title)), f)
            for f in ordered(report.all_findings)
        ]

    def detail(self, item) -> Content:
        return _finding_detail(item)


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


class DnsPane(TablePane):
    columns = ("name", "type", "resolver", "status", "TTL", "ms", "value")

    def rows(self):
        report = self.state.report
        out = []
        from wizard.guide.tree import sorted_answers

        answers = report.dns + (report.returned.dns if report.returned else ()) if report else ()
        for answer in sorted_answers(answers):
            status = answer.status.value
            value = " | ".join(answer.values) if answer.values else answer.error
            out.append((
                (safe.cell(answer.name, limit=32), safe.cell(answer.rdtype), safe.cell(answer.resolver, limit=16),
                 safe.cell(status, "green" if answer.status.answered else "red"),
                 safe.cell("" if answer.ttl is None else answer.ttl), safe.cell(f"{answer.elapsed_ms:.0f}"),
                 safe.cell(value, limit=48)),
                answer,
            ))
        return out

    def empty(self) -> Content:
        if self.state.report is not None and self.state.report.pending and not self.state.finished:
            return safe.label("[b]Lookups pending… [/b]answers appear here as they land.")
        return safe.label("[dim]No DNS lookups for this input.[/dim]")

    def detail(self, answer) -> Content:
        parts = [
            safe.line((f"{answer.rdtype} ", "bold"), (answer.name, "bold"), safe.label(" [dim]asked [/dim]"), answer.resolver),
            safe.line(safe.label("[b]Status [/b]"), answer.status.value,
                      safe.label("  [b]TTL [/b]"), str(answer.ttl), safe.label("  [b]time [/b]"), f"{answer.elapsed_ms:.1f} ms",
                      safe.label("  [b]size [/b]"), "" if answer.size is None else f"{answer.size} bytes"),
        ]
        if answer.error:
            parts.append(safe.line(safe.label("[b]Why: [/b]"), answer.error))
        if answer.cname_chain:
            parts.append(safe.line(safe.label("[b]CNAME chain: [/b]"), " → ".join((answer.name,) + answer.cname_chain)))
        for i, record in enumerate(answer.strings, 1):
            from wizard.guide.tree import plural

            parts.append(safe.label(f"[b]Record {i} [/b][dim]({plural(len(record), 'string')}, as published)[/dim]"))
            parts.extend(safe.line('  "', safe.text(s), '"') for s in record)
        return Content("\n").join(parts)


def _field(name: str, *parts: "Content | tuple[object, str] | object") -> Content:
    """One `name  value` line of a pane, the names padded to one column."""
    return safe.line((f"  {name:<18}", "bold"), *parts)


def section_view(section, width: int) -> Content:
    """A wizard.output.text Section (the same text the CLI prints) as pane content; tables are
    fitted to `width` columns, since a wrapped table row is unreadable."""
    from wizard.output.text import Bullets, Code, Para, Table, text_table

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


class VerifyPane(Pane):
    """Per signature: body hash, header signature, key — the three places DKIM can break,
    each with its own verdict (the header signature is checked even when the body hash fails)."""

    def render_report(self) -> None:
        report = inner(self.state)
        if report is None or not report.signatures:
            self.body().update(safe.label("[dim]No signature to verify.[/dim]" if report is not None else ""))
            return
        parts: list[Content] = []
        for n, sig in enumerate(report.signatures, 1):
            parts.append(safe.line(safe.label(f"[b reverse] Signature {n} [/] "),
                                   (f"d={sig.d or '?'} s={sig.s or '?'} a={sig.a or '?'}  ", "bold"),
                                   (f"{sig.result}  ", VERDICT_STYLE.get(sig.result, "bold")), sig.reason))
            if sig.verdict is None:
                parts.append(safe.label("  [dim]waiting for the key lookup…[/dim]"))
            else:
                parts += _verdict_lines(sig.verdict)
            if sig.headers is not None:
                parts += _header_forensics_lines(sig.headers)
            parts.append(Content(""))
        self.body().update(Content("\n").join(parts))


def _verdict_lines(v) -> list[Content]:
    bh = v.body_hash
    out = [_field("Body hash", (bh.result, VERDICT_STYLE.get(bh.result, "bold")))]
    if bh.expected:
        out.append(_field("  bh= signed", bh.expected))
    if bh.computed:
        out.append(_field("  bh= this body", (bh.computed, VERDICT_STYLE.get(bh.result, ""))))
    # RSA tells more than pass/fail: whether this key made b= at all (wizard.dkim.verify).
    why = {True: "right key, so signed headers changed",
           False: "made by another key, or b= damaged"}
    header_note = why.get(v.key_matches, "") if v.header_signature == "fail" else ""
    out.append(_field("Header signature", (v.header_signature, VERDICT_STYLE.get(v.header_signature, "bold")),
                      (f"  {header_note}" if header_note else "", "dim")))
    key = v.key
    if key is not None:
        kind = f"{key.key_type or '?'} {key.key_bits or ''}".strip() if key.status.answered else ""
        state = ("revoked" if key.revoked else "testing (t=y)" if key.testing else
                 "usable" if key.usable else key.problem or "not usable")
        out.append(_field("Key", (key.name, "bold"), f"  {key.status.value}",
                          f"  {kind}  {state}" if key.status.answered else ""))
        if key.cname_chain:
            out.append(_field("  via CNAME", " → ".join(key.cname_chain)))
        if key.fingerprint:
            # Enough to tell two keys apart by eye; the JSON report has it whole.
            out.append(_field("  fingerprint", (f"sha256 {key.fingerprint[:24]}…", "dim")))
    if v.warnings:
        out.append(_field("Warnings", ", ".join(v.warnings)))
    for f in v.findings:
        out.append(_field("Finding", (f"{f.severity.value.upper()} ", SEVERITY_STYLE[f.severity.value]),
                          (f"{f.id} ", "bold"), f.title))
    return out


def _header_forensics_lines(h) -> list[Content]:
    out = [_field("Headers checked", h.canonicalization or "?"), _field("  h=", ":".join(h.signed_headers))]
    change = h.proven_change
    if change is not None:
        out.append(_field("Proven change", (f"{change.finding_id} ", "bold"), change.description))
        out += [safe.text(f"    {ev}", "green" if ev.startswith("+") else "red" if ev.startswith("-") else "",
                          one_line=True, limit=VALUE_LIMIT) for ev in change.evidence]
    elif h.tried:
        out.append(_field("Tried, none fit", ", ".join(h.tried)))
    for name, signed, now in h.z_diff:
        out.append(_field("z= differs", (f"{name}: ", "bold"), (signed, "red"), " → ", (now, "green")))
    for inter in h.intermediaries:
        out.append(_field("Passed through", (inter.name, "bold"), f"  {inter.changes}"))
    if h.error:
        out.append(_field("Not checked", h.error))
    return out


class BodyPane(Pane):
    """Body forensics for each signature whose body hash failed: the proven change and the
    diff, whitespace made visible by the engine (␍ CR, ␊ LF, ␉ TAB, · trailing space)."""

    def render_report(self) -> None:
        report = inner(self.state)
        parts: list[Content] = []
        for n, sig in enumerate(report.signatures if report else (), 1):
            body = sig.body
            if body is None:
                continue
            parts.append(safe.line(safe.label(f"[b reverse] Signature {n} [/] "), (f"d={sig.d or '?'} s={sig.s or '?'}", "bold")))
            # Labels padded to one width so the three hashes line up for comparing by eye.
            limit = f", l={body.length_limit}" if body.length_limit is not None else ""
            parts.append(safe.line(safe.label("[b]bh= in signature   [/b]"), body.expected_bh))
            parts.append(safe.line(safe.label("[b]bh of this body    [/b]"), (body.computed_bh, "green" if body.matches else "red"),
                                   (f"  ({body.canonicalization}{limit})", "dim")))
            if body.original_bh is not None:
                from wizard.guide.tree import original_verdict

                parts.append(safe.line(safe.label("[b]bh of the original [/b]"),
                                       (body.original_bh, "green" if body.original_matches else "red")))
                parts.append(safe.text(original_verdict(body), "bold green" if body.original_matches else "bold $warning"))
            change = body.proven_change
            if change is not None:
                parts.append(safe.line(safe.label("[b]Proven change: [/b]"), (f"{change.finding_id} ", "bold"), change.description))
                # With an original the diff below shows every changed line; repeating the
                # change's own evidence would push it off an 80×24 screen.
                for ev in () if body.diff else change.evidence:
                    style = "green" if ev.startswith("+") else "red" if ev.startswith("-") else ""
                    parts.append(safe.text(ev, style, one_line=True, limit=400))
            elif body.tried:
                parts.append(safe.line(safe.label("[b]Tried, none explained it: [/b]"), ", ".join(body.tried)))
            if body.original_bh is None and not body.matches:
                parts.append(safe.label("[dim]Have the sender's copy (their Sent folder)? [/dim][b]o [/b]"
                                        "[dim]compares with it and shows every changed line.[/dim]"))
            if body.diff:
                parts.append(safe.label("[b]Diff [/b][dim]as sent → received; ␍ CR ␊ LF ␉ TAB · trailing space[/dim]"))
                marks = {"added": ("+", "green"), "removed": ("-", "red"), "skip": ("…", "dim"), "same": (" ", "")}
                for line in body.diff:
                    mark, style = marks.get(line.kind, (" ", ""))
                    parts.append(safe.text(f"{mark} {line.text_visible}", style, one_line=True, limit=400))
            parts.append(Content(""))
        if not parts and report is not None and self.state.submission is not None and self.state.submission.original:
            # Forensics run only for a failed bh=: an intact body has nothing to diff.
            parts.append(safe.label("[dim]No body hash failed: the body arrived as it was signed, so there is "
                                    "nothing to compare with the original.[/dim]"))
        elif not parts:
            parts.append(safe.label("[dim]No body hash failed, so there is no body change to show.[/dim]"))
        self.body().update(Content("\n").join(parts))


class BouncePane(Pane):
    def render_report(self) -> None:
        report = self.state.report
        parts: list[Content] = []
        bounce = report.bounce if report is not None else None
        if bounce is not None:
            code = f"{bounce.reply_code or ''} {bounce.status or ''}".strip() or "no code"
            parts += [
                safe.label("[b reverse] Bounce [/]"),
                safe.line(safe.label("[b]Code [/b]"), (code, "bold"), safe.label("  [b]kind [/b]"), bounce.kind,
                          safe.label("  [b]stage [/b]"), bounce.stage or "?", safe.label("  [b]provider [/b]"), bounce.provider or "?"),
            ]
            if bounce.explanation is not None:
                parts.append(safe.text(bounce.explanation.plain))
                parts += [safe.line("  • ", c) for c in bounce.explanation.causes]
            if bounce.reply_text:
                parts += [safe.label("[b]The receiver said[/b]"), safe.text(bounce.reply_text, "italic")]
            parts += [safe.label("[b]All fields[/b]"), data_view(bounce, indent=1)]
        if report is not None and report.auth_results is not None and (
                report.auth_results.fields or report.auth_results.received_spf or report.auth_results.original):
            parts += [safe.label("[b reverse] Authentication-Results [/]"), *_auth_results_lines(report.auth_results)]
        if report is not None and report.arc is not None and report.arc.instances:
            parts += [safe.label("[b reverse] ARC [/]"), *_arc_lines(report.arc)]
        self.body().update(Content("\n").join(parts) if parts else safe.label("[dim]No bounce and no Authentication-Results in this input.[/dim]"))


def _result_line(r) -> Content:
    """One method's verdict as a receiver wrote it: `dkim=fail (why) header.d=…`."""
    props = " ".join(f"{k}={v}" for k, v in r.properties)
    return safe.line("    ", (f"{r.method}={r.raw_result}", VERDICT_STYLE.get(r.result, "bold")),
                     f"  {props}" if props else "", (f"  ({r.comment})" if r.comment else "", "dim"),
                     (f"  {r.note}" if r.note else "", "italic"))


def _auth_results_lines(ar) -> list[Content]:
    out: list[Content] = []
    for f in ar.fields:
        trust = ("trusted: the final receiver", "green") if f.trusted else ("not the final receiver", "dim")
        out.append(safe.line((f"  #{f.position + 1} ", "bold"), (f.authserv_id or "(no authserv-id)", "bold"),
                             "  ", trust))
        out += [_result_line(r) for r in f.results]
        if f.repairs:
            out.append(safe.line(("    repaired to parse: ", "dim"), "; ".join(f.repairs)))
        if f.unparsed:
            out.append(safe.line(("    not readable: ", "$warning"), "; ".join(f.unparsed)))
    for spf in ar.received_spf:
        out.append(safe.line(("  Received-SPF ", "bold"), (spf.result, VERDICT_STYLE.get(spf.result, "bold")),
                             "  " + " ".join(f"{k}={v}" for k, v in spf.pairs)))
    if ar.original:
        out.append(safe.label("  [b]Original results[/b] [dim](added before a relay, not by the receiver)[/dim]"))
        out += [_result_line(r) for r in ar.original]
    return out


def _arc_lines(arc) -> list[Content]:
    """The chain as verified (wizard.arc.verify.ArcReport) or, offline, as decoded (ArcSet)."""
    from wizard.arc.tags import ArcSet  # loaded by the analysis that made the report

    out: list[Content] = []
    if not isinstance(arc, ArcSet):
        broken = f"  broken at i={arc.broken_at}" if arc.broken_at else ""
        out.append(safe.line(("  chain ", "bold"), (arc.result, VERDICT_STYLE.get(arc.result, "bold")),
                             f"  {arc.reason}" if arc.reason else "", (broken, "$warning")))
        for inst in arc.instances:
            out.append(safe.line((f"  i={inst.instance} ", "bold"), f"sealer d={inst.seal_d} s={inst.seal_s}  cv={inst.cv}  ",
                                 "seal ", (inst.seal, VERDICT_STYLE.get(inst.seal, "")),
                                 "  AMS body ", (inst.ams_body_hash.result, VERDICT_STYLE.get(inst.ams_body_hash.result, "")),
                                 " headers ", (inst.ams_header_signature, VERDICT_STYLE.get(inst.ams_header_signature, ""))))
            if inst.aar_summary:
                out.append(safe.line(("      saw: ", "dim"), inst.aar_summary))
    else:
        for inst in arc.instances:
            out.append(safe.line((f"  i={inst.i} ", "bold"), f"cv={inst.cv or '?'}  ", (inst.summary(), "")))
    return out


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
            safe.line(safe.label("[b]rDNS [/b]"), hop.from_rdns or "?", safe.label("  [b]HELO [/b]"), hop.from_helo or "?",
                      safe.label("  [b]id [/b]"), hop.id or "?", safe.label("  [b]for [/b]"), hop.for_ or "?"),
        ])


class PolicyPane(Pane):
    """DMARC and SPF (or, for a domain, its keys), as the same sections the CLI prints."""

    def render_report(self) -> None:
        from wizard.output.text import dmarc_section, domain_keys_section, spf_section

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


class FixPane(VerticalScroll):
    """Every fix, most important first, and how to confirm each worked."""

    def compose(self) -> ComposeResult:
        yield Static(classes="pane-status")
        yield Static(classes="fix-empty")
        yield Vertical(classes="fix-boxes")
        yield Static(classes="fix-advice")

    def refresh_report(self) -> None:
        from wizard.guide.tree import step_fix

        self.query_one(".pane-status", Static).update(status_line(self.app))  # type: ignore[arg-type]
        report = self.app.report  # type: ignore[attr-defined]
        holder = self.query_one(".fix-boxes", Vertical)
        step = step_fix(report) if report is not None else None
        self.query_one(".fix-empty", Static).update(safe.text(step.found) if step else "")
        self.query_one(".fix-advice", Static).update(advice(step.findings) if step and step.findings else "")
        fixes = (step.fixes + step.confirm) if step else ()
        if tuple(box.fix for box in holder.query(FixBox)) == fixes:
            return  # keep focus and selection while partial reports arrive
        holder.remove_children()
        if step is not None:
            holder.mount_all([FixBox(f, n) for n, f in enumerate(step.fixes, 1)] + [FixBox(c) for c in step.confirm])


class RawPane(Vertical):
    def compose(self) -> ComposeResult:
        yield Static(classes="pane-status")
        yield TextArea(read_only=True, soft_wrap=False, show_line_numbers=True, classes="raw")

    def refresh_report(self) -> None:
        from wizard.common.safe_text import decode

        app = self.app
        self.query_one(".pane-status", Static).update(safe.label("[b]The input exactly as given [/b][dim](control characters shown as \\x..)[/dim]"))
        submission = app.submission  # type: ignore[attr-defined]
        raw = submission.raw if submission else b""
        text = safe.clean(decode(raw)) if raw else safe.clean(f"domain {submission.domain} {' '.join(submission.selectors)}" if submission else "")
        area = self.query_one(TextArea)
        if area.text != text:
            area.load_text(text)
