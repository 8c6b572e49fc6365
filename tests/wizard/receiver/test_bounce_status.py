"""The status a bounce reports: its class agrees with the reply it belongs to (RFC 3463 §2),
a Subject-only reason is inferred and says so (DSN-20), and a MIME bomb names the depth
limit instead of losing the bounce."""
from __future__ import annotations

from pathlib import Path

from wizard.receiver.bounce import analyze_bounce

CORPUS = Path(__file__).parents[4] / "shared/data/bounces"

POSTFIX_451 = b"""\
Return-Path: <>
From: MAILER-DAEMON@mail.example.org (Mail Delivery System)
To: sender@example.org
Subject: Undelivered Mail Returned to Sender
Date: Tue, 2 Jun 2020 09:15:01 +0900 (JST)
Message-Id: <20200602001501.3F1A2C0A5@mail.example.org>

This is the mail system at host mail.example.org.

I'm sorry to have to inform you that your message could not
be delivered to one or more recipients. It's attached below.

<kijitora@example.jp>: host mx.example.jp[192.0.2.25] said:
    451 Temporary local problem - please try later (in reply to end of DATA
    command)

Transcript of the session with mx.example.jp:
>>> MAIL FROM:<sender@example.org>
<<< 250 2.1.0 Ok
>>> RCPT TO:<kijitora@example.jp>
<<< 250 2.1.5 Ok
>>> DATA
<<< 451 Temporary local problem - please try later
"""


def test_status_class_agrees_with_the_failing_reply() -> None:
    """The 2.1.5 answered RCPT, which succeeded; the failure is the 451 to DATA."""
    b = analyze_bounce(POSTFIX_451).bounce
    # The 451 carries no enhanced code: none is made up, and no 2.x.x stands in for it.
    assert (b.reply_code, b.status, b.kind, b.stage) == (451, None, "gave_up", "data")


RETURNED_MAIL = b"""\
Return-Path: <>
From: Mail Delivery Subsystem <MAILER-DAEMON@mx.example.net>
To: sender@example.org
Subject: Returned mail: User unknown
Date: Tue, 2 Jun 2020 09:15:01 +0900
Message-Id: <202006020015.05M0F1Ab012345@mx.example.net>

The original message was received at Tue, 2 Jun 2020 09:15:00 +0900
from [192.0.2.9]

   ----- The following addresses had permanent fatal errors -----
<kijitora@example.net>

   ----- Original message follows -----
From: sender@example.org
To: kijitora@example.net
Subject: hello

hello
"""


def test_subject_only_reason_is_inferred_and_labelled() -> None:
    analysis = analyze_bounce(RETURNED_MAIL)
    b = analysis.bounce
    assert (b.status, b.enhanced_from, b.recipients) == ("5.1.1", "subject", ("kijitora@example.net",))
    inferred = next(f for f in analysis.findings if f.id == "DSN-20")
    assert "inferred" in inferred.title and "low confidence" in inferred.detail


def test_subject_is_not_used_when_the_text_has_a_code() -> None:
    raw = RETURNED_MAIL.replace(b"<kijitora@example.net>\n",
                                b"<kijitora@example.net>\n    (reason: 552 5.2.2 Mailbox full)\n")
    b = analyze_bounce(raw).bounce
    assert (b.status, b.enhanced_from) == ("5.2.2", "reply")


def _nested(levels: int) -> bytes:
    """lhost-amazonses-08's report, wrapped in `levels` multipart/mixed parts."""
    raw = (CORPUS / "lhost-amazonses-08.eml").read_bytes()
    head, body = raw.split(b"\n\n", 1)
    at = head.find(b"Content-Type: multipart/report")
    part = head[at:head.find(b"Date:", at)] + b"\n" + body
    for i in range(levels):
        part = (f'Content-Type: multipart/mixed; boundary="b{i}"\n\n--b{i}\n').encode() + part + \
            f"\n--b{i}--\n".encode()
    return (b"From: MAILER-DAEMON@us-west-2.amazonses.com\nTo: sironeko@example.jp\n"
            b"Subject: Delivery Status Notification (Failure)\nMIME-Version: 1.0\n") + part


def test_deep_mime_nesting_names_the_limit_and_keeps_the_bounce() -> None:
    analysis = analyze_bounce(_nested(1200))
    assert analysis is not None, "the bounce must not be lost"
    assert (analysis.bounce.status, analysis.bounce.recipients) == ("5.7.9", ("e@neko.nyaan.example.org",))
    limit = [f for f in analysis.findings if f.id == "EVID-01"]
    assert [f.detail for f in limit] == [
        "Looked at 100 MIME multipart parts (the nesting limit; the rest was read as plain text) of 1201."]
