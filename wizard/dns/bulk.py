"""Many independent questions to one server at once: a DMARC aggregate report's PTRs.

Asked one coroutine and one `dns.asyncquery.udp` at a time, every question pays for its own
socket and datagram transport, and at most 16 are in flight (the triage's bound): behind a
0.3 s resolver, 300 PTRs took 19 round trips. Here each server gets one connected UDP socket; every
query carries its own random id, answers are matched by (id, question), at most WINDOW are
in flight, an unanswered query is sent once more half-way through its timeout, and a
truncated answer (TC=1) is asked again over TCP. The wire is built and read by dnspython,
and each question is still read by `_resolve` (through `ServerResolver.query`, whose
exchange alone is replaced), so statuses, CNAME chains, timeouts and errors come out as the
same DnsAnswer the one-by-one path gives. What it costs now is dnspython itself: on the
loaded 2-core test machine, for 2,000 PTRs, reading the answers (from_wire) ~0.63 s and
building the queries (make_query + to_wire) ~0.4 s of ~1.9 s.
"""
from __future__ import annotations

import asyncio
import socket
from collections.abc import Sequence

import dns.asyncquery
import dns.entropy
import dns.exception
import dns.flags
import dns.message
import dns.name
import dns.rdatatype
from msgspec.structs import replace

from wizard.dns.resolvers import ServerResolver, SystemResolver, shown_name
from wizard.dns.types import DnsAnswer, Resolver, Status

WINDOW = 256  # queries in flight per server: well under a socket's receive buffer of answers
RECEIVE_BUFFER = 4 * 2**20  # bytes asked of the kernel (capped at net.core.rmem_max)
ATTEMPTS = 2  # one retry: a lost datagram on a busy resolver is not an unanswered question

_Key = tuple[int, dns.name.Name, int]  # (id, question name, question type)


def can_ask(resolver: Resolver) -> bool:
    """Whether `resolver` is one bulk asking reaches (an explicit server, the system's)."""
    return isinstance(resolver, ServerResolver | SystemResolver)


class _Answers(asyncio.DatagramProtocol):
    """Hands each datagram to the query it answers; anything else is dropped."""

    def __init__(self) -> None:
        self.waiting: dict[_Key, asyncio.Future[tuple[dns.message.Message, int]]] = {}

    def datagram_received(self, data: bytes, addr: object) -> None:
        try:
            message = dns.message.from_wire(data)
        except dns.exception.DNSException as exc:
            # Unreadable past its question: the query it names gets the error, as
            # dnspython's one-by-one query would raise it.
            try:
                message = dns.message.from_wire(data, question_only=True)
            except dns.exception.DNSException:
                return  # not even a question to match: noise, like a stray datagram
            future = self._take(message)
            if future is not None:
                future.set_exception(exc)
            return
        future = self._take(message)
        if future is not None:
            future.set_result((message, len(data)))

    def _take(self, message: dns.message.Message) -> asyncio.Future[tuple[dns.message.Message, int]] | None:
        if not message.flags & dns.flags.QR or len(message.question) != 1:
            return None
        question = message.question[0]
        future = self.waiting.pop((message.id, question.name, question.rdtype), None)
        return future if future is not None and not future.done() else None

    def error_received(self, exc: Exception) -> None:
        # An ICMP error (port unreachable) names no query: the server is unreachable for all.
        for future in self.waiting.values():
            if not future.done():
                future.set_exception(exc)
        self.waiting.clear()


class _Channel(ServerResolver):
    """`server` asked over one shared UDP socket (see the module's docstring)."""

    def __init__(self, server: ServerResolver, transport: asyncio.DatagramTransport, answers: _Answers) -> None:
        super().__init__(server.host, server.port, timeout=server.timeout, label=server.label,
                         payload=server.payload, chase=server.chase)
        self.transport = transport
        self.answers = answers
        self.sizes: dict[int, int] = {}  # id(response) → its datagram's length, until read

    def _wire_size(self, response: dns.message.Message) -> int:
        # The datagram's own length: rendering the answer again to measure it cost as much
        # as reading it (2,000 PTRs: ~0.4 s of ~2.6 s on the loaded test machine).
        size = self.sizes.pop(id(response), None)
        return super()._wire_size(response) if size is None else size

    async def _exchange(self, query: dns.message.Message) -> tuple[dns.message.Message, bool]:
        response = await self._udp(query)
        if response.flags & dns.flags.TC:
            self.sizes.pop(id(response))  # the TCP answer's size is the one kept; this one goes
            return await dns.asyncquery.tcp(query, self.host, timeout=self.timeout, port=self.port), True
        return response, False

    async def _udp(self, query: dns.message.Message) -> dns.message.Message:
        question = query.question[0]
        while (query.id, question.name, question.rdtype) in self.answers.waiting:
            query.id = dns.entropy.random_16()  # the same random source make_query draws ids from
        key = (query.id, question.name, question.rdtype)
        wire = query.to_wire()
        loop = asyncio.get_running_loop()
        for _ in range(ATTEMPTS):
            future = self.answers.waiting[key] = loop.create_future()
            self.transport.sendto(wire)
            try:
                async with asyncio.timeout(self.timeout / ATTEMPTS):
                    response, size = await future
                self.sizes[id(response)] = size
                return response
            except TimeoutError:
                continue
            finally:
                self.answers.waiting.pop(key, None)
        raise dns.exception.Timeout


async def ask_server(server: ServerResolver, questions: Sequence[tuple[str, str]], *,
                     within: float | None) -> list[DnsAnswer | None]:
    """Each (name, type) asked of `server` at once; None for a question still unanswered
    when `within` seconds are up (the caller's deadline)."""
    loop = asyncio.get_running_loop()
    try:
        transport, answers = await loop.create_datagram_endpoint(_Answers, remote_addr=(server.host, server.port))
    except OSError as exc:
        error = f"could not reach {server.label}: {exc.strerror or exc}"
        return [DnsAnswer(server.label, shown_name(name), rdtype.upper(), Status.ERROR, error=error)
                for name, rdtype in questions]
    # A window of answers arrives at once while the loop reads one datagram per turn: the
    # default receive buffer (208 KiB, ~100 loopback datagrams) drops the rest.
    sock = transport.get_extra_info("socket")
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, RECEIVE_BUFFER)
    channel = _Channel(server, transport, answers)
    got: list[DnsAnswer | None] = [None] * len(questions)
    turns = iter(range(len(questions)))

    async def worker() -> None:
        # One question at a time per worker, CNAME chases and TCP included: at most WINDOW
        # in flight, and each question's timeout starts when it is sent, not when queued.
        for i in turns:
            got[i] = await channel.query(*questions[i])

    workers = [asyncio.ensure_future(worker()) for _ in range(min(WINDOW, len(questions)))]
    try:
        if workers:
            await asyncio.wait(workers, timeout=within)
        return got
    finally:
        for task in workers:
            task.cancel()
        transport.close()


async def ask(resolver: Resolver, questions: Sequence[tuple[str, str]], *,
              within: float | None) -> list[DnsAnswer | None]:
    """`ask_server` for a resolver `can_ask` accepts. The system's resolvers are tried in
    order as SystemResolver does: the next server is asked only what the one before timed
    out on, failed or refused; answers carry the label "system"."""
    if isinstance(resolver, ServerResolver):
        return await ask_server(resolver, questions, within=within)
    assert isinstance(resolver, SystemResolver)
    if not resolver.servers:  # its own answer says resolv.conf names no server
        return [await resolver.query(name, rdtype) for name, rdtype in questions]
    loop = asyncio.get_running_loop()
    ends = None if within is None else loop.time() + within
    got: list[DnsAnswer | None] = [None] * len(questions)
    todo = list(range(len(questions)))
    for server in resolver.servers:
        left = None if ends is None else max(ends - loop.time(), 0)
        answers = await ask_server(server, [questions[i] for i in todo], within=left)
        for i, answer in zip(todo, answers):
            if answer is not None:
                got[i] = replace(answer, resolver=resolver.label)
        todo = [i for i, answer in zip(todo, answers) if answer is not None and answer.status.transient]
        if not todo:
            break
    return got
