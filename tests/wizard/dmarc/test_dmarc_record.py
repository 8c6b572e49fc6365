"""DMARC without DNS: the record parser, the organisational domain rules, the From header and
the alignment/policy decision (wizard.dmarc.record, .discovery, .alignment, .orgdomain)."""
from __future__ import annotations

import pytest

from wizard.dmarc.alignment import evaluate_dmarc
from wizard.dmarc.check import from_domain_of
from wizard.dmarc.discovery import RFC7489, RFC9989, Discovery, DmarcLookup
from wizard.dmarc.orgdomain import WalkStep, psl_org_domain, treewalk_org_domain, walk_names
from wizard.dmarc.record import parse_record
from wizard.dns.types import DnsAnswer, Status
from wizard.model.findings import Severity


def found(rec):
    return [(f.id, f.severity, f.title) for f in rec.findings]


@pytest.mark.parametrize("record, fid, severity, title_part", [
    ("p=none; v=DMARC1", "DMARC-03", Severity.CRITICAL, "not recognised"),
    ('"v=DMARC1; p=none"', "DMARC-03", Severity.CRITICAL, "quote or space"),
    (" v=DMARC1; p=none", "DMARC-03", Severity.CRITICAL, "quote or space"),
    ("v=dmarc1; p=none", "DMARC-03", Severity.CRITICAL, "v=dmarc1: record ignored"),
    ("v=DMARC1; rua=mailto:x@example.com", "DMARC-04", Severity.ERROR, "no p= tag"),
    ("v=DMARC1; p=rejected", "DMARC-04", Severity.ERROR, "p=rejected"),
    ("v=DMARC1; rua=mailto:x@example.com; p=none", "DMARC-04", Severity.INFO, "not right after"),
    ("v=DMARC1; p=reject; adkim=relaxed", "DMARC-05", Severity.ERROR, "adkim=relaxed"),
    ("v=DMARC1; p=reject; pct=50%", "DMARC-05", Severity.ERROR, "pct=50%"),
    ("v=DMARC1; p=reject; rua=reports@example.com", "DMARC-05", Severity.WARN,
     "rua=reports@example.com"),
    ("v=DMARC1; p=none, rua=mailto:a@example.com", "DMARC-05", Severity.ERROR,
     "p=none, rua=mailto:a@example.com"),
    ("v=DMARC1; p=reject; rua=mailto:a@example.com junk", "DMARC-05", Severity.ERROR,
     "rua=mailto:a@example.com junk"),
    ("v=DMARC1; p=reject; fo=2", "DMARC-05", Severity.ERROR, "fo=2"),
    ("v=DMARC1; p=reject; rue=mailto:a@example.com", "DMARC-05", Severity.WARN, "rue="),
    ("v=DMARC1; p=reject; p=none", "DMARC-05", Severity.ERROR, "p=none"),
    ("v=DMARC1; p=reject; pct=20", "DMARC-10", Severity.WARN, "pct=20"),
    ("v=DMARC1; p=quarantine", "DMARC-12", Severity.INFO, "No aggregate"),
    ("v=DMARC1; p=reject; ruf=mailto:f@example.com; fo=1", "DMARC-13", Severity.INFO,
     "Failure reports"),
    ("v=DMARC1; p=none; rua=mailto:a@example.com", "DMARC-20", Severity.INFO, "p=none"),
    ("v=DMARC1; p=reject; ri=3600", "DMARC-21", Severity.INFO, "ri= was removed"),
    ("v=DMARC1; p=reject; np=reject", "DMARC-21", Severity.INFO, "np= is new"),
    ("v=DMARC1; p=reject; rua=mailto:a@example.com!10m", "DMARC-21", Severity.INFO,
     "Size limit"),
])
def test_record_problems_name_the_token(record, fid, severity, title_part):
    assert any(i == fid and s == severity and title_part in t for i, s, t in found(
        parse_record(record))), found(parse_record(record))


@pytest.mark.parametrize("record, corrected", [
    ("v=DMARC1; p=reject; adkim=relaxed; pct=50%; rua=dmarc@example.com",
     "v=DMARC1; p=reject; adkim=r; pct=50; rua=mailto:dmarc@example.com"),
    ("v=DMARC1; p=none, rua=mailto:a@example.com junk", "v=DMARC1; p=none; rua=mailto:a@example.com"),
    ("v=DMARC1; rua=mailto:a@example.com; p=rejected", "v=DMARC1; p=reject; rua=mailto:a@example.com"),
    ("v=DMARC1; rua=mailto:a@example.com", "v=DMARC1; p=none; rua=mailto:a@example.com"),
])
def test_fixable_mistakes_come_with_the_corrected_record(record, corrected):
    rec = parse_record(record, about="_dmarc.example.com")
    fixes = {(fx.name, fx.value) for f in rec.findings for fx in f.fixes}
    assert fixes == {("_dmarc.example.com", corrected)}


def test_good_record_reads_every_tag():
    rec = parse_record("v=DMARC1; p=Reject; sp=quarantine; np=reject; adkim=s; aspf=r; pct=100; "
                       "t=y; psd=n; rua=mailto:a@example.com,mailto:b@example.net; fo=1:d;")
    assert rec.is_dmarc and (rec.p, rec.sp, rec.np, rec.adkim, rec.aspf) == (
        "reject", "quarantine", "reject", "s", "r")
    assert (rec.pct, rec.t, rec.psd, rec.fo) == (100, True, "n", ("1", "d"))
    assert rec.rua == ("mailto:a@example.com", "mailto:b@example.net")
    assert rec.tag("adkim") == "s"
    assert not [f for f in rec.findings if f.severity.is_failure]


def test_hostile_record_never_raises_and_is_capped():
    rec = parse_record("v=DMARC1; p=reject; " + "x=\x1b[31m;" * 2000)
    assert rec.is_dmarc
    assert any("far too long" in f.title for f in rec.findings)
    assert all("\x1b" not in e for f in rec.findings for e in f.evidence)


@pytest.mark.parametrize("domain, org", [
    ("a.b.example.co.uk", "example.co.uk"),
    ("example.co.uk", "example.co.uk"),
    ("x.github.io", "x.github.io"),  # a private-section suffix counts
    ("mail.example.test", "example.test"),
    ("co.uk", "co.uk"),
])
def test_psl_org_domain(domain, org):
    assert psl_org_domain(domain) == org


def test_walk_names_shortcut_to_seven_labels():
    names = walk_names("a.b.c.d.e.f.g.h.i.example.com")
    assert len(names) == 8
    assert names[:2] == ("a.b.c.d.e.f.g.h.i.example.com", "e.f.g.h.i.example.com")
    assert names[-1] == "com"
    assert walk_names("a.b.example.co.uk") == (
        "a.b.example.co.uk", "b.example.co.uk", "example.co.uk", "co.uk", "uk")


def steps(*spec):
    return [WalkStep(d, n, psd, t) for d, n, psd, t in spec]


@pytest.mark.parametrize("walk, org", [
    # both methods agree for an ordinary multi-level suffix (DMARC-08's test)
    (steps(("a.b.example.co.uk", 0, None, False), ("b.example.co.uk", 0, None, False),
           ("example.co.uk", 1, None, False), ("co.uk", 0, None, False), ("uk", 0, None, False)),
     "example.co.uk"),
    # psd=y above: the name one label below it
    (steps(("a.b.example.co.uk", 0, None, False), ("b.example.co.uk", 0, None, False),
           ("example.co.uk", 0, None, False), ("co.uk", 1, "y", False), ("uk", 0, None, False)),
     "example.co.uk"),
    # psd=n marks the organisational domain even below other records
    (steps(("a.b.example.co.uk", 0, None, False), ("b.example.co.uk", 1, "n", False),
           ("example.co.uk", 1, None, False), ("co.uk", 0, None, False), ("uk", 0, None, False)),
     "b.example.co.uk"),
    # no record anywhere: the domain itself
    (steps(("a.b.example.co.uk", 0, None, False), ("b.example.co.uk", 0, None, False),
           ("example.co.uk", 0, None, False), ("co.uk", 0, None, False), ("uk", 0, None, False)),
     "a.b.example.co.uk"),
    # psd=y at the starting domain itself is not a reason to stop
    (steps(("shop.example", 1, "y", False), ("example", 0, None, False)), "shop.example"),
])
def test_treewalk_org_domain(walk, org):
    assert treewalk_org_domain(walk[0].domain, walk).domain == org


def test_treewalk_reports_levels_it_could_not_ask():
    org = treewalk_org_domain("a.example.com", steps(
        ("a.example.com", 0, None, False), ("example.com", 1, None, False),
        ("com", 0, None, True)))
    assert org.domain == "example.com" and org.uncertain == ("com",)


def discovery(rfc, record, at, from_domain, org, how="exact domain", error=""):
    answer = DnsAnswer("test", f"_dmarc.{at}", "TXT", Status.OK, ((record,),))
    step = DmarcLookup(at, answer, (parse_record(record),))
    return Discovery(rfc, (step,), step, org, "test", how, error)


def test_strict_dkim_alignment_fails_where_relaxed_passes():
    d = discovery(RFC7489, "v=DMARC1; p=reject; adkim=s", "example.com", "example.com",
                  "example.com")
    result = evaluate_dmarc("example.com", [("mail.example.com", "pass")], (None, None), d,
                            psl_org_domain)
    row = result.alignment[0]
    assert result.result == "fail" and row.relaxed and not row.strict and not row.aligned


def test_any_aligned_pass_is_enough():
    d = discovery(RFC9989, "v=DMARC1; p=reject", "example.com", "example.com", "example.com")
    result = evaluate_dmarc("example.com", [("esp.example.net", "pass"), ("example.com", "pass")],
                            ("fail", "bounces.esp.example.net"), d, psl_org_domain)
    assert result.result == "pass"
    assert [(r.mechanism, r.domain, r.counts) for r in result.alignment] == [
        ("dkim", "esp.example.net", False), ("dkim", "example.com", True),
        ("spf", "bounces.esp.example.net", False)]
    assert (result.grid.dkim_aligned, result.grid.spf_pass) == (True, False)


@pytest.mark.parametrize("rfc, record, effective", [
    (RFC7489, "v=DMARC1; p=reject; pct=0", "quarantine"),
    (RFC9989, "v=DMARC1; p=reject; pct=0", "reject"),  # RFC 9989 ignores pct
    (RFC7489, "v=DMARC1; p=quarantine; t=y", "quarantine"),  # RFC 7489 ignores t
    (RFC9989, "v=DMARC1; p=quarantine; t=y", "none"),
    (RFC7489, "v=DMARC1; p=reject; pct=50", "reject"),
])
def test_sampling_and_test_mode(rfc, record, effective):
    d = discovery(rfc, record, "example.com", "example.com", "example.com")
    result = evaluate_dmarc("example.com", [], (None, None), d, psl_org_domain)
    assert result.effective_policy == effective


@pytest.mark.parametrize("rfc, nonexistent, policy", [
    (RFC7489, False, ("reject", "sp")),
    (RFC9989, False, ("reject", "sp")),
    (RFC9989, True, ("quarantine", "np")),
    (RFC7489, True, ("reject", "sp")),  # np is RFC 9989 only
])
def test_subdomain_policy(rfc, nonexistent, policy):
    d = discovery(rfc, "v=DMARC1; p=none; sp=reject; np=quarantine", "example.com",
                  "x.example.com", "example.com", how="organisational domain")
    result = evaluate_dmarc("x.example.com", [], (None, None), d, psl_org_domain,
                            nonexistent=nonexistent)
    assert (result.policy, result.policy_tag) == policy


def test_no_p_and_no_rua_is_ignored_by_rfc_7489_only():
    for rfc, expected in ((RFC7489, "permerror"), (RFC9989, "fail")):
        d = discovery(rfc, "v=DMARC1; adkim=s", "example.com", "example.com", "example.com")
        assert evaluate_dmarc("example.com", [], (None, None), d, psl_org_domain).result == \
            expected


@pytest.mark.parametrize("header, domain, severity", [
    ("Alice <alice@Example.COM>", "example.com", None),
    ('"Doe, John" <john@example.com>', "example.com", None),
    ("a@example.com, b@example.net", "example.com", Severity.CRITICAL),
    ("a@example.com, b@example.com", "example.com", Severity.WARN),
    ("undisclosed-recipients:;", None, Severity.CRITICAL),
    ("", None, Severity.CRITICAL),
    (None, None, Severity.CRITICAL),
    ("a@exa$mple.com", None, Severity.CRITICAL),
])
def test_from_header(header, domain, severity):
    got, findings = from_domain_of(header)
    assert got == domain
    assert [f.severity for f in findings if f.id == "DMARC-14"][:1] == (
        [severity] if severity else [])
