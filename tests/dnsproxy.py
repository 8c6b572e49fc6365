"""A DNS forwarding proxy that waits `delay_ms` before passing each query on, and counts.

For the concurrency tests (tests/dns/test_session.py) and the benchmarks (tests/bench/):
put it in front of the BIND fixture to give every lookup a real round-trip time, then check
that lookups overlap (`max_in_flight`) and that a resolver sent its queries here (`queries`).

It runs its own asyncio loop in a thread, so it serves synchronous benchmark scripts and
async tests alike:

    with DelayProxy(server.host, server.port, delay_ms=50) as proxy:
        resolver = proxy.resolver()       # ServerResolver for 127.0.0.1:<proxy port>
        ...
        proxy.count, proxy.max_in_flight, proxy.queries
"""
from __future__ import annotations

import asyncio
import struct
import threading
from dataclasses import dataclass

import dns.message
import dns.rdatatype

from dnsserver import free_port
from wizard.dns.resolvers import ServerResolver

_UPSTREAM_TIMEOUT = 5.0


@dataclass(frozen=True)
class SeenQuery:
    transport: str  # "udp" or "tcp"
    name: str
    rdtype: str


class DelayProxy:
    def __init__(self, upstream_host: str, upstream_port: int, *, delay_ms: float = 0.0,
                 host: str = "127.0.0.1") -> None:
        self.upstream = (upstream_host, upstream_port)
        self.delay_ms = delay_ms
        self.host = host
        self.port = 0
        self._lock = threading.Lock()
        self._queries: list[SeenQuery] = []
        self._in_flight = 0
        self._max_in_flight = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._closers: list = []

    @property
    def spec(self) -> str:
        return f"{self.host}:{self.port}"

    def resolver(self, *, timeout: float = 3.0, label: str | None = None) -> ServerResolver:
        return ServerResolver(self.host, self.port, timeout=timeout, label=label)

    @property
    def queries(self) -> tuple[SeenQuery, ...]:
        with self._lock:
            return tuple(self._queries)

    @property
    def count(self) -> int:
        with self._lock:
            return len(self._queries)

    @property
    def max_in_flight(self) -> int:
        """The most queries that were being held or forwarded at the same moment."""
        with self._lock:
            return self._max_in_flight

    def reset(self) -> None:
        with self._lock:
            self._queries.clear()
            self._max_in_flight = self._in_flight

    # -- running ------------------------------------------------------------------------

    def start(self) -> DelayProxy:
        self.port = free_port(self.host)
        ready = threading.Event()
        failure: list[BaseException] = []

        def run() -> None:
            loop = asyncio.new_event_loop()
            self._loop = loop
            try:
                loop.run_until_complete(self._open())
            except BaseException as exc:  # noqa: BLE001 - reported to start() below, which re-raises it
                failure.append(exc)
                ready.set()
                return
            ready.set()
            loop.run_forever()
            for close in self._closers:
                close()
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.close()

        self._thread = threading.Thread(target=run, name="dns-delay-proxy", daemon=True)
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

    def __enter__(self) -> DelayProxy:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    async def _open(self) -> None:
        loop = asyncio.get_running_loop()
        transport, _ = await loop.create_datagram_endpoint(
            lambda: _UdpFront(self), local_addr=(self.host, self.port))
        server = await asyncio.start_server(self._serve_tcp, self.host, self.port)
        self._closers = [transport.close, server.close]

    # -- forwarding ---------------------------------------------------------------------

    def _note(self, transport: str, wire: bytes) -> None:
        try:
            question = dns.message.from_wire(wire).question[0]
            seen = SeenQuery(transport, question.name.to_text(omit_final_dot=True),
                             dns.rdatatype.to_text(question.rdtype))
        except Exception:  # noqa: BLE001 - not a DNS query we can read; count it all the same
            seen = SeenQuery(transport, "?", "?")
        with self._lock:
            self._queries.append(seen)
            self._in_flight += 1
            self._max_in_flight = max(self._max_in_flight, self._in_flight)

    def _finished(self) -> None:
        with self._lock:
            self._in_flight -= 1

    async def _forward_udp(self, wire: bytes, reply_to, front: asyncio.DatagramTransport) -> None:
        self._note("udp", wire)
        try:
            await asyncio.sleep(self.delay_ms / 1000)
            loop = asyncio.get_running_loop()
            got: asyncio.Future[bytes] = loop.create_future()
            transport, _ = await loop.create_datagram_endpoint(
                lambda: _UdpBack(got), remote_addr=self.upstream)
            try:
                transport.sendto(wire)
                reply = await asyncio.wait_for(got, _UPSTREAM_TIMEOUT)
            finally:
                transport.close()
            front.sendto(reply, reply_to)
        except (TimeoutError, OSError):
            pass  # the client times out, as it would behind a broken forwarder
        finally:
            self._finished()

    async def _serve_tcp(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                try:
                    size = struct.unpack("!H", await reader.readexactly(2))[0]
                    wire = await reader.readexactly(size)
                except asyncio.IncompleteReadError:
                    return
                self._note("tcp", wire)
                try:
                    await asyncio.sleep(self.delay_ms / 1000)
                    up_reader, up_writer = await asyncio.open_connection(*self.upstream)
                    try:
                        up_writer.write(struct.pack("!H", len(wire)) + wire)
                        await up_writer.drain()
                        reply_size = struct.unpack("!H", await up_reader.readexactly(2))[0]
                        reply = await up_reader.readexactly(reply_size)
                    finally:
                        up_writer.close()
                finally:
                    self._finished()
                writer.write(struct.pack("!H", len(reply)) + reply)
                await writer.drain()
        except (OSError, asyncio.IncompleteReadError):
            return
        finally:
            writer.close()


class _UdpFront(asyncio.DatagramProtocol):
    def __init__(self, proxy: DelayProxy) -> None:
        self.proxy = proxy
        self.transport: asyncio.DatagramTransport | None = None
        self.tasks: set[asyncio.Task] = set()

    def connection_made(self, transport) -> None:
        self.transport = transport

    def datagram_received(self, data: bytes, addr) -> None:
        task = asyncio.ensure_future(self.proxy._forward_udp(data, addr, self.transport))
        self.tasks.add(task)  # keep a reference until it finishes
        task.add_done_callback(self.tasks.discard)


class _UdpBack(asyncio.DatagramProtocol):
    def __init__(self, got: asyncio.Future) -> None:
        self.got = got

    def datagram_received(self, data: bytes, addr) -> None:
        if not self.got.done():
            self.got.set_result(data)

    def error_received(self, exc: Exception) -> None:
        if not self.got.done():
            self.got.set_exception(exc)
