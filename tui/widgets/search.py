"""Search (`/`, then `n`/`N`): find text in the raw message and in every pane, move the view
to the match and highlight it.

The inspect screen owns the keys; this bar owns the finding. Matches are plain substrings,
case-insensitive, found with `str.find` (linear in the text: no pattern is built from what
the user typed). The text searched is what is on view: each table's rows, each text block,
the raw message line by line; status lines (the same in every pane) and a table's detail
(which changes with its cursor) are left out, so the matches stay put while `n` moves
between them.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

from rich.cells import cell_len
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.content import Content
from textual.geometry import Region
from textual.widget import Widget
from textual.widgets import DataTable, Input, Static, TextArea
from textual.widgets.text_area import Selection

from tui import safe

# The highlight of a match in a text block (a table's match is its cursor row, the raw
# message's its selection).
MATCH_STYLE = "reverse $accent"
# Not searched: the same status line heads every pane; a table's detail follows its cursor.
SKIPPED = (".pane-status", ".detail-body")


@dataclass(frozen=True)
class Hit:
    """One match: in pane `pane`, in `widget`, on `line` (a table's row), columns start–end."""

    pane: str
    widget: Widget
    line: int
    start: int
    end: int


def _find(line: str, query: str) -> Iterator[int]:
    """Where `query` starts in `line`, ignoring case (exactly, when lowering changes the
    length of the line, so the columns found are still columns of the line)."""
    folded = line.lower()
    if len(folded) == len(line):
        query = query.lower()
    else:
        folded = line
    at = folded.find(query)
    while at >= 0:
        yield at
        at = folded.find(query, at + len(query))


def _lines(widget: Widget) -> Sequence[str]:
    if isinstance(widget, TextArea):
        return widget.document.lines
    if isinstance(widget, DataTable):
        return ["  ".join(str(cell) for cell in widget.get_row_at(row)) for row in range(widget.row_count)]
    content = widget.content  # type: ignore[attr-defined]
    return str(content.plain if isinstance(content, Content) else content).split("\n")


def find_hits(panes: Sequence[tuple[str, Widget]], query: str) -> list[Hit]:
    """Every match of `query` in `panes` (key, pane), in pane order, then top to bottom."""
    hits: list[Hit] = []
    if not query:
        return hits
    skipped = {id(w) for pane in (p for _, p in panes) for selector in SKIPPED for w in pane.query(selector)}
    for key, pane in panes:
        for widget in pane.query("TextArea, DataTable, Static"):
            if id(widget) in skipped or not widget.display:
                continue
            lines = _lines(widget)
            for number, line in enumerate(lines):
                found = _find(line, query)
                if isinstance(widget, DataTable):  # a row is one place to go, however many matches
                    first = next(found, None)
                    if first is not None:
                        hits.append(Hit(key, widget, number, first, first + len(query)))
                    continue
                hits.extend(Hit(key, widget, number, at, at + len(query)) for at in found)
    return hits


def _scrolling_ancestor(widget: Widget) -> tuple[Widget | None, int]:
    """The nearest ancestor that scrolls vertically, and `widget`'s top inside it."""
    top, node = 0, widget
    while isinstance(node.parent, Widget):
        top += node.virtual_region.y
        node = node.parent
        if node.allow_vertical_scroll:
            return node, top
    return None, top


class SearchBar(Horizontal):
    """The search field and what it found ("2 of 7 · DNS"). Hidden until `/`."""

    DEFAULT_CSS = """
    SearchBar { height: 1; display: none; background: $boost; }
    SearchBar.-open { display: block; }
    SearchBar > Input { width: 1fr; }
    SearchBar > Static { width: auto; max-width: 44; height: 1; padding: 0 1; color: $text-muted; }
    """

    def __init__(self, panes: Callable[[], Sequence[tuple[str, Widget]]], show_pane: Callable[[str], None],
                 titles: dict[str, str], **kwargs) -> None:
        super().__init__(**kwargs)
        self._panes = panes  # the panes to search, the one on view first
        self._show_pane = show_pane
        self._titles = titles
        self.hits: list[Hit] = []
        self.index = -1
        self._marked: tuple[Static, Content, Content] | None = None  # (widget, before, as marked)

    def compose(self) -> ComposeResult:
        yield Input(placeholder="/ search every pane (enter: go, esc: close)", id="search-input", compact=True)
        yield Static(id="search-status")

    @property
    def is_open(self) -> bool:
        return self.has_class("-open")

    def open(self) -> None:
        self.add_class("-open")
        field = self.query_one(Input)
        field.focus()
        field.select_all()

    def close(self) -> None:
        self._unmark()
        self.remove_class("-open")
        self.hits, self.index = [], -1
        self.query_one("#search-status", Static).update("")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """Enter: find every match and go to the first; focus goes back to the view, so
        `n`/`N` move on (and the pane keys work again)."""
        event.stop()
        self.hits = find_hits(self._panes(), event.value)
        self.index = -1
        self.screen.set_focus(None)
        self.step(1)

    def step(self, delta: int) -> None:
        """Go to the next (`delta` 1) or previous (-1) match, wrapping round."""
        status = self.query_one("#search-status", Static)
        query = self.query_one(Input).value
        if not self.hits:
            self._unmark()
            status.update(safe.text(f"No match for {query!r}" if query else "Type what to find"))
            return
        self.index = (self.index + delta) % len(self.hits)
        hit = self.hits[self.index]
        status.update(safe.label(f"{self.index + 1} of {len(self.hits)} · {self._titles.get(hit.pane, hit.pane)}"
                                 " · [b]n [/b]next, [b]N [/b]previous"))
        self._show_pane(hit.pane)
        self.call_after_refresh(self._go, hit)  # once the pane is laid out

    def _go(self, hit: Hit) -> None:
        self._unmark()
        widget = hit.widget
        if isinstance(widget, TextArea):
            widget.selection = Selection((hit.line, hit.start), (hit.line, hit.end))
            widget.scroll_cursor_visible(center=True, animate=False)
            if hit.end < widget.scrollable_content_region.width - widget.gutter_width:
                widget.scroll_to(x=0, animate=False)  # the match fits: keep the line's start in view
        elif isinstance(widget, DataTable):
            widget.move_cursor(row=hit.line, scroll=True)
        elif isinstance(widget, Static):
            self._mark(widget, hit)

    def _mark(self, widget: Static, hit: Hit) -> None:
        content = widget.content
        if not isinstance(content, Content):
            content = Content(str(content))
        lines = content.plain.split("\n")
        offset = sum(len(line) + 1 for line in lines[: hit.line])
        marked = content.stylize(MATCH_STYLE, offset + hit.start, offset + hit.end)
        widget.update(marked)
        self._marked = (widget, content, marked)
        # The match's row inside the block: each line above it takes as many rows as it wraps to.
        width = max(1, widget.content_region.width)
        row = sum(max(1, -(-cell_len(line) // width)) for line in lines[: hit.line])
        row += cell_len(lines[hit.line][: hit.start]) // width
        container, top = _scrolling_ancestor(widget)
        if container is not None:
            container.scroll_to_region(Region(0, top + widget.content_region.y - widget.region.y + row, 1, 1),
                                       center=True, animate=False, force=True)
        else:
            widget.scroll_visible(animate=False)

    def _unmark(self) -> None:
        """Give a marked block its text back, unless a new report has replaced it since."""
        if self._marked is not None:
            widget, before, marked = self._marked
            if widget.content is marked:
                widget.update(before)
            self._marked = None
