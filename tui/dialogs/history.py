"""History (f4): this session's analyses, newest first; enter reopens one as it was, without
analysing again (Esc from an analysis goes back to Start and keeps it here)."""
from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Footer, OptionList, Static
from textual.widgets.option_list import Option

from tui import safe
from tui.widgets.truncate import ellipsize_start
from tui.widgets.verdict import OUTCOME_STYLE

if TYPE_CHECKING:
    from tui.app import Analysis


def entry(analysis: Analysis, *, on_view: bool) -> Content:
    """One line: when, the outcome badge, what was analysed, and where it stands."""
    if analysis.error:
        badge, style = " STOPPED ", OUTCOME_STYLE["fail"]
    elif analysis.verdict is None or not analysis.finished:
        badge, style = " CHECKING ", OUTCOME_STYLE["checking"]
    else:
        badge, style = f" {analysis.verdict.outcome.upper()} ", OUTCOME_STYLE[analysis.verdict.outcome]
    return safe.line((analysis.started.strftime("%H:%M "), "dim"), safe.text(badge, style), " ",
                     safe.text(ellipsize_start(safe.clean(analysis.submission.source, one_line=True), 48)),
                     ("  (on view)" if on_view else "", "dim"))


class HistoryDialog(ModalScreen["Analysis | None"]):
    BINDINGS: ClassVar = [Binding("escape,f4", "close", "Close", id="history.close")]

    def __init__(self, analyses: Sequence[Analysis], on_view: int) -> None:
        super().__init__()
        self._analyses = list(reversed(analyses))  # newest first
        self._on_view = on_view

    def compose(self) -> ComposeResult:
        with Vertical(id="history-box", classes="dialog"):
            yield Static(safe.label("[b]This session's analyses [/b][dim](enter reopens one as it was; "
                                    "nothing is analysed again)[/dim]"))
            yield OptionList(*(
                Option(entry(a, on_view=a.generation == self._on_view), id=str(n))
                for n, a in enumerate(self._analyses)
            ), id="history-list")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(self._analyses[int(event.option.id or 0)])

    def action_close(self) -> None:
        self.dismiss(None)
