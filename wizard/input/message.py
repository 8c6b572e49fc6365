"""A raw RFC 5322 message split into headers and body, byte-exact, tolerant of damage.

dkimpy's `rfc822_parse` does the same split, but it raises on the first malformed header
line; pasted and attacker-supplied mail needs a parser that keeps going and reports what was
wrong (EVID-03, DKIM-SIG-02). The split rules are the same as dkimpy's, so the bytes we hand
to dkimpy later are the bytes we analysed here. stdlib `email` is used for MIME structure
(DSN parts) elsewhere; it normalises folding and so cannot serve DKIM.
"""
from __future__ import annotations

import functools
import re
from datetime import UTC, datetime
from email.utils import getaddresses, parsedate_to_datetime

from msgspec import Struct

from wizard.common.safe_text import decode
from wizard.model.header import Header as Header

_HEADER_START = re.compile(rb"([\x21-\x39\x3b-\x7e]+)[ \t]*:")
_LONE_CR = re.compile(rb"\r(?!\n)")


class Message(Struct, frozen=True, dict=True):  # dict: room for cached_property
    """The message as DKIM sees it: `canonical` has CRLF line ends throughout."""

    headers: tuple[Header, ...]
    body: bytes | None  # None when the input stops after the header block
    line_endings: str  # "crlf", "lf", "mixed", "cr" or "none"
    bad_lines: tuple[tuple[int, str], ...]  # (line number, text) of lines that are not headers
    leading_from_line: str | None  # an mbox "From " separator line, if one was present

    @functools.cached_property
    def canonical(self) -> bytes:
        """Headers + CRLF + body, CRLF everywhere (what verification hashes). Built on first
        use: only ARC and key-rotation checks need the whole message in one piece, and
        copying a 20 MB body for every check was a measurable part of its time."""
        return b"".join(h.raw + b"\r\n" for h in self.headers) + b"\r\n" + (self.body or b"")

    def get_all(self, name: str) -> list[Header]:
        key = name.lower()
        return [h for h in self.headers if h.name.lower() == key]

    def get(self, name: str) -> Header | None:
        found = self.get_all(name)
        return found[0] if found else None

    def value(self, name: str) -> str | None:
        header = self.get(name)
        return header.unfolded if header else None


def line_ending_style(raw: bytes) -> str:
    lf_all, cr_all = raw.count(b"\n"), raw.count(b"\r")
    if lf_all == cr_all and lf_all and _LONE_CR.search(raw) is None:
        # As many CRs as LFs and every CR followed by an LF: all CRLF. Said without the
        # two-byte count below, which is the slower scan of a big .eml.
        return "crlf"
    crlf = raw.count(b"\r\n")
    lf = lf_all - crlf
    cr = cr_all - crlf
    if not (crlf or lf or cr):
        return "none"
    kinds = [k for k, n in (("crlf", crlf), ("lf", lf), ("cr", cr)) if n]
    return kinds[0] if len(kinds) == 1 else "mixed"


def parse_message(raw: bytes) -> Message:
    """Split raw bytes into header fields and body. Never raises."""
    style = line_ending_style(raw)
    # Only the header block is parsed line by line; the body is converted in one piece
    # (splitting a 20 MB body into lines and joining it again dominated a full check).
    # `rest` is the body after the first empty line, already with CRLF line ends.
    rest: bytes | None = None
    crlf_blank = raw.find(b"\r\n\r\n") if style == "crlf" and not raw.startswith(b"\r\n") else -1
    if crlf_blank >= 0:
        # CRLF-only input (the usual .eml): the body needs no conversion at all.
        text, rest = raw[: crlf_blank + 4].replace(b"\r\n", b"\n"), raw[crlf_blank + 4 :]
    else:
        text = raw.replace(b"\r\n", b"\n")
        if style == "cr":
            # Classic-Mac or pasted CR-only text: treat CR as the line end (and say so).
            text = text.replace(b"\r", b"\n")
        if not text.startswith(b"\n"):
            blank = text.find(b"\n\n")
            if blank >= 0:
                text, rest = text[: blank + 2], text[blank + 2 :].replace(b"\n", b"\r\n")
    lines = text.split(b"\n")
    headers: list[tuple[bytes, list[bytes], int]] = []  # name, physical lines, first line
    bad: list[tuple[int, str]] = []
    mbox_from = None
    i = 0
    body: bytes | None = None
    while i < len(lines):
        line = lines[i]
        if line == b"":
            if rest is not None:
                body = rest
                break
            if i == len(lines) - 1:
                break  # input ended with the header block's final newline
            body = b"\r\n".join(lines[i + 1 :])
            break
        if line[:1] in (b" ", b"\t") and headers:
            headers[-1][1].append(line)
        elif (m := _HEADER_START.match(line)) is not None:
            headers.append((m.group(1), [line], i + 1))
        elif i == 0 and line.startswith(b"From "):
            mbox_from = decode(line)
        else:
            bad.append((i + 1, decode(line)))
        i += 1

    parsed = []
    for index, (name, physical, lineno) in enumerate(headers):
        raw_field = b"\r\n".join(physical)
        colon = raw_field.index(b":")
        parsed.append(
            Header(
                name=decode(name),
                value=decode(raw_field[colon + 1 :]),
                raw=raw_field,
                index=index,
                line=lineno,
            )
        )
    return Message(
        headers=tuple(parsed),
        body=body,
        line_endings=style,
        bad_lines=tuple(bad),
        leading_from_line=mbox_from,
    )


def parse_date(text: str | None) -> datetime | None:
    """An RFC 5322 date (a Date field, a Received stamp) as an aware datetime, or None when
    it does not parse. "-0000" (time zone unknown) parses naive; UTC is the honest reading."""
    if not text or not text.strip():
        return None
    try:
        stamp = parsedate_to_datetime(text.strip())
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    return stamp if stamp.tzinfo else stamp.replace(tzinfo=UTC)


def mailbox_addresses(value: str) -> list[str] | None:
    """The addresses of a mailbox-list field (From, Sender), or None when the value does not
    read as one. Python 3.11's getaddresses reads `<alice@a;id.example.test>` as three
    addresses, the first `alice@a`, a domain the author never wrote; like the strict mode of
    later Pythons (CVE-2023-27043), a value is refused unless it yields one address per
    top-level comma-separated item (empty items, as in a trailing comma, do not count).
    getaddresses recurses once per nested comment, so a value nesting comments deeper than
    any real header does is refused before it is parsed (it would raise RecursionError)."""
    items, depth = _top_level_items(value)
    if depth > MAX_COMMENT_DEPTH:
        return None
    parsed = getaddresses([value])
    if len(parsed) != items:
        return None
    return [address for _, address in parsed if address]


MAX_COMMENT_DEPTH = 20  # "(a (b))" is depth 2; real From headers stay at 1


def _top_level_items(value: str) -> tuple[int, int]:
    """The non-blank items between commas outside quoted strings and comments, and the
    deepest comment nesting: one linear scan."""
    items, depth, deepest, quoted, escaped, blank = 0, 0, 0, False, False, True
    for char in value:
        if escaped:
            escaped = False
        elif char == "\\" and (quoted or depth):
            escaped = True
        elif quoted:
            quoted = char != '"'
        elif char == "(":
            depth += 1
            deepest = max(deepest, depth)
        elif char == ")" and depth:
            depth -= 1
        elif char == "," and not depth:
            items += not blank
            blank = True
            continue
        elif char == '"' and not depth:
            quoted = True
        if not char.isspace():
            blank = False
    return items + (not blank), deepest
