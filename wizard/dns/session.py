"""One analysis' DNS: every lookup goes through a DnsSession, so each is asked once, runs
concurrently with the others, and ends up in `answers` for the report (DESIGN.md rule 3).

dkimpy's `dnsfunc` and pyspf are synchronous; they run in worker threads (`run_in_thread`)
and ask through `sync_lookup`, which hands the question to the session's event loop. Their
lookups are then cached, timed and compared like everyone else's.
"""
from __future__ import annotations

import asyncio
import concurrent.futures
import time
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from wizard.common.dnsname import InvalidName, check_name
from wizard.dns import bulk
from wizard.dns.resolvers import (
    DEFAULT_TIMEOUT,
    MAX_CNAME_LINKS,
    Chase,
    ServerResolver,
    ZoneFileResolver,
    shown_name,
)
from wizard.dns.types import DnsAnswer, DomainSpec, Resolver, Status

T = TypeVar("T")

AUTH_SUFFIX = " (auth)"  # labels of the zone's own name servers: "ns1.example.com (auth)"

# (NS host name, its address, chase) → a resolver asking that server, which hands CNAME
# targets outside the zone to `chase` (ServerResolver's `chase`). Tests inject one that maps
# the test zones' NS addresses to the loopback BIND fixture's ports (DESIGN.md rule 8).
AuthorityFactory = Callable[[str, str, Chase], Resolver]


def is_authoritative(answer: DnsAnswer) -> bool:
    """Did this answer come from one of the zone's own name servers (lookup_everywhere)?"""
    return answer.resolver.endswith(AUTH_SUFFIX)


class DnsSession:
    """The DNS of one analysis: the chosen resolvers, a cache, and the record of answers.

    `timeout` applies to the authoritative servers the session finds itself (the chosen
    resolvers carry their own); `compare=False` skips asking the authoritative servers in
    lookup_everywhere (no NS discovery, one round trip)."""

    def __init__(self, resolvers: Sequence[Resolver], *, timeout: float = DEFAULT_TIMEOUT,
                 compare: bool = True, authority: AuthorityFactory | None = None,
                 deadline: float | None = None) -> None:
        """`deadline`: seconds from now after which no question is waited for any longer;
        each one still open then, or asked later, is a TIMEOUT that says so."""
        if not resolvers:
            raise ValueError("a DNS session needs at least one resolver")
        self.resolvers = tuple(resolvers)
        self.timeout = timeout
        self.compare = compare
        self._authority = authority or self._default_authority
        # Zone files are the whole world of an offline demo or a TUI test: finding their NS
        # must not send queries to the internet, unless a test injected the servers to ask.
        self._offline = authority is None and all(
            isinstance(r, ZoneFileResolver) for r in self.resolvers)
        self._answers: list[DnsAnswer] = []
        self._done: dict[tuple[str, str, str], DnsAnswer] = {}
        self._pending: dict[tuple[str, str, str], asyncio.Future[DnsAnswer]] = {}
        self._zones: dict[str, asyncio.Future[tuple[Resolver, ...]]] = {}
        self._by_label: dict[str, Resolver] = {r.label: r for r in self.resolvers}
        self._loop: asyncio.AbstractEventLoop | None = None
        self.deadline = deadline
        self._ends = None if deadline is None else time.monotonic() + deadline

    def _default_authority(self, ns_name: str, address: str, chase: Chase) -> Resolver:
        return ServerResolver(address, 53, timeout=self.timeout, label=ns_name + AUTH_SUFFIX,
                              chase=chase)

    @property
    def answers(self) -> tuple[DnsAnswer, ...]:
        """Every answer the session received, in the order they arrived (for the report)."""
        return tuple(self._answers)

    @property
    def all_resolvers(self) -> tuple[Resolver, ...]:
        """The chosen resolvers and every authoritative server asked so far (for fixes)."""
        return tuple(self._by_label.values())

    def resolver_for(self, answer: DnsAnswer) -> Resolver | None:
        return self._by_label.get(answer.resolver)

    async def lookup(self, name: str, rdtype: str) -> DnsAnswer:
        """Ask the first chosen resolver (cached; concurrent identical asks share one query)."""
        return await self._ask(self.resolvers[0], name, rdtype)

    async def lookup_everywhere(self, name: str, rdtype: str) -> tuple[DnsAnswer, ...]:
        """Ask every chosen resolver and, with `compare`, each authoritative server of the
        zone holding `name` (found through NS and the servers' A/AAAA), all at once. The
        chosen resolvers' answers come first, in order, then the authoritative ones."""
        self._loop = asyncio.get_running_loop()
        try:
            name = check_name(name)
        except InvalidName:
            return (await self.lookup(name, rdtype),)
        mine = asyncio.gather(*(self._ask(r, name, rdtype) for r in self.resolvers))
        if not self.compare:
            return tuple(await mine)
        answers, theirs = await asyncio.gather(mine, self._ask_authorities(name, rdtype))
        return tuple(answers) + theirs

    async def _ask_authorities(self, name: str, rdtype: str) -> tuple[DnsAnswer, ...]:
        servers = await self.authorities(name)
        return tuple(await asyncio.gather(*(self._ask(s, name, rdtype) for s in servers)))

    async def authorities(self, name: str) -> tuple[Resolver, ...]:
        """The name servers of the zone holding `name`: NS is asked at `name` and at every
        parent at once, and the deepest name holding NS records itself (not via a CNAME) is
        the zone apex. Each server is asked at its first IPv4 address (IPv6 if it has none).
        Empty when nothing could be found, and for sessions on zone files alone (offline);
        the NS and address answers are in `answers`."""
        self._loop = asyncio.get_running_loop()
        labels = check_name(name).split(".")
        if self._offline:
            return ()
        candidates = [".".join(labels[i:]) for i in range(len(labels))]
        ns_answers = await asyncio.gather(*(self.lookup(c, "NS") for c in candidates))
        for apex, ns in zip(candidates, ns_answers):  # noqa: B007 (the apex found is used below)
            if ns.status.answered and not ns.cname_chain:
                break
        else:
            return ()
        future = self._zones.get(apex)
        if future is None:
            future = self._zones[apex] = asyncio.ensure_future(self._servers_of(ns))
        return await asyncio.shield(future)

    async def _servers_of(self, ns: DnsAnswer) -> tuple[Resolver, ...]:
        hosts = []
        for (text, *_rest) in ns.strings:
            try:
                hosts.append(check_name(text))
            except InvalidName:  # an NS target we would not put in a query; skip it
                continue
        found = await asyncio.gather(*(self._address_of(h) for h in sorted(set(hosts))))
        servers = []
        for host, address in zip(sorted(set(hosts)), found):
            if address is not None:
                # A CNAME out of the zone is followed through our own resolver, so the
                # server is judged only on the part it is authoritative for.
                server = self._authority(host, address, self.lookup)
                self._by_label[server.label] = server
                servers.append(server)
        return tuple(servers)

    async def _address_of(self, host: str) -> str | None:
        v4, v6 = await asyncio.gather(self.lookup(host, "A"), self.lookup(host, "AAAA"))
        for answer in (v4, v6):
            if answer.status.answered and answer.strings:
                return answer.strings[0][0]
        return None

    async def lookup_many(self, questions: Sequence[tuple[str, str]]) -> list[DnsAnswer]:
        """`lookup` for many independent (name, type) questions, answers in their order: a
        server or the system's resolvers are asked them all at once over one UDP socket
        (wizard.dns.bulk), within the deadline, cached and recorded like `lookup`'s (in
        question order); zone files, which cost nothing per question, one by one."""
        self._loop = asyncio.get_running_loop()
        resolver = self.resolvers[0]
        keys = [self._key(resolver, name, rdtype) for name, rdtype in questions]
        todo = {k: q for k, q in zip(keys, questions) if k not in self._done and k not in self._pending}
        if todo and bulk.can_ask(resolver):
            started = time.monotonic()
            within = None if self._ends is None else max(self._ends - started, 0)
            # Pending like `_ask`'s, so a `lookup` of the same question meanwhile waits for
            # this answer instead of asking again.
            waiting = {key: self._loop.create_future() for key in todo}
            self._pending.update(waiting)
            try:
                got = await bulk.ask(resolver, list(todo.values()), within=within)
                for (key, (name, rdtype)), answer in zip(todo.items(), got):
                    self._done[key] = answer or self._late(resolver, name, rdtype, started)
                    self._answers.append(self._done[key])
                    waiting[key].set_result(self._done[key])
            finally:
                for key, future in waiting.items():
                    self._pending.pop(key, None)
                    future.cancel()  # a no-op once answered; if this ask was cancelled, its waiters stop too
        left = {k: q for k, q in zip(keys, questions) if k not in self._done}
        await asyncio.gather(*(self._ask(resolver, name, rdtype) for name, rdtype in left.values()))
        return [self._done[k] for k in keys]

    @staticmethod
    def _key(resolver: Resolver, name: str, rdtype: str) -> tuple[str, str, str]:
        # A domain-spec is asked as written, a plain name that is not a host name is refused
        # unasked: the same text must not share one cached answer between the two.
        shown = ("spec " if isinstance(name, DomainSpec) else "") + shown_name(name)
        return (resolver.label, shown, rdtype.upper())

    async def _ask(self, resolver: Resolver, name: str, rdtype: str) -> DnsAnswer:
        self._loop = asyncio.get_running_loop()
        key = self._key(resolver, name, rdtype)
        done = self._done.get(key)
        if done is not None:
            return done
        pending = self._pending.get(key)
        if pending is None:
            pending = self._pending[key] = asyncio.ensure_future(self._run(resolver, key, name, rdtype))
        # shield: one caller giving up must not cancel the query the others wait for
        return await asyncio.shield(pending)

    async def _run(self, resolver: Resolver, key: tuple[str, str, str], name: str, rdtype: str
                   ) -> DnsAnswer:
        try:
            answer = await self._within_deadline(resolver, name, rdtype)
        finally:
            self._pending.pop(key, None)
        self._done[key] = answer
        self._answers.append(answer)
        return answer

    async def _within_deadline(self, resolver: Resolver, name: str, rdtype: str) -> DnsAnswer:
        # One deadline for the whole analysis: per-question timeouts alone let a long chain
        # of slow answers (an include 60 deep at 0.9 s each) take a minute at --timeout 1.
        if self._ends is None:
            return await resolver.query(name, rdtype)
        started = time.monotonic()
        try:
            async with asyncio.timeout(max(self._ends - started, 0)):
                return await resolver.query(name, rdtype)
        except TimeoutError:
            return self._late(resolver, name, rdtype, started)

    def _late(self, resolver: Resolver, name: str, rdtype: str, started: float) -> DnsAnswer:
        return DnsAnswer(resolver.label, shown_name(name), rdtype.upper(), Status.TIMEOUT,
                         elapsed_ms=(time.monotonic() - started) * 1000,
                         error=f"not answered within the analysis deadline of {self.deadline:g} s (--timeout)")

    def sync_lookup(self, name: str, rdtype: str) -> DnsAnswer:
        """`lookup` for synchronous code in a worker thread (dkimpy's dnsfunc, pyspf): the
        question runs on the session's event loop while this thread waits for it."""
        loop = self._loop
        if loop is None or loop.is_closed():
            raise RuntimeError("sync_lookup needs the session's running event loop: call it "
                               "from a thread started with DnsSession.run_in_thread")
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop:
            raise RuntimeError("sync_lookup was called on the event loop's own thread, where "
                               "it would wait forever; use `await session.lookup()` there")
        future = asyncio.run_coroutine_threadsafe(self.lookup(name, rdtype), loop)
        # A backstop only: lookups end by their resolver's own timeout well before this.
        limit = self.timeout * (MAX_CNAME_LINKS + 2) * max(len(self.resolvers), 1)
        try:
            return future.result(timeout=limit)
        except concurrent.futures.TimeoutError:
            future.cancel()
            return DnsAnswer(self.resolvers[0].label, shown_name(name), rdtype.upper(), Status.TIMEOUT,
                             error=f"no answer within {limit:g} s")

    async def run_in_thread(self, func: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
        """Run synchronous `func` in a worker thread; inside it, `sync_lookup` works."""
        self._loop = asyncio.get_running_loop()
        return await asyncio.to_thread(func, *args, **kwargs)
