"""Each DKIM-Signature of a message, parsed once and handed to every stage that reads it.

Verification, transit forensics and the body-hash child (wizard.transit.prefetch) all need
the same few tags of the same header: c=, a=, l= for the body hash, h=, b=, bh= for the
header signature, d=, s= to name it. They used to read them each on their own (and find
"their" header again by comparing strings); here they are read once, and a stage asks the
object. The tolerant tag list (wizard.dkim.taglist) is the parse; dkimpy's strict form of
the same value, which decides what dkimpy will accept, is derived from the raw bytes on
first use and kept.

This module is imported by the forked prefetch child before anything heavy, so it imports
no dkimpy (and so no dnspython) at module level: `import dkim` alone costs ~80 ms.
"""
from __future__ import annotations

import functools
import re

from msgspec import Struct

from wizard.dkim.taglist import TagList, parse_tags
from wizard.input.message import Header, Message

# The most signatures any stage examines (wizard.dkim.tags stops there too); a message with
# more is broken or hostile, and each parse costs time.
MAX_PARSED = 50
BODY_ALGORITHMS = ("simple", "relaxed")


class Signature(Struct, frozen=True, dict=True):  # dict: room for the cached dkimpy view
    """One DKIM-Signature field as written: tag values are raw text, stripped (and, for
    b=/bh=, with folding whitespace removed); nothing here is sanitised for display."""

    index: int  # 0 = top-most DKIM-Signature
    header: Header
    tags: TagList
    d: str
    s: str
    a: str  # lower case; "" when a= is missing
    c_header: str  # lower case, default "simple"; may be an unknown name
    c_body: str
    length: int | None  # l=; None when absent or not a decimal number
    h: tuple[str, ...]  # names as listed in h=, case kept, empty names dropped
    bh: str
    b: str

    @property
    def raw_value(self) -> bytes:
        """The field's value as on the wire: after the colon, folding kept."""
        return self.header.raw[self.header.raw.index(b":") + 1:]

    @property
    def body_key(self) -> tuple[str, str, int | None] | None:
        """(body canonicalisation, a=, l=): what the body hash depends on; None when the
        signature names no usable body algorithm or its l= is not a number."""
        if not self.a or self.c_body not in BODY_ALGORITHMS:
            return None
        if self.tags.get("l") is not None and self.length is None:
            return None
        return self.c_body, self.a, self.length

    @functools.cached_property
    def _dkimpy(self) -> tuple[dict[bytes, bytes], str]:
        # Deferred: dkimpy pulls in dnspython, which the prefetch child must not wait for.
        from dkim.util import InvalidTagValueList, parse_tag_value

        try:
            return parse_tag_value(self.raw_value), ""
        except InvalidTagValueList as exc:
            at = exc.args[0] if exc.args else b"?"
            shown = at.decode("utf-8", "backslashreplace") if isinstance(at, bytes) else str(at)
            return {}, f"the tag list does not parse (at {shown!r})"

    @property
    def dkimpy_tags(self) -> dict[bytes, bytes]:
        """The tags as dkimpy's `parse_tag_value` reads them (what dkimpy verifies with);
        empty when dkimpy rejects the tag list (`dkimpy_error` says why). A copy: callers
        may edit it."""
        return dict(self._dkimpy[0])

    @property
    def dkimpy_error(self) -> str:
        return self._dkimpy[1]


def _compact(value: str | None) -> str:
    return re.sub(r"\s+", "", value) if value else ""


def parse_signature(index: int, header: Header) -> Signature:
    tags = parse_tags(header.value)
    c_head, _, c_body = (tags.get("c") or "simple").strip().lower().partition("/")
    raw_l = tags.get("l")
    return Signature(
        index=index,
        header=header,
        tags=tags,
        d=(tags.get("d") or "").strip(),
        s=(tags.get("s") or "").strip(),
        a=(tags.get("a") or "").strip().lower(),
        c_header=c_head.strip() or "simple",
        c_body=c_body.strip() or "simple",
        length=int(raw_l) if raw_l is not None and raw_l.isascii() and raw_l.isdigit() else None,
        h=tuple(n.strip() for n in (tags.get("h") or "").split(":") if n.strip()),
        bh=_compact(tags.get("bh")),
        b=_compact(tags.get("b")),
    )


def parse_signatures(msg: Message) -> tuple[Signature, ...]:
    """Every DKIM-Signature of `msg`, top-most first (at most MAX_PARSED). Never raises."""
    return tuple(parse_signature(n, h) for n, h in enumerate(msg.get_all("DKIM-Signature")[:MAX_PARSED]))
