"""pyspf's verdict with its DNS answered by our layer, so every query is recorded and the
result is the field's reference implementation's."""
from __future__ import annotations

import threading

import spf as pyspf
from wizard.common.dnsname import InvalidName, check_name
from wizard.dns.types import SyncLookup

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
    try:
        name = check_name(name)
    except InvalidName:
        return []  # a name DNS cannot hold (after macro expansion) has no records
    answer = lookup(name, qtype)
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
        return tuple(part.encode("utf-8") for part in record)
    if qtype == "MX":
        preference, _, exchange = record[0].partition(" ")
        return (int(preference), exchange.rstrip("."))
    if qtype == "PTR":
        return record[0].rstrip(".")
    return record[0]


pyspf.DNSLookup = _through_our_layer


class LayerQuery(pyspf.query):
    """pyspf's query, its DNS routed to `sync_lookup` for the duration of check()."""

    def __init__(self, *args, sync_lookup: SyncLookup, **kwargs):
        super().__init__(*args, **kwargs)
        self._sync_lookup = sync_lookup

    def check(self, spf=None):
        _route.lookup = self._sync_lookup
        try:
            return super().check(spf)
        finally:
            _route.lookup = None

