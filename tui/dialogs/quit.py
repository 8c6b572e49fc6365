"""Quit with a paste not saved: save it first, quit anyway, or stay."""
from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Footer, Static

from tui import safe


class QuitDialog(ModalScreen["str | None"]):
    """Quitting with a paste not saved: "save", "quit" anyway, or None (stay)."""

    BINDINGS: ClassVar = [
        Binding("s", "choose('save')", "Save first", id="quit.save"),
        Binding("q", "choose('quit')", "Quit anyway", id="quit.quit"),
        Binding("escape", "choose(None)", "Stay", id="quit.stay"),
    ]

    def __init__(self, raw: bytes) -> None:
        super().__init__()
        # Any line break counts once: CRLF, LF or a paste's bare CR.
        self._lines = len(raw.splitlines())

    def compose(self) -> ComposeResult:
        from wizard.output.words import plural

        with Vertical(id="quit-box", classes="dialog"):
            yield Static(safe.line(
                safe.label("[b]Quit without saving the paste? [/b]"),
                f"The text you pasted ({plural(self._lines, 'line')}) is not saved anywhere; "
                "quitting now loses it.",
            ))
            with Horizontal(id="quit-buttons"):
                yield Button("Save as .eml (s)", id="save", variant="primary")
                yield Button("Quit anyway (q)", id="quit", variant="error")
                yield Button("Stay (esc)", id="stay")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#save", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(None if event.button.id == "stay" else event.button.id)

    def action_choose(self, answer: str | None) -> None:
        self.dismiss(answer)
