"""What every inspect pane shares: the status line, the styles, and the two base panes.

Every value shown comes from the Report and goes through tui.safe (DESIGN.md rule 4).
Panes re-render whole on every partial report: reports are small and a full redraw is
simpler than diffing, and the table cursor is kept so the user does not lose their place.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.widgets import DataTable, Static

from tui import safe

if TYPE_CHECKING:
    from tui.app import MailTriageApp

SEVERITY_STYLE = {
    "critical": "bold $error",
    "error": "$error",
    "warn": "$warning",
    "info": "$text-muted",
}
# Values in the field lists are cut here; the DNS, DKIM and Raw panes show them whole.
VALUE_LIMIT = 400
VERDICT_STYLE = {"ok": "green", "pass": "green", "warn": "yellow", "error": "red", "fail": "red"}


# The engine's pending stages, as a person would name them.
STAGE_WORDS = {"dns": "DNS lookups", "spf": "SPF", "dmarc": "DMARC", "forensics": "what changed in transit"}
# The engine's resolver labels that are not addresses, in words.
RESOLVER_WORDS = {"zone": "the zone files (offline)", "system": "the system resolver"}


def inner(app: MailTriageApp):
    """The report about the message: a DSN's returned message when there is one."""
    from wizard.guide.tree import message_report

    return message_report(app.report) if app.report is not None else None


def status_line(app: MailTriageApp) -> Content:
    """Where the analysis is: pending stages, done, or stopped (and why)."""
    if app.error:
        return safe.line(safe.label("[b $error]Stopped: [/]"), (app.error, ""))
    report = app.report
    if report is None:
        return safe.label("[b]Analysing… [/b]reading the input")
    if not app.finished:
        pending = ", ".join(STAGE_WORDS.get(stage, stage) for stage in report.pending) or "checks"
        return safe.line(safe.label("[b]Analysing… [/b]still waiting for: "), (pending, "italic"))
    if not report.resolvers:
        return safe.label("[b]Done. [/b]No DNS lookups were needed.")
    resolvers = ", ".join(RESOLVER_WORDS.get(r, r) for r in report.resolvers)
    return safe.line(safe.label("[b]Done. [/b]DNS asked: "), (resolvers, ""))


class Pane(VerticalScroll):
    """Base: a scrolling pane with a status line, re-rendered by `refresh_report`."""

    def compose(self) -> ComposeResult:
        yield Static(classes="pane-status")
        yield from self.compose_body()

    def compose_body(self) -> ComposeResult:
        yield Static(classes="pane-body")

    @property
    def state(self) -> MailTriageApp:
        return self.app  # type: ignore[return-value]

    def refresh_report(self) -> None:
        self.query_one(".pane-status", Static).update(status_line(self.state))
        self.render_report()

    def render_report(self) -> None:
        raise NotImplementedError

    def body(self) -> Static:
        return self.query_one(".pane-body", Static)


class TablePane(Vertical):
    """A DataTable with the selected row's full explanation below it."""

    columns: ClassVar[tuple[str, ...]] = ()

    def compose(self) -> ComposeResult:
        yield Static(classes="pane-status")
        yield DataTable(cursor_type="row", zebra_stripes=True)
        with VerticalScroll(classes="detail"):
            yield Static(classes="detail-body")

    def on_mount(self) -> None:
        self.query_one(DataTable).add_columns(*self.columns)

    @property
    def state(self) -> MailTriageApp:
        return self.app  # type: ignore[return-value]

    def rows(self) -> list[tuple[tuple, object]]:
        """(cells, item) per row; `item` is passed to `detail` when the row is selected."""
        raise NotImplementedError

    def detail(self, item: object) -> Content:
        raise NotImplementedError

    def empty(self) -> Content:
        return safe.label("[dim]Nothing here for this input.[/dim]")

    def refresh_report(self) -> None:
        self.query_one(".pane-status", Static).update(status_line(self.state))
        table = self.query_one(DataTable)
        row = table.cursor_row
        table.clear()
        self._items = []
        for cells, item in self.rows():
            table.add_row(*cells)
            self._items.append(item)
        if self._items:
            table.move_cursor(row=min(row, len(self._items) - 1))
            self._show(table.cursor_row)
        else:
            self.query_one(".detail-body", Static).update(self.empty())

    @property
    def items(self) -> list:
        """The item of each row, top to bottom, as `rows` gave them."""
        return getattr(self, "_items", [])

    def current(self) -> object | None:
        """The item of the row under the cursor (None when the table is empty)."""
        row = self.query_one(DataTable).cursor_row
        return self.items[row] if 0 <= row < len(self.items) else None

    def rows_where(self, test) -> list[int]:
        """The rows whose item passes `test`, top to bottom."""
        return [row for row, item in enumerate(self.items) if test(item)]

    def select_row(self, row: int) -> None:
        """Put the cursor on `row` (its detail shows below) and scroll it into view."""
        self.query_one(DataTable).move_cursor(row=row, scroll=True)

    def _show(self, row: int) -> None:
        if 0 <= row < len(getattr(self, "_items", ())):
            self.query_one(".detail-body", Static).update(self.detail(self._items[row]))

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        event.stop()
        self._show(event.cursor_row)
