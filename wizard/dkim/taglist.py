"""RFC 6376 §3.2 tag=value lists (DKIM-Signature, ARC-Seal, ARC-Message-Signature, key records).

dkimpy has `dkim.util.parse_tag_value`, and it is what decides whether dkimpy verifies a
signature. We do not use it here because it raises on the *first* problem and says nothing
about where it was: a troubleshooter has to list every problem (two `d=`, a missing `=`, a
stray `;;`) with its position so the engineer can see the bad spot (DKIM-SIG-02). Where the
input is valid the result is the same as dkimpy's (tests/wizard/test_tags.py compares them);
where dkimpy is laxer (it checks only that a tag name *starts* with a letter) we report the
problem but still keep the tag, so decoding goes on.
"""
from __future__ import annotations

import re

from msgspec import Struct

from wizard.common.safe_text import sanitize
from wizard.model.dkim import Verdict as Verdict

MAX_TAGS = 100  # a signature has about 12 tags; more is hostile or broken input

_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*\Z")
_BAD_CHAR = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class Tag(Struct, frozen=True):
    name: str
    value: str  # surrounding whitespace removed, inner folding kept (as dkimpy keeps it)
    start: int  # offset of the tag-spec in the parsed text
    end: int


class TagProblem(Struct, frozen=True):
    kind: str  # "empty", "no_equals", "bad_name", "duplicate", "bad_char", "too_many"
    position: int  # offset in the parsed text where the problem is
    text: str  # the offending tag-spec as written
    message: str  # plain-language explanation
    fatal: bool  # True when RFC 6376 (and dkimpy) make the whole tag-list invalid


class TagList(Struct, frozen=True):
    source: str  # the text that was parsed, positions refer to it
    tags: tuple[Tag, ...]  # in order; for a duplicate name only the first is kept
    problems: tuple[TagProblem, ...]

    @property
    def ok(self) -> bool:
        return not any(p.fatal for p in self.problems)

    def get(self, name: str) -> str | None:
        for tag in self.tags:
            if tag.name == name:
                return tag.value
        return None

    def as_dict(self) -> dict[str, str]:
        return {t.name: t.value for t in self.tags}


# RFC 6376 §2.8 FWS is ASCII space, tab and CRLF only: str.strip() would also eat
# U+00A0 and other Unicode spaces, which dkimpy (rightly) treats as tag text.
_FWS = " \t\r\n"


def parse_tags(text: str) -> TagList:
    """Parse a tag-list, never raising; every problem is reported with its offset."""
    tags: list[Tag] = []
    problems: list[TagProblem] = []
    seen: dict[str, int] = {}
    # Split on ';' keeping offsets. A trailing ';' (last element empty) is allowed by §3.2.
    pieces: list[tuple[int, str]] = []
    pos = 0
    for part in text.split(";"):
        pieces.append((pos, part))
        pos += len(part) + 1
    if pieces and not pieces[-1][1].strip(_FWS):
        pieces.pop()
    for count, (offset, spec) in enumerate(pieces):
        if count >= MAX_TAGS:
            problems.append(
                TagProblem(
                    "too_many", offset, spec,
                    f"more than {MAX_TAGS} tags; the rest were not read", fatal=False,
                )
            )
            break
        lead = len(spec) - len(spec.lstrip(_FWS))
        start = offset + lead
        if not spec.strip(_FWS):
            problems.append(
                TagProblem(
                    "empty", offset, spec,
                    "empty element (';;'): not valid tag-list syntax; dkimpy rejects it, "
                    "some other verifiers accept it",
                    fatal=True,
                )
            )
            continue
        if "=" not in spec:
            problems.append(
                TagProblem(
                    "no_equals", start, spec.strip(_FWS),
                    f"{spec.strip(_FWS)!r} has no '=': every element must be tag=value", fatal=True,
                )
            )
            continue
        raw_name, raw_value = spec.split("=", 1)
        name = raw_name.strip(_FWS)
        value = raw_value.strip(_FWS)
        if not _NAME.match(name):
            problems.append(
                TagProblem(
                    "bad_name", start, spec.strip(_FWS),
                    f"{name!r} is not a valid tag name (a letter, then letters, digits or '_')",
                    fatal=True,
                )
            )
            if not name:
                continue
        if (bad := _BAD_CHAR.search(raw_value)) is not None:
            problems.append(
                TagProblem(
                    "bad_char", offset + len(raw_name) + 1 + bad.start(), spec.strip(_FWS),
                    f"the value of {name}= contains a control character", fatal=True,
                )
            )
        if name in seen:
            problems.append(
                TagProblem(
                    "duplicate", start, spec.strip(_FWS),
                    f"tag {name}= occurs more than once; RFC 6376 §3.2 makes the whole "
                    "tag-list invalid",
                    fatal=True,
                )
            )
            continue
        seen[name] = start
        tags.append(Tag(name, value, start, offset + len(spec)))
    return TagList(text, tuple(tags), tuple(problems))


def pointer(text: str, position: int, width: int = 70) -> str:
    """A one-line excerpt of `text` around `position` with a caret line under the spot.

    Folded header text is flattened (line breaks shown as spaces) so the caret lines up."""
    flat = re.sub(r"[\r\n\t]", " ", text)
    position = max(0, min(position, len(flat)))
    left = max(0, position - width // 2)
    right = min(len(flat), left + width)
    # Sanitised here (not only at display time) so escapes cannot shift the caret.
    before = ("…" if left > 0 else "") + sanitize(flat[left:position], one_line=True)
    after = sanitize(flat[position:right], one_line=True) + ("…" if right < len(flat) else "")
    return f"{before}{after}\n{' ' * len(before)}^"
