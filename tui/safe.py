"""The one place untrusted text becomes something a widget can show (DESIGN.md rule 4).

Headers, tags, bounce text, DNS answers and file names are attacker-controlled. Textual
parses a plain `str` as markup (`[@click=app.quit]` would run an action) and the terminal
obeys escape sequences (OSC 52 sets the clipboard, OSC 2 the window title). So every data
string goes through `wizard.common.safe_text.sanitize` (control characters become visible `\\x..`)
and then into a `Content` (Static, Label, titles) or a rich `Text` (DataTable cells), both of
which treat brackets as plain characters. Widgets in tui/ never receive a data `str`.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from textual.content import Content

from wizard.common.safe_text import sanitize, shorten

if TYPE_CHECKING:
    from rich.text import Text
    from textual.dom import DOMNode

# Long values (10 000-character DKIM keys, hostile header lines) are cut in table cells;
# the pane under each table shows the full value.
CELL_LIMIT = 120


def clean(value: object, *, one_line: bool = False, limit: int | None = None) -> str:
    """`value` as a sanitized plain string (for TextArea, files and the clipboard)."""
    out = sanitize(str(value), one_line=one_line)
    return shorten(out, limit) if limit else out


def text(value: object, style: str = "", *, one_line: bool = False, limit: int | None = None) -> Content:
    """Untrusted `value` as Content with an optional style; never parsed as markup."""
    return Content.styled(clean(value, one_line=one_line, limit=limit), style)


def line(*parts: Content | tuple[object, str] | object) -> Content:
    """Join pieces on one Content line.

    A `Content` part is trusted (built here or from our own markup); a `(value, style)` tuple
    or any other object is data and is sanitized. This lets widgets mix labels and values
    without ever formatting data into a markup string."""
    pieces: list[Content | tuple[str, str]] = []
    for part in parts:
        if isinstance(part, Content):
            pieces.append(part)
        elif isinstance(part, tuple):
            value, style = part
            pieces.append((clean(value), style))
        else:
            pieces.append((clean(part), ""))
    return Content.assemble(*pieces)


def label(markup: str) -> Content:
    """Our own (trusted) markup, e.g. a heading. Never pass data here."""
    return Content.from_markup(markup)


def cell(value: object, style: str = "", *, limit: int = CELL_LIMIT) -> Text:
    """Untrusted `value` as a one-line rich Text for a DataTable cell, cut to `limit`
    characters with an ellipsis (the pane below the table shows the whole value)."""
    from rich.text import Text

    out = clean(value, one_line=True)
    if len(out) > limit:
        out = out[: limit - 1] + "…"
    return Text(out, style=style, no_wrap=True)


def notify(node: DOMNode, message: object, *, title: object = "", severity: str = "information",
           timeout: float | None = None) -> None:
    """`App.notify` for messages that may hold data: sanitized, and never parsed as markup."""
    kwargs = {"timeout": timeout} if timeout is not None else {}
    node.app.notify(
        clean(message, limit=500),
        title=clean(title, one_line=True, limit=80),
        severity=severity,  # type: ignore[arg-type]
        markup=False,
        **kwargs,
    )
