"""The inspect tables as read on a small terminal: a cell that does not fit is visibly cut
("…"), never lost past the screen's edge, and its whole value is one key (enter) away."""
from __future__ import annotations

from textual.widgets import TextArea

from tui.dialogs.value import ValueDialog
from tui_support import scenario_app, scenario_submission, screen_text, settle
from wizard.scenarios import get_scenario


async def _open(pilot, name: str, *keys: str) -> str:
    pilot.app.analyse(scenario_submission(name))
    await settle(pilot)
    for key in ("i", *keys):
        await pilot.press(key)
        await pilot.pause()
    return screen_text(pilot.app)


def _row(screen: str, part: str) -> str:
    """The screen row holding `part`. (Rows are matched on a cell's text: the screenshot
    drops the padding between differently styled cells.)"""
    return next(line for line in screen.splitlines() if part in line).rstrip()


def _dkim_record() -> str:
    """The key record as the scenario's zone file publishes it, its strings joined."""
    zone = next(p for p in get_scenario("valid").zone_paths if p.name == "example.com.zone")
    line = next(x for x in zone.read_text().splitlines() if x.startswith("sel2026._domainkey"))
    return "".join(line.split('"')[1::2])


def _as_if_asked_at(label: str):
    """Zone-file answers labelled as a `--resolver 127.0.0.1:5353` server labels them: the
    width a real resolver's column takes."""
    from msgspec.structs import replace

    from wizard.dns import ZoneFileResolver

    class Labelled(ZoneFileResolver):
        async def query(self, name: str, rdtype: str):
            return replace(await super().query(name, rdtype), resolver=label, elapsed_ms=1.0)

    return lambda paths: [Labelled(list(paths))]


async def test_dns_values_that_do_not_fit_end_in_an_ellipsis_at_80_columns():
    # Tall enough for every row of the table; the width is what is tested.
    async with scenario_app().run_test(size=(80, 40)) as pilot:
        screen = await _open(pilot, "valid", "3")
    # The 400-character key record is cut, and the cut shows.
    key_row = _row(screen, "sel2026._domainkey.")
    assert key_row.endswith("…") and "v=DKIM1; k=rsa; p" in key_row
    assert _row(screen, "v=DMARC1").endswith("…")


async def test_dns_values_end_in_an_ellipsis_at_120_columns_with_a_real_resolver():
    app = scenario_app(zone_resolver_factory=_as_if_asked_at("127.0.0.1:5353"))
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await _open(pilot, "third-party-unaligned", "3")
    key_row = _row(screen, "esp1._domainkey.")
    assert "127.0.0.1:5353" in key_row and key_row.endswith("…") and "v=DKIM1; k=rsa; p=MIIB" in key_row
    assert _row(screen, "v=DMARC1").endswith("…")


async def test_enter_on_a_dns_row_shows_its_whole_value_and_c_copies_it():
    record = _dkim_record()
    assert len(record) > 300
    async with scenario_app().run_test(size=(80, 24)) as pilot:
        screen = await _open(pilot, "valid", "3", "tab", *["down"] * 6, "enter")
        assert isinstance(pilot.app.screen, ValueDialog)
        assert "TXT sel2026._domainkey.example.com" in screen
        assert pilot.app.screen.query_one(TextArea).text == record
        # Wrapped, not cut: the end of the key is on the screen too.
        assert record[-8:] in screen
        await pilot.press("c")
        assert pilot.app.system_clipboard.copied[-1] == record
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(pilot.app.screen, ValueDialog)


async def test_a_failed_body_hash_is_not_an_ok_bh_tag():
    async with scenario_app().run_test(size=(80, 24)) as pilot:
        screen = await _open(pilot, "list-footer", "2")
    bh = _row(screen, "qfUQbXQbfg5BSvnIpP3J")  # the bh= value
    assert "fail" in bh and " ok " not in bh


async def test_a_verified_body_hash_says_pass():
    async with scenario_app().run_test(size=(80, 24)) as pilot:
        screen = await _open(pilot, "valid", "2")
    bh = _row(screen, "hash of the canonical b")
    assert "pass" in bh and " ok " not in bh


async def test_dkim_and_hops_tables_fit_80_columns_with_marked_cuts():
    async with scenario_app().run_test(size=(80, 24)) as pilot:
        dkim = await _open(pilot, "list-footer", "2")
        await pilot.press("8")
        await pilot.pause()
        hops = screen_text(pilot.app)
    assert _row(dkim, "verdict").endswith("meaning")
    assert _row(dkim, "version of the DKIM").endswith("…")  # the meaning, cut
    assert _row(hops, "delay").split() == ["#", "from", "IP", "by", "with", "TLS", "time", "delay"]
    assert _row(hops, "203.0.113.25").endswith("2026-11-20…")


async def test_enter_on_the_policy_pane_shows_every_spf_record_whole():
    async with scenario_app().run_test(size=(80, 24)) as pilot:
        screen = await _open(pilot, "spf-too-many-lookups", "7", "tab", "end")
        assert "are cut to fit: enter shows every row whole" in screen.replace("\n", " ")
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(pilot.app.screen, ValueDialog)
        text = pilot.app.screen.query_one(TextArea).text
    # The pane cuts these to "include:…  1  9  v=spf1 include:spf10.vendo…"; here they are whole.
    assert ("include:spf9.vendors.example.net  lookup 9 of 10  → v=spf1 include:spf10.vendors.example.net ~all"
            in text)
    assert "spf: domain: example.com  result: permerror" not in text  # columns are named, not squeezed
    assert "spf  domain: example.com  result: permerror  aligned (relaxed): yes" in text


async def test_start_screen_scenario_titles_are_cut_between_words_at_80_columns():
    from textual.widgets import OptionList

    from tui_support import make_app
    from wizard.scenarios import list_scenarios

    titles = [s.title for s in list_scenarios()]
    async with make_app().run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("ctrl+t", "down")
        await pilot.pause()
        options = pilot.app.screen.query_one("#scenarios", OptionList)
        shown = [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]
        screen = screen_text(pilot.app)
    assert any(s != t for s, t in zip(shown, titles, strict=True))  # 80 columns cut some
    for prompt, title in zip(shown, titles, strict=True):
        if prompt != title:
            kept = prompt.removesuffix("…")
            assert prompt.endswith("…") and title.startswith(kept) and title[len(kept)] == " ", prompt
    assert "CNAME-delegated selector…" in screen
    # The highlighted scenario's whole title leads its summary.
    assert "CNAME-delegated selector gone" in screen.replace("\n", " ")


async def test_the_dmarc_table_lists_the_from_domains_signature_that_failed():
    # list-footer: example.com signed, the list's footer broke that signature, and SPF passed
    # for the list's own domain. The aligned signature that failed is the row to look at.
    async with scenario_app().run_test(size=(80, 24)) as pilot:
        screen = await _open(pilot, "list-footer", "7")
    assert _row(screen, "dkim").split() == ["dkim", "example.com", "fail", "yes", "yes"]
    assert _row(screen, "spf  ").split() == ["spf", "lists.example.org", "pass", "no", "no"]
    assert "Result: fail for From domain example.com" in screen
