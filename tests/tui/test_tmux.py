"""The installed `mailtriage` in a real terminal (tmux): keys in, screen out.

This is the one test that goes through a real pty, terminfo and the Linux driver: what a
user gets over SSH at 80×24, in a 256-colour and in a plain terminal."""
from __future__ import annotations

import shlex
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

pytestmark = pytest.mark.tmux

ROOT = Path(__file__).resolve().parents[2]
SCENARIO = ROOT / "wizard" / "scenarios" / "dmarc-reject-bounce"
REPLY = "550 5.7.26 Unauthenticated email from example.com is not accepted due to domain's DMARC policy."


def mailtriage() -> list[str]:
    """The installed console script; from a source checkout, the same entry point."""
    found = shutil.which("mailtriage")
    return [found] if found else [sys.executable, "-m", "tui.cli"]


class Tmux:
    def __init__(self, command: str, *, term: str = "xterm-256color", size=(80, 24)) -> None:
        if shutil.which("tmux") is None:
            pytest.fail("tmux is not installed (apt-get install tmux)")
        self.name = f"mt-{uuid.uuid4().hex[:8]}"
        self.socket = f"mt-test-{self.name}"
        width, height = size
        env = f"cd {shlex.quote(str(ROOT))} && PYTHONPATH={shlex.quote(str(ROOT))} TERM={term} "
        self._run("new-session", "-d", "-s", self.name, "-x", str(width), "-y", str(height),
                  env + command + "; sleep 30")

    def _run(self, *args: str) -> str:
        return subprocess.run(["tmux", "-L", self.socket, *args], check=True,
                              capture_output=True, text=True).stdout

    def keys(self, *keys: str, literal: bool = False) -> None:
        self._run("send-keys", "-t", self.name, *(["-l"] if literal else []), *keys)

    def screen(self) -> str:
        return self._run("capture-pane", "-p", "-t", self.name)

    def wait_for(self, text: str, timeout: float = 30.0) -> str:
        deadline = time.monotonic() + timeout
        screen = ""
        while time.monotonic() < deadline:
            screen = self.screen()
            if text in screen:
                return screen
            time.sleep(0.2)
        raise AssertionError(f"{text!r} never appeared; the screen was:\n{screen}")

    def close(self) -> None:
        subprocess.run(["tmux", "-L", self.socket, "kill-server"], capture_output=True)


@pytest.fixture
def tmux_session():
    sessions: list[Tmux] = []

    def start(command: str, **kwargs) -> Tmux:
        session = Tmux(command, **kwargs)
        sessions.append(session)
        return session

    yield start
    for session in sessions:
        session.close()


def _cmd(*args: str) -> str:
    return shlex.join(mailtriage() + list(args))


def test_paste_analyse_and_walk_at_80x24(tmux_session):
    term = tmux_session(_cmd("--zone", str(SCENARIO / "example.com.zone")))
    term.wait_for("What do you have?")
    term.wait_for("Analyse")  # the footer shows the bindings
    term.keys(REPLY, literal=True)
    term.keys("C-s")
    screen = term.wait_for("Step 1 of")
    assert "What happened?" in screen
    term.keys("Right")
    screen = term.wait_for("What did the receiver say?")
    assert "5.7.26" in screen
    # Labels and values are separate words on a real terminal, and the footer is whole.
    assert "What we found: The receiving server" in screen
    assert "^p Palette" in screen and "f1 Help" in screen
    term.keys("C-q")  # the paste was never saved: asked first
    term.wait_for("Quit without saving the paste?")
    term.keys("q")
    deadline = time.monotonic() + 10
    while "mailtriage" in term.screen() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert "mailtriage" not in term.screen()  # the app exited and gave the screen back


def test_file_argument_opens_guided_in_a_plain_terminal(tmux_session):
    message = SCENARIO / ("bounce.eml" if (SCENARIO / "bounce.eml").exists() else "message.eml")
    zones = [a for z in sorted(SCENARIO.glob("*.zone")) for a in ("--zone", str(z))]
    term = tmux_session(_cmd(*zones, "--now", "2026-11-20T12:00:00+00:00", str(message)), term="vt100")
    screen = term.wait_for("Step 1 of")
    assert "What happened?" in screen
    term.keys("i")
    screen = term.wait_for("Summary")
    assert "DKIM" in screen and "Raw" in screen
    term.keys("C-q")


def test_stdin_dash_reads_the_message_then_the_keyboard(tmux_session):
    term = tmux_session(f"printf '%s\\n' {shlex.quote(REPLY)} | " + _cmd("-"))
    screen = term.wait_for("Step 1 of")
    assert "stdin" in screen
    term.keys("n")  # keys reach the app: the terminal was reopened as its input
    term.wait_for("What did the receiver say?")
    term.keys("C-q")


def test_demo_opens_a_training_scenario_offline(tmux_session):
    term = tmux_session(_cmd("demo", "list-footer"))
    term.wait_for("Step 1 of 7")
    term.wait_for("Done.")  # the final report: its walk, not a partial one's, is stepped
    for step in (2, 3, 4, 5):  # one key at a time, each seen to land, as a person would
        term.keys("Right")
        term.wait_for(f"Step {step} of 7")
    screen = term.wait_for("What changed in transit?")
    assert "appended" in screen
    term.keys("C-q")
