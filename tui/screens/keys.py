"""Keys: make a DKIM key and its DNS record, and plan a key rotation ("Fix it").

The same engine as `mailtriage keygen | rotate` (tui/cmd_fix.py). The private key is never
shown, only written to a file the user names (mode 0600, never over an existing file). Key
generation (crypto) and the rotation's lookups (DNS) run in thread workers and come back as
typed messages (DESIGN.md rule 7). Nothing here changes DNS or a signer: each step says what
to run or publish and what "done" looks like.
"""
from __future__ import annotations

from msgspec.structs import replace
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer, Header, Input, RadioButton, RadioSet, Static

from tui import clipboard, safe
from tui.widgets.fix import FixBox

if TYPE_CHECKING:
    from wizard.keys.keygen import DkimKey, RecordForms
    from wizard.model.findings import RecordFix
    from wizard.keys.rotation import Plan

# How each rotation state reads, and in which colour.
STATE_STYLE = {
    "done": "bold $success",
    "to do": "bold $accent",
    "waiting": "bold $warning",
    "problem": "bold $error",
    "not yet": "dim",
}


class FormBox(FixBox):
    """One form of the DNS record (zone line, multi-string, unsplit, opendkim .txt): a FixBox
    holding that form's text, so it is shown and copied like every other fix."""

    def __init__(self, record: RecordFix, purpose: str, text: str) -> None:
        super().__init__(replace(record, purpose=purpose))
        self.text = safe.clean(text)


class KeysScreen(Screen[None]):
    BINDINGS: ClassVar = [
        Binding("ctrl+g", "generate", "Generate", id="keys.generate",
                tooltip="Make a key pair and show its DNS record in every form"),
        Binding("ctrl+s", "save_key", "Save key", id="keys.save",
                tooltip="Write the private key to a file (mode 0600; never overwrites)"),
        # ctrl+r is the app's Resolvers key, which the rotation plan uses too.
        Binding("ctrl+t", "rotation", "Rotation", id="keys.rotation",
                tooltip="Check the five steps of moving from the old selector to the new one"),
        Binding("c", "copy", "Copy", id="keys.copy", tooltip="Copy the selected record or command"),
        # Escape is back everywhere; the footer keeps to this screen's own keys and f1.
        Binding("escape", "leave", "Back", id="keys.back", show=False, tooltip="Back to the previous screen"),
    ]

    class KeyMade(Message):
        def __init__(self, domain: str, selector: str, key: DkimKey) -> None:
            super().__init__()
            self.domain = domain
            self.selector = selector
            self.key = key

    class PlanMade(Message):
        def __init__(self, plan: Plan) -> None:
            super().__init__()
            self.plan = plan

    class Failed(Message):
        def __init__(self, title: str, error: str) -> None:
            super().__init__()
            self.title = title
            self.error = error

    def __init__(self) -> None:
        super().__init__()
        self.key: DkimKey | None = None
        self.key_domain = ""
        self.key_selector = ""
        self.key_path: str | None = None  # where the key was saved, for the commands shown
        self.forms: RecordForms | None = None
        self.plan: Plan | None = None
        self.sub_title = "DKIM keys and rotation"

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(classes="keys-row"):
            yield Input(id="keys-domain", placeholder="example.com")
            yield Input(id="keys-selector", placeholder="s2026")
            yield Input(id="keys-old", placeholder="s2025")
        with Horizontal(classes="keys-row"):
            with RadioSet(id="keys-type"):
                yield RadioButton("rsa", value=True, id="type-rsa")
                yield RadioButton("ed25519", id="type-ed25519")
            yield Input("2048", id="keys-bits", type="integer", max_length=4)
            yield Static(id="keys-note")
        with VerticalScroll(id="keys-out"):
            yield Static(id="keys-status")
            yield Vertical(id="keys-record")
            yield Vertical(id="keys-plan")
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
        self._generate(names[0], names[1], key_type, bits)

    @work(thread=True, exclusive=True, group="keygen", exit_on_error=False)
    def _generate(self, domain: str, selector: str, key_type: str, bits: int) -> None:
        # A thread: a 4096-bit RSA key takes long enough to freeze the UI.
        from wizard.keys.keygen import KeyProblem, generate_key

        try:
            key = generate_key(key_type, bits)
        except KeyProblem as exc:
            self.post_message(self.Failed("Not generated", str(exc)))
        else:
            self.post_message(self.KeyMade(domain, selector, key))

    def on_keys_screen_key_made(self, message: KeyMade) -> None:
        self.show_key(message.domain, message.selector, message.key)

    def on_keys_screen_failed(self, message: Failed) -> None:
        self._refuse(message.title, message.error)

    def show_key(self, domain: str, selector: str, key: DkimKey) -> None:
        """Show the record of `key` in every form (the private key stays in memory until
        saved)."""
        from wizard.keys import keygen
        from wizard.model.findings import FixCommand

        self.key, self.key_domain, self.key_selector, self.key_path = key, domain, selector, None
        self.forms = forms = keygen.record_forms(domain, selector, key)
        label = f"{'RSA' if key.key_type == 'rsa' else 'Ed25519'} {key.bits}-bit"
        lines = [safe.line(safe.label("[b]TXT record at [/b]"), (forms.name, "bold"), f"  ({label})")]
        lines += [safe.text(f"Warning: {w}", "$warning") for w in key.warnings]
        lines.append(safe.label("[dim]Not saved yet: ctrl+s writes the private key to a file. "
                                "Publish one of these forms:[/]"))
        self._say(Content("\n").join(lines))
        default_path = f"{selector}.private"
        boxes: list = [
            FormBox(forms.record, "Zone file (BIND): strings of at most 255 characters", forms.zone_line),
            FormBox(forms.record, 'One field of quoted strings (Route 53, panels asking for "…" "…")', forms.multi_string),
            FormBox(forms.record, "One unsplit value (panels that split long values; no quotes)", forms.unsplit),
            FormBox(forms.record, "opendkim-genkey style SELECTOR.txt (name relative to the zone)", forms.opendkim_txt.rstrip("\n")),
            Static(safe.label("[b]Or make the key with OpenSSL on your own machine instead[/b]"), classes="keys-heading"),
            *(FixBox(c) for c in keygen.openssl_equivalents(default_path, key.key_type, key.bits)),
            Static(safe.label("[b]After publishing, check it[/b]"), classes="keys-heading"),
            FixBox(FixCommand(("mailtriage", "record-check", "--domain", domain, "--selector", selector,
                               "--key", default_path), "compare the published record with the private key")),
        ]
        holder = self.query_one("#keys-record", Vertical)
        holder.remove_children()
        holder.mount_all(boxes)
        self.query_one("#keys-out").scroll_home(animate=False)

    # --- save --------------------------------------------------------------------------

    def action_save_key(self) -> None:
        from tui.screens.dialogs import SaveDialog

        if self.key is None:
            self._refuse("Nothing to save", "Generate a key first (ctrl+g).")
            return

        def chosen(path: str | None) -> None:
            if path:
                self.save_key(Path(path).expanduser())

        formats = {".private": "the private key, PEM, readable by you only (0600)"}
        self.app.push_screen(SaveDialog(f"{self.key_selector}.private", formats), chosen)

    def save_key(self, path: Path) -> bool:
        """Write the private key to `path` (0600); an existing file is never overwritten: it
        may be the key signing mail now."""
        from wizard.keys.keygen import KeyProblem, write_private_key

        assert self.key is not None
        try:
            write_private_key(path, self.key)
        except FileExistsError:
            self._refuse("Not saved", f"{path} already exists; refusing to overwrite a key (it may be "
                         "the one signing mail now). Choose another name.")
            return False
        except (OSError, KeyProblem) as exc:
            self._refuse("Not saved", f"{path}: {getattr(exc, 'strerror', None) or exc}")
            return False
        self.key_path = str(path)
        message = f"Private key written to {path} (mode 0600). Keep it on the signing server only."
        self._say(safe.text(message, "$success"))
        safe.notify(self, message, title="Saved")
        return True

    # --- rotation ----------------------------------------------------------------------

    def action_rotation(self) -> None:
        names = self._names(old=True)
        if names is None:
            return
        domain, new, old = names
        try:
            resolvers = self.app.lookup_resolvers()  # type: ignore[attr-defined]
        except ValueError as exc:  # a --resolver spec that is not IP[:PORT]
            self._refuse("Resolvers", str(exc))
            return
        if not resolvers:
            self._refuse("No DNS", "No resolver to ask: choose one with ctrl+r.")
            return
        # The generated key, when it is for this very record: the plan then checks that
        # what DNS holds is exactly this key.
        same = self.key is not None and (self.key_domain, self.key_selector) == (domain, new)
        self._say(safe.line(safe.label("[dim]Checking the rotation of [/]"), (domain, "bold"),
                            safe.label("[dim] in DNS…[/]")))
        self._plan(domain, old, new, tuple(resolvers), self.key if same else None, self.key_path if same else None)

    @work(thread=True, exclusive=True, group="rotation", exit_on_error=False)
    def _plan(self, domain: str, old: str, new: str, resolvers, key, key_path) -> None:
        # A thread with its own event loop, like the analysis: lookups never block the UI.
        import asyncio

        from wizard.keys import rotation
        from wizard.dns.session import DnsSession
        from wizard.common.dnsname import InvalidName

        app = self.app
        try:
            session = DnsSession(resolvers, timeout=app.timeout)  # type: ignore[attr-defined]
            facts = asyncio.run(rotation.gather(
                session, domain, old, new, now=app.clock(), new_key=key,  # type: ignore[attr-defined]
                new_key_path=key_path, resolvers=app.resolver_specs,  # type: ignore[attr-defined]
            ))
            result = rotation.plan(facts)
        except InvalidName as exc:
            self.post_message(self.Failed("Not a rotation", str(exc)))
        except Exception as exc:  # noqa: BLE001 - shown to the user; the form is kept
            self.post_message(self.Failed("The check stopped", f"{type(exc).__name__}: {exc}"))
        else:
            self.post_message(self.PlanMade(result))

    def on_keys_screen_plan_made(self, message: PlanMade) -> None:
        self.show_plan(message.plan)

    def show_plan(self, plan: Plan) -> None:
        self.plan = plan
        current = plan.current
        if current is None:
            summary = safe.label("[$success]Rotation complete.[/] Delete the revoked record some weeks from now.")
        else:
            summary = safe.line(safe.label("[b]Rotation: you are at step [/b]"), (f"{current.number}. ", "bold"), current.title)
        self._say(summary)
        widgets: list = []
        for step in plan.steps:
            state = step.state.value
            here = safe.label("  [b $accent]← you are here[/]") if step is current else Content("")
            lines = [
                safe.line((f"[{state}] ", STATE_STYLE[state]), (f"{step.number}. ", "bold"), (step.title, "bold"), here),
                safe.line(safe.label("[dim]Done when: [/]"), (step.done_when, "$text-muted")),
            ]
            lines += [safe.line(safe.label("[dim]Found: [/]"), line) for line in step.found]
            widgets.append(Static(Content("\n").join(lines), classes="plan-step"))
            if state != "done":
                widgets += [FixBox(fix) for fix in step.run]
        holder = self.query_one("#keys-plan", Vertical)
        holder.remove_children()
        holder.mount_all(widgets)
        # The plan is what the user asked for last: bring it into view.
        self.call_after_refresh(holder.scroll_visible, top=True, animate=False)

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
