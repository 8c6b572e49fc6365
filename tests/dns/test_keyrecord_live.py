"""Key records as the real BIND fixture serves them (tests/zones/verify.test.zone): how the
DNS layer's strings, CNAME chains, sizes and negative answers reach analyze_key."""
from __future__ import annotations

import pytest

from tests.signing import public_b64
from wizard.dkim.keyrecord import analyze_key
from wizard.dns.session import DnsSession
from wizard.dns.types import Status
from wizard.model.findings import RecordFix

KEY_A = f"v=DKIM1; k=rsa; p={public_b64('rsa2048a')}"


@pytest.fixture
def session(dns_server):
    return DnsSession([dns_server.resolver()], timeout=2.0, compare=False)


async def key(session, selector, domain="verify.test", **kwargs):
    answer = await session.lookup(f"{selector}._domainkey.{domain}", "TXT")
    return analyze_key(answer, sig_a=kwargs.pop("sig_a", "rsa-sha256"), sig_d=domain, **kwargs)


def ids(report):
    return [f.id for f in report.findings]


async def test_2048_bit_key_in_two_strings_of_one_record(session):
    report = await key(session, "rsa2048")
    assert report.usable and report.status == Status.OK
    assert [len(s) for s in report.strings[0]] == [255, len(KEY_A) - 255]
    assert report.value == KEY_A and report.key_bits == 2048 and ids(report) == []


async def test_two_records_instead_of_two_strings(session):
    report = await key(session, "split")
    finding = next(f for f in report.findings if f.id == "DKIM-KEY-04")
    assert len(report.strings) == 2
    (fix,) = finding.fixes
    assert isinstance(fix, RecordFix) and fix.value == KEY_A
    assert fix.zone_line.startswith("split._domainkey.verify.test. 3600 IN TXT \"v=DKIM1")


async def test_pasted_halves_show_the_bytes_and_the_corrected_value(session):
    report = await key(session, "pasted")
    finding = next(f for f in report.findings if f.id == "DKIM-KEY-05")
    assert any('" "' in line for line in finding.evidence)
    assert report.corrected == KEY_A


async def test_negative_answers_and_cname_chains(session):
    nodata = await key(session, "nodata")
    assert nodata.status == Status.NODATA and nodata.cname_chain == ("web.verify.test",)
    assert "DKIM-KEY-02" in ids(nodata)
    notxt = await key(session, "notxt")
    assert notxt.status == Status.NODATA and not notxt.cname_chain
    missing = await key(session, "never-published")
    assert missing.status == Status.NXDOMAIN and missing.problem == "key_not_found"
    gone = await key(session, "espgone")
    assert gone.status == Status.NXDOMAIN and gone.esp == "Microsoft 365"
    assert gone.cname_chain == ("selector2-verify-test._domainkey.verifytenant.onmicrosoft.com",)


async def test_dns_failure_is_temporary(session, silent_server):
    quiet = DnsSession([silent_server.resolver(timeout=0.3)], timeout=0.3, compare=False)
    answer = await quiet.lookup("rsa2048._domainkey.verify.test", "TXT")
    report = analyze_key(answer, sig_a="rsa-sha256")
    assert answer.status == Status.TIMEOUT
    assert report.problem == "dns_temperror" and ids(report) == ["DKIM-KEY-03"]


async def test_wildcard_answers_for_key_names(session):
    probe = await session.lookup("mailtriage-wildcard-probe._domainkey.wild.verify.test", "TXT")
    report = await key(session, "x", "wild.verify.test", probe=probe)
    assert report.value == "v=spf1 -all" and {"DNS-06", "DKIM-KEY-05"} <= set(ids(report))


async def test_4096_bit_key_reports_the_response_size(session):
    report = await key(session, "big")
    assert report.key_bits == 4096
    finding = next(f for f in report.findings if f.id == "DKIM-KEY-16")
    size = session.answers[-1].size
    assert size and size > 512 and f"{size} bytes" in finding.detail


async def test_fixes_ask_the_server_that_answered(session, dns_server):
    report = await key(session, "trunc")
    finding = next(f for f in report.findings if f.id == "DKIM-KEY-07")
    host, port = dns_server.spec.split(":")
    assert ("dig", "+short", "TXT", "trunc._domainkey.verify.test", f"@{host}", "-p", port) in [
        fix.argv for fix in finding.fixes]
