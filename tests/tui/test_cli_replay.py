"""Evidence bundles as a user meets them: `check --bundle` against real DNS, then
`replay` with the network cut off gives the same verdict and findings; the bundle's zone
files load in `check --zone` too."""
from __future__ import annotations

import json
import tarfile

import dns.asyncquery
import pytest

from signing import message, sign
from tui.cli import main

NOW = ["--now", "2026-11-24T00:00:00"]


def _signed(tmp_path, *, footer: bool):
    mail = sign(message(), "cname", "rsa2048a", timestamp=1_795_000_000)
    if footer:
        mail += b"--\r\nSent by a list\r\n"
    path = tmp_path / "mail.eml"
    path.write_bytes(mail)
    return path


def _essence(out: str):
    data = json.loads(out)
    verdict = data["verdict"]
    return (verdict["outcome"], verdict["root_cause"], verdict["chain"],
            sorted((f["id"], f["about"], f["title"]) for f in data["findings"]),
            [(s["result"], s["reason"]) for s in data["signatures"]])


@pytest.mark.parametrize("footer", [False, True], ids=["passes", "footer-breaks-it"])
def test_replay_offline_gives_the_same_verdict_and_findings(dns_server, tmp_path, capsys,
                                                            monkeypatch, footer):
    mail = _signed(tmp_path, footer=footer)
    bundle = tmp_path / "case.tar.gz"
    status = main(["check", str(mail), "--json", "--resolver", dns_server.spec, *NOW,
                   "--bundle", str(bundle)])
    checked = capsys.readouterr().out

    async def refuse(*args, **kwargs):
        raise AssertionError("replay asked the network")

    for name in ("udp_with_fallback", "udp", "tcp"):
        monkeypatch.setattr(dns.asyncquery, name, refuse)
    assert main(["replay", str(bundle), "--json"]) == status
    replayed = capsys.readouterr().out
    assert _essence(replayed) == _essence(checked)
    assert json.loads(replayed)["analysed_at"] == json.loads(checked)["analysed_at"]
    with tarfile.open(bundle) as tar:
        assert tar.extractfile("message.eml").read() == mail.read_bytes()
        assert json.loads(tar.extractfile("report.json").read()) == json.loads(checked)
        answers = json.loads(tar.extractfile("dns.json").read())["answers"]
    assert {(a["name"], a["rdtype"]) for a in answers} >= {
        ("cname._domainkey.verify.test", "TXT"), ("_dmarc.verify.test", "TXT")}
    assert all(a["resolver"] == dns_server.spec for a in answers)


def test_the_bundle_zone_files_answer_check_the_same(dns_server, tmp_path, capsys):
    mail = _signed(tmp_path, footer=True)
    bundle = tmp_path / "case.tar.gz"
    main(["check", str(mail), "--json", "--resolver", dns_server.spec, *NOW, "--bundle", str(bundle)])
    checked = json.loads(capsys.readouterr().out)["verdict"]
    zones = tmp_path / "zones"
    with tarfile.open(bundle) as tar:
        tar.extractall(tmp_path, filter="data")
    main(["check", str(tmp_path / "message.eml"), "--json", "--zone", str(zones), *NOW])
    from_zones = json.loads(capsys.readouterr().out)["verdict"]
    assert (from_zones["outcome"], from_zones["root_cause"]["id"]) == (
        checked["outcome"], checked["root_cause"]["id"])


def test_replay_text_and_markdown(dns_server, tmp_path, capsys):
    mail = _signed(tmp_path, footer=True)
    bundle = tmp_path / "case.tar.gz"
    main(["check", str(mail), "--resolver", dns_server.spec, *NOW, "--bundle", str(bundle)])
    capsys.readouterr()
    assert main(["replay", str(bundle)]) == 1
    assert capsys.readouterr().out.startswith("VERDICT: FAIL")
    main(["replay", str(bundle), "--markdown"])
    assert capsys.readouterr().out.startswith("# mailtriage: FAIL")


def test_a_file_that_is_no_bundle_is_a_usage_error(tmp_path, capsys):
    junk = tmp_path / "x.tar.gz"
    junk.write_bytes(b"not gzip")
    assert main(["replay", str(junk)]) == 2
    assert "not a readable .tar.gz bundle" in capsys.readouterr().err
