"""`check` names the change made in transit, with the bytes, in all three formats, with and
without the sender's original (issue: body forensics), against the real BIND server."""
import json
import subprocess
import sys
from pathlib import Path

import pytest

from signing import message, sign

ROOT = Path(__file__).resolve().parents[2]
FOOTER = b"-- \r\nTeam list: to unsubscribe, write to team-leave@lists.example.org\r\n"


def run(*args: str) -> tuple[int, str]:
    proc = subprocess.run([sys.executable, "-m", "tui.cli", "check", *args], cwd=ROOT,
                          capture_output=True, timeout=120)
    assert b"Traceback" not in proc.stderr, proc.stderr.decode()
    return proc.returncode, proc.stdout.decode()


@pytest.fixture
def footer_files(tmp_path):
    sent = sign(message(), "rsa2048", "rsa2048a")
    (tmp_path / "sent.eml").write_bytes(sent)
    (tmp_path / "received.eml").write_bytes(sent + FOOTER)
    return tmp_path


@pytest.mark.parametrize("fmt", ["--json", "--markdown", "--text"])
def test_appended_footer_is_proven_without_the_original(dns_server, footer_files, fmt):
    args = [str(footer_files / "received.eml"), "--resolver", dns_server.spec]
    code, out = run(*args, *([] if fmt == "--text" else [fmt]))
    assert code == 1
    if fmt == "--json":
        data = json.loads(out)
        sig = data["signatures"][0]
        assert sig["verdict"]["body_hash"]["result"] == "fail"
        assert sig["verdict"]["header_signature"] == "pass"
        assert sig["body"]["proven_change"]["kind"] == "appended"
        canon11 = [f for f in data["findings"] if f["id"] == "CANON-11"]
        assert canon11 and any("team-leave@lists.example.org" in e for e in canon11[0]["evidence"])
    else:
        assert "CANON-11" in out
        assert "team-leave@lists.example.org" in out
        assert "What changed in transit" in out or "WHAT CHANGED IN TRANSIT" in out


@pytest.mark.parametrize("fmt", ["--json", "--markdown", "--text"])
def test_with_the_original_the_diff_shows_the_added_lines(dns_server, footer_files, fmt):
    args = [str(footer_files / "received.eml"), "--original", str(footer_files / "sent.eml"),
            "--resolver", dns_server.spec]
    code, out = run(*args, *([] if fmt == "--text" else [fmt]))
    assert code == 1
    if fmt == "--json":
        body = json.loads(out)["signatures"][0]["body"]
        assert body["original_matches"] is True
        added = [d["text_visible"] for d in body["diff"] if d["kind"] == "added"]
        assert any("team-leave@lists.example.org" in line for line in added)
    else:
        assert "+ Team list: to unsubscribe" in out


def test_domain_mode_checks_key_dmarc_and_spf(dns_server):
    proc = subprocess.run(
        [sys.executable, "-m", "tui.cli", "domain", "verify.test", "--selector", "rsa2048",
         "--selector", "revoked", "--resolver", dns_server.spec, "--no-authoritative", "--json"],
        cwd=ROOT, capture_output=True, timeout=120)
    assert b"Traceback" not in proc.stderr
    data = json.loads(proc.stdout)
    assert data["input"]["kind"] == "domain"
    keys = {k["name"]: k for k in data["domain"]["keys"]}
    assert keys["rsa2048._domainkey.verify.test"]["key_bits"] == 2048
    assert keys["revoked._domainkey.verify.test"]["revoked"] is True
    assert any(f["id"] == "DKIM-KEY-06" for f in data["findings"])
    assert proc.returncode == 1


def test_domain_mode_refuses_a_name_that_is_not_a_domain(dns_server):
    proc = subprocess.run([sys.executable, "-m", "tui.cli", "domain", "example.com;rm -rf ~",
                           "--resolver", dns_server.spec], cwd=ROOT, capture_output=True, timeout=60)
    assert b"Traceback" not in proc.stderr
    assert b"not a valid DNS name" in proc.stdout
    assert proc.returncode == 2  # a usage error (ISSUE 11's exit statuses)


def findings_of(path: Path, dns_server) -> list[dict]:
    _code, out = run(str(path), "--resolver", dns_server.spec, "--json")
    return json.loads(out)["findings"]


def test_empty_body_signature_is_said_once(dns_server, tmp_path):
    # CANON-06: verification owns it; forensics proves the change but does not say it again.
    raw = sign(message(body=""), "rsa2048", "rsa2048a") + b"Body added after signing.\r\n"
    (tmp_path / "m.eml").write_bytes(raw)
    found = [f for f in findings_of(tmp_path / "m.eml", dns_server) if f["id"] == "CANON-06"]
    assert len(found) == 1 and found[0]["severity"] == "info"


def test_length_limit_with_a_footer_is_said_once(dns_server, tmp_path):
    # DKIM-SIG-14: the tag checks own it (they see l= first); verification and forensics read it.
    raw = sign(message(), "rsa2048", "rsa2048a", length=True) + FOOTER
    (tmp_path / "m.eml").write_bytes(raw)
    found = [f for f in findings_of(tmp_path / "m.eml", dns_server) if f["id"] == "DKIM-SIG-14"]
    assert len(found) == 1 and "team-leave@lists.example.org" in " ".join(found[0]["evidence"])
