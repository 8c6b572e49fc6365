"""Something to copy: a fix (its purpose, and the command or record) or the root cause's
advice (who must act and what to do), in a read-only TextArea.

The TextArea is the last resort of DESIGN.md rule 6: when neither OSC 52 nor the system
clipboard works, the text can still be selected by hand. It is read-only so a stray key
can never change a command the user is about to run.
"""
from __future__ import annotations

from textual.actions import SkipAction
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.widgets import Static, TextArea

from tui import safe
from wizard.guide.steps import Advice
from wizard.model.findings import FixCommand, RecordFix


def fix_text(fix: FixCommand | RecordFix) -> str:
    """What gets shown and copied: the shell line, or the record as a zone-file line."""
    return fix.shell if isinstance(fix, FixCommand) else fix.zone_line


def fix_kind(fix: FixCommand | RecordFix) -> str:
    """How a fix is named in its heading and in the "Copied …" notice."""
    return "DNS record" if isinstance(fix, RecordFix) else "command"


class CopyArea(TextArea):
    """The box's read-only text. Its cursor is hidden, so moving it would do nothing a person
    can see: the arrow, page and home/end keys go on to what scrolls around the box (the
    fix step, the Fix pane) and ←/→ to the guided walk, unless the text itself is taller
    than its box and can still scroll that way."""

    def _scroll_or_skip(self, can: bool, scroll) -> None:
        if not can:
            raise SkipAction()
        scroll(animate=False)

    def action_cursor_up(self, select: bool = False) -> None:
        self._scroll_or_skip(self.scroll_y > 0, self.scroll_up)

    def action_cursor_down(self, select: bool = False) -> None:
        self._scroll_or_skip(self.scroll_y < self.max_scroll_y, self.scroll_down)

    def action_cursor_page_up(self) -> None:
        self._scroll_or_skip(self.scroll_y > 0, self.scroll_page_up)

    def action_cursor_page_down(self) -> None:
        self._scroll_or_skip(self.scroll_y < self.max_scroll_y, self.scroll_page_down)

    def action_cursor_left(self, select: bool = False) -> None:
        raise SkipAction()

    def action_cursor_right(self, select: bool = False) -> None:
        raise SkipAction()

    def action_cursor_line_start(self, select: bool = False) -> None:
        raise SkipAction()

    def action_cursor_line_end(self, select: bool = False) -> None:
        raise SkipAction()


class CopyBox(Vertical):
    """One copyable text under its heading. `c` (bound on the screens) copies the focused
    box, else the first on view. `what` names it in the "Copied …" notice."""

    DEFAULT_CSS = """
    CopyBox { height: auto; margin: 0 0 1 0; }
    CopyBox > Static { color: $text-muted; }
    CopyBox > TextArea { height: auto; max-height: 8; border: round $primary 50%; }
    CopyBox > TextArea:focus { border: round $accent; }
    """

    what = "text"

    def __init__(self, text: str, heading: Content) -> None:
        super().__init__()
        self.text = safe.clean(text)
        self._heading = heading

    def compose(self) -> ComposeResult:
        # A Static, not a Label: a long heading wraps instead of being cut at 80 columns.
        yield Static(self._heading)
        area = CopyArea(self.text, read_only=True, soft_wrap=True, show_cursor=False, compact=False)
        area.tooltip = "c copies this"
        yield area


class FixBox(CopyBox):
    """One copyable fix: a command to run or a DNS record to publish."""

    def __init__(self, fix: FixCommand | RecordFix, number: int | None = None, *, lead: str = "") -> None:
        self.fix = fix
        self.number = number
        self.what = fix_kind(fix)
        prefix = f"{number}. " if number is not None else ""
        purpose = fix.purpose[:1].upper() + fix.purpose[1:]
        heading = safe.line(safe.label(f"[b]{prefix}[/b]"), (lead, "bold $accent"), (purpose, "bold"),
                            safe.label(f"  [dim]({self.what})[/dim]"))
        super().__init__(fix_text(fix), heading)


class AdviceBox(CopyBox):
    """The root cause's fix when no command or record can fix it: who must act, what to do
    and how to confirm, ready to paste into the ticket."""

    what = "advice"

    def __init__(self, advice: Advice) -> None:
        self.fix = advice
        heading = safe.line(("The root cause's fix", "bold $accent"), ("  for ", "dim"), (advice.who, "bold"),
                            ("  (advice)", "dim"))
        super().__init__(advice.copy_text, heading)
