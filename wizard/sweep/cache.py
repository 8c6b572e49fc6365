"""One DNS cache for a whole sweep: a caching forwarder on loopback that every worker asks.

Each analysis has its own DnsSession (its cache lives one message long), and the workers
are separate processes, so sharing answers needs a place all of them can ask. A DNS server
on 127.0.0.1 is that place with no new protocol: a worker's resolver is an ordinary
ServerResolver pointed at it, so its answers go through the same code (`_resolve`, CNAME
chasing, truncation and the TCP retry, timeouts) as `check`'s, and the report names the
resolver the user chose (label and spec are the upstream's), so `sweep` and `check` write
the same findings and fixes.

One forwarder port per chosen resolver keeps "each (name, type) asked once per resolver":
a question is sent upstream once; the others asking it while it is in flight wait for that
answer (coalesced), later ones get the stored answer. An upstream that does not answer is
not answered either, so the worker sees the same timeout `check` would. Answers are kept
for the run, not for their TTL: a sweep judges every message against one view of DNS.

The zones' own name servers, which `check` asks beside the system resolver
(AnalysisRequest.asks_authoritative), go through the forwarder too, on one more port: a
worker's DnsSession finds them as `check`'s does (NS, then the servers' addresses, through
the shared answers) and reaches each through ForwardedAuthority, which names the server's
address in an EDNS option. So each authoritative question is also asked once per run,
not once per message.
"""
from __future__ import annotations

import asyncio
import functools
import struct
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence

import dns.asyncquery
import dns.edns
import dns.exception
import dns.flags
import dns.inet
import dns.message
import dns.rdatatype

from wizard.dns.resolvers import Chase, ServerResolver, SystemResolver, format_spec
from wizard.dns.session import AUTH_SUFFIX
from wizard.dns.types import DnsAnswer, DomainSpec, Resolver

HOST = "127.0.0.1"
# Distinct (name, type) answers kept; a sweep of a million messages from one ESP asks a few
# hundred names, so this bounds memory only for mailboxes of a thousand unrelated senders.
MAX_ENTRIES = 100_000
_CLASSIC_UDP = 512  # RFC 1035 §4.2.1: a query without EDNS accepts this much over UDP
# The authoritative server a question to the authority port is for: its address, then
# " plain" when the asker wanted no EDNS (the FORMERR retry). RFC 6891 §9: 65001-65534 are
# for local and experimental use; the option never leaves loopback.
AUTHORITY_OPTION = 65001
_PLAIN = b" plain"

# Where an authoritative server's address is asked: (host, port). Port 53 of that address,
# except in tests, whose name servers all live on loopback at ports of their own.
Route = Callable[[str], tuple[str, int]]


def port_53(address: str) -> tuple[str, int]:
    """The default Route (raises ValueError for what is no IP address)."""
    if not dns.inet.is_address(address):
        raise ValueError(f"{address!r} is not an IP address")
    return address, 53

_Key = tuple[str, int, int, bool]


class Forwarded(ServerResolver):
    """A worker's resolver: asks the sweep's forwarder, reports as the upstream it stands for.

    It also keeps the answers this worker has had: a sweep's messages ask the same few names
    again and again, and a loopback round trip (rendering and parsing the DNS message on
    both ends) cost more than the rest of a small message's analysis. The forwarder stays
    the one cache across workers; this only spares asking it twice."""

    def __init__(self, port: int, label: str, spec: str, timeout: float) -> None:
        super().__init__(HOST, port, timeout=timeout, label=label)
        self.spec = spec
        self._had: OrderedDict[tuple[str, str], DnsAnswer] = OrderedDict()

    async def query(self, name: str, rdtype: str) -> DnsAnswer:
        # The type of `name` is part of the key: an SPF domain-spec is asked as written.
        key = (("spec " if isinstance(name, DomainSpec) else "") + name.lower(), rdtype.upper())
        had = self._had.get(key)
        if had is None:
            had = self._had[key] = await super().query(name, rdtype)
            if len(self._had) > MAX_ENTRIES:
                self._had.popitem(last=False)
        return had


class ForwardedAuthority(ServerResolver):
    """One zone name server as a worker asks it: through the forwarder's authority port,
    labelled and named (spec) as `check` names the server it asks directly."""

    def __init__(self, port: int, ns_name: str, address: str, *, timeout: float,
                 chase: Chase | None, had: dict[tuple[str, str, str, str], DnsAnswer]) -> None:
        super().__init__(HOST, port, timeout=timeout, label=ns_name + AUTH_SUFFIX, chase=chase)
        self.address = address
        self.spec = format_spec(address, 53)
        self._had = had

    async def query(self, name: str, rdtype: str) -> DnsAnswer:
        # Shared by every session of the worker, like Forwarded's: a CNAME this server hands
        # out of its zone is chased through the chosen resolver, whose answers are the run's.
        key = (self.label, self.address, ("spec " if isinstance(name, DomainSpec) else "")
               + name.lower(), rdtype.upper())
        had = self._had.get(key)
        if had is None:
            had = self._had[key] = await super().query(name, rdtype)
            if len(self._had) > MAX_ENTRIES:
                del self._had[next(iter(self._had))]
        return had

    async def _exchange(self, query: dns.message.Message) -> tuple[dns.message.Message, bool]:
        plain = query.edns < 0
        payload = _CLASSIC_UDP if plain else query.payload
        data = self.address.encode() + (_PLAIN if plain else b"")
        query.use_edns(0, payload=payload,
                       options=[dns.edns.GenericOption(dns.edns.OptionType.make(AUTHORITY_OPTION), data)])
        return await super()._exchange(query)


class ViaCache:
    """DnsSession's `authority` hook in a worker: every zone name server through the
    forwarder's authority port (picklable, so a spawned worker gets it)."""

    def __init__(self, port: int, timeout: float) -> None:
        self.port = port
        self.timeout = timeout
        self._had: dict[tuple[str, str, str, str], DnsAnswer] = {}

    def __call__(self, ns_name: str, address: str, chase: Chase) -> Resolver:
        return ForwardedAuthority(self.port, ns_name, address, timeout=self.timeout,
                                  chase=chase, had=self._had)


def upstreams_of(resolver: Resolver) -> tuple[tuple[str, int], ...]:
    """The servers the forwarder asks, in order, for one chosen resolver."""
    if isinstance(resolver, SystemResolver):
        return tuple((s.host, s.port) for s in resolver.servers)
    if isinstance(resolver, ServerResolver):
        return ((resolver.host, resolver.port),)
    raise ValueError(f"{resolver.label}: only DNS servers can be shared across a sweep")


class _Upstream:
    """The cache and counts of one chosen resolver."""

    def __init__(self, servers: tuple[tuple[str, int], ...], timeout: float) -> None:
        self.servers = servers
        self.timeout = timeout
        self.answers: OrderedDict[_Key, bytes | None] = OrderedDict()
        self.pending: dict[_Key, asyncio.Future[bytes | None]] = {}
        self.asked = 0  # questions the workers sent
        self.forwarded = 0  # questions sent upstream

    async def answer(self, query: dns.message.Message) -> bytes | None:
        self.asked += 1
        question = query.question[0]
        key = (question.name.to_text().lower(), question.rdtype, question.rdclass, query.edns >= 0)
        if key in self.answers:
            self.answers.move_to_end(key)
            return self.answers[key]
        pending = self.pending.get(key)
        if pending is None:
            pending = self.pending[key] = asyncio.ensure_future(self._forward(query, key))
        return await asyncio.shield(pending)

    async def _forward(self, query: dns.message.Message, key: _Key) -> bytes | None:
        question = query.question[0]
        wire = None
        try:
            for host, port in self.servers:
                # The system resolver's rule: the next server only when one fails.
                ask = dns.message.make_query(question.name, question.rdtype, question.rdclass,
                                             use_edns=query.edns, payload=query.payload)
                self.forwarded += 1
                try:
                    response, _tcp = await dns.asyncquery.udp_with_fallback(
                        ask, host, timeout=self.timeout, port=port)
                except (dns.exception.DNSException, OSError):
                    continue
                wire = response.to_wire()
                break
        finally:
            self.pending.pop(key, None)
        self.answers[key] = wire
        if len(self.answers) > MAX_ENTRIES:
            self.answers.popitem(last=False)
        return wire


class _Authorities:
    """The authority port: one _Upstream (cache and counts) per server address asked."""

    def __init__(self, route: Route, timeout: float) -> None:
        self.route = route
        self.timeout = timeout
        self.servers: dict[str, _Upstream] = {}

    @property
    def asked(self) -> int:
        return sum(u.asked for u in self.servers.values())

    @property
    def forwarded(self) -> int:
        return sum(u.forwarded for u in self.servers.values())

    async def answer(self, query: dns.message.Message) -> bytes | None:
        named = [o for o in query.options if o.otype == AUTHORITY_OPTION]
        if not named or not isinstance(named[0], dns.edns.GenericOption):
            return None  # not one of ours: unanswered, like an unreadable question
        data = named[0].data
        plain = data.endswith(_PLAIN)
        address = (data[: -len(_PLAIN)] if plain else data).decode("ascii", "replace")
        upstream = self.servers.get(address)
        if upstream is None:
            try:
                route = self.route(address)
            except ValueError:
                return None
            upstream = self.servers[address] = _Upstream((route,), self.timeout)
        question = query.question[0]
        # The question as the worker's resolver would have sent it to the server itself.
        asked = dns.message.make_query(question.name, question.rdtype, question.rdclass,
                                       use_edns=False if plain else 0, payload=query.payload)
        return await upstream.answer(asked)


def _reply(query: dns.message.Message, wire: bytes, limit: int | None) -> bytes:
    """The stored answer under the asker's id; over UDP, cut to TC when it exceeds the
    asker's buffer, so it retries over TCP exactly as it would against the upstream."""
    if limit is not None and len(wire) > limit:
        stored = dns.message.from_wire(wire)
        cut = dns.message.make_response(query)
        cut.flags |= dns.flags.TC
        cut.set_rcode(stored.rcode())
        return cut.to_wire()
    return struct.pack("!H", query.id) + wire[2:]


class SharedCache:
    """The forwarder: started in a thread of its own, one loopback port per resolver.

        with SharedCache(resolvers, timeout=3.0) as cache:
            worker_resolvers = cache.resolvers()   # picklable: Forwarded instances
            ...
            cache.asked, cache.forwarded
    """

    def __init__(self, resolvers: Sequence[Resolver], *, timeout: float,
                 authorities: bool = False, route: Route = port_53) -> None:
        """`authorities`: also open the authority port (the sweep compares with the zones'
        name servers); `route` says where a server's address is asked."""
        self._chosen = tuple(resolvers)
        self._timeout = timeout
        self._upstreams: list[_Upstream | _Authorities] = [
            _Upstream(upstreams_of(r), timeout) for r in self._chosen]
        self._authorities = _Authorities(route, timeout) if authorities else None
        if self._authorities is not None:
            self._upstreams.append(self._authorities)  # its port is the last one
        self._ports: list[int] = []
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._closers: list = []

    @property
    def asked(self) -> int:
        """Questions the workers asked (every one, cached or not)."""
        return sum(u.asked for u in self._upstreams)

    @property
    def forwarded(self) -> int:
        """Questions sent to the upstream resolvers."""
        return sum(u.forwarded for u in self._upstreams)

    def resolvers(self) -> list[Resolver]:
        """What each worker asks: the forwarder's ports, named as the chosen resolvers."""
        return [Forwarded(port, r.label, str(getattr(r, "spec", r.label)), self._timeout)
                for port, r in zip(self._ports, self._chosen)]

    def authority(self) -> ViaCache | None:
        """What each worker's DnsSession reaches the zones' name servers with (None: the
        cache was started without the authority port)."""
        return ViaCache(self._ports[-1], self._timeout) if self._authorities else None

    def start(self) -> SharedCache:
        ready = threading.Event()
        failure: list[BaseException] = []

        def run() -> None:
            loop = asyncio.new_event_loop()
            asyncio.set_event_loop(loop)  # this thread's own loop, for gather() at the end
            self._loop = loop
            try:
                loop.run_until_complete(self._open())
            except BaseException as exc:  # noqa: BLE001 (handed to start(), which raises it)
                failure.append(exc)
                ready.set()
                return
            ready.set()
            loop.run_forever()
            for close in self._closers:
                close()
            # Connections still open are cancelled and run to their end here: left to the
            # garbage collector, they would close their writers on a loop already closed.
            pending = asyncio.all_tasks(loop)
            for task in pending:
                task.cancel()
            loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
            loop.close()

        self._thread = threading.Thread(target=run, name="sweep-dns-cache", daemon=True)
        self._thread.start()
        ready.wait(10)
        if failure:
            raise failure[0]
        return self

    def stop(self) -> None:
        if self._loop is not None and self._thread is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(10)
        self._loop = self._thread = None

    def __enter__(self) -> SharedCache:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    async def _open(self) -> None:
        loop = asyncio.get_running_loop()
        for upstream in self._upstreams:
            # UDP takes a free port first; TCP then binds the same number.
            transport, _ = await loop.create_datagram_endpoint(
                functools.partial(_UdpFront, upstream), local_addr=(HOST, 0))
            port = transport.get_extra_info("sockname")[1]
            server = await asyncio.start_server(
                functools.partial(_serve_tcp, upstream), HOST, port)
            self._closers += [transport.close, server.close]
            self._ports.append(port)


class _UdpFront(asyncio.DatagramProtocol):
    def __init__(self, upstream: _Upstream | _Authorities) -> None:
        self.upstream = upstream
        self.transport: asyncio.DatagramTransport | None = None
        self.tasks: set[asyncio.Task] = set()

    def connection_made(self, transport) -> None:
        self.transport = transport

    def datagram_received(self, data: bytes, addr) -> None:
        task = asyncio.ensure_future(self._answer(data, addr))
        self.tasks.add(task)  # held until done: the loop keeps only weak references
        task.add_done_callback(self.tasks.discard)

    async def _answer(self, data: bytes, addr) -> None:
        try:
            query = dns.message.from_wire(data)
        except dns.exception.DNSException:
            return  # not a question we can read; the asker times out
        wire = await self.upstream.answer(query)
        if wire is not None and self.transport is not None:
            limit = query.payload if query.edns >= 0 else _CLASSIC_UDP
            self.transport.sendto(_reply(query, wire, limit), addr)


async def _serve_tcp(upstream: _Upstream | _Authorities, reader: asyncio.StreamReader,
                     writer: asyncio.StreamWriter) -> None:
    try:
        while True:
            length = struct.unpack("!H", await reader.readexactly(2))[0]
            query = dns.message.from_wire(await reader.readexactly(length))
            wire = await upstream.answer(query)
            if wire is None:
                break
            out = _reply(query, wire, None)
            writer.write(struct.pack("!H", len(out)) + out)
            await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionError, dns.exception.DNSException):
        pass
    finally:
        writer.close()
