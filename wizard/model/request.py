"""What one analysis is asked to do: the input, the identities to assume, and where DNS comes from.

Built in one place from the command-line options (tui/request.py) and handed whole to
wizard.pipeline.analyze, so `check`, `domain` and the app give the same report for the same
input and options — including whether the zones' own name servers are asked.
"""
from __future__ import annotations

from datetime import datetime

from msgspec import Struct


class AnalysisRequest(Struct, frozen=True, kw_only=True):
    # What to analyse: raw evidence (kept exactly as given, so the app can always save it
    # back as .eml), or a domain with DKIM selectors for domain mode.
    source: str = "paste"  # "paste", "stdin", a file name, "scenario <name>", "domain <name>"
    raw: bytes = b""
    domain: str = ""
    selectors: tuple[str, ...] = ()
    # The same message as the sender sent it: body forensics then diff against it.
    original: bytes | None = None
    # Judge expiry and dates as of this time; None: when the analysis starts.
    now: datetime | None = None
    # SPF inputs the message may lack (None: what the Received chain and Return-Path say).
    ip: str | None = None
    mail_from: str | None = None
    helo: str | None = None
    # Where DNS answers come from: named servers (HOST[:PORT]), zone files, or nowhere.
    resolver_specs: tuple[str, ...] = ()
    zone_paths: tuple[str, ...] = ()
    offline: bool = False
    timeout: float = 3.0  # seconds, each lookup and all of the analysis's DNS together
    authoritative: bool = True  # False: --no-authoritative

    @property
    def is_domain(self) -> bool:
        return bool(self.domain)

    @property
    def asks_authoritative(self) -> bool:
        """Whether the zones' own name servers are asked beside the resolvers (DNS-04/05/14).

        Named resolvers mean "ask these and nowhere else", and zone files are the whole
        world, so a message is compared with the authoritative servers only when the system
        resolver is in use. Domain mode exists to check propagation, so it asks them beside
        named resolvers too. --no-authoritative (for networks that block direct queries to
        name servers) turns both off."""
        if not self.authoritative or self.offline or self.zone_paths:
            return False
        return self.is_domain or not self.resolver_specs
