"""SMTP replies found in free text: one or many lines, markers re-wrapped mid-line (DSN-04),
and numbers that only look like reply codes."""
from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wizard.receiver.reply import parse_smtp_reply, strip_markers


@pytest.mark.parametrize(
    "text, code, enhanced, joined",
    [
        ("550 5.7.26 Unauthenticated email from example.com is not accepted",
         550, "5.7.26", "Unauthenticated email from example.com is not accepted"),
        ("550-5.7.26 This mail has been blocked because the sender is\r\n"
         "550-5.7.26 unauthenticated. Gmail requires all senders to\r\n"
         "550 5.7.26 authenticate with either SPF or DKIM.",
         550, "5.7.26",
         "This mail has been blocked because the sender is unauthenticated. Gmail requires "
         "all senders to authenticate with either SPF or DKIM."),
        ("421 4.7.0 [TSS04] Messages from 192.0.2.1 temporarily deferred",
         421, "4.7.0", "[TSS04] Messages from 192.0.2.1 temporarily deferred"),
        ("550 Bad SPF records for [example.org:192.0.2.2]", 550, None,
         "Bad SPF records for [example.org:192.0.2.2]"),
        ("550-Line one\n550 line two", 550, None, "Line one line two"),
        # Postfix re-wraps the remote reply; the markers end up mid-line (DSN-04).
        ("host mx.google.com[192.0.2.1] said: 550-5.7.26 This mail has been blocked 550-5.7.26 "
         "because the sender is unauthenticated. 550 5.7.26 See help (in reply to end of DATA "
         "command)", 550, "5.7.26",
         "This mail has been blocked because the sender is unauthenticated. See help"),
        ("The error that the other server returned was: 554 554 5.7.1 Service unavailable",
         554, "5.7.1", "Service unavailable"),
        ("Remote host said: 550 Unknown user kijitora@example.net", 550, None,
         "Unknown user kijitora@example.net"),
    ],
)
def test_parse_smtp_reply(text: str, code: int, enhanced: str | None, joined: str) -> None:
    reply = parse_smtp_reply(text)
    assert reply is not None
    assert (reply.code, reply.enhanced, reply.text) == (code, enhanced, joined)
    assert reply.raw_lines


@pytest.mark.parametrize(
    "text",
    ["", "hello world", "Content-Length: 222", "Exim 4.92.3 is running",
     "Received: from 192.0.2.250 by mx; Thu, 29 Apr 2010 10:54:01 -0700", "version 2.4.1"],
)
def test_no_reply_in_ordinary_text(text: str) -> None:
    assert parse_smtp_reply(text) is None


def test_markers_are_removed_wherever_they_sit() -> None:
    assert strip_markers("550-5.7.26 This mail has been 550-5.7.26 blocked") == \
        "This mail has been blocked"


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="5540- .\n\r-:;<>()#'\"abc@", max_size=300))
def test_random_reply_text_never_raises(text: str) -> None:
    reply = parse_smtp_reply(text)
    assert reply is None or reply.code // 100 in (2, 4, 5)
