"""Inspect mode (expert): every part of the report in its own pane.

Panes are tabs so each gets the whole screen at 80×24; `a` lays them all out at once on a
big terminal. Digits jump to a pane; the bindings are listed in the palette and help.
"""
from __future__ import annotations

from dataclasses import replace
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Footer, Header, TabbedContent, TabPane

from tui.screens.result import ResultScreen
from tui.widgets.panes import PANES
from tui.widgets.verdict import VerdictBanner


class InspectScreen(ResultScreen):
    BINDINGS: ClassVar = [
        Binding("g", "guided", "Guided", id="inspect.guided", tooltip="Back to one question at a time"),
        ResultScreen.COPY,
        ResultScreen.SAVE,
        ResultScreen.START,
        # Not in the footer: at 80 columns it squeezes the help key; the Body pane names it.
        replace(ResultScreen.ORIGINAL, show=False),
        Binding("a", "all_panes", "All panes", id="inspect.all", show=False,
                tooltip="Show every pane at once (big terminals)"),
        Binding("]", "pane(1)", "Next pane", id="inspect.next_pane", show=False),
        Binding("[", "pane(-1)", "Previous pane", id="inspect.prev_pane", show=False),
        *(
            Binding(str(n % 10), f"show_pane('{key}')", f"{title} pane", id=f"inspect.pane.{key}", show=False)
            for n, (key, title, _) in enumerate(PANES, 1)
        ),
    ]

    def compose(self) -> ComposeResult:
        yield Header()
        yield VerdictBanner(id="verdict")
        with TabbedContent(id="panes"):
            for key, title, cls in PANES:
                with TabPane(title, id=f"pane-{key}"):
                    yield cls(id=f"{key}-pane", classes="pane")
        yield Footer()

    def refresh_report(self) -> None:
        self.query_one(VerdictBanner).show()
        for key, _, cls in PANES:
            self.query_one(f"#{key}-pane", cls).refresh_report()

    def action_show_pane(self, key: str) -> None:
        self.query_one(TabbedContent).active = f"pane-{key}"

    def action_pane(self, delta: int) -> None:
        tabs = self.query_one(TabbedContent)
        keys = [f"pane-{key}" for key, _, _ in PANES]
        tabs.active = keys[(keys.index(tabs.active) + delta) % len(keys)]

    def action_guided(self) -> None:
        self.app.show_guided()  # type: ignore[attr-defined]

    def action_all_panes(self) -> None:
        from tui.screens.all_panes import AllPanesScreen

        self.app.switch_screen(AllPanesScreen())
