"""`mailtriage check --resolver HOST:PORT` end to end against the real BIND server: every
lookup goes to the named server and nowhere else, and the verdicts are in the JSON."""
import json
import subprocess
import sys
from pathlib import Path

from dnsproxy import DelayProxy
from signing import message, sign

ROOT = Path(__file__).resolve().parents[2]


def run_check(path: Path, *args: str) -> tuple[int, dict]:
    proc = subprocess.run([sys.executable, "-m", "tui.cli", "check", str(path), "--json", *args],
                          cwd=ROOT, capture_output=True, timeout=120)
    assert b"Traceback" not in proc.stderr, proc.stderr.decode()
    return proc.returncode, json.loads(proc.stdout)


def test_all_dns_goes_to_the_named_resolver_and_nowhere_else(dns_server, tmp_path):
    signed = sign(message(), "rsa2048", "rsa2048a")
    path = tmp_path / "m.eml"
    path.write_bytes(b"Return-Path: <alice@verify.test>\r\n" + signed)
    with DelayProxy(dns_server.host, dns_server.port) as proxy:
        _code, data = run_check(path, "--resolver", proxy.spec, "--ip", "192.0.2.1")
        asked = proxy.count
    assert {a["resolver"] for a in data["dns"]} == {proxy.spec}
    # Every answer in the report came through the proxy: nothing was asked elsewhere.
    assert asked >= len(data["dns"]) > 0
    sig = data["signatures"][0]
    assert (sig["d"], sig["s"], sig["result"]) == ("verify.test", "rsa2048", "pass")
    assert sig["verdict"]["body_hash"]["result"] == "pass"
    assert data["dmarc"]["result"] in ("pass", "fail", "none")
    assert data["spf"]["domain"] == "verify.test"


def test_two_resolvers_are_compared(dns_server, tmp_path):
    signed = sign(message(), "rsa2048", "rsa2048a")
    path = tmp_path / "m.eml"
    path.write_bytes(signed)
    with DelayProxy(dns_server.host, dns_server.port) as one, DelayProxy(dns_server.host, dns_server.port) as two:
        _code, data = run_check(path, "--resolver", one.spec, "--resolver", two.spec)
        assert one.count and two.count
    key = [a for a in data["dns"] if a["name"] == "rsa2048._domainkey.verify.test"]
    assert {a["resolver"] for a in key} == {one.spec, two.spec}


def test_dns_failure_is_temperror_not_permerror(silent_server, tmp_path):
    signed = sign(message(), "rsa2048", "rsa2048a")
    path = tmp_path / "m.eml"
    path.write_bytes(signed)
    _code, data = run_check(path, "--resolver", silent_server.spec, "--timeout", "0.5")
    sig = data["signatures"][0]
    assert sig["result"] == "temperror"
    assert {a["status"] for a in data["dns"]} == {"timeout"}
    assert any(f["id"] == "DKIM-KEY-03" for f in data["findings"])


def test_big_messages_get_the_same_verdicts_with_the_body_hashed_in_a_child(dns_server, tmp_path):
    # Over body_prefetch.MIN_SIZE: `check` hashes the body in a forked child meanwhile.
    line = "Quarterly figures:  revenue\t12,345  costs 6,789 -- see the attached notes. \r\n"
    signed = sign(message(body=line * 60_000), "rsa2048", "rsa2048a")
    good, bad, tagged = tmp_path / "good.eml", tmp_path / "bad.eml", tmp_path / "tagged.eml"
    good.write_bytes(signed)
    bad.write_bytes(signed.replace(b"costs 6,789", b"costs 9,789", 1))
    tagged.write_bytes(signed.replace(b"Subject: Quarterly report", b"Subject: [EXT] Quarterly report"))
    resolver = ("--resolver", dns_server.spec, "--ip", "192.0.2.1")
    _, data = run_check(good, *resolver)
    assert data["input"]["size"] > 4 << 20
    assert data["signatures"][0]["result"] == "pass"
    _, data = run_check(bad, *resolver)
    body = data["signatures"][0]["verdict"]["body_hash"]
    assert (data["signatures"][0]["result"], body["result"]) == ("fail", "fail")
    assert body["computed"] != body["expected"]
    # Only a header was changed: the body hash still holds, the header signature fails.
    _, data = run_check(tagged, *resolver)
    verdict = data["signatures"][0]["verdict"]
    assert (verdict["body_hash"]["result"], verdict["header_signature"]) == ("pass", "fail")
