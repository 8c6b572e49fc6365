"""Make untrusted text harmless to show (DESIGN.md rule 4).

Headers, bounces and DNS answers are attacker-controlled. Before any of it reaches a terminal
(plain-text report) or a widget, control characters become visible escapes: ESC could start
an OSC 52 clipboard write or retitle the terminal, C1 bytes (0x9b is a one-byte CSI) act like
ESC on some terminals, and bidi overrides can make a command read differently than it runs.
Markup such as `[@click=…]` is *not* touched here: that is the renderer's job (Content/Text),
because brackets are legitimate in mail.
"""
from __future__ import annotations

import re

# C0 controls except TAB/LF, DEL, C1 controls, and the Unicode bidi/invisible format marks.
_UNSAFE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]"
)
_UNSAFE_ONE_LINE = re.compile(
    "[\x00-\x08\x0a-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]"
)


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def sanitize(text: str, *, one_line: bool = False) -> str:
    """Return `text` with every control character shown as a visible escape.

    With `one_line`, line feeds are escaped too (for table cells and titles). A CR that ends
    a CRLF pair is dropped rather than shown: it is line structure, not content."""
    text = text.replace("\r\n", "\n")
    return (_UNSAFE_ONE_LINE if one_line else _UNSAFE).sub(_escape, text)


def decode(raw: bytes) -> str:
    """Bytes from the wire to text without ever failing: UTF-8 where valid, and each
    undecodable byte kept visible as its own \\xNN escape rather than silently replaced."""
    return raw.decode("utf-8", errors="backslashreplace")


def shorten(text: str, limit: int = 200) -> str:
    """Cut a long value for one-line display, saying how much was left out."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}… (+{len(text) - limit} chars)"
