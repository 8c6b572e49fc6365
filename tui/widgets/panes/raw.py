"""The Raw pane: the input exactly as given."""
from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static, TextArea

from tui import safe


class RawPane(Vertical):
    def compose(self) -> ComposeResult:
        yield Static(classes="pane-status")
        yield TextArea(read_only=True, soft_wrap=False, show_line_numbers=True, classes="raw")

    def refresh_report(self) -> None:
        from wizard.common.safe_text import decode

        app = self.app
        self.query_one(".pane-status", Static).update(safe.label(
            "[b]The input exactly as given [/b][dim](control characters shown as \\x..)[/dim]"))
        submission = app.submission  # type: ignore[attr-defined]
        raw = submission.raw if submission else b""
        text = safe.clean(decode(raw)) if raw else safe.clean(
            f"domain {submission.domain} {' '.join(submission.selectors)}" if submission else "")
        area = self.query_one(TextArea)
        if area.text != text:
            area.load_text(text)
