"""SPF records read without a DNS server: each record is published in a zone held by the
project's ZoneFileResolver (the offline resolver of the DNS layer) and walked by spf_tree."""
from __future__ import annotations

import pytest

from wizard.dns import ZoneFileResolver
from wizard.dns.types import DnsAnswer, Status
from wizard.model.findings import Severity
from wizard.spf.check import srs_original_domain
from wizard.spf.record import spf_records
from wizard.spf.walk import spf_tree

ZONE = """$TTL 300
@       SOA  ns1.rec.test. hostmaster.rec.test. 1 3600 600 86400 60
@       NS   ns1.rec.test.
ns1     A    127.0.0.1
inc     TXT  "v=spf1 ip4:192.0.2.0/24 -all"
host    A    192.0.2.1
"""


async def walk(record, ip=None):
    zone = ZONE + f'r       TXT  "{record}"\n'
    resolver = ZoneFileResolver({"rec.test": zone})
    return await spf_tree("r.rec.test", resolver.query, ip=ip)


@pytest.mark.parametrize("record, fid, severity, token", [
    ("v=spf1 inlcude:inc.rec.test ~all", "SPF-04", Severity.CRITICAL, "inlcude:inc.rec.test"),
    ("v=spf1 include: inc.rec.test ~all", "SPF-04", Severity.CRITICAL, "include:"),
    ("v=spf1 ip4:203.0.113.0/33 -all", "SPF-04", Severity.CRITICAL, "ip4:203.0.113.0/33"),
    ("v=spf1 ip4:2001:db8::/32 -all", "SPF-04", Severity.CRITICAL, "ip4:2001:db8::/32"),
    ("v=spf1 ip6:203.0.113.1 -all", "SPF-04", Severity.CRITICAL, "ip6:203.0.113.1"),
    ("v=spf1 a:host.rec.test, -all", "SPF-04", Severity.CRITICAL, "a:host.rec.test,"),
    ("v=spf1 redirect=inc.rec.test redirect=inc.rec.test", "SPF-04", Severity.CRITICAL,
     "redirect="),
    ('\\"v=spf1 ip4:192.0.2.1 -all\\"', "SPF-03", Severity.ERROR, "looks like SPF"),
    ("v=spf1 +all", "SPF-11", Severity.ERROR, "+all"),
    ("v=spf1 ip4:0.0.0.0/0 -all", "SPF-11", Severity.ERROR, "ip4:0.0.0.0/0"),
    ("v=spf1 ip4:192.0.2.1", "SPF-11", Severity.WARN, "No all"),
    ("v=spf1 ptr -all", "SPF-10", Severity.WARN, "ptr"),
    ("v=spf1 include:inc.rec.test include:inc.rec.test -all", "SPF-20", Severity.WARN,
     "include:inc.rec.test"),
    ("v=spf1 redirect=inc.rec.test -all", "SPF-09", Severity.INFO, "redirect"),
])
async def test_record_problems_name_the_token(record, fid, severity, token):
    tree = await walk(record)
    hits = [f for f in tree.findings if f.id == fid and f.severity == severity]
    assert hits and any(token in f.title or any(token in e for e in f.evidence) for f in hits), \
        [(f.id, f.severity, f.title) for f in tree.findings]


async def test_syntax_error_says_where_and_marks_the_result():
    tree = await walk("v=spf1 ip4:192.0.2.1 inlcude:inc.rec.test ~all")
    assert tree.result_hint == "permerror"
    error = next(f for f in tree.findings if f.id == "SPF-04")
    assert "(term 3)" in error.detail
    assert tree.root.children[1].error.startswith("syntax error")


async def test_costs_count_only_dns_terms():
    tree = await walk("v=spf1 ip4:192.0.2.1 ip6:2001:db8::/32 a:host.rec.test "
                      "include:inc.rec.test exp=explain.rec.test -all")
    assert [(c.mechanism, c.cost) for c in tree.root.children] == [
        ("ip4", 0), ("ip6", 0), ("a", 1), ("include", 1), ("exp", 0), ("all", 0)]
    assert tree.lookups_used == 2 and tree.voids == 0


async def test_macros_wait_for_the_client_ip():
    without = await walk("v=spf1 exists:%{i}._spf.rec.test -all")
    assert "client IP" in without.root.children[0].error
    assert without.lookups_used == 1  # it still costs a lookup at the receiver
    reverse = await walk("v=spf1 exists:%{ir}._spf.rec.test -all", ip="192.0.2.1")
    assert reverse.root.children[0].domain == "1.2.0.192._spf.rec.test"


def answer(*values):
    return DnsAnswer("test", "example.com", "TXT", Status.OK, tuple((v,) for v in values))


def test_only_v_spf1_records_count():
    assert spf_records(answer("v=spf1 -all", "v=spf10 -all", "spf2.0/pra -all",
                              '"v=spf1 -all"', "v=spf1", "google-site-verification=x")) == [
        "v=spf1 -all", "v=spf1"]


@pytest.mark.parametrize("local, domain", [
    ("SRS0=abcd=TT=example.com=alice", "example.com"),
    ("srs0=HHH=TT=example.org=bob", "example.org"),
    ("SRS1=xyz=forwarder.example==abcd=TT=example.com=alice", "example.com"),
    ("alice", None),
    ("SRS0=broken", None),
])
def test_srs_original_domain(local, domain):
    assert srs_original_domain(local) == domain


async def test_a_name_that_is_not_a_domain_is_refused_without_lookups():
    resolver = ZoneFileResolver({"rec.test": ZONE})
    tree = await spf_tree("example.com;rm -rf ~", resolver.query)
    assert tree.lookups_used == 0 and tree.answers == ()
    assert tree.findings[0].id == "EVID-01"


async def test_domain_without_spf():
    resolver = ZoneFileResolver({"rec.test": ZONE})
    tree = await spf_tree("host.rec.test", resolver.query)
    missing = next(f for f in tree.findings if f.id == "SPF-01")
    assert missing.title == "No SPF record at host.rec.test" and "v=spf1 -all" in missing.detail
    assert tree.voids == 0  # the root record's own lookup is not a term


async def test_hostile_target_is_asked_as_written_but_never_put_in_a_command():
    # `$`, `(` and `)` are visible characters a domain-spec may hold (RFC 7208 §7.1): the
    # tree asks the name as pyspf does, and the include of a missing domain is SPF-08...
    tree = await walk("v=spf1 include:x$(reboot).rec.test -all")
    node = tree.root.children[0]
    assert node.domain == "x$(reboot).rec.test" and "permerror" in node.error
    assert ("x$(reboot).rec.test", "TXT", Status.NXDOMAIN) in [
        (a.name, a.rdtype, a.status) for a in tree.answers]
    spf08 = next(f for f in tree.findings if f.id == "SPF-08")
    # ...whose fix offers no dig command: the name is no DNS host name, so none is built.
    assert spf08.fixes == ()
    assert all("reboot" not in " ".join(getattr(fix, "argv", ())) for f in tree.findings
               for fix in f.fixes)
