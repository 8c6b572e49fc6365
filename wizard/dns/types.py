"""The DNS layer's data and the one protocol every resolver implements (DESIGN.md rule 3)."""
from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Protocol, runtime_checkable

from wizard.model.dns import DnsAnswer as DnsAnswer
from wizard.model.dns import Status as Status


@runtime_checkable
class Resolver(Protocol):
    """Ask one DNS source one question. Implementations never raise for DNS outcomes:
    NXDOMAIN, timeouts and the rest come back as a DnsAnswer with that status."""

    label: str

    async def query(self, name: str, rdtype: str) -> DnsAnswer: ...


# How the protocol checks ask DNS: a session's `lookup` (async) and `sync_lookup` (for
# pyspf's worker thread), or a stand-in in tests.
Lookup = Callable[[str, str], Awaitable[DnsAnswer]]
SyncLookup = Callable[[str, str], DnsAnswer]
