"""Start: "What do you have?" — a paste, a file, a domain, or a training scenario."""
from __future__ import annotations

import re
from pathlib import Path
from typing import ClassVar

from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Footer, Header, Input, Label, OptionList, Static, TextArea
from textual.widgets.option_list import Option

from tui import safe
from tui.widgets.path_suggester import PathSuggester
from wizard.model.request import AnalysisRequest

# A file bigger than this is not a message anyone pastes; the engine caps its own work too,
# but reading gigabytes into memory first would freeze the app.
MAX_FILE_BYTES = 64 * 1024 * 1024


def read_message_file(node, value: str) -> bytes | None:
    """The bytes of the message file at path `value`, or None after telling the user why not."""
    if not value:
        safe.notify(node, "Type the path of a message file first.", title="Open file", severity="warning")
        return None
    path = Path(value).expanduser()
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise OSError(f"the file is {size} bytes; mailtriage reads at most {MAX_FILE_BYTES}")
        return path.read_bytes()
    except OSError as exc:
        safe.notify(node, f"{value}: {getattr(exc, 'strerror', None) or exc}", title="Cannot open", severity="error")
        return None


# A run of CRs: a terminal's bracketed paste sends each line feed as CR, so a CRLF message
# arrives with two CRs per line break (tmux `paste-buffer -p`). Linear: one character class.
_CR_RUN = re.compile(r"\r+")


def normalise_paste(text: str) -> tuple[str, str]:
    """`text` as pasted, with one "\n" per line break, and how its breaks arrived: "cr"
    (CR only: a terminal paste), "mixed", or "" (LF or CRLF, as files have them). CR-only
    breaks that all come in pairs were CRLF before the terminal turned LF into CR: a pair is
    one break, so a 35-line message stays 35 lines."""
    crlf = text.count("\r\n")
    cr, lf = text.count("\r") - crlf, text.count("\n") - crlf
    if not cr:
        return text.replace("\r\n", "\n"), ""
    if crlf or lf:
        return text.replace("\r\n", "\n").replace("\r", "\n"), "mixed"
    pairs = all(len(run) % 2 == 0 for run in _CR_RUN.findall(text))
    return text.replace("\r\r" if pairs else "\r", "\n"), "cr"


class PasteArea(TextArea):
    """The paste box: a paste's line breaks, whatever they arrived as, become lines.

    `arrived` is how the last paste's breaks came ("cr", "mixed" or ""), and `as_pasted` the
    text as it came when the box still holds just that paste: the analysis is given what the
    paste was, so the engine's EVID-02/03 tell the user its line endings were normalised."""

    arrived = ""
    _pasted: tuple[str, str] | None = None  # (text in the box, text as it came)

    async def _on_paste(self, event: events.Paste) -> None:
        event.prevent_default()  # TextArea would insert each CR as a line break of its own
        if self.read_only:
            return
        text, self.arrived = normalise_paste(event.text)
        if result := self._replace_via_keyboard(text, *self.selection):
            self.move_cursor(result.end_location)
            self.focus()
        came = event.text.replace("\r\r", "\r") if self.arrived == "cr" else event.text
        if self.arrived:
            safe.notify(self, "The paste's line breaks arrived as "
                        + ("bare CRs, as terminals send them" if self.arrived == "cr" else "a mix of CR, LF and CRLF")
                        + ": each is one line here. The analysis says so too.", title="Line endings normalised")
        self._pasted = (self.text, came) if self.text == text else None

    def as_pasted(self) -> str:
        """The box's text with the line breaks the paste had: exactly the paste when nothing
        was typed since; after edits, CR breaks again for a CR paste (what it was)."""
        if self._pasted is not None and self._pasted[0] == self.text:
            return self._pasted[1]
        return self.text.replace("\n", "\r") if self.arrived == "cr" else self.text


class StartScreen(Screen[None]):
    BINDINGS: ClassVar = [
        Binding("ctrl+s", "analyse", "Analyse", id="start.analyse", tooltip="Analyse the pasted text"),
        # The side column's labels name these keys; the footer keeps to the paste.
        Binding("ctrl+o", "focus('file')", "Open file", id="start.open", show=False, tooltip="Type a path, then enter"),
        Binding("ctrl+n", "focus('domain')", "Domain", id="start.domain", show=False,
                tooltip="Check a domain's DKIM, SPF and DMARC"),
        Binding("ctrl+t", "focus('scenarios')", "Training", id="start.training", show=False,
                tooltip="Pick a training scenario"),
        Binding("f2", "save_paste", "Save paste", id="start.save", tooltip="Save the pasted text as .eml"),
        Binding("ctrl+l", "clear", "Clear", id="start.clear", show=False, tooltip="Empty the paste area"),
        # The app's f3 (it works from the result screens too), shown in this footer.
        Binding("f3", "app.keys", "DKIM keys", id="start.keys",
                tooltip="Make a DKIM key and its DNS record; plan a key rotation"),
    ]

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(id="paste-col"):
            yield Label(safe.label("[b]1. What do you have? [/b]Paste a bounce, a message or its headers, "
                                   "then [b]ctrl+s[/b]."), id="paste-help")
            yield PasteArea(id="paste", soft_wrap=False, tab_behavior="focus", show_line_numbers=False,
                           placeholder="Paste here (the whole message, a bounce, or one SMTP reply line)")
        with Vertical(id="side"):
            yield Label(safe.label("[b]Open a file [/b][dim](ctrl+o, enter)[/dim]"))
            yield Input(id="file", placeholder="path/to/message.eml", suggester=PathSuggester())
            yield Label(safe.label("[b]Check a domain [/b][dim](ctrl+n)[/dim]"))
            yield Input(id="domain", placeholder="e.g. example.com")  # "e.g.": not a value typed
            yield Input(id="selector", placeholder="selectors (optional)")
            yield Label(safe.label("[b]Training scenarios [/b][dim](ctrl+t)[/dim]"))
            yield OptionList(id="scenarios")
            yield Static(id="scenario-summary")
        yield Footer()

    def on_mount(self) -> None:
        self._scenarios: tuple = ()
        self.query_one("#paste", TextArea).focus()
        # After the first frame: reading the scenario folder is not worth delaying it.
        self.call_after_refresh(self._load_scenarios)

    def _load_scenarios(self) -> None:
        self._scenarios = tuple(self.app.scenarios())  # type: ignore[attr-defined]
        options = self.query_one("#scenarios", OptionList)
        if self._scenarios:
            options.add_options(
                Option(safe.text(self._title(s)), id=str(i)) for i, s in enumerate(self._scenarios)
            )
        else:
            options.add_option(Option(safe.label("[dim]No scenarios installed[/dim]"), disabled=True))

    def _title(self, scenario) -> str:
        """The scenario's title cut to the list's width before a word, not inside one (the
        summary below starts with the whole title when it is cut)."""
        from tui.widgets.truncate import ellipsize

        width = self.query_one("#scenarios", OptionList).scrollable_content_region.width
        return ellipsize(safe.clean(scenario.title, one_line=True), width, at_word=True) if width else scenario.title

    def on_resize(self) -> None:
        # After the layout: the list's new width is known only then.
        self.call_after_refresh(self._fit_titles)

    def _fit_titles(self) -> None:
        options = self.query_one("#scenarios", OptionList)
        for i, scenario in enumerate(self._scenarios):
            options.replace_option_prompt_at_index(i, safe.text(self._title(scenario)))

    def action_focus(self, widget_id: str) -> None:
        self.query_one(f"#{widget_id}").focus()

    def action_clear(self) -> None:
        self.query_one("#paste", TextArea).clear()

    def _paste(self) -> bytes:
        return self.query_one("#paste", TextArea).text.encode("utf-8")

    def unsaved_paste(self) -> bytes | None:
        """The pasted text, unless it is empty or was saved as it is now."""
        raw = self._paste()
        if not raw.strip() or raw == self.app.saved_input:  # type: ignore[attr-defined]
            return None
        return raw

    def action_analyse(self) -> None:
        if not self._paste().strip():
            safe.notify(self, "Paste a bounce, a message or its headers first.", title="Nothing to analyse",
                        severity="warning")
            return
        raw = self.query_one("#paste", PasteArea).as_pasted().encode("utf-8")
        self.app.analyse(AnalysisRequest(source="paste", raw=raw))  # type: ignore[attr-defined]

    def action_save_paste(self) -> None:
        raw = self._paste()
        if not raw.strip():
            safe.notify(self, "The paste area is empty.", title="Nothing to save", severity="warning")
            return
        self.app.save_dialog(raw=raw)  # type: ignore[attr-defined]

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if event.input.id == "file":
            self.open_file(event.value.strip())
        else:
            self.check_domain()

    def open_file(self, value: str) -> None:
        raw = read_message_file(self, value)
        if raw is not None:
            # Named by its path, as `check` names the same file: one file, one report.
            self.app.analyse(AnalysisRequest(source=str(Path(value).expanduser()), raw=raw))  # type: ignore[attr-defined]

    def check_domain(self) -> None:
        from wizard.common.dnsname import InvalidName, check_name

        domain = self.query_one("#domain", Input).value.strip()
        selectors = tuple(self.query_one("#selector", Input).value.replace(",", " ").split())
        try:
            name = check_name(domain)
            for selector in selectors:
                check_name(f"{selector}._domainkey.{name}")
        except InvalidName as exc:
            safe.notify(self, str(exc), title="Not a domain name", severity="error")
            return
        self.app.analyse(AnalysisRequest(source=f"domain {name}", domain=name, selectors=selectors))  # type: ignore[attr-defined]

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        summary = self.query_one("#scenario-summary", Static)
        if event.option.id is None:
            summary.update("")
            return
        scenario = self._scenarios[int(event.option.id)]
        text = safe.text(scenario.summary, "$text-muted")
        if self._title(scenario) != scenario.title:
            text = Content("\n").join([safe.text(scenario.title, "bold"), text])
        summary.update(text)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option.id is None:
            return
        scenario = self._scenarios[int(event.option.id)]
        self.open_scenario(scenario)

    def open_scenario(self, scenario) -> None:
        try:
            raw = Path(scenario.message_path).read_bytes()
        except OSError as exc:
            safe.notify(self, f"{scenario.name}: {exc}", title="Cannot open scenario", severity="error")
            return
        self.app.analyse(AnalysisRequest(  # type: ignore[attr-defined]
            source=f"scenario {scenario.name}", raw=raw,
            zone_paths=tuple(str(p) for p in scenario.zone_paths),
            now=scenario.now, ip=scenario.ip, mail_from=scenario.mail_from, helo=scenario.helo,
        ))
