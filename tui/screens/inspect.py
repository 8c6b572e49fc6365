"""Inspect mode (expert): every part of the report in its own pane.

Panes are tabs so each gets the whole screen at 80×24; `a` lays them all out at once on a
big terminal. Digits jump to a pane from anywhere, `/` searches every pane, `e` takes a
finding to its evidence (its raw lines, its DNS answer); the bindings are listed in the
palette and help.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from functools import partial
from typing import ClassVar

from textual.actions import SkipAction
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widget import Widget
from textual.widgets import DataTable, Footer, Header, Input, TabbedContent, TabPane, TextArea

from tui import clipboard, safe
from tui.screens.result import ResultScreen
from tui.widgets.fix import fix_kind, fix_text
from tui.widgets.panes import PANES, TablePane
from tui.widgets.panes.raw import RawPane
from tui.widgets.search import SearchBar
from tui.widgets.verdict import VerdictBanner


def quoted_answer(finding, answer) -> bool:
    """Whether the finding quotes this DNS answer: a line starts with the name asked
    ("s1._domainkey.example.com TXT → nxdomain") or holds a record it returned."""
    values = [v for v in answer.values if len(v) >= 8]  # "v=DKIM1" alone names no record
    return any(line.startswith(f"{answer.name} ") or any(v in line for v in values) for line in finding.evidence)


def named_answer(finding, answer) -> bool:
    """Whether the answer is for the name the finding is about."""
    return bool(finding.about) and answer.name.lower() == finding.about.lower()


class InspectScreen(ResultScreen):
    BINDINGS: ClassVar = [
        Binding("g", "guided", "Guided", id="inspect.guided", tooltip="Back to one question at a time"),
        ResultScreen.COPY,
        ResultScreen.SAVE,
        ResultScreen.START,
        # Not in the footer: at 80 columns it squeezes the help key; the Body pane names it.
        replace(ResultScreen.ORIGINAL, show=False),
        Binding("slash", "search", "Search", id="inspect.search", key_display="/",
                tooltip="Find text in the raw message and every pane; n next, N previous"),
        Binding("n", "search_step(1)", "Next match", id="inspect.search_next", show=False),
        Binding("N", "search_step(-1)", "Previous match", id="inspect.search_prev", show=False),
        Binding("e", "evidence", "Evidence", id="inspect.evidence", show=False, priority=True,
                tooltip="From a finding in Summary: its header lines in Raw, its DNS answer; e again: the next"),
        Binding("enter", "whole_value", "Whole value", id="inspect.whole", show=False,
                tooltip="The highlighted row whole: its cells are cut to fit the screen"),
        Binding("a", "all_panes", "All panes", id="inspect.all", show=False,
                tooltip="Show every pane at once (big terminals)"),
        # Priority: a focused table or text area would take these keys first (help promises
        # them from anywhere); `check_action` hands them back to a text field being typed in.
        Binding("]", "pane(1)", "Next pane", id="inspect.next_pane", show=False, priority=True),
        Binding("[", "pane(-1)", "Previous pane", id="inspect.prev_pane", show=False, priority=True),
        *(
            Binding(str(n % 10), f"show_pane('{key}')", f"{title} pane", id=f"inspect.pane.{key}", show=False,
                    priority=True)
            for n, (key, title, _) in enumerate(PANES[:10], 1)
        ),
    ]

    def __init__(self) -> None:
        super().__init__()
        self._evidence = None  # (finding, its places, the place on view) while `e` walks them

    def on_mount(self) -> None:
        super().on_mount()
        # A report is its own evidence: an aggregate or TLS report opens on its pane, where
        # the answer is, not on a Summary of one line.
        report = self.app.report  # type: ignore[attr-defined]
        if report is not None and report.aggregate is not None:
            self.action_show_pane("sources")
        elif report is not None and report.tls_report is not None:
            self.action_show_pane("tls")

    def compose(self) -> ComposeResult:
        yield Header()
        yield VerdictBanner(id="verdict")
        with TabbedContent(id="panes"):
            for key, title, cls in PANES:
                with TabPane(title, id=f"pane-{key}"):
                    yield cls(id=f"{key}-pane", classes="pane")
        yield SearchBar(self._search_order, self.action_show_pane, {key: title for key, title, _ in PANES})
        yield Footer()

    def refresh_report(self) -> None:
        self.query_one(VerdictBanner).show()
        for key, _, cls in PANES:
            self.query_one(f"#{key}-pane", cls).refresh_report()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # A text field being typed in gets its digits, brackets and "e" (the keys are priority).
        return not (action in ("pane", "show_pane", "evidence") and isinstance(self.focused, Input))

    def action_evidence(self) -> None:
        """Show the finding's evidence where it lives, one place per press: the raw lines
        that hold it, then the DNS answers it quotes, then back to the finding."""
        tabs = self.query_one(TabbedContent)
        summary = self.query_one("#summary-pane", TablePane)
        if tabs.active == "pane-summary" or self._evidence is None:
            finding = summary.current()
            if finding is None:
                safe.notify(self, "Pick a finding in Summary (1) first.", title="Evidence", severity="warning")
                return
            self._evidence = (finding, self._evidence_places(finding), -1)
        finding, places, at = self._evidence
        if not places:
            self._evidence = None
            why = ("it quotes no line of the input and no DNS answer: it is listed under the finding"
                   if finding.evidence else "it carries no evidence lines")
            safe.notify(self, f"{finding.id}: {why}.", title="Evidence", severity="warning")
            return
        at += 1
        if at == len(places):  # after the last place, back to the finding
            self._evidence = None
            self.action_show_pane("summary")
            for row in summary.rows_where(lambda f: f == finding)[:1]:  # gone if a new report dropped it
                summary.select_row(row)
            return
        self._evidence = (finding, places, at)
        key, show, where = places[at]
        self.action_show_pane(key)
        self.call_after_refresh(show)
        more = "e: the next place" if at + 1 < len(places) else "e: back to the finding"
        safe.notify(self, f"{finding.id}, {at + 1} of {len(places)}: {where}. {more}.", title="Evidence")

    def _evidence_places(self, finding) -> list[tuple[str, Callable[[], None], str]]:
        """(pane, how to show it, where in words) for each place the finding's evidence is."""
        places: list[tuple[str, Callable[[], None], str]] = []
        raw = self.query_one("#raw-pane", RawPane)
        for first, last in raw.rows_of(finding.evidence):
            span = f"line {first + 1}" if first == last else f"lines {first + 1}–{last + 1}"
            places.append(("raw", partial(raw.show_rows, first, last), f"{span} of the input"))
        dns = self.query_one("#dns-pane", TablePane)
        rows = dns.rows_where(partial(quoted_answer, finding)) or dns.rows_where(partial(named_answer, finding))
        for row in rows:
            answer = dns.items[row]
            places.append(("dns", partial(dns.select_row, row), f"the DNS answer {answer.rdtype} {answer.name}"))
        return places

    def action_whole_value(self) -> None:
        """Enter with the tabs focused: what enter on the pane's table does (a focused
        table takes enter itself)."""
        pane = self._active_pane()
        if not hasattr(pane, "action_whole_value"):
            raise SkipAction()
        pane.action_whole_value()

    def action_copy(self) -> None:
        """On Summary, the highlighted finding's first fix (or why it has none); elsewhere
        the focused or first copy box."""
        if self.query_one(TabbedContent).active != "pane-summary":
            self.copy_fix()
            return
        finding = self.query_one("#summary-pane", TablePane).current()
        if finding is None:
            safe.notify(self, "No finding to copy a fix from yet.", title="Copy", severity="warning")
        elif finding.fixes:
            fix = finding.fixes[0]
            clipboard.copy(self.app, fix_text(fix), what=f"{finding.id}'s first {fix_kind(fix)}")
        else:
            why = ("it is information, not a problem: there is nothing to fix"
                   if finding.severity.value == "info" else
                   "no command or DNS record fixes it on its own: what to do is in its explanation below, "
                   "and the Fix pane (9) lists every fix")
            safe.notify(self, f"{finding.id} has no fix to copy: {why}.", title="Copy", severity="warning")

    def _search_order(self) -> list[tuple[str, Widget]]:
        """Every pane, the one on view first, then the rest in tab order."""
        keys = [key for key, _, _ in PANES]
        here = keys.index(self.query_one(TabbedContent).active.removeprefix("pane-"))
        return [(key, self.query_one(f"#{key}-pane")) for key in keys[here:] + keys[:here]]

    def action_search(self) -> None:
        self.query_one(SearchBar).open()

    def action_search_step(self, delta: int) -> None:
        bar = self.query_one(SearchBar)
        if not bar.is_open:
            raise SkipAction()
        bar.step(delta)

    def action_start(self) -> None:
        """Escape closes the search first; then it goes back to Start."""
        bar = self.query_one(SearchBar)
        if bar.is_open:
            bar.close()
            self.scroll_target().focus()
        else:
            super().action_start()

    def scroll_target(self):
        """The pane on view: its table (which moves its cursor), its raw text, or itself."""
        pane = self._active_pane()
        if isinstance(pane, TablePane):
            return pane.query_one(DataTable)
        if isinstance(pane, RawPane):
            return pane.query_one(TextArea)
        return pane

    def _active_pane(self) -> Widget:
        return self.query_one(f"#{self.query_one(TabbedContent).active.removeprefix('pane-')}-pane")

    def action_show_pane(self, key: str) -> None:
        tabs = self.query_one(TabbedContent)
        leaving = tabs.query_one(f"#{tabs.active}")
        inside = self.focused is not None and leaving in self.focused.ancestors
        tabs.active = f"pane-{key}"
        if inside:
            # Focus follows into the new pane: left behind in a hidden pane it would move to
            # the next widget of the old one, and TabbedContent shows the pane holding focus.
            self.scroll_target().focus()

    def action_pane(self, delta: int) -> None:
        tabs = self.query_one(TabbedContent)
        keys = [key for key, _, _ in PANES]
        self.action_show_pane(keys[(keys.index(tabs.active.removeprefix("pane-")) + delta) % len(keys)])

    def action_guided(self) -> None:
        self.app.show_guided()  # type: ignore[attr-defined]

    def action_all_panes(self) -> None:
        from tui.screens.all_panes import AllPanesScreen

        self.app.switch_screen(AllPanesScreen())
