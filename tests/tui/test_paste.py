"""Input as the app gets it. A message pasted into a real terminal (tmux, bracketed paste):
the terminal sends each line feed as CR, so a CRLF message arrives with two CRs per line; it
must still be read as the message it is, line for line, and the user told its line endings
were normalised. A file opened with the same options: the app's report is `check`'s."""
from __future__ import annotations

import json
import subprocess
import sys
import time

import pytest

from test_tmux import ROOT, Tmux, _cmd
from tui.screens.start import normalise_paste

VALID = ROOT / "wizard" / "scenarios" / "valid"


def _paste(term: Tmux, path) -> None:
    # -p: bracketed paste, as a terminal pastes; without -r tmux turns each LF into CR.
    term._run("load-buffer", "-b", "msg", str(path))
    term._run("paste-buffer", "-p", "-b", "msg", "-t", term.name)


@pytest.mark.tmux
def test_a_crlf_message_pasted_in_tmux_is_read_line_for_line():
    message = VALID / "message.eml"
    lines = len(message.read_bytes().splitlines())
    assert b"\r\n" in message.read_bytes()
    zones = [a for z in sorted(VALID.glob("*.zone")) for a in ("--zone", str(z))]
    term = Tmux(_cmd(*zones, "--now", "2026-11-20T12:00:00+00:00"))
    try:
        term.wait_for("What do you have?")
        _paste(term, message)
        screen = term.wait_for("Line endings normalised")  # told at once, as a notice
        assert "Hi Bob," in screen
        term.keys("C-s")
        screen = term.wait_for("Done.")
        assert "PASS" in screen  # the From header, the signature and the body were all read
        assert "No From" not in screen and "line endings: lf" not in screen
        term.keys("i")
        screen = term.wait_for("Line breaks arrived as bare CR")
        term.keys("Escape")
        term.wait_for("What do you have?")
        term.keys("C-q")
        screen = term.wait_for("Quit without saving the paste?")
        # The dialog's words, its border and the screen behind it left out.
        words = " ".join(w for line in screen.splitlines() for w in line.split("█")[1:2])
        assert f"({lines} lines)" in " ".join(words.split()), screen
        term.keys("q")
    finally:
        term.close()


def test_a_paste_with_lf_line_feeds_turned_to_cr_keeps_its_blank_lines():
    # An LF file pasted: one CR per line break, two for the blank line between head and body.
    text, arrived = normalise_paste("From: a@example.com\rSubject: x\r\rbody\r")
    assert (text, arrived) == ("From: a@example.com\nSubject: x\n\nbody\n", "cr")
    # A CRLF file pasted: every break is a CR pair, the blank line two pairs.
    text, arrived = normalise_paste("From: a@example.com\r\rSubject: x\r\r\r\rbody\r\r")
    assert (text, arrived) == ("From: a@example.com\nSubject: x\n\nbody\n", "cr")
    assert normalise_paste("a\r\nb\rc\n") == ("a\nb\nc\n", "mixed")
    assert normalise_paste("a\r\nb\r\n") == ("a\nb\n", "")
    started = time.monotonic()
    normalise_paste("\r" * 2_000_001 + "x")  # an odd run of CRs is scanned once, not backtracked
    assert time.monotonic() - started < 1.0


def _timeless(value):
    """The report with the one thing that differs run to run, each lookup's time, left out."""
    if isinstance(value, dict):
        return {k: _timeless(v) for k, v in value.items() if k != "elapsed_ms"}
    if isinstance(value, list):
        return [_timeless(v) for v in value]
    return value


async def test_the_app_and_check_give_the_same_report_for_the_same_file_and_resolver(dns_server, tmp_path):
    from signing import message, sign
    from tui.cli.app import build_parser, initial_request, make_app
    from tui_support import settle
    from wizard.output.json import report_to_json

    path = tmp_path / "m.eml"
    path.write_bytes(b"Return-Path: <alice@verify.test>\r\n" + sign(message(), "rsa2048", "rsa2048a"))
    argv = [str(path), "--resolver", dns_server.spec, "--now", "2026-11-20T12:00:00+00:00"]
    proc = subprocess.run([sys.executable, "-m", "tui.cli", "check", *argv, "--json"], cwd=ROOT,
                          capture_output=True, timeout=120)
    cli = json.loads(proc.stdout)
    # The app as `mailtriage FILE --resolver …` starts it (tui.cli.app.main).
    args = build_parser().parse_args(argv)
    app = make_app(args, initial_request(args))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        while not app.finished:
            await pilot.pause(0.1)
        tui = json.loads(report_to_json(app.report))
    assert {a["resolver"] for a in tui["dns"]} == {dns_server.spec}
    assert _timeless(tui) == _timeless(cli)


async def test_the_open_file_box_completes_paths(tmp_path):
    from textual.widgets import Input

    from tui_support import make_app, settle

    (tmp_path / "bounce-gmail.eml").write_bytes((VALID / "message.eml").read_bytes())
    (tmp_path / "bounce-outlook.eml").write_bytes(b"x")
    (tmp_path / "saved").mkdir()
    async with make_app().run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("ctrl+o")
        box = pilot.app.screen.query_one("#file", Input)
        box.insert_text_at_cursor(f"{tmp_path}/b")
        await pilot.pause(0.3)
        await pilot.press("right")  # takes the dimmed rest: what both names share
        assert box.value == f"{tmp_path}/bounce-"
        await pilot.press("g")
        await pilot.pause(0.3)
        await pilot.press("right")
        assert box.value == f"{tmp_path}/bounce-gmail.eml"
        box.value = ""
        box.insert_text_at_cursor(f"{tmp_path}/sa")
        await pilot.pause(0.3)
        await pilot.press("right")
        assert box.value == f"{tmp_path}/saved/"  # a folder, ready for the next name
        box.value = f"{tmp_path}/bounce-gmail.eml"
        await pilot.press("enter")
        await settle(pilot)
        assert pilot.app.submission.source == f"{tmp_path}/bounce-gmail.eml"  # its path, as `check` names it


async def test_a_file_opened_in_the_app_is_named_by_its_path_and_a_long_one_keeps_its_name(tmp_path):
    from textual.widgets import Input

    from tui_support import make_app, screen_text, settle

    folder = tmp_path / ("support-tickets-" * 4) / "customer-reported"
    folder.mkdir(parents=True)
    path = folder / "bounce-gmail.eml"
    path.write_bytes((VALID / "message.eml").read_bytes())
    async with make_app().run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("ctrl+o")
        pilot.app.screen.query_one("#file", Input).value = str(path)
        await pilot.press("enter")
        await settle(pilot)
        assert pilot.app.report.input.source == str(path)  # as `check` names it
        title = screen_text(pilot.app).splitlines()[0]
    assert "…" in title and title.rstrip().endswith("customer-reported/bounce-gmail.eml")
