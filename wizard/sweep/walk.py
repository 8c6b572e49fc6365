"""What a sweep reads: every message under the paths given, one at a time.

Paths are walked lazily (os.scandir, generators), so a Maildir of a million files costs the
memory of one directory entry at a time, never a list of them. A file whose first line is an
mbox "From " line is split into its messages as it is read; anything else is one input,
handed to the same analysis `check` runs (a message, a bounce, a report file).

mbox is split here rather than by the stdlib's `mailbox.mbox`: that class builds a table of
contents of every message before handing out the first (memory and a full read before any
work starts), and yields `Message` objects, not the stored bytes a DKIM verifier must see.
The splitter keeps each message's bytes as stored, minus its "From " separator line.
"""
from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from typing import BinaryIO

from msgspec import Struct

# A message in an mbox bigger than this is cut off there: the engine reads at most 64 MiB
# of any input (wizard.input.classify.MAX_INPUT_BYTES), and one runaway message must not
# hold the whole file in memory.
MBOX_MESSAGE_CAP = 64 * 1024 * 1024
_MAILDIR_PARTS = ("cur", "new")


class Item(Struct, frozen=True):
    """One input to analyse. `path` names it for the user ("box.mbox#3" for the third message
    of an mbox); `raw` holds its bytes when they came out of an mbox, else the worker reads
    `path` itself (a file name is cheaper to send to another process than its bytes)."""

    path: str
    raw: bytes | None = None


class Unreadable(Struct, frozen=True):
    """A path that could not be read, and why in plain words."""

    path: str
    reason: str


def _reason(exc: OSError) -> str:
    return (exc.strerror or str(exc)).lower()


def walk(paths: Iterable[str]) -> Iterator[Item | Unreadable]:
    """Every input under `paths`, in the order met: files, mbox files (split), Maildir
    folders (their cur/ and new/, never tmp/), other directories recursively. Hidden files
    (Maildir's and editors' own) are skipped."""
    for path in paths:
        yield from _walk_one(path)


def paths_from(stream: Iterable[str]) -> Iterator[str]:
    """The paths listed one per line (`sweep -`), blank lines skipped."""
    for line in stream:
        text = line.rstrip("\r\n")
        if text.strip():
            yield text


def _walk_one(path: str) -> Iterator[Item | Unreadable]:
    try:
        is_dir = os.path.isdir(path)
        if not is_dir and not os.path.exists(path):
            yield Unreadable(path, "no such file")
            return
    except OSError as exc:  # a name the system refuses (too long, bad bytes)
        yield Unreadable(path, _reason(exc))
        return
    if is_dir:
        yield from _walk_dir(path)
    else:
        yield from _file(path)


def _walk_dir(directory: str) -> Iterator[Item | Unreadable]:
    try:
        entries = os.scandir(directory)
    except OSError as exc:
        yield Unreadable(directory, _reason(exc))
        return
    with entries:
        maildir = all(os.path.isdir(os.path.join(directory, p)) for p in _MAILDIR_PARTS)
        for entry in entries:
            if entry.name.startswith("."):
                continue
            try:
                is_dir = entry.is_dir()
            except OSError as exc:
                yield Unreadable(entry.path, _reason(exc))
                continue
            if is_dir:
                # A Maildir's tmp/ holds deliveries still being written: never read them.
                if not (maildir and entry.name == "tmp"):
                    yield from _walk_dir(entry.path)
            else:
                yield from _file(entry.path)


def _file(path: str) -> Iterator[Item | Unreadable]:
    try:
        handle = open(path, "rb")  # noqa: SIM115 (closed below, after the generator is done)
    except OSError as exc:
        yield Unreadable(path, _reason(exc))
        return
    with handle:
        try:
            head = handle.read(5)
        except OSError as exc:
            yield Unreadable(path, _reason(exc))
            return
        if head != b"From ":
            yield Item(path)
            return
        handle.seek(0)
        try:
            yield from split_mbox(path, handle)
        except OSError as exc:
            yield Unreadable(path, _reason(exc))


def split_mbox(path: str, handle: BinaryIO) -> Iterator[Item]:
    """The messages of an mbox, read line by line: a line starting "From " at the start of
    the file or after an empty line opens the next message (the mboxo/mboxrd rule that
    writers quote body lines to keep)."""
    number = 0
    parts: list[bytes] = []
    size = 0
    previous_blank = True
    started = False
    for line in handle:
        if line.startswith(b"From ") and previous_blank:
            if started:
                number += 1
                yield Item(f"{path}#{number}", _strip_separator_blank(parts))
            parts, size, started = [], 0, True
            previous_blank = False
            continue
        previous_blank = line in (b"\n", b"\r\n")
        if size < MBOX_MESSAGE_CAP:
            parts.append(line)
            size += len(line)
    if started:
        yield Item(f"{path}#{number + 1}", _strip_separator_blank(parts))


def _strip_separator_blank(parts: list[bytes]) -> bytes:
    # The empty line before the next "From " belongs to the mbox, not to the message.
    if parts and parts[-1] in (b"\n", b"\r\n"):
        parts = parts[:-1]
    return b"".join(parts)


def read_path(path: str) -> bytes:
    """The bytes of one input named as the walk named it: a file, or "box.mbox#3", the third
    message of an mbox (read again up to it). Raises OSError."""
    if not os.path.isfile(path):
        file, sep, number = path.rpartition("#")
        if sep and number.isdigit() and os.path.isfile(file):
            with open(file, "rb") as handle:
                for item in split_mbox(file, handle):
                    if item.path == path and item.raw is not None:
                        return item.raw
            raise FileNotFoundError(f"{file} holds fewer than {number} messages")
    with open(path, "rb") as handle:
        return handle.read()
