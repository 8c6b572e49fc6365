"""The second paste: give the sender's original in the app and see exactly what changed.

The message is signed by dkimpy with the rsa2048 key published in tests/zones/verify.test.zone;
a list footer appended after signing makes the received copy."""
from __future__ import annotations

import sys
from pathlib import Path

from textual import events
from textual.widgets import TextArea

from tui_support import NOW, make_app, screen_text, settle
from wizard.model.request import AnalysisRequest

sys.path.insert(0, str(Path(__file__).parents[1]))
from signing import message, sign

ZONES = ["tests/zones/verify.test.zone", "tests/zones/test.zone"]
# t= an hour before the app's fixed clock, so the signature is the same bytes every run.
SENT = sign(message(), "rsa2048", "rsa2048a", timestamp=int(NOW.timestamp()) - 3600)
FOOTER = b"-- \r\nSent through the Example list\r\nUnsubscribe: https://lists.example.com/u\r\n"
RECEIVED = SENT + FOOTER


def zone_app():
    from wizard.dns import ZoneFileResolver

    return make_app(resolvers=[ZoneFileResolver(ZONES)])


async def give_original(pilot, original: bytes) -> None:
    await pilot.press("o")
    await pilot.pause()
    # A terminal paste arrives as one Paste event (LF line ends, as TextArea keeps them).
    pilot.app.post_message(events.Paste(original.decode().replace("\r\n", "\n")))
    await pilot.pause()
    await pilot.press("ctrl+s")
    await settle(pilot)


async def test_pasting_the_original_shows_the_footer_as_added_lines_and_which_copy_matches():
    app = zone_app()
    async with app.run_test(size=(100, 40)) as pilot:
        app.analyse(AnalysisRequest(source="received.eml", raw=RECEIVED))
        await settle(pilot)
        await give_original(pilot, SENT)
        assert app.submission.original is not None and app.submission.raw == RECEIVED
        body = app.report.signatures[0].body
        assert body.original_matches is True and body.matches is False

        # The guided transit step says it first.
        text = ""
        for _ in range(6):
            text = screen_text(app)
            if "What changed in transit?" in text:
                break
            await pilot.press("right")
            await pilot.pause()
        assert "change happened in transit" in " ".join(text.split())

        await pilot.press("i", "5")
        await pilot.pause()
        text = screen_text(app)
        assert "The original matches the signature: the change happened in transit." in text
        for line in ("+ --", "+ Sent through the Example list", "+ Unsubscribe: https://lists.example.com/u"):
            assert line in text
        assert "  Hello," in text  # context lines, unmarked


async def test_an_original_that_is_not_the_signed_copy_is_called_out_and_shown_as_data():
    app = zone_app()
    # Pasted text is data: markup stays literal (no action runs), ESC is shown as \x1b.
    changed = SENT.replace(b"the report is attached.", b"[@click=app.quit]the report[/] \x1b[31mis here.")
    async with app.run_test(size=(100, 40)) as pilot:
        app.analyse(AnalysisRequest(source="received.eml", raw=RECEIVED))
        await settle(pilot)
        await pilot.press("i", "5")
        await give_original(pilot, changed)
        text = screen_text(app)
        assert "Neither matches the signature" in text
        assert "- [@click=app.quit]the report[/] \\x1b[31mis here." in text
        assert "+ the report is attached." in text
        await pilot.click("#body-pane")
        assert app.is_running


async def test_escape_cancels_and_the_analysis_is_untouched():
    app = zone_app()
    async with app.run_test(size=(80, 24)) as pilot:
        app.analyse(AnalysisRequest(source="received.eml", raw=RECEIVED))
        await settle(pilot)
        report = app.report
        await pilot.press("o")
        await pilot.pause()
        pilot.app.post_message(events.Paste("[@click=app.quit]not a message"))
        await pilot.pause()
        await pilot.press("escape")
        await settle(pilot)
        assert app.report is report and app.submission.original is None
        assert app.is_running


async def test_the_original_can_be_opened_from_a_file(tmp_path):
    path = tmp_path / "sent.eml"
    path.write_bytes(SENT)
    app = zone_app()
    async with app.run_test(size=(80, 24)) as pilot:
        app.analyse(AnalysisRequest(source="received.eml", raw=RECEIVED))
        await settle(pilot)
        await pilot.press("o")
        await pilot.pause()
        app.screen.query_one("#original-file").focus()
        await pilot.press(*str(path), "enter")
        await settle(pilot)
        assert app.submission.original == SENT  # the file's exact bytes, CRLF kept
        assert app.report.signatures[0].body.original_matches is True


async def test_the_key_is_in_help_and_the_palette():
    app = zone_app()
    async with app.run_test(size=(80, 24)) as pilot:
        app.analyse(AnalysisRequest(source="received.eml", raw=RECEIVED))
        await settle(pilot)
        await pilot.press("f1")
        await pilot.pause()
        help_text = "\n".join(str(w.render()) for w in app.screen.query("Static"))
        assert "Original" in help_text and "Compare with the message as sent" in help_text
        await pilot.press("escape", "ctrl+p")
        await pilot.pause()
        await pilot.press(*"original")
        await pilot.pause()
        await pilot.pause()
        assert "Compare with the message as sent" in screen_text(app)
        await pilot.press("enter")
        await pilot.pause()
        await pilot.pause()
        assert app.screen.query_one("#original-paste", TextArea).has_focus
