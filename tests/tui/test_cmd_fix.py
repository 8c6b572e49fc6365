"""`mailtriage keygen | record-check | rotate` as a user runs them: the console entry point
in a subprocess, against the real BIND fixture (tests/zones/fix.test.zone)."""
from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import dns.rdata
import dns.rdataclass
import dns.rdatatype
import pytest

import signing
from wizard.keys import keygen

ROOT = Path(__file__).resolve().parents[2]
KEYS = ROOT / "tests" / "keys"


def mailtriage(*args: str, cwd: Path | None = None, stdin: bytes | None = None) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.run([sys.executable, "-m", "tui.cli", *args], cwd=cwd or ROOT, env=env,
                          input=stdin, capture_output=True, timeout=120)


def _dns(server) -> tuple[str, ...]:
    # The test zones' NS addresses are loopback on port 53, where nothing listens: ask only
    # the fixture, as a user behind a firewall would.
    return ("--resolver", server.spec, "--timeout", "2", "--no-authoritative")


def test_keygen_writes_a_0600_key_and_prints_every_form(tmp_path):
    out = mailtriage("keygen", "--domain", "Example.com", "--selector", "sel2026", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    text = out.stdout.decode()
    key_file = tmp_path / "sel2026.private"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    key = keygen.load_private_key(key_file.read_bytes())
    assert (key.key_type, key.bits) == ("rsa", 2048)
    assert "PRIVATE KEY" not in text  # never printed unless asked
    value = f"v=DKIM1; k=rsa; p={key.public_b64}"
    zone_line = next(line.strip() for line in text.splitlines()
                     if " IN TXT " in line and "._domainkey.example.com." in line)
    rdata = dns.rdata.from_text(dns.rdataclass.IN, dns.rdatatype.TXT, zone_line.split(" IN TXT ", 1)[1])
    assert b"".join(rdata.strings).decode() == value
    assert f"    {value}\n" in text  # the unsplit value for web panels
    assert "openssl genrsa -out sel2026.private 2048" in text
    assert "mailtriage record-check --domain example.com --selector sel2026 --key sel2026.private" in text


def test_keygen_refuses_to_overwrite(tmp_path):
    assert mailtriage("keygen", "--domain", "example.com", "--selector", "s", "--type", "ed25519",
                      cwd=tmp_path).returncode == 0
    before = (tmp_path / "s.private").read_bytes()
    again = mailtriage("keygen", "--domain", "example.com", "--selector", "s", cwd=tmp_path)
    assert again.returncode == 2
    assert b"already exists; refusing to overwrite" in again.stderr
    assert (tmp_path / "s.private").read_bytes() == before


def test_keygen_prints_the_private_key_only_when_asked(tmp_path):
    out = mailtriage("keygen", "--domain", "example.com", "--selector", "s", "--type", "ed25519",
                     "--print-private", cwd=tmp_path)
    assert (tmp_path / "s.private").read_bytes().decode().strip() in out.stdout.decode()


def test_keygen_weak_key_is_flagged(tmp_path):
    out = mailtriage("keygen", "--domain", "example.com", "--selector", "s", "--bits", "1024", cwd=tmp_path)
    assert out.returncode == 0 and b"1024-bit RSA is weak" in out.stdout
    refused = mailtriage("keygen", "--domain", "example.com", "--selector", "t", "--bits", "512", cwd=tmp_path)
    assert refused.returncode == 2 and not (tmp_path / "t.private").exists()


@pytest.mark.parametrize("bad", ["example.com;rm -rf ~", "$(reboot)", "`reboot`", "exa mple.com", "example.com\nx"])
def test_hostile_names_are_refused_before_anything_happens(tmp_path, bad):
    for args in (("keygen", "--domain", bad, "--selector", "s"),
                 ("keygen", "--domain", "example.com", "--selector", bad),
                 ("record-check", "--domain", bad, "--selector", "s", "--key", str(KEYS / "rsa2048a.pem")),
                 ("rotate", "--domain", bad, "--old", "a", "--new", "b")):
        out = (mailtriage(*args, "--resolver", "127.0.0.1:9", cwd=tmp_path) if args[0] != "keygen"
               else mailtriage(*args, cwd=tmp_path))
        assert out.returncode == 2
        assert b"is not a valid DNS name" in out.stderr
        assert list(tmp_path.iterdir()) == []


def test_record_check_ok(dns_server):
    out = mailtriage("record-check", "--domain", "fix.test", "--selector", "good",
                     "--key", str(KEYS / "rsa2048a.pem"), *_dns(dns_server))
    assert out.returncode == 0, out.stdout + out.stderr
    text = out.stdout.decode()
    assert f"{dns_server.spec}: matches the private key" in text
    assert "Published key: RSA 2048-bit" in text


@pytest.mark.parametrize("selector, words", [
    ("trunc", "p= is truncated"),
    ("space", "whitespace at the end of string 1"),
    ("quotes", 'the value holds `" "`'),
    ("s1", "found the right key at s1._domainkey.fix.test.fix.test; it must be at s1._domainkey.fix.test"),
])
def test_record_check_names_the_difference(dns_server, selector, words):
    out = mailtriage("record-check", "--domain", "fix.test", "--selector", selector,
                     "--key", str(KEYS / "rsa2048a.pem"), *_dns(dns_server))
    assert out.returncode == 1
    text = out.stdout.decode()
    assert words in text
    assert f"publish: {selector}._domainkey.fix.test. 3600 IN TXT" in text
    assert f"$ dig +short TXT {selector}._domainkey.fix.test @127.0.0.1 -p {dns_server.port}" in text


def test_record_check_unreadable_key(dns_server, tmp_path):
    (tmp_path / "pub.pem").write_text("-----BEGIN PUBLIC KEY-----\nMIIB\n-----END PUBLIC KEY-----\n")
    for key in (tmp_path / "missing.pem", tmp_path / "pub.pem"):
        out = mailtriage("record-check", "--domain", "fix.test", "--selector", "good", "--key", str(key),
                         *_dns(dns_server))
        assert out.returncode == 2 and out.stderr.startswith(b"mailtriage: ")


def test_rotate_walks_the_steps(dns_server):
    fresh = signing.sign(signing.message(from_addr="alice@fix.test"), "rot-new", "rsa2048b",
                         domain="fix.test", timestamp=1795435200)  # 2026-11-23 12:00 UTC
    out = mailtriage("rotate", "--domain", "fix.test", "--old", "rot-old", "--new", "rot-new",
                     "--key", str(KEYS / "rsa2048b.pem"), "--message", "-", "--now", "2026-11-25T12:00",
                     *_dns(dns_server), stdin=fresh)
    assert out.returncode == 3, out.stdout + out.stderr  # steps remain: not a success yet
    text = out.stdout.decode()
    assert "[done]    1. Publish the new key under the new selector rot-new" in text
    assert "[done]    3. Switch the signer" in text
    assert "[waiting] 4. Keep the old key rot-old published during the grace period  <- you are here" in text
    assert "grace period ends 2026-11-30 12:00 UTC" in text
    assert "[not yet] 5. Revoke the old key rot-old" in text
    assert 'publish: rot-old._domainkey.fix.test. 3600 IN TXT "v=DKIM1; p="' in text


def test_rotate_reports_an_early_removal(dns_server):
    out = mailtriage("rotate", "--domain", "fix.test", "--old", "gone", "--new", "rot-new", *_dns(dns_server))
    assert out.returncode == 1
    assert b"[PROBLEM] 4." in out.stdout


def test_record_check_with_another_key_says_both_cases(dns_server):
    out = mailtriage("record-check", "--domain", "fix.test", "--selector", "other",
                     "--key", str(KEYS / "rsa2048a.pem"), *_dns(dns_server))
    assert out.returncode == 1
    text = out.stdout.decode()
    stale = text.index("  - If the signer already signs with this key: DNS is stale")
    new = text.index("  - If this is a new key and the signer still signs with the published one: "
                     "publishing it at other would break every message still signed with the old key")
    assert stale < text.index("publish: other._domainkey.fix.test. 3600 IN TXT") < new
    after = text[new:]
    assert "publish: other2._domainkey.fix.test. 3600 IN TXT" in after
    assert f"$ mailtriage rotate --domain fix.test --old other --new other2 --key {KEYS / 'rsa2048a.pem'}" in after
    # one record is not "the" record to publish when it depends on the case
    assert "The record to publish (zone-file form):" not in text


@pytest.mark.parametrize("selector, new", [("s2025", "s2026"), ("mail09", "mail10"), ("default", "default2"),
                                           ("k.2026", "k.2027")])
def test_the_new_selector_suggested_follows_the_old_one(selector, new):
    from wizard.keys.match import next_selector

    assert next_selector(selector) == new
