"""record-check against real zones in BIND (tests/zones/fix.test.zone, fixalt.test.zone):
each way a DNS panel damages a DKIM record is named, on every resolver and authoritative
server, with the record to publish and the commands to check it."""
from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from wizard import fixes
from wizard.dns.session import DnsSession, is_authoritative
from wizard.keys import keygen
from wizard.keys.match import Kind, check_record

KEYS = Path(__file__).parent.parent / "keys"
KEY_A = keygen.load_private_key((KEYS / "rsa2048a.pem").read_bytes())
KEY_B = keygen.load_private_key((KEYS / "rsa2048b.pem").read_bytes())


async def _check(dns_server, selector, key=KEY_A, domain="fix.test"):
    session = DnsSession([dns_server.resolver()], timeout=2.0, authority=dns_server.authority)
    return await check_record(session, domain, selector, key, [dns_server.spec])


def _kinds(result) -> set[Kind]:
    return {d.kind for check in result.answers for d in check.differences}


async def test_matching_record_on_resolver_and_authoritative_server(dns_server):
    result = await _check(dns_server, "good")
    assert result.ok and result.findings == ()
    assert [is_authoritative(c.answer) for c in result.answers] == [False, True]
    assert result.published_key.label == "RSA 2048-bit"


async def test_ed25519_record_matches(dns_server):
    ed = keygen.load_private_key((KEYS / "ed25519.pem").read_bytes())
    assert (await _check(dns_server, "ed", ed)).ok


@pytest.mark.parametrize("selector, kind, words", [
    ("trunc", Kind.TRUNCATED, "cut at 255 characters"),
    ("quotes", Kind.QUOTES, '`" "`'),
    ("space", Kind.SPACE, "at the end of string 1"),
    ("lost", Kind.SPLIT, "1 character(s) of the key were lost where the value was split between strings 1 and 2"),
    ("twice", Kind.SEVERAL_RECORDS, "2 separate TXT records"),
    ("other", Kind.OTHER_KEY, "different key"),
    ("revoked", Kind.REVOKED, "revoked"),
])
async def test_each_difference_is_named(dns_server, selector, kind, words):
    result = await _check(dns_server, selector)
    assert not result.ok
    assert _kinds(result) == {kind}
    finding = next(f for f in result.findings if f.id == kind.finding_id)
    assert words in finding.detail
    assert "127.0.0.1" in finding.detail and "ns1.fix.test (auth)" in finding.detail
    # The fix: the exact record to publish, and commands to check it afterwards.
    record = finding.fixes[0]
    assert record.zone_line.startswith(f"{selector}._domainkey.fix.test. 3600 IN TXT ")
    assert record.value == f"v=DKIM1; k=rsa; p={KEY_A.public_b64}"
    shells = [f.shell for f in finding.fixes[1:]]
    assert f"dig +short TXT {selector}._domainkey.fix.test @127.0.0.1 -p {dns_server.port}" in shells
    assert f"opendkim-testkey -d fix.test -s {selector} -vvv" in shells


async def test_split_inside_a_base64_group_is_said(dns_server):
    result = await _check(dns_server, "lost")
    assert "inside a group of four base64 characters" in result.findings[0].detail


async def test_doubled_domain_is_found_at_the_wrong_name(dns_server):
    result = await _check(dns_server, "s1")
    assert _kinds(result) == {Kind.NOT_FOUND}
    (place,) = result.misplaced
    assert place.name == "s1._domainkey.fix.test.fix.test" and place.matches
    (finding,) = result.findings  # DNS-07 replaces the bare "not found"
    assert finding.id == "DNS-07"
    assert ("found the right key at s1._domainkey.fix.test.fix.test; it must be at s1._domainkey.fix.test"
            in finding.detail)
    assert finding.fixes[0].name == "s1._domainkey.fix.test"


@pytest.mark.parametrize("selector, wrong", [
    ("nounder", "nounder.domainkey.fix.test"),
    ("swapped", "_domainkey.swapped.fix.test"),
])
async def test_other_wrong_names_are_found(dns_server, selector, wrong):
    result = await _check(dns_server, selector)
    assert [m.name for m in result.misplaced] == [wrong]


async def test_missing_key_is_not_found_everywhere(dns_server):
    result = await _check(dns_server, "missing")
    assert result.misplaced == ()
    (finding,) = result.findings
    assert finding.id == "DKIM-KEY-01" and "NXDOMAIN" in finding.detail


async def test_name_without_txt(dns_server):
    result = await _check(dns_server, "nodata")
    (finding,) = result.findings
    assert finding.id == "DKIM-KEY-02" and "holds no TXT record (NODATA)" in finding.detail


async def test_authoritative_servers_that_disagree(dns_server):
    """ns2 still serves the old key: one server matches, the other holds another key."""
    result = await _check(dns_server, "s1", KEY_B, domain="fixalt.test")
    by_server = {c.answer.resolver: c.matches for c in result.answers}
    assert by_server == {dns_server.spec: True, "ns1.fixalt.test (auth)": True, "ns2.fixalt.test (auth)": False}
    ids = {f.id for f in result.findings}
    assert ids == {"DKIM-KEY-14", "DNS-05"}
    (mismatch,) = [f for f in result.findings if f.id == "DKIM-KEY-14"]
    assert "ns2.fixalt.test (auth)" in mismatch.detail and "ns1" not in mismatch.detail


def test_openssl_key_size_command_reads_the_published_key(dns_server):
    command = fixes.openssl_key_size("fix.test", "good", dns_server.spec)
    out = subprocess.run(command.argv, capture_output=True, text=True, timeout=30)
    assert out.stdout.strip() == "Public-Key: (2048 bit)"


def test_dig_command_shows_the_published_strings(dns_server):
    (command,) = fixes.dig_txt("good._domainkey.fix.test", [dns_server.spec])
    out = subprocess.run(command.argv, capture_output=True, text=True, timeout=30)
    value = f"v=DKIM1; k=rsa; p={KEY_A.public_b64}"
    assert out.stdout.strip() == f'"{value[:255]}" "{value[255:]}"'

