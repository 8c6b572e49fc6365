"""RFC rules DMARC used to get wrong (issue 12 §3, §5), without DNS: the exact version,
several records at one name under both rule sets, and a From header that does not parse.
The same cases against the real DNS server are in tests/dns/test_dmarc_live.py."""
from __future__ import annotations

import pytest

from wizard.dmarc.check import check_dmarc, from_domain_of
from wizard.dmarc.orgdomain import WalkStep, treewalk_org_domain
from wizard.dmarc.record import parse_record
from wizard.dns.types import DnsAnswer, Status
from wizard.input.message import mailbox_addresses
from wizard.model.findings import RecordFix, Severity


def zone(records: dict[str, list[str]]):
    """A lookup answering TXT from `records` ({name: [values]}), NXDOMAIN elsewhere; the
    names asked are kept in `.asked`."""
    asked: list[str] = []

    async def lookup(name: str, rdtype: str) -> DnsAnswer:
        asked.append(name)
        if rdtype == "TXT" and name in records:
            return DnsAnswer("zone", name, rdtype, Status.OK,
                             tuple((v,) for v in records[name]))
        if rdtype == "A" and name.endswith("example.test"):
            return DnsAnswer("zone", name, rdtype, Status.OK, (("192.0.2.1",),))
        return DnsAnswer("zone", name, rdtype, Status.NXDOMAIN)

    lookup.asked = asked  # type: ignore[attr-defined]
    return lookup


async def dmarc(from_header, records, dkim=()):
    lookup = zone(records)
    report = await check_dmarc(from_header, dkim_pass_domains=list(dkim), spf_result=None,
                               spf_domain=None, lookup=lookup)
    return report, lookup.asked


@pytest.mark.parametrize("version", ["dmarc1", "Dmarc1", "DMARc1"])
def test_version_in_the_wrong_case_is_not_a_dmarc_record(version):
    record = parse_record(f"v={version}; p=reject", about="_dmarc.example.test")
    assert not record.is_dmarc and record.p is None
    ignored = next(f for f in record.findings if f.id == "DMARC-03")
    assert ignored.severity == Severity.CRITICAL and "ignore" in ignored.detail
    fix = next(f for f in ignored.fixes if isinstance(f, RecordFix))
    assert (fix.name, fix.value) == ("_dmarc.example.test", "v=DMARC1; p=reject")


async def test_lower_case_record_gives_no_policy_under_either_rule_set():
    report, _ = await dmarc("alice@example.test", {"_dmarc.example.test": ["v=dmarc1; p=reject"]},
                            ["example.test"])
    for result in (report.rfc7489, report.rfc9989):
        assert result.result == "none" and result.policy is None and result.record is None
    assert {f.id for f in report.findings} >= {"DMARC-01", "DMARC-03"}
    assert next(f for f in report.findings if f.id == "DMARC-03").severity == Severity.CRITICAL


async def test_lower_case_record_does_not_hide_the_parent_policy_from_the_walk():
    report, _ = await dmarc("alice@mail.example.test", {
        "_dmarc.mail.example.test": ["v=dmarc1; p=none"],
        "_dmarc.example.test": ["v=DMARC1; p=reject"]})
    assert report.rfc9989.record_name == "_dmarc.example.test"
    assert report.rfc9989.policy == "reject"


TWO = ["v=DMARC1; p=reject", "v=DMARC1; p=none"]


async def test_two_records_at_the_from_domain_apply_no_policy():
    report, _ = await dmarc("alice@example.test", {"_dmarc.example.test": TWO},
                            ["example.test"])
    assert report.rfc7489.result == "permerror"
    assert report.rfc9989.result == "none"  # discarded; nothing above
    for result in (report.rfc7489, report.rfc9989):
        assert result.policy is None and result.effective_policy is None
        assert result.record is None
    several = [f for f in report.findings if f.id == "DMARC-02"]
    assert sorted(f.title for f in several) == [
        "RFC 7489: Several DMARC records at _dmarc.example.test",
        "RFC 9989: Several DMARC records at _dmarc.example.test"]
    assert all(f.severity == Severity.CRITICAL and set(f.evidence) == set(TWO) for f in several)
    assert "DMARC-01" not in {f.id for f in report.findings}


async def test_two_records_at_a_subdomain_rfc_9989_walks_on_to_the_parent():
    report, _ = await dmarc("alice@mail.example.test", {
        "_dmarc.mail.example.test": TWO,
        "_dmarc.example.test": ["v=DMARC1; p=none; sp=quarantine"]})
    assert report.rfc7489.result == "permerror" and report.rfc7489.policy is None
    assert (report.rfc9989.policy, report.rfc9989.policy_tag) == ("quarantine", "sp")
    assert report.rfc9989.record_name == "_dmarc.example.test"
    assert report.rfc9989.result == "fail"
    details = {f.title.split(":")[0]: f.detail for f in report.findings if f.id == "DMARC-02"}
    assert "not applied" in details["RFC 7489"]
    assert "_dmarc.example.test applies instead" in details["RFC 9989"]
    assert any(f.id == "DMARC-08" and "different verdicts" in f.title for f in report.findings)


def test_tree_walk_organisational_domain_skips_a_name_with_several_records():
    walk = [WalkStep("a.example.test", 0), WalkStep("example.test", 2), WalkStep("test", 0)]
    assert treewalk_org_domain("a.example.test", walk).domain == "a.example.test"


@pytest.mark.parametrize("header", [
    "<alice@a;id.example.test>", "alice@a;id.example.test", "x@example.test;",
    "a@b@example.test"])
def test_from_that_does_not_parse_has_no_domain(header):
    domain, findings = from_domain_of(header)
    assert domain is None
    assert [f.title for f in findings] == ["From header does not parse"]
    assert "not looked up" in findings[0].detail


async def test_from_that_does_not_parse_is_never_looked_up():
    report, asked = await dmarc("<alice@a;id.example.test>", {"_dmarc.a": ["v=DMARC1; p=none"]})
    assert report.from_domain is None and asked == []


@pytest.mark.parametrize("header, addresses", [
    ('"Doe, John" <john@example.test>', ["john@example.test"]),
    ("alice@example.test (home, mostly)", ["alice@example.test"]),
    ("a@example.test, B <b@example.net>,", ["a@example.test", "b@example.net"]),
    ('"a\\",b" <c@example.test>', ["c@example.test"]),
    ("undisclosed-recipients:;", []),
])
def test_well_formed_mailbox_lists_still_read(header, addresses):
    assert mailbox_addresses(header) == addresses


def test_from_with_thousands_of_nested_comments_is_refused_not_a_crash():
    # getaddresses recurses per nested comment: 5,000 of them raised RecursionError (fuzz)
    domain, findings = from_domain_of("(" * 5000 + "alice@example.test")
    assert domain is None and findings[0].title == "From header does not parse"
    assert mailbox_addresses("Alice (home (office)) <alice@example.test>") == [
        "alice@example.test"]


async def test_each_signature_that_did_not_verify_is_listed_with_its_own_result():
    # A permerror (no key) and a temperror (DNS timed out) are not a "fail": the table says which.
    report = await check_dmarc("alice@example.test", dkim_pass_domains=[],
                               dkim_failed=[("example.test", "permerror"), ("sub.example.test", "temperror")],
                               spf_result=None, spf_domain=None,
                               lookup=zone({"_dmarc.example.test": ["v=DMARC1; p=reject"]}))
    assert [(r.domain, r.result, r.counts) for r in report.rfc7489.alignment] == [
        ("example.test", "permerror", False), ("sub.example.test", "temperror", False)]
    assert report.rfc7489.result == "fail"


async def test_a_failed_aligned_signature_is_listed_but_does_not_make_dmarc_pass():
    # An ESP's unaligned pass beside the From domain's own signature broken by a list footer:
    # the person must see the aligned one that failed (RFC 7489 §3.1: only a pass counts).
    report = await check_dmarc("alice@example.test", dkim_pass_domains=["esp.example.net"],
                               dkim_failed=[("example.test", "fail")], spf_result=None,
                               spf_domain=None,
                               lookup=zone({"_dmarc.example.test": ["v=DMARC1; p=reject"]}))
    for result in (report.rfc7489, report.rfc9989):
        assert result.result == "fail"
        assert [(r.domain, r.result, r.aligned, r.counts) for r in result.alignment] == [
            ("esp.example.net", "pass", False, False), ("example.test", "fail", True, False)]
        assert result.grid.dkim_domains == ("esp.example.net",)
        assert result.grid.dkim_pass and not result.grid.dkim_aligned
