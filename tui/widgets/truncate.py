"""Text cut to fit a screen: always visibly cut.

A value cut with no mark reads as the whole value (a DNS record missing its tail looks like
a broken record), so cut text always ends in "…"; the screen that cuts it keeps the whole
value one key away.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from rich.cells import cell_len, set_cell_size

if TYPE_CHECKING:
    from rich.text import Text


def ellipsize(text: str, width: int, *, at_word: bool = False) -> str:
    """`text` in at most `width` terminal cells, ending in "…" when it had to be cut.
    Counted in cells, not characters, so wide (CJK) characters do not overflow a column.
    `at_word` cuts before a word the cut would split (a title cut mid-word misleads), unless
    that leaves nothing of the text."""
    if cell_len(text) <= width:
        return text
    if width < 1:
        return ""
    # set_cell_size pads with a space where a wide character would be split in two.
    cut = set_cell_size(text, width - 1)
    if at_word and not text[len(cut):].startswith(" ") and " " in cut.strip():
        cut = cut[: cut.rstrip().rfind(" ")]
    return cut.rstrip(" ") + "…"


def ellipsize_start(text: str, width: int) -> str:
    """`text` in at most `width` cells, its start cut to "…": a path's file name is at its end."""
    if cell_len(text) <= width:
        return text
    if width < 1:
        return ""
    tail = text[-(width - 1):]
    while cell_len(tail) > width - 1:  # wide characters take two cells
        tail = tail[1:]
    return "…" + tail


def fit_table(header: Sequence[str], rows: Sequence[Sequence[tuple[str, str]]], width: int,
              give_way: Sequence[tuple[int, int]]) -> list[tuple[Text, ...]]:
    """`rows` of (text, style) cells as DataTable cells that fit `width` cells of screen.

    A DataTable sizes each column to its widest cell and scrolls sideways past the screen's
    edge, which cuts text with no mark. Here the columns in `give_way`, (column, narrowest)
    in the order they give up room, are narrowed until the table fits, and their cut cells
    end in "…". (The header is never cut: the narrowest is at least its width.)"""
    from rich.text import Text

    widths = [cell_len(h) for h in header]
    for row in rows:
        widths = [max(w, cell_len(text)) for w, (text, _) in zip(widths, row, strict=True)]
    # Each column has one cell of padding either side (DataTable's cell_padding).
    over = sum(widths) + 2 * len(widths) - width
    for column, narrowest in give_way:
        if over <= 0:
            break
        give = min(over, max(0, widths[column] - max(narrowest, cell_len(header[column]))))
        widths[column] -= give
        over -= give
    return [tuple(Text(ellipsize(text, w), style=style, no_wrap=True) for (text, style), w in zip(row, widths))
            for row in rows]
