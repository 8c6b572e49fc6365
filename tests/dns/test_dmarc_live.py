"""DMARC against the BIND fixture, under RFC 7489 (PSL) and RFC 9989 (tree walk). The zones
tests/zones/*dmarc.test.zone say what each domain publishes; test.zone makes `_dmarc.test`
NXDOMAIN as a real TLD would."""
from __future__ import annotations

import time

import pytest

from dnsproxy import DelayProxy
from wizard.dmarc.check import check_dmarc, check_dmarc_domain
from wizard.dns import DnsSession
from wizard.model.findings import RecordFix, Severity


@pytest.fixture
def session(dns_server):
    return DnsSession([dns_server.resolver()], compare=False)


async def dmarc(session, from_header, dkim=(), spf_result=None, spf_domain=None):
    return await check_dmarc(from_header, dkim_pass_domains=list(dkim), spf_result=spf_result,
                             spf_domain=spf_domain, lookup=session.lookup)


def finding(report, fid, title_part=""):
    return next(f for f in report.findings if f.id == fid and title_part in f.title)


def ids(report):
    return {f.id for f in report.findings}


async def test_aligned_dkim_and_spf_pass(session):
    report = await dmarc(session, "Alice <alice@dmarc.test>", ["dmarc.test"], "pass",
                         "dmarc.test")
    for result in (report.rfc7489, report.rfc9989):
        assert result.result == "pass" and result.policy == "reject"
        assert result.record_name == "_dmarc.dmarc.test"
        assert result.discovered_via == "exact domain"
        assert result.grid.dkim_aligned and result.grid.spf_aligned
    assert not report.disagree
    assert finding(report, "DMARC-08").severity == Severity.INFO


async def test_esp_domains_pass_but_do_not_align(session):
    report = await dmarc(session, "alice@dmarc.test", ["esp-dmarc.test"], "pass",
                         "bounces.esp-dmarc.test")
    assert report.result == "fail" and report.rfc7489.result == "fail"
    grid = report.rfc9989.grid
    assert (grid.spf_pass, grid.spf_aligned, grid.dkim_pass, grid.dkim_aligned) == (
        True, False, True, False)
    assert grid.spf_domain == "bounces.esp-dmarc.test"
    misaligned = finding(report, "DMARC-06")
    assert misaligned.severity == Severity.CRITICAL
    assert any("esp-dmarc.test" in line for line in misaligned.evidence)
    assert "bounces.esp-dmarc.test" in finding(report, "CAUSE-17").title
    assert "esp-dmarc.test" in finding(report, "CAUSE-15").title


async def test_relaxed_alignment_accepts_a_subdomain_signer(session):
    report = await dmarc(session, "alice@dmarc.test", ["mail.dmarc.test"])
    row = report.alignment[0]
    assert report.result == "pass" and row.relaxed and not row.strict


async def test_strict_alignment_rejects_a_subdomain_signer(session):
    report = await dmarc(session, "alice@strict-dmarc.test", ["mail.strict-dmarc.test"])
    assert report.result == "fail"
    strict = finding(report, "DMARC-07")
    assert "adkim=s" in strict.detail and "relaxed" in strict.detail
    row = report.alignment[0]
    assert row.relaxed and not row.aligned and row.mode == "s"
    relax = strict.fixes[0]
    assert (relax.name, relax.value) == (
        "_dmarc.strict-dmarc.test", "v=DMARC1; p=reject; adkim=r; aspf=s; rua=mailto:agg@host-dmarc.test")


async def test_subdomain_gets_sp(session):
    report = await dmarc(session, "alice@shop.sub-dmarc.test")
    for result in (report.rfc7489, report.rfc9989):
        assert (result.policy, result.policy_tag) == ("reject", "sp")
        assert result.record_name == "_dmarc.sub-dmarc.test"
    assert report.rfc7489.discovered_via == "organisational domain (PSL)"
    assert report.rfc9989.discovered_via == "tree walk step 2"
    assert "applied as sp=reject" in finding(report, "DMARC-09").detail


async def test_non_existent_subdomain_gets_np_under_rfc_9989_only(session):
    report = await dmarc(session, "alice@ghost.sub-dmarc.test")
    assert report.from_nonexistent
    assert (report.rfc9989.policy, report.rfc9989.policy_tag) == ("quarantine", "np")
    assert (report.rfc7489.policy, report.rfc7489.policy_tag) == ("reject", "sp")
    assert report.disagree
    assert "DNS-12" in ids(report)
    assert finding(report, "DMARC-08", "different verdicts").severity == Severity.WARN


async def test_two_records_stop_discovery(session):
    report = await dmarc(session, "alice@two-dmarc.test", ["two-dmarc.test"])
    # RFC 7489: not applied; RFC 9989: both discarded, and nothing above them
    assert report.rfc7489.result == "permerror" and report.result == "none"
    assert report.rfc7489.policy is None and report.policy is None
    for rfc in ("RFC 7489", "RFC 9989"):
        several = finding(report, "DMARC-02", rfc)
        assert several.severity == Severity.CRITICAL and len(several.evidence) == 2


async def test_two_records_at_a_subdomain_the_tree_walk_reaches_the_parent(session):
    report = await dmarc(session, "alice@mail.multi-dmarc.test", ["esp-dmarc.test"])
    assert report.rfc7489.result == "permerror" and report.rfc7489.policy is None
    assert report.rfc9989.record_name == "_dmarc.multi-dmarc.test"
    assert (report.result, report.policy, report.rfc9989.policy_tag) == (
        "fail", "quarantine", "sp")
    assert "not applied" in finding(report, "DMARC-02", "RFC 7489").detail
    assert "_dmarc.multi-dmarc.test applies instead" in finding(
        report, "DMARC-02", "RFC 9989").detail
    assert report.disagree


async def test_lower_case_version_is_ignored(session):
    report = await dmarc(session, "alice@case-dmarc.test", ["case-dmarc.test"])
    for result in (report.rfc7489, report.rfc9989):
        assert (result.result, result.policy, result.record) == ("none", None, None)
    ignored = finding(report, "DMARC-03", "v=dmarc1")
    assert ignored.severity == Severity.CRITICAL
    assert "DMARC-01" in ids(report)


async def test_from_that_does_not_parse_asks_no_dmarc_name(session):
    asked = []

    async def lookup(name, rdtype):
        asked.append(name)
        return await session.lookup(name, rdtype)

    report = await check_dmarc("<alice@a;id.example.test>", dkim_pass_domains=[],
                               spf_result=None, spf_domain=None, lookup=lookup)
    assert report.from_domain is None and asked == []
    assert finding(report, "DMARC-14", "does not parse").severity == Severity.CRITICAL


async def test_cname_delegated_record_shows_the_chain(session):
    report = await dmarc(session, "alice@cname-dmarc.test", ["cname-dmarc.test"])
    assert report.result == "pass" and report.policy == "quarantine"
    assert report.rfc9989.cname_chain == ("cname-dmarc.test.hosted.host-dmarc.test",)
    chain = finding(report, "DMARC-22")
    assert chain.evidence == (
        "_dmarc.cname-dmarc.test → cname-dmarc.test.hosted.host-dmarc.test",)
    # host-dmarc.test has authorised cname-dmarc.test's reports: no DMARC-11
    assert "DMARC-11" not in ids(report)


async def test_external_report_address_without_authorisation(session):
    report = await dmarc(session, "alice@strict-dmarc.test", ["strict-dmarc.test"])
    unauthorised = finding(report, "DMARC-11")
    fix = next(f for f in unauthorised.fixes if isinstance(f, RecordFix))
    assert fix.name == "strict-dmarc.test._report._dmarc.host-dmarc.test"
    assert fix.value == "v=DMARC1"


async def test_tree_walk_stops_at_an_intermediate_record_the_psl_skips(session):
    report = await dmarc(session, "alice@a.b.walk-dmarc.test")
    assert report.rfc7489.record_name == "_dmarc.walk-dmarc.test"
    assert report.rfc7489.effective_policy == "reject"
    assert report.rfc9989.record_name == "_dmarc.b.walk-dmarc.test"
    assert report.rfc9989.effective_policy == "none"
    assert report.org_domain_psl == report.org_domain_treewalk == "walk-dmarc.test"
    assert report.disagree


async def test_psd_record_makes_the_organisational_domains_disagree(session):
    report = await dmarc(session, "alice@mail.shop.psd-dmarc.test", ["other.psd-dmarc.test"])
    assert report.org_domain_psl == "psd-dmarc.test"
    assert report.org_domain_treewalk == "shop.psd-dmarc.test"
    assert "psd=y" in report.rfc9989.org_reason
    # one organisation under the PSL, two under the tree walk
    assert report.rfc7489.result == "pass" and report.rfc9989.result == "fail"
    assert finding(report, "DMARC-08", "Organisational domain differs").severity == Severity.WARN


async def test_servfail_is_temperror(session):
    report = await dmarc(session, "alice@servfail-dmarc.test", ["servfail-dmarc.test"])
    assert report.result == "temperror" and report.rfc7489.result == "temperror"
    assert finding(report, "DMARC-17").severity == Severity.WARN


async def test_domain_mode_without_a_record(session):
    report = await check_dmarc_domain("esp-dmarc.test", session.lookup)
    assert report.result == "none"
    missing = finding(report, "DMARC-01")
    starter = next(f for f in missing.fixes if isinstance(f, RecordFix))
    assert starter.zone_line.startswith("_dmarc.esp-dmarc.test. 3600 IN TXT \"v=DMARC1; p=none")
    assert any(getattr(f, "argv", None) == ("dig", "+short", "TXT", "_dmarc.esp-dmarc.test")
               for f in missing.fixes)
    # the tree walk asked every level up to the TLD, the PSL method one name
    assert "_dmarc.test TXT: nxdomain" in missing.evidence


async def test_two_from_domains(session):
    report = await dmarc(session, "a@dmarc.test, b@esp-dmarc.test", ["dmarc.test"])
    assert finding(report, "DMARC-14").severity == Severity.CRITICAL
    assert report.from_domain == "dmarc.test"


async def test_missing_from_header(session):
    report = await dmarc(session, None, ["dmarc.test"])
    assert report.result == "permerror" and report.from_domain is None
    assert finding(report, "DMARC-14").severity == Severity.CRITICAL


async def test_discovery_lookups_run_at_once(dns_server):
    delay_ms = 150
    with DelayProxy(dns_server.host, dns_server.port, delay_ms=delay_ms) as proxy:
        session = DnsSession([proxy.resolver()], compare=False)
        started = time.perf_counter()
        report = await dmarc(session, "alice@a.b.walk-dmarc.test", ["mail.dmarc.test"])
        elapsed = time.perf_counter() - started
    assert report.rfc9989.record is not None
    # the four _dmarc names of the walk, the PSL name, the From's A and the d= walk together
    assert proxy.max_in_flight >= 5
    assert elapsed < 4 * delay_ms / 1000


async def test_cname_to_a_missing_target_falls_back_to_the_parent(session):
    report = await check_dmarc_domain("broken.cname-dmarc.test", session.lookup)
    dangling = finding(report, "DMARC-22", "to nothing")
    assert dangling.severity == Severity.WARN
    assert dangling.evidence == ("_dmarc.broken.cname-dmarc.test → "
                                 "broken.cname-dmarc.test.hosted.host-dmarc.test",)
    assert report.record_name == "_dmarc.cname-dmarc.test"  # the parent's policy applies
