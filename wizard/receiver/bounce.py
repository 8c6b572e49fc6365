"""Bounces: SMTP replies, RFC 3464 DSNs and the many non-standard NDR layouts.

What goes in: a pasted SMTP reply, a DSN (multipart/report; report-type=delivery-status), an
ARF/auth-failure report, an auto-reply, or a plain-text NDR from qmail, Exim, Exchange, Gmail
and friends. What comes out: the reply, the most specific enhanced status code, who bounced,
at which SMTP stage, from which provider, what the code means there (wizard.receiver.status_codes),
and findings that quote the receiver's own words (diagnoses.md §9, §10).

MIME structure comes from stdlib `email` (compat32 policy: it never raises on damaged
headers). Only the returned message is cut from the raw bytes by hand, because re-serialising
it through `email` would refold headers and break later DKIM checks.

Hostile input: at most MAX_INPUT bytes are parsed, MAX_PARTS MIME parts walked,
MAX_RECIPIENTS recipients read and MAX_SCAN characters of text scanned by the patterns;
BounceAnalysis.caps (and an EVID-01 finding) say when a limit was hit. Patterns use bounded
repeats so no input makes them rescan the text from every position.
"""
from __future__ import annotations

import email
import email.message
import email.policy
import html
import ipaddress
import re
from collections.abc import Iterable
from msgspec import Struct

from wizard.receiver.signs import (
    AUTO_REPLY_SUBJECT as _AUTO_REPLY_SUBJECT,
    BOUNCE_SENDER as _BOUNCE_SENDER,
    BOUNCE_SUBJECT as _BOUNCE_SUBJECT,
    MAX_INPUT,
    MESSAGE_HEADERS as _MESSAGE_HEADERS,
    header as _header,
    plainly_not_a_bounce,
    prepare,
    rx as _rx,
    starts_with_header as _starts_with_header,
)
from wizard.common.dnsname import InvalidName, check_name
from wizard.common.lazy_re import lazy
from wizard.model.findings import Cap, Finding, FixCommand, Severity
from wizard.common.safe_text import decode, shorten
from wizard.receiver.status_codes import (
    CodeExplanation,
    class_agrees,
    explain_code,
    is_valid_code,
    specificity,
    split_code,
)

MAX_SCAN = 200_000  # characters of notification text the patterns look at
MAX_RECIPIENTS = 500  # per-recipient blocks of one DSN
MAX_PARTS = 200  # MIME parts looked at: a MIME bomb must not stall us
_MAX_REPLY = 4_000  # characters kept of one joined reply

# --------------------------------------------------------------------------------------
# Data


class SmtpReply(Struct, frozen=True):
    code: int  # basic reply code, 550
    enhanced: str | None  # "5.7.26" when the reply carries one (RFC 2034)
    text: str  # the message, continuation markers removed, lines joined
    raw_lines: tuple[str, ...]  # the lines as found


class RecipientStatus(Struct, frozen=True):
    """One per-recipient block of a DSN, or one failed address of a text NDR."""

    recipient: str
    original_recipient: str | None
    actual_recipient: str | None  # X-Actual-Recipient (Sendmail/Postfix after aliasing)
    kind: str  # permanent | gave_up | delayed | success
    status: str | None  # most specific enhanced code
    dsn_status: str | None  # the DSN `Status:` field as given
    enhanced_from: str | None  # reply | dsn | text
    reply_code: int | None
    reply_text: str | None
    action: str | None
    diagnostic_code: str | None
    remote_mta: str | None
    last_attempt_date: str | None
    will_retry_until: str | None


class Bounce(Struct, frozen=True):
    kind: str  # permanent | gave_up | delayed | success | not_a_bounce
    layout: str  # the NDR layout recognised (DSN-09)
    status: str | None  # most specific enhanced code (first recipient)
    dsn_status: str | None
    reply_code: int | None
    enhanced_from: str | None  # reply | dsn | text
    recipients: tuple[str, ...]
    reporting_mta: str | None
    remote_mta: str | None
    diagnostic_code: str | None
    action: str | None
    stage: str | None  # connect | helo | mail_from | rcpt_to | data
    provider: str | None  # remote provider (DSN-10)
    reply_text: str | None
    explanation: CodeExplanation | None
    arrival_date: str | None
    last_attempt_date: str | None
    per_recipient: tuple[RecipientStatus, ...]
    report_type: str | None  # "delivery-status", "feedback-report", ... or None


class BounceAnalysis(Struct, frozen=True):
    bounce: Bounce
    findings: tuple[Finding, ...]
    returned_message: bytes | None
    returned_headers_only: bool
    caps: tuple[Cap, ...] = ()


# --------------------------------------------------------------------------------------
# SMTP replies

_ENH = r"[245]\.\d{1,3}\.\d{1,3}"
# A reply code where a reply can start: not inside a number, IP, date or identifier.
_REPLY_START = lazy(
    r"(?<![\w.\-/:=+%@])(?P<code>[245]\d\d)(?:[ ](?P=code))*"
    r"(?:[ -]['\"]?(?P<enh>" + _ENH + r")(?![\d]|\.\d))?(?=[\s\-'\"]|$)"
)
# What may precede a reply with no enhanced code for us to believe it is one.
_BARE_CONTEXT = lazy(
    r"(?:^|\n|[:;#'\"<>(\[]|\.\.\.|\bsaid|\bwas|\breturned|\breply|\bresponse|\berror|\bcode)[ \t]*$",
    re.I
)
# ... and what must follow it: words ("550 Unknown user"), never "Content-Length: 222".
_BARE_FOLLOW = lazy(r"(?:-[ \t]*|[ \t]+)[A-Za-z<\[(#'\"]|-?[ \t]*$", re.M)
# An enhanced code standing alone in text ("(#5.5.0)"): only the subjects RFC 3463 defines
# (0-7), and not a version number ("Exim 4.92.3", "version 4.1.2").
_ENH_ALONE = lazy(
    r"(?<![\w.])(?<!version )(?<!Exim )(?<!v)(?P<enh>[245]\.[0-7]\.\d{1,3})(?![\d]|\.\d)", re.I
)
# Where a reply ends: Postfix's "(in reply to … command)", a blank line, the NDR's next
# section, or an unindented "Field: value" line (DSN fields pasted after a reply).
_REPLY_END = lazy(
    r"\(in reply to [^)]*\)|\n[ \t]*\n|\n[ \t]*(?:\(Other MXes|--- |Original message|Diagnostic information"
    r"|Generating server|Reporting-MTA|>>> )|\n(?-i:[A-Z][\w-]*:[ \t])",
    re.I,
)


def _continuation_marker(code: int, enh: str | None) -> re.Pattern[str]:
    enh_part = re.escape(enh) if enh else _ENH
    return re.compile(rf"(?<![\w.])(?:{code}-(?:{enh_part} ?)?|{code} {enh_part}(?: |$)|{code}$)")


def _join(code: int, enh: str | None, body: str) -> str:
    """Join a reply's lines and strip repeated `NNN-` / `NNN-X.Y.Z` markers wherever they
    sit, even split over a line break by a re-wrapping MTA (DSN-04)."""
    body = re.sub(r"(?m)^[ \t]*<<<[ \t]?", "", body)
    enh_part = re.escape(enh) if enh else _ENH
    body = re.sub(rf"(?m)^[ \t]*{code}(?:[ -](?:{enh_part}(?: |$))?|$)", " ", body)
    body = " ".join(body.split())
    return " ".join(_continuation_marker(code, enh).sub(" ", body).split())


def _replies_in(text: str) -> list[tuple[int, SmtpReply]]:
    """Every SMTP reply found in free text, with its position. A reply runs until the end of
    its paragraph or a marker such as Postfix's "(in reply to … command)"."""
    found: list[tuple[int, SmtpReply]] = []
    pos = 0
    while True:
        m = _REPLY_START.search(text, pos)
        if m is None:
            break
        code = int(m["code"])
        enh = m["enh"]
        if enh is None and not (
            code >= 400
            and _BARE_CONTEXT.search(text[max(0, m.start() - 12) : m.start()])
            and _BARE_FOLLOW.match(text, m.end())
        ):
            # Without an enhanced code a number is a reply only where replies are quoted,
            # and followed by words ("550 Unknown user"), never "Content-Length: 222".
            pos = m.end()
            continue
        if enh is not None and not class_agrees(code, enh) and code // 100 == 2:
            pos = m.end()
            continue
        limit = min(len(text), m.end() + _MAX_REPLY)
        end_m = _REPLY_END.search(text, m.end(), limit)  # bounded: no quadratic scans
        end = end_m.start() if end_m else limit
        chunk = text[m.start() : end]
        # A new reply with another code inside the chunk ends this one (Sendmail repeats:
        # "550 5.1.1 … 503 5.0.0 Need RCPT …").
        nxt = _next_other_reply(chunk, code, m.end() - m.start())
        if nxt is not None:
            chunk = chunk[:nxt]
        chunk = chunk[: _continuation_end(text, m.start(), chunk, code)]
        if _OPEN_PAREN.search(text, max(0, m.start() - 20), m.start()):
            # "(reason: 550 …)": the reply ends where the parenthesis closes.
            close = _closing_paren(chunk)
            if close is not None:
                chunk = chunk[:close]
        body = chunk[m.end() - m.start() :]
        if enh is None:
            body = body.removeprefix("-")
        raw_lines = tuple(line for line in chunk.splitlines() if line.strip())
        found.append((m.start(), SmtpReply(code, enh, _join(code, enh, body).strip(" '\""),
                                           raw_lines)))
        pos = m.start() + len(chunk) if len(chunk) > 0 else m.end()
    return found


_OPEN_PAREN = lazy(r"\((?:[\w ]{0,12}:)?[ \t]*\Z")


def _closing_paren(chunk: str) -> int | None:
    depth = 0
    for i, ch in enumerate(chunk):
        if ch == "(":
            depth += 1
        elif ch == ")":
            if depth == 0:
                return i
            depth -= 1
    return None


def _continuation_end(text: str, start: int, chunk: str, code: int) -> int:
    """Where a reply stops within `chunk`: a following line belongs to it only when it
    carries the same code as a continuation marker ("550-5.7.26 …") or is indented at least
    as deeply as the line the reply started on (Postfix and Exim indent wrapped replies);
    an unindented line after an unindented reply is the bouncing MTA's own text (qmail)."""
    line_start = text.rfind("\n", 0, start) + 1
    first_line = text[line_start:start]
    indent = len(first_line) - len(first_line.lstrip(" \t"))
    pos = chunk.find("\n")
    while pos >= 0:
        nxt = chunk.find("\n", pos + 1)
        line = chunk[pos + 1 : nxt if nxt >= 0 else len(chunk)]
        stripped = line.lstrip(" \t")
        depth = len(line) - len(stripped)
        if not stripped:
            return pos
        stripped = stripped.removeprefix("<<< ")  # Sendmail/Courier transcript lines
        if not (stripped.startswith(str(code)) or (depth > 0 and depth >= indent)):
            return pos
        pos = nxt
    return len(chunk)


def _next_other_reply(chunk: str, code: int, skip: int) -> int | None:
    for m in _REPLY_START.finditer(chunk, skip):
        if int(m["code"]) != code and (m["enh"] or _BARE_CONTEXT.search(
            chunk[max(0, m.start() - 12) : m.start()]
        )):
            return m.start()
        if int(m["code"]) == code and m["enh"] and m.start() > skip:
            # Same code again: a continuation ("550-5.7.26 …") or a repeat; keep going.
            continue
    return None


def parse_smtp_reply(text: str) -> SmtpReply | None:
    """The first SMTP reply in `text` (a bare reply, a multi-line reply, or a reply inside a
    bounce line such as "host … said: 550 5.7.26 …"). Lines of one multi-line reply are
    joined. None when no reply is found. Never raises."""
    if not isinstance(text, str):
        return None
    found = _replies_in(_lf(text[:MAX_SCAN]))
    return found[0][1] if found else None


# --------------------------------------------------------------------------------------
# Recognisers: layouts, providers, stages, text patterns


# (layout name, pattern over headers+notification text). First match wins.
_LAYOUTS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (name, _rx(p))
    for name, p in (
        ("Amazon WorkMail", r"^X-Mailer: Amazon WorkMail|awsapps\.com"),
        ("Amazon SES", r"^X-(?:SES|AWS)-Outgoing:|MAILER-DAEMON@(?:email-bounces\.)?amazonses\.com"),
        ("Google Groups", r"googlegroups\.com"),
        ("Gmail", r"Delivery to the following recipient failed|Google tried to deliver your message"
         r"|^From:.*mailer-daemon@google(?:mail)?\.com"),
        ("Exchange / Office 365", r"Diagnostic information for administrators|Delivery has failed to "
         r"these recipients|did not reach the following recipient"
         r"|following recipient\(s\) could not be reached"
         r"|did not reach some or all of the intended recipients|^X-MS-Exchange"
         r"|#\d{3} \d\.\d+\.\d+ \w+\.\w+\.\w+"),
        ("qmail", r"This is the qmail-send program|^Hi\. This is the qmail"),
        ("DragonFly", r"DragonFly Mail Agent|did not like our"),
        ("Courier", r"running the Courier mail server|Courier mail server"),
        ("Domino", r"not listed in Domino Directory|^-+ Failure Reasons|Lotus SMTP MTA"
         r"|^Subject: DELIVERY FAILURE:|Your message\s+was not delivered to:"),
        ("OpenSMTPD", r"This is the MAILER-DAEMON, please DO NOT REPLY|OpenSMTPD"),
        ("Yahoo", r"Sorry, we were unable to deliver your message to the following address"),
        ("GMX", r"^From:.*@\S*gmx\.(?:com|net|de)"),
        ("Barracuda", r"Barracuda|bulk email filter"),
        ("Oracle Messaging Server", r"This report relates to a message you sent"),
        ("MessageLabs", r"This is the mail delivery agent at messagelabs\.com"),
        ("MailMarshal", r"MailMarshal|The following recipients were affected"),
        ("IMail", r"^X-Mailer: <SMTP32|Invalid final delivery userid"),
        ("SendGrid", r"sendgrid\.(?:net|com)"),
        ("Postfix", r"^X-Postfix-|This is the mail system at host|The mail system\s*$"
         r"|\(in reply to .* command\)"),
        ("Exim", r"^X-Failed-Recipients:|created automatically by mail delivery software"
         r"|SMTP error from remote"),
        ("Sendmail", r"Transcript of session follows|The original message was received at"
         r"|^Reporting-MTA:.*sendmail"),
    )
)

_PROVIDERS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (name, _rx(p))
    for name, p in (
        ("Gmail", r"\b(?:google(?:mail)?\.com|gsmtp\b)|aspmx\.l\.google"),
        ("Microsoft", r"\b(?:protection\.outlook\.com|outlook\.com|hotmail\.com|office365\.com"
         r"|sender\.office\.com|prod\.outlook\.com)"),
        ("Yahoo", r"\b(?:yahoodns\.net|yahoo\.com|yahooinc\.com|verizonmedia\.com|aol\.com)\b"),
        ("Apple iCloud", r"\b(?:mail\.icloud\.com|me\.com|support\.apple\.com)\b"),
        ("Mimecast", r"\bmimecast\.com\b"),
        ("Proofpoint", r"\bpphosted\.com\b|proofpoint"),
        ("Broadcom MessageLabs", r"\bmessagelabs\.com\b"),
        ("Barracuda", r"\bbarracudanetworks\.com\b"),
        ("Amazon SES", r"\b(?:amazonses\.com|amazonaws\.com)\b"),
        ("Zoho", r"\bzoho\.(?:com|eu|in)\b"),
        ("Tencent QQ", r"\bqq\.com\b"),
        ("SendGrid", r"\bsendgrid\.net\b"),
        ("GoDaddy", r"\bsecureserver\.net\b"),
        ("Yandex", r"\byandex\.(?:ru|net|com)\b"),
    )
)

_STAGES: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (stage, _rx(p.replace(" ", r"\s+")))  # Postfix wraps "(in reply to end of\n DATA command)"
    for stage, p in (
        ("data", r"in reply to end of DATA|in reply to DATA|after end of data|after DATA"
         r"|did not like our (?:final )?DATA|failed after I sent the message|>>> DATA|\[DATA\]"
         r"|after (?:sending|the) message"),
        ("rcpt_to", r"in reply to RCPT TO|after RCPT|did not like our RCPT|does not like recipient"
         r"|most progress was RCPT|>>> RCPT|\[RCPT_TO\]|Recipient address rejected"),
        ("mail_from", r"in reply to MAIL FROM|after MAIL FROM|did not like our MAIL|does not like sender"
         r"|sender was rejected|>>> MAIL|\[MAIL_FROM\]|Sender address rejected"),
        ("helo", r"in reply to (?:HELO|EHLO)|after (?:HELO|EHLO)|did not like our (?:HELO|EHLO)"),
        ("connect", r"refused to talk to me|after initial connection|greeting failed"
         r"|in reply to initial greeting|\bbanner\b"),
    )
)

STAGE_MEANING = {
    "connect": "at connection/banner: IP reputation, blocklists or reverse DNS (PTR); the message "
    "content, DKIM and DMARC were never looked at",
    "helo": "after HELO/EHLO: the sending server's name or IP; content, DKIM and DMARC were never "
    "looked at",
    "mail_from": "after MAIL FROM: the envelope sender domain, SPF, or SMTP AUTH; DKIM and DMARC "
    "could not have been checked yet",
    "rcpt_to": "after RCPT TO: the recipient address or a per-recipient policy (some receivers "
    "check SPF/DMARC here); DKIM could not have been checked yet",
    "data": "after the message was sent (end of DATA): content, DKIM and DMARC need headers and "
    "body, so they are possible causes here",
}


class _Pattern(Struct, frozen=True):
    finding_id: str
    severity: Severity
    title: str
    detail: str
    regex: re.Pattern[str]
    provider: str | None = None  # only when the bounce came from / names this provider


def _p(fid, sev, title, detail, regex, provider=None):
    return _Pattern(fid, sev, title, detail, _rx(regex), provider)


_C, _E, _W, _I = Severity.CRITICAL, Severity.ERROR, Severity.WARN, Severity.INFO

# DSN-15 and friends: the receiver's own words → diagnoses. Each matching pattern becomes a
# finding quoting the matched text. More specific rows first; one finding per id.
TEXT_PATTERNS: tuple[_Pattern, ...] = (
    _p("DMARC-17", _W, "Temporary DMARC failure",
       "The receiver could not finish authentication because of temporary DNS failures; a "
       "retry will likely succeed. Check the sender domain's DNS health (DNS-08…10).",
       r"temporary DNS failures? prevent(?:s|ed)? authentication|DMARC[^.\n]{0,40}temp(?:orary)?\s?error"),
    _p("DMARC-16", _C, "Rejected by the From domain's DMARC policy",
       "The receiver rejected the message because the From domain's DMARC policy is reject and "
       "neither SPF nor DKIM passed for a domain aligned with From. Check SPF/DKIM alignment on "
       "the returned headers (DMARC-06).",
       r"(?:not accepted|rejected|reject(?:ion)?)\b[^.\n]{0,60}\bDMARC|DMARC[^.\n]{0,30}polic(?:y|ies)"
       r"|does not pass DMARC|DMARC (?:check|verification|validation) fail|fail(?:s|ed)? DMARC"
       r"|DMARC[^.\n]{0,20}\bfail"),
    _p("PROV-04", _C, "Microsoft: sending domain does not meet the required authentication level",
       "Outlook.com requires SPF and DKIM both to pass and DMARC to pass for senders of 5,000+ "
       "messages a day; Microsoft's rule is stricter than DMARC.",
       r"does not meet the required authentication level|5\.7\.515"),
    _p("PROV-02", _C, "Gmail: sender is unauthenticated",
       "Gmail requires every sender to pass SPF or DKIM, and bulk senders (5,000+ a day) to pass "
       "SPF and DKIM, publish DMARC and align From.",
       r"Gmail requires all senders to authenticate|This message does not have authentication "
       r"information or fails to pass authentication checks|\bunauthenticated email\b"
       r"|sender is unauthenticated", provider="Gmail"),
    _p("PROV-03", _C, "Yahoo: sender is unauthenticated or message refused for policy reasons",
       "Yahoo requires all senders to authenticate with SPF or DKIM, plus PTR and low complaint "
       "rates; bulk senders also need DMARC, alignment and one-click unsubscribe.",
       r"Yahoo requires all senders to authenticate|Message not accepted for policy reasons",
       provider="Yahoo"),
    _p("DKIM-SIG-01", _E, "Receiver says the message carried no DKIM signature",
       "The receiver requires a DKIM signature and found none. Enable DKIM signing for the From "
       "domain on the sending system.",
       r"no DKIM signature|not DKIM[- ]signed|DKIM signature (?:is )?(?:required|missing)"
       r"|(?:requires?|required) (?:a )?DKIM|DKIM[^.\n]{0,20}\b(?:required|mandatory)"),
    _p("DSN-15", _E, "Receiver says DKIM did not pass",
       "The receiver found no passing DKIM signature. Check the DKIM-Signature of the returned "
       "message (d=, s=) and its key record.",
       r"DKIM[^.\n]{0,40}(?:did ?n[o']t pass|does not pass|not pass|fail|invalid)"
       r"|(?:no valid|invalid) DKIM|DomainKeys requirements"),
    _p("SPF-13", _C, "Receiver says SPF did not pass",
       "The sending IP is not authorised by the SPF record of the MAIL FROM domain (or the "
       "record is broken). Look up SPF for the Return-Path domain of the returned message.",
       r"SPF[^.\n]{0,60}(?:did ?n[o']t pass|does not pass|fail|not pass)|Bad SPF record"
       r"|not allowed to send from [^\n]{0,80}SPF|sender policy framework|SPF (?:check|validation)"
       r"|\bSPF\b[^=\n]{0,80}=\s*did not pass"
       r"|hard fail policy"),
    _p("SPF-13", _W, "Sender ID (Purported Responsible Address) check failed",
       "A legacy Sender ID check (treat like SPF): the responsible address's domain does not "
       "authorise the sending IP.",
       r"Purported Responsible Address"),
    _p("DMARC-06", _C, "From domain not aligned with SPF or DKIM",
       "SPF or DKIM may pass, but not for the From domain's organisational domain.",
       r"isn't aligned|not aligned with[^.\n]{0,40}(?:SPF|DKIM)"),
    _p("DNS-13", _C, "Reverse DNS (PTR) problem",
       "The sending IP has no PTR record, or the PTR name does not resolve back to it.",
       r"\bPTR\b|reverse DNS|IP name lookup failed|mismatches client ip|does not have a PTR"),
    _p("CAUSE-20", _E, "SMTP AUTH problem, not SPF/DKIM",
       "This is about logging in to a mail server (SMTP AUTH) or an internal-only recipient. The "
       "client must authenticate to its relay/submission server, or the recipient accepts mail "
       "only from authenticated internal senders. DNS records will not fix it.",
       r"RESOLVER\.RST\.AuthRequired|authentication required|Unauthenticated senders not allowed"
       r"|turn on SMTP Authentication|SMTP AUTH(?:entication)? (?:is )?required"
       r"|must (?:be )?authenticated?\b"),
    _p("DSN-15", _E, "Sending IP on a blocklist",
       "The receiver uses a blocklist that lists the sending IP. This is not an authentication "
       "fault; find why it was listed and request delisting.",
       r"spamhaus|blocked using|\bdnsbl\b|\brbl\b|black ?list|block ?list(?:ed)?|banned sending IP"
       r"|Host network not allowed"),
    _p("DSN-17", _W, "Rate limited or deferred for reputation",
       "Transient; authentication may be fine. Reduce volume and check the complaint rate "
       "(PROV-06).",
       r"rate limit|unusual rate|unexpected volume|\bTSS0\d\b|low reputation|IP reputation"
       r"|reputation of|too many (?:messages|connections)"),
    _p("PROV-07", _E, "Message not RFC 5322 compliant",
       "Gmail/Microsoft reject messages with duplicate or missing required headers (e.g. several "
       "Subject or From headers, several addresses in From). Fix the generating application.",
       r"not RFC ?5322 compliant|RFC ?5322 section|multiple addresses in From|Duplicate header"
       r"|multiple \w+ headers|bare line ?feed"),
    _p("PROV-07", _E, "TLS required", "The receiver requires TLS; enable STARTTLS on the sender.",
       r"must issue a STARTTLS|TLS required|not sent over (?:a )?TLS|over a TLS connection"),
    _p("DSN-15", _E, "Relaying refused",
       "The server refused to relay for this recipient. Send through your own submission server "
       "with SMTP AUTH, or fix the recipient domain's MX. No DNS authentication record is "
       "involved.",
       r"Relay(?:ing)? (?:access )?denied|not permitted to relay|relay not permitted|unable to relay"),
    _p("ARC-07", _I, "ARC validation failure",
       "The receiver rejected because the ARC chain did not validate (RFC 8617 §5.2.2).",
       r"\bARC\b[^.\n]{0,30}(?:validation|fail)"),
)


# --------------------------------------------------------------------------------------
# Parsing helpers

# Bounded repeats: an unbounded run would rescan a long junk line from every position.
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_ADDR = r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@" + _LABEL + r"(?:\." + _LABEL + r"){1,10}"
_ADDR_RE = lazy(_ADDR)
# Address lines that name a failed recipient in text NDRs, strongest first.
_RCPT_LINES = (
    # alone on a line, perhaps with its display form: "a@b:", "a@b (a@b)", "a@b<mailto:a@b>"
    lazy(r"^[ \t]*[<\"]?(" + _ADDR + r")[>\"]?(?::|[ \t]*\([^)\n]*\)|<mailto:[^>\n]*>)?[ \t]*"
               r"(?:on .*)?$", re.M),
    lazy(r"RCPT[ _]TO:?\s*<(" + _ADDR + r")>", re.I),
    lazy(r"\bRCPT:\s*<(" + _ADDR + r")>", re.I),
    # "<addr>... User unknown", also behind a Sendmail transcript's reply code
    lazy(r"^[ \t]*(?:\d{3}[ -](?:\d\.\d{1,3}\.\d{1,3} )?)?<(" + _ADDR + r")>(?:\.\.\.|:)", re.M),
    lazy(r"\((" + _ADDR + r")\) not listed", re.I),
    lazy(r"(?:message to|delivered to|recipient|deliver\w* (?:your )?(?:mail|message) to)"
               r"[:\s]+<?(" + _ADDR + r")>?", re.I),
    # Last resort: any address the notification names that is not a mailer's own.
    lazy(r"(?<![\w.@-])((?!(?:mailer-daemon|postmaster)@)" + _ADDR + r")", re.I),
)
_RETURNED_SEPARATOR = _rx(
    r"^[ \t]*(?:-+ ?This is a copy of the message|-* ?Below (?:this line )?is a copy|-+ ?Original message"
    r"|Original message headers:|-+ ?The header of the original message|Original message follows"
    r"|-+ ?Original Message -+|-+ ?Unsent Message (?:below|follows)|-+ ?Returned message"
    r"|Message headers follow)"
)
_DELAY_WORDS = _rx(
    r"will (?:continue|keep) (?:trying|to try|retrying)|still (?:trying|retrying)|not yet been "
    r"delivered|Delivery Status Notification \(Delay\)|delivery (?:is )?delayed|Warning: could not "
    r"send message for past|will retry"
)
_NDR_PHRASES = _rx(
    r"could not be delivered|couldn't be delivered|was not delivered|undeliverable|delivery "
    r"(?:has )?failed|permanent (?:error|failure)|wasn't able to deliver|unable to deliver"
    r"|did not reach|cannot be delivered|failed permanently|rejected"
)


def _strip_type(value: str | None) -> str | None:
    """"rfc822; a@b" → "a@b"; "dns; mx.example" → "mx.example"."""
    if value is None:
        return None
    if ";" in value:
        value = value.split(";", 1)[1]
    value = value.strip().strip("<>").strip()
    return value or None


def _lf(text: str) -> str:
    """CRLF and lone CR line ends as LF: the patterns here work on lines."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _part_text(part: email.message.Message) -> str:
    """Decoded text of a leaf part, LF line ends; never raises."""
    return _lf(_decoded_text(part))


def _decoded_text(part: email.message.Message) -> str:
    try:
        payload = part.get_payload(decode=True)
    except Exception:  # noqa: BLE001 - damaged encodings are reported as unreadable text
        payload = None
    if not isinstance(payload, bytes):
        raw = part.get_payload()
        return raw if isinstance(raw, str) else ""
    try:
        charset = part.get_content_charset() or "utf-8"
        return payload.decode(charset, errors="replace")
    except (LookupError, ValueError):  # unknown or malformed charset name
        return decode(payload)


def _html_to_text(text: str) -> str:
    text = re.sub(r"(?is)<(script|style).*?</\1>", " ", text)
    text = re.sub(r"(?i)<br\s*/?>|</p>|</div>|</tr>", "\n", text)
    return html.unescape(re.sub(r"<[^>]+>", " ", text))


# --------------------------------------------------------------------------------------
# The analysis


class _Work(Struct):
    """Mutable scratch state while one input is analysed (never leaves this module)."""

    caps: list[Cap]
    text: str = ""  # notification text (human-readable parts), capped
    dsn_blocks: list[list[tuple[str, str]]] | None = None
    report_type: str | None = None
    returned: bytes | None = None
    returned_headers_only: bool = False
    arf_fields: list[tuple[str, str]] | None = None


def analyze_bounce(raw: bytes) -> BounceAnalysis | None:
    """Analyse a bounce, DSN, report, auto-reply or pasted SMTP reply. None when the input is
    not any of those (an ordinary message, or headers). Never raises."""
    try:
        return _analyze(raw)
    except RecursionError:
        return None


def _analyze(raw: bytes) -> BounceAnalysis | None:
    if not isinstance(raw, (bytes, bytearray)):
        return None
    raw = bytes(raw)
    if plainly_not_a_bounce(raw):
        return None
    caps: list[Cap] = []
    if len(raw) > MAX_INPUT:
        caps.append(Cap("bytes of input parsed", MAX_INPUT, len(raw)))
    raw = prepare(raw)
    work = _Work(caps)
    if not _starts_with_header(raw):
        return _analyze_pasted(raw, work)
    msg = email.message_from_bytes(raw, policy=email.policy.compat32)
    if not any(msg.get(name) for name in _MESSAGE_HEADERS):
        # "Diagnostic-Code: smtp; 550 …" or "Status: 5.7.1" pasted on their own: fields of a
        # DSN, not a message.
        return _analyze_pasted(raw, work)
    header_text = "\n".join(f"{k}: {' '.join(str(v).split())}" for k, v in msg.items())
    _collect(msg, raw, work)
    text = work.text
    if len(text) > MAX_SCAN:
        caps.append(Cap("characters of bounce text scanned", MAX_SCAN, len(text)))
        text = work.text = text[:MAX_SCAN]

    if work.report_type == "feedback-report":
        return _not_a_bounce(msg, work, "ARF feedback report")
    subject = _header(msg, "Subject") or ""
    auto = (_header(msg, "Auto-Submitted") or "").lower()
    sender = (_header(msg, "From") or "") + " " + (_header(msg, "Return-Path") or "")
    if work.dsn_blocks is None and (
        auto.startswith("auto-replied") or _header(msg, "X-Autoreply")
        or _AUTO_REPLY_SUBJECT.search(subject)
    ) and not (msg.get("X-Failed-Recipients") or _BOUNCE_SENDER.search(sender)):
        return _not_a_bounce(msg, work, "RFC 3834 auto-reply")
    if work.dsn_blocks is None and not _looks_like_ndr(msg, subject, text):
        return None
    return _build(msg, work, header_text)


def _looks_like_ndr(msg: email.message.Message, subject: str, text: str) -> bool:
    sender = (_header(msg, "From") or "") + " " + (_header(msg, "Return-Path") or "")
    if msg.get("X-Failed-Recipients") or (
        _BOUNCE_SENDER.search(sender) and _BOUNCE_SUBJECT.search(subject)
    ):
        return True
    by_header = bool(_BOUNCE_SENDER.search(sender) or _BOUNCE_SUBJECT.search(subject))
    has_reply = bool(_replies_in(text[:20_000]) or _ENH_ALONE.search(text[:20_000]))
    return by_header and (has_reply or bool(_NDR_PHRASES.search(text[:20_000])))


def _collect(msg: email.message.Message, raw: bytes, work: _Work) -> None:
    """Walk the MIME tree: notification text, DSN fields, feedback fields, returned message."""
    top_type = msg.get_content_type()
    if top_type == "multipart/report":
        work.report_type = (msg.get_param("report-type") or "").lower() or None
    texts: list[str] = []
    html_texts: list[str] = []
    for part, boundary in _walk(msg, work.caps):
        ctype = part.get_content_type()
        if ctype in ("message/delivery-status", "message/global-delivery-status"):
            work.dsn_blocks = (work.dsn_blocks or []) + _dsn_blocks(part)
            work.report_type = work.report_type or "delivery-status"
        elif ctype == "message/feedback-report":
            work.arf_fields = [f for block in _dsn_blocks(part) for f in block]
            work.report_type = "feedback-report"
        elif ctype in ("message/rfc822", "text/rfc822-headers", "message/rfc822-headers",
                       "message/global", "message/global-headers"):
            if work.returned is None:
                work.returned = _returned_bytes(part, raw, boundary)
                work.returned_headers_only = "headers" in ctype
        elif ctype == "text/plain" or (ctype.startswith("text/") and ctype != "text/html"):
            texts.append(_part_text(part))
        elif part.get_content_maintype() == "multipart":
            # Its boundary was never found (damaged or hostile MIME): read the body as text,
            # and pick up any DSN fields in it.
            body = _part_text(part)
            texts.append(body)
            fields = _fields_from_text(body)
            if any(k.lower() == "final-recipient" for k, _ in fields):
                work.dsn_blocks = (work.dsn_blocks or []) + [fields]
        elif ctype == "text/html":
            html_texts.append(_html_to_text(_part_text(part)))
    # NDRs quote the original after a separator line; keep only the notification for the
    # patterns (the original's headers would mislead them).
    kept = []
    for part_text in texts or html_texts:
        m = _RETURNED_SEPARATOR.search(part_text)
        kept.append(part_text[: m.start()] if m else part_text)
        if m and not msg.is_multipart() and work.returned is None:
            work.returned, work.returned_headers_only = _returned_after_separator(msg, raw)
    work.text = "\n".join(kept)


_RETURNED_SEPARATOR_B = lazy(_RETURNED_SEPARATOR.pattern.encode(), re.I | re.M)


def _returned_after_separator(msg: email.message.Message, raw: bytes) -> tuple[bytes | None, bool]:
    """The original message a plain-text NDR quotes after its separator line: cut from the
    raw bytes, or from the decoded body when the NDR is quoted-printable/base64 (then the
    bytes are as close to the original as the decoding allows)."""
    cte = (_header(msg, "Content-Transfer-Encoding") or "7bit").lower()
    if cte not in ("7bit", "8bit", "binary"):
        decoded = msg.get_payload(decode=True)
        if not isinstance(decoded, bytes):
            return None, False
        raw = decoded
    m = _RETURNED_SEPARATOR_B.search(raw)
    if m is None:
        return None, False
    nl = raw.find(b"\n", m.end())
    if nl < 0:
        return None, False
    rest = raw[nl + 1 :].lstrip(b"\r\n")
    if not re.match(rb"[\x21-\x39\x3b-\x7e]+[ \t]*:", rest):
        return None, False
    body_at = re.search(rb"\r?\n\r?\n", rest)
    headers_only = body_at is None or not rest[body_at.end() :].strip()
    return rest, headers_only


def _walk(msg: email.message.Message, caps: list[Cap]
          ) -> Iterable[tuple[email.message.Message, str | None]]:
    """Leaf parts with the boundary of the multipart holding them. Like Message.walk, but
    does not descend into returned messages (message/rfc822)."""
    stack: list[tuple[email.message.Message, str | None]] = [(msg, None)]
    count = 0
    while stack:
        if count == MAX_PARTS:
            caps.append(Cap("MIME parts examined", MAX_PARTS, MAX_PARTS + len(stack)))
            return
        part, boundary = stack.pop(0)
        count += 1
        if part.is_multipart() and part.get_content_maintype() == "multipart":
            payload = part.get_payload()
            if isinstance(payload, list):
                stack[0:0] = [(child, part.get_boundary()) for child in payload]
            continue
        yield part, boundary


def _dsn_blocks(part: email.message.Message) -> list[list[tuple[str, str]]]:
    """Field blocks of a message/delivery-status (or feedback-report) part."""
    payload = part.get_payload()
    blocks: list[list[tuple[str, str]]] = []
    if isinstance(payload, list):
        for block in payload:
            if isinstance(block, email.message.Message):
                fields = [(k, " ".join(str(v).split())) for k, v in block.items()]
                # Fields after a blank line inside a block end up in its body: parse those too.
                body = block.get_payload()
                if isinstance(body, str) and body.strip():
                    fields += _fields_from_text(body)
                blocks.append(fields)
    else:
        text = _part_text(part)
        for chunk in re.split(r"\n\s*\n", text.replace("\r\n", "\n")):
            fields = _fields_from_text(chunk)
            if fields:
                blocks.append(fields)
    return blocks


def _fields_from_text(text: str) -> list[tuple[str, str]]:
    fields: list[tuple[str, str]] = []
    for line in text.replace("\r\n", "\n").split("\n"):
        if line[:1] in (" ", "\t") and fields:
            name, value = fields[-1]
            fields[-1] = (name, f"{value} {line.strip()}")
        elif ":" in line and re.match(r"^[\w-]+:", line):
            name, value = line.split(":", 1)
            fields.append((name, value.strip()))
    return fields


def _returned_bytes(part: email.message.Message, raw: bytes, boundary: str | None) -> bytes | None:
    """The returned message as it appears in the input. message/rfc822 parts may not be
    encoded (RFC 2046 §5.2.1) so their bytes are cut from the input; encoded
    text/rfc822-headers parts are decoded by stdlib."""
    cte = (_header(part, "Content-Transfer-Encoding") or "").lower()
    if part.get_content_type().startswith("text/") and cte in ("base64", "quoted-printable"):
        data = part.get_payload(decode=True)
        return data if isinstance(data, bytes) else None
    inner = part.get_payload()
    if isinstance(inner, list) and inner and isinstance(inner[0], email.message.Message):
        first_header = next(iter(inner[0].keys()), None)
    else:
        first_header = None
    sliced = _slice_part(part, raw, first_header, boundary)
    if sliced is not None:
        return sliced
    if isinstance(inner, list) and inner:
        try:
            return inner[0].as_bytes(policy=email.policy.compat32.clone(max_line_length=0))
        except Exception:  # noqa: BLE001 - a part stdlib cannot re-serialise: none returned
            return None
    if isinstance(inner, str):
        return inner.encode("utf-8", "surrogateescape")
    return None


def _slice_part(part: email.message.Message, raw: bytes, first_header: str | None,
                boundary: str | None) -> bytes | None:
    """This part's body in the raw bytes: after its own header block, up to the enclosing
    multipart's next boundary line (RFC 2046 §5.1.1: the CRLF before it belongs to it)."""
    if not boundary:
        return None
    m = re.search(rb"\n(?i:content-type):[ \t]*" + re.escape(part.get_content_type().encode()), raw)
    if m is None:
        return None
    end_headers = re.compile(rb"\r?\n\r?\n").search(raw, m.end())
    if end_headers is None:
        return None
    start = end_headers.end()
    delimiter = re.compile(
        rb"\r?\n--" + re.escape(boundary.encode("ascii", "replace")) + rb"(?:--)?[ \t]*(?:\r?\n|$)"
    )
    stop = delimiter.search(raw, start)
    body = raw[start : stop.start()] if stop else raw[start:]
    if first_header and not body.lower().lstrip().startswith(
        first_header.lower().encode("ascii", "replace")
    ):
        return None  # found some other part of that type: let stdlib serialise instead
    return body


# --------------------------------------------------------------------------------------
# Building the result


def _analyze_pasted(raw: bytes, work: _Work) -> BounceAnalysis | None:
    text = _lf(decode(raw))
    if len(text) > MAX_SCAN:
        work.caps.append(Cap("characters of bounce text scanned", MAX_SCAN, len(text)))
        text = text[:MAX_SCAN]
    work.text = text
    fields = _fields_from_text(text)
    if any(k.lower() in ("final-recipient", "diagnostic-code", "status", "action") for k, _ in fields):
        work.dsn_blocks = [fields]
        return _build(None, work, "", layout="pasted DSN fields")
    replies = _replies_in(text)
    if not replies and not any(m["enh"][0] in "45" for m in _ENH_ALONE.finditer(text)):
        return None
    bare = bool(re.match(r"\s*[245]\d\d[ -]", text))
    layout = "bare SMTP reply" if bare else _layout("", text) or "pasted bounce text"
    return _build(None, work, "", layout=layout)


def _layout(header_text: str, text: str) -> str | None:
    blob = header_text + "\n" + text
    for name, pattern in _LAYOUTS:
        if pattern.search(blob):
            return name
    return None


def _provider(*sources: str | None) -> tuple[str, str] | None:
    """(provider name, the host or tag that identified it)."""
    for source in sources:
        if not source:
            continue
        for name, pattern in _PROVIDERS:
            m = pattern.search(source)
            if m:
                token = next((t for t in source.split() if m.group().lower() in t.lower()),
                             m.group())
                return name, token
    return None


# Line-anchored patterns use [ \t]*, never \s*: \s* would run across blank lines and make a
# million newlines cost a million squared steps.
_TRANSCRIPT_FAILURE = lazy(r"^[ \t]*<<<[ \t]*[45]\d\d", re.M)
_TRANSCRIPT_COMMAND = lazy(r"^[ \t]*>>>[ \t]*(DATA|RCPT|MAIL|HELO|EHLO)\b[^\n]*", re.M | re.I)
_COMMAND_STAGE = {"DATA": "data", "RCPT": "rcpt_to", "MAIL": "mail_from", "HELO": "helo",
                  "EHLO": "helo"}


def _stage(text: str) -> tuple[str | None, str | None]:
    """DSN-08: the SMTP stage of the rejection and the words that show it."""
    failure = _TRANSCRIPT_FAILURE.search(text)
    if failure:
        # A session transcript: the command sent just before the first failing reply.
        commands = list(_TRANSCRIPT_COMMAND.finditer(text, 0, failure.start()))
        if commands:
            last = commands[-1]
            return _COMMAND_STAGE[last.group(1).upper()], last.group().strip()
    best: tuple[int, str, str] | None = None
    for stage, pattern in _STAGES:
        m = pattern.search(text)
        if m and (best is None or m.start() < best[0]):
            best = (m.start(), stage, m.group())
    return (best[1], best[2]) if best else (None, None)


def _choose_status(
    replies: list[tuple[int, SmtpReply]], dsn_status: str | None, loose: list[tuple[int, str]]
) -> tuple[str | None, str | None]:
    """Most specific enhanced code and where it came from (DSN-03): X.0.0 < X.Y.0 and X.4.7
    < the rest; among equally specific codes the remote's own reply beats the reporting
    MTA's Status, which beats a code merely mentioned in text; then the code the Status
    agrees with, the most frequent, the first."""
    cands: list[tuple[str, str, int]] = []
    cands += [(r.enhanced, "reply", pos) for pos, r in replies if r.enhanced]
    if dsn_status:
        cands.append((dsn_status, "dsn", -1))
    cands += [(code, "text", pos) for pos, code in loose]
    if not cands:
        return None, None
    counts: dict[str, int] = {}
    for code, _, _ in cands:
        counts[code] = counts.get(code, 0) + 1
    dsn_class = split_code(dsn_status)[0] if dsn_status and split_code(dsn_status) else None
    source_rank = {"reply": 2, "dsn": 1, "text": 0}

    def key(c: tuple[str, str, int]):
        code, source, pos = c
        parts = split_code(code)
        return (
            specificity(code),
            source_rank[source],
            code == dsn_status,
            dsn_class is None or (parts is not None and parts[0] == dsn_class),
            counts[code],
            -pos,
        )

    best = max(cands, key=key)
    # Report where the winning code was seen in the remote's own reply when it was.
    sources = {s for code, s, _ in cands if code == best[0]}
    origin = "reply" if "reply" in sources else best[1]
    return best[0], origin


def _dsn_split(blocks: list[list[tuple[str, str]]]) -> tuple[dict[str, str], list[dict[str, str]]]:
    """Per-message fields, and one dict per recipient (a block may hold several)."""
    per_message: dict[str, str] = {}
    recipients: list[dict[str, str]] = []
    rcpt_fields = {"final-recipient", "original-recipient", "x-actual-recipient", "action",
                   "status", "remote-mta", "diagnostic-code", "last-attempt-date",
                   "will-retry-until", "final-log-id"}
    for block in blocks:
        current: dict[str, str] | None = None
        for name, value in block:
            key = name.lower()
            if key in rcpt_fields:
                # A recipient field seen again starts the next recipient (blocks that lack
                # the blank line between recipients).
                if current is None or (
                    key in current and key in ("final-recipient", "original-recipient")
                ):
                    current = {}
                    recipients.append(current)
                current.setdefault(key, value)
            else:
                per_message.setdefault(key, value)
    return per_message, [r for r in recipients if r]


def _kind(action: str | None, status: str | None, reply_code: int | None, *,
          retrying: bool) -> str:
    """DSN-01. `retrying`: the notice says delivery is still being attempted (or it is a
    pasted reply, where nobody has given up on anything yet)."""
    action = (action or "").lower().strip()
    cls = None
    if reply_code and not action:
        cls = reply_code // 100  # the basic code decides the SMTP semantics (DSN-05)
    elif status and split_code(status):
        cls = split_code(status)[0]
    elif reply_code:
        cls = reply_code // 100
    if action.startswith("delayed"):
        return "delayed"
    if action.startswith(("delivered", "relayed", "expanded")):
        return "success"
    if action.startswith("failed"):
        return "gave_up" if cls == 4 else "permanent"
    if cls == 2:
        return "success"
    if cls == 4:
        return "delayed" if retrying else "gave_up"
    return "permanent"


def _recipients_from_text(text: str, exclude: set[str]) -> list[str]:
    found: list[tuple[int, int, str]] = []
    for rank, pattern in enumerate(_RCPT_LINES):
        for m in pattern.finditer(text):
            addr = m.group(1).strip(".")
            if addr.lower() not in exclude:
                found.append((rank, m.start(), addr))
    if not found:
        return []
    best = min(r for r, _, _ in found)
    out: list[str] = []
    for _, _, addr in sorted((f for f in found if f[0] == best), key=lambda f: f[1]):
        if addr.lower() not in (a.lower() for a in out):
            out.append(addr)
    # A bare address anywhere is a weak clue: trust only the first one.
    return out[:1] if best == len(_RCPT_LINES) - 1 else out


def _build(msg: email.message.Message | None, work: _Work, header_text: str,
           layout: str | None = None) -> BounceAnalysis:
    text = work.text
    per_message: dict[str, str] = {}
    rcpt_dicts: list[dict[str, str]] = []
    if work.dsn_blocks is not None:
        per_message, rcpt_dicts = _dsn_split(work.dsn_blocks)
    if layout is None:
        layout = _layout(header_text, text) or ("RFC 3464 DSN" if work.dsn_blocks is not None
                                                else "plain-text NDR")
        if work.dsn_blocks is not None and layout != "RFC 3464 DSN":
            layout = f"{layout} (DSN)"

    text_replies = _replies_in(text)
    text_loose = _loose_codes(text, text_replies)
    reporting_mta = _strip_type(per_message.get("reporting-mta"))
    statuses: list[RecipientStatus] = []
    exclude = set()
    if msg is not None:
        # Addresses of the bounce itself (its author and its addressee, the original sender).
        for name in ("From", "To", "Return-Path", "Delivered-To"):
            exclude |= {a.lower() for a in _ADDR_RE.findall(_header(msg, name) or "")}

    if len(rcpt_dicts) > MAX_RECIPIENTS:
        work.caps.append(Cap("recipients of the DSN examined", MAX_RECIPIENTS, len(rcpt_dicts)))
        rcpt_dicts = rcpt_dicts[:MAX_RECIPIENTS]
    if rcpt_dicts:
        addrs = [_strip_type(f.get("final-recipient")) or "" for f in rcpt_dicts]
        segments = _segments(text, [a for a in addrs if a])
        for fields, addr in zip(rcpt_dicts, addrs):
            # Without a Diagnostic-Code the human-readable part is the fallback: the part of
            # it about this recipient when it names several.
            seg = segments.get(addr.lower())
            seg_replies = _replies_in(seg) if seg else []
            fallback = (seg_replies, _loose_codes(seg, seg_replies)) if seg_replies else \
                (text_replies, text_loose)
            statuses.append(_recipient_from_dsn(fields, text_replies, fallback))
    else:
        failed = []
        if msg is not None and msg.get("X-Failed-Recipients"):
            failed = _ADDR_RE.findall(_header(msg, "X-Failed-Recipients") or "")
        if not failed:
            failed = _recipients_from_text(text, exclude)
        if len(failed) > MAX_RECIPIENTS:
            work.caps.append(Cap("failed addresses examined", MAX_RECIPIENTS, len(failed)))
            failed = failed[:MAX_RECIPIENTS]
        segments = _segments(text, failed)
        for addr in failed or [""]:
            # Each failed address with its own reply when the NDR lists them one by one
            # (qmail, Exim); otherwise the reply found anywhere in the text.
            seg = segments.get(addr.lower(), "")
            seg_replies = _replies_in(seg) if seg else []
            seg_loose = _loose_codes(seg, seg_replies) if seg else []
            if not seg_replies and not seg_loose:
                seg_replies, seg_loose = text_replies, text_loose
            status, origin = _choose_status(seg_replies, None, seg_loose)
            reply = _pick_reply(seg_replies, status)
            kind = _kind(None, status, reply.code if reply else None,
                         retrying=msg is None or bool(_DELAY_WORDS.search(text + header_text)))
            statuses.append(RecipientStatus(
                recipient=addr, original_recipient=None, actual_recipient=None, kind=kind,
                status=status,
                dsn_status=None, enhanced_from=origin, reply_code=reply.code if reply else None,
                reply_text=reply.text if reply else None, action=None, diagnostic_code=None,
                remote_mta=None, last_attempt_date=None, will_retry_until=None,
            ))

    # The headline is the worst outcome, and its first recipient (a DSN may report one
    # delivery and one failure).
    kinds = [s.kind for s in statuses]
    kind = next(k for k in ("permanent", "gave_up", "delayed", "success") if k in kinds)
    first = next(s for s in statuses if s.kind == kind)
    remote_host = _remote_host(text)
    # The remote host names the provider; in the reply text only links and Gmail's "gsmtp"
    # tag count, because replies also quote the *sender's* domain.
    reply_blob = " ".join(filter(None, [first.diagnostic_code, first.reply_text, text[:20_000]]))
    identified = _provider(first.remote_mta, remote_host,
                           " ".join(_URL.findall(reply_blob) + _GSMTP.findall(reply_blob))
                           ) or (None if first.remote_mta or remote_host else _provider(reporting_mta))
    provider = identified[0] if identified else None
    stage, stage_evidence = _stage((first.diagnostic_code or "") + "\n" + text)
    reply_text = first.reply_text or first.diagnostic_code or ""
    explanation = None
    if first.status:
        explanation = explain_code(first.status, provider=provider, text=reply_text)
    bounce = Bounce(
        kind=kind,
        layout=layout,
        status=first.status,
        dsn_status=first.dsn_status,
        reply_code=first.reply_code,
        enhanced_from=first.enhanced_from,
        recipients=tuple(s.recipient for s in statuses if s.recipient),
        reporting_mta=reporting_mta,
        remote_mta=first.remote_mta or remote_host,
        diagnostic_code=first.diagnostic_code,
        action=first.action,
        stage=stage,
        provider=provider,
        reply_text=first.reply_text,
        explanation=explanation,
        arrival_date=per_message.get("arrival-date"),
        last_attempt_date=first.last_attempt_date,
        per_recipient=tuple(statuses),
        report_type=work.report_type,
    )
    findings = _findings(bounce, text, stage_evidence, identified[1] if identified else None,
                         work)
    return BounceAnalysis(bounce, tuple(findings), work.returned, work.returned_headers_only,
                          tuple(work.caps))


def _segments(text: str, addresses: list[str]) -> dict[str, str]:
    """For NDRs listing several failed addresses, the text from each address's first
    mention to the next one's."""
    if len(addresses) < 2:
        return {}
    lower = text.lower()
    starts = sorted((lower.find(a.lower()), a.lower()) for a in addresses if a.lower() in lower)
    out: dict[str, str] = {}
    for i, (start, addr) in enumerate(starts):
        end = starts[i + 1][0] if i + 1 < len(starts) else len(text)
        out[addr] = text[start:end]
    return out


def _loose_codes(text: str, replies: list[tuple[int, SmtpReply]]) -> list[tuple[int, str]]:
    """Enhanced codes in the text that are not part of a reply we found ("(#5.5.0)",
    "5.2.2 <addr>... Mailbox Full")."""
    taken = {r.enhanced for _, r in replies if r.enhanced}
    return [(m.start(), m["enh"]) for m in _ENH_ALONE.finditer(text) if m["enh"] not in taken]


def _pick_reply(replies: list[tuple[int, SmtpReply]], status: str | None) -> SmtpReply | None:
    if not replies:
        return None
    for _, reply in replies:
        if status and reply.enhanced == status:
            return reply
    # The remote's reply over the reporting MTA's own wrapper: prefer one with a failure code.
    for _, reply in replies:
        if reply.code >= 400:
            return reply
    return replies[0][1]


def _recipient_from_dsn(
    fields: dict[str, str],
    text_replies: list[tuple[int, SmtpReply]],
    fallback: tuple[list[tuple[int, SmtpReply]], list[tuple[int, str]]],
) -> RecipientStatus:
    final = _strip_type(fields.get("final-recipient"))
    original = _strip_type(fields.get("original-recipient"))
    actual = _strip_type(fields.get("x-actual-recipient"))
    recipient = final or actual or original or ""
    dsn_status_raw = fields.get("status")
    dsn_status = None
    if dsn_status_raw:
        m = re.match(r"\s*(\d\.\d{1,3}\.\d{1,3})", dsn_status_raw)
        dsn_status = m[1] if m else dsn_status_raw.split()[0] if dsn_status_raw.split() else None
    diag = fields.get("diagnostic-code")
    diag_text = diag.split(";", 1)[1].strip() if diag and ";" in diag else diag
    replies = _replies_in(diag_text) if diag_text else []
    loose = _loose_codes(diag_text, replies) if diag_text else []
    if not replies and not loose:
        replies, loose = fallback  # the DSN part gave no reply
    usable_dsn = dsn_status if dsn_status and is_valid_code(dsn_status) else None
    status, origin = _choose_status(replies, usable_dsn, loose)
    if status is None and dsn_status:
        status, origin = dsn_status, "dsn"
    reply = _pick_reply(replies, status)
    if reply is not None and replies is not text_replies:
        # Some MTAs copy only the first line of a multi-line reply into Diagnostic-Code
        # (Sendmail); the transcript in the human-readable part has all of it.
        for _, fuller in text_replies:
            if (fuller.code, fuller.enhanced) == (reply.code, reply.enhanced) and \
                    len(fuller.text) > len(reply.text) and fuller.text.startswith(reply.text[:40]):
                reply = fuller
                break
    reply_text = reply.text if reply else diag_text
    action = fields.get("action")
    kind = _kind(action, usable_dsn or status, reply.code if reply else None,
                 retrying=bool(fields.get("will-retry-until")
                               or _DELAY_WORDS.search(diag_text or "")))
    return RecipientStatus(
        recipient=recipient, original_recipient=original, actual_recipient=actual, kind=kind,
        status=status,
        dsn_status=dsn_status, enhanced_from=origin, reply_code=reply.code if reply else None,
        reply_text=reply_text, action=action, diagnostic_code=diag,
        remote_mta=_strip_type(fields.get("remote-mta")),
        last_attempt_date=fields.get("last-attempt-date"),
        will_retry_until=fields.get("will-retry-until"),
    )


_URL = lazy(r"https?://[^\s'\"<>)\]]+", re.I)
# Provider tags inside replies: Gmail's "- gsmtp", Exchange Online's server names.
_GSMTP = lazy(r"\bgsmtp\b|\b[\w-]{1,63}(?:\.[\w-]{1,63}){0,8}\.prod\.outlook\.com\b", re.I)
_REMOTE_HOST = _rx(
    r"(?:\bhost\s+|talking to\s+|^[ \t]*host:[ \t]*|Remote Server at\s+|Receiving server:\s*|Generating server:\s*)"
    r"\[?([A-Za-z0-9][A-Za-z0-9.-]*\.[A-Za-z]{2,})\]?"
    r"|^[ \t]*([A-Za-z0-9][A-Za-z0-9.-]*\.[A-Za-z]{2,}) \[[\d.:a-fA-F]+\] did not like"
)


def _remote_host(text: str) -> str | None:
    m = _REMOTE_HOST.search(text)
    if m is None:
        return None
    return m.group(1) or m.group(2)


def _not_a_bounce(msg: email.message.Message, work: _Work, layout: str) -> BounceAnalysis:
    findings: list[Finding] = []
    recipients: tuple[str, ...] = ()
    if work.arf_fields is not None:
        fields = {k.lower(): v for k, v in work.arf_fields}
        ftype = fields.get("feedback-type", "")
        is_auth = ftype.lower().startswith("auth-failure")
        if is_auth:
            layout = "ARF auth-failure report (RFC 6591)"
        rcpt = [_strip_type(v) or v for k, v in work.arf_fields
                if k.lower() in ("original-rcpt-to", "removal-recipient")]
        if not rcpt and work.returned is not None:
            # No Original-Rcpt-To: the reported message's own To names who it was sent to.
            returned = email.message_from_bytes(work.returned, policy=email.policy.compat32)
            rcpt = _ADDR_RE.findall(_header(returned, "To") or "")
        recipients = tuple(r for r in rcpt if r)
        evidence = tuple(f"{k}: {v}" for k, v in work.arf_fields
                         if k.lower() in ("feedback-type", "auth-failure", "delivery-result",
                                          "authentication-results", "source-ip",
                                          "reported-domain", "dkim-domain", "dkim-selector",
                                          "spf-dns", "identity-alignment", "original-mail-from"))
        findings.append(Finding(
            "EVID-01", Severity.INFO,
            "ARF auth-failure report, not a bounce" if is_auth else "ARF feedback report, not a bounce",
            ("A receiver reports that a message claiming your domain failed authentication "
             "(RFC 6591); the returned headers can be checked for SPF/DKIM/DMARC."
             if is_auth else
             "A feedback report (RFC 5965) such as a spam complaint; no delivery failed."),
            evidence,
        ))
    else:
        findings.append(Finding(
            "EVID-01", Severity.INFO, "Automatic reply, not a bounce",
            "The message is an auto-reply (RFC 3834, e.g. a vacation notice); nothing failed.",
            tuple(f"{k}: {_header(msg, k)}" for k in ("Auto-Submitted", "Subject")
                  if _header(msg, k)),
        ))
    bounce = Bounce(
        kind="not_a_bounce", layout=layout, status=None, dsn_status=None, reply_code=None,
        enhanced_from=None, recipients=recipients, reporting_mta=None, remote_mta=None,
        diagnostic_code=None, action=None, stage=None, provider=None, reply_text=None,
        explanation=None, arrival_date=None, last_attempt_date=None, per_recipient=(),
        report_type=work.report_type,
    )
    return BounceAnalysis(bounce, tuple(findings), work.returned, work.returned_headers_only,
                          tuple(work.caps))


# --------------------------------------------------------------------------------------
# Findings

_KIND_TITLES = {
    "permanent": "Permanent failure",
    "gave_up": "Gave up after retries (final for this message; the cause was temporary)",
    "delayed": "Temporary delay — still retrying",
    "success": "Success notice",
}


def _findings(bounce: Bounce, text: str, stage_evidence: str | None,
              provider_evidence: str | None, work: _Work) -> list[Finding]:
    out: list[Finding] = []
    ev_reply = tuple(e for e in (bounce.diagnostic_code or bounce.reply_text,) if e)
    out.append(Finding(
        "DSN-01", Severity.INFO, _KIND_TITLES[bounce.kind],
        f"Layout: {bounce.layout}. " + "; ".join(
            f"{s.recipient or '(recipient not named)'}: {s.kind}, status {s.status or 'none'}"
            for s in bounce.per_recipient[:20])
        + (f"; … and {len(bounce.per_recipient) - 20} more" if len(bounce.per_recipient) > 20 else ""),
        ev_reply, about=shorten(", ".join(bounce.recipients), 300),
    ))
    if bounce.dsn_status and bounce.status and bounce.dsn_status != bounce.status:
        vaguer = specificity(bounce.dsn_status) < specificity(bounce.status)
        out.append(Finding(
            "DSN-03", Severity.INFO,
            "DSN Status is less specific than the remote reply" if vaguer
            else "DSN Status differs from the remote reply",
            f"The reporting MTA wrote Status {bounce.dsn_status}; the remote server's "
            f"{'reply' if bounce.enhanced_from == 'reply' else 'text'} says {bounce.status}. "
            f"The diagnosis is based on {bounce.status}.",
            (f"Status: {bounce.dsn_status}",) + ev_reply,
        ))
    for s in bounce.per_recipient:
        if (s.reply_code and s.status and s.enhanced_from == "reply"
                and not class_agrees(s.reply_code, s.status)):
            out.append(Finding(
                "DSN-05", Severity.WARN, "Enhanced code class disagrees with the reply code",
                f"Reply code {s.reply_code} with enhanced code {s.status}: the basic reply code "
                "decides the SMTP meaning (4xx temporary, 5xx permanent).",
                tuple(e for e in (s.reply_text and f"{s.reply_code} {s.status} {s.reply_text}",) if e),
            ))
            break
    if bounce.dsn_status and not is_valid_code(bounce.dsn_status):
        out.append(Finding(
            "DSN-05", Severity.WARN, "Malformed enhanced status code",
            f"'{bounce.dsn_status}' is not class.subject.detail (RFC 3463 §2).",
            (f"Status: {bounce.dsn_status}",),
        ))
    if bounce.stage and stage_evidence:
        out.append(Finding(
            "DSN-08", Severity.INFO, f"Rejected {STAGE_MEANING[bounce.stage].split(':')[0]}",
            STAGE_MEANING[bounce.stage], (" ".join(stage_evidence.split()),),
        ))
    if bounce.provider:
        out.append(Finding(
            "DSN-10", Severity.INFO, f"Remote provider: {bounce.provider}",
            "Identified from the remote host, the reply or links in it.",
            tuple(e for e in (provider_evidence,) if e),
        ))
    exp = bounce.explanation
    if exp is not None:
        detail = exp.plain
        if exp.registry_title:
            detail = f"Registry: {exp.code} {exp.registry_title}. " + detail
        if exp.provider_meaning:
            out.append(Finding(
                "DSN-07", Severity.INFO, f"{exp.code} here means: {exp.provider_meaning}",
                detail, ev_reply,
            ))
        else:
            out.append(Finding("DSN-06", Severity.INFO, f"{exp.code}: "
                               f"{exp.registry_title or exp.subject_title}", detail, ev_reply))
    # The joined replies first (continuation markers removed, so phrases wrapped across
    # "550-5.7.26" lines match), then the rest of the notification text, on one line.
    scan = _strip_markers(" ".join(" ".join(filter(
        None, [s.reply_text for s in bounce.per_recipient] + [text])).split()))
    seen: set[str] = set()
    for pattern in TEXT_PATTERNS:
        if pattern.title in seen or (pattern.finding_id in seen and pattern.finding_id != "DSN-15"):
            continue
        if pattern.provider and pattern.provider != bounce.provider and \
                not re.search(rf"\b{pattern.provider}\b", scan, re.I):
            continue
        if pattern.finding_id == "DMARC-16" and "DMARC-17" in seen:
            continue  # a temporary DNS failure, not the policy, stopped this one
        m = pattern.regex.search(scan)
        if m is None:
            continue
        seen |= {pattern.title, pattern.finding_id}
        detail = pattern.detail
        if pattern.finding_id == "PROV-04":
            detail += _mechanism_verdicts(scan)
        out.append(Finding(pattern.finding_id, pattern.severity, pattern.title, detail,
                           (_context(scan, m),), _fixes(pattern.finding_id, scan)))
    if exp is not None and exp.is_smtp_auth and "CAUSE-20" not in seen:
        out.append(Finding(
            "CAUSE-20", Severity.ERROR, "SMTP AUTH problem, not SPF/DKIM",
            exp.plain, ev_reply,
        ))
    aliased = [
        f"{label}: {other} → Final-Recipient: {s.recipient}"
        for s in bounce.per_recipient
        for label, other in (("Original-Recipient", s.original_recipient),
                             ("X-Actual-Recipient", s.actual_recipient))
        if other and s.recipient and other.lower() != s.recipient.lower()
    ]
    expanded = re.search(r"\(expanded from:? <?[^)>]*>?\)", text)
    if aliased or expanded:
        out.append(Finding(
            "DSN-11", Severity.INFO, "Recipient was an alias or was forwarded",
            "The address the sender used differs from the final recipient: forwarding or alias "
            "expansion, which can break SPF at the next hop (SPF-15).",
            tuple(([expanded.group()] if expanded else []) + aliased[:10]),
        ))
    if work.returned is not None:
        out.append(Finding(
            "DSN-12", Severity.INFO, "Returned message available",
            "The original message's headers are attached; DKIM, SPF and DMARC checks can run on "
            "them." + (" Only headers were returned, so the body hash cannot be checked "
                       "(EVID-04)." if work.returned_headers_only else ""),
        ))
    for cap in work.caps:
        out.append(Finding(
            "EVID-01", Severity.WARN, "Input too large: only part of it was examined",
            f"Looked at {cap.limit} {cap.what} of {cap.seen}.",
        ))
    return out


_VERDICT = lazy(
    r"\b(SPF|DKIM|DMARC)\s*[=:]\s*(pass|fail|softfail|none|neutral|temperror|permerror)\b", re.I
)


def _mechanism_verdicts(text: str) -> str:
    """PROV-04: Microsoft's NDR may list per-mechanism results. Microsoft needs SPF *and*
    DKIM to pass, so a failing one is the fix even when DMARC passed."""
    verdicts: dict[str, str] = {}
    for m in _VERDICT.finditer(text):
        verdicts.setdefault(m.group(1).upper(), m.group(2).lower())
    if not verdicts:
        return ""
    shown = ", ".join(f"{k}={v}" for k, v in verdicts.items())
    failing = [k for k in ("SPF", "DKIM") if verdicts.get(k, "pass") != "pass"]
    if not failing:
        return f" The receiver reported {shown}."
    fix = {"SPF": "SPF for the MAIL FROM (Return-Path) domain",
           "DKIM": "DKIM signing with the From domain"}
    return (f" The receiver reported {shown}: fix " + " and ".join(fix[k] for k in failing)
            + (" — DMARC passing is not enough here." if verdicts.get("DMARC") == "pass" else "."))


# The domain or IP the receiver named, so a finding can carry the lookup to run (§12).
_DMARC_DOMAIN = _rx(
    r"email from ([\w.-]+) is not accepted|sending domain \[?([\w.-]+?)\]? does not pass DMARC"
    r"|due to ([\w.-]+?)'s DMARC|DMARC policy for ([\w.-]+)|administrator of ([\w.-]+) domain"
)
_SPF_DOMAIN = _rx(
    r"MAIL FROM domain \[?([\w.-]+?)\]? has|send from <([\w.-]+)> per|SPF records? for \[?([\w.-]+?)[:\]]"
    r"|SPF \[([\w.-]+)\]|domain of ([\w.-]+) does not designate"
)
_IP = lazy(r"(?<![\d.])(?:\d{1,3}\.){3}\d{1,3}(?![\d.])|\b[0-9a-fA-F]{1,4}(?::[0-9a-fA-F]{0,4}){2,7}\b")


def _named_domain(pattern: re.Pattern[str], text: str) -> str | None:
    m = pattern.search(text)
    if m is None:
        return None
    value = next((g for g in m.groups() if g), "").strip(".")
    if "." not in value:
        return None
    try:
        return check_name(value)
    except InvalidName:
        return None


def _named_ip(text: str) -> str | None:
    for m in _IP.finditer(text):
        try:
            return str(ipaddress.ip_address(m.group()))
        except ValueError:
            continue
    return None


def _fixes(finding_id: str, text: str) -> tuple[FixCommand, ...]:
    if finding_id in ("DMARC-16", "DMARC-17"):
        domain = _named_domain(_DMARC_DOMAIN, text)
        if domain:
            return (FixCommand(("dig", "+short", "TXT", f"_dmarc.{domain}"),
                               f"Show the DMARC policy of {domain}, the domain the receiver named"),)
    if finding_id == "SPF-13":
        domain = _named_domain(_SPF_DOMAIN, text)
        if domain:
            return (FixCommand(("dig", "+short", "TXT", domain),
                               f"Show the SPF record of {domain}, the domain the receiver checked"),)
    if finding_id == "DNS-13":
        m = re.search(r"(?:PTR|reverse DNS|IP name lookup)[^\n]{0,200}", text, re.I)
        ip = _named_ip(m.group()) if m else None  # only an IP the sentence names
        if ip:
            return (FixCommand(("dig", "+short", "-x", ip),
                               f"Show the PTR name of {ip}; its A/AAAA record must point back to it"),)
    return ()


def _context(text: str, m: re.Match[str]) -> str:
    """The matched words with some text either side, cut at word boundaries."""
    start = max(0, m.start() - 100)
    end = min(len(text), m.end() + 100)
    if start:
        start = text.find(" ", start) + 1 or start
    if end < len(text):
        end = text.rfind(" ", m.end(), end) if text.rfind(" ", m.end(), end) > 0 else end
    return ("…" if start else "") + text[start:end].strip() + ("…" if end < len(text) else "")


_MARKER = lazy(r"(?<![\w.])[245]\d\d(?:-(?:[245]\.\d{1,3}\.\d{1,3} ?)?| [245]\.\d{1,3}\.\d{1,3} )")


def _strip_markers(text: str) -> str:
    """Remove reply-code markers (`550-5.7.26 `) wherever they sit, so wrapped phrases read
    as one (DSN-04)."""
    return _MARKER.sub("", text)
