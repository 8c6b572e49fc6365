"""RFC 7208 rules through the path `check` takes: check_spf on a DnsSession, pyspf asking
through the DNS bridge, the records served by the project's zone resolver."""
from __future__ import annotations

import shlex

from wizard.dns import DnsSession, ZoneFileResolver
from wizard.spf.check import check_spf

ZONE = """$TTL 300
@       SOA  ns1.rules.test. hostmaster.rules.test. 1 3600 600 86400 60
@       NS   ns1.rules.test.
ns1     A    127.0.0.1
colon   TXT  "v=spf1 a:foo:bar/baz%%.rules.test -all"
foo:bar/baz%  A  192.0.2.7
highbit TXT  "v=spf1 a:foo\\128.rules.test -all"
foo     A    192.0.2.8
"""


async def spf(mail_from, ip):
    session = DnsSession([ZoneFileResolver({"rules.test": ZONE})], compare=False)
    report = await check_spf(ip=ip, mail_from=mail_from, helo="mta.rules.test",
                             lookup=session.lookup, sync_lookup=session.sync_lookup)
    return report, session


async def test_domain_spec_with_visible_characters_is_asked_as_written():
    report, session = await spf("a@colon.rules.test", "192.0.2.7")
    assert report.result == "pass"  # RFC 7208 §7.1: ':', '/' and '%' are allowed ("%%" is a "%")
    asked = [(a.name, a.rdtype) for a in session.answers]
    assert ("foo:bar/baz%.rules.test", "A") in asked
    term = report.tree.root.children[0]
    assert term.domain == "foo:bar/baz%.rules.test" and not term.void and not term.error
    # such a name never reaches a command unquoted
    for finding in report.findings:
        for fix in finding.fixes:
            if hasattr(fix, "argv"):
                assert shlex.split(fix.shell) == list(fix.argv)
                assert all("foo:bar" not in arg for arg in fix.argv)


async def test_mail_from_domain_that_is_not_a_name_is_none():
    for sender in ("lyme@A...rules.test", "foo@[192.0.2.7]", "x@" + "a" * 64 + ".rules.test"):
        report, session = await spf(sender, "192.0.2.7")
        assert report.result == "none", sender  # RFC 7208 §4.3
        assert any(f.id == "SPF-01" and "not a DNS name" in f.title for f in report.findings)
        assert session.answers == ()  # nothing asked about it


async def test_txt_bytes_that_are_not_utf8_reach_pyspf_as_bytes():
    # pyspf alone reads `a:foo\x80.rules.test` as non-ASCII: permerror (RFC 7208 §3.1),
    # never the fail an ASCII look-alike "\\x80" text would give.
    report, _ = await spf("a@highbit.rules.test", "192.0.2.99")
    assert report.result == "permerror"
    assert "Non-ascii" in report.explanation or "ascii" in report.explanation.lower()
