"""Path completion for the boxes that take a file name (Textual's Suggester API): the rest
of the name shows dimmed after what was typed, and → takes it, as a shell's tab
completion would."""
from __future__ import annotations

import asyncio
import os

from textual.suggester import Suggester

from tui import safe

# Entries read from one folder per suggestion: a folder of a million files must not stall
# typing (the scan runs in a thread, but each keystroke starts one).
MAX_ENTRIES = 2000


def complete(value: str) -> str | None:
    """`value` completed by the names in its folder: the longest part all the names that fit
    share, or the first such name when they share nothing more; a folder gets its "/". None
    when nothing fits. Names holding control characters are never offered (they would reach
    the terminal)."""
    folder, prefix = os.path.split(value)
    where = os.path.expanduser(folder) if folder else "."
    try:
        with os.scandir(where) as entries:
            names = []
            for n, entry in enumerate(entries):
                if n >= MAX_ENTRIES:
                    break
                name = entry.name
                if name.startswith(prefix) and (prefix.startswith(".") or not name.startswith(".")) \
                        and safe.clean(name, one_line=True) == name:
                    names.append(name + ("/" if entry.is_dir() else ""))
    except OSError:
        return None
    if not names:
        return None
    shared = os.path.commonprefix(names)  # noqa: RUF071 - names of one folder: characters are what completes
    name = shared if len(shared) > len(prefix) else min(names)
    return value + name[len(prefix):] if name != prefix else None


class PathSuggester(Suggester):
    """Suggests the rest of a file name from the file system (never cached: files come and go)."""

    def __init__(self) -> None:
        super().__init__(use_cache=False, case_sensitive=True)

    async def get_suggestion(self, value: str) -> str | None:
        if not value:
            return None
        return await asyncio.to_thread(complete, value)
