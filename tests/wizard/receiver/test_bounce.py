"""Bounce parsing on constructed inputs: bare replies, DSNs built with stdlib email, text
patterns (DSN-15), stages (DSN-08), hostile input (SMTP replies alone: test_reply.py)."""
from __future__ import annotations

import email.message
import email.utils
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wizard.model.findings import Severity
from wizard.receiver.bounce import MAX_INPUT, MAX_SCAN, analyze_bounce
from wizard.receiver.reply import parse_smtp_reply

# --- Bare replies through analyze_bounce ----------------------------------------------


def _bare(text: str):
    analysis = analyze_bounce(text.encode())
    assert analysis is not None
    return analysis


def test_bare_reply_is_a_bounce_with_explanation() -> None:
    analysis = _bare("550 5.7.26 Unauthenticated email from example.com is not accepted due "
                     "to domain's DMARC policy")
    bounce = analysis.bounce
    assert (bounce.layout, bounce.kind, bounce.status, bounce.reply_code) == (
        "bare SMTP reply", "permanent", "5.7.26", 550)
    assert bounce.enhanced_from == "reply"
    assert bounce.explanation.registry_title == "Multiple authentication checks failed"
    assert "DMARC-16" in {f.id for f in analysis.findings}


def test_temporary_bare_reply_is_still_retrying() -> None:
    assert _bare("421 4.7.0 Try again later").bounce.kind == "delayed"


@pytest.mark.parametrize(
    "text, warn",
    [("421 5.7.0 Too many errors", True), ("550 4.7.1 Try later", True),
     ("550 5.7.1 Denied", False), ("451 4.7.1 Greylisted", False)],
)
def test_class_disagreeing_with_reply_code_warns(text: str, warn: bool) -> None:
    """DSN-05: the basic reply code decides."""
    analysis = _bare(text)
    found = [f for f in analysis.findings if f.id == "DSN-05"]
    assert bool(found) is warn
    if warn:
        assert found[0].severity is Severity.WARN
        expected = "delayed" if text.startswith("4") else "permanent"
        assert analysis.bounce.kind == expected


# --- DSN-15 text patterns ---------------------------------------------------------------

PATTERNS = [
    ("550 5.7.26 Authentication results: DKIM = did not pass", "DSN-15", "DKIM = did not pass"),
    ("550 5.7.1 DKIM signature required but none present", "DKIM-SIG-01",
     "DKIM signature required"),
    ("550 5.7.26 SPF [relay.example.com] with ip: [192.0.2.1] = did not pass", "SPF-13",
     "did not pass"),
    ("550 5.7.1 192.0.2.2 is not allowed to send from <example.net> per it's SPF Record",
     "SPF-13", "per it's SPF Record"),
    ("550 5.7.509 Access denied, sending domain [EXAMPLE.COM] does not pass DMARC verification",
     "DMARC-16", "does not pass DMARC"),
    ("550 5.7.26 Unauthenticated email from example.com is not accepted due to domain's DMARC "
     "policy", "DMARC-16", "DMARC policy"),
    ("550 DMARC check failed.", "DMARC-16", "DMARC check failed"),
    ("451 4.7.26 Unauthenticated email from example.com is not accepted due to domain's DMARC "
     "policy, but temporary DNS failures prevent authentication", "DMARC-17",
     "temporary DNS failures prevent authentication"),
    ("550 5.7.26 This mail has been blocked because the sender is unauthenticated. Gmail "
     "requires all senders to authenticate with either SPF or DKIM.", "PROV-02",
     "sender is unauthenticated"),
    ("550 5.7.9 This mail has been blocked because the sender is unauthenticated. Yahoo "
     "requires all senders to authenticate with either SPF or DKIM.", "PROV-03",
     "Yahoo requires all senders to authenticate"),
    ("550 5.7.515 Access denied, sending domain example.com does not meet the required "
     "authentication level.", "PROV-04", "required authentication level"),
    ("421 4.7.32 Your email has been rate limited because the From: header (RFC5322) in this "
     "message isn't aligned with either the authenticated SPF or DKIM organizational domain.",
     "DMARC-06", "isn't aligned"),
    ("550 5.7.25 The IP address sending this message does not have a PTR record setup",
     "DNS-13", "PTR"),
    ("450 4.7.1 Access denied. IP name lookup failed [192.0.2.1]", "DNS-13",
     "IP name lookup failed"),
    ("550 5.7.1 Service unavailable; Client host [192.0.2.1] blocked using zen.spamhaus.org",
     "DSN-15", "blocked using"),
    ("554 5.7.1 <a@example.org>: Relay access denied", "DSN-15", "Relay access denied"),
    ("421 4.7.28 Gmail has detected an unusual rate of unsolicited mail", "DSN-17", "unusual rate"),
    ("421 4.7.0 [TSS04] Messages from 192.0.2.1 temporarily deferred due to unexpected volume",
     "DSN-17", "TSS04"),
    ("530 5.7.0 Must issue a STARTTLS command first.", "PROV-07", "Must issue a STARTTLS"),
    ("550 5.7.1 This message is not RFC 5322 compliant. There are multiple Subject headers.",
     "PROV-07", "not RFC 5322 compliant"),
    ("554 Transaction failed: Duplicate header 'DKIM-Signature'.", "PROV-07", "Duplicate header"),
    ("550 5.7.1 RESOLVER.RST.AuthRequired; authentication required", "CAUSE-20",
     "RESOLVER.RST.AuthRequired"),
    ("550 Unauthenticated senders not allowed", "CAUSE-20", "Unauthenticated senders not allowed"),
    ("550 5.7.29 ARC validation failure", "ARC-07", "ARC validation failure"),
    ("550 5.7.1 can't determine Purported Responsible Address", "SPF-13",
     "Purported Responsible Address"),
]


@pytest.mark.parametrize("text, finding_id, quoted", PATTERNS, ids=[p[1] + ":" + p[2] for p in PATTERNS])
def test_receiver_words_become_findings_with_evidence(text: str, finding_id: str, quoted: str) -> None:
    analysis = _bare(text)
    matches = [f for f in analysis.findings if f.id == finding_id]
    assert matches, f"{finding_id} not in {[f.id for f in analysis.findings]}"
    assert any(quoted in ev for f in matches for ev in f.evidence)


def test_provider_requirements_only_for_that_provider() -> None:
    """Yahoo's "sender is unauthenticated" is PROV-03, not Gmail's PROV-02."""
    ids = {f.id for f in _bare("550 5.7.9 This mail has been blocked because the sender is "
                               "unauthenticated. Yahoo requires all senders to authenticate "
                               "with either SPF or DKIM.").findings}
    assert "PROV-03" in ids and "PROV-02" not in ids


def test_temporary_dmarc_failure_is_not_reported_as_enforcement() -> None:
    analysis = _bare("451 4.7.26 Unauthenticated email from example.com is not accepted due to "
                     "domain's DMARC policy, but temporary DNS failures prevent authentication")
    ids = {f.id for f in analysis.findings}
    assert "DMARC-17" in ids and "DMARC-16" not in ids
    assert analysis.bounce.kind == "delayed"


def test_findings_carry_the_lookup_for_the_named_domain() -> None:
    """The domain the receiver named becomes a dig command (argv, name checked)."""
    analysis = _bare("550 5.7.26 Unauthenticated email from example.com is not accepted due to "
                     "domain's DMARC policy")
    (finding,) = [f for f in analysis.findings if f.id == "DMARC-16"]
    assert [f.argv for f in finding.fixes] == [("dig", "+short", "TXT", "_dmarc.example.com")]
    hostile = _bare("550 5.7.26 Unauthenticated email from ex;rm$(x).com is not accepted due to "
                    "domain's DMARC policy")
    assert not [f for f in hostile.findings if f.fixes]


@pytest.mark.parametrize(
    "text, finding_id, argv",
    [
        ("550 5.7.1 Client host rejected: cannot find your reverse DNS (PTR) for 192.0.2.7",
         "DNS-13", ("dig", "+short", "-x", "192.0.2.7")),
        ("550 5.7.1 Client host rejected: cannot find your reverse DNS (PTR)", "DNS-13", None),
        ("550 5.7.23 SPF check failed: the domain of bounce.example.org does not designate "
         "192.0.2.1 as permitted sender", "SPF-13", ("dig", "+short", "TXT", "bounce.example.org")),
    ],
)
def test_ptr_and_spf_findings_carry_the_lookup_the_receiver_named(
        text: str, finding_id: str, argv: tuple[str, ...] | None) -> None:
    (finding,) = [f for f in _bare(text).findings if f.id == finding_id]
    assert [f.argv for f in finding.fixes] == ([argv] if argv else [])


def test_microsoft_5_7_515_names_the_failing_mechanism() -> None:
    """PROV-04: SPF failing while DKIM and DMARC pass → the fix is SPF, not DMARC."""
    analysis = _bare("550 5.7.515 Access denied, sending domain example.com does not meet the "
                     "required authentication level. Spf=Fail, Dkim=Pass, DMARC=Pass")
    (finding,) = [f for f in analysis.findings if f.id == "PROV-04"]
    assert "SPF=fail" in finding.detail and "fix SPF for the MAIL FROM" in finding.detail
    assert "DMARC passing is not enough" in finding.detail


def test_smtp_auth_text_gets_no_auth_record_findings() -> None:
    analysis = _bare("550 5.7.1 RESOLVER.RST.AuthRequired; authentication required")
    ids = {f.id for f in analysis.findings}
    assert "CAUSE-20" in ids and not ids & {"SPF-13", "DKIM-SIG-01", "DMARC-16", "DSN-15"}


# --- DSN-07 through analyze_bounce ----------------------------------------------------------

@pytest.mark.parametrize(
    "text, topic",
    [
        ("421-4.7.30 Your email has been rate limited because DKIM authentication didn't\n"
         "421 4.7.30 pass for this message. - gsmtp", "dkim"),
        ("550 5.7.30 REQUIRETLS support required", "requiretls"),
        ("421-4.7.29 Your email has been rate limited because this message wasn't sent over\n"
         "421 4.7.29 a TLS connection. - gsmtp", "tls"),
        ("550 5.7.29 ARC validation failure", "arc"),
    ],
)
def test_gmail_codes_decided_by_provider_and_text(text: str, topic: str) -> None:
    bounce = _bare(text).bounce
    assert bounce.explanation.topic == topic
    if "gsmtp" in text:
        assert bounce.provider == "Gmail"


# --- DSN-08 stages ----------------------------------------------------------------------------

@pytest.mark.parametrize(
    "fragment, stage",
    [
        ("said: 550 5.7.1 Denied (in reply to end of DATA command)", "data"),
        ("said: 550 5.7.1 Denied (in reply to end of\n    DATA command)", "data"),
        ("said: 550 5.1.1 Unknown (in reply to RCPT TO command)", "rcpt_to"),
        ("said: 550 5.7.1 Denied (in reply to MAIL FROM command)", "mail_from"),
        ("SMTP error from remote mail server after MAIL FROM:<a@example.org>: 550 Bad SPF", "mail_from"),
        ("SMTP error from remote mail server after initial connection: 571 No PTR", "connect"),
        ("SMTP error from remote mail server after RCPT TO:<a@example.org>: 550 Unknown", "rcpt_to"),
        ("SMTP error from remote mail server after end of data: 550 Rejected", "data"),
        ("mx.example.org [192.0.2.1] did not like our final DATA: 550 5.7.26 x", "data"),
        ("mx.example.org [192.0.2.1] did not like our RCPT TO: 550 5.7.25 x", "rcpt_to"),
        ("host mx.example.org[192.0.2.1] refused to talk to me: 554 5.7.1 Blocked", "connect"),
        (">>> DATA\n<<< 550 5.7.1 Denied", "data"),
        ("... while talking to mx.example.org.:\n>>> MAIL From:<a@example.com>\n<<< 250 ok\n"
         ">>> RCPT To:<b@example.org>\n<<< 250 ok\n>>> DATA\n<<< 554 5.7.1 Denied", "data"),
        ("... while talking to mx.example.org.:\n>>> MAIL From:<a@example.com>\n<<< 250 ok\n"
         ">>> RCPT To:<b@example.org>\n<<< 550 5.1.1 Unknown", "rcpt_to"),
        ("192.0.2.1 failed after I sent the message. Remote host said: 550 5.7.26 x", "data"),
    ],
)
def test_stage(fragment: str, stage: str) -> None:
    bounce = _bare(fragment).bounce
    assert bounce.stage == stage
    assert any(f.id == "DSN-08" for f in _bare(fragment).findings)


# --- DSNs built with stdlib email ----------------------------------------------------------

ORIGINAL = (
    b"Return-Path: <alice@example.com>\r\n"
    b"DKIM-Signature: v=1; a=rsa-sha256; d=example.com; s=sel; h=from:to:subject;\r\n"
    b"\tbh=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=; b=AAAA\r\n"
    b"From: Alice <alice@example.com>\r\n"
    b"To: bob@example.net\r\n"
    b"Subject: hello\r\n"
    b"\r\n"
    b"Hi Bob\r\n"
)


def _dsn(recipient_blocks: list[str], returned: bytes | None = ORIGINAL,
         returned_type: str = "message/rfc822", human: str = "Delivery failed.") -> bytes:
    boundary = "BOUNDARY-42"
    parts = [
        f"--{boundary}\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n{human}\r\n",
        f"--{boundary}\r\nContent-Type: message/delivery-status\r\n\r\n"
        "Reporting-MTA: dns; mx.example.com\r\nArrival-Date: Thu, 29 Apr 2021 23:34:45 +0000\r\n"
        "\r\n" + "\r\n".join(recipient_blocks) + "\r\n",
    ]
    head = (
        "From: MAILER-DAEMON@mx.example.com\r\nTo: alice@example.com\r\n"
        "Subject: Undelivered Mail Returned to Sender\r\nDate: Thu, 29 Apr 2021 23:34:45 +0000\r\n"
        f"MIME-Version: 1.0\r\nContent-Type: multipart/report; report-type=delivery-status;\r\n"
        f"\tboundary=\"{boundary}\"\r\n\r\n"
    )
    raw = (head + "".join(parts)).encode()
    if returned is not None:
        raw += f"--{boundary}\r\nContent-Type: {returned_type}\r\n\r\n".encode() + returned
    return raw + f"\r\n--{boundary}--\r\n".encode()


def _rcpt(addr: str, action: str, status: str, diag: str | None = None, extra: str = "") -> str:
    lines = [f"Final-Recipient: rfc822; {addr}", f"Action: {action}", f"Status: {status}"]
    if diag:
        lines.append(f"Diagnostic-Code: smtp; {diag}")
    if extra:
        lines.append(extra)
    return "\r\n".join(lines) + "\r\n"


def test_dsn_per_recipient_blocks_and_returned_bytes() -> None:
    raw = _dsn([
        _rcpt("bob@example.net", "failed", "5.0.0",
              "550-5.7.26 Unauthenticated email from example.com is not\r\n"
              " 550-5.7.26 accepted due to domain's DMARC policy.\r\n 550 5.7.26 gsmtp",
              "Remote-MTA: dns; gmail-smtp-in.l.google.com"),
        _rcpt("carol@example.org", "failed", "5.1.1", "550 5.1.1 <carol@example.org>: User unknown"),
    ])
    analysis = analyze_bounce(raw)
    bounce = analysis.bounce
    assert bounce.recipients == ("bob@example.net", "carol@example.org")
    assert [r.status for r in bounce.per_recipient] == ["5.7.26", "5.1.1"]
    assert (bounce.status, bounce.dsn_status, bounce.enhanced_from) == ("5.7.26", "5.0.0", "reply")
    assert bounce.reporting_mta == "mx.example.com"
    assert bounce.remote_mta == "gmail-smtp-in.l.google.com"
    assert bounce.provider == "Gmail"
    assert bounce.arrival_date == "Thu, 29 Apr 2021 23:34:45 +0000"
    assert bounce.reply_text.startswith("Unauthenticated email from example.com is not accepted")
    assert "550-" not in bounce.reply_text
    assert bounce.layout == "RFC 3464 DSN"
    # The returned original is the exact bytes (CRLF, folding and all) — DKIM needs them.
    assert analysis.returned_message == ORIGINAL
    assert analysis.returned_headers_only is False
    ids = {f.id for f in analysis.findings}
    assert {"DSN-01", "DSN-03", "DMARC-16", "DSN-12"} <= ids


def test_dsn_without_diagnostic_code_uses_each_recipients_text() -> None:
    human = ("<bob@example.net>: host mx.example.net[192.0.2.1] said: 550 5.1.1 unknown user\r\n"
             "    (in reply to RCPT TO command)\r\n\r\n"
             "<carol@example.org>: host mx.example.org[192.0.2.2] said: 552 5.2.2 mailbox full\r\n"
             "    (in reply to RCPT TO command)")
    raw = _dsn([_rcpt("bob@example.net", "failed", "5.0.0"),
                _rcpt("carol@example.org", "failed", "5.0.0")], human=human)
    bounce = analyze_bounce(raw).bounce
    assert [(r.recipient, r.status, r.reply_code) for r in bounce.per_recipient] == [
        ("bob@example.net", "5.1.1", 550), ("carol@example.org", "5.2.2", 552)]


def test_multipart_original_is_returned_whole() -> None:
    """The original's own MIME boundaries must not cut it short."""
    original = (
        b"From: alice@example.com\r\nTo: bob@example.net\r\nSubject: hi\r\nMIME-Version: 1.0\r\n"
        b"Content-Type: multipart/alternative; boundary=\"inner\"\r\n\r\n"
        b"--inner\r\nContent-Type: text/plain\r\n\r\nplain\r\n"
        b"--inner\r\nContent-Type: text/html\r\n\r\n<p>html</p>\r\n--inner--\r\n"
    )
    analysis = analyze_bounce(_dsn([_rcpt("bob@example.net", "failed", "5.1.1")], returned=original))
    assert analysis.returned_message == original


@pytest.mark.parametrize(
    "status, diag, expected",
    [
        ("5.0.0", "550 5.7.26 Unauthenticated", "5.7.26"),  # generic Status (DSN-03)
        ("5.7.1", "550 5.7.26 Unauthenticated", "5.7.26"),  # the remote's own words win
        ("4.4.7", "554 4.4.7 Message expired <421 4.4.2 Connection timed out>", "4.4.2"),
        ("5.1.1", "550 Unknown user", "5.1.1"),  # no code in the reply: Status
        ("5.0.0", "550 Unknown user", "5.0.0"),
    ],
)
def test_most_specific_code_wins(status: str, diag: str, expected: str) -> None:
    analysis = analyze_bounce(_dsn([_rcpt("bob@example.net", "failed", status, diag)]))
    assert analysis.bounce.status == expected
    assert analysis.bounce.dsn_status == status
    assert ("DSN-03" in {f.id for f in analysis.findings}) is (status != expected)


def test_rfc822_headers_part_is_headers_only() -> None:
    headers = ORIGINAL.split(b"\r\n\r\n")[0] + b"\r\n"
    analysis = analyze_bounce(_dsn([_rcpt("bob@example.net", "failed", "5.7.1", "550 5.7.1 no")],
                                   returned=headers, returned_type="text/rfc822-headers"))
    assert analysis.returned_message == headers
    assert analysis.returned_headers_only is True


@pytest.mark.parametrize(
    "action, status, extra, kind",
    [
        ("delayed", "4.4.1", "Will-Retry-Until: Fri, 30 Apr 2021 23:34:45 +0000", "delayed"),
        ("failed", "4.4.7", "", "gave_up"),
        ("failed", "5.1.1", "", "permanent"),
        ("delivered", "2.0.0", "", "success"),
        ("relayed", "2.0.0", "", "success"),
    ],
)
def test_dsn_classification(action: str, status: str, extra: str, kind: str) -> None:
    """DSN-01."""
    bounce = analyze_bounce(_dsn([_rcpt("bob@example.net", action, status, extra=extra)])).bounce
    assert bounce.kind == kind
    assert bounce.action == action


def test_original_recipient_differs_means_forwarding() -> None:
    """DSN-11."""
    block = _rcpt("bob@example.net", "failed", "5.7.1", "550 5.7.1 SPF fail",
                  extra="Original-Recipient: rfc822; robert@example.org")
    analysis = analyze_bounce(_dsn([block]))
    assert analysis.bounce.per_recipient[0].original_recipient == "robert@example.org"
    assert "DSN-11" in {f.id for f in analysis.findings}


def test_ordinary_message_and_headers_are_not_bounces() -> None:
    assert analyze_bounce(ORIGINAL) is None
    assert analyze_bounce(ORIGINAL.split(b"\r\n\r\n")[0] + b"\r\n") is None
    assert analyze_bounce(b"") is None
    assert analyze_bounce(b"example.com") is None


def test_auto_reply_is_not_a_bounce() -> None:
    msg = email.message.EmailMessage()
    msg["From"] = "bob@example.net"
    msg["To"] = "alice@example.com"
    msg["Subject"] = "Out of office"
    msg["Auto-Submitted"] = "auto-replied"
    msg["Date"] = email.utils.formatdate()
    msg.set_content("I am away until Monday.")
    analysis = analyze_bounce(msg.as_bytes())
    assert analysis.bounce.kind == "not_a_bounce"
    assert [f.id for f in analysis.findings] == ["EVID-01"]


def test_plain_text_ndr_with_two_recipients_gets_each_reply() -> None:
    raw = (
        b"From: MAILER-DAEMON@mx.example.com\nTo: alice@example.com\nSubject: failure notice\n\n"
        b"Hi. This is the qmail-send program at mx.example.com.\n"
        b"I'm afraid I wasn't able to deliver your message to the following addresses.\n\n"
        b"<bob@example.net>:\n192.0.2.1 does not like recipient.\n"
        b"Remote host said: 550 5.1.1 <bob@example.net>: User unknown\n\n"
        b"<carol@example.org>:\n192.0.2.2 failed after I sent the message.\n"
        b"Remote host said: 550 5.7.26 Unauthenticated email is not accepted due to DMARC policy\n\n"
        b"--- Below this line is a copy of the message.\n\n" + ORIGINAL.replace(b"\r\n", b"\n")
    )
    analysis = analyze_bounce(raw)
    bounce = analysis.bounce
    assert bounce.layout == "qmail"
    assert bounce.recipients == ("bob@example.net", "carol@example.org")
    assert [r.status for r in bounce.per_recipient] == ["5.1.1", "5.7.26"]
    assert analysis.returned_message == ORIGINAL.replace(b"\r\n", b"\n")


# --- Hostile input ------------------------------------------------------------------------


def test_ten_megabytes_of_junk_is_capped_and_said_so() -> None:
    junk = (b"From: MAILER-DAEMON@x\nSubject: Undelivered\n\n" + b"550-5.7.26 \x1b[31mjunk " * 800_000)
    assert len(junk) > 10_000_000
    analysis = analyze_bounce(junk)
    assert analysis is not None
    assert {c.limit for c in analysis.caps} == {MAX_INPUT, MAX_SCAN}
    assert any("only part" in f.title for f in analysis.findings)


@pytest.mark.parametrize(
    "junk",
    [bytes(range(256)) * 40_000, b"\n" * 10_000_000, b"550 " * 3_000_000,
     b" ".join(b"%d x" % (550 + i % 3) for i in range(500_000)), b"550-" * 500_000,
     b"a-" * 1_000_000, b"\n    550-5.7.1 x" * 100_000],
    ids=["binary", "newlines", "codes", "alternating-codes", "markers", "hyphenated",
         "indented-replies"],
)
def test_hostile_input_never_raises(junk: bytes) -> None:
    """Shapes that make careless patterns rescan the text from every position; each is
    also tried behind a bounce's headers, where the notification-text patterns run."""
    analyze_bounce(junk)
    analyze_bounce(b"From: MAILER-DAEMON@example.org\nSubject: Undelivered\n\n550 5.1.1 x\n" + junk)
    parse_smtp_reply(junk.decode("latin-1"))


@pytest.mark.parametrize(
    "needle, insert",
    [(b"Content-Type: message/rfc822", b"\nContent-Transfer-Encoding: \xe9\xff"),
     (b"charset=us-ascii", b"\x00"), (b"Status: ", b"=?unknown?b?AAAA?="),
     (b"boundary=\"", b"\xff")],
)
def test_damaged_headers_never_raise(needle: bytes, insert: bytes) -> None:
    raw = _dsn([_rcpt("bob@example.net", "failed", "5.1.1", "550 5.1.1 unknown")])
    assert needle in raw
    analysis = analyze_bounce(raw.replace(needle, needle + insert, 1))
    assert analysis is not None and analysis.bounce.recipients == ("bob@example.net",)


CORPUS = Path(__file__).parents[4] / "shared/data/bounces"
SEEDS = sorted(CORPUS.glob("*.eml"))[:12] if CORPUS.is_dir() else []
_SEED_BYTES = [p.read_bytes() for p in SEEDS] or [ORIGINAL, _dsn([_rcpt("b@example.net", "failed", "5.1.1")])]


@st.composite
def _mutated_bounce(draw) -> bytes:
    raw = bytearray(draw(st.sampled_from(_SEED_BYTES)))
    for _ in range(draw(st.integers(0, 8))):
        op = draw(st.sampled_from(["flip", "cut", "insert", "dup"]))
        pos = draw(st.integers(0, max(0, len(raw) - 1)))
        if op == "flip" and raw:
            raw[pos] = draw(st.integers(0, 255))
        elif op == "cut":
            del raw[pos : pos + draw(st.integers(1, 400))]
        elif op == "insert":
            raw[pos:pos] = draw(st.sampled_from([
                b"\n550-5.7.26 ", b"--", b"\r\n\r\n", b"Content-Type: multipart/report; boundary=x\n",
                b"Status: 9.99.9999\n", b"Final-Recipient: rfc822;\n", b"\x00\xff", b"=?utf-8?b?zz?=",
                b"Content-Transfer-Encoding: base64\n", b"(in reply to end of DATA command)",
                b"charset=\x00", b"Content-Transfer-Encoding: \xe9\xff\n", b"(reason: 550 ((",
            ]))
        elif op == "dup":
            raw[pos:pos] = raw[pos : pos + 200]
    return bytes(raw)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_mutated_bounce())
def test_mutated_bounces_never_raise(raw: bytes) -> None:
    analysis = analyze_bounce(raw)
    if analysis is not None:
        assert analysis.bounce.kind in {"permanent", "gave_up", "delayed", "success", "not_a_bounce"}


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(list("5540- .\n\r-:;<>()#'\"abcXYZ@") + ["550-5.7.26 ", "421 4.7.0 "]),
                max_size=200).map("".join))
def test_random_reply_text_never_raises(text: str) -> None:
    parse_smtp_reply(text)
    analyze_bounce(text.encode())


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=2000))
def test_random_bytes_never_raise(raw: bytes) -> None:
    analyze_bounce(raw)
