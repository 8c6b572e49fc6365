"""Aggregate-report triage against the BIND fixture: one row per class in
tests/data/aggregate/rfc7489-classes.xml, classified with the PTRs, SPF trees and DKIM keys
tests/zones/rua.test.zone, sendgrid.net.zone and the 10.77.x reverse zones serve (RUA-04…13)."""
from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from wizard.model.request import AnalysisRequest
from wizard.pipeline.analyze import analyze
from wizard.verdict import judge
from wizard.verdict.aggregate import source_verdict

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data" / "aggregate"
NOW = datetime(2025, 12, 3, tzinfo=UTC)


async def triaged(dns_server, name="rfc7489-classes.xml"):
    request = AnalysisRequest(raw=(DATA / name).read_bytes(), source=name, now=NOW)
    return await analyze(request, resolvers=[dns_server.resolver()])


def by_ip(report):
    return {s.ip: s for s in report.aggregate.sources}


EXPECTED = {
    "10.77.3.1": ("aligned", "RUA-05"),
    "10.77.1.10": ("legitimate_unaligned", "RUA-06"),
    "10.77.1.20": ("legitimate_unaligned", "RUA-08"),
    "10.77.1.30": ("legitimate_unaligned", "RUA-09"),
    "10.77.2.5": ("forwarder", "RUA-10"),
    "10.77.2.6": ("forwarder", "RUA-11"),
    "10.88.0.1": ("spoofing", "RUA-12"),
    "10.88.0.2": ("unknown", "RUA-04"),
}


@pytest.mark.parametrize("ip", list(EXPECTED))
async def test_each_row_lands_in_its_class_with_its_root_cause(dns_server, ip):
    source = by_ip(await triaged(dns_server))[ip]
    assert (source.source_class, source.finding.id) == EXPECTED[ip]


async def test_live_dns_names_the_source_and_the_missing_include(dns_server):
    report = await triaged(dns_server)
    sources = by_ip(report)
    assert sources["10.77.1.20"].ptr == "o2.ptr20.sendgrid.net"
    assert sources["10.77.1.20"].provider == "SendGrid"
    assert sources["10.88.0.1"].ptr is None  # no reverse zone: nobody's name for it
    fix = source_verdict(sources["10.77.1.20"], "rua.test").primary_fix
    assert fix.kind == "record"
    assert 'rua.test. 3600 IN TXT "v=spf1 ip4:10.77.3.0/24 include:sendgrid.net ~all"' in fix.text
    asked = {(a.name, a.rdtype) for a in report.dns}
    assert ("20.1.77.10.in-addr.arpa", "PTR") in asked and ("sendgrid.net", "TXT") in asked
    assert ("broken._domainkey.rua.test", "TXT") in asked  # the failing selector's key


async def test_the_broken_selector_says_what_dns_holds_now(dns_server):
    source = by_ip(await triaged(dns_server))["10.77.1.30"]
    assert "no usable key" in source.finding.detail and "SendGrid" in source.finding.title
    fix = source_verdict(source, "rua.test").primary_fix
    assert fix.kind == "advice" and "Publish the key the signer uses at broken._domainkey.rua.test" in fix.text


async def test_fixes_read_as_a_person_acts_on_them(dns_server):
    sources = by_ip(await triaged(dns_server))
    esp = source_verdict(sources["10.77.1.10"], "rua.test")
    assert esp.outcome == "fail" and esp.root_cause.id == "RUA-06"
    assert "Set up DKIM with d=rua.test at SendGrid" in esp.primary_fix.text
    forwarded = source_verdict(sources["10.77.2.6"], "rua.test").primary_fix.text
    assert forwarded.startswith("Nothing to fix for rua.test: forwarded mail; ask the forwarder for ARC")
    assert "arc=pass" in sources["10.77.2.6"].finding.detail
    assert source_verdict(sources["10.77.3.1"], "rua.test").primary_fix is None


async def test_the_report_fails_while_a_legitimate_source_fails_and_says_which_first(dns_server):
    report = await triaged(dns_server)
    verdict = judge(report)
    assert verdict.outcome == "fail" and verdict.exit_status == 1
    assert verdict.root_cause.id == "RUA-06"  # SendGrid, 200 messages: the most volume
    assert {c.id for c in verdict.other_causes} == {"RUA-08", "RUA-09"}
    ready = next(f for f in report.findings if f.id == "RUA-13")
    assert ready.title == "Not ready for p=quarantine: fix RUA-06 first"
    assert [s.ip for s in report.aggregate.sources[:3]] == ["10.77.1.10", "10.77.1.20", "10.77.1.30"]


async def test_a_report_of_aligned_and_forwarded_mail_is_ready_and_passes(dns_server):
    report = await triaged(dns_server, "rfc9990-ready.xml")
    verdict = judge(report)
    assert verdict.outcome == "pass"
    ready = next(f for f in report.findings if f.id == "RUA-13")
    assert ready.title == "Ready for p=quarantine" and "99.6% of legitimate volume" in ready.detail


async def test_the_deadline_bounds_the_triage(silent_server):
    request = AnalysisRequest(raw=(DATA / "rfc7489-classes.xml").read_bytes(), now=NOW, timeout=0.5)
    started = datetime.now(UTC)
    report = await analyze(request, resolvers=[silent_server.resolver(timeout=0.5)])
    assert (datetime.now(UTC) - started).total_seconds() < 3
    assert all(s.ptr is None for s in report.aggregate.sources)


def test_check_json_text_and_markdown(dns_server):
    path = str(DATA / "rfc7489-classes.xml")
    base = [sys.executable, "-m", "tui.cli", "check", "--resolver", dns_server.spec, path]
    done = subprocess.run(base + ["--json"], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert done.returncode == 1, done.stderr
    data = json.loads(done.stdout)
    aggregate = data["aggregate"]
    assert list(aggregate) == ["org_name", "report_id", "begin", "end", "domain", "schema",
                               "policy_published", "messages", "passing", "failing", "sources"]
    assert list(aggregate["sources"][0]) == ["ip", "count", "ptr", "header_from", "disposition", "dkim",
                                             "spf", "dmarc", "class", "verdict"]
    assert (aggregate["messages"], aggregate["passing"], aggregate["failing"]) == (965, 540, 425)
    assert data["verdict"]["outcome"] == "fail" and data["input"]["kind"] == "dmarc_aggregate"
    text = subprocess.run(base, capture_output=True, text=True, cwd=ROOT, timeout=120).stdout
    assert text.startswith("VERDICT: FAIL. rua.test: 425 of 965 messages failed DMARC")
    table = text[text.index("SOURCES BY FAILING VOLUME"):]
    assert "10.77.1.10  o1.ptr10.sendgrid.net" in table and "legitimate_unaligned" in table
    markdown = subprocess.run(base + ["--markdown"], capture_output=True, text=True, cwd=ROOT, timeout=120).stdout
    assert "## Sources by failing volume" in markdown and "| 10.77.1.20 |" in markdown


async def test_the_guided_fix_step_carries_every_record_to_publish_and_its_check(dns_server):
    from wizard.guide.tree import walk

    report = await triaged(dns_server)
    fix = walk(report).steps[-1]
    assert fix.question == "The fix" and fix.advice.finding == "RUA-06"  # the most failing mail first
    record = next(f for f in fix.fixes if getattr(f, "rdtype", "") == "TXT")
    assert record.value == "v=spf1 ip4:10.77.3.0/24 include:sendgrid.net ~all"  # RUA-08's, for the next source
    assert [c.argv[:4] for c in fix.confirm] == [("dig", "+short", "TXT", "rua.test")]
    assert any(line.startswith("10.77.1.30: Publish the key the signer uses at broken._domainkey.rua.test")
               for line in fix.evidence)


def reports_dir(tmp_path: Path) -> Path:
    """A directory as an admin keeps one: the reports in every form, one kept twice, one
    about another domain (mailed), and a file that is no report."""
    import gzip
    import zipfile
    from email.message import EmailMessage

    classes = (DATA / "rfc7489-classes.xml").read_bytes()
    folder = tmp_path / "reports"
    (folder / "2025").mkdir(parents=True)
    (folder / "classes.xml").write_bytes(classes)
    (folder / "2025" / "ready.xml.gz").write_bytes(gzip.compress((DATA / "rfc9990-ready.xml").read_bytes()))
    with zipfile.ZipFile(folder / "classes-again.zip", "w") as archive:
        archive.writestr("receiver.example!rua.test!1764633600!1764719999.xml", classes)
    mail = EmailMessage()
    mail["From"], mail["To"], mail["Subject"] = "dmarc@receiver.example", "me@rua.test", "Report Domain: other.test"
    mail.set_content("An aggregate report.")
    other = classes.replace(b"<domain>rua.test</domain>", b"<domain>other.test</domain>", 1)
    mail.add_attachment(gzip.compress(other), maintype="application", subtype="gzip", filename="other.xml.gz")
    (folder / "other.eml").write_bytes(mail.as_bytes())
    (folder / "notes.txt").write_text("rotate the keys in March\n")
    return folder


def domain_cli(dns_server, folder: Path, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "tui.cli", "domain", "rua.test", "--reports", str(folder), "--selector", "s1",
         "--resolver", dns_server.spec, "--no-authoritative", *extra],
        capture_output=True, text=True, cwd=ROOT, timeout=120)


def test_domain_with_reports_says_whether_the_policy_can_move(dns_server, tmp_path):
    out = domain_cli(dns_server, reports_dir(tmp_path))
    # The domain's own sender failing DMARC is what the domain's verdict is now about.
    assert out.returncode == 1, out.stderr
    text = " ".join(out.stdout.split())
    assert text.startswith("VERDICT: FAIL. rua.test: SendGrid: set up domain authentication (DKIM d=rua.test)")
    assert ("DMARC READINESS FROM AGGREGATE REPORTS ====================================== 2 reports from "
            "receiver9990.example, receiver.example, 2025-12-02 to 2025-12-02: 1885 messages, 441 failed DMARC. "
            "77.5% of legitimate volume (1444 of 1863 messages) is aligned.") in text
    assert "p=none cannot move to p=quarantine yet. Fix these sources first:" in text
    assert "- 10.77.1.10 (200 messages, RUA-06): Set up DKIM with d=rua.test at SendGrid" in text
    assert '- 10.77.1.20 (120 messages, RUA-08): add include:sendgrid.net to rua.test\'s SPF' in text
    assert "- classes.xml: the same report as another file (receiver.example, report id 7489-one-row-per-class)" in text
    assert "- other.eml: about other.test, not rua.test" in text
    assert "- notes.txt: not a DMARC aggregate report" in text


def test_domain_with_reports_json_and_markdown(dns_server, tmp_path):
    folder = reports_dir(tmp_path)
    data = json.loads(domain_cli(dns_server, folder, "--json").stdout)
    schema = json.loads((ROOT / "schema" / "report.schema.json").read_text(encoding="utf-8"))
    import jsonschema

    assert [e.message[:200] for e in jsonschema.Draft202012Validator(schema).iter_errors(data)] == []
    ready = data["readiness"]
    assert (ready["reports"], ready["legitimate"], ready["aligned"], ready["ready"]) == (2, 1863, 1444, False)
    assert [(s["ip"], s["verdict"]["root_cause"]["id"]) for s in ready["fix_first"]] == [
        ("10.77.1.10", "RUA-06"), ("10.77.1.20", "RUA-08"), ("10.77.1.30", "RUA-09")]
    assert any(f["id"] == "RUA-13" and f["title"] == "Not ready for p=quarantine: fix RUA-06 first"
               for f in data["findings"])
    markdown = domain_cli(dns_server, folder, "--markdown").stdout
    assert "## DMARC readiness from aggregate reports\n\n2 reports from receiver9990.example" in markdown


def test_only_the_ready_report_says_the_policy_can_move(dns_server, tmp_path):
    (tmp_path / "ready.xml").write_bytes((DATA / "rfc9990-ready.xml").read_bytes())
    text = " ".join(domain_cli(dns_server, tmp_path).stdout.split())
    assert "p=none can move to p=quarantine: stage it (t=y, or pct) over 2–4 weeks of reports." in text


def test_reports_must_name_a_directory(dns_server, tmp_path):
    out = domain_cli(dns_server, tmp_path / "missing")
    assert out.returncode == 2 and "not a directory" in out.stderr


async def test_ptrs_past_the_deadline_are_said_not_silently_missing(silent_server):
    request = AnalysisRequest(raw=(DATA / "rfc7489-classes.xml").read_bytes(), source="x.xml", now=NOW, timeout=0.3)
    report = await analyze(request, resolvers=[silent_server.resolver(timeout=0.3)])
    assert all(s.ptr is None for s in report.aggregate.sources)
    assert [(c.what, c.limit, c.seen) for c in report.caps] == [
        ("source IPs whose PTR was answered within --timeout", 0, 8)]
