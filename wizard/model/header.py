"""One header field of the input, exactly as it appeared."""
from __future__ import annotations

import re

from msgspec import Struct


class Header(Struct, frozen=True):
    name: str  # as written (case kept)
    value: str  # text after the colon, folding kept, trailing CRLF removed
    raw: bytes  # the whole field as it appeared, CRLF line ends, no final CRLF
    index: int  # 0 = top-most field
    line: int  # 1-based line number in the input where the field starts

    __json_hidden__ = ("raw",)

    @property
    def unfolded(self) -> str:
        """The value on one line, as RFC 5322 §2.2.3 unfolding gives it."""
        return re.sub(r"\r?\n(?=[ \t])", "", self.value).strip()
