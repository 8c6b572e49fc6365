"""Bounces: the outcome is the receiver's decision, read from the reply code; authentication
bounces take their cause from the returned message, the others get their own cause."""
from __future__ import annotations

from pathlib import Path

import pytest

from verdict_mail import NOW
from wizard.model.request import AnalysisRequest
from wizard.pipeline.analyze import analyze
from wizard.verdict import judge

CORPUS = Path(__file__).parents[4] / "shared/data/bounces"


async def verdict_of(raw: bytes):
    request = AnalysisRequest(source="test", raw=raw, now=NOW, offline=True)
    return judge(await analyze(request, resolvers=[]))


@pytest.mark.parametrize(("reply", "outcome", "root", "who"), [
    ("550 5.7.26 Unauthenticated email from example.com is not accepted due to domain's DMARC "
     "policy", "rejected", "DMARC-16", "the administrator of the From domain"),
    ("550 5.1.1 <bob@example.org>: Recipient address rejected: User unknown in virtual mailbox "
     "table", "rejected", "DSN-06", "the sender"),
    ("452 4.2.2 The email account that you tried to reach is over quota.", "deferred", "DSN-06",
     "the recipient"),
    ("421 4.7.28 Our system has detected an unusual rate of unsolicited mail originating from "
     "your IP address", "deferred", "DSN-17", "the sender's mail administrator"),
    ("451 4.7.26 Temporary DNS failures prevent authentication", "deferred", "DMARC-17",
     "the DNS administrator of the From domain"),
])
async def test_a_bare_reply_without_the_message(reply, outcome, root, who):
    verdict = await verdict_of(reply.encode())
    assert (verdict.outcome, verdict.exit_status) == (outcome, 1)
    assert verdict.root_cause.id == root and verdict.root_cause.confidence == "confirmed"
    assert verdict.primary_fix.kind == "advice" and verdict.primary_fix.who == who


def corpus(name: str) -> bytes:
    path = CORPUS / name
    if not path.is_file():
        pytest.skip(f"bounce corpus not found at {CORPUS}")
    return path.read_bytes()


async def test_unknown_user_ignores_the_returned_message_authentication():
    verdict = await verdict_of(corpus("lhost-gmail-01.eml"))
    assert (verdict.outcome, verdict.root_cause.id) == ("rejected", "DSN-06")
    assert "does not exist" in verdict.primary_fix.text


async def test_an_spf_bounce_names_spf_even_when_the_returned_copy_cannot_show_it():
    verdict = await verdict_of(corpus("lhost-sendmail-60.eml"))
    assert (verdict.outcome, verdict.root_cause.id) == ("rejected", "SPF-13")


async def test_blocklist_and_smtp_auth_bounces_have_their_own_cause():
    blocked = await verdict_of(corpus("rhost-microsoft-01.eml"))
    assert blocked.root_cause.id == "DSN-15" and "blocklist" in blocked.primary_fix.text
    auth = await verdict_of(corpus("lhost-exchange2007-04.eml"))
    assert auth.root_cause.id == "CAUSE-20" and "SMTP AUTH" in auth.primary_fix.text
