"""What a message's header block alone says about being a bounce, report or auto-reply.

wizard.receiver.bounce reads the whole MIME tree and the notification text. On an ordinary message
that work finds nothing, yet it was a large share of a `check` on a big message, and
importing wizard.receiver.bounce (its pattern tables, the status-code registry) a noticeable share
of a small one. `plainly_not_a_bounce` looks at the header block only and says True only
when `wizard.receiver.bounce.analyze_bounce` would return None: wizard.pipeline.analyze asks it before even
importing wizard.receiver.bounce, and analyze_bounce asks it first too. The header-level patterns
live here so that both use the very same ones.
"""
from __future__ import annotations

import email
import email.message
import re

from wizard.common.lazy_re import LazyPattern, lazy

MAX_INPUT = 2_000_000  # bytes of input handed to the MIME parser


def rx(p: str) -> LazyPattern:
    # Compiled on first use (wizard.common.lazy_re): an ordinary message never needs most of them.
    return lazy(p, re.I | re.M)


BOUNCE_SUBJECT = rx(
    r"undeliver|delivery (?:status|failure|notification|has failed)|failure notice|mail delivery"
    r"|returned mail|non[- ]?delivery|delivery failed|could not be delivered|\bbounce|NDN\b|NDR\b"
    r"|DELIVERY FAILURE|Mail System Error|Unzustellbar|Benachrichtung"
)
SES_SENDER = rx(r"@sns\.amazonaws\.com\b")
BOUNCE_SENDER = rx(r"mailer-daemon|postmaster|mail delivery|MAILER_DAEMON|Mail Administrator")
AUTO_REPLY_SUBJECT = rx(
    r"^(?:auto(?:matic)?[- ]?reply|out of (?:the )?office|away|vacation|abwesen|autoresponse|Auto:)"
)
# An input with none of these is not a message but pasted DSN fields ("Status: 5.7.1", …).
MESSAGE_HEADERS = ("From", "To", "Subject", "Date", "Received", "Message-ID", "Return-Path",
                   "MIME-Version", "Content-Type", "DKIM-Signature", "Authentication-Results",
                   "ARC-Seal", "Delivered-To", "Reply-To", "Sender")
_HEADER_BLOCK_END = lazy(rb"\n\r?\n")
_FIRST_LINE_IS_HEADER = lazy(rb"(?:From |[\x21-\x39\x3b-\x7e]+[ \t]*:)")


def header(msg: email.message.Message, name: str) -> str | None:
    """A header's value as one line of text. compat32 hands back an email.header.Header
    instead of a str when the value holds raw 8-bit bytes; str() turns either into text."""
    value = msg.get(name)
    if value is None:
        return None
    return " ".join(str(value).split())


def prepare(raw: bytes) -> bytes:
    """The bytes the bounce parser reads: at most MAX_INPUT of them, CR-only line ends as LF
    (stdlib email copes with CR, but the byte-level slicing of a returned message works on LF)."""
    raw = raw[:MAX_INPUT]
    if b"\r" in raw and b"\n" not in raw:
        raw = raw.replace(b"\r", b"\n")
    return raw


def starts_with_header(raw: bytes) -> bool:
    first = raw.lstrip(b"\r\n")[:1000].split(b"\n", 1)[0]
    return bool(_FIRST_LINE_IS_HEADER.match(first))


def plainly_not_a_bounce(raw: bytes) -> bool:
    """True only when the header block proves `analyze_bounce(raw)` is None, so the MIME parse
    and the text scan can be skipped.

    A single-part message (not multipart/*, not message/*) has no DSN, feedback or returned
    part: the MIME walk yields only the top part. Then every non-None outcome needs a header
    signal: pasted text or DSN fields (no header block, or none of MESSAGE_HEADERS),
    Auto-Submitted / X-Autoreply / an auto-reply subject, X-Failed-Recipients, or a bounce
    sender or subject (the NDR test requires one of the last three). Any of them, even a
    weak one, sends the input through the full analysis."""
    raw = prepare(raw)
    if not starts_with_header(raw):
        return False
    # The header block ends at the first empty line (stdlib's parser never reads headers past
    # it), so parsing up to there gives the same header fields as parsing everything.
    # message_from_bytes's default policy is compat32, the one wizard.receiver.bounce parses with.
    end = _HEADER_BLOCK_END.search(raw)
    head = email.message_from_bytes(raw[: end.end()] if end else raw)
    if not any(head.get(name) for name in MESSAGE_HEADERS):
        return False
    if head.get_content_maintype() in ("multipart", "message"):
        return False
    if any(head.get(name) is not None for name in ("Auto-Submitted", "X-Autoreply", "X-Failed-Recipients",
                                                   "x-amz-sns-message-id")):
        return False
    if SES_SENDER.search(header(head, "From") or ""):
        return False  # an Amazon SES notification: JSON in a plain message (DSN-18)
    subject = header(head, "Subject") or ""
    sender = (header(head, "From") or "") + " " + (header(head, "Return-Path") or "")
    return not (BOUNCE_SENDER.search(sender) or BOUNCE_SUBJECT.search(subject)
                or AUTO_REPLY_SUBJECT.search(subject))
