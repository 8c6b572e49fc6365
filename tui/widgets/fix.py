"""A fix to copy: its purpose, and the command or record in a read-only TextArea.

The TextArea is the last resort of DESIGN.md rule 6: when neither OSC 52 nor the system
clipboard works, the text can still be selected by hand. It is read-only so a stray key
can never change a command the user is about to run.
"""
from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static, TextArea

from tui import safe
from wizard.model.findings import FixCommand, RecordFix


def fix_text(fix: FixCommand | RecordFix) -> str:
    """What gets shown and copied: the shell line, or the record as a zone-file line."""
    return fix.shell if isinstance(fix, FixCommand) else fix.zone_line


class FixBox(Vertical):
    """One copyable fix. `c` (bound on the screens) copies the focused FixBox."""

    DEFAULT_CSS = """
    FixBox { height: auto; margin: 0 0 1 0; }
    FixBox > Static { color: $text-muted; }
    FixBox > TextArea { height: auto; max-height: 8; border: round $primary 50%; }
    FixBox > TextArea:focus { border: round $accent; }
    """

    def __init__(self, fix: FixCommand | RecordFix, number: int | None = None) -> None:
        super().__init__()
        self.fix = fix
        self.number = number
        self.text = safe.clean(fix_text(fix))

    def compose(self) -> ComposeResult:
        kind = "DNS record" if isinstance(self.fix, RecordFix) else "command"
        prefix = f"{self.number}. " if self.number is not None else ""
        purpose = self.fix.purpose[:1].upper() + self.fix.purpose[1:]
        # A Static, not a Label: a long purpose wraps instead of being cut at 80 columns.
        yield Static(safe.line(safe.label(f"[b]{prefix}[/b]"), (purpose, "bold"), safe.label(f"  [dim]({kind})[/dim]")))
        area = TextArea(self.text, read_only=True, soft_wrap=True, show_cursor=False, compact=False)
        area.tooltip = "c copies this"
        yield area
