"""The Verify pane: body hash, header signature and key of each signature."""
from __future__ import annotations

from textual.content import Content

from tui import safe
from tui.widgets.panes.base import SEVERITY_STYLE, VALUE_LIMIT, VERDICT_STYLE, Pane, inner


def _field(name: str, *parts: Content | tuple[object, str] | object) -> Content:
    """One `name  value` line of a pane, the names padded to one column."""
    return safe.line((f"  {name:<18}", "bold"), *parts)


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
