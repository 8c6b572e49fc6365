"""How the mail systems lay out their non-delivery reports: the patterns that name the layout,
the SMTP stage, the failed recipients and the remote host in a notification's text.

A layout names the software or service that wrote the notification (DSN-09), which is not
always the remote provider that refused the message (wizard.receiver.providers, DSN-10).
"""
from __future__ import annotations

import re

from wizard.common.lazy_re import LazyPattern, lazy
from wizard.receiver.signs import rx

# (layout name, pattern over headers+notification text). First match wins.
_LAYOUTS: tuple[tuple[str, LazyPattern], ...] = tuple(
    (name, rx(p))
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
        ("GMX", r"^From:.*@[^\s@]*gmx\.(?:com|net|de)"),
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


def layout_of(header_text: str, text: str) -> str | None:
    """DSN-09: the layout the headers and notification text show, if any is known."""
    blob = header_text + "\n" + text
    for name, pattern in _LAYOUTS:
        if pattern.search(blob):
            return name
    return None


_STAGES: tuple[tuple[str, LazyPattern], ...] = tuple(
    (stage, rx(p.replace(" ", r"\s+")))  # Postfix wraps "(in reply to end of\n DATA command)"
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

# Line-anchored patterns use [ \t]*, never \s*: \s* would run across blank lines and make a
# million newlines cost a million squared steps.
_TRANSCRIPT_FAILURE = lazy(r"^[ \t]*<<<[ \t]*[45]\d\d", re.M)
_TRANSCRIPT_COMMAND = lazy(r"^[ \t]*>>>[ \t]*(DATA|RCPT|MAIL|HELO|EHLO)\b[^\n]*", re.M | re.I)
_COMMAND_STAGE = {"DATA": "data", "RCPT": "rcpt_to", "MAIL": "mail_from", "HELO": "helo",
                  "EHLO": "helo"}


def stage_of(text: str) -> tuple[str | None, str | None]:
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


# Bounded repeats: an unbounded run would rescan a long junk line from every position.
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_ADDR = r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@" + _LABEL + r"(?:\." + _LABEL + r"){1,10}"
ADDR_RE = lazy(_ADDR)
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
DELAY_WORDS = rx(
    r"will (?:continue|keep) (?:trying|to try|retrying)|still (?:trying|retrying)|not yet been "
    r"delivered|Delivery Status Notification \(Delay\)|delivery (?:is )?delayed|Warning: could not "
    r"send message for past|will retry"
)
NDR_PHRASES = rx(
    r"could not be delivered|couldn't be delivered|was not delivered|undeliverable|delivery "
    r"(?:has )?failed|permanent (?:error|failure)|wasn't able to deliver|unable to deliver"
    r"|did not reach|cannot be delivered|failed permanently|rejected"
)


# A line that offers help names a help desk, not a recipient ("Questions? Contact
# support@isp.example").
_HELP_LINE = rx(r"\b(?:contact|help|support|questions?|assistance|administrator|abuse|write to"
                r"|send (?:an? )?(?:e-?mail|message) to)\b")


def recipients_from_text(text: str, exclude: set[str]) -> list[str]:
    """The failed addresses a text NDR names, by the strongest kind of line that names any."""
    found: list[tuple[int, int, str]] = []
    last = len(_RCPT_LINES) - 1
    for rank, pattern in enumerate(_RCPT_LINES):
        for m in pattern.finditer(text):
            addr = m.group(1).strip(".")
            if addr.lower() in exclude:
                continue
            if rank == last:
                if _near_help(text, m.start(), m.end()):
                    continue
                found.append((rank, m.start(), addr))
                break  # a bare address is a weak clue: only the first is taken
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


def _near_help(text: str, start: int, end: int) -> bool:
    """The words around an address on its line (at most 200 characters either side, so many
    addresses on one long line cost no more than the line) offer help."""
    lo = max(0, start - 200)
    lo = max(lo, text.rfind("\n", lo, start) + 1)
    hi = min(len(text), end + 200)
    nl = text.find("\n", end, hi)
    return bool(_HELP_LINE.search(text, lo, hi if nl < 0 else nl))


URL = lazy(r"https?://[^\s'\"<>)\]]+", re.I)
_REMOTE_HOST = rx(
    r"(?:\bhost\s+|talking to\s+|^[ \t]*host:[ \t]*|Remote Server at\s+|Receiving server:\s*|Generating server:\s*)"
    r"\[?([A-Za-z0-9][A-Za-z0-9.-]*\.[A-Za-z]{2,})\]?"
    r"|^[ \t]*([A-Za-z0-9][A-Za-z0-9.-]*\.[A-Za-z]{2,}) \[[\d.:a-fA-F]+\] did not like"
)


def remote_host(text: str) -> str | None:
    m = _REMOTE_HOST.search(text)
    if m is None:
        return None
    return m.group(1) or m.group(2)



# DSN-20: Sendmail-family subjects that name the reason, and the code each implies
# (X.1.1 bad mailbox, X.1.2 bad host, X.4.7 delivery time expired). The class is the
# subject's own: "Warning: could not send message for past N hours" is still being retried.
_SUBJECT_REASONS = (
    (rx(r"^(?:Returned mail|Undeliverable|Undelivered Mail)\b.*\bUser unknown"), "5.1.1"),
    (rx(r"^(?:Returned mail|Undeliverable|Undelivered Mail)\b.*\bHost unknown"), "5.1.2"),
    (rx(r"^Returned mail\b.*\bCannot send message for \d{1,4} days?"), "5.4.7"),
    (rx(r"^Warning: could not send message for past \d{1,4} (?:hours?|days?)"), "4.4.7"),
)


def subject_code(subject: str) -> str | None:
    """The enhanced code a bounce's Subject implies, when it names a reason (low confidence:
    used only when the notification gives no code of its own)."""
    for pattern, code in _SUBJECT_REASONS:
        if pattern.search(subject):
            return code
    return None
