"""Every inspect pane at once, for an expert on a big terminal (scrolls on a small one)."""
from __future__ import annotations

from dataclasses import replace
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Footer, Header, Static

from tui.screens.result import ResultScreen
from tui.widgets.panes import PANES
from tui.widgets.panes.base import status_line
from tui.widgets.verdict import VerdictBanner


class AllPanesScreen(ResultScreen):
    BINDINGS: ClassVar = [
        Binding("a", "tabs", "Tabs", id="all.tabs", tooltip="One pane at a time, as tabs"),
        Binding("g", "guided", "Guided", id="all.guided", tooltip="Back to one question at a time"),
        ResultScreen.COPY,
        ResultScreen.SAVE,
        ResultScreen.START,
        replace(ResultScreen.ORIGINAL, show=False),
    ]

    def compose(self) -> ComposeResult:
        yield Header()
        yield VerdictBanner(id="verdict")
        yield Static(id="all-status", classes="pane-status")
        with VerticalScroll(id="all-panes"):
            for key, title, cls in PANES:
                pane = cls(id=f"{key}-pane", classes="pane tile")
                pane.border_title = title
                yield pane
        yield Footer()

    def refresh_report(self) -> None:
        self.query_one(VerdictBanner).show()
        self.query_one("#all-status", Static).update(status_line(self.app))  # type: ignore[arg-type]
        for key, _, cls in PANES:
            self.query_one(f"#{key}-pane", cls).refresh_report()

    def scroll_target(self):
        return self.query_one("#all-panes")

    def action_tabs(self) -> None:
        self.app.show_inspect()  # type: ignore[attr-defined]

    def action_guided(self) -> None:
        self.app.show_guided()  # type: ignore[attr-defined]
