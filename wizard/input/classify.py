"""What did the user give us? (diagnoses.md §0, EVID-01, EVID-06; how faithful the copy is,
EVID-02…04, is wizard.input.fidelity)

Classification comes before every other check because it decides which checks can be
trusted: a body-hash verdict on a re-wrapped paste would blame an innocent sender.
"""
from __future__ import annotations

import re
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime

from msgspec import Struct

from wizard.aggregate.archive import looks_like_report
from wizard.common.dnsname import is_valid_name
from wizard.common.safe_text import decode, sanitize
from wizard.input.fidelity import fidelity_findings
from wizard.input.message import Message, parse_message
from wizard.model.findings import Cap, Finding, Severity
from wizard.tls.report import looks_like_tls_report

# Inputs larger than this are analysed from their headers only: nothing a support engineer
# pastes is that big, and holding several copies of a larger body would exhaust memory.
MAX_INPUT_BYTES = 64 * 1024 * 1024

KIND_LABELS = {
    "smtp_reply": "a bare SMTP reply",
    "dsn": "a delivery status notification (RFC 3464 DSN)",
    "bounce": "a bounce message without a DSN part",
    "report": "a feedback / authentication-failure report (ARF)",
    "auto_reply": "an auto-reply (not a bounce)",
    "headers": "message headers only",
    "message": "a full message",
    "dkim_signature": "a bare DKIM-Signature value",
    "auth_results": "a bare Authentication-Results value",
    "domain": "a domain name",
    "dmarc_aggregate": "a DMARC aggregate report",
    "tls_report": "a TLS report (RFC 8460 TLS-RPT)",
}

_REPLY_LINE = re.compile(r"^\s*[245]\d\d[ -]")
# The authserv-id version must follow a space: `[\w.-]+\s*\d+` could split a run of digits
# between the two at every point and took 27 s on a 40,000-digit first line.
_AR_VALUE = re.compile(r"^\s*(?:[\w.-]+(?:\s+\d+)?\s*;\s*)?(?:spf|dkim|dmarc|arc|iprev|auth|compauth)\s*=", re.I)
_TAGLIST = re.compile(r"^\s*v\s*=\s*1\s*;.*\bd\s*=", re.I | re.S)


class UnreadableInput(ValueError):
    """The input cannot be analysed at all; the message says why in plain words."""


class Evidence(Struct, frozen=True):
    kind: str  # a key of KIND_LABELS (refined to dsn/bounce/report by the bounce parser)
    raw: bytes
    text: str  # decoded, for pattern matching and display
    message: Message | None  # parsed header block (+ body) when the input has one
    findings: tuple[Finding, ...]
    caps: tuple[Cap, ...] = ()

    @property
    def label(self) -> str:
        return KIND_LABELS.get(self.kind, self.kind)


# Every byte except the C0 controls that do not occur in text (all but TAB, LF, VT, FF, CR).
_NOT_CONTROL = bytes(b for b in range(256) if not (b < 9 or 13 < b < 32))


def _is_binary(raw: bytes) -> bool:
    sample = raw[:65536]
    if b"\x00" in sample:
        return True
    # Deleting every other byte leaves the controls; counting them in C, not byte by byte.
    controls = len(sample.translate(None, _NOT_CONTROL))
    return controls > len(sample) // 20


def classify(raw: bytes) -> Evidence:
    """Decide what kind of evidence `raw` is. Raises UnreadableInput for empty/binary input."""
    caps: list[Cap] = []
    if not raw or raw.isspace():  # = not raw.strip(), without copying a big input
        raise UnreadableInput("the input is empty: paste headers, a bounce or a whole message")
    # Before the aggregate test, which takes any mail with a .gz part for its own, and before
    # the binary test: a TLS report is often gzip (RFC 8460 §5.3).
    if looks_like_tls_report(raw):
        return Evidence("tls_report", raw, "", None, (_kind_finding("tls_report"),))
    # Before the binary test: a report is often a zip or gzip file (RUA-01).
    if looks_like_report(raw):
        return Evidence("dmarc_aggregate", raw, "", None, (_kind_finding("dmarc_aggregate"),))
    if _is_binary(raw):
        raise UnreadableInput(
            "the input looks like binary data, not a mail message or bounce text "
            "(save the message as .eml text and try again)"
        )
    if len(raw) > MAX_INPUT_BYTES:
        caps.append(Cap("input bytes analysed", MAX_INPUT_BYTES, len(raw)))
        head_end = raw.find(b"\n\n", 0, MAX_INPUT_BYTES)
        if head_end < 0:
            head_end = raw.find(b"\r\n\r\n", 0, MAX_INPUT_BYTES)
        raw = raw[: head_end + 1] if head_end > 0 else raw[:MAX_INPUT_BYTES]
    text = decode(raw[:1_000_000]) if len(raw) > 1_000_000 else decode(raw)
    stripped = text.strip()
    first_line = stripped.splitlines()[0] if stripped else ""

    def done(kind: str, message: Message | None = None) -> Evidence:
        findings = [_kind_finding(kind)]
        if message is not None and kind in ("message", "headers", "dkim_signature"):
            findings += fidelity_findings(message, kind, too_large=caps[0].seen if caps else None,
                                          limit=MAX_INPUT_BYTES)
        return Evidence(kind, raw, text, message, tuple(findings), tuple(caps))

    if "\n" not in stripped and " " not in stripped and "." in stripped and is_valid_name(stripped):
        return done("domain")
    if re.match(r"(?i)dkim-signature\s*:", stripped) and not _has_other_headers(stripped):
        return done("dkim_signature", parse_message(raw.strip() + b"\r\n"))
    if _TAGLIST.match(stripped) and ":" not in first_line.split("=")[0]:
        wrapped = b"DKIM-Signature: " + raw.strip() + b"\r\n"
        return done("dkim_signature", parse_message(wrapped))
    if re.match(r"(?i)authentication-results\s*:", stripped) and not _has_other_headers(stripped):
        return done("auth_results", parse_message(raw.strip() + b"\r\n"))
    if _AR_VALUE.match(first_line):
        return done("auth_results", parse_message(b"Authentication-Results: " + raw.strip() + b"\r\n"))
    if _REPLY_LINE.match(first_line):
        return done("smtp_reply")
    message = parse_message(raw)
    if not message.headers:
        # Free text with no header block: treat as a bounce/reply transcript.
        return done("smtp_reply")
    # = body.strip() != b"", without copying a big body
    has_body = message.body is not None and message.body != b"" and not message.body.isspace()
    return done("message" if has_body else "headers", message)


def _has_other_headers(text: str) -> bool:
    """True when a pasted 'DKIM-Signature:' is followed by further header fields."""
    lines = text.splitlines()[1:]
    return any(re.match(r"[\x21-\x39\x3b-\x7e]+:", line) for line in lines)


def _kind_finding(kind: str) -> Finding:
    return Finding(
        "EVID-01", Severity.INFO, f"Input looks like {KIND_LABELS.get(kind, kind)}",
        "What mailtriage can check depends on what it was given: a full message allows every "
        "check, headers allow the header signature and DNS checks, a bounce tells what the "
        "receiver said.",
    )


# EVID-01 is what the input is and how much of it was read. Every stage that finds out something
# about that (a domain that is not one, an ARF report, an auto-reply, a capped input) says it
# with these, so the kind-of-input finding has one set of words.
def not_a_domain(exc: Exception, value: str) -> Finding:
    """The domain the check is about is not a DNS name, so nothing was looked up."""
    return Finding("EVID-01", Severity.ERROR, "Not a domain name", f"{exc}; nothing was looked up.",
                   evidence=(sanitize(value, one_line=True),))


def domain_left_out(what: str, exc: Exception, value: str) -> Finding:
    """One of several domains (a DKIM d=, the SPF domain) is not a DNS name and was skipped."""
    return Finding("EVID-01", Severity.WARN, f"{what} is not a domain name",
                   f"{exc}; it cannot align with From and was left out.",
                   evidence=(sanitize(value, one_line=True),))


def partly_examined(cap: Cap) -> Finding:
    return Finding("EVID-01", Severity.WARN, "Input too large: only part of it was examined",
                   f"Looked at {cap.limit} {cap.what} of {cap.seen}.")


def feedback_report(evidence: tuple[str, ...], *, auth_failure: bool) -> Finding:
    """An ARF report (RFC 5965), not a bounce; `auth_failure` for RFC 6591's kind."""
    return Finding(
        "EVID-01", Severity.INFO,
        "ARF auth-failure report, not a bounce" if auth_failure else "ARF feedback report, not a bounce",
        ("A receiver reports that a message claiming your domain failed authentication "
         "(RFC 6591); the returned headers can be checked for SPF/DKIM/DMARC."
         if auth_failure else
         "A feedback report (RFC 5965) such as a spam complaint; no delivery failed."),
        evidence,
    )


def auto_reply(evidence: tuple[str, ...]) -> Finding:
    return Finding("EVID-01", Severity.INFO, "Automatic reply, not a bounce",
                   "The message is an auto-reply (RFC 3834, e.g. a vacation notice); nothing failed.",
                   evidence)


def message_age_finding(message: Message, now: datetime) -> Finding | None:
    """EVID-06: DNS answers are from now; the message may be from long ago."""
    date = message.value("Date")
    if not date:
        return None
    try:
        sent = parsedate_to_datetime(date)
    except (TypeError, ValueError, IndexError):
        return None
    if sent.tzinfo is None or now - sent < timedelta(days=7):
        return None
    days = (now - sent).days
    return Finding(
        "EVID-06", Severity.INFO, f"The message is {days} days old; DNS answers are from now",
        "Keys, SPF and DMARC records may have changed since the message was sent. A key "
        "missing now may have existed when it was signed.",
        evidence=(f"Date: {date}",),
    )
