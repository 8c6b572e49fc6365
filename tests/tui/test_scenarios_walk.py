"""The guided path and the inspect panes on the bundled training scenarios, by keyboard:
what a junior admin sees at each step, and what lands on the clipboard."""
from __future__ import annotations

import asyncio
import threading

import pytest
from textual import events
from textual.widgets import DataTable, OptionList

from tui_support import make_app, notices, scenario_app, scenario_submission, screen_text, settle
from wizard.model.findings import RecordFix
from wizard.model.request import AnalysisRequest
from wizard.scenarios import get_scenario, list_scenarios


async def open_scenario(pilot, name: str) -> None:
    """Start screen → ctrl+t → arrow down to the scenario → enter, as a user does."""
    await pilot.pause()
    await pilot.pause()
    await pilot.press("ctrl+t")
    names = [s.name for s in list_scenarios()]
    options = pilot.app.screen.query_one("#scenarios", OptionList)
    assert pilot.app.focused is options
    options.highlighted = 0
    for _ in range(names.index(name)):
        await pilot.press("down")
    await pilot.press("enter")
    await settle(pilot)


async def walk_to(pilot, question: str) -> str:
    """Press → until the step on view asks `question`; the screen as the user sees it."""
    for _ in range(8):
        screen = pilot.app.screen
        if screen.steps and screen.steps[screen.index].question == question:
            return screen_text(pilot.app)
        await pilot.press("right")
        await pilot.pause()
    raise AssertionError(f"never reached {question!r}")


async def test_junior_path_training_bounce_to_copied_record():
    """From the scenario list to a copied DNS record, keyboard only, in guided mode."""
    async with scenario_app().run_test(size=(80, 24)) as pilot:
        await open_scenario(pilot, "dmarc-reject-bounce")
        text = screen_text(pilot.app)
        assert "Step 1 of 7" in text and "What happened?" in text
        text = await walk_to(pilot, "What did the receiver say?")
        assert "(Gmail) refused the message with 550" in text and "5.7.26" in text
        text = await walk_to(pilot, "The fix")
        assert "Step 7 of 7" in text
        for _ in range(10):  # tab through the commands to the record to publish
            await pilot.press("tab")
            box = pilot.app.focused.parent
            if isinstance(getattr(box, "fix", None), RecordFix):
                break
        else:
            raise AssertionError("no DNS record to copy on the fix step")
        await pilot.press("c")
        await pilot.pause()
        assert pilot.app.clipboard.startswith('example.com. 3600 IN TXT "v=spf1 ')
        assert pilot.app.clipboard == box.text
        assert pilot.app.system_clipboard.copied == [box.text]  # both routes carried it
        assert any("Copied DNS record via terminal (OSC 52) and system clipboard" in n
                   for n in notices(pilot.app))


async def test_junior_path_pasted_bounce_to_copied_command():
    """A pasted bounce (the whole DSN), DNS from the scenario's zones, first fix copied."""
    from wizard.dns import ZoneFileResolver

    scenario = get_scenario("dmarc-reject-bounce")
    app = make_app(resolvers=[ZoneFileResolver(list(scenario.zone_paths))], clock=lambda: scenario.now)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        pilot.app.post_message(events.Paste(scenario.read().decode()))
        await pilot.pause()
        await pilot.press("ctrl+s")
        await settle(pilot)
        await walk_to(pilot, "The fix")
        await pilot.press("c")  # nothing focused: the first (most important) fix
        await pilot.pause()
        # The change (authorise the sending IP) comes before the commands that only look.
        assert pilot.app.clipboard == 'example.com. 3600 IN TXT "v=spf1 ip4:192.0.2.0/24 ip4:198.51.100.7 -all"'


@pytest.mark.parametrize(("name", "question", "expected"), [
    ("list-footer", "What changed in transit?", "appended"),
    ("selector-missing", "Is DNS right?", "mail2026._domainkey.example.com"),
    ("cname-selector-stale", "Is DNS right?", "CNAME"),
    ("expired-signature", "Which identity failed?", "xpired"),
    ("valid", "Which identity failed?", "DKIM d=example.com (aligned): pass"),
])
async def test_guided_step_says_what_the_scenario_is_about(name, question, expected):
    async with scenario_app().run_test(size=(80, 24)) as pilot:
        pilot.app.analyse(scenario_submission(name))
        await settle(pilot)
        # A small screen scrolls; read the whole step, not just the visible part.
        await walk_to(pilot, question)
        step = pilot.app.screen.steps[pilot.app.screen.index]
        everything = " ".join((step.found, *step.evidence, *(f.title for f in step.findings)))
        assert expected in everything


async def test_valid_scenario_has_nothing_to_fix_and_skips_transit():
    async with scenario_app().run_test(size=(80, 24)) as pilot:
        pilot.app.analyse(scenario_submission("valid"))
        await settle(pilot)
        keys = [s.key for s in pilot.app.screen.steps]
        assert "transit" not in keys and keys[-1] == "fix"
        text = await walk_to(pilot, "The fix")
        assert "Nothing to fix" in text


async def test_inspect_dkim_tags_table_and_explanation():
    async with scenario_app().run_test(size=(120, 36)) as pilot:
        pilot.app.analyse(scenario_submission("list-footer"))
        await settle(pilot)
        await pilot.press("i", "2")
        await pilot.pause()
        table = pilot.app.screen.query_one("#dkim-pane DataTable", DataTable)
        tags = [str(table.get_row_at(i)[1]) for i in range(table.row_count)]
        assert tags[:5] == ["v", "a", "c", "d", "s"]
        table.focus()
        table.move_cursor(row=tags.index("c"))
        await pilot.pause()
        text = screen_text(pilot.app)
        assert "relaxed/relaxed" in text and "Meaning" in text


async def test_inspect_dns_pane_shows_each_query_with_status_ttl_and_raw_strings():
    async with scenario_app().run_test(size=(120, 36)) as pilot:
        pilot.app.analyse(scenario_submission("cname-selector-stale"))
        await settle(pilot)
        await pilot.press("i", "3")
        await pilot.pause()
        table = pilot.app.screen.query_one("#dns-pane DataTable", DataTable)
        rows = [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]
        key_row = next(i for i, r in enumerate(rows) if r[0].startswith("s1._domainkey"))
        assert rows[key_row][2] == "zone" and rows[key_row][5] == "1"  # resolver, ms
        table.focus()
        table.move_cursor(row=key_row)
        await pilot.pause()
        assert "CNAME chain:" in screen_text(pilot.app)


async def test_inspect_verify_and_body_panes_show_the_broken_body_hash():
    async with scenario_app().run_test(size=(120, 36)) as pilot:
        pilot.app.analyse(scenario_submission("list-footer"))
        await settle(pilot)
        await pilot.press("i", "4")
        await pilot.pause()
        assert "body_hash" in screen_text(pilot.app)
        await pilot.press("5")
        await pilot.pause()
        text = screen_text(pilot.app)
        assert "bh= in signature" in text and "CANON-11" in text
        assert "+ To unsubscribe" in text


async def test_inspect_fix_pane_copies_the_selected_command():
    async with scenario_app().run_test(size=(80, 24)) as pilot:
        pilot.app.analyse(scenario_submission("selector-missing"))
        await settle(pilot)
        await pilot.press("i", "9", "tab")
        await pilot.pause()
        await pilot.press("c")
        await pilot.pause()
        # The fix that publishes the missing key comes before the commands that only look.
        assert pilot.app.clipboard == (
            "sh -c 'openssl rsa -in \"$1\" -pubout -outform DER | base64 -w0; echo' "
            "sh /etc/opendkim/keys/example.com/mail2026.private"
        )


async def test_all_panes_at_once_on_a_big_terminal():
    async with scenario_app().run_test(size=(160, 50)) as pilot:
        pilot.app.analyse(scenario_submission("list-footer"))
        await settle(pilot)
        await pilot.press("i", "a")
        await pilot.pause()
        text = screen_text(pilot.app)
        for title in ("Summary", "DKIM", "DNS", "Verify", "Body", "Bounce"):
            assert title in text
        assert "CANON-11" in text and "Proven change" in text and "_dmarc.example.com" in text


class GatedResolver:
    """Answers only once the test opens the gate: lets a test see the app mid-analysis."""

    def __init__(self, inner, gate: threading.Event) -> None:
        self.inner, self.gate, self.label = inner, gate, inner.label

    async def query(self, name: str, rdtype: str):
        # Polled, not `to_thread(gate.wait)`: a dozen waiting lookups would fill the default
        # thread pool, and the engine's own thread work (dkimpy) would queue behind them.
        for _ in range(1000):
            if self.gate.is_set():
                break
            await asyncio.sleep(0.01)
        return await self.inner.query(name, rdtype)


async def test_panes_show_progress_while_lookups_are_pending_and_fill_in():
    from wizard.dns import ZoneFileResolver

    scenario = get_scenario("list-footer")
    gate = threading.Event()
    app = make_app(resolvers=[GatedResolver(ZoneFileResolver(list(scenario.zone_paths)), gate)],
                   clock=lambda: scenario.now,
                   options=AnalysisRequest(timeout=30))
    async with app.run_test(size=(80, 24)) as pilot:
        # the gate holds lookups as long as the test needs: well inside the app's one
        # deadline (its --timeout option; a request's own timeout is replaced by it)
        pilot.app.analyse(AnalysisRequest(source="paste", raw=scenario.read()))
        for _ in range(50):  # the offline part lands first
            await pilot.pause(0.05)
            if pilot.app.report is not None:
                break
        text = screen_text(pilot.app)
        assert "Analysing… still waiting for: DNS lookups" in text  # and the UI answers keys meanwhile
        await pilot.press("i", "3")
        await pilot.pause()
        assert "Lookups pending" in screen_text(pilot.app)
        gate.set()
        await settle(pilot)
        text = screen_text(pilot.app)
        assert "Done." in text and "_dmarc.example.com" in text


class PolicyGatedResolver(GatedResolver):
    """The DMARC and SPF lookups wait for the gate; the DKIM key (and what the engine asks
    to explain a missing one) answers at once. The engine attaches answers at each stage,
    so the key's answer must show before the rest."""

    async def query(self, name: str, rdtype: str):
        if name.startswith("_dmarc.") or (name == "example.com" and rdtype in ("TXT", "A", "MX")):
            return await super().query(name, rdtype)
        return await self.inner.query(name, rdtype)


async def test_dns_pane_fills_in_stage_by_stage():
    from wizard.dns import ZoneFileResolver

    scenario = get_scenario("selector-missing")
    gate = threading.Event()
    app = make_app(resolvers=[PolicyGatedResolver(ZoneFileResolver(list(scenario.zone_paths)), gate)],
                   clock=lambda: scenario.now,
                   options=AnalysisRequest(timeout=30))
    async with app.run_test(size=(120, 36)) as pilot:
        # the gate holds lookups as long as the test needs: well inside the app's one
        # deadline (its --timeout option; a request's own timeout is replaced by it)
        pilot.app.analyse(AnalysisRequest(source="paste", raw=scenario.read()))
        await pilot.press("i", "3")
        for _ in range(100):  # until the key lookup's partial report lands
            await pilot.pause(0.05)
            if pilot.app.report is not None and pilot.app.report.dns:
                break
        await pilot.pause()
        text = screen_text(pilot.app)
        assert "still waiting for: SPF, DMARC, what changed in transit" in text
        assert "mail2026._domainkey.example.com" in text and "nxdomain" in text
        assert "_dmarc.example.com" not in text and "Lookups pending" not in text
        await pilot.press("g", "right", "right", "right")
        await pilot.pause()
        assert "More answers are still arriving" in screen_text(pilot.app)
        gate.set()
        await settle(pilot)
        await pilot.press("i", "3")
        await pilot.pause()
        text = screen_text(pilot.app)
        assert "Done." in text and "_dmarc.example.com" in text
