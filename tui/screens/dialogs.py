"""Modal dialogs: help, save, resolvers. Typed `ModalScreen[T]` results (frogmouth style)."""
from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen, Screen
from textual.widgets import Button, Footer, Input, Static

from tui import safe

HELP = (
    "[b]mailtriage [/b]tells you why a message failed DKIM, SPF or DMARC and which command "
    "fixes it.\n\n"
    "[b]1. Start [/b]— paste a bounce or a message and press [b]ctrl+s[/b]; or open a file "
    "([b]ctrl+o[/b]), check a domain ([b]ctrl+n[/b]) or pick a training scenario ([b]ctrl+t[/b]). "
    "[b]f2 [/b]saves the paste as .eml.\n"
    "[b]2. Guided [/b]— one question at a time: [b]→ [/b]or [b]n [/b]next, [b]← [/b]or [b]b [/b]back.\n"
    "[b]3. The fix [/b]— [b]c [/b]copies the first command, [b]tab [/b]moves to the next (copied "
    "through the terminal, which works over SSH, and the system clipboard). You can also select "
    "the text in its box.\n"
    "[b]4. Inspect [/b]— [b]i [/b]shows every detail in panes: [b]1[/b]…[b]0 [/b]or "
    "[b]\\[ [/b][b]] [/b]change pane, [b]a [/b]shows all panes at once, [b]g [/b]goes back to guided.\n"
    "[b]5. Keys [/b]— [b]f3 [/b]makes a DKIM key and shows its DNS record in every form "
    "([b]ctrl+g[/b]), saves the private key ([b]ctrl+s[/b], never over a file) and checks a key "
    "rotation step by step ([b]ctrl+t[/b]).\n\n"
    "[b]Anywhere [/b]— [b]ctrl+p [/b]lists this screen's actions, [b]ctrl+r [/b]asks other DNS "
    "servers, [b]s [/b]saves the report (.md .json .txt) or the input (.eml), [b]escape [/b]goes "
    "back, [b]f1 [/b]shows this help, [b]ctrl+q [/b]quits (asking first if a paste is not saved)."
)


class HelpScreen(ModalScreen[None]):
    BINDINGS: ClassVar = [Binding("escape,q,f1,question_mark", "dismiss", "Close", id="help.close")]

    def __init__(self, under: Screen) -> None:
        super().__init__()
        self._under = under

    def compose(self) -> ComposeResult:
        keys: list[Content] = []
        seen: set[str] = set()
        from textual.app import App

        for key, active in self._under.active_bindings.items():
            binding = active.binding
            # The screen's and the app's own actions; a focused widget's editing keys
            # (cursor up, select all…) are not what help is for.
            if not isinstance(active.node, (Screen, App)):
                continue
            if not binding.description or binding.system or binding.action in seen:
                continue
            seen.add(binding.action)
            shown = binding.key_display or self.app.get_key_display(binding)
            keys.append(safe.line((f"{shown:>10}  ", "bold $accent"), (f"{binding.description}  ", "bold"),
                                  (binding.tooltip or "", "dim")))
        with VerticalScroll(id="help-box", classes="dialog"):
            yield Static(safe.label(HELP))
            yield Static(safe.label("\n[b]Keys on this screen[/b]"))
            yield Static(Content("\n").join(keys))
        yield Footer()


class SaveDialog(ModalScreen["str | None"]):
    """Ask for a path; the extension chooses what is written."""

    BINDINGS: ClassVar = [Binding("escape", "dismiss_none", "Cancel", id="save.cancel")]

    def __init__(self, default: str, formats: dict[str, str]) -> None:
        super().__init__()
        self._default = default
        self._formats = formats

    def compose(self) -> ComposeResult:
        with Vertical(id="save-box", classes="dialog"):
            yield Static(safe.label("[b]Save to [/b][dim](enter saves, escape cancels; an existing file is never overwritten)[/dim]"))
            yield Input(self._default, id="save-path")
            yield Static(Content("\n").join(
                safe.line((f"  {ext:<6}", "bold"), what) for ext, what in self._formats.items()
            ))
        yield Footer()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        value = event.value.strip()
        self.dismiss(value or None)

    def action_dismiss_none(self) -> None:
        self.dismiss(None)


class ResolverDialog(ModalScreen["tuple[str, ...] | None"]):
    """Which DNS servers to ask; empty means the system resolver."""

    BINDINGS: ClassVar = [Binding("escape", "dismiss_none", "Cancel", id="resolvers.cancel")]

    def __init__(self, current: tuple[str, ...]) -> None:
        super().__init__()
        self._current = current

    def compose(self) -> ComposeResult:
        with Vertical(id="resolver-box", classes="dialog"):
            yield Static(safe.label("[b]Ask these DNS servers [/b][dim](IP[:PORT] or system, separated by spaces; empty = system resolver)[/dim]"))
            yield Input(" ".join(self._current), id="resolver-specs", placeholder="1.1.1.1 8.8.8.8 [::1]:5353")
            yield Static(id="resolver-error")
        yield Footer()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        from wizard.dns import parse_spec

        event.stop()
        specs = tuple(event.value.replace(",", " ").split())
        try:
            for spec in specs:
                if spec.lower() != "system":  # "system" compares the system resolver too
                    parse_spec(spec)
        except ValueError as exc:
            self.query_one("#resolver-error", Static).update(safe.text(str(exc), "$error"))
            return
        self.dismiss(specs)

    def action_dismiss_none(self) -> None:
        self.dismiss(None)


class QuitDialog(ModalScreen["str | None"]):
    """Quitting with a paste not saved: "save", "quit" anyway, or None (stay)."""

    BINDINGS: ClassVar = [
        Binding("s", "choose('save')", "Save first", id="quit.save"),
        Binding("q", "choose('quit')", "Quit anyway", id="quit.quit"),
        Binding("escape", "choose(None)", "Stay", id="quit.stay"),
    ]

    def __init__(self, raw: bytes) -> None:
        super().__init__()
        self._lines = raw.count(b"\n") + (0 if raw.endswith(b"\n") else 1)

    def compose(self) -> ComposeResult:
        from wizard.guide.tree import plural

        with Vertical(id="quit-box", classes="dialog"):
            yield Static(safe.line(
                safe.label("[b]Quit without saving the paste? [/b]"),
                f"The text you pasted ({plural(self._lines, 'line')}) is not saved anywhere; "
                "quitting now loses it.",
            ))
            with Horizontal(id="quit-buttons"):
                yield Button("Save as .eml (s)", id="save", variant="primary")
                yield Button("Quit anyway (q)", id="quit", variant="error")
                yield Button("Stay (esc)", id="stay")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#save", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(None if event.button.id == "stay" else event.button.id)

    def action_choose(self, answer: str | None) -> None:
        self.dismiss(answer)
