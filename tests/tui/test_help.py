"""Help (f1) names every key the app has: the bindings are read from the screen and pane
classes themselves, so a key added without a word in help fails here."""
from __future__ import annotations

import importlib
import inspect
import pkgutil

from textual.app import App
from textual.binding import Binding
from textual.content import Content
from textual.dom import DOMNode
from textual.keys import format_key

import tui.screens
from tui.app import MailTriageApp
from tui.dialogs.help import HELP
from tui.widgets.panes import PANES

DIGITS = set("1234567890")


def _classes() -> list[type[DOMNode]]:
    """The app, every screen in tui/screens and every inspect pane."""
    screens = []
    for module in pkgutil.iter_modules(tui.screens.__path__):
        found = importlib.import_module(f"tui.screens.{module.name}")
        screens += [c for _, c in inspect.getmembers(found, inspect.isclass)
                    if issubclass(c, DOMNode) and c.__module__ == found.__name__]
    return [MailTriageApp, *screens, *(cls for _, _, cls in PANES)]


def _keys(cls: type[DOMNode]) -> set[str]:
    """Every key a person can press for the class's own actions (its bases' too)."""
    keys = set()
    for klass in cls.__mro__:
        if klass in (App, DOMNode) or not issubclass(klass, DOMNode) or klass.__module__.startswith("textual"):
            continue
        for binding in klass.__dict__.get("BINDINGS", ()):
            if isinstance(binding, Binding) and not binding.system:
                keys |= set(binding.key.split(","))
    return keys


def _bold_words() -> set[str]:
    """What help shows in bold, where it names keys ("ctrl+s", "→", "PageUp"), lower-cased."""
    content = Content.from_markup(HELP)
    words = set()
    for span in content.spans:
        if "b" in str(span.style).split() or "bold" in str(span.style):
            words |= set(content.plain[span.start:span.end].lower().replace(",", " ").split())
    return words


def test_help_names_every_key_of_every_screen_and_pane():
    bold = _bold_words()
    plain = Content.from_markup(HELP).plain
    missing = {}
    for cls in _classes():
        for key in _keys(cls):
            if key in DIGITS:
                named = "1…0" in plain and {"1", "0"} <= bold  # the digits as one range
            else:
                named = key.lower() in bold or format_key(key).lower() in bold
            if not named:
                missing.setdefault(cls.__name__, []).append(key)
    assert not missing, f"keys help does not mention: {missing}"


def test_the_keys_this_session_added_are_in_help():
    # The ones people asked about by name (issue 13), checked once more in plain words.
    plain = Content.from_markup(HELP).plain
    for words in ("enter shows", "f4 lists", "f5 checks", "/ searches", "n next match", "N previous",
                  "e shows its evidence", "c copies its first fix", "[ ] change pane", "1…0"):
        assert words in plain, words
