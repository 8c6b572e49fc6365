"""The one DNS layer (DESIGN.md rule 3): resolvers, the per-analysis session, and the
plain-language findings for what DNS answered."""
from wizard.dns.types import DnsAnswer, Resolver, Status
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
from wizard.dns.findings import (
    LARGE_RESPONSE,
    answer_findings,
    answer_lines,
    compare_findings,
    dig_command,
    dig_commands,
    is_cname_loop,
    lookup_finding,
    size_finding,
    summary,
)

__all__ = [
    "DEFAULT_TIMEOUT",
    "EDNS_PAYLOAD",
    "LARGE_RESPONSE",
    "DnsAnswer",
    "DnsSession",
    "Resolver",
    "ServerResolver",
    "Status",
    "SystemResolver",
    "ZoneFileResolver",
    "answer_findings",
    "answer_lines",
    "compare_findings",
    "dig_command",
    "dig_commands",
    "format_spec",
    "is_authoritative",
    "is_cname_loop",
    "lookup_finding",
    "parse_spec",
    "resolvers_from_specs",
    "size_finding",
    "summary",
]
