"""Sweep: the groups of `mailtriage sweep` filling in live, and the way down from a group to
its messages to one message's guided walk (the app's own analysis of that file).

The sweep runs in a worker thread (wizard.sweep: the process pool and the shared DNS cache)
and hands each result to the screen on the app's thread. Unlike the command line, the
screen keeps every message's path per group: drilling down needs them, and a sweep a person
reads in a terminal is one they can scroll.
"""
from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Static

from tui import app as app_module
from tui import safe
from tui.app import MailTriageApp
from wizard.dns.types import Resolver
from wizard.model.request import AnalysisRequest
from wizard.sweep.groups import GroupKey, Groups, Result
from wizard.sweep.walk import Unreadable

_COLUMNS = ("count", "outcome", "root cause", "signing domain", "From domain", "source")


class SweepScreen(Screen[None]):
    BINDINGS: ClassVar = [Binding("enter", "open", "Messages", show=True)]

    def __init__(self, template: AnalysisRequest, chosen: Sequence[Resolver], paths: Sequence[str],
                 *, jobs: int | None = None) -> None:
        super().__init__()
        self.template = template
        self.chosen = list(chosen)
        self.paths = list(paths)
        self.jobs = jobs
        self.groups = Groups()
        self.members: dict[GroupKey, list[Result]] = {}
        self._rows: dict[GroupKey, str] = {}  # the table's row key of each group
        self.unreadable: list[Unreadable] = []
        self.finished = False

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(safe.text("Sweeping…"), id="sweep-status")
        yield DataTable(id="sweep-groups", cursor_type="row", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        for name in _COLUMNS:
            table.add_column(name, key=name)
        self.run_worker(self._sweep, thread=True, exclusive=True, group="sweep")

    def _sweep(self) -> None:
        from wizard.sweep import Sweep
        from wizard.sweep.walk import walk

        with Sweep(self.template, self.chosen, jobs=self.jobs) as sweep:
            for outcome in sweep.results(walk(self.paths)):
                self.app.call_from_thread(self.add, outcome)
        self.app.call_from_thread(self._done)

    def add(self, outcome: Result | Unreadable) -> None:
        """One result in: its group's row is added or its count raised, largest first."""
        if isinstance(outcome, Unreadable):
            self.unreadable.append(outcome)
            self._status()
            return
        group = self.groups.add(outcome)
        key: GroupKey = (group.outcome, group.root_cause, group.signing_domain,
                         group.from_domain, group.source)
        self.members.setdefault(key, []).append(outcome)
        table = self.query_one(DataTable)
        row = self._rows.get(key)
        if row is not None:
            table.update_cell(row, "count", group.count)
        else:
            row = self._rows[key] = str(len(self._rows))
            table.add_row(group.count, *(safe.cell(v or "-") for v in key), key=row)
        table.sort("count", reverse=True)
        self._status()

    def _done(self) -> None:
        self.finished = True
        self._status()

    def _status(self) -> None:
        state = "done" if self.finished else "sweeping…"
        words = (f"{self.groups.messages} messages in {len(self.members)} groups, "
                 f"{len(self.unreadable)} unreadable ({state}). Enter opens a group.")
        self.query_one("#sweep-status", Static).update(safe.text(words))

    def action_open(self) -> None:
        table = self.query_one(DataTable)
        if not table.rows:
            return
        row = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        key = next(k for k, r in self._rows.items() if r == row)
        self.app.push_screen(GroupScreen(self.members[key]))

    def on_data_table_row_selected(self, _event: DataTable.RowSelected) -> None:
        self.action_open()


class GroupScreen(Screen[None]):
    """One group's messages; Enter analyses one in the app's guided walk."""

    BINDINGS: ClassVar = [Binding("escape", "app.pop_screen", "Groups"),
                          Binding("enter", "open", "Open", show=True)]

    def __init__(self, members: Sequence[Result]) -> None:
        super().__init__()
        self.members = list(members)

    def compose(self) -> ComposeResult:
        yield Header()
        first = self.members[0]
        yield Static(safe.line(("Group: ", "bold"), first.outcome, " · ", first.root_cause or "no root cause",
                               f" · {len(self.members)} messages"), id="group-title")
        yield DataTable(id="group-messages", cursor_type="row", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("path", "Date")
        for number, member in enumerate(self.members):
            table.add_row(safe.cell(member.path), safe.cell(member.date or "-"), key=str(number))

    def action_open(self) -> None:
        from wizard.sweep.walk import read_path

        table = self.query_one(DataTable)
        if not table.rows:
            return
        member = self.members[table.cursor_row]
        try:
            raw = read_path(member.path)
        except OSError as exc:
            safe.notify(self, f"{member.path}: {exc.strerror or exc}", title="Cannot open", severity="error")
            return
        app = self.app
        assert isinstance(app, MailTriageApp)
        app.analyse(AnalysisRequest(source=member.path, raw=raw))

    def on_data_table_row_selected(self, _event: DataTable.RowSelected) -> None:
        self.action_open()


class SweepApp(MailTriageApp):
    """The app opened on a sweep (`mailtriage sweep PATH` in a terminal): the start screen
    stays underneath, so Escape from a message's walk comes back to its group."""

    # Textual reads CSS_PATH beside the class's own module: point it at the app's.
    CSS_PATH = str(Path(app_module.__file__).with_name("app.tcss"))

    def __init__(self, sweep: SweepScreen, **kwargs) -> None:
        super().__init__(**kwargs)
        self._sweep_screen = sweep

    def on_mount(self) -> None:
        super().on_mount()
        self.push_screen(self._sweep_screen)
