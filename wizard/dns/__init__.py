"""The one DNS layer (DESIGN.md rule 3): resolvers and the per-analysis session.

The plain-language findings for what DNS answered are in wizard.dns.findings, imported where
they are judged: they build their `dig` commands with wizard.fixes, which itself uses the
resolver specs here, so this package does not load them.
"""
from wizard.dns.resolvers import (
    DEFAULT_TIMEOUT,
    EDNS_PAYLOAD,
    ServerResolver,
    SystemResolver,
    ZoneFileResolver,
    format_spec,
    parse_spec,
    resolvers_from_specs,
)
from wizard.dns.session import DnsSession, is_authoritative
from wizard.dns.types import DnsAnswer, Resolver, Status

__all__ = [
    "DEFAULT_TIMEOUT",
    "EDNS_PAYLOAD",
    "DnsAnswer",
    "DnsSession",
    "Resolver",
    "ServerResolver",
    "Status",
    "SystemResolver",
    "ZoneFileResolver",
    "format_spec",
    "is_authoritative",
    "parse_spec",
    "resolvers_from_specs",
]
