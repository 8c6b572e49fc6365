"""The one place an AnalysisRequest is built from command-line options.

`check`, `domain`, the app (`mailtriage FILE`) and `demo` all build their request here, so
the same input with the same options is the same request — and the same report — everywhere.
Each command defines only the options it has; the rest keep the request's defaults.
"""
from __future__ import annotations

import argparse
import os
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from wizard.model.request import AnalysisRequest

if TYPE_CHECKING:
    from wizard.dns.types import Resolver
    from wizard.scenarios import Scenario


def parse_now(value: str | datetime | None) -> datetime | None:
    """--now as an aware time (UTC when no zone is given); None when the flag is absent.
    Raises ValueError for text that is not an ISO time. (`rotate` parses its own --now.)"""
    if not value:
        return None
    parsed = value if isinstance(value, datetime) else datetime.fromisoformat(value)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def request_from_args(args: argparse.Namespace, *, raw: bytes = b"", source: str = "") -> AnalysisRequest:
    """The request the options describe, for `raw` read from `source` (the caller reads the
    input: `check` reads all of it, the app reads up to its cap). Reads --original; raises
    OSError when it cannot, ValueError for a --now that is not an ISO time."""
    original = getattr(args, "original", None)
    domain = getattr(args, "domain", None) or ""
    selectors = getattr(args, "selector", None) or ()  # `domain` repeats it; the key tools take one
    return AnalysisRequest(
        source=source or (f"domain {domain}" if domain else "paste"),
        raw=raw,
        domain=domain,
        selectors=(selectors,) if isinstance(selectors, str) else tuple(selectors),
        original=_read(original) if original else None,
        now=parse_now(getattr(args, "now", None)),
        ip=getattr(args, "ip", None),
        mail_from=getattr(args, "mail_from", None),
        helo=getattr(args, "helo", None),
        resolver_specs=tuple(getattr(args, "resolver", ()) or ()),
        zone_paths=tuple(getattr(args, "zone", ()) or ()),
        offline=bool(getattr(args, "offline", False)),
        timeout=getattr(args, "timeout", 3.0),
        authoritative=not getattr(args, "no_authoritative", False),
    )


def input_source(path: str) -> str:
    """The name a FILE argument gets in the report: the path as given (`check` and the app
    alike, so one file gives one report), or "stdin" for -."""
    return "stdin" if path == "-" else path


def scenario_request(scenario: Scenario, options: AnalysisRequest | None = None) -> AnalysisRequest:
    """A training scenario as `options` would analyse it: its own message, time, SPF inputs
    and zone files (so it works with no network)."""
    from msgspec.structs import replace

    return replace(
        options or AnalysisRequest(), source=f"scenario {scenario.name}", raw=scenario.read(),
        zone_paths=tuple(str(p) for p in scenario.zone_paths), now=scenario.now,
        ip=scenario.ip, mail_from=scenario.mail_from, helo=scenario.helo,
    )


def resolvers_for(request: AnalysisRequest) -> list[Resolver]:
    """The resolvers the request names: none offline, its zone files, or its servers (the
    system resolver when none is named). Raises ValueError for a spec that is not
    HOST[:PORT], OSError for a zone file that cannot be read."""
    from wizard.dns import ZoneFileResolver, resolvers_from_specs

    if request.offline:
        return []
    if request.zone_paths:
        for path in request.zone_paths:
            os.stat(path)  # a missing zone file raises OSError naming it, as the docstring says
        return [ZoneFileResolver(list(request.zone_paths))]
    return list(resolvers_from_specs(list(request.resolver_specs), request.timeout))


def _read(path: str) -> bytes:
    with open(path, "rb") as handle:
        return handle.read()
