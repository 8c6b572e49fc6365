"""The MIME layout of a body, by line: where the delimiters are and where each leaf part's
content starts and ends (what the body search edits). stdlib email parses each part's
headers; the line positions it loses are what the search needs, so the splitting is here."""
from __future__ import annotations

from email.message import Message as EmailMessage
from email.parser import HeaderParser

from msgspec import Struct

from wizard.input.message import Message

MAX_DEPTH = 6  # nested multiparts followed; deeper ones count as one leaf


class Leaf(Struct, frozen=True):
    content_start: int  # line index
    content_end: int  # exclusive: the next delimiter line (or end of body)
    ctype: str
    cte: str
    cte_line: int | None  # line index of the part's Content-Transfer-Encoding header


def _header_block(text: str) -> EmailMessage:
    return HeaderParser().parsestr(text)


def layout(msg: Message, lines: list[bytes]) -> tuple[list[int], list[Leaf]]:
    """Delimiter line indexes and leaf parts of the body split into `lines`."""
    top = "".join(f"{h.name}: {h.unfolded}\n" for h in msg.headers
                  if h.name.lower() in ("content-type", "content-transfer-encoding")) + "\n"
    delimiters: list[int] = []
    leaves: list[Leaf] = []

    def walk(start: int, end: int, hm: EmailMessage, cte_line: int | None, depth: int) -> None:
        ctype = hm.get_content_type()
        boundary = hm.get_param("boundary") if ctype.startswith("multipart/") else None
        cte = (hm.get("content-transfer-encoding") or "7bit").strip().lower()
        if not isinstance(boundary, str) or depth > MAX_DEPTH:
            leaves.append(Leaf(start, end, ctype, cte, cte_line))
            return
        delim = b"--" + boundary.encode("utf-8", "replace")
        marks = [i for i in range(start, end) if lines[i].rstrip(b" \t") in (delim, delim + b"--")]
        delimiters.extend(marks)
        for here, nxt in zip(marks, marks[1:] + [end]):
            if lines[here].rstrip(b" \t").endswith(b"--"):
                break
            head_end = here + 1
            while head_end < nxt and lines[head_end] != b"":
                head_end += 1
            block = b"\n".join(lines[here + 1 : head_end]).decode("latin-1") + "\n\n"
            part_cte = next((i for i in range(here + 1, head_end)
                             if lines[i].lower().startswith(b"content-transfer-encoding:")), None)
            walk(min(head_end + 1, nxt), nxt, _header_block(block), part_cte, depth + 1)

    walk(0, len(lines), _header_block(top), None, 0)
    delimiters.sort()
    return delimiters, leaves
