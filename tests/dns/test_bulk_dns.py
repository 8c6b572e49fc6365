"""Many questions at once (DnsSession.lookup_many over wizard.dns.bulk), against the real
test BIND: the same answers as one question at a time, each outcome kept apart, every
answer recorded, the window and the analysis deadline kept."""
from __future__ import annotations

import asyncio
import socket
import threading
import time

import pytest

from dnsproxy import DelayProxy
from wizard.dns import DnsSession, ServerResolver, Status, SystemResolver, bulk

QUESTIONS = [
    ("txt.dns.test", "TXT"), ("a.dns.test", "A"), ("a.dns.test", "TXT"), ("nope.dns.test", "TXT"),
    ("alias2.dns.test", "TXT"), ("ext.dns.test", "TXT"), ("dangling.dns.test", "TXT"),
    ("outside.dns.test", "TXT"), ("loop1.dns.test", "TXT"), ("txt.servfail-dns.test", "TXT"),
    ("mail.example.invalid", "MX"), ("bad name", "TXT"), ("big.dns.test", "TXT"),
    ("10.1.77.10.in-addr.arpa", "PTR"), ("20.1.77.10.in-addr.arpa", "PTR"), ("99.1.77.10.in-addr.arpa", "PTR"),
]


def _shown(answer):
    """What a person sees of an answer: everything but how long it took."""
    return (answer.resolver, answer.name, answer.rdtype, answer.status, answer.strings, answer.cname_chain,
            answer.ttl, answer.size, answer.error)


@pytest.mark.parametrize("port", ["port", "small_udp_port"])
async def test_many_at_once_answer_as_one_by_one(dns_server, port):
    server = dns_server.resolver(port=getattr(dns_server, port), label="bind")
    one_by_one = [await server.query(name, rdtype) for name, rdtype in QUESTIONS]
    session = DnsSession([server], compare=False)
    many = await session.lookup_many(QUESTIONS)
    assert [_shown(a) for a in many] == [_shown(a) for a in one_by_one]
    assert {a.status for a in many} >= {Status.OK, Status.NODATA, Status.NXDOMAIN, Status.SERVFAIL,
                                        Status.REFUSED, Status.ERROR}
    big = many[QUESTIONS.index(("big.dns.test", "TXT"))]
    assert big.status == Status.TRUNCATED_TCP  # over 1232 bytes: TC=1, asked again over TCP
    assert session.answers == tuple(many)  # recorded for the report, each once


async def test_answers_are_cached_and_shared_with_lookup(dns_server):
    with DelayProxy(dns_server.host, dns_server.port) as proxy:
        session = DnsSession([proxy.resolver()], compare=False)
        first = await session.lookup("txt.dns.test", "TXT")
        many = await session.lookup_many([("txt.dns.test", "TXT"), ("nope.dns.test", "TXT"),
                                          ("nope.dns.test", "TXT")])
        again = await session.lookup("nope.dns.test", "TXT")
        assert proxy.count == 2  # each distinct question once
    assert many[0] is first and many[1] is many[2] is again
    assert [a.status for a in session.answers] == [Status.OK, Status.NXDOMAIN]


async def test_a_lookup_meanwhile_waits_for_the_bulk_answer(dns_server):
    with DelayProxy(dns_server.host, dns_server.port, delay_ms=200) as proxy:
        session = DnsSession([proxy.resolver()], compare=False)
        many, one = await asyncio.gather(session.lookup_many([("txt.dns.test", "TXT")]),
                                         session.lookup("txt.dns.test", "TXT"))
        assert proxy.count == 1
    assert one is many[0] and session.answers == (one,)


async def test_a_window_of_queries_is_in_flight_at_once(dns_server):
    names = [(f"n{i}.nope.dns.test", "TXT") for i in range(bulk.WINDOW + 100)]
    with DelayProxy(dns_server.host, dns_server.port, delay_ms=400) as proxy:
        session = DnsSession([proxy.resolver(timeout=5.0)], compare=False)
        started = time.perf_counter()
        answers = await session.lookup_many(names)
        elapsed = time.perf_counter() - started
        # bounded, and nearly reached (on a loaded machine the first answers may come back
        # before the last of a window is sent)
        assert bulk.WINDOW // 2 < proxy.max_in_flight <= bulk.WINDOW
    assert all(a.status == Status.NXDOMAIN for a in answers)
    assert elapsed < 3.0  # about two windows of 0.4 s, not 356 × 0.4 s


async def test_a_silent_server_is_a_timeout_not_nxdomain(dns_server, silent_server):
    session = DnsSession([silent_server.resolver(timeout=0.4)], compare=False)
    started = time.perf_counter()
    answers = await session.lookup_many([("txt.dns.test", "TXT"), ("nope.dns.test", "TXT")])
    elapsed = time.perf_counter() - started
    assert [a.status for a in answers] == [Status.TIMEOUT, Status.TIMEOUT]
    assert all("did not answer within 0.4 s" in a.error for a in answers)
    assert 0.35 < elapsed < 1.5  # the question's own timeout, retry included


async def test_the_analysis_deadline_ends_the_wait(silent_server):
    session = DnsSession([silent_server.resolver(timeout=10.0)], compare=False, deadline=0.5)
    names = [(f"{i}.1.77.10.in-addr.arpa", "PTR") for i in range(300)]
    started = time.perf_counter()
    answers = await session.lookup_many(names)
    elapsed = time.perf_counter() - started
    assert elapsed < 1.5
    assert all(a.status == Status.TIMEOUT and "analysis deadline of 0.5 s" in a.error for a in answers)
    assert len(session.answers) == 300


async def test_a_lost_datagram_is_sent_again(dns_server):
    """A UDP front that drops the first copy of every query: each is answered on the retry."""
    front = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    front.bind(("127.0.0.1", 0))
    front.settimeout(0.2)
    seen: set[bytes] = set()
    stop = threading.Event()

    def relay() -> None:
        up = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        up.settimeout(2.0)
        while not stop.is_set():
            try:
                wire, client = front.recvfrom(4096)
            except TimeoutError:
                continue
            if wire not in seen:
                seen.add(wire)
                continue
            up.sendto(wire, (dns_server.host, dns_server.port))
            front.sendto(up.recv(4096), client)
        up.close()

    thread = threading.Thread(target=relay, daemon=True)
    thread.start()
    try:
        resolver = ServerResolver("127.0.0.1", front.getsockname()[1], timeout=1.0)
        answers = await DnsSession([resolver], compare=False).lookup_many(
            [("txt.dns.test", "TXT"), ("nope.dns.test", "TXT")])
    finally:
        stop.set()
        await asyncio.to_thread(thread.join)
        front.close()
    assert [a.status for a in answers] == [Status.OK, Status.NXDOMAIN]


async def test_the_system_resolvers_are_tried_in_order(dns_server, silent_server, tmp_path):
    conf = tmp_path / "resolv.conf"
    conf.write_text("nameserver 127.0.0.1\nnameserver 127.0.0.1\n")
    system = SystemResolver(timeout=0.4, resolv_conf=conf)
    # resolv.conf cannot name a port: the two servers it lists become the test's own
    system.servers = (silent_server.resolver(timeout=0.4), dns_server.resolver())
    questions = [("txt.dns.test", "TXT"), ("nope.dns.test", "TXT")]
    one_by_one = [await system.query(*q) for q in questions]
    many = await DnsSession([system], compare=False).lookup_many(questions)
    assert [(a.resolver, a.status, a.strings) for a in many] == [
        ("system", Status.OK, (("hello world",),)), ("system", Status.NXDOMAIN, ())]
    assert [(a.resolver, a.status, a.strings, a.error) for a in many] == [
        (a.resolver, a.status, a.strings, a.error) for a in one_by_one]


def _report(ips: list[str]) -> bytes:
    rows = "".join(
        f"<record><row><source_ip>{ip}</source_ip><count>1</count><policy_evaluated><disposition>none"
        "</disposition><dkim>fail</dkim><spf>fail</spf></policy_evaluated></row><identifiers><header_from>"
        "rua.test</header_from></identifiers><auth_results><spf><domain>rua.test</domain><result>fail"
        "</result></spf></auth_results></record>" for ip in ips)
    return ('<?xml version="1.0"?><feedback><report_metadata><org_name>r.example</org_name><email>d@r.example'
            "</email><report_id>bulk</report_id><date_range><begin>1764633600</begin><end>1764719999</end>"
            "</date_range></report_metadata><policy_published><domain>rua.test</domain><p>none</p>"
            f"</policy_published>{rows}</feedback>").encode()


async def test_a_report_of_hundreds_of_ips_gets_every_ptr_within_the_timeout(dns_server):
    """Behind a 0.3 s resolver, 300 PTRs asked 16 at a time took 19 round trips (5.7 s) and
    outlasted --timeout 3; asked at once they take about one."""
    from datetime import UTC, datetime

    from wizard.model.request import AnalysisRequest
    from wizard.pipeline.analyze import analyze

    ips = ["10.77.1.10", "10.77.1.20", *(f"10.77.2.{i}" for i in range(100, 250)),
           *(f"10.88.{i // 200}.{i % 200 + 1}" for i in range(148))]
    with DelayProxy(dns_server.host, dns_server.port, delay_ms=300) as proxy:
        request = AnalysisRequest(raw=_report(ips), source="big.xml", now=datetime(2025, 12, 3, tzinfo=UTC),
                                  timeout=3.0)
        started = time.perf_counter()
        report = await analyze(request, resolvers=[proxy.resolver(timeout=3.0)])
        elapsed = time.perf_counter() - started
    assert report.caps == ()  # nothing said to be past the deadline
    ptrs = [a for a in report.dns if a.rdtype == "PTR"]
    assert len(ptrs) == len(ips) and not [a for a in ptrs if a.status == Status.TIMEOUT]
    assert {s.ip: s.ptr for s in report.aggregate.sources}["10.77.1.20"] == "o2.ptr20.sendgrid.net"
    assert elapsed < 2.5
