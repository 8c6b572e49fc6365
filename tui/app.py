"""The Textual app: renders what `wizard/` returns and nothing else.

The world is injected (DESIGN.md rule 8): the resolvers, how to build resolvers from
`--resolver` specs, the clock and the system clipboard all come in through the constructor,
so tests run the real app against a zone-file resolver, a fixed time and a recorder in place
of the desktop clipboard. The analysis runs in a thread
worker with its own event loop, so neither DNS waits nor dkimpy's RSA work can freeze the
UI; partial Reports come back as `ReportUpdated` messages and screens re-render from them.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from msgspec.structs import replace
from textual import work
from textual.app import App
from textual.binding import Binding

from tui import safe
from tui.messages import AnalysisFailed, ReportUpdated
from wizard.model.request import AnalysisRequest

if TYPE_CHECKING:
    from textual.screen import Screen

    from wizard.dns.types import Resolver
    from wizard.model.report import Report
    from wizard.verdict import Verdict

# How many analyses the session keeps for reopening (f4): reports are small, but a paste
# can be megabytes and a session can run for days.
HISTORY_SIZE = 20


@dataclass
class Analysis:
    """One analysis of this session, as it stands: kept so it can be reopened without
    analysing again. `generation` ties the worker's messages to it."""

    generation: int
    submission: AnalysisRequest
    started: datetime
    report: Report | None = None
    verdict: Verdict | None = None
    finished: bool = False
    error: str | None = None


ResolverFactory = Callable[[Sequence[str], float], Sequence["Resolver"]]
ZoneResolverFactory = Callable[[Sequence[str]], Sequence["Resolver"]]


def _system_resolvers(specs: Sequence[str], timeout: float) -> Sequence[Resolver]:
    from wizard.dns import resolvers_from_specs

    return resolvers_from_specs(list(specs), timeout)


def _zone_resolvers(paths: Sequence[str]) -> Sequence[Resolver]:
    from wizard.dns import ZoneFileResolver

    return [ZoneFileResolver(list(paths))]


def _screen_actions():
    # A callable, so textual.command (the palette) is imported when the palette first opens,
    # not at start-up (cold start target, tests/bench/bench_startup.py).
    from tui.commands import ScreenActions

    return ScreenActions


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _pyperclip_copy(value: str) -> None:
    """The desktop clipboard, through pyperclip (imported on first copy: it probes for
    xclip/wl-copy, which is not worth delaying start-up for). Raises when there is none."""
    import pyperclip

    pyperclip.copy(value)


def _same_input(one: AnalysisRequest, other: AnalysisRequest) -> bool:
    return (one.source, one.raw, one.domain, one.selectors) == (other.source, other.raw, other.domain, other.selectors)


# What a saved file holds, by the extension the user typed.
SAVE_FORMATS = {
    ".md": "Markdown report",
    ".json": "JSON report",
    ".txt": "plain-text report",
    ".eml": "the input exactly as given",
}


class MailTriageApp(App[None]):
    TITLE = "mailtriage"
    CSS_PATH = "app.tcss"
    COMMANDS: ClassVar = App.COMMANDS | {_screen_actions}
    # The footer has 80 columns at most: each screen shows its main keys, the app its help,
    # quit and palette keys. Everything else is listed in help (f1) and the palette (ctrl+p).
    # f1, not "?": on the Start screen "?" is typed into the paste area.
    BINDINGS: ClassVar = [
        Binding("f1,question_mark", "help", "Help", id="app.help", key_display="f1",
                tooltip="Show the keys of this screen and how to use mailtriage"),
        Binding("ctrl+r", "resolvers", "Resolvers", id="app.resolvers", show=False,
                tooltip="Re-run the analysis asking other DNS servers"),
        # f3, not ctrl+k: the paste area and every Input use ctrl+k (delete to end of line).
        Binding("f3", "keys", "DKIM keys", id="app.keys", show=False,
                tooltip="Make a DKIM key and its DNS record; plan a key rotation"),
        # f4: the Start screen's paste area takes every printable key.
        Binding("f4", "history", "History", id="app.history", show=False,
                tooltip="Reopen an earlier analysis of this session, as it was, without analysing again"),
        Binding("ctrl+q", "quit", "Quit", id="app.quit", priority=True, tooltip="Leave mailtriage"),
        # Textual's own palette binding reads "palette" and is squeezed at 80 columns.
        Binding("ctrl+p", "command_palette", "Palette", id="app.palette", show=False, priority=True,
                tooltip="This screen's actions: type to search, enter runs one"),
    ]

    def __init__(
        self,
        *,
        options: AnalysisRequest | None = None,
        resolvers: Sequence[Resolver] | None = None,
        resolver_factory: ResolverFactory = _system_resolvers,
        zone_resolver_factory: ZoneResolverFactory = _zone_resolvers,
        clock: Callable[[], datetime] = _utc_now,
        system_clipboard: Callable[[str], None] = _pyperclip_copy,
        initial: AnalysisRequest | None = None,
    ) -> None:
        super().__init__()
        # The command line's options (tui.request.request_from_args): every analysis is
        # this request with a screen's input in it (request_for), as `check` builds its own.
        self.options = options or AnalysisRequest()
        self._resolvers = list(resolvers) if resolvers is not None else None
        self._resolver_factory = resolver_factory
        self._zone_resolver_factory = zone_resolver_factory
        self.clock = clock
        # The second copy route (DESIGN.md rule 6), injected so tests never touch a desktop.
        self.system_clipboard = system_clipboard
        self._initial = initial
        self.submission: AnalysisRequest | None = None
        self.report: Report | None = None
        self.verdict: Verdict | None = None  # judged once per report; every screen reads it
        self.finished = False
        self.error: str | None = None
        self.saved_input: bytes | None = None  # what was last saved as .eml
        self._generation = 0
        self.history: list[Analysis] = []  # this session's analyses, oldest first

    @property
    def resolver_specs(self) -> tuple[str, ...]:
        return self.options.resolver_specs

    @property
    def timeout(self) -> float:
        return self.options.timeout

    # --- screens -----------------------------------------------------------------------

    def get_default_screen(self) -> Screen:
        from tui.screens.start import StartScreen

        return StartScreen()

    def on_mount(self) -> None:
        if self._initial is not None:
            self.analyse(self._initial)

    def get_system_commands(self, screen: Screen):
        """Textual's palette commands, with its Screenshot replaced by one that says where
        it saved, or why it could not (Textual's says only "Failed to save screenshot")."""
        from textual.app import SystemCommand

        for command in super().get_system_commands(screen):
            if command.title == "Screenshot":
                command = SystemCommand("Screenshot", "Save an SVG picture of this screen (Downloads, else here)",
                                        lambda: self.set_timer(0.1, self.action_screenshot))
            yield command

    def screenshot_directory(self) -> Path:
        """The user's Downloads folder where there is one (as Textual chose), else the
        current directory: a server over SSH rarely has a Downloads folder."""
        from platformdirs import user_downloads_path

        downloads = user_downloads_path()
        return downloads if downloads.is_dir() else Path.cwd()

    def action_screenshot(self, filename: str | None = None, path: str | None = None) -> None:
        target = Path(path).expanduser() if path else self.screenshot_directory()
        target /= filename or f"mailtriage-{self.clock():%Y%m%d-%H%M%S}.svg"
        try:
            with open(target, "x", encoding="utf-8") as handle:  # "x": never overwrite a file
                handle.write(self.export_screenshot())
        except OSError as exc:
            safe.notify(self, f"Could not save the screenshot to {target}: {exc.strerror or exc}.",
                        title="Screenshot", severity="error")
            return
        safe.notify(self, f"Saved a screenshot of this screen (SVG) to {target}.", title="Screenshot")

    def scenarios(self) -> Sequence[object]:
        """The training scenarios for the Start screen (imported when it first shows)."""
        from wizard.scenarios import list_scenarios

        return list_scenarios()

    def _result_screens(self):
        from tui.screens.result import ResultScreen

        return [s for s in self.screen_stack if isinstance(s, ResultScreen)]

    def show_guided(self) -> None:
        from tui.screens.guided import GuidedScreen

        self._show(GuidedScreen())

    def show_inspect(self) -> None:
        from tui.screens.inspect import InspectScreen

        self._show(InspectScreen())

    def _show(self, screen: Screen) -> None:
        if self._result_screens():
            self.switch_screen(screen)
        else:
            self.push_screen(screen)

    def back_to_start(self) -> None:
        while self._result_screens():
            self.pop_screen()
        if self.history:
            safe.notify(self, "This analysis is kept: f4 reopens it (and any other of this session).",
                        title="History")

    def reopen(self, analysis: Analysis) -> None:
        """Show `analysis` again as it stands (still filling in if its worker is running)."""
        self._generation = analysis.generation
        self.submission = analysis.submission
        self.report, self.verdict = analysis.report, analysis.verdict
        self.finished, self.error = analysis.finished, analysis.error
        self.show_guided()

    def _analysis(self, generation: int) -> Analysis | None:
        return next((a for a in self.history if a.generation == generation), None)

    # --- analysis ----------------------------------------------------------------------

    def analyse(self, submission: AnalysisRequest) -> None:
        """Start analysing `submission` and show the result screen at once; it fills in
        as partial reports arrive."""
        self.submission = submission
        self.report = None
        self.verdict = None
        self.finished = False
        self.error = None
        self._generation += 1
        # The same input analysed again (other resolvers, against the original) replaces
        # its earlier analysis in the history instead of listing it twice.
        self.history = [a for a in self.history if not _same_input(a.submission, submission)]
        self.history = [*self.history, Analysis(self._generation, submission, self.clock())][-HISTORY_SIZE:]
        request = self.request_for(submission)
        try:
            resolvers = self._resolvers_for(request)
        except (OSError, ValueError) as exc:  # a --resolver spec that is not IP[:PORT], a zone file
            self.error = self.history[-1].error = str(exc)
            resolvers = None
        if not self._result_screens():
            self.show_guided()
        self._broadcast()
        if resolvers is not None:
            self._run_analysis(self._generation, request, resolvers)

    def request_for(self, submission: AnalysisRequest) -> AnalysisRequest:
        """What a screen submitted (the input; a scenario also brings its time, SPF inputs
        and zone files) with the app's options for everything else: the request `check`
        builds from the same input and options."""
        o = self.options
        return replace(
            submission, resolver_specs=o.resolver_specs, timeout=o.timeout,
            authoritative=o.authoritative, offline=o.offline,
            zone_paths=submission.zone_paths or o.zone_paths,
            now=submission.now or o.now or self.clock(),
            ip=submission.ip or o.ip, mail_from=submission.mail_from or o.mail_from,
            helo=submission.helo or o.helo,
        )

    def rerun(self, specs: Sequence[str] | None = None) -> None:
        """Analyse the same input again (if there is one), optionally asking other resolvers
        from now on, instead of any zone files: choosing servers means asking them."""
        if specs is not None:
            self.options = replace(self.options, resolver_specs=tuple(specs), zone_paths=())
            self._resolvers = None
            if self.submission is not None:
                self.submission = replace(self.submission, zone_paths=())
        if self.submission is not None:
            self.analyse(self.submission)

    def _resolvers_for(self, request: AnalysisRequest) -> Sequence[Resolver]:
        # Zone files win over named servers, as in `check` (tui.request.resolvers_for).
        if request.zone_paths and request.zone_paths != self.options.zone_paths:
            return self._zone_resolver_factory(request.zone_paths)
        return self.lookup_resolvers()

    def lookup_resolvers(self) -> Sequence[Resolver]:
        """The resolvers the options name (--zone, --resolver, or those chosen with ctrl+r),
        for lookups outside a training scenario. Raises ValueError for a spec that is not
        IP[:PORT], OSError for a zone file that cannot be read."""
        if self._resolvers is None:
            if self.options.zone_paths:
                self._resolvers = list(self._zone_resolver_factory(self.options.zone_paths))
            else:
                self._resolvers = list(self._resolver_factory(self.resolver_specs, self.timeout))
        return self._resolvers

    @work(thread=True, exclusive=True, group="analysis", exit_on_error=False)
    def _run_analysis(self, generation: int, request: AnalysisRequest, resolvers: Sequence[Resolver]) -> None:
        # A thread with its own event loop: dkimpy's crypto and any blocking call inside the
        # engine stay off the UI loop. post_message is thread-safe.
        from wizard.common.runner import run_to_end
        from wizard.input.classify import UnreadableInput

        def progress(report: Report) -> None:
            self.post_message(ReportUpdated(generation, report, final=False))

        from wizard.pipeline.analyze import analyze

        try:
            report = run_to_end(analyze(request, resolvers=list(resolvers), on_progress=progress))
        except UnreadableInput as exc:  # empty or binary input: its message is for people
            self.post_message(AnalysisFailed(generation, str(exc)))
        except Exception as exc:  # noqa: BLE001 - shown to the user, the paste is kept
            self.post_message(AnalysisFailed(generation, f"{type(exc).__name__}: {exc}"))
        else:
            self.post_message(ReportUpdated(generation, report, final=True))

    def on_report_updated(self, message: ReportUpdated) -> None:
        analysis = self._analysis(message.generation)
        if analysis is None:
            return  # an analysis the user has since replaced
        from wizard.fixes import aim_report
        from wizard.verdict import judge

        # Commands ask the resolvers the user chose, as `check` prints them (tui.cli.check.emit).
        report = aim_report(message.report)
        analysis.report, analysis.verdict = report, judge(report)
        analysis.finished = message.final
        if message.generation == self._generation:  # on view; else kept for reopening
            self.report, self.verdict, self.finished = analysis.report, analysis.verdict, analysis.finished
            self._broadcast()

    def on_analysis_failed(self, message: AnalysisFailed) -> None:
        analysis = self._analysis(message.generation)
        if analysis is None:
            return
        analysis.error, analysis.finished = message.error, True
        if message.generation != self._generation:
            return
        self.error = message.error
        self.finished = True
        self._broadcast()
        safe.notify(self, message.error, title="The analysis stopped", severity="error")

    def _broadcast(self) -> None:
        for screen in self._result_screens():
            if screen.is_mounted:  # a screen still mounting renders in its own on_mount
                screen.refresh_report()

    # --- actions -----------------------------------------------------------------------

    def action_help(self) -> None:
        from tui.dialogs.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.screen))

    def action_history(self) -> None:
        from textual.screen import ModalScreen

        from tui.dialogs.history import HistoryDialog

        if isinstance(self.screen, ModalScreen):
            return
        if not self.history:
            safe.notify(self, "No analysis yet in this session.", title="History", severity="warning")
            return

        def chosen(analysis: Analysis | None) -> None:
            if analysis is not None:
                self.reopen(analysis)

        self.push_screen(HistoryDialog(self.history, self._generation), chosen)

    def action_keys(self) -> None:
        from textual.screen import ModalScreen

        from tui.screens.keys import KeysScreen

        if not isinstance(self.screen, (KeysScreen, ModalScreen)):
            self.push_screen(KeysScreen())

    def action_resolvers(self) -> None:
        from tui.dialogs.resolvers import ResolverDialog

        def chosen(specs: tuple[str, ...] | None) -> None:
            if specs is None:
                return
            where = ", ".join(specs) if specs else "the system resolver"
            analysing = self.submission is not None
            self.rerun(specs)
            if analysing:
                safe.notify(self, f"Analysing again, asking {where}.", title="Resolvers")
            else:
                safe.notify(self, f"Lookups will ask {where}.", title="Resolvers")

        self.push_screen(ResolverDialog(self.resolver_specs), chosen)

    async def action_quit(self) -> None:
        """Quit, unless a paste would be lost: then offer to save it or quit anyway
        (pasted text is never lost without the user choosing so)."""
        from tui.dialogs.quit import QuitDialog
        from tui.screens.start import StartScreen

        if isinstance(self.screen, QuitDialog):  # ctrl+q twice: quit anyway
            self.exit()
            return
        start = self.screen_stack[0] if self.screen_stack else None
        raw = start.unsaved_paste() if isinstance(start, StartScreen) else None
        if raw is None:
            self.exit()
            return

        def chosen(answer: str | None) -> None:
            if answer == "quit":
                self.exit()
            elif answer == "save":
                self.save_dialog(raw=raw, then=self.exit)

        self.push_screen(QuitDialog(raw), chosen)

    def save_dialog(self, *, raw: bytes | None = None, then: Callable[[], None] | None = None) -> None:
        """Ask for a path and save there. `raw` is an unanalysed paste (Start screen);
        `then` runs once the file is written (quit after saving)."""
        from tui.dialogs.save import SaveDialog

        formats = SAVE_FORMATS if (self.report is not None and raw is None) else {".eml": SAVE_FORMATS[".eml"]}
        # A name with the time in it rarely exists already; saving never overwrites.
        stamp = self.clock().strftime("%Y%m%d-%H%M")
        default = f"mailtriage-report-{stamp}.md" if ".md" in formats else f"mailtriage-input-{stamp}.eml"

        def chosen(path: str | None) -> None:
            if path and self.save(Path(path).expanduser(), raw=raw) and then is not None:
                then()

        self.push_screen(SaveDialog(default, formats), chosen)

    def save(self, path: Path, *, raw: bytes | None = None) -> bool:
        """Write the report or the input to `path`; never overwrites. Returns success."""
        suffix = path.suffix.lower()
        if suffix not in SAVE_FORMATS:
            safe.notify(self, f"Use a name ending in {', '.join(SAVE_FORMATS)}: {path.name}",
                        title="Not saved", severity="error")
            return False
        data: bytes
        if suffix == ".eml":
            source = raw if raw is not None else (self.submission.raw if self.submission else b"")
            if not source:
                safe.notify(self, "There is no pasted or loaded message to save.", title="Not saved", severity="error")
                return False
            data = source
        else:
            if self.report is None:
                safe.notify(self, "There is no report yet; save the input as .eml instead.",
                            title="Not saved", severity="error")
                return False
            from wizard.output.json import report_to_json
            from wizard.output.markdown import render_markdown
            from wizard.output.text import render_text

            writer = {".md": render_markdown, ".json": report_to_json, ".txt": render_text}[suffix]
            data = writer(self.report).encode("utf-8")
        try:
            with open(path, "xb") as handle:  # "x": never overwrite someone's file
                handle.write(data)
        except FileExistsError:
            safe.notify(self, f"{path} already exists; choose another name.", title="Not saved", severity="error")
            return False
        except OSError as exc:
            safe.notify(self, f"{path}: {exc.strerror or exc}", title="Not saved", severity="error")
            return False
        if suffix == ".eml":
            self.saved_input = data
        safe.notify(self, f"Saved {SAVE_FORMATS[suffix]} to {path}.", title="Saved")
        return True
