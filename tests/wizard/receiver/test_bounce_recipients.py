"""Who bounced: every recipient of a plain-text NDR with its own status (DSN-22), never a
Message-ID, a help desk or the sender (DSN-11), and Final-Recipient values that name no
mailbox (DSN-19). Inputs follow real Exchange, Exim, Sendmail and Messaging Server layouts."""
from __future__ import annotations

import pytest

from wizard.receiver.bounce import analyze_bounce

EXCHANGE_TWO = b"""\
From: Microsoft Outlook <MicrosoftExchange329e71ec88ae4615bbc36ab6ce41109e@example.com>
To: sender@example.com
Date: Tue, 2 Jun 2020 09:15:01 +0000
Subject: Undeliverable: quarterly report
Message-ID: <f1b2c3d4e5@EX01.example.com>
MIME-Version: 1.0
Content-Type: text/plain; charset="us-ascii"

Delivery has failed to these recipients or groups:

kijitora@example.jp
The email address you entered couldn't be found.

sironeko@example.net
The recipient's mailbox is full and can't accept messages now.

Diagnostic information for administrators:

Generating server: EX01.example.com

kijitora@example.jp
Remote Server returned '550 5.1.1 RESOLVER.ADR.RecipNotFound; not found'

sironeko@example.net
Remote Server returned '452 4.2.2 STOREDRV.Deliver; mailbox full'

Original message headers:

From: sender@example.com
To: kijitora@example.jp, sironeko@example.net
Subject: quarterly report
Message-ID: <abc@example.com>
"""


def test_each_recipient_of_a_text_ndr_has_its_own_status() -> None:
    """Named first in a summary, then with its reply: each gets its own code, not the first's."""
    analysis = analyze_bounce(EXCHANGE_TWO)
    rows = [(r.recipient, r.status, r.reply_code, r.kind) for r in analysis.bounce.per_recipient]
    assert rows == [("kijitora@example.jp", "5.1.1", 550, "permanent"),
                    ("sironeko@example.net", "4.2.2", 452, "gave_up")]
    multi = next(f for f in analysis.findings if f.id == "DSN-22")
    assert multi.evidence == ("kijitora@example.jp: 5.1.1 permanent",
                              "sironeko@example.net: 4.2.2 gave_up")


_PLAIN = """\
From: Mail Delivery Subsystem <MAILER-DAEMON@mx.isp.example.net>
To: bounces+4711@esp.example.org
Subject: Undeliverable mail
Date: Tue, 2 Jun 2020 09:15:01 +0000
Message-ID: <20200602091501.B7C2@mx.isp.example.net>

This is an automatically generated Delivery Status Notification.

{distractor}
Your message for kijitora@example.jp was rejected: 550 5.1.1 mailbox unavailable

------ Original message follows ------
From: alice@example.org
To: kijitora@example.jp
Subject: hello
Message-ID: <20200601100000.GA1234@mail.example.org>

hello
"""


@pytest.mark.parametrize("distractor", [
    "Message-ID: <20200601100000.GA1234@mail.example.org>",
    "Questions? Contact support@isp.example.net",
    "It was sent by alice@example.org.",
], ids=["message-id", "help-desk", "sender"])
def test_message_id_help_desk_and_sender_are_not_the_recipient(distractor: str) -> None:
    b = analyze_bounce(_PLAIN.format(distractor=distractor).encode()).bounce
    assert (b.recipients, b.status) == (("kijitora@example.jp",), "5.1.1")


def _dsn(final: str, extra: str = "", headers: str = "", text: str = "") -> bytes:
    return f"""\
From: Mail Delivery System <MAILER-DAEMON@mx.example.org>
To: sironeko@example.org
Subject: Mail delivery failed: returning message to sender
Date: Tue, 2 Jun 2020 09:15:01 +0000
{headers}MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="b1"

--b1
Content-Type: text/plain

This message was created automatically by mail delivery software.
{text}
--b1
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.example.org

Action: failed
Final-Recipient: {final}
{extra}Status: 5.0.0

--b1--
""".encode()


def test_final_recipient_program_is_recovered_from_x_failed_recipients() -> None:
    """Exim (lhost-exim-44): a pipe to a program in Final-Recipient."""
    raw = _dsn("rfc822;|/usr/local/nyaan/bin/neko kijitora@example.com ...",
               headers="X-Failed-Recipients: kijitora@example.com\n")
    analysis = analyze_bounce(raw)
    r = analysis.bounce.per_recipient[0]
    assert (r.recipient, r.recipient_target, r.recipient_from) == (
        "kijitora@example.com", "program", "X-Failed-Recipients")
    assert r.recipient_raw == "|/usr/local/nyaan/bin/neko kijitora@example.com ..."
    assert analysis.bounce.recipients == ("kijitora@example.com",)
    assert "pipe to a program" in next(f for f in analysis.findings if f.id == "DSN-19").evidence[0]


def test_source_route_prefers_original_recipient() -> None:
    """Messaging Server (lhost-messagingserver-02): a source route; Original-Recipient names
    the address the sender used."""
    raw = _dsn("rfc822;@smtp.example.net:kijitora@server",
               extra="Original-Recipient: rfc822;kijitora@example.net\n")
    r = analyze_bounce(raw).bounce.per_recipient[0]
    assert (r.recipient, r.recipient_target, r.recipient_from) == (
        "kijitora@example.net", "route", "Original-Recipient")


def test_host_only_and_file_targets_are_recovered_from_the_text() -> None:
    """Sendmail "Host unknown" (lhost-sendmail-15): `@host`; Exim (lhost-exim-60): a file."""
    host = analyze_bounce(_dsn("RFC822; @mx.example.org",
                               text="<kijitora@mx.example.org>... Host unknown\n"))
    assert [(r.recipient, r.recipient_target) for r in host.bounce.per_recipient] == [
        ("kijitora@mx.example.org", "host")]
    spool = analyze_bounce(_dsn("rfc822;/mail/spool/neko",
                                text="  /mail/spool/neko\n    generated by neko@example.jp\n"))
    assert [(r.recipient, r.recipient_target, r.recipient_from) for r in spool.bounce.per_recipient] \
        == [("neko@example.jp", "file", "the delivery command")]


EXIM_DISAGREE = b"""\
Return-path: <>
From: Mail Delivery System <Mailer-Daemon@mx1.example.org>
To: sender@example.org
Subject: Mail delivery failed: returning message to sender
Message-Id: <E1jflxQ-0003Ab-9K@mx1.example.org>
X-Failed-Recipients: staff@example.jp
Auto-Submitted: auto-replied
Date: Mon, 01 Jun 2020 10:00:02 +0000

This message was created automatically by mail delivery software.

A message that you sent could not be delivered to one or more of its
recipients. This is a permanent error. The following address(es) failed:

  kijitora@example.jp
    host mx.example.jp [192.0.2.10]
    SMTP error from remote mail server after RCPT TO:<kijitora@example.jp>:
    550 5.1.1 <kijitora@example.jp>: Recipient address rejected: User unknown
"""


def test_x_failed_recipients_and_body_disagree_both_listed() -> None:
    b = analyze_bounce(EXIM_DISAGREE).bounce
    assert b.recipients == ("staff@example.jp", "kijitora@example.jp")
    assert [r.recipient_from for r in b.per_recipient] == ["X-Failed-Recipients", "the notification text"]
