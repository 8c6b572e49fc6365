"""Search in inspect mode: `/` opens the field, enter goes to the first match, `n`/`N` move
on and back across panes, the match is on screen and highlighted, escape closes."""
from __future__ import annotations

from textual.widgets import Input, TextArea

from tui_support import scenario_app, scenario_submission, screen_text, settle


async def inspect(pilot, *keys: str) -> None:
    pilot.app.analyse(scenario_submission("selector-missing"))
    await settle(pilot)
    await pilot.press("i", *keys)
    await pilot.pause()


async def search(pilot, query: str) -> str:
    await pilot.press("slash")
    await pilot.pause()
    assert isinstance(pilot.app.focused, Input)
    await pilot.press(*query, "enter")
    await pilot.pause()
    await pilot.pause()
    return screen_text(pilot.app)


def active_pane(app) -> str:
    return app.screen.query_one("TabbedContent").active.removeprefix("pane-")


async def test_slash_finds_text_in_the_raw_message_and_selects_it():
    async with scenario_app().run_test(size=(80, 24)) as pilot:
        await inspect(pilot, "0")
        text = await search(pilot, "MAIL2026")  # case does not matter
        assert active_pane(pilot.app) == "raw"
        area = pilot.app.screen.query_one("#raw-pane TextArea", TextArea)
        assert area.selected_text == "mail2026"
        assert "header.s=mail2026;" in text  # its line, scrolled across to the match
        assert "1 of " in text and "Raw" in text


async def test_n_and_shift_n_move_across_panes_and_wrap_round():
    async with scenario_app().run_test(size=(80, 24)) as pilot:
        await inspect(pilot)
        text = await search(pilot, "nxdomain")
        first = active_pane(pilot.app)
        total = int(text.split(" of ", 1)[1].split()[0])
        seen = {first}
        for _ in range(total - 1):
            await pilot.press("n")
            await pilot.pause()
            seen.add(active_pane(pilot.app))
        assert {"dns", "fix"} <= seen  # the DNS table's rows, the Fix pane's advice
        await pilot.press("n")  # past the last: back to the first
        await pilot.pause()
        await pilot.pause()
        assert f"1 of {total}" in screen_text(pilot.app)
        await pilot.press("N")  # and back to the last
        await pilot.pause()
        await pilot.pause()
        assert f"{total} of {total}" in screen_text(pilot.app)


async def test_a_match_in_a_text_block_is_scrolled_to_and_highlighted():
    async with scenario_app().run_test(size=(80, 24)) as pilot:
        await inspect(pilot, "9")
        assert "every verifier" not in screen_text(pilot.app)  # below the copy boxes
        text = await search(pilot, "every verifier")
        assert "does not exist (NXDOMAIN), so every verifier" in text
        advice = pilot.app.screen.query_one("#fix-pane .fix-advice")
        spans = [advice.content.plain[s.start:s.end] for s in advice.content.spans if "reverse" in str(s.style)]
        assert spans == ["every verifier"]


async def test_escape_closes_the_search_then_goes_to_start():
    async with scenario_app().run_test(size=(80, 24)) as pilot:
        await inspect(pilot)
        await search(pilot, "zzz-nothing")
        assert "No match for 'zzz-nothing'" in screen_text(pilot.app)
        await pilot.press("escape")
        await pilot.pause()
        assert "No match" not in screen_text(pilot.app)
        assert pilot.app.screen.__class__.__name__ == "InspectScreen"
        await pilot.press("escape")
        await pilot.pause()
        assert "What do you have?" in screen_text(pilot.app)


async def test_digits_typed_in_the_search_field_are_text_not_pane_keys():
    async with scenario_app().run_test(size=(80, 24)) as pilot:
        await inspect(pilot)
        text = await search(pilot, "2026")
        assert "No match" not in text
        assert pilot.app.screen.query_one("#search-input", Input).value == "2026"
