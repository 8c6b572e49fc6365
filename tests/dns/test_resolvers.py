"""The resolvers against a real BIND (tests/dnsserver.py) and the same zone files read by
ZoneFileResolver: what each name in tests/zones/dns.test.zone comes back as."""
from __future__ import annotations

from pathlib import Path

import dns.rdatatype
import dns.zone
import pytest

from dnsproxy import DelayProxy
from wizard import fixes
from wizard.dns import (
    DnsAnswer,
    ServerResolver,
    Status,
    SystemResolver,
    ZoneFileResolver,
    parse_spec,
    resolvers_from_specs,
)

ZONES = Path(__file__).resolve().parents[1] / "zones"


@pytest.fixture(scope="module")
def zone_resolver():
    return ZoneFileResolver([ZONES])


@pytest.mark.parametrize(
    "name, rdtype, status, values, chain",
    [
        ("txt.dns.test", "TXT", Status.OK, ("hello world",), ()),
        ("a.dns.test", "A", Status.OK, ("192.0.2.1",), ()),
        ("a.dns.test", "TXT", Status.NODATA, (), ()),
        ("_domainkey.dns.test", "TXT", Status.NODATA, (), ()),  # empty non-terminal
        ("nope.dns.test", "TXT", Status.NXDOMAIN, (), ()),
        ("anything.wild.dns.test", "TXT", Status.OK, ("v=spf1 -all",), ()),
        ("alias2.dns.test", "TXT", Status.OK, ("hello world",),
         ("alias.dns.test", "txt.dns.test")),
        ("ext.dns.test", "TXT", Status.OK, ("v=DKIM1; p=RVNQ",), ("key.esp-dns.test",)),
        ("dangling.dns.test", "TXT", Status.NXDOMAIN, (), ("nowhere.dns.test",)),
        ("outside.dns.test", "TXT", Status.REFUSED, (), ("target.example.invalid",)),
        ("loop1.dns.test", "TXT", Status.ERROR, (), ("loop2.dns.test", "loop1.dns.test")),
        ("txt.servfail-dns.test", "TXT", Status.SERVFAIL, (), ()),
        ("mail.example.invalid", "MX", Status.REFUSED, (), ()),
        ("alias.dns.test", "CNAME", Status.OK, ("txt.dns.test.",), ()),
    ],
)
async def test_each_name_comes_back_as_its_status(dns_server, name, rdtype, status, values, chain):
    answer = await dns_server.resolver().query(name, rdtype)
    assert (answer.status, answer.values, answer.cname_chain) == (status, values, chain)
    assert answer.name == name and answer.rdtype == rdtype
    assert answer.resolver == dns_server.spec


async def test_txt_strings_stay_separate_and_values_join_them(dns_server):
    resolver = dns_server.resolver()
    multi = await resolver.query("multi.dns.test", "TXT")
    assert multi.strings == (("v=DKIM1; k=rsa; ", "p=QUJD"),)
    assert multi.values == ("v=DKIM1; k=rsa; p=QUJD",)
    two = await resolver.query("two.dns.test", "TXT")
    assert sorted(two.values) == ["first", "second"]  # two records are never joined
    escaped = await resolver.query("escaped.dns.test", "TXT")
    assert escaped.strings == (('a"b', "c\\;d", "e\nf"),)  # zone-file escapes arrive as data


async def test_answer_carries_ttl_time_and_size(dns_server):
    answer = await dns_server.resolver().query("txt.dns.test", "TXT")
    assert answer.ttl == 300 and answer.size and answer.size > 40 and answer.elapsed_ms > 0
    missing = await dns_server.resolver().query("nope.dns.test", "TXT")
    assert missing.ttl == 60  # the SOA negative TTL (RFC 2308)
    assert "nope.dns.test does not exist" in missing.error


async def test_cname_loop_is_an_error_that_names_the_loop(dns_server):
    answer = await dns_server.resolver().query("loop1.dns.test", "TXT")
    assert answer.error == "CNAME loop: loop1.dns.test → loop2.dns.test → loop1.dns.test"


async def test_cname_out_of_the_servers_zones_is_chased_with_the_same_server(dns_server):
    answer = await dns_server.resolver().query("outside.dns.test", "TXT")
    assert "refused to answer for the CNAME target target.example.invalid" in answer.error


async def test_truncated_udp_answer_is_fetched_over_tcp_with_all_its_data(dns_server):
    small = dns_server.resolver(port=dns_server.small_udp_port)
    medium = await small.query("medium.dns.test", "TXT")
    assert medium.status == Status.TRUNCATED_TCP and medium.status.answered
    assert medium.values[0].startswith("v=DKIM1; k=rsa; p=") and len(medium.values[0]) == 754
    assert len(medium.strings[0]) == 3 and medium.size > 512
    # the main server's 1232-byte limit fits the same answer in one UDP packet
    assert (await dns_server.resolver().query("medium.dns.test", "TXT")).status == Status.OK
    big = await dns_server.resolver().query("big.dns.test", "TXT")
    assert big.status == Status.TRUNCATED_TCP and big.values == ("x" * 1500,)
    assert big.size > 1232


async def test_server_resolver_asks_only_its_own_server(dns_server):
    with DelayProxy(dns_server.host, dns_server.port) as proxy:
        other = DelayProxy(dns_server.host, dns_server.port).start()
        try:
            answer = await proxy.resolver().query("alias2.dns.test", "TXT")
            assert answer.values == ("hello world",)
            assert [(q.transport, q.name, q.rdtype) for q in proxy.queries] == [
                ("udp", "alias2.dns.test", "TXT")]  # the server followed the CNAMEs itself
            assert other.count == 0
        finally:
            other.stop()


async def test_invalid_names_are_refused_before_any_query(dns_server):
    with DelayProxy(dns_server.host, dns_server.port) as proxy:
        answer = await proxy.resolver().query("example.com;rm -rf ~", "TXT")
        bad_type = await proxy.resolver().query("txt.dns.test", "NOT-A-TYPE")
        assert proxy.count == 0
    assert answer.status == Status.ERROR and "not a valid DNS name" in answer.error
    assert bad_type.status == Status.ERROR and "not a DNS record type" in bad_type.error


async def test_an_unanswering_server_times_out_within_the_timeout(silent_server):
    answer = await silent_server.resolver(timeout=0.3).query("txt.dns.test", "TXT")
    assert answer.status == Status.TIMEOUT and answer.status.transient
    assert "did not answer within 0.3 s" in answer.error
    assert answer.elapsed_ms < 3000  # bounded by the timeout, not hanging


# -- the zone-file resolver answers as BIND does ---------------------------------------


def _probes() -> list[tuple[str, str]]:
    """Every (name, type) in dns.test.zone, TXT at every name, and some names it lacks."""
    zone = dns.zone.from_file(str(ZONES / "dns.test.zone"), "dns.test", relativize=False)
    probes = set()
    for name, node in zone.nodes.items():
        text = name.to_text(omit_final_dot=True)
        if text.startswith("*."):
            text = "probe" + text[1:]
        for rdataset in node:
            probes.add((text, dns.rdatatype.to_text(rdataset.rdtype)))
        probes.add((text, "TXT"))
    probes |= {("nope.dns.test", "TXT"), ("_domainkey.dns.test", "TXT"), ("wild.dns.test", "TXT"),
               ("x.y.wild.dns.test", "TXT"), ("txt.servfail-dns.test", "TXT"),
               ("elsewhere.invalid", "TXT"), ("key.esp-dns.test", "TXT")}
    return sorted(probes)


def _comparable(answer: DnsAnswer):
    # A zone file has no UDP to truncate: truncated→tcp and ok are the same data.
    status = Status.OK if answer.status == Status.TRUNCATED_TCP else answer.status
    return status, sorted(answer.strings), answer.cname_chain, answer.ttl


async def test_zone_file_resolver_answers_as_bind_does(dns_server, zone_resolver):
    probes = _probes()
    assert len(probes) > 25
    bind = dns_server.resolver()
    for name, rdtype in probes:
        expected = await bind.query(name, rdtype)
        got = await zone_resolver.query(name, rdtype)
        assert _comparable(got) == _comparable(expected), (name, rdtype)


async def test_zone_file_resolver_sizes_answers_like_the_server(dns_server, zone_resolver):
    bind = await dns_server.resolver().query("big.dns.test", "TXT")
    zone = await zone_resolver.query("big.dns.test", "TXT")
    # sizes differ only by the OPT record our queries to BIND carry (11 bytes)
    assert abs(bind.size - zone.size) <= 11 and zone.size > 1232


async def test_zone_text_and_broken_zones(zone_resolver):
    assert "servfail-dns.test" in zone_resolver.load_errors
    text = "$TTL 60\n@ SOA ns h 1 2 3 4 5\n@ NS ns\nns A 192.0.2.9\n_dmarc TXT \"v=DMARC1; p=none\"\n"
    resolver = ZoneFileResolver({"mapping.test": text}, label="demo")
    answer = await resolver.query("_dmarc.mapping.test", "TXT")
    assert (answer.resolver, answer.status, answer.values) == ("demo", Status.OK, ("v=DMARC1; p=none",))
    assert (await resolver.query("ns.mapping.test", "A")).values == ("192.0.2.9",)
    assert (await resolver.query("mapping.test", "TXT")).status == Status.NODATA


def test_zone_file_paths_must_be_readable_and_named_for_their_origin(tmp_path):
    with pytest.raises(ValueError, match="cannot read zone file"):
        ZoneFileResolver([tmp_path / "missing.zone"])
    odd = tmp_path / "db.example"
    odd.write_text("")
    with pytest.raises(ValueError, match="named after their origin"):
        ZoneFileResolver([odd])


# -- choosing resolvers ----------------------------------------------------------------


@pytest.mark.parametrize(
    "spec, host, port",
    [
        ("9.9.9.9", "9.9.9.9", 53),
        ("127.0.0.1:5353", "127.0.0.1", 5353),
        ("2620:fe::fe", "2620:fe::fe", 53),
        ("[::1]:5353", "::1", 5353),
        ("[2620:fe::fe]", "2620:fe::fe", 53),
        (" 1.1.1.1 ", "1.1.1.1", 53),
    ],
)
def test_resolver_specs(spec, host, port):
    assert parse_spec(spec) == (host, port)
    (resolver,) = resolvers_from_specs([spec], 1.5)
    assert isinstance(resolver, ServerResolver)
    assert (resolver.host, resolver.port, resolver.timeout) == (host, port, 1.5)


def test_resolver_labels_and_dig_arguments():
    assert ServerResolver("::1", 5353).label == "[::1]:5353"
    assert ServerResolver("9.9.9.9").label == "9.9.9.9"
    ask = lambda resolver: fixes.dig_command(resolver, "example.com", "TXT").shell  # noqa: E731
    assert ask(ServerResolver("127.0.0.1", 5353)) == "dig +short TXT example.com @127.0.0.1 -p 5353"
    assert ask(ServerResolver("::1", 5353)) == "dig +short TXT example.com @::1 -p 5353"
    assert ask(ServerResolver("9.9.9.9")) == "dig +short TXT example.com @9.9.9.9"
    assert ask(SystemResolver()) == "dig +short TXT example.com"
    assert fixes.dig_command(ZoneFileResolver({}), "example.com", "TXT") is None


@pytest.mark.parametrize(
    "spec", ["", "dns.google", "1.2.3.4:0", "1.2.3.4:99999", "1.2.3.4:x", "[::1", "[::1]x",
             "300.1.1.1", "1.2.3.4;rm"],
)
def test_bad_resolver_specs_say_what_is_expected(spec):
    with pytest.raises(ValueError, match="a resolver is an IP address with an optional port"):
        resolvers_from_specs([spec], 2.0)


def test_no_specs_means_the_system_resolver_and_system_can_be_named():
    (only,) = resolvers_from_specs([], 2.0)
    assert isinstance(only, SystemResolver) and only.label == "system"
    mixed = resolvers_from_specs(["system", "127.0.0.1:5353"], 2.0)
    assert [r.label for r in mixed] == ["system", "127.0.0.1:5353"]


def test_system_resolver_reads_resolv_conf(tmp_path):
    conf = tmp_path / "resolv.conf"
    conf.write_text("search example.com\nnameserver 192.0.2.53\nnameserver 2001:db8::53\n")
    resolver = SystemResolver(2.0, resolv_conf=conf)
    assert [s.label for s in resolver.servers] == ["system (192.0.2.53)", "system ([2001:db8::53])"]


async def test_system_resolver_without_nameservers_says_so(tmp_path):
    conf = tmp_path / "resolv.conf"
    conf.write_text("search example.com\n")
    answer = await SystemResolver(2.0, resolv_conf=conf).query("example.com", "TXT")
    assert answer.status == Status.ERROR and "no nameserver is configured" in answer.error
