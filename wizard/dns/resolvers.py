"""Where DNS answers come from: an explicit server, the system's resolvers, or zone files.

All three build or receive a real `dns.message.Message` and read it the same way
(`_resolve`), so statuses, CNAME chains, TTLs and sizes mean the same thing whichever source
answered (DESIGN.md rule 3).

EDNS choice: queries carry EDNS0 with a 1232-byte UDP buffer, the size DNS Flag Day 2020
settled on and the one most receivers' resolvers use, so we are handed the same UDP answers a
receiver is. A larger answer comes back truncated (TC) and is asked again over TCP
(`dns.asyncquery.udp_with_fallback`); that is recorded as `truncated→tcp`, which keeps DNS-09
testable and visible. A server that rejects EDNS with FORMERR is asked once more without it
(RFC 6891 §7).
"""
from __future__ import annotations

import asyncio
import functools
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping
from pathlib import Path

import dns.asyncquery
import dns.exception
import dns.flags
import dns.inet
import dns.message
import dns.name
import dns.rcode
import dns.rdataclass
import dns.rdatatype
import dns.resolver
import dns.rrset
from msgspec.structs import replace

from wizard.common.dnsname import InvalidName, check_name
from wizard.common.safe_text import decode, sanitize, shorten
from wizard.dns.types import DnsAnswer, DomainSpec, Resolver, Status

DEFAULT_TIMEOUT = 3.0  # seconds per question (one question may follow several CNAMEs)
EDNS_PAYLOAD = 1232
MAX_CNAME_LINKS = 8  # resolvers commonly stop around here; a longer chain is an error anyway

_IN = dns.rdataclass.IN
_CNAME = dns.rdatatype.CNAME
_SOA = dns.rdatatype.SOA
_NS = dns.rdatatype.NS


class _Failed(Exception):
    """A transport outcome (timeout, unreachable, unreadable answer) for `_resolve`."""

    def __init__(self, status: Status, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


# One network (or zone-file) round trip: (response, answered over TCP after truncation).
_Ask = Callable[[dns.name.Name, dns.rdatatype.RdataType], Awaitable[tuple[dns.message.Message, bool]]]


def _text(name: dns.name.Name) -> str:
    return name.to_text(omit_final_dot=True).lower()


def _record_strings(rrset: dns.rrset.RRset) -> tuple[tuple[str, ...], ...]:
    if rrset.rdtype == dns.rdatatype.TXT:
        # Each character-string kept apart (DNS-01); bytes that are not UTF-8 stay visible.
        return tuple(tuple(decode(s) for s in rdata.strings) for rdata in rrset)
    return tuple((rdata.to_text(),) for rdata in rrset)


def _negative_ttl(response: dns.message.Message) -> int | None:
    """RFC 2308 §5: a negative answer is cached for min(SOA TTL, SOA minimum) (DNS-04)."""
    for rrset in response.authority:
        if rrset.rdtype == _SOA:
            return min(rrset.ttl, rrset[0].minimum)
    return None


def shown_name(name: str) -> str:
    """A name for DnsAnswer.name: normalised when valid, made harmless and short when not."""
    try:
        return check_name(name)
    except InvalidName:
        return shorten(sanitize(name, one_line=True), 255)


def query_name(name: str) -> dns.name.Name:
    """The name to put in the question, or InvalidName. A host name is checked strictly
    (wizard.common.dnsname); an SPF domain-spec (DomainSpec) is asked label by label exactly
    as written, any printable ASCII allowed (RFC 7208 §7.1), within DNS's own limits."""
    try:
        return dns.name.from_text(check_name(name))
    except InvalidName:
        if not isinstance(name, DomainSpec):
            raise
    text = name.rstrip(".")
    if not text or any(not " " <= c <= "~" for c in text):
        raise InvalidName(f"{shown_name(name)!r} holds characters DNS questions cannot carry")
    labels = text.split(".")
    if any(not label for label in labels):
        raise InvalidName(f"{shown_name(name)!r} has an empty label")
    try:
        # Built from the labels, not parsed: a backslash or quote is data here, not an escape.
        return dns.name.Name([*(label.encode("ascii") for label in labels), b""])
    except dns.exception.DNSException as exc:
        raise InvalidName(f"{shown_name(name)!r} is not a valid DNS name: {exc}") from None


def _chain_text(names: Iterable[str]) -> str:
    return " → ".join(names)


# Who finishes a CNAME chain that leaves the zones an authoritative server holds.
Chase = Callable[[str, str], Awaitable[DnsAnswer]]


def _rendered_size(response: dns.message.Message) -> int:
    return len(response.to_wire())


async def _resolve(label: str, name: str, rdtype: str, ask: _Ask, chase: Chase | None = None,
                   size_of: Callable[[dns.message.Message], int] = _rendered_size) -> DnsAnswer:
    """Ask `name`/`rdtype` through `ask`, following CNAMEs, and describe the outcome.

    A CNAME handed back without its target's data is chased by asking `ask` again, or
    `chase` when given (an authoritative server cannot answer for another zone). `size_of`
    gives a response's size on the wire (rendered again unless the asker kept it)."""
    started = time.perf_counter()
    rdtype = rdtype.upper()

    def answer(status: Status, **fields) -> DnsAnswer:
        elapsed = (time.perf_counter() - started) * 1000
        return DnsAnswer(label, shown, rdtype, status, elapsed_ms=elapsed, **fields)

    shown = shown_name(name)
    try:
        qname = query_name(name)
        rdt = dns.rdatatype.from_text(rdtype)
    except InvalidName as exc:
        return answer(Status.ERROR, error=str(exc))
    except dns.exception.DNSException:
        return answer(Status.ERROR, error=f"{sanitize(rdtype, one_line=True)!r} is not a DNS record type")

    chain: list[str] = []
    seen = {qname}
    current = qname
    used_tcp = False
    size: int | None = None
    while True:
        try:
            response, tcp = await ask(current, rdt)
        except _Failed as failed:
            return answer(failed.status, cname_chain=tuple(chain), size=size, error=failed.reason)
        used_tcp |= tcp
        size = max(size or 0, size_of(response))
        # Walk the answer section from the name asked: CNAMEs the server followed, then data.
        walk = current
        while True:
            data = response.get_rrset(response.answer, walk, _IN, rdt)
            if data is not None:
                return answer(
                    Status.TRUNCATED_TCP if used_tcp else Status.OK,
                    strings=_record_strings(data), cname_chain=tuple(chain), ttl=data.ttl,
                    size=size,
                )
            cname = None if rdt == _CNAME else response.get_rrset(response.answer, walk, _IN, _CNAME)
            if cname is None:
                break
            walk = cname[0].target
            chain.append(_text(walk))
            if walk in seen:
                return answer(Status.ERROR, cname_chain=tuple(chain), size=size,
                              error="CNAME loop: " + _chain_text([shown, *chain]))
            if len(chain) > MAX_CNAME_LINKS:
                return answer(Status.ERROR, cname_chain=tuple(chain), size=size,
                              error=f"CNAME chain longer than {MAX_CNAME_LINKS} links: "
                              + _chain_text([shown, *chain]))
            seen.add(walk)
        where = f"the CNAME target {_text(walk)}" if chain else shown
        rcode = response.rcode()
        if rcode == dns.rcode.NXDOMAIN:
            return answer(Status.NXDOMAIN, cname_chain=tuple(chain), size=size,
                          ttl=_negative_ttl(response), error=f"{where} does not exist")
        if rcode == dns.rcode.SERVFAIL:
            return answer(Status.SERVFAIL, cname_chain=tuple(chain), size=size,
                          error=f"{label} answered SERVFAIL (server failure) for {where}")
        if rcode == dns.rcode.REFUSED:
            return answer(Status.REFUSED, cname_chain=tuple(chain), size=size,
                          error=f"{label} refused to answer for {where}")
        if rcode != dns.rcode.NOERROR:
            return answer(Status.ERROR, cname_chain=tuple(chain), size=size,
                          error=f"{label} answered {dns.rcode.to_text(rcode)} for {where}")
        has_soa = any(r.rdtype == _SOA for r in response.authority)
        if walk != current and not has_soa:
            # An authoritative server handed back only a CNAME pointing outside its zones:
            # chase the target ourselves, as a resolver would.
            if chase is None:
                current = walk
                continue
            rest = await chase(_text(walk), rdtype)
            if seen & {dns.name.from_text(n) for n in rest.cname_chain}:
                full = [*chain, *rest.cname_chain]
                return answer(Status.ERROR, cname_chain=tuple(full), size=size,
                              error="CNAME loop: " + _chain_text([shown, *full]))
            status = rest.status
            if status == Status.OK and used_tcp:
                status = Status.TRUNCATED_TCP
            return answer(status, strings=rest.strings, cname_chain=(*chain, *rest.cname_chain),
                          ttl=rest.ttl, size=max(size, rest.size or 0), error=rest.error)
        referral = [r for r in response.authority if r.rdtype == _NS]
        if not has_soa and referral and not response.flags & dns.flags.AA:
            servers = ", ".join(_text(r.target) for r in referral[0])
            return answer(Status.ERROR, cname_chain=tuple(chain), size=size,
                          error=f"{label} is not authoritative for {where}; it refers to {servers}")
        return answer(Status.NODATA, cname_chain=tuple(chain), size=size,
                      ttl=_negative_ttl(response),
                      error=f"{where} exists but has no {rdtype} record")


def format_spec(host: str, port: int) -> str:
    """"9.9.9.9", "127.0.0.1:5353", "[::1]:5353" — the form `--resolver` accepts."""
    shown = f"[{host}]" if ":" in host else host
    return shown if port == 53 else f"{shown}:{port}"


class ServerResolver:
    """Ask one DNS server at an IP address (a recursive resolver or an authoritative server)."""

    def __init__(self, host: str, port: int = 53, *, timeout: float = DEFAULT_TIMEOUT,
                 label: str | None = None, payload: int = EDNS_PAYLOAD,
                 chase: Chase | None = None) -> None:
        """`chase`: for an authoritative server, who asks about a CNAME target outside its
        zones (DnsSession passes its own `lookup`); without it, this server is asked."""
        if not dns.inet.is_address(host):
            raise ValueError(f"{host!r} is not an IP address")
        if not 0 < port < 65536:
            raise ValueError(f"port {port} is not between 1 and 65535")
        self.host = host
        self.port = port
        self.timeout = timeout
        self.payload = payload
        self.chase = chase
        # How `--resolver` names this server; wizard.fixes turns it into dig's arguments.
        self.spec = format_spec(host, port)
        self.label = label or self.spec

    def __repr__(self) -> str:
        return f"ServerResolver({self.label!r})"

    async def query(self, name: str, rdtype: str) -> DnsAnswer:
        # One deadline for the whole question, CNAME chases included: nothing hangs.
        started = time.perf_counter()
        try:
            async with asyncio.timeout(self.timeout):
                return await _resolve(self.label, name, rdtype, self._ask, self.chase, self._wire_size)
        except TimeoutError:
            return DnsAnswer(self.label, shown_name(name), rdtype.upper(), Status.TIMEOUT,
                             elapsed_ms=(time.perf_counter() - started) * 1000,
                             error=f"{self.label} did not answer within {self.timeout:g} s")

    async def _ask(self, qname: dns.name.Name, rdt: dns.rdatatype.RdataType
                   ) -> tuple[dns.message.Message, bool]:
        try:
            query = dns.message.make_query(qname, rdt, use_edns=0, payload=self.payload)
            response, tcp = await self._exchange(query)
            if response.rcode() == dns.rcode.FORMERR:
                response, tcp = await self._exchange(dns.message.make_query(qname, rdt))
            return response, tcp
        except dns.exception.Timeout:
            raise _Failed(Status.TIMEOUT,
                          f"{self.label} did not answer within {self.timeout:g} s") from None
        except OSError as exc:
            raise _Failed(Status.ERROR, f"could not reach {self.label}: "
                          f"{exc.strerror or exc}") from None
        except dns.exception.DNSException as exc:
            raise _Failed(Status.ERROR,
                          f"{self.label} sent an answer that could not be read: {exc}") from None

    def _wire_size(self, response: dns.message.Message) -> int:
        return _rendered_size(response)  # dnspython's query functions do not hand back the wire

    async def _exchange(self, query: dns.message.Message) -> tuple[dns.message.Message, bool]:
        return await dns.asyncquery.udp_with_fallback(
            query, self.host, timeout=self.timeout, port=self.port)


class SystemResolver:
    """The machine's resolvers from /etc/resolv.conf (read by dnspython), tried in order:
    the next one is asked only when one times out, fails or refuses, like the C stub does.
    Each server gets the full timeout, as resolv.conf's `timeout:` works per server."""

    label = "system"
    spec = "system"  # plain `dig` asks the system's resolvers too

    def __init__(self, timeout: float = DEFAULT_TIMEOUT, *,
                 resolv_conf: str | Path = "/etc/resolv.conf") -> None:
        self.timeout = timeout
        try:
            conf = dns.resolver.Resolver(filename=str(resolv_conf), configure=True)
            addresses = [s for s in conf.nameservers if isinstance(s, str) and dns.inet.is_address(s)]
            port = conf.port
        except dns.exception.DNSException:  # no resolv.conf, or no nameserver in it
            addresses, port = [], 53
        self.resolv_conf = str(resolv_conf)
        self.servers = tuple(
            ServerResolver(a, port, timeout=timeout, label=f"system ({format_spec(a, port)})")
            for a in addresses
        )

    def __repr__(self) -> str:
        return f"SystemResolver({[s.label for s in self.servers]})"

    async def query(self, name: str, rdtype: str) -> DnsAnswer:
        if not self.servers:
            return DnsAnswer(self.label, shown_name(name), rdtype.upper(), Status.ERROR,
                             error=f"no nameserver is configured in {self.resolv_conf}")
        started = time.perf_counter()
        for server in self.servers:
            answer = await server.query(name, rdtype)
            if not answer.status.transient:
                break
        return replace(answer, resolver=self.label,
                       elapsed_ms=(time.perf_counter() - started) * 1000)


def _origin_of(path: Path) -> str:
    if not path.name.endswith(".zone"):
        raise ValueError(f"{path}: zone files are named after their origin, like example.com.zone")
    return path.name[: -len(".zone")]


class ZoneFileResolver:
    """Answer from zone files, as an authoritative server loaded with them would.

    For offline demos, training and TUI tests (DESIGN.md rule 8). Same semantics as BIND
    with `recursion no`: NXDOMAIN for missing names, NODATA for names (and empty
    non-terminals) without the type, wildcards (RFC 4592), CNAMEs followed within the loaded
    zones, REFUSED outside every zone, SERVFAIL for a zone whose file did not load (the
    reason is in `load_errors`). Delegations inside a loaded zone are not followed: the
    files are the whole world here.

    `zones`: zone file paths (origin = file name without `.zone`), directories of them, or
    a mapping {origin: zone text}."""

    spec = None  # no server: nothing to point dig at

    def __init__(self, zones: Iterable[str | Path] | Mapping[str, str], *, label: str = "zone") -> None:
        self.label = label
        self._zones: dict[dns.name.Name, dns.zone.Zone] = {}
        self.load_errors: dict[str, str] = {}
        if isinstance(zones, Mapping):
            for origin, text in zones.items():
                self._load(origin, functools.partial(_zone_from_text, text))
            return
        for entry in zones:
            path = Path(entry)
            files = sorted(path.glob("*.zone")) if path.is_dir() else [path]
            for file in files:
                try:
                    text = file.read_text(encoding="utf-8")
                except (OSError, UnicodeDecodeError) as exc:
                    raise ValueError(f"cannot read zone file {file}: {exc}") from None
                self._load(_origin_of(file), functools.partial(_zone_from_text, text, filename=str(file)))

    def _load(self, origin: str, parse: Callable[[dns.name.Name], dns.zone.Zone]) -> None:
        name = dns.name.from_text(check_name(origin))
        try:
            self._zones[name] = parse(name)
        except Exception as exc:  # noqa: BLE001 (dnspython's zone parser raises assorted classes)
            # Like BIND: the zone stays configured and its names get SERVFAIL.
            self.load_errors[_text(name)] = f"zone {_text(name)} did not load: {exc}"

    @property
    def origins(self) -> tuple[str, ...]:
        return tuple(sorted([_text(n) for n in self._zones] + list(self.load_errors)))

    def __repr__(self) -> str:
        return f"ZoneFileResolver({list(self.origins)})"

    async def query(self, name: str, rdtype: str) -> DnsAnswer:
        return await _resolve(self.label, name, rdtype, self._ask)

    def _zone_for(self, name: dns.name.Name) -> tuple[dns.zone.Zone | None, bool]:
        """The deepest loaded zone holding `name`, and whether that zone failed to load."""
        best: dns.name.Name | None = None
        for origin in [*self._zones, *(dns.name.from_text(o) for o in self.load_errors)]:
            if name.is_subdomain(origin) and (best is None or len(origin) > len(best)):
                best = origin
        if best is None:
            return None, False
        return self._zones.get(best), best not in self._zones

    async def _ask(self, qname: dns.name.Name, rdt: dns.rdatatype.RdataType
                   ) -> tuple[dns.message.Message, bool]:
        response = dns.message.make_response(dns.message.make_query(qname, rdt))
        response.flags |= dns.flags.AA
        response.flags &= ~dns.flags.RA
        current = qname
        seen: set[dns.name.Name] = set()
        while True:
            zone, broken = self._zone_for(current)
            if broken:
                response.set_rcode(dns.rcode.SERVFAIL)
                return response, False
            if zone is None:
                if current == qname:
                    response.set_rcode(dns.rcode.REFUSED)
                # else: a CNAME out of our zones, handed back as BIND does; _resolve chases it
                return response, False
            node, exists = _find(zone, current)
            if node is None:
                if not exists:
                    response.set_rcode(dns.rcode.NXDOMAIN)
                _add_soa(response, zone)
                return response, False
            data = node.get_rdataset(_IN, rdt)
            if data is not None:
                _add(response, response.answer, current, data)
                return response, False
            cname = node.get_rdataset(_IN, _CNAME)
            if cname is None or rdt == _CNAME:
                _add_soa(response, zone)
                return response, False
            _add(response, response.answer, current, cname)
            seen.add(current)
            current = cname[0].target
            if current in seen:  # stop like BIND does; _resolve names the loop
                return response, False


def _add(response: dns.message.Message, section: list, owner: dns.name.Name, rdataset) -> None:
    # find_rrset(create=True) keeps the message's index in step, so get_rrset finds it later.
    response.find_rrset(section, owner, rdataset.rdclass, rdataset.rdtype, create=True).update(rdataset)


def _zone_from_text(text: str, origin: dns.name.Name, filename: str = "<string>") -> dns.zone.Zone:
    # Imported here: only zone-file resolvers parse zones, and the parser's import is a cost
    # every `check` against real DNS would otherwise pay at start-up.
    import dns.zone

    return dns.zone.from_text(text, origin, relativize=False, filename=filename)


def _add_soa(response: dns.message.Message, zone: dns.zone.Zone) -> None:
    origin = zone.origin
    assert origin is not None  # zones are loaded with their origin (relativize=False)
    _add(response, response.authority, origin, zone.find_rdataset(origin, _SOA))


def _find(zone: dns.zone.Zone, name: dns.name.Name):
    """(node, True) for an existing name or a wildcard match; (None, True) for an empty
    non-terminal (NODATA); (None, False) for a name that does not exist (NXDOMAIN)."""

    def exists(n: dns.name.Name) -> bool:
        return zone.get_node(n) is not None or any(
            k != n and k.is_subdomain(n) for k in zone.nodes)

    node = zone.get_node(name)
    if node is not None:
        return node, True
    if exists(name):
        return None, True
    # RFC 4592 §3.3.1: the wildcard at the closest encloser answers for a missing name.
    encloser = name.parent()
    while not exists(encloser):
        encloser = encloser.parent()
    wildcard = zone.get_node(dns.name.Name((b"*",) + encloser.labels))
    return (wildcard, True) if wildcard is not None else (None, False)


def parse_spec(spec: str) -> tuple[str, int]:
    """"9.9.9.9" / "9.9.9.9:53" / "2620:fe::fe" / "[2620:fe::fe]:53" → (host, port)."""
    text = spec.strip()
    usage = ("a resolver is an IP address with an optional port, like 9.9.9.9, 127.0.0.1:5353 "
             f"or [::1]:5353; got {sanitize(spec, one_line=True)!r}")
    host, port = text, "53"
    if text.startswith("["):
        host, sep, rest = text[1:].partition("]")
        if not sep or (rest and not rest.startswith(":")):
            raise ValueError(usage)
        port = rest[1:] if rest else "53"
    elif text.count(":") == 1:
        host, port = text.split(":")
    if not host or not dns.inet.is_address(host):
        raise ValueError(usage)
    if not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(f"{usage} (the port must be a number from 1 to 65535)")
    return host, int(port)


def resolvers_from_specs(specs: list[str], timeout: float = DEFAULT_TIMEOUT) -> list[Resolver]:
    """The resolvers `--resolver` names, in order; none given → the system's. "system" may be
    named among others to compare them."""
    if not specs:
        return [SystemResolver(timeout)]
    out: list[Resolver] = []
    for spec in specs:
        if spec.strip().lower() == "system":
            out.append(SystemResolver(timeout))
        else:
            host, port = parse_spec(spec)
            out.append(ServerResolver(host, port, timeout=timeout))
    return out
