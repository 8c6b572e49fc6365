"""Regenerate screenshots/*.svg from the bundled training scenarios.

    python3 screenshots/make_screenshots.py [--png]

Every screen is the real app driven by keys, with each scenario's own zone files and clock,
so the pictures show exactly what a user gets offline. `--png` also writes PNGs beside them
(needs rsvg-convert) for looking at them without a browser.
"""
from __future__ import annotations

import asyncio
import shutil
import subprocess
import sys
from pathlib import Path
from typing import NamedTuple

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from textual import events  # noqa: E402

from tui.app import MailTriageApp  # noqa: E402
from tui.messages import AnalysisRequest  # noqa: E402
from wizard.scenarios import get_scenario  # noqa: E402

SMALL, LARGE = (80, 24), (120, 36)


def submission(name: str) -> AnalysisRequest:
    s = get_scenario(name)
    return AnalysisRequest(
        source=f"scenario {s.name}", raw=s.read(), zone_paths=tuple(str(p) for p in s.zone_paths),
        now=s.now, ip=s.ip, mail_from=s.mail_from, helo=s.helo,
    )


class Shot(NamedTuple):
    name: str
    size: tuple[int, int]
    scenario: str | None  # None: the start screen
    keys: tuple[str, ...] = ()  # pressed after loading
    paste: str = ""  # pasted into the start screen first, as a terminal delivers a paste


BOUNCE_LINE = "550 5.7.26 Unauthenticated email from example.com is not accepted due to domain's DMARC policy.\n"

SHOTS: tuple[Shot, ...] = (
    Shot("start-80x24", SMALL, None),
    Shot("start-120x36", LARGE, None),
    Shot("help-80x24", SMALL, None, ("f1",)),
    Shot("quit-unsaved-paste-80x24", SMALL, None, ("ctrl+q",), paste=BOUNCE_LINE),
    Shot("guided-bounce-receiver-80x24", SMALL, "dmarc-reject-bounce", ("right",)),
    Shot("guided-bounce-fix-80x24", SMALL, "dmarc-reject-bounce", ("right",) * 6 + ("tab",)),
    Shot("guided-footer-transit-120x36", LARGE, "list-footer", ("right",) * 4),
    Shot("guided-missing-key-dns-80x24", SMALL, "selector-missing", ("right",) * 3),
    Shot("guided-unaligned-fix-80x24", SMALL, "third-party-unaligned", ("right",) * 6),
    Shot("guided-spf-lookups-dns-80x24", SMALL, "spf-too-many-lookups", ("right",) * 3),
    Shot("inspect-summary-120x36", LARGE, "list-footer", ("i",)),
    Shot("inspect-dkim-80x24", SMALL, "list-footer", ("i", "2")),
    Shot("inspect-dns-120x36", LARGE, "cname-selector-stale", ("i", "3", "tab") + ("down",) * 5),
    Shot("inspect-verify-80x24", SMALL, "list-footer", ("i", "4")),
    Shot("inspect-body-120x36", LARGE, "list-footer", ("i", "5")),
    Shot("inspect-policy-120x36", LARGE, "third-party-unaligned", ("i", "7")),
    Shot("inspect-fix-80x24", SMALL, "selector-missing", ("i", "9")),
    Shot("all-panes-120x36", LARGE, "list-footer", ("i", "a")),
)


async def shoot(shot: Shot) -> Path:
    # A copy in a shot must not reach the desktop clipboard of whoever regenerates them.
    app = MailTriageApp(resolvers=[], system_clipboard=lambda value: None)
    async with app.run_test(size=shot.size) as pilot:
        await pilot.pause()
        if shot.paste:
            app.post_message(events.Paste(shot.paste))
            await pilot.pause()
        if shot.scenario is not None:
            app.analyse(submission(shot.scenario))
            await app.workers.wait_for_complete()
            await pilot.pause()
        for key in shot.keys:
            await pilot.press(key)
            await pilot.pause()
        await pilot.pause()
        path = HERE / f"{shot.name}.svg"
        app.save_screenshot(filename=path.name, path=str(HERE))
    return path


async def main(png: bool) -> None:
    for shot in SHOTS:
        path = await shoot(shot)
        print(path.relative_to(HERE.parent))
        if png:
            subprocess.run(["rsvg-convert", str(path), "-o", str(path.with_suffix(".png"))], check=True)


if __name__ == "__main__":
    want_png = "--png" in sys.argv
    if want_png and shutil.which("rsvg-convert") is None:
        sys.exit("--png needs rsvg-convert (apt-get install librsvg2-bin)")
    asyncio.run(main(want_png))
