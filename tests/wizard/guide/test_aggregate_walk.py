"""The guided walk of a DMARC aggregate report (issue 14), as a junior admin reads it: what
the report is, who fails and how much, which source to fix first and why, whether the
policy can move, and that source's fix. Offline: the classes rest on the report's results."""
from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from wizard.guide.steps import Advice
from wizard.guide.tree import walk
from wizard.model.request import AnalysisRequest
from wizard.pipeline.analyze import analyze

DATA = Path(__file__).resolve().parents[2] / "data" / "aggregate"
NOW = datetime(2025, 12, 3, tzinfo=UTC)


async def walked(name: str):
    report = await analyze(AnalysisRequest(raw=(DATA / name).read_bytes(), now=NOW), resolvers=[])
    return walk(report)


async def test_a_failing_report_walks_report_failures_first_source_readiness_fix():
    steps = (await walked("rfc7489-classes.xml")).steps
    assert [s.question for s in steps] == [
        "What is this report?", "Who fails, and how much?", "Which source to fix first, and why?",
        "Can the policy move from p=none?", "The fix"]
    what, fails, first, ready, fix = steps
    assert what.found.startswith("A DMARC aggregate report from receiver.example about rua.test, 2025-12-02 "
                                 "to 2025-12-02: 965 messages from 8 source IPs; 540 passed DMARC, 425 failed.")
    assert fails.found.startswith("425 of 965 messages failed DMARC: 200 from your own senders;")
    assert "likely spoofing" in fails.found
    assert fails.evidence[0].startswith("10.77.1.10 (SendGrid): 200 messages, your sender, failing: SendGrid:")
    assert first.found.startswith("10.77.1.10 (SendGrid): SendGrid: set up domain authentication (DKIM d=rua.test).")
    assert "DKIM d=sendgrid.net s=smtpapi: pass" in first.evidence
    assert ready.found.startswith("Not ready for p=quarantine: fix RUA-06 first.")
    assert fix.question == "The fix" and isinstance(fix.advice, Advice)
    assert fix.advice.text.startswith("Set up DKIM with d=rua.test at SendGrid")
    assert [s.next for s in steps[:-1]] == [
        "Next: who fails, and how much.", "Next: which source to fix first, and why.",
        "Next: whether the policy can move.", "Next: the fix."]


async def test_a_ready_report_skips_the_fix_and_says_the_policy_can_move():
    result = await walked("rfc9990-ready.xml")
    assert [s.key for s in result.steps] == ["verdict", "receiver", "who"]
    assert "None of your own senders fails DMARC." in result.steps[0].found
    assert result.steps[-1].found.startswith("Ready for p=quarantine.")
    assert {s.question: s.reason for s in result.skipped} == {
        "Which source to fix first, and why?": "No legitimate source fails DMARC: what fails is forwarded "
        "mail or spoofing, which nothing in your DNS fixes.",
        "The fix": "Nothing to fix in DNS: no legitimate source fails DMARC."}
