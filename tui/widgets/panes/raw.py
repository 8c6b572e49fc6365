"""The Raw pane: the input exactly as given, and where a finding's evidence sits in it."""
from __future__ import annotations

from collections.abc import Sequence

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static, TextArea
from textual.widgets.text_area import Selection

from tui import safe


class RawPane(Vertical):
    def compose(self) -> ComposeResult:
        yield Static(classes="pane-status")
        # Wrapped: at 80 columns a long header line would run past the edge, cut with no mark;
        # the line numbers still count the input's own lines.
        yield TextArea(read_only=True, soft_wrap=True, show_line_numbers=True, classes="raw")

    def refresh_report(self) -> None:
        from wizard.common.safe_text import decode

        app = self.app
        self.query_one(".pane-status", Static).update(safe.label(
            "[b]The input exactly as given [/b][dim](control characters shown as \\x..)[/dim]"))
        submission = app.submission  # type: ignore[attr-defined]
        raw = submission.raw if submission else b""
        text = safe.clean(decode(raw)) if raw else safe.clean(
            f"domain {submission.domain} {' '.join(submission.selectors)}" if submission else "")
        area = self.query_one(TextArea)
        if area.text != text:
            area.load_text(text)

    def _logical_lines(self) -> list[tuple[int, int, str]]:
        """(first row, last row, text with whitespace runs made one space) for each header
        with its folded continuation lines, then for each body line alone: evidence quotes
        a header unfolded."""
        lines = self.query_one(TextArea).document.lines
        out: list[tuple[int, int, str]] = []
        in_headers = True
        for row, line in enumerate(lines):
            if in_headers and not line.strip():
                in_headers = False
            if in_headers and out and line[:1] in (" ", "\t"):
                first, _, text = out[-1]
                out[-1] = (first, row, f"{text} {' '.join(line.split())}")
            else:
                out.append((row, row, " ".join(line.split())))
        return out

    def rows_of(self, evidence: Sequence[str]) -> list[tuple[int, int]]:
        """The row ranges holding the evidence lines, in input order, neighbours joined. An
        evidence line is matched by its first 60 characters (a long header is quoted cut),
        without a diff's "+ "/"- " mark; a piece shorter than 6 characters says too little."""
        logical = self._logical_lines()
        found: set[tuple[int, int]] = set()
        for quote in evidence:
            if quote[:2] in ("+ ", "- "):
                quote = quote[2:]
            needle = " ".join(quote.split())[:60]
            if len(needle) < 6:
                continue
            for first, last, text in logical:
                if needle in text:  # str.find: linear in the text, no pattern built
                    found.add((first, last))
                    break
        merged: list[tuple[int, int]] = []
        for first, last in sorted(found):  # neighbouring headers are one place to look
            if merged and first == merged[-1][1] + 1:
                merged[-1] = (merged[-1][0], last)
            else:
                merged.append((first, last))
        return merged

    def show_rows(self, first: int, last: int) -> None:
        """Select rows first..last whole, so they stand out, and bring them into view (the
        cursor, which the view follows, at the start of the first)."""
        area = self.query_one(TextArea)
        area.selection = Selection((last, len(area.document.lines[last])), (first, 0))
        area.scroll_cursor_visible(center=True, animate=False)
