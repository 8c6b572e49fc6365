"""SMTP replies in free text: where a reply starts and ends, and its lines joined.

A reply is found wherever bounces quote one ("host … said: 550 5.7.26 …", a bare pasted reply,
a Diagnostic-Code, a session transcript). Multi-line replies are joined and their repeated
`NNN-` / `NNN-X.Y.Z` markers removed, even where a re-wrapping MTA split them (DSN-04).
Patterns use bounded repeats so no input makes them rescan the text from every position.
"""
from __future__ import annotations

import re

from msgspec import Struct

from wizard.common.lazy_re import lazy
from wizard.receiver.status_codes import class_agrees

MAX_SCAN = 200_000  # characters of notification text the patterns look at
_MAX_REPLY = 4_000  # characters kept of one joined reply


class SmtpReply(Struct, frozen=True):
    code: int  # basic reply code, 550
    enhanced: str | None  # "5.7.26" when the reply carries one (RFC 2034)
    text: str  # the message, continuation markers removed, lines joined
    raw_lines: tuple[str, ...]  # the lines as found


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
ENH_ALONE = lazy(
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


def replies_in(text: str) -> list[tuple[int, SmtpReply]]:
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
    found = replies_in(to_lf(text[:MAX_SCAN]))
    return found[0][1] if found else None


def to_lf(text: str) -> str:
    """CRLF and lone CR line ends as LF: the patterns here work on lines."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def loose_codes(text: str, replies: list[tuple[int, SmtpReply]]) -> list[tuple[int, str]]:
    """Enhanced codes in the text that are not part of a reply we found ("(#5.5.0)",
    "5.2.2 <addr>... Mailbox Full")."""
    taken = {r.enhanced for _, r in replies if r.enhanced}
    return [(m.start(), m["enh"]) for m in ENH_ALONE.finditer(text) if m["enh"] not in taken]


def pick_reply(replies: list[tuple[int, SmtpReply]], status: str | None) -> SmtpReply | None:
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


_MARKER = lazy(r"(?<![\w.])[245]\d\d(?:-(?:[245]\.\d{1,3}\.\d{1,3} ?)?| [245]\.\d{1,3}\.\d{1,3} )")


def strip_markers(text: str) -> str:
    """Remove reply-code markers (`550-5.7.26 `) wherever they sit, so wrapped phrases read
    as one (DSN-04)."""
    return _MARKER.sub("", text)
