"""The Verify, DMARC/SPF and Bounce panes read as answers, not field dumps: each place DKIM
can break has its own verdict line, policy shows the CLI's own sections, and tables fit
an 80-column terminal without wrapping."""
from __future__ import annotations

import re

import pytest

from tui_support import scenario_app, scenario_submission, screen_text
from wizard.output.text import Table, text_table


async def pane_text(name: str, pane: str, size=(80, 24), *keys: str) -> str:
    async with scenario_app().run_test(size=size) as pilot:
        pilot.app.analyse(scenario_submission(name))
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        for key in ("i", pane, *keys):
            await pilot.press(key)
            await pilot.pause()
        # Runs of spaces made one: the assertions are about words, not column padding.
        return re.sub(r" +", " ", screen_text(pilot.app))


async def test_verify_gives_body_header_and_key_their_own_verdicts():
    text = await pane_text("list-footer", "4")
    assert "Body hash fail" in text
    assert "Header signature fail" in text
    # The RSA decode separates "headers changed" from "wrong key".
    assert "Header signature fail right key, so signed headers changed" in text
    assert "sel2026._domainkey.example.com ok rsa 2048 usable" in text
    assert "Proven change CANON-13" in text
    assert "- Subject: Agenda for the meetup" in text and "+ Subject: [team] Agenda for the meetup" in text
    assert "index:" not in text and "#1" not in text  # no raw field dump


async def test_verify_says_why_a_missing_key_leaves_the_header_unchecked():
    text = await pane_text("selector-missing", "4")
    assert "Body hash pass" in text
    assert "Header signature not_checked" in text
    assert "mail2026._domainkey.example.com nxdomain" in text
    assert "CRITICAL DKIM-KEY-01 DKIM key not found" in text


async def test_policy_pane_shows_the_same_alignment_table_as_the_cli():
    text = await pane_text("third-party-unaligned", "7", (120, 36))
    assert "Result: fail for From domain example.com; policy reject" in text
    rows = [line.split() for line in text.splitlines()]
    assert ["dkim", "mailer.example.net", "pass", "no", "no"] in rows
    assert ["spf", "mailer.example.net", "pass", "no", "no"] in rows


async def test_the_spf_tree_fits_80_columns_row_by_row():
    text = await pane_text("spf-too-many-lookups", "7", (80, 24), "tab", *["down"] * 8)
    assert "DNS lookups used: 11 of 10" in text
    # Every include of the chain keeps its row: cut with "…", never wrapped onto the next.
    assert "include:spf1.vendors.exa… 1 1" in text
    assert not any(line.strip() == "-" * len(line.strip()) and len(line.strip()) < 10
                   for line in text.splitlines() if line.strip())


async def test_bounce_pane_lists_each_receivers_verdict_on_one_line():
    text = await pane_text("list-footer", "6", (120, 36))
    # (Unstyled runs of spaces do not survive the screenshot export read here.)
    assert any("mx.example.org" in line and "trusted: the final receiver" in line for line in text.splitlines())
    assert "dkim=fail header.d=example.com header.s=sel2026 (body hash did not verify)" in text
    assert "dmarc=fail header.from=example.com (p=REJECT)" in text


@pytest.mark.parametrize("width", [40, 60, 75])
def test_text_table_fits_a_width_and_keeps_columns_aligned(width):
    table = Table(("term", "cost", "record"), (("include:" + "x" * 50, "1", "v=spf1 " + "y" * 80), ("-all", "", "")))
    lines = text_table(table, width)
    assert all(len(line) <= width for line in lines)
    assert lines[2].index(" 1 ") == lines[0].index(" cost")  # the cost column still lines up
    assert lines[2].endswith("…")
