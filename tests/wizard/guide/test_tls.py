"""The guided walk of a TLS failure (issue 15): what a junior admin is asked, one question at
a time, for a TLS bounce and a TLS report — plain words, the sender's identity questions
skipped with the reason, and the walk ends on the fix with the checks to run."""
from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from pathlib import Path

from wizard.guide.tree import walk
from wizard.model.request import AnalysisRequest
from wizard.pipeline.analyze import analyze

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tls"))
from test_tls_report import RFC8460  # the RFC's example report, kept in one place

POSTFIX_LOG = (b"Dec  2 10:00:00 mx postfix/smtp[123]: 4F1A2B3C: to=<bob@example.net>, "
               b"relay=mx.example.net[192.0.2.1]:25, dsn=4.7.5, status=deferred (no TLSA records found)\n")
GMAIL = b"530 5.7.0 Must issue a STARTTLS command first. - gsmtp\n"


async def walk_of(raw: bytes):
    request = AnalysisRequest(raw=raw, now=datetime(2026, 12, 3, tzinfo=UTC), offline=True)
    return walk(await analyze(request, resolvers=[]))


def words(w) -> str:
    return " ".join([s.found for s in w.steps] + [s.reason for s in w.skipped]).lower()


async def test_a_tls_bounce_is_walked_as_a_connection_problem():
    w = await walk_of(POSTFIX_LOG)
    assert [s.key for s in w.steps] == ["verdict", "receiver", "who", "fix"]
    assert [s.number for s in w.steps] == [1, 2, 6, 7]  # the tree's numbering stays
    assert {s.key for s in w.skipped} == {"identity", "dns", "transit"}
    assert "before the message itself was looked at" in next(s.reason for s in w.skipped if s.key == "identity")
    verdict, said, who, fix = w.steps
    assert "could not talk securely" in verdict.found
    assert "In plain words: the domain's DANE (TLSA) records cannot be trusted" in said.found
    assert said.evidence[0] == "no tlsa records found"
    # Postfix says "no TLSA records found" only under its own dane-only policy: either side acts.
    assert who.question == "Who must fix it?" and who.found.startswith("Either side")
    assert "relax that policy to dane" in who.found and "publish TLSA records" in who.found
    # It ends on the fix: who acts and what to do, then the checks that only look.
    assert fix is w.steps[-1] and fix.advice is not None and "set its policy to dane" in fix.advice.text
    assert "signing the MX host's zone with DNSSEC" in fix.advice.text
    assert [c.argv[0] for c in fix.checks] == ["openssl", "dig", "mailtriage"]
    assert [s.next for s in w.steps[:-1]] == ["Next: what the receiver said, in plain words.",
                                             "Next: who must fix it.", "Next: the fix."]
    assert "dkim" not in words(w)


async def test_the_receiver_demanding_tls_puts_the_sender_to_work():
    w = await walk_of(GMAIL)
    who = next(s for s in w.steps if s.key == "who")
    assert who.found.startswith("The sending side: the sender's mail administrator")
    fix = w.steps[-1]
    assert fix.advice is not None and "Turn on STARTTLS for outbound mail" in fix.advice.text
    assert "did not use an encrypted connection" in w.steps[0].found


async def test_a_tls_report_is_walked_policy_by_policy():
    w = await walk_of(json.dumps(RFC8460).encode())
    assert [s.key for s in w.steps] == ["verdict", "receiver", "who", "fix"]
    seen = w.steps[1]
    assert seen.question == "What did the reporter see?"
    assert seen.found.startswith("company-y.example (MTA-STS, testing): 5326 connections fine, 303 failed.")
    assert "would stop it once the policy is enforced" in seen.found
    assert seen.evidence[1] == ("200 to mx2.mail.company-y.example: the receiving server does not "
                                "offer an encrypted connection (STARTTLS)")
    assert "for company-y.example" in w.steps[2].found
    checks = [c.shell for c in w.steps[-1].checks]
    assert "mailtriage tls company-y.example" in checks
    assert "dkim" not in words(w)
