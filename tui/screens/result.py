"""What the guided and inspect screens share: they render the app's current report."""
from __future__ import annotations

from typing import ClassVar

from msgspec.structs import replace
from textual.actions import SkipAction
from textual.binding import Binding
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import DataTable

from tui import clipboard, safe
from tui.widgets.truncate import ellipsize_start


class ResultScreen(Screen[None]):
    # The view scrolls whatever has focus: a focused widget that moves a cursor of its own (a
    # table, the raw text) keeps these keys, everything else lets them reach the screen, which
    # scrolls what is on view (`scroll_target`). No description: help names them in its text.
    BINDINGS: ClassVar = [
        Binding(key, f"scroll_view('{action}')", show=False)
        for key, action in (("up", "scroll_up"), ("down", "scroll_down"), ("pageup", "page_up"),
                            ("pagedown,space", "page_down"), ("home", "scroll_home"), ("end", "scroll_end"))
    ]
    # Each subclass lists its bindings in footer order; these are shared by all of them.
    COPY = Binding("c", "copy", "Copy", id="result.copy", tooltip="Copy the selected command or record")
    SAVE = Binding("s", "save", "Save", id="result.save",
                   tooltip="Save the report (.md/.json/.txt) or the input (.eml)")
    START = Binding("escape", "start", "Start", id="result.start",
                    tooltip="Back to the start screen for another input; this one is kept")
    ORIGINAL = Binding("o", "original", "Original", id="result.original",
                       tooltip="Compare with the message as sent (from the sender's Sent folder): see what changed")

    def __init__(self) -> None:
        super().__init__()
        # Set before mounting: the Header reads it when it mounts (setting it later races
        # the Header's own mount in Textual 8).
        from textual._context import active_app

        submission = active_app.get().submission  # type: ignore[attr-defined]
        if submission is not None:
            # Cut at its start, to what the header shows at 80 columns beside "mailtriage — ":
            # a long path keeps its file name.
            self.sub_title = ellipsize_start(safe.clean(submission.source, one_line=True), 46)

    def on_mount(self) -> None:
        self.refresh_report()

    def refresh_report(self) -> None:
        raise NotImplementedError

    def scroll_target(self) -> Widget:
        """What the scroll keys move when nothing focused takes them."""
        raise NotImplementedError

    def action_scroll_view(self, action: str) -> None:
        target = self.scroll_target()
        if isinstance(target, DataTable):  # a table's arrows move its cursor, as when focused
            action = {"scroll_up": "cursor_up", "scroll_down": "cursor_down"}.get(action, action)
        try:
            getattr(target, f"action_{action}")()
        except SkipAction:  # nothing to scroll that way: the key does nothing, as in a pager
            pass

    def action_save(self) -> None:
        self.app.save_dialog()  # type: ignore[attr-defined]

    def action_original(self) -> None:
        """Ask for the sender's copy and analyse the same input again against it."""
        from tui.dialogs.original import OriginalDialog

        app = self.app
        submission = app.submission  # type: ignore[attr-defined]
        if submission is None or submission.is_domain or not submission.raw:
            safe.notify(self, "Comparing needs a received message; this input is not one.",
                        title="Original", severity="warning")
            return

        def chosen(original: bytes | None) -> None:
            if original is not None:
                app.analyse(replace(submission, original=original))  # type: ignore[attr-defined]
                safe.notify(self, "Analysing again against the original; the Body pane shows the diff.",
                            title="Original")

        app.push_screen(OriginalDialog(submission.original), chosen)

    def action_start(self) -> None:
        self.app.back_to_start()  # type: ignore[attr-defined]

    def copy_fix(self) -> None:
        """Copy the focused fix, else the first one on view; say so when there is none."""
        from tui.widgets.fix import CopyBox

        focused = self.focused
        box = None
        while focused is not None and box is None:
            if isinstance(focused, CopyBox):
                box = focused
            focused = focused.parent  # type: ignore[assignment]
        if box is None:
            boxes = [b for b in self.query(CopyBox) if b.display and b.region.height]
            box = boxes[0] if boxes else None
        if box is None:
            safe.notify(self, "Nothing to copy here. The fix step and the Fix pane hold the commands.",
                        title="Copy", severity="warning")
            return
        clipboard.copy(self.app, box.text, what=box.what)

    def action_copy(self) -> None:
        self.copy_fix()
