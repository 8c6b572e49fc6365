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

# Every Unicode format (Cf), line-separator (Zl) and paragraph-separator (Zp) character, as
# explicit ranges (Unicode 15; tests/wizard/common/test_safe_text.py checks the list against
# unicodedata): they are invisible or reorder what is next to them, so a value could read
# differently than it is. Among them the bidi marks (U+061C, U+200E/F, U+202A–E, U+2066–9),
# the soft hyphen U+00AD that can hide inside a name, the word joiner U+2060 and invisible
# operators, U+2028/9 which some terminals and JSON readers take as a line break, and the
# tag block U+E0000–E007F (all of it, unassigned points too) that can spell hidden text.
# A range class keeps this one linear pass; a per-character category lookup would not.
FORMAT_CHARACTERS = (
    "\u00ad\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2\u180e\u200b-\u200f"
    "\u2028-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb\U000110bd\U000110cd"
    "\U00013430-\U0001343f\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0000-\U000e007f"
)
# C0 controls except TAB/LF, DEL, C1 controls, and the format characters above.
_UNSAFE = re.compile(f"[\x00-\x08\x0b-\x1f\x7f-\x9f{FORMAT_CHARACTERS}]")
_UNSAFE_ONE_LINE = re.compile(f"[\x00-\x08\x0a-\x1f\x7f-\x9f{FORMAT_CHARACTERS}]")


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    if code < 0x100:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


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
