"""Cold start to first frame: mailtriage's app over a bare Textual app, same run.

Each sample is a fresh interpreter (a cold start, as the user gets it) that builds the
app, lets it paint its first frame headless and exits right after that refresh. The two
apps alternate so machine load hits both alike; the ratio of the medians is printed.
Target: ≤ 1.2 (keep imports in tui/ lazy: wizard's engine loads only when analysing).

Both run with bytecode caching on, in one private cache directory (PYTHONPYCACHEPREFIX), as
tests/bench/bench_check.py explains: an installed package has its bytecode compiled at
install time, while a checkout run with PYTHONDONTWRITEBYTECODE=1 (as on the shared dev
machine) would recompile every module of ours on every start and time the compiler.

    python3 tests/bench/bench_startup.py [ROUNDS]
"""
from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TARGET = 1.2

BARE = """
from textual.app import App
from textual.widgets import Footer, Header, Static

class Bare(App):
    def compose(self):
        yield Header()
        yield Static("hello")
        yield Footer()
    def on_mount(self):
        self.call_after_refresh(self.exit)

Bare().run(headless=True, size=(80, 24))
"""

MAILTRIAGE = """
import tui.app
from tui.app import MailTriageApp

class FirstFrame(MailTriageApp):
    # Defined in -c code, which has no file to resolve a relative CSS path against.
    CSS_PATH = tui.app.__file__.replace("app.py", "app.tcss")

    def on_mount(self):
        super().on_mount()
        self.call_after_refresh(self.exit)

FirstFrame(resolvers=[]).run(headless=True, size=(80, 24))
"""


def sample(code: str, cache: str) -> float:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env.update(PYTHONPATH=str(ROOT), PYTHONPYCACHEPREFIX=cache)
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True, env=env, cwd=ROOT)
    return time.perf_counter() - start


def main(rounds: int = 11) -> float:
    with tempfile.TemporaryDirectory() as cache:
        sample(BARE, cache), sample(MAILTRIAGE, cache)  # warm the file and bytecode caches
        bare: list[float] = []
        ours: list[float] = []
        for _ in range(rounds):
            bare.append(sample(BARE, cache))
            ours.append(sample(MAILTRIAGE, cache))
    b, o = statistics.median(bare), statistics.median(ours)
    ratio = o / b
    print(f"bare Textual app : {b * 1000:7.1f} ms (median of {rounds})")
    print(f"mailtriage app   : {o * 1000:7.1f} ms (median of {rounds})")
    print(f"ratio            : {ratio:.2f}  (target ≤ {TARGET}) {'OK' if ratio <= TARGET else 'SLOW'}")
    return ratio


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 11)
