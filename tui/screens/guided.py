"""Guided mode: one Step of wizard.guide.tree at a time, in plain language, with back/next."""
from __future__ import annotations

from dataclasses import replace
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.widgets import Footer, Header, Static

from tui import safe
from tui.screens.result import ResultScreen
from tui.widgets.fix import FixBox
from tui.widgets.panes.base import SEVERITY_STYLE, status_line
from tui.widgets.panes.fix import advice as advice_content


class GuidedScreen(ResultScreen):
    BINDINGS: ClassVar = [
        Binding("right,n", "next", "Next", id="guided.next", key_display="→", tooltip="The next question"),
        Binding("left,b", "back", "Back", id="guided.back", key_display="←", tooltip="The previous question"),
        ResultScreen.COPY,
        Binding("i", "inspect", "Inspect", id="guided.inspect", tooltip="Every pane: findings, tags, DNS, body, hops"),
        # Saving is offered on the last step's text ("s"), in help and the palette; the
        # footer keeps the keys for walking the steps.
        replace(ResultScreen.SAVE, show=False),
        ResultScreen.START,
        replace(ResultScreen.ORIGINAL, show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.index = 0
        self._key: str | None = None  # the step on view, kept across partial reports
        self._walk = None

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(id="progress")
        with VerticalScroll(id="step"):
            yield Static(id="question")
            yield Static(id="found")
            yield Static(id="why")
            yield Static(id="evidence")
            yield Static(id="findings")
            yield Vertical(id="fixes")
            yield Static(id="advice")
            yield Static(id="next")
        yield Footer()

    @property
    def steps(self):
        return self._walk.steps if self._walk else ()

    def refresh_report(self) -> None:
        from wizard.guide.tree import walk

        report = self.app.report  # type: ignore[attr-defined]
        self._walk = walk(report) if report is not None else None
        if self._walk is not None and self._key is not None:
            found = self._walk.index_of(self._key)
            if found is not None:
                self.index = found
        self.index = max(0, min(self.index, len(self.steps) - 1))
        self._render_step()

    def _render_step(self) -> None:
        progress = self.query_one("#progress", Static)
        status = status_line(self.app)  # type: ignore[arg-type]
        if not self.steps:
            progress.update(status)
            for name in ("question", "found", "why", "evidence", "findings", "advice", "next"):
                self.query_one(f"#{name}", Static).update("")
            self.query_one("#evidence").display = False
            self._set_fixes(())
            if self.app.error:  # type: ignore[attr-defined]
                self.query_one("#found", Static).update(safe.label(
                    "Your input is kept: [b]s [/b]saves it as .eml, [b]escape [/b]goes back to it."))
            return
        step = self.steps[self.index]
        self._key = step.key
        dots = Content.assemble(*(("●" if i == self.index else "○", "bold $accent" if i == self.index else "dim")
                                  for i in range(len(self.steps))))
        progress.update(Content("\n").join([
            safe.line(safe.label(f"[b]Step {self.index + 1} of {len(self.steps)} [/b] "), dots),
            status,
        ]))
        severity = step.severity
        show_badge = severity is not None and severity.value != "info" and step.key != "fix"
        badge = (safe.text(f" {severity.value.upper()} ", SEVERITY_STYLE[severity.value] + " reverse")
                 if show_badge else Content(""))
        self.query_one("#question", Static).update(safe.line(safe.text(step.question, "bold"), " ", badge))
        self.query_one("#found", Static).update(safe.line(safe.label("[b]What we found: [/b]"), safe.text(step.found)))
        why = self.query_one("#why", Static)
        why.update(safe.line(safe.label("[b]Why it matters: [/b]"), safe.text(step.why, "$text-muted")))
        # On the fix step the fixes come first: on 80×24 they must be on screen at once.
        self.query_one("#step").move_child(why, after=self.query_one("#advice" if step.key == "fix" else "#found"))
        evidence = self.query_one("#evidence", Static)
        evidence.display = bool(step.evidence)
        # Forensics evidence reads like a diff: "+ now in the message", "- as signed".
        diff_style = {"+ ": "italic green", "- ": "italic red"}
        evidence.update(Content("\n").join(
            safe.text(line, diff_style.get(line[:2], "italic"), limit=300) for line in step.evidence
        ))
        evidence.border_title = "Evidence"
        findings = self.query_one("#findings", Static)
        advice = self.query_one("#advice", Static)
        findings.display = bool(step.findings) and step.key != "fix"
        advice.display = bool(step.findings) and step.key == "fix"
        if step.key == "fix":
            advice.update(advice_content(step.findings[:5]))
        else:
            findings.update(Content("\n").join(
                safe.line((f"{f.severity.value:<8} ", SEVERITY_STYLE[f.severity.value]), (f"{f.id} ", "bold"), f.title)
                for f in step.findings
            ))
        self._set_fixes(step.fixes, step.confirm)
        next_text = step.next
        if step.key == "fix" and self._walk.skipped:
            skipped = "; ".join(f"“{s.question}” {s.reason}" for s in self._walk.skipped)
            next_text += f"\nSkipped: {skipped}"
        self.query_one("#next", Static).update(safe.text(next_text, "italic"))

    def _set_fixes(self, fixes, confirm=()) -> None:
        holder = self.query_one("#fixes", Vertical)
        holder.display = bool(fixes or confirm)  # an empty holder would still take its margin
        current = tuple(box.fix for box in holder.query(FixBox))
        if current == tuple(fixes) + tuple(confirm):
            return  # keep focus and selection while partial reports arrive
        holder.remove_children()
        boxes: list = [FixBox(f, n) for n, f in enumerate(fixes, 1)]
        if confirm:
            boxes.append(Static(safe.label("[b]How to confirm it worked[/b]"), classes="confirm-title"))
            boxes += [FixBox(c) for c in confirm]
        if boxes:
            holder.mount_all(boxes)

    def _go(self, delta: int) -> None:
        if not self.steps:
            return
        new = max(0, min(self.index + delta, len(self.steps) - 1))
        if new != self.index:
            self.index = new
            self._render_step()
            self.query_one("#step").scroll_home(animate=False)
            self.query_one("#step").focus()

    def action_next(self) -> None:
        self._go(1)

    def action_back(self) -> None:
        self._go(-1)

    def action_inspect(self) -> None:
        self.app.show_inspect()  # type: ignore[attr-defined]
