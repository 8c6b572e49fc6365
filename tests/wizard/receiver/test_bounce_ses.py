"""DSN-18: Amazon SES notifications delivered by SNS as JSON inside an email. The samples
follow upstream sisimai lhost-amazonses-09/11/12 (bounce, complaint, delivery)."""
from __future__ import annotations

import json

from wizard.receiver.bounce import analyze_bounce

_HEAD = """\
Return-Path: <0101016a8e1fb29a-1b2c3d4e-0000-4fea-9127-48ade2309e3d-000000@amazonses.com>
From: AWS Notifications <no-reply@sns.amazonaws.com>
To: bounces@example.jp
Message-ID: <0101016a8e1fb2a4-9c8d7e6f-0000-4b1b-8e5b-000000000000-000000@email.amazonses.com>
Subject: AWS Notification Message
MIME-Version: 1.0
Content-Type: text/plain; charset=UTF-8
Content-Transfer-Encoding: 7bit
x-amz-sns-message-id: 02f86d9b-eecf-573d-b47d-3d1850750c30
x-amz-sns-subscription-arn: arn:aws:sns:us-west-2:123456789012:SES-EJ-B:8f2c6b1e
Date: Fri, 29 Jan 2016 01:50:57 +0000

"""
_FOOT = """
--
If you wish to stop receiving notifications from this topic, please click or visit the link below to unsubscribe:
https://sns.us-west-2.amazonaws.com/unsubscribe.html?SubscriptionArn=arn:aws:sns:us-west-2:123456789012:SES-EJ-B:8f2c6b1e&Endpoint=bounces@example.jp

Please do not reply directly to this email. If you have any questions or comments regarding this email, please contact us at https://aws.amazon.com/support
"""  # noqa: E501 - the real SES footer, kept whole
_MAIL = {"timestamp": "2016-01-29T01:50:53.000Z", "source": "neko@example.jp",
         "sourceArn": "arn:aws:ses:us-west-2:123456789012:identity/example.jp",
         "sendingAccountId": "123456789012",
         "messageId": "010101528fcbd6c2-e3b4b1d6-0000-4c22-a9c4-000000000000-000000",
         "destination": ["userunknown@bouncehammer.jp"],
         "headers": [{"name": "Subject", "value": "DMARC policy test"}]}


def _ses(obj: dict, *, fold: bool = False) -> bytes:
    body = json.dumps(obj, separators=(",", ":"))
    if fold:
        # A relay folds the long line: "!" at the end, continued after a space.
        body = "!\n ".join(body[i:i + 76] for i in range(0, len(body), 76))
    return (_HEAD + body + "\n" + _FOOT).encode()


BOUNCE = {"notificationType": "Bounce", "mail": _MAIL, "bounce": {
    "bounceType": "Permanent", "bounceSubType": "General",
    "bouncedRecipients": [
        {"emailAddress": "userunknown@bouncehammer.jp", "action": "failed", "status": "5.1.1",
         "diagnosticCode": "smtp; 550 5.1.1 <userunknown@bouncehammer.jp>... User Unknown"},
        {"emailAddress": "full@bouncehammer.jp", "action": "failed", "status": "5.2.2",
         "diagnosticCode": "smtp; 552 5.2.2 Mailbox full"}],
    "timestamp": "2016-01-29T01:50:56.000Z", "feedbackId": "0101-0000",
    "reportingMTA": "dsn; a27-23.smtp-out.us-west-2.amazonses.com"}}


def test_ses_bounce_json_gives_each_recipient_status_and_diagnostic() -> None:
    analysis = analyze_bounce(_ses(BOUNCE))
    assert analysis is not None, "an SES notification is a bounce, not an ordinary message"
    b = analysis.bounce
    assert b.layout.startswith("Amazon SES notification")
    assert (b.kind, b.status, b.reply_code) == ("permanent", "5.1.1", 550)
    assert [(r.recipient, r.status, r.reply_code) for r in b.per_recipient] == [
        ("userunknown@bouncehammer.jp", "5.1.1", 550), ("full@bouncehammer.jp", "5.2.2", 552)]
    assert b.diagnostic_code == "smtp; 550 5.1.1 <userunknown@bouncehammer.jp>... User Unknown"
    assert b.reporting_mta == "a27-23.smtp-out.us-west-2.amazonses.com"
    assert (b.ses.notification_type, b.ses.bounce_type, b.ses.bounce_subtype) == (
        "Bounce", "Permanent", "General")
    ses = next(f for f in analysis.findings if f.id == "DSN-18")
    assert "Permanent/General" in ses.title
    # The JSON's copy of the original headers ("DMARC policy test") is not the receiver's words.
    assert "DMARC-16" not in {f.id for f in analysis.findings}


def test_folded_json_and_raw_sns_envelope_are_read() -> None:
    assert analyze_bounce(_ses(BOUNCE, fold=True)).bounce.status == "5.1.1"
    raw_sns = {"Type": "Notification", "MessageId": "22b80b92-fdea-4c2c-8f9d-bdfb0c7bf324",
               "TopicArn": "arn:aws:sns:us-west-2:123456789012:SES-EJ-B",
               "Message": json.dumps(BOUNCE)}
    assert analyze_bounce(_ses(raw_sns)).bounce.per_recipient[1].status == "5.2.2"


def test_ses_suppressed_says_ses_did_not_try() -> None:
    obj = json.loads(json.dumps(BOUNCE))
    obj["bounce"]["bounceSubType"] = "Suppressed"
    obj["bounce"]["bouncedRecipients"] = [{"emailAddress": "gone@example.com", "action": "failed",
                                           "status": "5.1.1", "diagnosticCode": "Amazon SES has "
                                           "suppressed sending to this address because it has a "
                                           "recent history of bouncing as an invalid address."}]
    ses = next(f for f in analyze_bounce(_ses(obj)).findings if f.id == "DSN-18")
    assert "suppression list" in ses.detail


def test_ses_complaint_is_not_a_bounce() -> None:
    obj = {"notificationType": "Complaint", "mail": _MAIL, "complaint": {
        "complainedRecipients": [{"emailAddress": "kijitora@example.com"}],
        "timestamp": "2016-01-29T01:50:56.000Z", "feedbackId": "0101-0001",
        "userAgent": "Yahoo!-Mail-Feedback/2.0", "complaintFeedbackType": "abuse"}}
    analysis = analyze_bounce(_ses(obj))
    b = analysis.bounce
    assert (b.kind, b.recipients, b.ses.complaint_type) == ("not_a_bounce", ("kijitora@example.com",), "abuse")
    assert [f.id for f in analysis.findings] == ["DSN-18"]
    assert "complaint" in analysis.findings[0].title


def test_ses_delivery_notice_is_a_success() -> None:
    obj = {"notificationType": "Delivery", "mail": _MAIL, "delivery": {
        "timestamp": "2016-01-29T01:50:56.000Z", "processingTimeMillis": 1234,
        "recipients": ["kijitora@example.com"],
        "smtpResponse": "250 2.6.0 Message received", "reportingMTA": "a27-1.smtp-out.amazonses.com"}}
    b = analyze_bounce(_ses(obj)).bounce
    assert (b.kind, b.status, b.recipients) == ("success", "2.6.0", ("kijitora@example.com",))


def test_hostile_json_is_not_a_crash() -> None:
    deep = _HEAD + '{"notificationType":"Bounce","bounce":' + "[" * 100_000 + "\n" + _FOOT
    assert analyze_bounce(deep.encode()) is None  # no notification could be read, no traceback
