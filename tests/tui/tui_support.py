"""What the TUI tests share: a deterministic app (no network, fixed clock) and a way to read
what the user sees."""
from __future__ import annotations

import html
import re
from datetime import UTC, datetime

from tui.app import MailTriageApp
from wizard.model.request import AnalysisRequest

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)

DMARC_REPLY = (
    "550 5.7.26 Unauthenticated email from example.com is not accepted due to domain's "
    "DMARC policy. Please contact the administrator of example.com domain.\n"
)


class ClipboardRecorder:
    """Stands in for the desktop clipboard (pyperclip): records what was copied, so no test
    ever touches the clipboard of the machine it runs on."""

    def __init__(self) -> None:
        self.copied: list[str] = []

    def __call__(self, value: str) -> None:
        self.copied.append(value)


def make_app(**kwargs) -> MailTriageApp:
    """The real app with the world injected: no resolvers unless given, a fixed clock, a
    recorder for the system clipboard (`app.system_clipboard.copied`)."""
    kwargs.setdefault("resolvers", [])
    kwargs.setdefault("clock", lambda: NOW)
    kwargs.setdefault("system_clipboard", ClipboardRecorder())
    return MailTriageApp(**kwargs)


def scenario_submission(name: str) -> AnalysisRequest:
    from wizard.scenarios import get_scenario

    s = get_scenario(name)
    return AnalysisRequest(
        source=f"scenario {s.name}", raw=s.read(), zone_paths=tuple(str(p) for p in s.zone_paths),
        now=s.now, ip=s.ip, mail_from=s.mail_from, helo=s.helo,
    )


def screen_text(app) -> str:
    """The visible screen as plain text, one line per terminal row (read from the same SVG
    export the snapshots use)."""
    svg = app.export_screenshot()
    rows: dict[int, list[str]] = {}
    for row, text in re.findall(r'<text[^>]*clip-path="url\(#terminal-\d+-line-(\d+)\)"[^>]*>(.*?)</text>', svg,
                                flags=re.S):
        rows.setdefault(int(row), []).append(text)
    return "\n".join(html.unescape("".join(rows[r])).replace("\xa0", " ") for r in sorted(rows))


async def settle(pilot) -> None:
    """Wait until the analysis worker is done and its messages are handled."""
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    await pilot.pause()


def notices(app) -> list[str]:
    """The notifications on view (toasts), as the user reads them."""
    return [f"{n.title}: {n.message}" for n in app._notifications]


def steady_zone_resolvers(paths):
    """Zone-file answers that report 1 ms: the one field that varies run to run, fixed so
    snapshots of the DNS pane are stable. A subclass, so the DNS session still knows the
    zone files are the whole world and asks no real server."""
    from msgspec.structs import replace

    from wizard.dns import ZoneFileResolver

    class SteadyZoneFileResolver(ZoneFileResolver):
        async def query(self, name: str, rdtype: str):
            return replace(await super().query(name, rdtype), elapsed_ms=1.0)

    return [SteadyZoneFileResolver(list(paths))]


def scenario_app(**kwargs) -> MailTriageApp:
    """The app as `mailtriage demo` runs it: each scenario answers DNS from its own zones."""
    kwargs.setdefault("zone_resolver_factory", steady_zone_resolvers)
    return make_app(**kwargs)
