"""The Sources pane of an aggregate report: what a person sees and does (issue 14): the
sources by failing volume, `o` re-sorts by class and by IP, the highlighted source's verdict
and fix below, and enter opens its verdict, evidence and fix whole, ready to copy."""
from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from textual.app import App, ComposeResult
from textual.widgets import DataTable, TextArea

from tui.dialogs.value import ValueDialog
from tui.widgets.panes.aggregate import AggregatePane
from wizard.model.request import AnalysisRequest
from wizard.pipeline.analyze import analyze

REPORT = Path(__file__).resolve().parents[1] / "data" / "aggregate" / "rfc7489-classes.xml"


class PaneApp(App):
    """The three things a pane reads of the app, and the pane."""

    def __init__(self, report) -> None:
        super().__init__()
        self.report, self.finished, self.error = report, True, None

    def compose(self) -> ComposeResult:
        yield AggregatePane()

    def on_mount(self) -> None:
        self.query_one(AggregatePane).refresh_report()


async def report():
    request = AnalysisRequest(raw=REPORT.read_bytes(), now=datetime(2025, 12, 3, tzinfo=UTC))
    return await analyze(request, resolvers=[])


def column(table: DataTable, index: int) -> list[str]:
    return [str(table.get_row_at(r)[index]) for r in range(table.row_count)]


async def test_sources_sort_and_drill_down():
    app = PaneApp(await report())
    async with app.run_test(size=(100, 40)) as pilot:
        table = app.query_one(DataTable)
        table.focus()
        assert column(table, 0)[:2] == ["10.77.1.10", "10.77.1.20"]  # by failing volume
        detail = str(app.query_one(".detail-body").render())
        assert "RUA-06" in detail and "Set up DKIM with d=rua.test at SendGrid" in detail
        await pilot.press("o")
        assert column(table, 4)[0] == "legitimate_unaligned" and column(table, 4)[-1] == "aligned"
        await pilot.press("o")
        assert column(table, 0)[0] == "10.77.1.10" and column(table, 0)[-1] == "10.88.0.2"  # by IP
        await pilot.press("o", "enter")
        await pilot.pause()
        assert isinstance(app.screen, ValueDialog)
        whole = app.screen.query_one(TextArea).text
        assert whole.startswith("FAIL: 10.77.1.10 (200 messages, DMARC fail)")
        assert "Evidence:" in whole and "DKIM d=sendgrid.net s=smtpapi: pass" in whole
