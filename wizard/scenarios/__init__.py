"""Bundled training scenarios: real signed messages (or bounces) plus the DNS zones they
need, served by the zone-file resolver so every scenario works with no network.

Built by scripts/build_scenarios.py; each folder holds message.eml or bounce.eml, zone files
named <origin>.zone and scenario.json.
"""
from __future__ import annotations

import json
from datetime import datetime
from functools import cache
from pathlib import Path

from msgspec import Struct

HERE = Path(__file__).resolve().parent
DEFAULT = "dmarc-reject-bounce"  # what the README's run command opens: the commonest ticket


class Scenario(Struct, frozen=True):
    name: str
    title: str
    summary: str
    message_path: Path
    zone_paths: tuple[Path, ...]
    now: datetime  # the clock the scenario is judged at (expiry depends on it)
    ip: str | None  # SPF inputs when the message's own Received chain is not enough
    mail_from: str | None
    helo: str | None

    def read(self) -> bytes:
        return self.message_path.read_bytes()


@cache
def list_scenarios() -> tuple[Scenario, ...]:
    found = []
    for meta_path in sorted(HERE.glob("*/scenario.json")):
        meta = json.loads(meta_path.read_text())
        folder = meta_path.parent
        message = next(p for p in (folder / "message.eml", folder / "bounce.eml") if p.exists())
        found.append(
            Scenario(
                name=meta["name"],
                title=meta["title"],
                summary=meta["summary"],
                message_path=message,
                zone_paths=tuple(sorted(folder.glob("*.zone"))),
                now=datetime.fromisoformat(meta["now"]),
                ip=meta.get("ip"),
                mail_from=meta.get("mail_from"),
                helo=meta.get("helo"),
            )
        )
    return tuple(found)


def get_scenario(name: str) -> Scenario:
    for scenario in list_scenarios():
        if scenario.name == name:
            return scenario
    known = ", ".join(s.name for s in list_scenarios())
    raise KeyError(f"no scenario named {name!r}; known: {known}")
