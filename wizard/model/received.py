"""The Received chain: one hop per Received field, newest first."""
from __future__ import annotations

import ipaddress
from datetime import datetime

from msgspec import Struct

from wizard.model.findings import Cap, Finding
from wizard.model.header import Header

# Client addresses that are not the public internet (Hop.external).
_INTERNAL = tuple(
    ipaddress.ip_network(n)
    for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "fc00::/7")
)


class Hop(Struct, frozen=True):
    position: int  # 0 = newest (top-most Received)
    header: Header
    from_helo: str | None  # the name the client gave in HELO/EHLO
    from_rdns: str | None  # the client's reverse-DNS name as the receiver recorded it
    from_ip: str | None
    by: str | None
    with_protocol: str | None  # ESMTP, ESMTPS, SMTP, LMTP, "Microsoft SMTP Server", ...
    tls: bool | None  # None when the field does not say
    id: str | None
    for_: str | None
    timestamp: datetime | None  # aware; None when the date is missing or unreadable
    delay_from_previous: float | None  # seconds since the older hop; negative = clock skew
    raw: str  # the field value on one line

    @property
    def external(self) -> bool:
        """True unless the client address is loopback, link-local, RFC 1918 / ULA private,
        carrier-grade NAT or unspecified. Documentation ranges (192.0.2.0/24, 2001:db8::/32)
        count as external on purpose: anonymised samples use them for public addresses."""
        if self.from_ip is None:
            return False
        try:
            addr = ipaddress.ip_address(self.from_ip)
        except ValueError:
            return False
        if addr.is_loopback or addr.is_link_local or addr.is_unspecified:
            return False
        return not any(addr in net for net in _INTERNAL if net.version == addr.version)


class ReceivedChain(Struct, frozen=True):
    hops: tuple[Hop, ...]  # newest first
    findings: tuple[Finding, ...]
    cap: Cap | None = None

    def client(self) -> tuple[str, str | None] | None:
        """(ip, helo) of the newest hop that received from a public address: the SPF
        client as the receiving border saw it. Best effort: internal relays of big providers
        use private addresses and are skipped; returns None when no hop qualifies."""
        for hop in self.hops:
            if hop.external and hop.from_ip is not None:
                return hop.from_ip, hop.from_helo
        return None

    def before(self, header_index: int) -> tuple[Hop, ...]:
        """Hops recorded above header `header_index` (later in time), newest first."""
        return tuple(h for h in self.hops if h.header.index < header_index)
