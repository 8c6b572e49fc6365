"""The answer first (issue 11): the verdict banner on every analysis screen, the guided walk
opening on "What happened?", the fix step leading with the root cause's fix, and a step
count that never changes while the analysis fills in."""
from __future__ import annotations

import threading

import pytest

from test_scenarios_walk import GatedResolver, walk_to
from tui_support import make_app, scenario_app, scenario_submission, screen_text, settle
from wizard.model.request import AnalysisRequest
from wizard.scenarios import get_scenario

BANNERS = [
    ("list-footer", "FAIL", "Fails DMARC for example.com (p=reject"),
    ("dmarc-reject-bounce", "REJECTED", "Rejected by Gmail (550 5.7.26)"),
    ("valid", "PASS", "Passes DMARC for example.com"),
]


def flat(text: str) -> str:
    """The screen's words in one line: wrapped sentences read whole."""
    return " ".join(text.split())


def banner(app) -> str:
    return str(app.screen.query_one("#verdict").content)


@pytest.mark.parametrize(("name", "outcome", "headline"), BANNERS)
async def test_the_verdict_banner_heads_guided_inspect_and_all_panes(name, outcome, headline):
    async with scenario_app().run_test(size=(80, 24)) as pilot:
        pilot.app.analyse(scenario_submission(name))
        await settle(pilot)
        lines = screen_text(pilot.app).splitlines()
        shown = [line for line in lines if line.strip()]
        # Right under the title bar, before the step count.
        assert flat(shown[1]).startswith(f"{outcome} {headline}") and "Step 1 of 7" in shown[3]
        for keys in (("i",), ("i", "5"), ("a",)):
            await pilot.press(*keys)
            await pilot.pause()
            assert banner(pilot.app).startswith(f" {outcome}  {headline}"), keys
            assert headline in screen_text(pilot.app)


async def test_the_walk_opens_on_what_happened_with_the_proof():
    async with scenario_app().run_test(size=(80, 24)) as pilot:
        pilot.app.analyse(scenario_submission("list-footer"))
        await settle(pilot)
        text = screen_text(pilot.app)
        assert "Step 1 of 7" in text and "What happened?" in text
        assert "Root cause: CANON-11, proven" in flat(text)
        assert "Evidence for the root cause" in text and "+ To unsubscribe send an email" in text


async def test_the_why_questions_follow_the_chain_down_to_who_caused_it():
    async with scenario_app().run_test(size=(120, 36)) as pilot:
        pilot.app.analyse(scenario_submission("list-footer"))
        await settle(pilot)
        text = flat(await walk_to(pilot, "Which identity failed?"))
        # The identity DMARC needs, not the alarming but harmless one (DMARC-06).
        assert "DKIM d=example.com (aligned): fail" in text
        assert "Not the cause: DMARC-06" in text
        text = flat(await walk_to(pilot, "What changed in transit?"))
        assert "In the chain: CANON-01" in text
        text = flat(await walk_to(pilot, "Who caused it?"))
        assert "the mailing list's owner must act" in text


@pytest.mark.parametrize(("name", "starts"), [
    # No command fixes a footer: the advice for whoever must act is what gets copied.
    ("list-footer", "For the mailing list's owner: Stop adding footers"),
    ("selector-missing", "sh -c 'openssl rsa -in"),
    ("dmarc-reject-bounce", 'example.com. 3600 IN TXT "v=spf1 ip4:192.0.2.0/24 ip4:198.51.100.7'),
])
async def test_the_fix_step_leads_with_the_root_causes_fix_and_c_copies_it(name, starts):
    async with scenario_app().run_test(size=(80, 24)) as pilot:
        pilot.app.analyse(scenario_submission(name))
        await settle(pilot)
        text = await walk_to(pilot, "The fix")
        assert "The root cause's fix" in text
        first = pilot.app.screen.query("#fixes > CopyBox").first()
        assert first.text.startswith(starts)
        await pilot.press("c")
        await pilot.pause()
        assert pilot.app.clipboard == first.text
        assert pilot.app.system_clipboard.copied == [first.text]


async def test_list_footer_fix_step_does_not_offer_the_forwarders_spf_first():
    """The bug issue 11 opened with: `c` copied an SPF record for the list's server."""
    async with scenario_app().run_test(size=(80, 24)) as pilot:
        pilot.app.analyse(scenario_submission("list-footer"))
        await settle(pilot)
        await walk_to(pilot, "The fix")
        await pilot.press("c")
        await pilot.pause()
        assert "spf1" not in pilot.app.clipboard


async def test_the_step_count_stays_fixed_while_lookups_are_pending():
    scenario = get_scenario("list-footer")
    gate = threading.Event()
    from wizard.dns import ZoneFileResolver

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
        assert "Step 1 of 7" in text and "CHECKING" in text
        await pilot.press("right")
        assert "Step 2 of 7" in screen_text(pilot.app)
        gate.set()
        await settle(pilot)
        text = screen_text(pilot.app)
        assert "Step 2 of 7" in text and "FAIL" in text
        await pilot.press("left")
        assert "Step 1 of 7" in screen_text(pilot.app)
