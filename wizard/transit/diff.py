"""Line diff of two canonical bodies with whitespace made visible.

A changed trailing space, a tab turned into spaces or a bare CR is invisible in an ordinary
diff, and those are exactly the changes that break `c=simple`. Each line is shown with
CR as ␍, LF as ␊, TAB as ␉ and trailing spaces as ·, then passed through safe_text.sanitize.
Returned as data (DiffLine tuples) so the report writers and the TUI render it their way.
"""
from __future__ import annotations

import difflib

from wizard.common.safe_text import decode, sanitize
from wizard.model.transit import DiffLine as DiffLine

CONTEXT = 3
MAX_MIDDLE_LINES = 4000  # difflib is quadratic in the worst case; beyond this, no alignment
MAX_OUTPUT_LINES = 600


def visible(line: bytes) -> str:
    """One canonical line (without its CRLF) with whitespace and controls made visible."""
    body = line.rstrip(b" ")
    trail = len(line) - len(body)
    text = decode(body).replace("\t", "␉").replace("\r", "␍").replace("\n", "␊")
    return sanitize(text, one_line=True) + "·" * trail


def split_lines(canonical: bytes) -> list[bytes]:
    """Canonical body → lines without CRLF; a last line lacking CRLF is marked by the caller."""
    lines = canonical.split(b"\r\n")
    if lines and lines[-1] == b"":
        lines.pop()
    return lines


def _render(line: bytes, last_without_crlf: bool) -> str:
    return visible(line) + (" (no CRLF at end)" if last_without_crlf else "")


def diff_bodies(old: bytes, new: bytes) -> tuple[DiffLine, ...]:
    """Diff of two canonical bodies: changed lines with CONTEXT lines around them."""
    a, b = split_lines(old), split_lines(new)
    a_open = bool(old) and not old.endswith(b"\r\n")
    b_open = bool(new) and not new.endswith(b"\r\n")
    # Common head and tail first: cheap, and keeps difflib on the part that changed.
    head = 0
    while head < min(len(a), len(b)) and a[head] == b[head]:
        head += 1
    tail = 0
    while tail < min(len(a), len(b)) - head and a[-1 - tail] == b[-1 - tail]:
        tail += 1
    ops: list[tuple[str, int, int, int, int]] = [("equal", 0, head, 0, head)]
    ma, mb = a[head : len(a) - tail], b[head : len(b) - tail]
    if len(ma) <= MAX_MIDDLE_LINES and len(mb) <= MAX_MIDDLE_LINES:
        for opcode, i1, i2, j1, j2 in difflib.SequenceMatcher(None, ma, mb, autojunk=False).get_opcodes():
            ops.append((opcode, head + i1, head + i2, head + j1, head + j2))
    else:
        ops.append(("replace", head, len(a) - tail, head, len(b) - tail))
    ops.append(("equal", len(a) - tail, len(a), len(b) - tail, len(b)))

    out: list[DiffLine] = []
    for tag, i1, i2, j1, j2 in ops:
        if tag == "equal":
            n = i2 - i1
            if n <= 2 * CONTEXT + 1:
                keep = [(k, True) for k in range(n)]
            else:
                first = out == []
                last = (i2, j2) == (len(a), len(b))
                lead = [] if first else [(k, True) for k in range(CONTEXT)]
                trail_ = [] if last else [(k, True) for k in range(n - CONTEXT, n)]
                skipped = n - len(lead) - len(trail_)
                keep = lead + [(-skipped, False)] + trail_
            for k, real in keep:
                if not real:
                    out.append(DiffLine("skip", None, None, f"… {-k} unchanged lines"))
                    continue
                out.append(DiffLine("same", i1 + k + 1, j1 + k + 1,
                                    _render(a[i1 + k], a_open and b_open and i1 + k == len(a) - 1)))
            continue
        for i in range(i1, i2):
            out.append(DiffLine("removed", i + 1, None, _render(a[i], a_open and i == len(a) - 1)))
        for j in range(j1, j2):
            out.append(DiffLine("added", None, j + 1, _render(b[j], b_open and j == len(b) - 1)))
    if len(out) > MAX_OUTPUT_LINES:
        more = len(out) - MAX_OUTPUT_LINES
        out = out[:MAX_OUTPUT_LINES] + [DiffLine("skip", None, None, f"… diff cut here: {more} more lines")]
    # A whole-file "skip" with nothing else means the bodies are equal: say nothing.
    if all(d.kind in ("same", "skip") for d in out):
        return ()
    return tuple(out)
