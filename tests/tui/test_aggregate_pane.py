"""The Sources pane of an aggregate report: what a person sees and does (issue 14): the
sources by failing volume, `o` re-sorts by class and by IP, the highlighted source's verdict
and fix below, and enter opens its verdict, evidence and fix whole, ready to copy."""
from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from textual.app import App, ComposeResult
from textual.widgets import DataTable, TextArea

from test_tmux import _cmd, tmux_session  # noqa: F401 (the fixture, for the test in a real terminal)
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


async def test_the_guided_walk_explains_the_report_at_80x24():
    import sys

    sys.path.insert(0, str(Path(__file__).parent))
    from tui_support import make_app, screen_text, settle

    async with make_app().run_test(size=(80, 24)) as pilot:
        pilot.app.analyse(AnalysisRequest(raw=REPORT.read_bytes(), source=REPORT.name,
                                          now=datetime(2025, 12, 3, tzinfo=UTC)))
        await settle(pilot)
        text = " ".join(screen_text(pilot.app).split())
        assert "Step 1 of 7" in text and "What is this report?" in text
        assert "965 messages from 8 source IPs" in text
        await pilot.press("right")
        await pilot.pause()
        text = " ".join(screen_text(pilot.app).split())
        assert "Who fails, and how much?" in text and "425 of 965 messages failed DMARC" in text
        await pilot.press("right", "right", "right")
        await pilot.pause()
        text = " ".join(screen_text(pilot.app).split())
        assert "Step 7 of 7" in text and "The fix" in text
        assert "For the administrator of rua.test's account at SendGrid: Set up DKIM" in text  # the box to copy


ZONES = [Path(__file__).resolve().parents[1] / "zones" / name for name in (
    "rua.test.zone", "sendgrid.net.zone", "1.77.10.in-addr.arpa.zone", "2.77.10.in-addr.arpa.zone")]


async def test_at_80x24_the_sources_fit_cut_names_end_in_an_ellipsis_and_o_sorts():
    import sys

    sys.path.insert(0, str(Path(__file__).parent))
    from tui_support import make_app, screen_text, settle
    from wizard.dns import ZoneFileResolver

    async with make_app(resolvers=[ZoneFileResolver([str(z) for z in ZONES])]).run_test(size=(80, 24)) as pilot:
        pilot.app.analyse(AnalysisRequest(raw=REPORT.read_bytes(), source=REPORT.name,
                                          now=datetime(2025, 12, 3, tzinfo=UTC)))
        await settle(pilot)
        await pilot.press("i")  # an aggregate report opens on its Sources pane
        await pilot.pause()
        table = pilot.app.screen.query_one(AggregatePane).query_one(DataTable)
        assert pilot.app.focused is table  # so `o` sorts here, not the screen's "original"
        text = screen_text(pilot.app)
        assert "Sorted by failing volume · o sorts by class, IP · enter the whole source" in text
        forwarder = next(r for r in range(table.row_count) if str(table.get_row_at(r)[0]) == "10.77.2.5")
        assert str(table.get_row_at(forwarder)[1]) == "mail-forward5.forwarder.…"  # cut, and says so
        assert "legitimate_unaligned" in text and "mail-forward5.forwarder.…" in text  # nothing cut unmarked
        await pilot.press("o")
        await pilot.pause()
        assert "Sorted by class · o sorts by failing volume, IP" in screen_text(pilot.app)
        table.move_cursor(row=next(r for r in range(table.row_count) if str(table.get_row_at(r)[0]) == "10.77.2.5"))
        await pilot.press("enter")
        await pilot.pause()
        whole = pilot.app.screen.query_one(TextArea).text
        assert "10.77.2.5 (mail-forward5.forwarder.example): 40 messages" in whole  # the name whole


@pytest.mark.tmux
def test_sources_in_a_real_terminal_at_80x24(tmux_session):  # noqa: F811 (the fixture imported above)
    term = tmux_session(_cmd(*[a for z in ZONES for a in ("--zone", str(z))], "--now", "2025-12-03T00:00:00+00:00",
                             str(REPORT)))
    term.wait_for("What is this report?")
    term.wait_for("Done.")
    term.keys("i")  # an aggregate report opens on its Sources pane
    screen = term.wait_for("Sorted by failing volume")
    assert "10.77.1.10  o1.ptr10.sendgrid.net" in screen and "legitimate_unaligned" in screen
    assert "mail-forward5.forwarder.…" in screen
    term.keys("o")
    term.wait_for("Sorted by class ·")
    term.keys("Enter")
    term.wait_for("Source 10.77.1.10")
    term.wait_for("Root cause: RUA-06")
    term.wait_for("c Copy")
    term.keys("C-q")
