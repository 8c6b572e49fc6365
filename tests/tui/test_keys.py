"""The Keys screen ("Fix it"), driven by keyboard through Pilot: make a key, see its record in
every form, copy one, save the private key once and only once, refuse hostile names, and
plan a rotation against zone-file DNS."""
from __future__ import annotations

import stat
import time
from pathlib import Path

import pytest
from textual.widgets import Input, TextArea

from tui.screens.keys import KeysScreen
from tui.widgets.fix import FixBox
from tui.widgets.key_record import FormBox
from tui_support import make_app, notices, screen_text, settle
from wizard.keys import keygen

ZONES = Path(__file__).parent.parent / "zones"


async def open_keys(pilot) -> KeysScreen:
    await pilot.pause()
    await pilot.press("f3")
    await pilot.pause()
    assert isinstance(pilot.app.screen, KeysScreen)
    return pilot.app.screen


async def fill(pilot, field: str, value: str) -> None:
    pilot.app.screen.query_one(f"#keys-{field}", Input).value = value
    await pilot.pause()


async def generate(pilot, domain: str, selector: str, key_type: str = "rsa") -> KeysScreen:
    screen = await open_keys(pilot)
    await fill(pilot, "domain", domain)
    await fill(pilot, "selector", selector)
    if key_type == "ed25519":
        await pilot.click("#type-ed25519")
    await pilot.press("ctrl+g")
    await settle(pilot)
    return screen


def shown_forms(screen: KeysScreen) -> list[str]:
    return [box.query_one(TextArea).text for box in screen.query(FormBox)]


@pytest.mark.parametrize("key_type,bits", [("rsa", 2048), ("ed25519", 256)])
async def test_generate_shows_the_record_in_every_form(key_type, bits):
    async with make_app().run_test(size=(80, 24)) as pilot:
        screen = await generate(pilot, "example.com", "s2026", key_type)
        key = screen.key
        assert key is not None and (key.key_type, key.bits) == (key_type, bits)
        forms = keygen.record_forms("example.com", "s2026", key)
        assert shown_forms(screen) == [forms.zone_line, forms.multi_string, forms.unsplit,
                                       forms.opendkim_txt.rstrip("\n")]
        text = screen_text(pilot.app)
        assert "TXT record at s2026._domainkey.example.com" in text
        assert "BEGIN PRIVATE KEY" not in text and all(
            b"PRIVATE" not in box.text.encode() or "openssl" in box.text for box in screen.query(FixBox))
        commands = [box.text for box in screen.query(FixBox) if not isinstance(box, FormBox)]
        assert [c.shell for c in keygen.openssl_equivalents("s2026.private", key_type, bits)] == commands[:2]
        if key_type == "ed25519":
            status = str(screen.query_one("#keys-status").render())
            assert "Ed25519 256-bit" in status and "sign with an RSA key too" in status


async def test_c_copies_the_focused_record_form():
    async with make_app().run_test(size=(80, 24)) as pilot:
        screen = await generate(pilot, "example.com", "s2026")
        box = list(screen.query(FormBox))[1]  # the Route 53 multi-string form
        box.query_one(TextArea).focus()
        await pilot.pause()
        await pilot.press("c")
        await pilot.pause()
        expected = keygen.record_forms("example.com", "s2026", screen.key).multi_string
        assert pilot.app.clipboard == expected
        assert pilot.app.system_clipboard.copied == [expected]
        assert any("Copied DNS record via terminal (OSC 52) and system clipboard" in n for n in notices(pilot.app))


async def test_1024_bits_is_flagged_weak():
    async with make_app().run_test(size=(80, 24)) as pilot:
        await open_keys(pilot)
        await fill(pilot, "bits", "1024")
        assert "1024 bits is weak" in screen_text(pilot.app)


async def save_through_dialog(pilot, path: Path) -> None:
    await pilot.press("ctrl+s")
    await pilot.pause()
    dialog_input = pilot.app.screen.query_one("#save-path", Input)
    dialog_input.value = str(path)
    await pilot.press("enter")
    await pilot.pause()


async def test_save_writes_a_0600_key_once_and_refuses_to_overwrite(tmp_path):
    path = tmp_path / "s2026.private"
    async with make_app().run_test(size=(80, 24)) as pilot:
        screen = await generate(pilot, "example.com", "s2026")
        await save_through_dialog(pilot, path)
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        written = path.read_bytes()
        assert keygen.load_private_key(written).public_b64 == screen.key.public_b64
        assert "Private key written to" in screen_text(pilot.app)

        await save_through_dialog(pilot, path)
        assert path.read_bytes() == written  # the first key is untouched
        assert any("already exists; refusing to overwrite a key" in n for n in notices(pilot.app))
        assert "already exists" in screen_text(pilot.app)


async def test_save_before_generating_says_what_to_do():
    async with make_app().run_test(size=(80, 24)) as pilot:
        await open_keys(pilot)
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(pilot.app.screen, KeysScreen)  # no dialog for nothing
        assert any("Generate a key first" in n for n in notices(pilot.app))


async def test_hostile_domain_is_refused_before_any_key_is_made():
    async with make_app().run_test(size=(80, 24)) as pilot:
        screen = await generate(pilot, "example.com;rm -rf ~", "s2026")
        assert screen.key is None and not list(screen.query(FixBox))
        assert any(n.startswith("Not a DNS name:") for n in notices(pilot.app))
        assert "Not a DNS name" in screen_text(pilot.app)


async def test_markup_in_a_name_is_shown_as_text_not_run():
    async with make_app().run_test(size=(80, 24)) as pilot:
        await generate(pilot, "[@click=app.quit]x", "s1")
        assert pilot.app.is_running and isinstance(pilot.app.screen, KeysScreen)
        assert any(n.startswith("Not a DNS name:") for n in notices(pilot.app))


async def test_rotation_plan_from_zone_file_dns_shows_five_steps():
    from wizard.dns import ZoneFileResolver

    resolver = ZoneFileResolver([str(ZONES / "fix.test.zone"), str(ZONES / "fixalt.test.zone")])
    async with make_app(resolvers=[resolver]).run_test(size=(80, 24)) as pilot:
        screen = await open_keys(pilot)
        await fill(pilot, "domain", "fix.test")
        await fill(pilot, "selector", "rot-new")
        await fill(pilot, "old", "rot-old")
        await pilot.press("ctrl+t")
        await settle(pilot)
        plan = screen.plan
        assert plan is not None and [s.number for s in plan.steps] == [1, 2, 3, 4, 5]
        assert [s.state.value for s in plan.steps][:3] == ["done", "done", "to do"]
        steps = [s.render() for s in screen.query(".plan-step")]
        assert len(steps) == 5
        text = "\n".join(str(s) for s in steps)
        assert "[done] 1. Publish the new key under the new selector rot-new" in text
        assert "[to do] 3. Switch the signer to selector rot-new" in text and "← you are here" in text
        assert "Done when: a message sent now carries s=rot-new" in text
        # The revoke record is offered (never a deletion) and every command is copyable.
        shells = [box.text for box in screen.query(FixBox)]
        assert 'rot-old._domainkey.fix.test. 3600 IN TXT "v=DKIM1; p="' in shells
        assert any(s.startswith("mailtriage rotate --domain fix.test --old rot-old --new rot-new") for s in shells)


async def test_rotation_to_the_same_selector_is_refused():
    from wizard.dns import ZoneFileResolver

    resolver = ZoneFileResolver([str(ZONES / "fix.test.zone")])
    async with make_app(resolvers=[resolver]).run_test(size=(80, 24)) as pilot:
        screen = await open_keys(pilot)
        await fill(pilot, "domain", "fix.test")
        await fill(pilot, "selector", "rot-old")
        await fill(pilot, "old", "ROT-OLD")
        await pilot.press("ctrl+t")
        await settle(pilot)
        assert screen.plan is None
        assert any("NEW selector" in n for n in notices(pilot.app))


async def test_keys_is_reached_from_a_result_screen_and_escape_returns_there():
    from tui.screens.guided import GuidedScreen
    from wizard.model.request import AnalysisRequest

    async with make_app().run_test(size=(80, 24)) as pilot:
        pilot.app.analyse(AnalysisRequest(source="paste", raw=b"550 5.7.26 Unauthenticated email\n"))
        await settle(pilot)
        assert isinstance(pilot.app.screen, GuidedScreen)
        await pilot.press("f3")
        await pilot.pause()
        assert isinstance(pilot.app.screen, KeysScreen)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(pilot.app.screen, GuidedScreen)


async def test_keys_is_in_help_and_the_start_footer():
    async with make_app().run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert "f3 DKIM keys" in screen_text(pilot.app).splitlines()[-1]
        await pilot.press("f1")
        await pilot.pause()
        help_text = "\n".join(str(w.render()) for w in pilot.app.screen.query("#help-box Static"))
        assert "f3 makes a DKIM key" in help_text  # the guide
        assert "Make a DKIM key and its DNS record" in help_text  # the Start screen's keys


async def test_palette_on_a_result_screen_opens_keys():
    from wizard.model.request import AnalysisRequest

    async with make_app().run_test(size=(80, 24)) as pilot:
        pilot.app.analyse(AnalysisRequest(source="paste", raw=b"550 5.7.26 Unauthenticated email\n"))
        await settle(pilot)
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"dkim")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause()
        await pilot.pause()
        assert isinstance(pilot.app.screen, KeysScreen)


@pytest.mark.tmux
def test_f3_placeholders_read_as_examples_and_bits_shows_four_digits_in_a_real_terminal():
    from test_tmux import Tmux, _cmd

    term = Tmux(_cmd())
    try:
        term.wait_for("What do you have?")
        term.keys("F3")
        screen = term.wait_for("Key type")
        # Empty fields say they are examples, so nobody takes them for values already typed.
        assert "e.g. example.com" in screen and "e.g. s2026" in screen and "e.g. s2025" in screen
        term.keys("Tab", "Tab", "Tab", "Tab", "Tab")  # domain, selectors, key type, then Bits
        time.sleep(1.0)  # focus shows only as a colour: give the keys time to land
        screen = term.screen()
        bits_row = next(line for line in screen.splitlines() if "ed25519" in line)
        # Focused, the field still shows "2048" (inside its border; the note beside it says
        # "2048 bits" too, so only the field's own cell counts).
        assert bits_row.split("▊")[-1].split("▎")[0].strip() == "2048", bits_row
        term.keys("C-q")
    finally:
        term.close()


async def test_f5_with_another_key_published_asks_which_key_the_signer_uses():
    from textual.widgets import Button

    from wizard.dns import ZoneFileResolver

    resolver = ZoneFileResolver([str(ZONES / "fix.test.zone")])  # good._domainkey holds another key
    async with make_app(resolvers=[resolver]).run_test(size=(80, 24)) as pilot:
        screen = await generate(pilot, "fix.test", "good")
        await pilot.press("f5")
        await settle(pilot)
        await pilot.pause()
        text = screen_text(pilot.app)
        assert "Which is it? Another key is published at good._domainkey.fix.test." in text
        answers = [str(b.label) for b in screen.query("#key-cases Button").results(Button)]
        assert answers == ["If the signer already signs with this key",
                           "If this is a new key and the signer still signs with the published one"]
        # Nothing to publish is offered before the answer: the wrong record breaks signing.
        assert not [b for b in screen.query("#record-check FixBox") if b.fix.__class__.__name__ == "RecordFix"]
        await pilot.press("tab", "enter")  # the second answer: a new key
        await pilot.pause()
        text = screen_text(pilot.app).replace("\n", " ")
        assert "publishing it at good would break every message still signed with the old" in text
        chosen = [box.text for box in screen.query("#key-case FixBox")]
        assert any("good2._domainkey.fix.test" in t for t in chosen)  # the record under a new selector
        assert "mailtriage rotate --domain fix.test --old good --new good2" in chosen
        await pilot.press("shift+tab", "enter")  # back to the first: DNS is stale
        await pilot.pause()
        chosen = [box.text for box in screen.query("#key-case FixBox")]
        assert len(chosen) == 1 and chosen[0].startswith("good._domainkey.fix.test")
