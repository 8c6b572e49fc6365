"""The verdict on messages signed by real signers (dkimpy, Mail::DKIM) and then sent through
what breaks them: the cases the verdict issue lists as wrong before it."""
from __future__ import annotations

import pytest

from verdict_mail import FORWARDER_IP, check, signed
from wizard.model.findings import Severity
from wizard.verdict import judge

SIGNERS = ["dkimpy", "mail-dkim"]
FOOTER = "\r\n-- \r\nteam mailing list\r\nhttps://lists.example.org/team\r\n"


def ids(items) -> list[str]:
    return [i.id for i in items]


@pytest.mark.parametrize("signer", SIGNERS)
async def test_forwarded_valid_mail_passes_and_spf_is_not_the_cause(signer):
    report = await check(signed(signer), ip=FORWARDER_IP)
    verdict = judge(report)
    assert (verdict.outcome, verdict.exit_status, verdict.root_cause) == ("pass", 0, None)
    assert "SPF-13" in ids(verdict.not_the_cause)
    spf = next(f for f in report.findings if f.id == "SPF-13")
    assert spf.severity is Severity.CRITICAL  # the catalogue severity stays …
    assert verdict.severity_in_context(spf) is Severity.INFO  # … what the user sees is context


@pytest.mark.parametrize("signer", SIGNERS)
async def test_footer_is_the_root_cause_not_an_spf_record(signer):
    raw = signed(signer) + FOOTER.encode()
    verdict = judge(await check(raw, ip=FORWARDER_IP))
    assert (verdict.outcome, verdict.exit_status) == ("fail", 1)
    assert verdict.root_cause.id == "CANON-11"
    assert verdict.root_cause.confidence == "proven"
    assert verdict.primary_fix.kind == "advice" and verdict.primary_fix.finding == "CANON-11"
    assert "SPF-13" in ids(verdict.not_the_cause)
    assert "forwarding breaks SPF" in next(n.why for n in verdict.not_the_cause if n.id == "SPF-13")


async def test_subject_tag_is_the_root_cause():
    raw = signed("mail-dkim").replace(b"Subject: Quarterly report", b"Subject: [team] Quarterly report")
    verdict = judge(await check(raw, ip=FORWARDER_IP))
    assert verdict.outcome == "fail"
    assert verdict.root_cause.id == "CANON-13"
    assert verdict.primary_fix.kind == "advice"


async def test_link_rewriting_is_the_root_cause():
    body = "Hello,\r\n\r\nsee https://example.com/report for the figures.\r\n"
    raw = signed("dkimpy", body=body).replace(
        b"https://example.com/report",
        b"https://urldefense.com/v3/__https://example.com/report__;!!AbCdEf!0123456789abcdef$")
    verdict = judge(await check(raw, ip=FORWARDER_IP))
    assert verdict.outcome == "fail"
    assert verdict.root_cause.id == "CANON-12"
    assert verdict.primary_fix.kind == "advice"


async def test_body_hash_failure_without_an_explained_change_fails():
    raw = signed("dkimpy").replace(b"the report is attached", b"the rep0rt is attached")
    verdict = judge(await check(raw, ip=FORWARDER_IP))
    assert (verdict.outcome, verdict.exit_status) == ("fail", 1)
    assert verdict.root_cause.id.startswith("CANON-")


@pytest.mark.parametrize(("selector", "cause"), [
    ("revoked", "DKIM-KEY-06"), ("missing", "DKIM-KEY-01"), ("mismatch", "DKIM-KEY-14")])
async def test_key_problems_are_the_root_cause_and_spf_another(selector, cause):
    verdict = judge(await check(signed("dkimpy", selector), ip="198.51.100.99"))
    assert (verdict.outcome, verdict.root_cause.id) == ("fail", cause)
    assert "SPF-13" in ids(verdict.other_causes)
    if cause == "DKIM-KEY-14":
        assert verdict.root_cause.confidence == "proven"  # the RSA decode showed it


async def test_key_problem_on_mail_that_passes_on_spf_still_names_it():
    verdict = judge(await check(signed("dkimpy", "missing")))
    assert (verdict.outcome, verdict.exit_status) == ("pass", 0)
    assert verdict.root_cause.id == "DKIM-KEY-01"
    assert "SPF alone" in verdict.headline


async def test_unaligned_esp_signature():
    raw = signed("dkimpy", "esp", domain="esp.test")
    verdict = judge(await check(raw, ip="198.51.100.7", mail_from="bounce@esp.test"))
    assert (verdict.outcome, verdict.root_cause.id) == ("fail", "DMARC-06")
    assert verdict.primary_fix.kind == "advice"


async def test_p_none_says_what_still_applies():
    verdict = judge(await check(signed("dkimpy", "missing"), ip="198.51.100.99", policy="none"))
    assert verdict.outcome == "fail" and verdict.exit_status == 1
    assert "p=none" in verdict.headline and "Gmail and Yahoo" in verdict.headline


async def test_servfail_on_the_key_is_inconclusive():
    report = await check(signed("dkimpy"), ip="198.51.100.99", servfail="_domainkey.verify.test")
    verdict = judge(report)
    assert (verdict.outcome, verdict.exit_status) == ("inconclusive", 3)
    assert "good._domainkey.verify.test" in verdict.headline


async def test_unsigned_and_spf_unauthorised_are_two_causes():
    from signing import message

    verdict = judge(await check(message(), ip="198.51.100.99"))
    assert verdict.outcome == "fail"
    assert verdict.root_cause.id == "SPF-13" and ids(verdict.other_causes) == ["DKIM-SIG-01"]
    assert verdict.primary_fix.kind == "record"


async def test_offline_is_inconclusive_not_ok():
    verdict = judge(await check(signed("dkimpy"), offline=True))
    assert (verdict.outcome, verdict.exit_status) == ("inconclusive", 3)
    assert "offline" in verdict.headline
