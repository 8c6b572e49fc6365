"""The Keys screen's record pane: a new DKIM key's DNS record in every form, and saving the
private key.

The same engine as `mailtriage keygen` (tui/cli/keygen.py). The private key is never shown, only
written to a file the user names (mode 0600, never over an existing file). Generation runs in a
thread worker and comes back as a typed message (DESIGN.md rule 7) for the screen, which owns
the status line both panes report through.
"""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from msgspec.structs import replace
from textual import work
from textual.containers import Vertical
from textual.content import Content
from textual.message import Message
from textual.widgets import Button, Static

from tui import safe
from tui.messages import WorkFailed
from tui.widgets.fix import FixBox

if TYPE_CHECKING:
    from wizard.keys.keygen import DkimKey, RecordForms
    from wizard.keys.match import KeyCase, RecordCheck
    from wizard.model.findings import RecordFix


class FormBox(FixBox):
    """One form of the DNS record (zone line, multi-string, unsplit, opendkim .txt): a FixBox
    holding that form's text, so it is shown and copied like every other fix."""

    def __init__(self, record: RecordFix, purpose: str, text: str) -> None:
        super().__init__(replace(record, purpose=purpose))
        self.text = safe.clean(text)


class NotSaved(Exception):
    """Saving the private key was refused; the message says why and what to do instead."""


class KeyRecordPane(Vertical):
    DEFAULT_CSS = """
    KeyRecordPane #record-check, KeyRecordPane #key-cases, KeyRecordPane #key-case { height: auto; }
    KeyRecordPane #key-cases Button { width: 100%; }
    """

    class KeyMade(Message):
        def __init__(self, domain: str, selector: str, key: DkimKey) -> None:
            super().__init__()
            self.domain = domain
            self.selector = selector
            self.key = key

    class Failed(WorkFailed):
        """The key could not be made: the screen says why (`title`, `error`)."""

    class RecordChecked(Message):
        def __init__(self, result: RecordCheck) -> None:
            super().__init__()
            self.result = result

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.key: DkimKey | None = None
        self.domain = ""
        self.selector = ""
        self.path: str | None = None  # where the key was saved, for the commands shown
        self.forms: RecordForms | None = None

    @work(thread=True, exclusive=True, group="keygen", exit_on_error=False)
    def generate(self, domain: str, selector: str, key_type: str, bits: int) -> None:
        # A thread: a 4096-bit RSA key takes long enough to freeze the UI.
        from wizard.keys.keygen import KeyProblem, generate_key

        try:
            key = generate_key(key_type, bits)
        except KeyProblem as exc:
            self.post_message(self.Failed("Not generated", str(exc)))
        else:
            self.post_message(self.KeyMade(domain, selector, key))

    def show_key(self, domain: str, selector: str, key: DkimKey) -> Content:
        """Show the record of `key` in every form (the private key stays in memory until
        saved); the lines for the status line are returned."""
        from wizard.keys import keygen
        from wizard.model.findings import FixCommand

        self.key, self.domain, self.selector, self.path = key, domain, selector, None
        self.forms = forms = keygen.record_forms(domain, selector, key)
        label = f"{'RSA' if key.key_type == 'rsa' else 'Ed25519'} {key.bits}-bit"
        lines = [safe.line(safe.label("[b]TXT record at [/b]"), (forms.name, "bold"), f"  ({label})")]
        lines += [safe.text(f"Warning: {w}", "$warning") for w in key.warnings]
        lines.append(safe.label("[dim]Not saved yet: ctrl+s writes the private key to a file. "
                                "Publish one of these forms:[/]"))
        default_path = f"{selector}.private"
        boxes: list = [
            FormBox(forms.record, "Zone file (BIND): strings of at most 255 characters", forms.zone_line),
            FormBox(forms.record, 'One field of quoted strings (Route 53, panels asking for "…" "…")',
                    forms.multi_string),
            FormBox(forms.record, "One unsplit value (panels that split long values; no quotes)", forms.unsplit),
            FormBox(forms.record, "opendkim-genkey style SELECTOR.txt (name relative to the zone)",
                    forms.opendkim_txt.rstrip("\n")),
            Static(safe.label("[b]Or make the key with OpenSSL on your own machine instead[/b]"),
                   classes="keys-heading"),
            *(FixBox(c) for c in keygen.openssl_equivalents(default_path, key.key_type, key.bits)),
            Static(safe.label("[b]After publishing, check it [/b][dim](f5 checks it here)[/dim]"),
                   classes="keys-heading"),
            FixBox(FixCommand(("mailtriage", "record-check", "--domain", domain, "--selector", selector,
                               "--key", default_path), "compare the published record with the private key")),
        ]
        self.remove_children()
        self.mount_all([*boxes, Vertical(id="record-check")])
        return Content("\n").join(lines)

    @work(thread=True, exclusive=True, group="record-check", exit_on_error=False)
    def check_published(self, resolvers, *, timeout: float, compare: bool, specs: tuple[str, ...]) -> None:
        """What DNS publishes at this key's selector, compared with the key (`record-check`)."""
        import asyncio

        from wizard.dns.session import DnsSession
        from wizard.keys.match import check_record

        assert self.key is not None
        try:
            session = DnsSession(resolvers, timeout=timeout, compare=compare)
            result = asyncio.run(check_record(session, self.domain, self.selector, self.key, specs, self.path))
        except Exception as exc:  # noqa: BLE001 - shown to the user; the key is kept
            self.post_message(self.Failed("The check stopped", f"{type(exc).__name__}: {exc}"))
        else:
            self.post_message(self.RecordChecked(result))

    def show_check(self, result: RecordCheck) -> Content:
        """The record check below the record: a match, each difference with its fixes, or,
        when another key is published there, the question only the user can answer."""
        from wizard.model.findings import FixCommand
        from wizard.output.words import plural
        from wizard.verdict.remedy import is_check

        box = self.query_one("#record-check", Vertical)
        box.remove_children()
        name = result.expected.name
        self.call_after_refresh(box.scroll_visible, top=True, animate=False)
        if result.ok:
            answers = plural(len(result.answers), "answer")
            summary = safe.line(safe.label("[$success]The record at [/]"), (name, "bold"),
                                safe.label(f"[$success] matches this key ({answers}).[/]"))
            box.mount(Static(summary, classes="keys-heading"))
            return summary
        widgets: list = [Static(safe.label("[b]What DNS publishes there[/b]"), classes="keys-heading")]
        looks: list = []  # the lookups that show the record now, after the question
        for finding in result.findings:
            widgets.append(Static(safe.line((f"{finding.title}. ", "bold"), finding.detail)))
            if result.cases and finding.id == "DKIM-KEY-14":
                # The case's fixes come with the answer below.
                looks += [FixBox(f) for f in finding.fixes if isinstance(f, FixCommand) and is_check(f)]
            else:
                widgets += [FixBox(fix) for fix in finding.fixes]
        buttons = [Button(case.condition, id=f"case-{case.name}") for case in result.cases]
        if result.cases:
            # Which key the signer uses decides the fix, and only the user knows it.
            widgets.append(Static(safe.line(safe.label("[b $accent]Which is it? [/]"),
                                            (f"Another key is published at {name}.", "")), classes="keys-heading"))
            widgets += [Vertical(*buttons, id="key-cases"), Vertical(id="key-case")]
        widgets += looks
        self._cases = {button.id: case for button, case in zip(buttons, result.cases, strict=True)}
        box.mount_all(widgets)
        if result.cases:
            self.call_after_refresh(buttons[0].focus)  # tab moves between the answers, enter picks one
            return safe.line(safe.label("[b $warning]Another key is published at [/]"), (name, "bold"),
                             safe.label("[b $warning]: which key does the signer use? Answer below.[/]"))
        return safe.line(safe.label("[b $error]The record at [/]"), (name, "bold"),
                         safe.label("[b $error] does not match this key: see below.[/]"))

    def on_button_pressed(self, event: Button.Pressed) -> None:
        case = getattr(self, "_cases", {}).get(event.button.id or "")
        if case is not None:
            event.stop()
            self.show_case(case)

    def show_case(self, case: KeyCase) -> None:
        """The chosen case: what it means, and its fixes to publish or run."""
        chosen = self.query_one("#key-case", Vertical)
        chosen.remove_children()
        chosen.mount_all([Static(safe.line((f"{case.condition}: ", "bold"), case.then), classes="keys-heading"),
                          *(FixBox(fix) for fix in case.fixes)])

    def save_key(self, path: Path) -> str:
        """Write the private key to `path` (0600) and say so; an existing file is never
        overwritten: it may be the key signing mail now. Raises NotSaved."""
        from wizard.keys.keygen import KeyProblem, write_private_key

        assert self.key is not None
        try:
            write_private_key(path, self.key)
        except FileExistsError:
            raise NotSaved(f"{path} already exists; refusing to overwrite a key (it may be "
                           "the one signing mail now). Choose another name.") from None
        except (OSError, KeyProblem) as exc:
            raise NotSaved(f"{path}: {getattr(exc, 'strerror', None) or exc}") from exc
        self.path = str(path)
        return f"Private key written to {path} (mode 0600). Keep it on the signing server only."
