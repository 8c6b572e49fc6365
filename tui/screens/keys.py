"""Keys: make a DKIM key and its DNS record, and plan a key rotation ("Fix it").

One form (domain, selectors, key type) feeds two panes, each with its own job and file: the
record pane (tui/widgets/key_record.py) makes the key, shows its record and saves it; the
rotation pane (tui/widgets/rotation_plan.py) checks the rotation against DNS. The screen holds
what they share: the form, checked names, the status line both report through, and copy.
"""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Footer, Header, Input, RadioButton, RadioSet, Static

from tui import clipboard, safe
from tui.widgets.fix import FixBox
from tui.widgets.key_record import KeyRecordPane, NotSaved
from tui.widgets.rotation_plan import RotationPlanPane

if TYPE_CHECKING:
    from wizard.keys.keygen import DkimKey
    from wizard.keys.rotation import Plan


class KeysScreen(Screen[None]):
    BINDINGS: ClassVar = [
        Binding("ctrl+g", "generate", "Generate", id="keys.generate",
                tooltip="Make a key pair and show its DNS record in every form"),
        Binding("ctrl+s", "save_key", "Save key", id="keys.save",
                tooltip="Write the private key to a file (mode 0600; never overwrites)"),
        # ctrl+r is the app's Resolvers key, which the rotation plan uses too.
        Binding("ctrl+t", "rotation", "Rotation", id="keys.rotation",
                tooltip="Check the five steps of moving from the old selector to the new one"),
        Binding("f5", "check_record", "Check DNS", id="keys.check", show=False,
                tooltip="Compare what DNS publishes at the selector with this key (record-check)"),
        Binding("c", "copy", "Copy", id="keys.copy", tooltip="Copy the selected record or command"),
        # Escape is back everywhere; the footer keeps to this screen's own keys and f1.
        Binding("escape", "leave", "Back", id="keys.back", show=False, tooltip="Back to the previous screen"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.sub_title = "DKIM keys and rotation"

    @property
    def record(self) -> KeyRecordPane:
        return self.query_one("#keys-record", KeyRecordPane)

    @property
    def rotation(self) -> RotationPlanPane:
        return self.query_one("#keys-plan", RotationPlanPane)

    @property
    def key(self) -> DkimKey | None:
        """The generated key (in memory until saved), or None."""
        return self.record.key

    @property
    def plan(self) -> Plan | None:
        """The last rotation plan shown, or None."""
        return self.rotation.plan

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(classes="keys-row"):
            # "e.g.": a bare example in the dim placeholder style reads as a value already
            # typed (then "Missing: type the domain" is a puzzle), on a plain terminal above all.
            yield Input(id="keys-domain", placeholder="e.g. example.com")
            yield Input(id="keys-selector", placeholder="e.g. s2026")
            yield Input(id="keys-old", placeholder="e.g. s2025")
        with Horizontal(classes="keys-row"):
            with RadioSet(id="keys-type"):
                yield RadioButton("rsa", value=True, id="type-rsa")
                yield RadioButton("ed25519", id="type-ed25519")
            yield Input("2048", id="keys-bits", type="integer", max_length=4)
            yield Static(id="keys-note")
        with VerticalScroll(id="keys-out"):
            yield Static(id="keys-status")
            yield KeyRecordPane(id="keys-record")
            yield RotationPlanPane(id="keys-plan")
        yield Footer()

    def on_mount(self) -> None:
        titles = {
            "#keys-domain": "Domain (d=)", "#keys-selector": "New selector",
            "#keys-old": "Old selector", "#keys-type": "Key type", "#keys-bits": "Bits",
        }
        for selector, title in titles.items():
            self.query_one(selector).border_title = title
        self._update_note()
        self._say(safe.label(
            "[b]ctrl+g [/b]makes a key and shows its DNS record; [b]ctrl+s [/b]saves the private "
            "key (it is never shown). [b]ctrl+t [/b]checks a rotation from the old selector to the "
            "new one. mailtriage changes nothing: you publish and run what it shows."))
        self.query_one("#keys-domain", Input).focus()

    # --- form --------------------------------------------------------------------------

    def _say(self, content: Content) -> None:
        self.query_one("#keys-status", Static).update(content)

    def _refuse(self, title: str, message: str) -> None:
        """A refusal the user must see: in the status line (stays) and as a notice."""
        self._say(safe.line((f"{title}: ", "bold $error"), message))
        safe.notify(self, message, title=title, severity="error")

    def _key_type(self) -> str:
        return "ed25519" if self.query_one("#type-ed25519", RadioButton).value else "rsa"

    def _bits(self) -> int:
        value = self.query_one("#keys-bits", Input).value.strip()
        return int(value) if value.isdigit() else 0

    def _update_note(self) -> None:
        from wizard.keys.keygen import DEFAULT_BITS, MAX_BITS, MIN_BITS

        note = self.query_one("#keys-note", Static)
        bits_input = self.query_one("#keys-bits", Input)
        bits_input.disabled = self._key_type() == "ed25519"
        bits = self._bits()
        if self._key_type() == "ed25519":
            note.update(safe.label("[$warning]Ed25519: also sign with RSA; many receivers cannot verify it alone.[/]"))
        elif not MIN_BITS <= bits <= MAX_BITS:
            note.update(safe.label(f"[$error]RSA keys are {MIN_BITS}–{MAX_BITS} bits; use {DEFAULT_BITS}.[/]"))
        elif bits < DEFAULT_BITS:
            note.update(safe.label(f"[$error]{bits} bits is weak: receivers flag it (DKIM-KEY-08).[/]"))
        elif bits > DEFAULT_BITS:
            note.update(safe.label("[$warning]Large DNS answer: some networks block it (DKIM-KEY-16).[/]"))
        else:
            note.update(safe.label("[dim]2048 bits: the usual choice.[/]"))

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "keys-bits":
            self._update_note()

    def on_radio_set_changed(self, event: RadioSet.Changed) -> None:
        self._update_note()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if event.input.id == "keys-old":
            self.action_rotation()
        else:
            self.action_generate()

    def _names(self, *, old: bool) -> tuple[str, str, str] | None:
        """(domain, new selector, old selector) checked as DNS names, or None after saying
        why not. A name that fails check_name never reaches a command or a lookup."""
        from wizard import fixes
        from wizard.common.dnsname import InvalidName, check_name

        domain = self.query_one("#keys-domain", Input).value.strip()
        selector = self.query_one("#keys-selector", Input).value.strip()
        previous = self.query_one("#keys-old", Input).value.strip()
        needed = [("domain", domain), ("selector", selector)] + ([("old selector", previous)] if old else [])
        missing = [what for what, value in needed if not value]
        if missing:
            self._refuse("Missing", f"Type the {' and the '.join(missing)} first.")
            return None
        try:
            fixes.dkim_key_name(domain, selector)
            if old:
                fixes.dkim_key_name(domain, previous)
            return check_name(domain), check_name(selector), check_name(previous) if old else ""
        except InvalidName as exc:
            self._refuse("Not a DNS name", str(exc))
            return None

    # --- generate ----------------------------------------------------------------------

    def action_generate(self) -> None:
        from wizard.keys.keygen import MAX_BITS, MIN_BITS

        names = self._names(old=False)
        if names is None:
            return
        key_type, bits = self._key_type(), self._bits()
        if key_type == "rsa" and not MIN_BITS <= bits <= MAX_BITS:
            self._refuse("Not generated", f"RSA keys are {MIN_BITS}–{MAX_BITS} bits (RFC 8301); type 2048.")
            return
        self._say(safe.label("[dim]Making the key…[/]"))
        self.record.generate(names[0], names[1], key_type, bits)

    def on_key_record_pane_key_made(self, message: KeyRecordPane.KeyMade) -> None:
        self.show_key(message.domain, message.selector, message.key)

    def on_key_record_pane_failed(self, message: KeyRecordPane.Failed) -> None:
        self._refuse(message.title, message.error)

    def show_key(self, domain: str, selector: str, key: DkimKey) -> None:
        """Show the record of `key` in every form, from the top."""
        self._say(self.record.show_key(domain, selector, key))
        self.query_one("#keys-out").scroll_home(animate=False)

    # --- record check ---------------------------------------------------------------------

    def _resolvers(self) -> tuple | None:
        """The resolvers the app's options name, or None after saying why there are none."""
        try:
            resolvers = self.app.lookup_resolvers()  # type: ignore[attr-defined]
        except ValueError as exc:  # a --resolver spec that is not IP[:PORT]
            self._refuse("Resolvers", str(exc))
            return None
        if not resolvers:
            self._refuse("No DNS", "No resolver to ask: choose one with ctrl+r.")
            return None
        return tuple(resolvers)

    def action_check_record(self) -> None:
        record = self.record
        if record.key is None:
            self._refuse("Nothing to check", "Generate a key first (ctrl+g).")
            return
        resolvers = self._resolvers()
        if resolvers is None:
            return
        options = self.app.options  # type: ignore[attr-defined]
        self._say(safe.line(safe.label("[dim]Asking DNS for [/]"), (record.forms.name if record.forms else "", "bold"),
                            safe.label("[dim]…[/]")))
        record.check_published(resolvers, timeout=options.timeout, compare=options.asks_authoritative,
                               specs=options.resolver_specs)

    def on_key_record_pane_record_checked(self, message: KeyRecordPane.RecordChecked) -> None:
        self._say(self.record.show_check(message.result))

    # --- save --------------------------------------------------------------------------

    def action_save_key(self) -> None:
        from tui.dialogs.save import SaveDialog

        record = self.record
        if record.key is None:
            self._refuse("Nothing to save", "Generate a key first (ctrl+g).")
            return

        def chosen(path: str | None) -> None:
            if path:
                self.save_key(Path(path).expanduser())

        formats = {".private": "the private key, PEM, readable by you only (0600)"}
        self.app.push_screen(SaveDialog(f"{record.selector}.private", formats), chosen)

    def save_key(self, path: Path) -> bool:
        try:
            message = self.record.save_key(path)
        except NotSaved as exc:
            self._refuse("Not saved", str(exc))
            return False
        self._say(safe.text(message, "$success"))
        safe.notify(self, message, title="Saved")
        return True

    # --- rotation ----------------------------------------------------------------------

    def action_rotation(self) -> None:
        names = self._names(old=True)
        if names is None:
            return
        domain, new, old = names
        resolvers = self._resolvers()
        if resolvers is None:
            return
        # The generated key, when it is for this very record: the plan then checks that
        # what DNS holds is exactly this key.
        record = self.record
        same = record.key is not None and (record.domain, record.selector) == (domain, new)
        self._say(safe.line(safe.label("[dim]Checking the rotation of [/]"), (domain, "bold"),
                            safe.label("[dim] in DNS…[/]")))
        self.rotation.check(domain, old, new, resolvers, record.key if same else None,
                            record.path if same else None)

    def on_rotation_plan_pane_plan_made(self, message: RotationPlanPane.PlanMade) -> None:
        self._say(self.rotation.show_plan(message.plan))

    def on_rotation_plan_pane_failed(self, message: RotationPlanPane.Failed) -> None:
        self._refuse(message.title, message.error)

    # --- copy / leave ------------------------------------------------------------------

    def action_copy(self) -> None:
        """Copy the focused box, else the first one on view."""
        focused = self.focused
        while focused is not None and not isinstance(focused, FixBox):
            focused = focused.parent  # type: ignore[assignment]
        box = focused if isinstance(focused, FixBox) else next(iter(self.query(FixBox)), None)
        if box is None:
            safe.notify(self, "Nothing to copy yet: generate a key (ctrl+g) or a rotation plan (ctrl+t).",
                        title="Copy", severity="warning")
            return
        kind = "DNS record" if box.fix.__class__.__name__ == "RecordFix" else "command"
        clipboard.copy(self.app, box.text, what=kind)  # type: ignore[arg-type]

    def action_leave(self) -> None:
        self.app.pop_screen()
