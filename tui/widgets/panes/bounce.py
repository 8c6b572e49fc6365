"""The Bounce pane: what the receiver said — the bounce, Authentication-Results and ARC."""
from __future__ import annotations

from typing import Any

from textual.content import Content

from tui import safe
from tui.widgets.panes.base import VALUE_LIMIT, VERDICT_STYLE, Pane


def data_view(obj: Any, *, indent: int = 0) -> Content:
    """Any report part (frozen dataclasses, via the engine's own JSON mapping) as indented
    `field: value` lines. Used where a part has many fields and no table fits better."""
    from wizard.output.json import to_data

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
                          safe.label("  [b]stage [/b]"), bounce.stage or "?",
                          safe.label("  [b]provider [/b]"), bounce.provider or "?"),
            ]
            if bounce.explanation is not None:
                parts.append(safe.text(bounce.explanation.plain))
                parts += [safe.line("  • ", c) for c in bounce.explanation.causes]
            parts += _recipient_lines(bounce)
            if bounce.reply_text:
                parts += [safe.label("[b]The receiver said[/b]"), safe.text(bounce.reply_text, "italic")]
            total = 1 + len(bounce.more_notifications)
            for n, more in enumerate(bounce.more_notifications, 2):
                # DSN-21: each further notification of the file on its own, never merged.
                more_code = f"{more.reply_code or ''} {more.status or ''}".strip() or "no code"
                parts += [safe.line(safe.label(f"[b reverse] Notification {n} of {total} [/]  "),
                                    (more.layout, "dim")),
                          safe.line(safe.label("[b]Code [/b]"), (more_code, "bold"),
                                    safe.label("  [b]kind [/b]"), more.kind,
                                    safe.label("  [b]recipients [/b]"),
                                    safe.text(", ".join(more.recipients) or "?", one_line=True, limit=50)),
                          *_recipient_lines(more)]
                if more.reply_text:
                    parts.append(safe.text(more.reply_text, "italic", one_line=True, limit=VALUE_LIMIT))
            parts += [safe.label("[b]All fields[/b]"), data_view(bounce, indent=1)]
        if report is not None and report.auth_results is not None and (
                report.auth_results.fields or report.auth_results.received_spf or report.auth_results.original):
            parts += [safe.label("[b reverse] Authentication-Results [/]"), *_auth_results_lines(report.auth_results)]
        if report is not None and report.arc is not None and report.arc.instances:
            parts += [safe.label("[b reverse] ARC [/]"), *_arc_lines(report.arc)]
        self.body().update(Content("\n").join(parts) if parts else
                           safe.label("[dim]No bounce and no Authentication-Results in this input.[/dim]"))


def _recipient_lines(bounce) -> list[Content]:
    """One line per recipient when there are several (DSN-22) or one whose Final-Recipient
    named no mailbox (DSN-19): address, its own code and kind, cut to fit 80 columns; a
    program, file or route target on the line below."""
    rows = bounce.per_recipient
    if len(rows) < 2 and not any(r.recipient_raw for r in rows):
        return []
    out = [safe.label(f"[b]Recipients[/b] [dim]({len(rows)}, each with its own status)[/dim]")]
    for r in rows:
        code = f"{r.reply_code or ''} {r.status or ''}".strip() or "no code"
        note = " (inferred from the Subject)" if r.enhanced_from == "subject" else ""
        out.append(safe.line("  ", safe.text(r.recipient or "(not recovered)", "bold", one_line=True, limit=44),
                             "  ", (code, "bold"), f"  {r.kind}", (note, "italic")))
        if r.recipient_raw:
            out.append(safe.line("    ", (f"Final-Recipient ({r.recipient_target}): ", "dim"),
                                 safe.text(r.recipient_raw, one_line=True, limit=48)))
        if r.recipient_from:
            out.append(safe.line("    ", (f"named by {r.recipient_from}", "dim")))
    return out


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
            out.append(safe.line((f"  i={inst.instance} ", "bold"),
                                 f"sealer d={inst.seal_d} s={inst.seal_s}  cv={inst.cv}  ",
                                 "seal ", (inst.seal, VERDICT_STYLE.get(inst.seal, "")),
                                 "  AMS body ",
                                 (inst.ams_body_hash.result, VERDICT_STYLE.get(inst.ams_body_hash.result, "")),
                                 " headers ",
                                 (inst.ams_header_signature, VERDICT_STYLE.get(inst.ams_header_signature, ""))))
            if inst.aar_summary:
                out.append(safe.line(("      saw: ", "dim"), inst.aar_summary))
    else:
        for inst in arc.instances:
            out.append(safe.line((f"  i={inst.i} ", "bold"), f"cv={inst.cv or '?'}  ", (inst.summary(), "")))
    return out
