"""The app's shell, driven by keyboard through Pilot: start screen, paste, guided walk,
help, palette, save, resolvers. Asserts what the user sees."""
from __future__ import annotations

from textual import events
from textual.widgets import Input, TextArea

from tui_support import DMARC_REPLY, make_app, notices, screen_text, settle
from wizard.model.request import AnalysisRequest


async def paste(pilot, text: str) -> None:
    """A terminal (bracketed) paste into the focused widget, as a real paste arrives."""
    pilot.app.post_message(events.Paste(text))  # as the driver delivers it
    await pilot.pause()


async def test_start_screen_offers_the_four_ways_in():
    async with make_app().run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        text = screen_text(pilot.app)
        assert "What do you have?" in text
        for what in ("Open a file", "Check a domain", "Training scenarios", "Analyse"):
            assert what in text
        assert isinstance(pilot.app.focused, TextArea)  # ready for a paste


async def test_paste_then_ctrl_s_walks_the_guided_questions():
    async with make_app().run_test(size=(80, 24)) as pilot:
        await paste(pilot, DMARC_REPLY)
        await pilot.press("ctrl+s")
        await settle(pilot)
        text = screen_text(pilot.app)
        assert "Step 1 of 7" in text and "What happened?" in text
        await pilot.press("right")
        text = screen_text(pilot.app)
        assert "Step 2 of 7" in text and "What did the receiver say?" in text
        assert "550 5.7.26" in text
        # A bare reply names no identity, key or signature: those questions are skipped,
        # each with its reason, and the count stays that of the whole tree.
        skipped = str(pilot.app.screen.query_one("#skipped").content)  # below the fold at 80×24
        assert skipped.startswith("Skipped 3 · Which identity failed? The input carries no message headers")
        await pilot.press("n")
        assert "Step 6 of 7" in screen_text(pilot.app) and "Who caused it?" in screen_text(pilot.app)
        await pilot.press("n")
        assert "The fix" in screen_text(pilot.app)
        await pilot.press("n")  # the last step stays
        assert "Step 7 of 7" in screen_text(pilot.app)
        await pilot.press("left", "b", "b")
        assert "Step 1 of 7" in screen_text(pilot.app)


async def test_empty_paste_says_so_instead_of_analysing():
    async with make_app().run_test(size=(80, 24)) as pilot:
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert pilot.app.submission is None
        assert any("Nothing to analyse" in n for n in notices(pilot.app))


async def test_escape_goes_back_to_start_with_the_paste_kept():
    async with make_app().run_test(size=(80, 24)) as pilot:
        await paste(pilot, DMARC_REPLY)
        await pilot.press("ctrl+s")
        await settle(pilot)
        await pilot.press("escape")
        await pilot.pause()
        assert pilot.app.screen.query_one("#paste", TextArea).text == DMARC_REPLY


async def test_open_file_from_the_start_screen(tmp_path):
    path = tmp_path / "reply.txt"
    path.write_text(DMARC_REPLY)
    async with make_app().run_test(size=(80, 24)) as pilot:
        await pilot.press("ctrl+o")
        assert pilot.app.focused.id == "file"
        pilot.app.focused.value = str(path)
        await pilot.press("enter")
        await settle(pilot)
        assert pilot.app.submission.source == str(path)  # by its path, as `check` names it
        assert "Step 1 of 7" in screen_text(pilot.app)


async def test_a_missing_file_is_a_notice_not_a_crash(tmp_path):
    async with make_app().run_test(size=(80, 24)) as pilot:
        await pilot.press("ctrl+o")
        pilot.app.focused.value = str(tmp_path / "nope.eml")
        await pilot.press("enter")
        await pilot.pause()
        assert any("Cannot open" in n for n in notices(pilot.app))
        assert pilot.app.submission is None


async def test_a_bad_domain_is_refused_in_words():
    async with make_app().run_test(size=(80, 24)) as pilot:
        await pilot.press("ctrl+n")
        pilot.app.focused.value = "exa mple..com"
        await pilot.press("enter")
        await pilot.pause()
        assert any("Not a domain name" in n for n in notices(pilot.app))
        assert pilot.app.submission is None


async def test_help_lists_the_keys_of_the_screen_it_was_opened_from():
    async with make_app().run_test(size=(80, 24)) as pilot:
        await pilot.press("f1")
        await pilot.pause()
        text = screen_text(pilot.app)
        assert "Keys on this screen" in text or "mailtriage tells you" in text
        help_text = "\n".join(str(w.render()) for w in pilot.app.screen.query("Static"))
        assert "Analyse" in help_text and "Open file" in help_text
        await pilot.press("escape")
        assert pilot.app.screen.__class__.__name__ == "StartScreen"


async def test_palette_lists_this_screens_actions_and_runs_one():
    async with make_app().run_test(size=(80, 24)) as pilot:
        await paste(pilot, DMARC_REPLY)
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"analyse")
        await pilot.pause(0.3)
        assert "Analyse" in screen_text(pilot.app)
        await pilot.press("enter")
        await settle(pilot)
        assert pilot.app.submission is not None
        assert "Step 1 of 7" in screen_text(pilot.app)


async def test_save_report_and_input_never_overwriting(tmp_path):
    async with make_app().run_test(size=(80, 24)) as pilot:
        await paste(pilot, DMARC_REPLY)
        await pilot.press("ctrl+s")
        await settle(pilot)
        for name in ("r.md", "r.json", "r.txt", "in.eml"):
            await pilot.press("s")
            await pilot.pause()
            field = pilot.app.screen.query_one("#save-path", Input)
            field.value = str(tmp_path / name)
            await pilot.press("enter")
            await pilot.pause()
        assert (tmp_path / "in.eml").read_text() == DMARC_REPLY
        assert "5.7.26" in (tmp_path / "r.md").read_text()
        assert '"5.7.26"' in (tmp_path / "r.json").read_text()
        # Saving again to the same name keeps the first file and says so.
        (tmp_path / "in.eml").write_text("mine")
        await pilot.press("s")
        await pilot.pause()
        pilot.app.screen.query_one("#save-path", Input).value = str(tmp_path / "in.eml")
        await pilot.press("enter")
        await pilot.pause()
        assert (tmp_path / "in.eml").read_text() == "mine"
        assert any("already exists" in n for n in notices(pilot.app))


async def test_a_paste_can_be_saved_before_any_analysis(tmp_path):
    async with make_app().run_test(size=(80, 24)) as pilot:
        await paste(pilot, "half a message\r\nFrom: x@example.com\r\n")
        await pilot.press("f2")
        await pilot.pause()
        pilot.app.screen.query_one("#save-path", Input).value = str(tmp_path / "p.eml")
        await pilot.press("enter")
        await pilot.pause()
        assert (tmp_path / "p.eml").exists()


async def test_resolvers_can_be_changed_and_the_analysis_reruns():
    asked: list[tuple[tuple[str, ...], float]] = []

    def factory(specs, timeout):
        asked.append((tuple(specs), timeout))
        return []

    app = make_app(resolvers=None, resolver_factory=factory, options=AnalysisRequest(timeout=2.0))
    async with app.run_test(size=(80, 24)) as pilot:
        await paste(pilot, DMARC_REPLY)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert asked == [((), 2.0)]
        await pilot.press("ctrl+r")
        await pilot.pause()
        pilot.app.screen.query_one("#resolver-specs", Input).value = "192.0.2.1 198.51.100.2:5353"
        await pilot.press("enter")
        await settle(pilot)
        assert asked[-1] == (("192.0.2.1", "198.51.100.2:5353"), 2.0)
        assert "Step 1 of 7" in screen_text(pilot.app)


async def test_a_bad_resolver_spec_is_explained_in_the_dialog():
    async with make_app().run_test(size=(80, 24)) as pilot:
        await pilot.press("ctrl+r")
        await pilot.pause()
        pilot.app.screen.query_one("#resolver-specs", Input).value = "--option-injection"
        await pilot.press("enter")
        await pilot.pause()
        assert pilot.app.screen.__class__.__name__ == "ResolverDialog"


async def test_copy_with_nothing_to_copy_says_where_commands_are():
    async with make_app().run_test(size=(80, 24)) as pilot:
        await paste(pilot, DMARC_REPLY)
        await pilot.press("ctrl+s")
        await settle(pilot)
        await pilot.press("c")
        await pilot.pause()
        assert pilot.app.clipboard == ""
        assert any("Nothing to copy here" in n for n in notices(pilot.app))


async def test_inspect_panes_are_reachable_by_digits_and_back():
    async with make_app().run_test(size=(80, 24)) as pilot:
        await paste(pilot, DMARC_REPLY)
        await pilot.press("ctrl+s")
        await settle(pilot)
        await pilot.press("i")
        await pilot.pause()
        assert "DMARC-16" in screen_text(pilot.app)  # Summary: findings table
        await pilot.press("6")
        await pilot.pause()
        assert "5.7.26" in screen_text(pilot.app)  # Bounce pane
        await pilot.press("0")
        await pilot.pause()
        assert "Unauthenticated email" in screen_text(pilot.app)  # Raw input
        await pilot.press("g")
        await pilot.pause()
        assert "Step 1 of 7" in screen_text(pilot.app)


async def test_unreadable_input_is_explained_and_the_paste_kept():
    async with make_app().run_test(size=(80, 24)) as pilot:
        await paste(pilot, "\x00\x01\x02 binary")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert pilot.app.error and "Error" not in pilot.app.error.split(":")[0]
        assert "Your input is kept" in screen_text(pilot.app)
        await pilot.press("escape")
        assert "binary" in pilot.app.screen.query_one("#paste", TextArea).text


async def test_without_a_system_clipboard_the_copy_says_to_select_by_hand():
    """Headless server: pyperclip fails; OSC 52 still carries the text and the notice says
    how to get it if the terminal ignored that too."""
    from tui import clipboard

    def no_clipboard(value: str) -> None:
        raise RuntimeError("no xclip, no display")

    async with make_app(system_clipboard=no_clipboard).run_test(size=(80, 24)) as pilot:
        clipboard.copy(pilot.app, "dig +short TXT _dmarc.example.com")
        await pilot.pause()
        assert pilot.app.clipboard == "dig +short TXT _dmarc.example.com"
        [notice] = notices(pilot.app)
        assert "via terminal (OSC 52):" in notice and "select the text in the box by hand" in notice


async def test_quitting_with_an_unsaved_paste_offers_to_save_it_first(tmp_path):
    async with make_app().run_test(size=(80, 24)) as pilot:
        await paste(pilot, DMARC_REPLY)
        await pilot.press("ctrl+q")
        await pilot.pause()
        assert pilot.app.is_running  # not lost: asked first
        assert "Quit without saving the paste?" in screen_text(pilot.app)
        await pilot.press("escape")  # stay
        await pilot.pause()
        assert pilot.app.is_running and pilot.app.screen.__class__.__name__ == "StartScreen"
        await pilot.press("ctrl+q")
        await pilot.pause()
        await pilot.press("s")  # save first: the path dialog, then quit once written
        await pilot.pause()
        pilot.app.screen.query_one("#save-path", Input).value = str(tmp_path / "kept.eml")
        await pilot.press("enter")
        await pilot.pause()
        assert (tmp_path / "kept.eml").read_text() == DMARC_REPLY
    assert pilot.app.return_code == 0


async def test_quit_anyway_and_quitting_after_a_save_or_with_nothing_pasted(tmp_path):
    async with make_app().run_test(size=(80, 24)) as pilot:
        await pilot.press("ctrl+q")  # nothing pasted: quits at once
        await pilot.pause()
    assert not pilot.app.is_running
    async with make_app().run_test(size=(80, 24)) as pilot:
        await paste(pilot, DMARC_REPLY)
        await pilot.press("ctrl+s")  # analysed, still only in memory
        await settle(pilot)
        await pilot.press("ctrl+q")
        await pilot.pause()
        assert "Quit without saving the paste?" in screen_text(pilot.app)
        await pilot.press("q")
        await pilot.pause()
    assert not pilot.app.is_running
    async with make_app().run_test(size=(80, 24)) as pilot:
        await paste(pilot, DMARC_REPLY)
        await pilot.press("f2")
        await pilot.pause()
        pilot.app.screen.query_one("#save-path", Input).value = str(tmp_path / "p.eml")
        await pilot.press("enter")
        await pilot.pause()
        await pilot.press("ctrl+q")  # saved as it is: nothing to lose
        await pilot.pause()
    assert not pilot.app.is_running


async def test_the_footer_reads_cleanly_at_80_columns():
    """Every key the footer shows is whole, and the palette key is "^p Palette"."""
    async with make_app().run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        footer = screen_text(pilot.app).splitlines()[-1]
        assert "^s Analyse" in footer and "f1 Help" in footer and "^q Quit" in footer
        assert "^p Palette" in footer
        await paste(pilot, DMARC_REPLY)
        await pilot.press("ctrl+s")
        await settle(pilot)
        footer = screen_text(pilot.app).splitlines()[-1]
        for shown in ("→ Next", "← Back", "c Copy", "i Inspect", "esc Start", "f1 Help", "^q Quit", "^p Palette"):
            assert shown in footer
        await pilot.press("i")
        await pilot.pause()
        footer = screen_text(pilot.app).splitlines()[-1]
        for shown in ("g Guided", "c Copy", "s Save", "esc Start", "f1 Help", "^q Quit", "^p Palette"):
            assert shown in footer


async def _palette_screenshot(pilot) -> None:
    await pilot.press("ctrl+p")
    await pilot.pause()
    await pilot.press(*"Screenshot")
    await pilot.pause(0.3)
    await pilot.press("enter")
    await pilot.pause(0.4)


async def test_the_palettes_screenshot_says_where_it_saved(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path / "home"))  # no Downloads folder, as over SSH
    monkeypatch.setenv("XDG_DOWNLOAD_DIR", str(tmp_path / "home" / "Downloads"))
    monkeypatch.chdir(tmp_path)
    async with make_app().run_test(size=(80, 24)) as pilot:
        await _palette_screenshot(pilot)
        saved = tmp_path / "mailtriage-20261123-120000.svg"
        assert saved.read_text(encoding="utf-8").startswith("<svg")
        assert any(f"Saved a screenshot of this screen (SVG) to {saved}" in n for n in notices(pilot.app))


async def test_a_screenshot_that_cannot_be_saved_says_why_and_where(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_DOWNLOAD_DIR", str(tmp_path / "home" / "Downloads"))
    monkeypatch.chdir(tmp_path)
    (tmp_path / "mailtriage-20261123-120000.svg").mkdir()  # the name is taken by a folder
    async with make_app().run_test(size=(80, 24)) as pilot:
        await _palette_screenshot(pilot)
        assert any(f"Could not save the screenshot to {tmp_path}/mailtriage-20261123-120000.svg: " in n
                   and "File exists" in n for n in notices(pilot.app))
        assert not any(n.endswith("Failed to save screenshot") for n in notices(pilot.app))
