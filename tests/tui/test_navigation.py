"""Moving around at 80×24 from the keyboard, whatever has focus: the scroll keys reach the
text below the copy boxes, the pane keys work from inside a pane, a finding leads to its
evidence and its fix."""
from __future__ import annotations

import pytest
from textual.widgets import TextArea

from test_tmux import Tmux, _cmd
from tui_support import notices, scenario_app, scenario_submission, screen_text, settle

FIX_STEP = ("right",) * 6  # selector-missing: the fix step is the last of its walk
BOTTOM_OF_FIX_STEP = "Done. Save the report (s) to hand it on"
BOTTOM_OF_FIX_PANE = "s= or d=, or the record was published at the wrong name"


async def run(pilot, name: str, *keys: str) -> str:
    """Analyse scenario `name`, press `keys`, return the screen."""
    pilot.app.analyse(scenario_submission(name))
    await settle(pilot)
    return await press(pilot, *keys)


async def press(pilot, *keys: str) -> str:
    for key in keys:
        await pilot.press(key)
        await pilot.pause()
    return screen_text(pilot.app)


@pytest.mark.parametrize("key", ["end", "pagedown"])
async def test_the_text_below_the_copy_boxes_of_the_fix_step_is_reachable_from_a_box(key):
    async with scenario_app().run_test(size=(80, 24)) as pilot:
        before = await run(pilot, "selector-missing", *FIX_STEP, "tab")
        assert isinstance(pilot.app.focused, TextArea)  # a copy box has focus
        assert BOTTOM_OF_FIX_STEP not in before
        after = await press(pilot, key, key, key)
        assert BOTTOM_OF_FIX_STEP in after
        assert "The fix" in await press(pilot, "home")  # and back to the top


async def test_arrows_scroll_the_fix_step_and_walk_on_from_a_copy_box():
    async with scenario_app().run_test(size=(80, 24)) as pilot:
        await run(pilot, "selector-missing", *FIX_STEP, "tab")
        step = pilot.app.screen.query_one("#step")
        await press(pilot, "down", "down")
        assert step.scroll_y == 2
        assert "Step 7 of 7" not in await press(pilot, "left")  # ← is "back" even from a box


@pytest.mark.parametrize("focus", [(), ("tab", "tab")])  # the tabs, then a copy box
async def test_the_fix_pane_scrolls_to_its_end_whatever_has_focus(focus):
    async with scenario_app().run_test(size=(80, 24)) as pilot:
        before = await run(pilot, "selector-missing", "i", "9", *focus)
        assert BOTTOM_OF_FIX_PANE not in before
        after = await press(pilot, "end")
        assert BOTTOM_OF_FIX_PANE in after


def active_pane(app) -> str:
    return app.screen.query_one("TabbedContent").active.removeprefix("pane-")


@pytest.mark.parametrize(("where", "keys", "pane"), [
    ("the findings table", ("tab", "3"), "dns"),
    ("the findings table", ("tab", "]"), "dkim"),
    ("the DNS table", ("3", "tab", "["), "dkim"),
    ("the raw text", ("0", "tab", "3"), "dns"),
])
async def test_pane_keys_work_with_focus_inside_a_pane(where, keys, pane):
    async with scenario_app().run_test(size=(80, 24)) as pilot:
        await run(pilot, "selector-missing", "i", *keys[:-1])
        assert pilot.app.screen.focused.__class__.__name__ in ("DataTable", "TextArea")
        await press(pilot, keys[-1])
        assert active_pane(pilot.app) == pane, where
        # Focus went along, so the next key still works from inside the new pane.
        assert pilot.app.screen.focused is not None
        await press(pilot, "1")
        assert active_pane(pilot.app) == "summary"


async def to_finding(pilot, name: str, finding_id: str) -> None:
    """Inspect scenario `name` and walk the Summary's cursor down to `finding_id`."""
    await run(pilot, name, "i")
    summary = pilot.app.screen.query_one("#summary-pane")
    row = summary.rows_where(lambda f: f.id == finding_id)[0]
    await press(pilot, *["down"] * row)
    assert summary.current().id == finding_id


async def test_e_shows_a_findings_header_lines_highlighted_in_raw_then_goes_back():
    async with scenario_app().run_test(size=(80, 24)) as pilot:
        await to_finding(pilot, "list-footer", "CAUSE-01")
        text = await press(pilot, "e")
        assert active_pane(pilot.app) == "raw"
        area = pilot.app.screen.query_one("#raw-pane TextArea")
        assert area.selected_text.splitlines() == [
            "List-Id: Team discussion <team.lists.example.org>",
            "List-Unsubscribe: <mailto:team-leave@lists.example.org>",
            "Precedence: list",
            "Sender: team-bounces@lists.example.org",
        ]
        assert "List-Id: Team discussion" in text
        assert any("CAUSE-01, 1 of 1: lines 23–26 of the input" in n for n in notices(pilot.app))
        await press(pilot, "e")  # no other place: back to the finding
        assert active_pane(pilot.app) == "summary"
        assert pilot.app.screen.query_one("#summary-pane").current().id == "CAUSE-01"


async def test_e_shows_a_folded_header_and_a_dns_answer_in_turn():
    async with scenario_app().run_test(size=(80, 24)) as pilot:
        await to_finding(pilot, "cname-selector-stale", "DKIM-SIG-13")
        await press(pilot, "e")
        area = pilot.app.screen.query_one("#raw-pane TextArea")
        assert area.selected_text.startswith("DKIM-Signature: v=1;")
        assert area.selected_text.count("\n") >= 3  # every folded line of the header
    async with scenario_app().run_test(size=(80, 24)) as pilot:
        await to_finding(pilot, "selector-missing", "DKIM-KEY-01")
        text = await press(pilot, "e")
        assert active_pane(pilot.app) == "dns"
        answer = pilot.app.screen.query_one("#dns-pane").current()
        assert (answer.name, answer.rdtype) == ("mail2026._domainkey.example.com", "TXT")
        assert "Why: mail2026._domainkey.example.com does not exist" in text


async def test_e_on_a_finding_without_evidence_says_so():
    async with scenario_app().run_test(size=(80, 24)) as pilot:
        await to_finding(pilot, "selector-missing", "EVID-01")
        await press(pilot, "e")
        assert active_pane(pilot.app) == "summary"
        assert any("EVID-01: it carries no evidence lines" in n for n in notices(pilot.app))


async def test_c_on_a_finding_copies_its_first_fix():
    from tui.widgets.fix import fix_text

    async with scenario_app().run_test(size=(80, 24)) as pilot:
        await to_finding(pilot, "selector-missing", "DKIM-KEY-01")
        finding = pilot.app.screen.query_one("#summary-pane").current()
        await press(pilot, "c")
        assert pilot.app.clipboard == fix_text(finding.fixes[0])
        assert pilot.app.system_clipboard.copied == [fix_text(finding.fixes[0])]
        assert any("Copied DKIM-KEY-01's first command" in n for n in notices(pilot.app))


@pytest.mark.parametrize(("finding_id", "why"), [
    ("AR-01", "it is information, not a problem"),
    ("CANON-11", "no command or DNS record fixes it on its own"),
])
async def test_c_on_a_finding_without_a_fix_says_why(finding_id, why):
    async with scenario_app().run_test(size=(80, 24)) as pilot:
        await to_finding(pilot, "list-footer", finding_id)
        await press(pilot, "c")
        assert pilot.app.clipboard == ""
        assert any(f"{finding_id} has no fix to copy: {why}" in n for n in notices(pilot.app))
        assert not any("Nothing to copy here" in n for n in notices(pilot.app))


async def test_summary_titles_cut_at_80_columns_end_in_an_ellipsis_and_enter_shows_them_whole():
    async with scenario_app().run_test(size=(80, 24)) as pilot:
        text = await run(pilot, "list-footer", "i")
        summary = pilot.app.screen.query_one("#summary-pane")
        rows = [line for line in text.splitlines() if any(f" {f.id} " in line for f in summary.items)]
        assert rows
        for line in rows:  # each title whole, or cut where it says so
            finding = next(f for f in summary.items if f" {f.id} " in line)
            shown = line.split(f" {finding.id} ", 1)[1].strip(" ▁▂▃▄▅▆▇█")  # less the scrollbar
            assert shown == finding.title or (shown.endswith("…") and finding.title.startswith(shown[:-1]))
        assert any(line.rstrip(" ▁▂▃▄▅▆▇█").endswith("…") for line in rows)  # this scenario's long titles are cut
        text = await press(pilot, "enter")  # the first finding, whole
        assert "CANON-11 (error)" in text
        assert "disclaimer)." in text
        await press(pilot, "escape")
        assert pilot.app.screen.__class__.__name__ == "InspectScreen"


@pytest.mark.tmux
def test_in_a_real_terminal_the_fix_step_scrolls_from_a_box_and_pane_keys_work_from_a_table():
    term = Tmux(_cmd("demo", "selector-missing"))
    try:
        term.wait_for("Done.")
        for step in (2, 3, 4, 6, 7):  # one key at a time, each seen to land (5 is skipped)
            term.keys("Right")
            term.wait_for(f"Step {step} of 7")
        term.keys("Tab")  # into the first copy box
        term.keys("End")
        term.wait_for(BOTTOM_OF_FIX_STEP)
        term.keys("i")
        term.wait_for("Summary")
        term.keys("Tab")  # into the findings table
        term.keys("3")
        term.wait_for("resolver")  # the DNS table's header
        term.keys("/")
        term.wait_for("search every pane")
        term.keys("mail2026", literal=True)
        term.keys("Enter")
        term.wait_for(" · DNS · ")
    finally:
        term.close()


async def test_enter_right_after_a_pane_switch_shows_that_panes_current_row_whole():
    # A pane switch leaves focus on the tabs; enter still opens the row the pane shows.
    from textual.widgets import DataTable

    from tui.dialogs.value import ValueDialog

    async with scenario_app().run_test(size=(80, 24)) as pilot:
        await run(pilot, "valid", "i", "3", "tab", "down", "down", "shift+tab")
        dns = pilot.app.screen.query_one("#dns-pane")
        assert dns.query_one(DataTable).cursor_row == 2
        expected = dns.whole_value(dns.current())
        for keys in (("2", "3"), ("]", "[", "[", "]"), ("left", "right")):
            await press(pilot, *keys)
            assert type(pilot.app.focused).__name__ == "ContentTabs"
            text = await press(pilot, "enter")
            assert isinstance(pilot.app.screen, ValueDialog), keys
            assert pilot.app.screen.query_one(TextArea).text == expected[1]
            assert expected[0] in text
            await press(pilot, "escape")
        # The DKIM and Hops tables and the DMARC/SPF tables alike.
        await press(pilot, "2", "enter")
        assert isinstance(pilot.app.screen, ValueDialog)
        await press(pilot, "escape", "8", "enter")
        assert isinstance(pilot.app.screen, ValueDialog)
        await press(pilot, "escape", "7", "enter")
        assert "DMARC and SPF tables, every row whole" in screen_text(pilot.app)


async def test_every_pane_tab_is_whole_on_screen_at_80_columns_whichever_pane_is_on_view():
    # Tabs that do not fit scroll sideways: the first title then shows as "mmary", unmarked.
    from tui.widgets.panes import PANES

    titles = [title for _, title, _ in PANES]
    async with scenario_app().run_test(size=(80, 24)) as pilot:
        await run(pilot, "valid", "i")
        for _ in titles:
            text = await press(pilot, "]")
            row = next(line for line in text.splitlines() if "DKIM" in line and "Raw" in line)
            assert row.replace(" ", "").startswith("".join(titles)), row


async def test_the_raw_pane_wraps_a_long_header_line_at_80_columns():
    async with scenario_app().run_test(size=(80, 24)) as pilot:
        text = await run(pilot, "valid", "i", "0")
    # Line 2, Authentication-Results, is 151 characters: its end is on screen too.
    assert "2  Authentication-Results: mx.example.org;" in text
    assert "header.from=example.com" in text
