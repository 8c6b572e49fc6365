"""This session's analyses stay one key away: escape goes back to Start and keeps the
analysis; f4 lists them, newest first, and enter reopens one as it was, without analysing
again."""
from __future__ import annotations

from tui_support import notices, scenario_app, scenario_submission, screen_text, settle


async def analyse_then_escape(pilot, name: str):
    pilot.app.analyse(scenario_submission(name))
    await settle(pilot)
    report = pilot.app.report
    await pilot.press("escape")
    await pilot.pause()
    assert "What do you have?" in screen_text(pilot.app)
    return report


def count_analyses(monkeypatch) -> list[str]:
    """Record every analysis the engine runs."""
    import wizard.pipeline.analyze as engine

    runs: list[str] = []
    real = engine.analyze

    async def counted(request, **kwargs):
        runs.append(request.source)
        return await real(request, **kwargs)

    monkeypatch.setattr(engine, "analyze", counted)
    return runs


async def test_escape_keeps_the_analysis_and_f4_reopens_it_without_analysing_again(monkeypatch):
    runs = count_analyses(monkeypatch)
    async with scenario_app().run_test(size=(80, 24)) as pilot:
        report = await analyse_then_escape(pilot, "selector-missing")
        assert any("f4 reopens it" in n for n in notices(pilot.app))
        await pilot.press("f4")
        await pilot.pause()
        listed = screen_text(pilot.app)
        assert "scenario selector-missing" in listed and "PASS" in listed
        await pilot.press("enter")
        await settle(pilot)
        text = screen_text(pilot.app)
        assert "Step 1 of 7" in text and "scenario selector-missing" in text
        assert "DKIM key not found" in text
        assert pilot.app.report is report
        assert runs == ["scenario selector-missing"]  # once, not again on reopening


async def test_history_lists_newest_first_and_reopens_the_one_chosen():
    async with scenario_app().run_test(size=(80, 24)) as pilot:
        await analyse_then_escape(pilot, "selector-missing")
        await analyse_then_escape(pilot, "list-footer")
        await pilot.press("f4")
        await pilot.pause()
        listed = screen_text(pilot.app)
        assert listed.index("scenario list-footer") < listed.index("scenario selector-missing")
        await pilot.press("down", "enter")
        await settle(pilot)
        text = screen_text(pilot.app)
        assert "scenario selector-missing" in text and "DKIM key not found" in text
        await pilot.press("f4")  # from an analysis too: the other one, then back to this
        await pilot.pause()
        await pilot.press("enter")
        await settle(pilot)
        assert "scenario list-footer" in screen_text(pilot.app)


async def test_analysing_the_same_input_again_is_listed_once():
    async with scenario_app().run_test(size=(80, 24)) as pilot:
        await analyse_then_escape(pilot, "selector-missing")
        await analyse_then_escape(pilot, "selector-missing")
        assert [a.submission.source for a in pilot.app.history] == ["scenario selector-missing"]


async def test_f4_before_any_analysis_says_there_is_none():
    async with scenario_app().run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("f4")
        await pilot.pause()
        assert any("No analysis yet" in n for n in notices(pilot.app))
