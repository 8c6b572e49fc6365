"""The second paste: the message as the sender sent it, to compare with the received copy.

With it the engine diffs the two canonical bodies and says which copy matches bh=, so the
user sees exactly what changed on the way (issue "Body forensics")."""
from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Footer, Input, Label, TextArea

from tui import safe
from tui.screens.start import read_message_file


class OriginalDialog(ModalScreen["bytes | None"]):
    """Paste the original (ctrl+s) or type its path (enter); the bytes, or None on escape."""

    BINDINGS: ClassVar = [
        Binding("ctrl+s", "compare", "Compare", id="original.compare",
                tooltip="Analyse again, comparing with the pasted original"),
        Binding("escape", "dismiss_none", "Cancel", id="original.cancel"),
    ]

    def __init__(self, current: bytes | None = None) -> None:
        super().__init__()
        self._current = current

    def compose(self) -> ComposeResult:
        from wizard.common.safe_text import decode

        # The original given before, shown again (sanitized); unchanged, its exact bytes are kept.
        self._shown = safe.clean(decode(self._current)) if self._current else ""
        with Vertical(id="original-box", classes="dialog"):
            yield Label(safe.label(
                "[b]The message as sent [/b](from the sender's Sent folder): paste it whole, "
                "headers and body, then [b]ctrl+s[/b]. [dim]escape cancels[/dim]"))
            # A TextArea shows text, never markup (DESIGN.md rule 4).
            yield TextArea(self._shown, id="original-paste",
                           soft_wrap=False, tab_behavior="focus", show_line_numbers=False,
                           placeholder="Paste the original message here")
            yield Label(safe.label("[b]Or open a file [/b][dim](enter)[/dim]"))
            yield Input(id="original-file", placeholder="path/to/sent-copy.eml")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#original-paste", TextArea).focus()

    def action_compare(self) -> None:
        text = self.query_one("#original-paste", TextArea).text
        if self._current and text == self._shown:
            self.dismiss(self._current)
            return
        raw = text.encode("utf-8")
        if not raw.strip():
            safe.notify(self, "Paste the message as sent first, or type the path of its file.",
                        title="Nothing to compare", severity="warning")
            return
        self.dismiss(raw)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        raw = read_message_file(self, event.value.strip())
        if raw is not None:
            self.dismiss(raw)

    def action_dismiss_none(self) -> None:
        self.dismiss(None)
