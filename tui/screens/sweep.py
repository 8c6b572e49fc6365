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
from tui.widgets.truncate import ellipsize_start, fit_table
from wizard.dns.types import Resolver
from wizard.model.request import AnalysisRequest
from wizard.output.words import plural
from wizard.sweep.groups import Group, GroupKey, Groups, Result
from wizard.sweep.render import cause_title
from wizard.sweep.walk import Unreadable

_COLUMNS = ("count", "outcome", "root cause", "signing domain", "From domain", "source")
# Which columns narrow first when the table is wider than the screen, and to how little:
# the source (an ESP name or an IP), then the domains; the group screen shows them whole.
_GIVE_WAY = ((5, 11), (3, 11), (4, 11))
_DATE_WIDTH = 25  # "2026-11-23T10:00:00+00:00"


def _key_of(group: Group | Result) -> GroupKey:
    return (group.outcome, group.root_cause, group.signing_domain, group.from_domain, group.source)


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
        self._rows: list[GroupKey] = []  # the groups in the table's order (row key: index)
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
        self.groups.add(outcome)
        self.members.setdefault(_key_of(outcome), []).append(outcome)
        self._fill()
        self._status()

    def on_resize(self) -> None:
        self._fill()

    def _fill(self) -> None:
        """The table again, in `sweep`'s own order (largest first, ties by the key) and cut
        to the screen's width with "…" (a DataTable would scroll past the edge unmarked).
        A cursor moved down to a group stays on that group as others overtake it; on the
        top row it stays there, on the largest. A sweep has few groups, so this is cheap."""
        table = self.query_one(DataTable)
        chosen = self._rows[table.cursor_row] if table.cursor_row > 0 and table.row_count else None
        groups = self.groups.ordered()
        self._rows = [_key_of(g) for g in groups]
        cells = [[(str(g.count), ""), *((safe.clean(v or "-", one_line=True), "") for v in _key_of(g))]
                 for g in groups]
        width = (self.size.width or self.app.size.width) - 2  # the scroll bar's room
        table.clear()
        for number, row in enumerate(fit_table(_COLUMNS, cells, width, _GIVE_WAY)):
            table.add_row(*row, key=str(number))
        if chosen is not None:
            table.move_cursor(row=self._rows.index(chosen), animate=False)

    def _done(self) -> None:
        self.finished = True
        self._status()

    def _status(self) -> None:
        state = "done" if self.finished else "sweeping…"
        words = (f"{plural(self.groups.messages, 'message')} in "
                 f"{plural(len(self.members), 'group')}, {len(self.unreadable)} unreadable "
                 f"({state}). Enter opens a group.")
        self.query_one("#sweep-status", Static).update(safe.text(words))

    def action_open(self) -> None:
        table = self.query_one(DataTable)
        if not table.rows:
            return
        self.app.push_screen(GroupScreen(self.members[self._rows[table.cursor_row]]))

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
        cause = (f"{first.root_cause} {cause_title(first.root_cause)}".strip()
                 if first.root_cause else "no root cause")
        yield Static(safe.line(("Group: ", "bold"), first.outcome, " · ", cause, " · ",
                               plural(len(self.members), "message")), id="group-title")
        # Whole here: the groups table may have cut these to fit.
        where = (f"signed by {first.signing_domain or '-'} · From {first.from_domain or '-'} · "
                 f"source {first.source or '-'}")
        yield Static(safe.text(where, one_line=True), id="group-where")
        yield DataTable(id="group-messages", cursor_type="row", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("path", "Date")
        # A path is cut at its start: the file name at its end is what tells messages apart.
        room = max((self.size.width or self.app.size.width) - _DATE_WIDTH - 6, 10)
        for number, member in enumerate(self.members):
            path = ellipsize_start(safe.clean(member.path, one_line=True), room)
            table.add_row(safe.cell(path), safe.cell(member.date or "-"), key=str(number))

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
        from multiprocessing import resource_tracker

        super().__init__(**kwargs)
        self._sweep_screen = sweep
        # The process pool's first spawn starts multiprocessing's resource tracker and hands
        # it sys.stderr's descriptor; in the running app sys.stderr is Textual's capture,
        # whose fileno() is -1, and the spawn fails ("bad value(s) in fds_to_keep").
        # Started now, before the app runs, the tracker gets the real one.
        resource_tracker.ensure_running()

    def on_mount(self) -> None:
        super().on_mount()
        self.push_screen(self._sweep_screen)
