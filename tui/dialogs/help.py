"""Help (f1): the guide, then the keys of the screen it was opened over."""
from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen, Screen
from textual.widgets import Footer, Static

from tui import safe

HELP = (
    "[b]mailtriage [/b]tells you why a message failed DKIM, SPF or DMARC and which command "
    "fixes it.\n\n"
    "[b]1. Start [/b]— paste a bounce or a message and press [b]ctrl+s[/b]; or open a file "
    "([b]ctrl+o[/b]), check a domain ([b]ctrl+n[/b]) or pick a training scenario ([b]ctrl+t[/b]). "
    "[b]f2 [/b]saves the paste as .eml, [b]ctrl+l [/b]clears it.\n"
    "[b]2. Guided [/b]— one question at a time: [b]→ [/b]or [b]n [/b]next, [b]← [/b]or [b]b [/b]back.\n"
    "[b]3. The fix [/b]— [b]c [/b]copies the first command, [b]tab [/b]moves to the next (copied "
    "through the terminal, which works over SSH, and the system clipboard). You can also select "
    "the text in its box.\n"
    "[b]4. Inspect [/b]— [b]i [/b]shows every detail in panes: [b]1[/b]…[b]0 [/b]or "
    "[b]\\[ [/b][b]] [/b]change pane, [b]a [/b]shows all panes at once, [b]g [/b]goes back to guided. "
    "Cells cut to fit end in …: [b]enter [/b]shows the row under the cursor whole (on DMARC/SPF: "
    "every table row). "
    "On a finding in Summary, [b]e [/b]shows its evidence where it lives (its header lines in Raw, "
    "its DNS answer; [b]e [/b]again for the next place) and [b]c [/b]copies its first fix. "
    "[b]/ [/b]searches the raw message and every pane ([b]n [/b]next match, [b]N [/b]previous, "
    "[b]escape [/b]closes). [b]o [/b]compares with the message as sent (from your Sent folder); "
    "in the Sources table (a DMARC aggregate report) it sorts the rows instead.\n"
    "[b]5. Keys [/b]— [b]f3 [/b]makes a DKIM key and shows its DNS record in every form "
    "([b]ctrl+g[/b]), saves the private key ([b]ctrl+s[/b], never over a file), checks a key "
    "rotation step by step ([b]ctrl+t[/b]), and [b]f5 [/b]checks the record published in DNS "
    "against this key (a record check).\n"
    "[b]6. Sweep [/b]— after [b]mailtriage sweep[/b], [b]enter [/b]opens a group's messages, "
    "then one message.\n\n"
    "[b]Scrolling [/b]— [b]PageUp[/b], [b]PageDown [/b](or [b]space[/b]), [b]Home[/b], [b]End [/b]and the "
    "arrows [b]↑ [/b][b]↓ [/b]scroll what is on view, even from a copy box.\n"
    "[b]Anywhere [/b]— [b]ctrl+p [/b]lists this screen's actions, [b]ctrl+r [/b]asks other DNS "
    "servers, [b]s [/b]saves the report (.md .json .txt) or the input (.eml), [b]escape [/b]goes "
    "back (the analysis is kept: [b]f4 [/b]lists this session's analyses to reopen one), "
    "[b]f1 [/b](or [b]?[/b]) shows this help, [b]ctrl+q [/b]quits (asking first if a paste is not saved)."
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

        for active in self._under.active_bindings.values():
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
