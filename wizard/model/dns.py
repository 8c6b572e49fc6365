"""One DNS question asked of one resolver and what came back, kept as data (DESIGN.md rule 3)."""
from __future__ import annotations

import enum

from msgspec import Struct


class Status(enum.StrEnum):
    OK = "ok"
    TRUNCATED_TCP = "truncated→tcp"  # UDP answer was truncated; the TCP retry answered
    NXDOMAIN = "nxdomain"  # the name does not exist
    NODATA = "nodata"  # the name exists but has no record of this type
    SERVFAIL = "servfail"
    REFUSED = "refused"
    TIMEOUT = "timeout"
    ERROR = "error"  # anything else (CNAME loop, malformed answer, network error); see .error

    @property
    def answered(self) -> bool:
        return self in (Status.OK, Status.TRUNCATED_TCP)

    @property
    def transient(self) -> bool:
        """Failures a retry may cure: these map to temperror, never permerror."""
        return self in (Status.SERVFAIL, Status.REFUSED, Status.TIMEOUT, Status.ERROR)



class DnsAnswer(Struct, frozen=True):
    """One question asked of one resolver, and what came back, kept as data."""

    resolver: str  # label of who answered: "system", "127.0.0.1:5353", "ns1.example.com (auth)", "zone"
    name: str  # the name asked, without trailing dot
    rdtype: str  # "TXT", "A", "NS", ...
    status: Status
    # One tuple per record. For TXT: the record's separate character-strings as published
    # (decoded with visible escapes for non-UTF-8 bytes). For other types: (rdata text,).
    strings: tuple[tuple[str, ...], ...] = ()
    cname_chain: tuple[str, ...] = ()  # names followed, first is `name`'s CNAME target
    ttl: int | None = None
    elapsed_ms: float = 0.0
    size: int | None = None  # bytes of the DNS response, when known (DNS-09, DKIM-KEY-16)
    error: str = ""  # plain-language reason for non-ok statuses

    __json_extra__ = ("values",)

    @property
    def values(self) -> tuple[str, ...]:
        """Each record's character-strings joined with nothing between them: how DKIM
        (RFC 6376 §3.6.2.2) and SPF (RFC 7208 §3.3) read a multi-string TXT record."""
        return tuple("".join(parts) for parts in self.strings)
