"""One value whole: what a table row or a cut cell holds, all of it, ready to copy.

Table cells are cut to the screen with "…"; enter on a row opens this dialog with the full
value (a DKIM key record, a long SPF record), sanitized like everything else (tui.safe), in
a read-only text box that wraps it, so it can be read, selected by hand, or copied with `c`.
"""
from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Footer, Static, TextArea

from tui import safe


class ValueDialog(ModalScreen[None]):
    """`value` (untrusted text) whole, under `title`; escape or enter closes, `c` copies."""

    # A fixed share of the screen: a TextArea's auto height counts lines, not wrapped rows, so
    # one 400-character record would show as a single cut row.
    DEFAULT_CSS = """
    ValueDialog #value-box { width: 90%; max-width: 120; height: 80%; }
    ValueDialog #value-text { height: 1fr; }
    """
    BINDINGS: ClassVar = [
        Binding("escape,enter,q", "close", "Close", id="value.close"),
        Binding("c", "copy", "Copy", id="value.copy", tooltip="Copy the whole value"),
    ]

    def __init__(self, title: str, value: str) -> None:
        super().__init__()
        self._title = title
        self._value = safe.clean(value)

    def compose(self) -> ComposeResult:
        from wizard.output.words import plural

        with Vertical(id="value-box", classes="dialog"):
            yield Static(safe.line((self._title, "bold"), (f"  {plural(len(self._value), 'character')}", "dim")))
            yield TextArea(self._value, id="value-text", read_only=True, soft_wrap=True, show_line_numbers=False)
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(TextArea).focus()

    def action_close(self) -> None:
        self.dismiss(None)

    def action_copy(self) -> None:
        from tui.clipboard import copy

        copy(self.app, self._value, what="value")  # type: ignore[arg-type]


class WholeValueOnEnter:
    """For a TablePane: enter on a row opens its whole value (`whole_value(item)` gives the
    title and the text), since its cells are cut to fit the screen."""

    _items: list

    def whole_value(self, item) -> tuple[str, str]:
        raise NotImplementedError

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self._open(event.cursor_row)

    def action_whole_value(self) -> None:
        """The highlighted row's whole value (for a screen's key while the table lacks focus)."""
        self._open(self.query_one(DataTable).cursor_row)  # type: ignore[attr-defined]

    def _open(self, row: int) -> None:
        if 0 <= row < len(getattr(self, "_items", ())):
            title, value = self.whole_value(self._items[row])
            self.app.push_screen(ValueDialog(title, value))  # type: ignore[attr-defined]
