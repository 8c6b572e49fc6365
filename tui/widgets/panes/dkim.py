"""The DKIM pane: every tag of every DKIM-Signature, with its verdict and meaning."""
from __future__ import annotations

from textual.content import Content

from tui import safe
from tui.dialogs.value import WholeValueOnEnter
from tui.widgets.panes.base import VERDICT_STYLE, TablePane, inner
from tui.widgets.truncate import fit_table

# What the verification says about the two tags it checks: bh= against the body, b= against
# the signed headers. A well-formed bh= whose hash did not match is not "ok".
VERIFIED = {"bh": lambda v: v.body_hash.result, "b": lambda v: v.header_signature}
VERIFIED_NOTE = {
    ("bh", "fail"): "The body's hash differs from bh=: the body changed after signing (the Body pane shows how).",
    ("b", "fail"): "The signature does not verify over the signed header fields (the Verify pane says why).",
}


def tag_verdict(sig, tag) -> str:
    """The verdict shown for `tag`: the verification's result for bh= and b= once it is
    known (pass or fail), the tag checks' own verdict otherwise."""
    verified = VERIFIED[tag.name](sig.verdict) if tag.name in VERIFIED and sig.verdict is not None else ""
    return verified if verified in ("pass", "fail") else str(tag.verdict)


class DkimPane(WholeValueOnEnter, TablePane):
    columns = ("sig", "tag", "verdict", "value", "meaning")
    # At 80 columns the meaning gives way first (the detail below has it whole), then the
    # value (enter shows it whole).
    GIVE_WAY = ((4, 24), (3, 16), (4, 12))

    def rows(self):
        report = inner(self.state)
        cells, items = [], []
        for n, sig in enumerate(report.signatures if report else (), 1):
            for tag in sig.decoded.tags:
                verdict = tag_verdict(sig, tag)
                cells.append([(str(n), ""), (safe.clean(tag.name, one_line=True), "bold"),
                              (verdict, VERDICT_STYLE.get(verdict, "")),
                              (safe.clean(tag.value, one_line=True), ""), (safe.clean(tag.meaning, one_line=True), "")])
                items.append((sig, tag))
        # The pane's width less the table's vertical scrollbar (2), counted before it shows.
        fitted = fit_table(self.columns, cells, (self.size.width or self.app.size.width) - 2, self.GIVE_WAY)
        return list(zip(fitted, items, strict=True))

    def on_resize(self) -> None:
        self.refresh_report()

    def whole_value(self, item) -> tuple[str, str]:
        sig, tag = item
        return f"{tag.name}= of signature d={sig.d or '?'} s={sig.s or '?'}", tag.value

    def empty(self) -> Content:
        return safe.label("[dim]No DKIM-Signature in this input.[/dim]")

    def detail(self, item) -> Content:
        sig, tag = item
        verdict = tag_verdict(sig, tag)
        parts = [
            safe.line(safe.label("[b]Signature [/b]"), (f"d={sig.d or '?'} s={sig.s or '?'}  ", ""),
                      (f"{sig.result}  ", "bold"), sig.reason),
            safe.line(safe.label("[b]Tag [/b]"), (tag.name, "bold"), safe.label("  [b]verdict [/b]"),
                      (verdict, VERDICT_STYLE.get(verdict, "")), safe.label("  [dim]enter: the whole value[/dim]")),
            safe.label("[b]Value[/b]"),
            safe.text(tag.value),
            safe.label("[b]Meaning[/b]"),
            safe.text(tag.meaning),
        ]
        verified_note = VERIFIED_NOTE.get((tag.name, verdict), "")
        for note in (verified_note, tag.note):
            if note:
                parts += [safe.label("[b]Note[/b]"), safe.text(note)]
        return Content("\n").join(parts)
