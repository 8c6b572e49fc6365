"""Regular expressions compiled on first use.

`mailtriage check` is a short-lived process, and compiling every module's patterns at import
was a measurable share of its start-up (tests/bench/bench_check.py): a plain message never
touches most of the bounce, status-code and record-syntax patterns. `lazy()` takes the same
arguments as `re.compile` and gives an object that behaves like the compiled pattern; the
compile happens on the first match/search/sub/…, once.
"""
from __future__ import annotations

import re


class LazyPattern:
    """A stand-in for `re.compile(pattern, flags)` that compiles when first used."""

    __slots__ = ("_compiled", "flags", "pattern")

    def __init__(self, pattern: str | bytes, flags: int = 0) -> None:
        self.pattern = pattern
        self.flags = flags
        self._compiled: re.Pattern | None = None

    def compiled(self) -> re.Pattern:
        if self._compiled is None:
            self._compiled = re.compile(self.pattern, self.flags)
        return self._compiled

    def __getattr__(self, name: str):
        # Only reached for what the slots above do not hold: match, search, sub, finditer, …
        return getattr(self.compiled(), name)

    def __repr__(self) -> str:
        return f"lazy({self.pattern!r}, {self.flags!r})"


def lazy(pattern: str | bytes, flags: int = 0) -> LazyPattern:
    return LazyPattern(pattern, flags)
