"""`mailtriage check`: every kind of evidence, every format, exit codes, hostile input."""
import json
import subprocess
import sys
from pathlib import Path

import pytest

from wizard.scenarios import get_scenario

ROOT = Path(__file__).resolve().parents[2]
BOUNCES = ROOT.parent / "shared" / "data" / "bounces"


def check(*args, stdin: bytes | None = None):
    proc = subprocess.run(
        [sys.executable, "-m", "tui.cli", "check", *args],
        cwd=ROOT, input=stdin, capture_output=True, timeout=120,
    )
    return proc.returncode, proc.stdout.decode("utf-8", "replace"), proc.stderr.decode("utf-8", "replace")


def scenario_args(name: str) -> list[str]:
    s = get_scenario(name)
    args = [str(s.message_path), "--now", s.now.isoformat()]
    for zone in s.zone_paths:
        args += ["--zone", str(zone)]
    for flag, value in (("--ip", s.ip), ("--mail-from", s.mail_from), ("--helo", s.helo)):
        if value:
            args += [flag, value]
    return args


@pytest.mark.parametrize("fmt", [[], ["--json"], ["--markdown"]])
def test_valid_message_passes_in_every_format(fmt):
    code, out, err = check(*scenario_args("valid"), *fmt)
    assert code == 0, err
    if fmt == ["--json"]:
        data = json.loads(out)
        assert data["input"]["kind"] == "message"
        assert data["signatures"][0]["d"] == "example.com"
        assert data["signatures"][0]["result"] == "pass"
        assert data["dmarc"]["result"] == "pass"
    elif fmt == ["--markdown"]:
        assert out.startswith("# mailtriage: PASS")
        assert "| example.com |" in out
    else:
        assert out.startswith("VERDICT: PASS. Passes DMARC for example.com")


@pytest.mark.parametrize("fmt", [[], ["--json"], ["--markdown"]])
def test_bare_status_line_is_explained(fmt):
    line = b"550 5.7.26 Unauthenticated email from example.com is not accepted due to domain's DMARC policy\n"
    code, out, err = check("-", "--offline", *fmt, stdin=line)
    assert code == 1, err
    assert "5.7.26" in out
    assert "DMARC" in out


def test_dsn_bounce_reports_status_recipient_and_returned_headers():
    code, out, err = check(*scenario_args("dmarc-reject-bounce"), "--json")
    assert code == 1, err
    data = json.loads(out)
    assert data["input"]["kind"] == "dsn"
    assert data["bounce"]["status"] == "5.7.26"
    assert data["bounce"]["recipients"] == ["customer@gmail.com"]
    assert data["returned"]["input"]["kind"] == "headers"
    ids = {f["id"] for f in data["findings"]}
    assert "DMARC-16" in ids


def test_headers_only_still_checks_the_header_signature():
    raw = get_scenario("valid").read().split(b"\r\n\r\n")[0] + b"\r\n"
    s = get_scenario("valid")
    zones = [a for z in s.zone_paths for a in ("--zone", str(z))]
    _, out, _ = check("-", "--json", "--now", s.now.isoformat(), *zones, stdin=raw)
    data = json.loads(out)
    assert data["input"]["kind"] == "headers"
    sig = data["signatures"][0]
    assert sig["verdict"]["header_signature"] == "pass"
    assert any(f["id"] == "EVID-04" for f in data["findings"])


@pytest.mark.parametrize(
    "raw, needle",
    [
        (b"", "empty"),
        (b"\x00\x01\x02\x03" * 1000, "binary"),
    ],
)
def test_unreadable_input_exits_2_with_a_reason(raw, needle):
    code, _, err = check("-", stdin=raw)
    assert code == 2
    assert needle in err
    assert "Traceback" not in err


def test_missing_file_exits_2():
    code, _, err = check("/nonexistent/file.eml")
    assert code == 2 and "no such file: /nonexistent/file.eml" in err and "Errno" not in err and "Traceback" not in err


@pytest.mark.parametrize(
    "raw",
    [
        "Subject: caf\xe9\r\nFrom: a@example.com\r\n\r\n\xff\xfe body".encode("latin-1"),
        b"Subject: x\r\nno colon here\r\nFrom: a@example.com\r\n\r\nbody\r\n",
        b"DKIM-Signature: v=1; a=rsa-sha256; d=example.com; s=s; h=from; bh=AAAA; b=QUJD=\r\n"
        b"From: a@example.com\r\nContent-Transfer-Encoding: base64\r\n\r\nQUJDRE",
        b"".join(b"DKIM-Signature: v=1; a=rsa-sha256; d=example.com; s=s%d; h=from; bh=AAAA; b=AAAA\r\n" % i
                 for i in range(500))
        + b"From: a@example.com\r\n\r\nbody\r\n",
    ],
    ids=["non-utf8", "no-colon", "truncated-base64", "500-signatures"],
)
def test_hostile_messages_give_a_report_not_a_traceback(raw):
    code, out, err = check("-", "--offline", stdin=raw)
    assert code in (0, 1, 3), err
    assert "Traceback" not in err
    assert out.startswith("VERDICT: ")


def test_terminal_escapes_never_reach_the_terminal():
    raw = (b"From: \x1b]52;c;aGVsbG8=\x07evil@example.com\r\nSubject: \x1b]2;pwned\x07 \xc2\x9b31m red\r\n"
           b"DKIM-Signature: v=1; a=rsa-sha256; d=example.com\x1b[2J; s=s; h=from; bh=AAAA; b=AAAA\r\n\r\nbody\r\n")
    for fmt in ([], ["--json"], ["--markdown"]):
        _, out, err = check("-", "--offline", *fmt, stdin=raw)
        assert "\x1b" not in out and "\x9b" not in out, fmt
        assert "Traceback" not in err


def test_large_file_is_analysed_from_its_headers(tmp_path):
    path = tmp_path / "big.eml"
    with path.open("wb") as handle:
        handle.write(b"From: a@example.com\r\nSubject: big\r\n\r\n")
        chunk = b"x" * 1023 + b"\n"
        for _ in range(100 * 1024):
            handle.write(chunk)
    code, out, err = check(str(path), "--offline")
    assert code == 3, err  # offline: the DNS half of the verdict is missing
    assert out.startswith("VERDICT: INCONCLUSIVE")
    assert "Limits applied" in out or "LIMITS APPLIED" in out


ZONE = str(get_scenario("valid").zone_paths[0])


@pytest.mark.parametrize(
    ("options", "asks_authoritative"),
    [
        ((), True),  # the system resolver: compared with the zones' own servers
        (("--no-authoritative",), False),
        (("--resolver", "192.0.2.1", "--resolver", "198.51.100.2:5353", "--timeout", "1.5"), False),
        (("--zone", ZONE), False),
    ],
    ids=["system", "no-authoritative", "named", "zone"],
)
def test_the_app_and_check_analyse_the_same_file_with_the_same_request(tmp_path, options, asks_authoritative):
    from tui.cli import app as launcher
    from tui.cli import build_parser
    from tui.request import request_from_args

    path = tmp_path / "m.eml"
    path.write_bytes(get_scenario("valid").read())
    argv = [str(path), "--now", "2026-11-20T12:00:00", *options]
    for_check = request_from_args(build_parser("check").parse_args(["check", *argv]),
                                  raw=path.read_bytes(), source=str(path))
    app_args = launcher.build_parser().parse_args(argv)
    app = launcher.make_app(app_args)
    # What `mailtriage FILE` hands the app, and what the app then analyses.
    initial = launcher.initial_request(app_args)
    assert app.request_for(initial) == for_check
    assert for_check.asks_authoritative is asks_authoritative


def test_domain_mode_asks_the_authoritative_servers_beside_named_resolvers():
    from tui.cli import build_parser
    from tui.request import request_from_args

    named = ["domain", "example.com", "--resolver", "192.0.2.1"]
    assert request_from_args(build_parser("domain").parse_args(named)).asks_authoritative
    quiet = build_parser("domain").parse_args([*named, "--no-authoritative"])
    assert not request_from_args(quiet).asks_authoritative


def test_a_bad_now_is_a_usage_error():
    code, _, err = check("-", "--offline", "--now", "yesterday", stdin=b"550 5.7.1 no\n")
    assert code == 2 and "yesterday" in err


def _fixes_by_finding(text: str) -> list[list[tuple[str, str]]]:
    """Each finding's (label line, command or record line) pairs, from the FINDINGS section;
    a label wrapped over several lines is joined."""
    section = text.split("\nFINDINGS\n", 1)[1].split("\nDNS ANSWERS\n", 1)[0]
    out = []
    for block in section.split("\n["):
        pairs, label = [], ""
        for line in block.splitlines():
            if line.startswith(("    fix: ", "    check: ")):
                label = line.strip()
            elif line.startswith("      $ ") or (line.startswith("      ") and " IN " in line):
                pairs.append((label, line.strip()))
                label = ""
            elif label and line.startswith("      "):
                label += " " + line.strip()
        out.append(pairs)
    return out


def test_commands_ask_the_resolver_the_user_chose(dns_server):
    import signing

    raw = signing.sign(signing.message(from_addr="alice@fix.test"), "unpublished", "rsa2048a",
                       domain="fix.test")
    server = f"127.0.0.1:{dns_server.port}"
    code, out, err = check("-", "--resolver", dns_server.spec, "--no-authoritative", "-v", stdin=raw)
    assert code in (0, 1, 3), err
    findings = _fixes_by_finding(out)
    pairs = [pair for finding in findings for pair in finding]
    digs = [cmd for _, cmd in pairs if cmd.startswith("$ dig ")]
    assert digs and all(f"@127.0.0.1 -p {dns_server.port}" in c or "+trace" in c for c in digs), digs
    for label, cmd in pairs:
        if cmd.startswith(("$ dig ", "$ opendkim-testkey")):
            assert label.startswith("check: "), (label, cmd)  # a lookup is not a fix
        if cmd.startswith("$ opendkim-testkey"):
            assert label.endswith(f"(asks the system resolver, not {server})"), label
    for finding in findings:
        commands = [cmd for _, cmd in finding]
        assert len(commands) == len(set(commands)), commands
    payload = json.loads(check("-", "--json", "--resolver", dns_server.spec, "--no-authoritative",
                               stdin=raw)[1])
    shells = [f["shell"] for finding in payload["findings"] for f in finding["fixes"] if "shell" in f]
    assert all(f"-p {dns_server.port}" in s or "+trace" in s for s in shells if s.startswith("dig "))


def test_record_lines_are_records_not_commands():
    _, out, _ = check(*scenario_args("selector-missing"), "-v")
    assert not [line for line in out.splitlines() if line.lstrip().startswith("$ ") and " IN TXT " in line]
