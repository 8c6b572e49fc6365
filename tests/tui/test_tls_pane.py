"""The TLS pane (issue 15): what a person sees and does. A TLS report: each failed row by MX
and result type with the diagnosis it means, the policy's verdict, fix and checks below, and
enter opens it whole to copy. A TLS bounce: the cause, who must act, the checks to run. It is
registered after Sources, reached with ] from there."""
from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from pathlib import Path

from textual.app import App, ComposeResult
from textual.widgets import DataTable, TextArea

from tui.dialogs.value import ValueDialog
from tui.widgets.panes import PANES
from tui.widgets.panes.tls import TlsPane
from wizard.model.request import AnalysisRequest
from wizard.pipeline.analyze import analyze
from wizard.verdict import judge

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "wizard" / "tls"))
from test_tls_report import RFC8460  # the RFC's example report, kept in one place

POSTFIX_LOG = (b"Dec  2 10:00:00 mx postfix/smtp[123]: 4F1A2B3C: to=<bob@example.net>, "
               b"relay=mx.example.net[192.0.2.1]:25, dsn=4.7.5, status=deferred (no TLSA records found)\n")


class PaneApp(App):
    """What a pane reads of the app (the report, its verdict, the state), and the pane."""

    def __init__(self, report) -> None:
        super().__init__()
        self.report, self.verdict, self.finished, self.error = report, judge(report), True, None

    def compose(self) -> ComposeResult:
        yield TlsPane()

    def on_mount(self) -> None:
        self.query_one(TlsPane).refresh_report()


async def report_of(raw: bytes):
    request = AnalysisRequest(raw=raw, now=datetime(2026, 12, 3, tzinfo=UTC), offline=True)
    return await analyze(request, resolvers=[])


def column(table: DataTable, index: int) -> list[str]:
    return [str(table.get_row_at(r)[index]) for r in range(table.row_count)]


def detail(app: App) -> str:
    return str(app.query_one(".detail-body").render())


def test_the_pane_comes_after_sources():
    keys = [key for key, _, _ in PANES]
    assert keys.index("tls") == keys.index("sources") + 1


async def test_a_tls_report_shows_each_failure_and_its_policy_verdict():
    app = PaneApp(await report_of(json.dumps(RFC8460).encode()))
    async with app.run_test(size=(100, 40)) as pilot:
        table = app.query_one(DataTable)
        table.focus()
        assert column(table, 0) == ["mx1.mail.company-y.example", "mx2.mail.company-y.example",
                                    "mx-backup.mail.company-y.example"]
        assert column(table, 1) == ["certificate-expired", "starttls-not-supported", "validation-failure"]
        assert column(table, 3) == ["TLS-03", "TLS-01", "TLS-05"]
        assert column(table, 4)[0] == "sts testing company-y.example"
        shown = detail(app)
        assert "mail still delivered" in shown and "100 session(s) from 2001:db8:abcd:0012::1" in shown
        assert "openssl s_client -connect mx1.mail.company-y.example:25" in shown
        assert "Renew the MX certificate" in shown  # the highlighted row's own fix
        await pilot.press("down")
        assert "starttls-not-supported → TLS-01" in detail(app)
        assert "Enable STARTTLS on every MX" in detail(app)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, ValueDialog)
        whole = app.screen.query_one(TextArea).text
        assert whole.startswith("PASS: 303 of 5629 TLS sessions to company-y.example failed")
        assert "Failed sessions:" in whole and "mailtriage tls company-y.example" in whole


async def test_a_tls_bounce_shows_the_cause_who_acts_and_the_checks():
    app = PaneApp(await report_of(POSTFIX_LOG))
    async with app.run_test(size=(100, 40)):
        table = app.query_one(DataTable)
        assert table.row_count == 1 and column(table, 3) == ["TLS-12"]
        shown = detail(app)
        assert ("the sender's mail administrator (its TLS policy for this destination), "
                "or the recipient domain's") in shown
        assert "dig +dnssec TLSA _25._tcp.mx.example.net" in shown


async def test_other_input_says_there_is_nothing_tls():
    app = PaneApp(await report_of(b"550 5.1.1 <bob@example.org>: User unknown\n"))
    async with app.run_test(size=(100, 40)):
        assert app.query_one(DataTable).row_count == 0
        assert "Not a TLS report or a TLS bounce" in detail(app)


async def test_inspect_opens_a_tls_report_on_its_pane_and_a_bounce_on_the_summary():
    sys.path.insert(0, str(Path(__file__).parent))
    from textual.widgets import TabbedContent

    from tui_support import make_app, settle

    for raw, pane in ((json.dumps(RFC8460).encode(), "pane-tls"), (POSTFIX_LOG, "pane-summary")):
        async with make_app(resolvers=[]).run_test(size=(80, 24)) as pilot:
            pilot.app.analyse(AnalysisRequest(raw=raw, source="input", offline=True,
                                              now=datetime(2026, 12, 3, tzinfo=UTC)))
            await settle(pilot)
            await pilot.press("i")
            await pilot.pause()
            assert pilot.app.screen.query_one(TabbedContent).active == pane
