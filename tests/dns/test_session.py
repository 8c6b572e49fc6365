"""DnsSession: lookups run at once, are asked once, are all recorded, reach synchronous
library code in threads, and are compared with the zone's own name servers."""
from __future__ import annotations

import asyncio
import threading
import time

import pytest

from dnsproxy import DelayProxy
from wizard.dns import DnsSession, Status, ZoneFileResolver
from wizard.dns.findings import answer_findings, compare_findings
from wizard.model.findings import Severity

DELAY_MS = 200


@pytest.fixture
def slow(dns_server):
    """The BIND fixture behind a proxy that holds every query DELAY_MS before passing it on."""
    with DelayProxy(dns_server.host, dns_server.port, delay_ms=DELAY_MS) as proxy:
        yield proxy


async def test_independent_lookups_run_at_once(slow):
    session = DnsSession([slow.resolver()], compare=False)
    names = ["txt", "multi", "two", "a", "mx", "s1._domainkey"]
    started = time.perf_counter()
    answers = await asyncio.gather(*(session.lookup(f"{n}.dns.test", "TXT") for n in names))
    elapsed = time.perf_counter() - started
    assert all(a.status in (Status.OK, Status.NODATA) for a in answers)
    assert slow.max_in_flight == len(names)  # all six were waiting at the proxy together
    assert elapsed < len(names) * DELAY_MS / 1000 / 2  # about one delay, not six


async def test_identical_lookups_share_one_query_and_are_cached(slow):
    session = DnsSession([slow.resolver()], compare=False)
    first = await asyncio.gather(*(session.lookup("TXT.dns.test.", "txt") for _ in range(5)))
    again = await session.lookup("txt.dns.test", "TXT")
    assert slow.count == 1
    assert len({id(a) for a in [*first, again]}) == 1
    assert session.answers == (again,)


async def test_answers_record_every_lookup_in_order(dns_server):
    session = DnsSession([dns_server.resolver()], compare=False)
    await session.lookup("txt.dns.test", "TXT")
    await session.lookup("nope.dns.test", "TXT")
    await session.lookup("bad name", "TXT")
    await session.lookup("txt.dns.test", "TXT")
    assert [(a.name, a.status) for a in session.answers] == [
        ("txt.dns.test", Status.OK), ("nope.dns.test", Status.NXDOMAIN), ("bad name", Status.ERROR)]


async def test_invalid_name_never_reaches_a_server(slow):
    session = DnsSession([slow.resolver()])
    answer = await session.lookup("x._domainkey.example.com;rm -rf ~", "TXT")
    everywhere = await session.lookup_everywhere("$(reboot).example.com", "TXT")
    assert answer.status == Status.ERROR and "not a valid DNS name" in answer.error
    assert [a.status for a in everywhere] == [Status.ERROR]
    assert slow.count == 0


async def test_sync_lookup_from_worker_threads(dns_server):
    session = DnsSession([dns_server.resolver()], compare=False)

    def library_code():  # what dkimpy's dnsfunc / pyspf will do, in a worker thread
        assert threading.current_thread() is not threading.main_thread()
        return [session.sync_lookup(n, "TXT").values for n in ("multi.dns.test", "txt.dns.test")]

    results = await asyncio.gather(*(session.run_in_thread(library_code) for _ in range(3)))
    assert results == [[("v=DKIM1; k=rsa; p=QUJD",), ("hello world",)]] * 3
    assert len(session.answers) == 2  # the threads shared the session's cache


async def test_sync_lookup_on_the_loop_thread_is_refused(dns_server):
    session = DnsSession([dns_server.resolver()], compare=False)
    await session.lookup("txt.dns.test", "TXT")
    with pytest.raises(RuntimeError, match="would wait forever"):
        session.sync_lookup("txt.dns.test", "TXT")


def test_sync_lookup_without_a_loop_says_how_to_use_it(dns_server):
    with pytest.raises(RuntimeError, match="run_in_thread"):
        DnsSession([dns_server.resolver()]).sync_lookup("txt.dns.test", "TXT")


# -- comparing with the authoritative servers ------------------------------------------


async def test_everywhere_asks_resolvers_and_the_zones_name_servers(dns_server):
    session = DnsSession([dns_server.resolver()], authority=dns_server.authority)
    answers = await session.lookup_everywhere("same.split-dns.test", "TXT")
    assert [(a.resolver, a.values) for a in answers] == [
        (dns_server.spec, ("agreed",)),
        ("ns1.split-dns.test (auth)", ("agreed",)),
        ("ns2.split-dns.test (auth)", ("agreed",)),
    ]
    assert compare_findings(answers, "the SPF record") == ()
    asked = {(a.name, a.rdtype) for a in session.answers}
    assert {("split-dns.test", "NS"), ("ns1.split-dns.test", "A"),
            ("ns2.split-dns.test", "A")} <= asked  # the discovery is in the report too


async def test_authoritative_servers_disagree_dns_05(dns_server):
    session = DnsSession([dns_server.resolver()], authority=dns_server.authority)
    answers = await session.lookup_everywhere("txt.split-dns.test", "TXT")
    (finding,) = compare_findings(answers, "the SPF record of split-dns.test",
                                  resolvers=session.all_resolvers)
    assert finding.id == "DNS-05" and finding.severity == Severity.ERROR
    assert "The odd one out: ns2.split-dns.test (auth)" in finding.detail
    assert finding.evidence == (
        f'{dns_server.spec}: "v=spf1 include:new.example -all"',
        'ns1.split-dns.test (auth): "v=spf1 include:new.example -all"',
        'ns2.split-dns.test (auth): "v=spf1 include:old.example -all"   ← differs',
    )
    assert ("dig", "+short", "TXT", "txt.split-dns.test", "@127.0.0.1", "-p",
            str(dns_server.alt_port)) in [c.argv for c in finding.fixes]


async def test_lame_name_server_dns_10(dns_server):
    session = DnsSession([dns_server.resolver()], authority=dns_server.authority)
    answers = await session.lookup_everywhere("txt.lame-dns.test", "TXT")
    (finding,) = compare_findings(answers, "the SPF record of lame-dns.test")
    assert finding.id == "DNS-10"
    assert finding.title.endswith("does not answer for it: ns2.lame-dns.test")
    assert "REFUSED" in finding.detail


STALE = """$TTL 300
@ SOA ns1.split-dns.test. h.split-dns.test. 1 3600 600 86400 60
@ NS ns1.split-dns.test.
ns1 A 127.0.0.1
same TXT "an old value"
only-here TXT "private"
"""


async def test_resolver_behind_the_name_servers_dns_04(dns_server):
    stale = ZoneFileResolver({"split-dns.test": STALE}, label="office resolver")
    session = DnsSession([stale], authority=dns_server.authority)
    answers = await session.lookup_everywhere("same.split-dns.test", "TXT")
    (finding,) = compare_findings(answers, "the SPF record")
    assert finding.id == "DNS-04" and finding.severity == Severity.INFO
    assert finding.title == "office resolver still has an old answer for the SPF record"
    assert "for up to 300 s more" in finding.detail
    assert finding.evidence[0] == 'office resolver: "an old value"   ← differs'


async def test_resolver_sees_what_the_name_servers_do_not_dns_14(dns_server):
    private = ZoneFileResolver({"split-dns.test": STALE}, label="office resolver")
    session = DnsSession([private], authority=dns_server.authority)
    answers = await session.lookup_everywhere("only-here.split-dns.test", "TXT")
    (finding,) = compare_findings(answers, "the DMARC record")
    assert finding.id == "DNS-14"
    assert '"private"' in finding.detail and "has no TXT record" in finding.detail


async def test_resolvers_disagree_without_authoritative_answers_dns_14(dns_server):
    main = dns_server.resolver(label="main")
    alt = dns_server.resolver(port=dns_server.alt_port, label="alt")
    session = DnsSession([main, alt], compare=False)
    answers = await session.lookup_everywhere("txt.split-dns.test", "TXT")
    assert [a.resolver for a in answers] == ["main", "alt"]
    (finding,) = compare_findings(answers, "the SPF record")
    assert finding.id == "DNS-14" and finding.title == "The resolvers disagree about the SPF record"


async def test_everywhere_runs_resolvers_and_discovery_together(dns_server, slow):
    other = DelayProxy(dns_server.host, dns_server.port, delay_ms=DELAY_MS).start()
    try:
        session = DnsSession([slow.resolver(label="one"), other.resolver(label="two")],
                             authority=dns_server.authority)
        started = time.perf_counter()
        answers = await session.lookup_everywhere("txt.dns.test", "TXT")
        elapsed = time.perf_counter() - started
    finally:
        other.stop()
    assert [a.resolver for a in answers] == ["one", "two", "ns1.dns.test (auth)"]
    # NS, then the name server's addresses, through "one"; the question to both at once
    assert slow.max_in_flight >= 4 and elapsed < 3 * DELAY_MS / 1000 * 1.5


async def test_name_server_cname_out_of_its_zone_is_followed_not_blamed(dns_server):
    session = DnsSession([dns_server.resolver()], authority=dns_server.authority)
    answers = await session.lookup_everywhere("s1._domainkey.cname-dns.test", "TXT")
    assert [(a.resolver, a.status, a.values, a.cname_chain) for a in answers] == [
        (dns_server.spec, Status.OK, ("hello world",), ("txt.dns.test",)),
        ("ns2.cname-dns.test (auth)", Status.OK, ("hello world",), ("txt.dns.test",)),
    ]
    assert compare_findings(answers, "the DKIM key") == ()


async def test_a_failing_cname_target_is_not_a_lame_server(dns_server):
    session = DnsSession([dns_server.resolver()], authority=dns_server.authority)
    answers = await session.lookup_everywhere("outside.dns.test", "TXT")
    assert [a.status for a in answers] == [Status.REFUSED, Status.REFUSED]
    assert compare_findings(answers, "the DKIM key") == ()


async def test_session_wide_findings_for_the_report(dns_server):
    session = DnsSession([dns_server.resolver()], authority=dns_server.authority)
    await session.lookup("big.dns.test", "TXT")
    await session.lookup("nope.dns.test", "TXT")  # reported by its caller, not here
    await session.lookup_everywhere("txt.split-dns.test", "TXT")
    findings = answer_findings(session.answers, resolvers=session.all_resolvers)
    assert [(f.id, f.about) for f in findings] == [
        ("DNS-09", "big.dns.test"), ("DNS-05", "txt.split-dns.test")]
    assert findings[0].title == "the TXT record at big.dns.test is a large DNS answer (1559 bytes)"


async def test_zone_file_sessions_stay_offline():
    zones = ZoneFileResolver({"split-dns.test": STALE})
    session = DnsSession([zones])  # compare=True, but nothing to compare with offline
    answers = await session.lookup_everywhere("same.split-dns.test", "TXT")
    assert [a.resolver for a in answers] == ["zone"]
    assert [(a.name, a.rdtype) for a in session.answers] == [("same.split-dns.test", "TXT")]
