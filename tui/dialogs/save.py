"""Save: ask where; the extension chooses what is written."""
from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Footer, Input, Static

from tui import safe
from tui.widgets.path_suggester import PathSuggester


class SaveDialog(ModalScreen["str | None"]):
    """Ask for a path; the extension chooses what is written."""

    BINDINGS: ClassVar = [Binding("escape", "dismiss_none", "Cancel", id="save.cancel")]

    def __init__(self, default: str, formats: dict[str, str]) -> None:
        super().__init__()
        self._default = default
        self._formats = formats

    def compose(self) -> ComposeResult:
        with Vertical(id="save-box", classes="dialog"):
            yield Static(safe.label("[b]Save to [/b][dim](enter saves, escape cancels; an existing file is "
                                    "never overwritten)[/dim]"))
            yield Input(self._default, id="save-path", suggester=PathSuggester())
            yield Static(Content("\n").join(
                safe.line((f"  {ext:<6}", "bold"), what) for ext, what in self._formats.items()
            ))
        yield Footer()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        value = event.value.strip()
        self.dismiss(value or None)

    def action_dismiss_none(self) -> None:
        self.dismiss(None)
