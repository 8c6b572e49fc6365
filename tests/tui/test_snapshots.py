"""SVG snapshots of the key screens at 80×24 and 120×36 (pytest-textual-snapshot).

Update after an intended change with `pytest tests/tui/test_snapshots.py --snapshot-update`
and look at the new SVGs before committing them."""
from __future__ import annotations

import pytest

from tui_support import scenario_app, scenario_submission

SMALL, LARGE = (80, 24), (120, 36)


def analysed(name: str, *keys: str):
    async def run_before(pilot) -> None:
        await pilot.pause()
        pilot.app.analyse(scenario_submission(name))
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        for key in keys:
            await pilot.press(key)
            await pilot.pause()
        await pilot.pause()

    return run_before


async def _settle(pilot) -> None:
    await pilot.pause()
    await pilot.pause()


@pytest.mark.parametrize("size", [SMALL, LARGE], ids=["80x24", "120x36"])
def test_start(snap_compare, size):
    assert snap_compare(scenario_app(), terminal_size=size, run_before=_settle)


@pytest.mark.parametrize("size", [SMALL, LARGE], ids=["80x24", "120x36"])
def test_help(snap_compare, size):
    assert snap_compare(scenario_app(), terminal_size=size, press=["f1"], run_before=_settle)


@pytest.mark.parametrize("size", [SMALL, LARGE], ids=["80x24", "120x36"])
def test_guided_receiver_step_of_a_dmarc_bounce(snap_compare, size):
    assert snap_compare(scenario_app(), terminal_size=size, run_before=analysed("dmarc-reject-bounce", "right"))


@pytest.mark.parametrize("size", [SMALL, LARGE], ids=["80x24", "120x36"])
def test_guided_fix_step(snap_compare, size):
    keys = ("right",) * 6
    assert snap_compare(scenario_app(), terminal_size=size, run_before=analysed("selector-missing", *keys))


@pytest.mark.parametrize("size", [SMALL, LARGE], ids=["80x24", "120x36"])
@pytest.mark.parametrize("pane", ["1", "2", "3", "4", "5", "7", "9"],
                         ids=["summary", "dkim", "dns", "verify", "body", "policy", "fix"])
def test_inspect_panes(snap_compare, size, pane):
    assert snap_compare(scenario_app(), terminal_size=size, run_before=analysed("list-footer", "i", pane))


def test_all_panes_120x36(snap_compare):
    assert snap_compare(scenario_app(), terminal_size=LARGE, run_before=analysed("list-footer", "i", "a"))


def test_quit_with_an_unsaved_paste_80x24(snap_compare):
    async def run_before(pilot) -> None:
        from textual import events

        await pilot.pause()
        pilot.app.post_message(events.Paste("550 5.7.26 Unauthenticated email from example.com\n"))
        await pilot.pause()
        await pilot.press("ctrl+q")
        await pilot.pause()

    assert snap_compare(scenario_app(), terminal_size=SMALL, run_before=run_before)


def test_body_pane_with_the_original_80x24(snap_compare):
    """A list footer added after signing, compared with the sender's original (second paste)."""
    from test_original import RECEIVED, SENT, give_original, zone_app
    from wizard.model.request import AnalysisRequest

    async def run_before(pilot) -> None:
        await pilot.pause()
        pilot.app.analyse(AnalysisRequest(source="received.eml", raw=RECEIVED))
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        await pilot.press("i", "5")
        await give_original(pilot, SENT)
        pilot.app.clear_notifications()  # "Analysing again…" would cover the diff
        await pilot.pause()

    assert snap_compare(zone_app(), terminal_size=SMALL, run_before=run_before)


def test_keys_with_a_record_80x24(snap_compare):
    async def run_before(pilot) -> None:
        from pathlib import Path

        from wizard.keys.keygen import load_private_key

        await pilot.pause()
        await pilot.press("f3")
        await pilot.pause()
        screen = pilot.app.screen
        for field in screen.query("Input"):
            field.cursor_blink = False  # a blinking cursor is drawn or not by timing alone
        screen.query_one("#keys-domain").value = "example.com"
        screen.query_one("#keys-selector").value = "s2026"
        screen.query_one("#keys-old").value = "s2025"
        # A fixed key: a generated one differs on every run.
        key = load_private_key((Path(__file__).parent.parent / "keys" / "rsa2048a.pem").read_bytes())
        screen.show_key("example.com", "s2026", key)
        await pilot.pause()
        await pilot.pause()

    assert snap_compare(scenario_app(), terminal_size=SMALL, run_before=run_before)
