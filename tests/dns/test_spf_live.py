"""SPF against the BIND fixture (tests/zones/spf.test.zone says what each name holds): pyspf's
verdict through our DNS layer, and the record tree with its lookup budget."""
from __future__ import annotations

import time

import pytest

from dnsproxy import DelayProxy
from wizard.dns import DnsSession
from wizard.model.findings import RecordFix, Severity
from wizard.spf.check import check_spf
from wizard.spf.walk import spf_tree

LISTED = "192.0.2.5"  # in pass.spf.test's ip4:192.0.2.0/24
UNLISTED = "198.51.100.7"


@pytest.fixture
def session(dns_server):
    return DnsSession([dns_server.resolver()], compare=False)


async def spf(session, mail_from, ip=UNLISTED, helo="mta.example.net"):
    return await check_spf(ip=ip, mail_from=mail_from, helo=helo, lookup=session.lookup,
                           sync_lookup=session.sync_lookup)


def ids(report):
    return {f.id for f in report.findings}


def finding(report, fid):
    return next(f for f in report.findings if f.id == fid)


async def test_listed_ip_passes_and_pyspf_asked_through_our_layer(session):
    report = await spf(session, "alice@pass.spf.test", ip=LISTED)
    assert report.result == "pass"
    assert report.domain == "pass.spf.test" and report.identity == "mailfrom"
    assert "MAIL FROM" in report.identity_note and "not the From header" in report.identity_note
    # every lookup, pyspf's included, went through the session and is recorded there
    assert ("pass.spf.test", "TXT") in {(a.name, a.rdtype) for a in session.answers}


async def test_unlisted_ip_fails_under_dash_all_with_a_fix(session):
    report = await spf(session, "alice@pass.spf.test")
    assert report.result == "fail"
    not_authorised = finding(report, "SPF-13")
    assert not_authorised.severity == Severity.CRITICAL
    assert "not the From header" in not_authorised.detail
    record_fix = next(f for f in not_authorised.fixes if isinstance(f, RecordFix))
    assert record_fix.value == f"v=spf1 ip4:192.0.2.0/24 ip4:{UNLISTED} -all"


async def test_tilde_all_softfails(session):
    report = await spf(session, "alice@soft.spf.test")
    assert report.result == "softfail"
    assert finding(report, "SPF-13").severity == Severity.ERROR
    assert "SPF-12" in ids(report)


async def test_ten_lookups_are_allowed(session):
    report = await spf(session, "alice@ten.spf.test")
    assert report.result == "fail"  # evaluated to the end: the IP is simply not listed
    assert report.lookups_used == 10
    assert finding(report, "SPF-05").severity == Severity.INFO


async def test_eleven_lookups_are_permerror_and_the_tree_shows_where(session):
    report = await spf(session, "alice@eleven.spf.test")
    assert report.result == "permerror"
    assert report.lookups_used == 11
    over = finding(report, "SPF-05")
    assert over.severity == Severity.CRITICAL and "include:i11.spf.test" in over.evidence[0]
    totals = [(c.term, c.running_total) for c in report.tree.root.children if c.cost]
    assert totals[0] == ("include:i1.spf.test", 1) and totals[-1] == ("include:i11.spf.test", 11)


async def test_two_void_lookups_are_tolerated(session):
    report = await spf(session, "alice@twovoid.spf.test")
    assert report.result == "fail" and report.voids == 2


async def test_third_void_lookup_is_permerror(session):
    report = await spf(session, "alice@threevoid.spf.test")
    assert report.result == "permerror" and report.voids == 3
    assert "a:gone3.spf.test" in finding(report, "SPF-06").evidence[0]
    assert [c.void for c in report.tree.root.children][:3] == [True, True, True]


async def test_include_of_a_domain_without_spf(session):
    report = await spf(session, "alice@incnospf.spf.test")
    assert report.result == "permerror"
    assert "nospf.spf.test" in finding(report, "SPF-08").title


async def test_two_records_are_permerror_with_a_merged_record(session):
    report = await spf(session, "alice@two.spf.test", ip=LISTED)
    assert report.result == "permerror"
    merged = next(f for f in finding(report, "SPF-02").fixes if isinstance(f, RecordFix))
    assert merged.value == "v=spf1 include:i1.spf.test ip4:192.0.2.0/24 -all"


async def test_servfail_is_temperror_never_permerror(session):
    report = await spf(session, "alice@dnsfail.spf.test")
    assert report.result == "temperror"
    assert "SPF-17" in ids(report)
    assert not any(f.id == "SPF-04" for f in report.findings)


async def test_servfail_on_the_mail_from_domain_itself(session):
    report = await spf(session, "alice@servfail-spf.test")
    assert report.result == "temperror"


async def test_misspelt_mechanism_names_the_token(session):
    report = await spf(session, "alice@typo.spf.test", ip=LISTED)
    assert report.result == "permerror"
    syntax = finding(report, "SPF-04")
    assert "inlcude:i1.spf.test" in syntax.title and "(term 2)" in syntax.detail


async def test_no_record_is_none_with_a_starter_record(session):
    report = await spf(session, "alice@nospf.spf.test")
    assert report.result == "none"
    assert [f.id for f in report.findings].count("SPF-01") == 1
    starter = next(f for f in finding(report, "SPF-01").fixes if isinstance(f, RecordFix))
    assert starter.name == "nospf.spf.test" and starter.value.startswith("v=spf1 ip4:")


async def test_ipv6_client_against_an_ipv4_only_record(session):
    report = await spf(session, "alice@pass.spf.test", ip="2001:db8::25")
    assert report.result == "fail"
    assert finding(report, "SPF-14").severity == Severity.CRITICAL


async def test_macro_is_expanded_for_the_client_ip(session):
    report = await spf(session, "alice@macro.spf.test", ip="192.0.2.1")
    assert report.result == "pass"
    assert report.tree.root.children[0].domain == "192.0.2.1._spf.spf.test"
    assert "SPF-19" in ids(report)


async def test_mx_mechanism(session):
    report = await spf(session, "alice@mx.spf.test", ip="192.0.2.30")
    assert report.result == "pass"
    mx = report.tree.root.children[0]
    assert [h.term for h in mx.children] == ["mx1.spf.test"]


async def test_mx_with_more_than_ten_hosts(session):
    report = await spf(session, "alice@manymx.spf.test")
    assert report.result == "permerror"
    assert finding(report, "SPF-07").severity == Severity.ERROR


async def test_null_sender_checks_postmaster_at_helo(session):
    report = await spf(session, "<>", ip="192.0.2.31", helo="helo.spf.test")
    assert report.result == "pass"
    assert report.identity == "helo" and report.sender == "postmaster@helo.spf.test"
    assert "SPF-16" in ids(report)


async def test_srs_return_path_is_forwarding(session):
    report = await spf(session, "SRS0=abcd=TT=dmarc.test=alice@fwd.spf.test", ip="198.51.100.9")
    assert report.result == "pass" and report.domain == "fwd.spf.test"
    assert report.original_domain == "dmarc.test"
    assert "dmarc.test" in finding(report, "SPF-15").detail


async def test_large_record_warns_with_its_size(session):
    report = await spf(session, "alice@big.spf.test")
    assert report.result == "fail"
    assert "bytes" in finding(report, "SPF-18").title


async def test_without_client_ip_only_the_tree_is_shown(session):
    report = await spf(session, "alice@ten.spf.test", ip=None)
    assert report.result is None and report.lookups_used == 10


async def test_domain_mode_tree(session):
    tree = await spf_tree("redirall.spf.test", session.lookup)
    redirect = tree.root.children[-1]
    assert redirect.mechanism == "redirect" and "ignored" in redirect.error
    assert {f.id for f in tree.findings} >= {"SPF-09"}
    ptr = await spf_tree("ptr.spf.test", session.lookup)
    assert ptr.lookups_used == 1 and "SPF-10" in {f.id for f in ptr.findings}
    dup = await spf_tree("dup.spf.test", session.lookup)
    assert dup.lookups_used == 2 and "SPF-20" in {f.id for f in dup.findings}
    plus = await spf_tree("plusall.spf.test", session.lookup)
    assert any(f.id == "SPF-11" and f.severity == Severity.ERROR for f in plus.findings)


async def test_null_mx_on_the_mail_from_domain(session):
    report = await spf(session, "alice@nullmx.spf.test", ip=LISTED)
    assert report.result == "pass"
    assert finding(report, "DNS-11").severity == Severity.CRITICAL


async def test_mail_from_domain_that_does_not_exist(session):
    report = await spf(session, "alice@ghost.spf.test")
    assert report.result == "none"
    assert finding(report, "DNS-12").severity == Severity.CRITICAL


async def test_the_terms_of_a_record_are_looked_up_at_once(dns_server):
    delay_ms = 100
    with DelayProxy(dns_server.host, dns_server.port, delay_ms=delay_ms) as proxy:
        session = DnsSession([proxy.resolver()], compare=False)
        started = time.perf_counter()
        tree = await spf_tree("ten.spf.test", session.lookup)
        elapsed = time.perf_counter() - started
    assert tree.lookups_used == 10
    assert proxy.max_in_flight >= 10  # the ten includes' records were fetched together
    assert elapsed < 5 * delay_ms / 1000  # about two round trips, not eleven
