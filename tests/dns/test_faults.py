"""Each DNS fault the real servers produce becomes its status and its plain finding."""
from __future__ import annotations

import time
from pathlib import Path

import pytest

from dnsproxy import DelayProxy
from dnsserver import BindServer
from wizard.dns import Status, ZoneFileResolver
from wizard.dns.findings import answer_lines, is_cname_loop, lookup_finding, size_finding, summary
from wizard.model.findings import Severity

KEY = "the DKIM key for {}"


async def _finding(resolver, name, rdtype="TXT", missing=Severity.CRITICAL):
    answer = await resolver.query(name, rdtype)
    return answer, lookup_finding(answer, KEY.format(name), finding_id="TEST-01",
                                  missing=missing, resolvers=[resolver])


async def test_timeout(silent_server):
    resolver = silent_server.resolver(timeout=0.3)
    answer, finding = await _finding(resolver, "s1._domainkey.dns.test")
    assert answer.status == Status.TIMEOUT
    assert finding.severity == Severity.ERROR  # transient: temperror, never "no key"
    assert finding.title == "the DKIM key for s1._domainkey.dns.test could not be fetched: no answer in time"
    assert "temperror" in finding.detail and "TCP port 53" in finding.detail
    assert [c.argv for c in finding.fixes] == [
        ("dig", "+short", "TXT", "s1._domainkey.dns.test", "@127.0.0.1", "-p", str(silent_server.port)),
        ("dig", "+tcp", "+short", "TXT", "s1._domainkey.dns.test", "@127.0.0.1", "-p", str(silent_server.port)),
    ]


async def test_servfail(dns_server):
    answer, finding = await _finding(dns_server.resolver(), "txt.servfail-dns.test")
    assert answer.status == Status.SERVFAIL and answer.status.transient
    assert finding.severity == Severity.ERROR
    assert "(SERVFAIL)" in finding.title and "DNSSEC" in finding.detail
    assert any("+cd" in c.argv for c in finding.fixes)


async def test_refused(dns_server):
    answer, finding = await _finding(dns_server.resolver(), "key.example.invalid")
    assert answer.status == Status.REFUSED
    assert finding.title.endswith("the DNS server refused (REFUSED)")
    assert "lame" in finding.detail and finding.severity == Severity.ERROR


async def test_nxdomain_with_negative_ttl(dns_server):
    answer, finding = await _finding(dns_server.resolver(), "nope._domainkey.dns.test")
    assert answer.status == Status.NXDOMAIN and not answer.status.transient
    assert finding.id == "TEST-01" and finding.severity == Severity.CRITICAL
    assert finding.title == ("the DKIM key for nope._domainkey.dns.test is missing: "
                             "nope._domainkey.dns.test does not exist (NXDOMAIN)")
    assert "up to 60 s" in finding.detail  # the zone's negative TTL (DNS-04)
    assert finding.fixes[0].shell == (
        f"dig +short TXT nope._domainkey.dns.test @127.0.0.1 -p {dns_server.port}")


async def test_nodata(dns_server):
    answer, finding = await _finding(dns_server.resolver(), "a.dns.test")
    assert answer.status == Status.NODATA
    assert finding.title.endswith("a.dns.test exists but holds no TXT record (NODATA)")


async def test_cname_to_a_missing_target_blames_the_target(dns_server):
    answer, finding = await _finding(dns_server.resolver(), "dangling.dns.test")
    assert answer.status == Status.NXDOMAIN and answer.cname_chain == ("nowhere.dns.test",)
    assert "its CNAME points to nowhere.dns.test" in finding.title
    assert "dangling.dns.test → nowhere.dns.test" in finding.detail and "DNS-03" in finding.detail
    assert ("dig", "+noall", "+answer", "CNAME", "dangling.dns.test", "@127.0.0.1", "-p",
            str(dns_server.port)) in [c.argv for c in finding.fixes]


async def test_cname_loop(dns_server):
    answer, finding = await _finding(dns_server.resolver(), "loop1.dns.test")
    assert answer.status == Status.ERROR and is_cname_loop(answer)
    assert finding.title == "the DKIM key for loop1.dns.test could not be fetched: CNAME loop"
    assert "loop1.dns.test → loop2.dns.test → loop1.dns.test" in finding.detail
    assert "  CNAME loop1.dns.test → loop2.dns.test → loop1.dns.test" in finding.evidence


async def test_truncated_answer_is_data_plus_a_size_warning(dns_server):
    resolver = dns_server.resolver(port=dns_server.small_udp_port)
    answer = await resolver.query("medium.dns.test", "TXT")
    assert answer.status == Status.TRUNCATED_TCP
    assert lookup_finding(answer, "the key", finding_id="X", resolvers=[resolver]) is None
    finding = size_finding(answer, "the DKIM key for medium.dns.test", resolvers=[resolver])
    assert finding.id == "DNS-09" and finding.severity == Severity.WARN
    assert "had to be asked again over TCP" in finding.detail
    assert "+bufsize=1232" in finding.fixes[0].argv


async def test_large_answer_warns_even_from_zone_files():
    zones = ZoneFileResolver([Path(__file__).resolve().parents[1] / "zones"])
    answer = await zones.query("big.dns.test", "TXT")
    finding = size_finding(answer, "the SPF record of big.dns.test", resolvers=[zones])
    assert answer.status == Status.OK and finding.id == "DNS-09"
    assert "more than the 1232-byte UDP size" in finding.detail
    assert finding.fixes == ()  # nothing to point dig at for a zone file
    small = await zones.query("txt.dns.test", "TXT")
    assert size_finding(small, "x") is None


async def test_evidence_shows_each_string_with_its_length(dns_server):
    answer = await dns_server.resolver().query("multi.dns.test", "TXT")
    lines = answer_lines(answer)
    assert lines[0].startswith(f"{dns_server.spec}: TXT multi.dns.test → ok (")
    assert lines[1] == '  record 1: "v=DKIM1; k=rsa; " (16) "p=QUJD" (6)'
    assert summary(answer) == '"v=DKIM1; k=rsa; " "p=QUJD"'


async def test_control_bytes_from_dns_are_made_visible(dns_server):
    answer = await dns_server.resolver().query("escaped.dns.test", "TXT")
    assert "\n" in answer.values[0]  # the data is kept as published...
    assert all("\n" not in line for line in answer_lines(answer))  # ...and shown escaped
    assert '"e\\x0af" (3)' in answer_lines(answer)[1]


@pytest.mark.parametrize("bad", ["example.com;rm -rf ~", "a..b", "-x.example"])
async def test_no_command_is_built_from_an_invalid_name(dns_server, bad):
    answer = await dns_server.resolver().query(bad, "TXT")
    finding = lookup_finding(answer, "the key", finding_id="X", resolvers=[dns_server.resolver()])
    assert answer.status == Status.ERROR and finding.fixes == ()


CHAIN_DEPTH = 60


@pytest.fixture(scope="module")
def chain_server(tmp_path_factory):
    """A BIND of its own holding an include chain 60 deep (c0 → c1 → … → c59)."""
    zones = tmp_path_factory.mktemp("chain-zones")
    (zones / "alt").mkdir()
    lines = ["$TTL 300", "@ SOA ns1.chain.test. h.chain.test. 1 3600 600 86400 60",
             "@ NS ns1.chain.test.", "ns1 A 127.0.0.1"]
    lines += [f'c{i} TXT "v=spf1 include:c{i + 1}.chain.test -all"' for i in range(CHAIN_DEPTH)]
    lines.append(f'c{CHAIN_DEPTH} TXT "v=spf1 ip4:198.51.100.1 -all"')
    (zones / "chain.test.zone").write_text("\n".join(lines) + "\n")
    with BindServer(zone_dir=zones) as server:
        yield server


async def test_one_deadline_bounds_the_whole_analysis(chain_server):
    from wizard.model.request import AnalysisRequest
    from wizard.pipeline.analyze import analyze

    message = (b"Return-Path: <alice@c0.chain.test>\r\n"
               b"Received: from mta.chain.test (mta.chain.test [192.0.2.1]) by mx.example\r\n"
               b"From: alice@c0.chain.test\r\nTo: bob@example.org\r\nSubject: hi\r\n"
               b"Message-ID: <1@chain.test>\r\nDate: Thu, 03 Dec 2026 05:00:00 +0000\r\n\r\nhi\r\n")
    with DelayProxy(chain_server.host, chain_server.port, delay_ms=900) as proxy:
        request = AnalysisRequest(raw=message, resolver_specs=(proxy.spec,), timeout=1.0,
                                  ip="192.0.2.1", mail_from="alice@c0.chain.test")
        started = time.perf_counter()
        report = await analyze(request, resolvers=[proxy.resolver(timeout=1.0)])
        elapsed = time.perf_counter() - started
    # each answer alone comes within --timeout 1; before, the chain took 38 s in all
    assert elapsed < 2.5
    assert report.spf is not None and report.spf.result == "temperror"
    # the report says why: the deadline, not a broken record
    assert "not answered within the analysis deadline of 1 s" in report.spf.explanation
    assert any(f.id == "SPF-17" and "analysis deadline of 1 s" in f.detail
               for f in report.findings)
