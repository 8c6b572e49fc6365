"""The one copy helper (DESIGN.md rule 6).

Two routes, because neither works everywhere: OSC 52 (`App.copy_to_clipboard`) reaches the
clipboard of the machine the *terminal* runs on, so it works over SSH, but some terminals
ignore it and we cannot detect that; pyperclip reaches the local desktop clipboard and fails
on headless servers (the app's injected `system_clipboard`). We try both and say which ones
were used. The text also always sits in a read-only TextArea, so it can be selected by hand
when both routes fail.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from tui import safe

if TYPE_CHECKING:
    from tui.app import MailTriageApp


def copy(app: MailTriageApp, value: str, *, what: str = "command") -> str:
    """Copy `value`; notify the user which route carried it and return that sentence.

    What is copied is the sanitized text, exactly what the user sees on screen: a command
    built from a message must not smuggle control characters into the user's shell."""
    value = safe.clean(value)
    app.copy_to_clipboard(value)
    routes = ["terminal (OSC 52)"]
    try:
        app.system_clipboard(value)
    except Exception:  # noqa: BLE001 - no display, no xclip, ...: OSC 52 is the fallback
        pass
    else:
        routes.append("system clipboard")
    sentence = f"Copied {what} via {' and '.join(routes)}:\n{safe.clean(value, one_line=True, limit=60)}"
    if len(routes) == 1:
        sentence += "\nIf pasting gives nothing, select the text in the box by hand."
    safe.notify(app, sentence, title="Copied")
    return sentence
