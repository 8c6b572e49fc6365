"""DANE for SMTP (RFC 7672, RFC 6698): TLSA records at `_25._tcp.MX`, whether they match the
chain the server sent, and whether the answer was DNSSEC-validated.

The TLSA records come through the DNS layer like every other lookup. The AD bit does not
(DnsAnswer has no field for it), so `dnssec_status` asks the same --resolver server once
more with the DO bit set: a signed zone's answer carries RRSIGs whatever the resolver, and
only a validating resolver sets AD."""
from __future__ import annotations

import hashlib

import dns.asyncquery
import dns.exception
import dns.flags
import dns.message
import dns.rcode
import dns.rdatatype

from wizard.dns.types import Resolver
from wizard.tls.model import TlsaRecord

USAGES = {0: "PKIX-TA", 1: "PKIX-EE", 2: "DANE-TA", 3: "DANE-EE"}
_DIGESTS = {1: hashlib.sha256, 2: hashlib.sha512}


def parse_tlsa(text: str) -> tuple[int, int, int, str] | None:
    """`3 1 1 ab12…` (the hex may come split in chunks) → fields; None when unreadable."""
    parts = text.split()
    if len(parts) < 4 or not all(p.isdigit() for p in parts[:3]):
        return None
    data = "".join(parts[3:]).lower()
    try:
        bytes.fromhex(data)
    except ValueError:
        return None
    return int(parts[0]), int(parts[1]), int(parts[2]), data


def association(cert_der: bytes, spki_der: bytes, selector: int, matching: int) -> str | None:
    """The hex value a `_ selector matching` record must hold for this certificate."""
    if selector not in (0, 1) or matching not in (0, *_DIGESTS):
        return None
    raw = cert_der if selector == 0 else spki_der
    return raw.hex() if matching == 0 else _DIGESTS[matching](raw).hexdigest()


def match(records: list[tuple[int, int, int, str]], chain: list[tuple[bytes, bytes]]
          ) -> tuple[TlsaRecord, ...]:
    """Each record, marked matched when a certificate it may name matches: the leaf for
    usages 1 and 3, an issuing certificate the server sent for usages 0 and 2."""
    out = []
    for usage, selector, matching, data in records:
        candidates = chain[:1] if usage in (1, 3) else chain[1:]
        hit = any(association(cert, spki, selector, matching) == data for cert, spki in candidates)
        out.append(TlsaRecord(usage, selector, matching, data, hit))
    return tuple(out)


async def dnssec_status(resolver: Resolver | None, name: str, rdtype: str, timeout: float) -> str:
    """"secure" (AD set), "insecure" (no RRSIG: the zone is not signed), "bogus" (SERVFAIL
    that a CD query answers), or "unknown" (signed, but this resolver does not validate, or
    it is not a server we can ask with the DO bit: zone files)."""
    # The system resolver is asked through its first server from /etc/resolv.conf.
    resolver = next(iter(getattr(resolver, "servers", ())), resolver)
    host, port = getattr(resolver, "host", None), getattr(resolver, "port", None)
    if host is None or port is None:
        return "unknown"

    async def ask(flags: int) -> dns.message.Message | None:
        query = dns.message.make_query(name, rdtype, want_dnssec=True)
        query.flags |= flags
        try:
            response, _ = await dns.asyncquery.udp_with_fallback(query, host, timeout=timeout, port=port)
        except (dns.exception.DNSException, OSError):
            return None
        return response

    response = await ask(dns.flags.AD)
    if response is None:
        return "unknown"
    if response.rcode() == dns.rcode.SERVFAIL:
        checked = await ask(dns.flags.CD)
        return "bogus" if checked is not None and checked.rcode() == dns.rcode.NOERROR else "unknown"
    if response.flags & dns.flags.AD:
        return "secure"
    signed = any(r.rdtype == dns.rdatatype.RRSIG for r in (*response.answer, *response.authority))
    return "unknown" if signed else "insecure"
