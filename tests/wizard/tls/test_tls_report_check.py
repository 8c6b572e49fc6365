"""A TLS-RPT report given to `mailtriage check` (issue 15): recognised as JSON, gzip or a
mail carrying one; the JSON key `tls_report` with exactly the issue's keys, each policy's
verdict, the text and Markdown sections, the exit status; valid against the schema."""
from __future__ import annotations

import gzip
import json
from email.message import EmailMessage
from pathlib import Path

import jsonschema
import pytest

from test_tls_report import RFC8460
from tui.cli import main
from wizard.input.classify import classify

ROOT = Path(__file__).resolve().parents[3]
RAW = json.dumps(RFC8460).encode()
REPORT_KEYS = {"org_name", "report_id", "begin", "end", "policies"}
POLICY_KEYS = {"policy_type", "policy_domain", "mx_hosts", "successful", "failed", "failures"}
FAILURE_KEYS = {"result_type", "sending_mta_ip", "receiving_mx_hostname", "count", "finding"}


def _mail(payload: bytes) -> bytes:
    mail = EmailMessage()
    mail["From"] = "noreply-smtp-tls-reporting@company-x.example"
    mail["Subject"] = "Report Domain: company-y.example Submitter: company-x.example Report-ID: <x>"
    mail["TLS-Report-Domain"] = "company-y.example"
    mail.set_content("This is an aggregate TLS report from company-x.example")
    mail.add_attachment(gzip.compress(payload), maintype="application", subtype="tlsrpt+gzip",
                        filename="company-x.example!company-y.example!1459468800!1459555199!001.json.gz")
    return mail.as_bytes()


def _enforce() -> bytes:
    doc = json.loads(RAW)
    doc["policies"][0]["policy"]["policy-string"][1] = "mode: enforce"
    return json.dumps(doc).encode()


@pytest.mark.parametrize("raw", [RAW, gzip.compress(RAW), _mail(RAW)], ids=["json", "json.gz", "mail"])
def test_every_form_is_a_tls_report(raw):
    assert classify(raw).kind == "tls_report"


@pytest.mark.parametrize("raw", [
    (ROOT / "tests/data/aggregate/rfc7489-classes.xml").read_bytes(),
    gzip.compress((ROOT / "tests/data/aggregate/rfc7489-classes.xml").read_bytes()),
    b'{"notificationType": "Bounce", "bounce": {"bounceType": "Permanent"}}',
    b"550 5.7.5 Remote certificate failed MTA-STS validation\n",
], ids=["dmarc-xml", "dmarc-gz", "ses-json", "reply"])
def test_other_inputs_are_not_taken_for_one(raw):
    assert classify(raw).kind != "tls_report"


def _check(tmp_path: Path, capsys, raw: bytes, name: str, *options: str) -> tuple[int, str]:
    path = tmp_path / name
    path.write_bytes(raw)
    code = main(["check", str(path), *options])
    return code, capsys.readouterr().out


def test_check_report_json_gz_end_to_end(tmp_path, capsys):
    code, out = _check(tmp_path, capsys, gzip.compress(RAW), "report.json.gz", "--json")
    data = json.loads(out)
    # mode: testing: the reporter still delivered, so the exit status is 0 — with the root
    # cause to fix before enforcing.
    assert code == 0 and data["input"]["kind"] == "tls_report"
    report = data["tls_report"]
    assert set(report) == REPORT_KEYS
    (policy,) = report["policies"]
    assert set(policy) == POLICY_KEYS | {"verdict"}
    assert {frozenset(f) for f in policy["failures"]} == {frozenset(FAILURE_KEYS)}
    assert [(f["result_type"], f["count"], f["finding"]) for f in policy["failures"]] == [
        ("certificate-expired", 100, "TLS-03"), ("starttls-not-supported", 200, "TLS-01"),
        ("validation-failure", 3, "TLS-05")]
    verdict = policy["verdict"]
    assert verdict["outcome"] == "pass" and verdict["root_cause"]["id"] == "TLS-18"
    assert [link["id"] for link in verdict["chain"]] == ["TLS-18", "TLS-01", "TLS-03", "TLS-05"]
    assert verdict["primary_fix"]["who"].startswith("the recipient domain's mail administrator")
    assert data["verdict"]["root_cause"]["id"] == "TLS-18"
    assert "under enforce it would not" in data["verdict"]["headline"]
    shells = [" ".join(f["argv"]) for f in data["findings"] if f["id"] == "TLS-18" for f in f["fixes"]]
    assert "mailtriage tls company-y.example" in shells
    assert "curl -sS https://mta-sts.company-y.example/.well-known/mta-sts.txt" in shells
    schema = json.loads((ROOT / "schema/report.schema.json").read_text(encoding="utf-8"))
    errors = [e.message[:200] for e in jsonschema.Draft202012Validator(schema).iter_errors(data)]
    assert errors == []


def test_an_enforced_policy_with_failures_fails(tmp_path, capsys):
    code, out = _check(tmp_path, capsys, _mail(_enforce()), "report.eml", "--json")
    data = json.loads(out)
    assert code == 1 and data["verdict"]["outcome"] == "fail"
    assert data["tls_report"]["policies"][0]["verdict"]["outcome"] == "fail"
    assert "fix Receiving MX offers no STARTTLS at company-y.example first" in data["verdict"]["headline"]


@pytest.mark.parametrize("option", ["", "--markdown"])
def test_text_and_markdown_show_the_policies_and_the_failed_sessions(tmp_path, capsys, option):
    _, out = _check(tmp_path, capsys, RAW, "report.json", *filter(None, [option]))
    assert "TLS report" in out or "TLS REPORT" in out
    for words in ("company-y.example", "testing", "5326", "303", "mx2.mail.company-y.example",
                  "starttls-not-supported", "TLS-01", "What to do, by policy"):
        assert words in out, words
    assert "dkim" not in out.lower()


def test_a_broken_report_is_unreadable_input(tmp_path, capsys):
    code, _ = _check(tmp_path, capsys, b'{"organization-name": "x", "date-range": {}, "policies": {}}',
                     "bad.json")
    assert code == 2
