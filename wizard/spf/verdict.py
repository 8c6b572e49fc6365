"""pyspf's verdict with its DNS answered by our layer, so every query is recorded and the
result is the field's reference implementation's."""
from __future__ import annotations

import re
import threading

import spf as pyspf
from wizard.common.dnsname import InvalidName
from wizard.dns.findings import is_cname_loop
from wizard.dns.types import SyncLookup
from wizard.spf.record import QuestionBudget, spec_name

# pyspf asks DNS in exactly one place: `query.dns()` calls the module-level
# `spf.DNSLookup(name, qtype, strict, timeout)` and wraps it with its cache, CNAME following
# and the void-lookup limit. Replacing that one function (instead of overriding
# `query.dns`) keeps all of that pyspf logic intact. The replacement routes to the lookup of
# the check running in the current thread and falls back to pyspf's own resolver anywhere
# else, so importing this module changes nothing for other users of pyspf.

_route = threading.local()
_pyspf_lookup = pyspf.DNSLookup


def _through_our_layer(name, qtype, strict=True, timeout=20):
    lookup: SyncLookup | None = getattr(_route, "lookup", None)
    if lookup is None:
        return _pyspf_lookup(name, qtype, strict, timeout)
    budget: QuestionBudget = _route.budget
    try:
        # After macro expansion a domain-spec may hold any visible character (RFC 7208
        # §7.1): it is asked as written, like pyspf's own resolver does.
        name = spec_name(name)
    except InvalidName:
        return []  # a name no DNS question can carry (empty or over-long label): no records
    if not budget.take(name, qtype):
        # The message's one budget of SPF questions (wizard.spf.record) is spent: stop as
        # pyspf stops at its own hard limit of lookups.
        raise pyspf.PermError(f"more than {budget.limit} DNS questions for one message")
    answer = lookup(name, qtype)
    if is_cname_loop(answer):
        # pyspf follows CNAMEs itself and reads a loop as no data (RFC 7208 §5.5: a failed
        # lookup of one name skips that name), not as a DNS failure.
        return []
    if answer.status.transient:
        # RFC 7208 §4.4 / SPF-17: a DNS failure other than NXDOMAIN is a temperror.
        raise pyspf.TempError(f"DNS {answer.status} for {name} {qtype}"
                              + (f": {answer.error}" if answer.error else ""))
    if not answer.status.answered:
        return []
    return [((name, qtype), _pyspf_value(qtype, record)) for record in answer.strings]


def _pyspf_value(qtype: str, record: tuple[str, ...]):
    """Our answer's record in the shape pyspf's dnspython driver gives it."""
    if qtype in ("TXT", "SPF"):
        return tuple(_wire_bytes(part) for part in record)
    if qtype == "MX":
        preference, _, exchange = record[0].partition(" ")
        return (int(preference), exchange.rstrip("."))
    if qtype == "PTR":
        return record[0].rstrip(".")
    return record[0]


_UNDECODED = re.compile(rb"\\x([89a-f][0-9a-f])")


def _wire_bytes(text: str) -> bytes:
    """A TXT string as the bytes DNS carried. The DNS layer keeps each byte that is not
    UTF-8 visible as a `\\xNN` escape (safe_text.decode); pyspf must see the byte itself, as
    from its own resolver, so that a non-ASCII record is its permerror (RFC 7208 §3.1) and
    not an ASCII look-alike. Only escapes of bytes 0x80-0xff are undone, the only ones
    decode() writes (a record spelling `\\x80` out literally reads as that byte too)."""
    return _UNDECODED.sub(lambda m: bytes([int(m.group(1), 16)]), text.encode("utf-8"))


pyspf.DNSLookup = _through_our_layer


class LayerQuery(pyspf.query):
    """pyspf's query, its DNS routed to `sync_lookup` for the duration of check()."""

    def __init__(self, *args, sync_lookup: SyncLookup, budget: QuestionBudget | None = None,
                 **kwargs):
        super().__init__(*args, **kwargs)
        self._sync_lookup = sync_lookup
        self._budget = budget or QuestionBudget()

    def check(self, spf=None):
        _route.lookup = self._sync_lookup
        _route.budget = self._budget
        try:
            return super().check(spf)
        finally:
            _route.lookup = None

