"""Resolvers (ctrl+r): which DNS servers the lookups ask."""
from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Footer, Input, Static

from tui import safe


class ResolverDialog(ModalScreen["tuple[str, ...] | None"]):
    """Which DNS servers to ask; empty means the system resolver."""

    BINDINGS: ClassVar = [Binding("escape", "dismiss_none", "Cancel", id="resolvers.cancel")]

    def __init__(self, current: tuple[str, ...]) -> None:
        super().__init__()
        self._current = current

    def compose(self) -> ComposeResult:
        with Vertical(id="resolver-box", classes="dialog"):
            yield Static(safe.label("[b]Ask these DNS servers [/b][dim](IP[:PORT] or system, separated by "
                                    "spaces; empty = system resolver)[/dim]"))
            yield Input(" ".join(self._current), id="resolver-specs", placeholder="1.1.1.1 8.8.8.8 [::1]:5353")
            yield Static(id="resolver-error")
        yield Footer()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        from wizard.dns import parse_spec

        event.stop()
        specs = tuple(event.value.replace(",", " ").split())
        try:
            for spec in specs:
                if spec.lower() != "system":  # "system" compares the system resolver too
                    parse_spec(spec)
        except ValueError as exc:
            self.query_one("#resolver-error", Static).update(safe.text(str(exc), "$error"))
            return
        self.dismiss(specs)

    def action_dismiss_none(self) -> None:
        self.dismiss(None)
