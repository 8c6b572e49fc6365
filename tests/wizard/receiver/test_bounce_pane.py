"""The Bounce pane at 80 columns shows every recipient with its own status (DSN-22) and each
notification of a file on its own (DSN-21)."""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parents[2] / "tui"))  # tui_support lives with the TUI tests

from test_bounce_recipients import EXCHANGE_TWO, _dsn
from test_bounce_several import _mbox
from tui_support import make_app, screen_text
from wizard.model.request import AnalysisRequest


async def _pane(raw: bytes) -> list[str]:
    async with make_app().run_test(size=(80, 40)) as pilot:
        pilot.app.analyse(AnalysisRequest(source="test", raw=raw))
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        for key in ("i", "6"):
            await pilot.press(key)
            await pilot.pause()
        # Unstyled runs of spaces do not survive the screenshot export: compare without them.
        return [line.replace(" ", "") for line in screen_text(pilot.app).splitlines()]


def _has(lines: list[str], text: str) -> bool:
    return text.replace(" ", "") in lines


async def test_each_recipient_on_its_own_line_with_its_own_code():
    lines = await _pane(EXCHANGE_TWO)
    assert _has(lines, "Recipients (2, each with its own status)")
    assert _has(lines, "kijitora@example.jp 550 5.1.1 permanent")
    assert _has(lines, "sironeko@example.net 452 4.2.2 gave_up")


async def test_final_recipient_target_is_shown_with_the_recovered_address():
    lines = await _pane(_dsn("rfc822;|/usr/local/nyaan/bin/neko kijitora@example.com ...",
                             headers="X-Failed-Recipients: kijitora@example.com\n"))
    assert _has(lines, "kijitora@example.com 5.0.0 permanent")
    # The raw target, cut to fit 80 columns.
    assert any(line.startswith("Final-Recipient(program):|/usr/local/nyaan/bin/neko") for line in lines)
    assert _has(lines, "named by X-Failed-Recipients")


async def test_second_notification_of_an_mbox_has_its_own_block():
    lines = await _pane(_mbox("lhost-postfix-04.eml", "lhost-qmail-01.eml"))
    assert _has(lines, "Notification 2 of 2 qmail")
    assert _has(lines, "Code 550 5.5.0 kind permanent recipients kijitora@example.ne.jp")
    assert max(len(line) for line in lines) <= 80
