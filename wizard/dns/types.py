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


class DomainSpec(str):
    """An SPF domain-spec after macro expansion (RFC 7208 §7.1): it may hold any visible
    character (`:`, `/`, `%`, and the spaces `%_` expands to), so resolvers ask it as
    written instead of refusing what is not a host name. Only the SPF bridge makes these:
    everywhere else a name that is not a valid DNS name is still refused unasked, and fix
    commands never take one (wizard.fixes checks every name)."""

    __slots__ = ()


# How the protocol checks ask DNS: a session's `lookup` (async) and `sync_lookup` (for
# pyspf's worker thread), or a stand-in in tests.
Lookup = Callable[[str, str], Awaitable[DnsAnswer]]
SyncLookup = Callable[[str, str], DnsAnswer]
