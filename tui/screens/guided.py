"""Guided mode: one Step of wizard.guide.tree at a time, in plain language, with back/next.

It opens on "What happened?" (the verdict), walks the causal chain as the "why" questions and
ends on the fix, the root cause's first. The count is the whole tree ("Step 4 of 7"), so it
never changes while partial reports arrive; skipped questions are named, dimmed, with why."""
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
from tui.widgets.fix import AdviceBox, CopyBox, FixBox
from tui.widgets.panes.base import SEVERITY_STYLE, status_line
from tui.widgets.panes.fix import advice as advice_content
from tui.widgets.verdict import VerdictBanner
from wizard.guide.steps import TOTAL

_TEXT_PARTS = ("question", "found", "chain", "why", "evidence", "findings", "notes", "advice", "next", "skipped")


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
        yield VerdictBanner(id="verdict")
        yield Static(id="progress")
        with VerticalScroll(id="step"):
            yield Static(id="question")
            yield Static(id="found")
            yield Static(id="chain")
            yield Static(id="why")
            yield Static(id="evidence")
            yield Static(id="findings")
            yield Static(id="notes")
            yield Vertical(id="fixes")
            yield Static(id="advice")
            yield Static(id="next")
            yield Static(id="skipped")
        yield Footer()

    @property
    def steps(self):
        return self._walk.steps if self._walk else ()

    def refresh_report(self) -> None:
        from wizard.guide.tree import walk

        app = self.app
        report = app.report  # type: ignore[attr-defined]
        self._walk = walk(report, app.verdict) if report is not None else None  # type: ignore[attr-defined]
        if self._walk is not None and self._key is not None:
            found = self._walk.index_of(self._key)
            if found is not None:
                self.index = found
        self.index = max(0, min(self.index, len(self.steps) - 1))
        self.query_one(VerdictBanner).show()
        self._render_step()

    def _progress(self, step) -> Content:
        """Step n of the whole tree, a dot per question: ● here, ○ to visit, · skipped."""
        shown = {s.number for s in self.steps}
        dots = Content.assemble(*(
            ("●", "bold $accent") if n == step.number else ("○", "") if n in shown else ("·", "dim")
            for n in range(1, TOTAL + 1)
        ))
        return safe.line(safe.label(f"[b]Step {step.number} of {TOTAL} [/b] "), dots)

    def _render_step(self) -> None:
        progress = self.query_one("#progress", Static)
        status = status_line(self.app)  # type: ignore[arg-type]
        if not self.steps:
            progress.update(status)
            for name in _TEXT_PARTS:
                self.query_one(f"#{name}", Static).update("")
            for name in ("evidence", "chain", "notes", "skipped"):
                self.query_one(f"#{name}").display = False
            self._set_fixes(None, (), ())
            if self.app.error:  # type: ignore[attr-defined]
                self.query_one("#found", Static).update(safe.label(
                    "Your input is kept: [b]s [/b]saves it as .eml, [b]escape [/b]goes back to it."))
            return
        step = self.steps[self.index]
        self._key = step.key
        progress.update(Content("\n").join([self._progress(step), status]))
        severity = step.severity
        show_badge = severity is not None and severity.value != "info" and step.key not in ("fix", "verdict")
        badge = (safe.text(f" {severity.value.upper()} ", SEVERITY_STYLE[severity.value] + " reverse")
                 if show_badge else Content(""))
        self.query_one("#question", Static).update(safe.line(safe.text(step.question, "bold"), " ", badge))
        self.query_one("#found", Static).update(safe.line(safe.label("[b]What we found: [/b]"), safe.text(step.found)))
        self._show_lines("chain", step.chain if step.key != "verdict" else (), "[b]In the chain: [/b]", "")
        why = self.query_one("#why", Static)
        why.update(safe.line(safe.label("[b]Why it matters: [/b]"), safe.text(step.why, "$text-muted")))
        # On the fix step the fixes come first, on the first step the proof: on 80×24 they
        # must be on screen at once.
        after = {"fix": "#advice", "verdict": "#notes"}.get(step.key, "#chain")
        self.query_one("#step").move_child(why, after=self.query_one(after))
        evidence = self.query_one("#evidence", Static)
        evidence.display = bool(step.evidence)
        # Forensics evidence reads like a diff: "+ now in the message", "- as signed".
        diff_style = {"+ ": "italic green", "- ": "italic red"}
        evidence.update(Content("\n").join(
            safe.text(line, diff_style.get(line[:2], "italic"), limit=300) for line in step.evidence
        ))
        evidence.border_title = "Evidence" if step.key != "verdict" else "Evidence for the root cause"
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
        self._show_lines("notes", step.notes, "", "$text-muted")
        self._set_fixes(step.advice, step.fixes, step.checks, step.confirm)
        self.query_one("#next", Static).update(safe.text(step.next, "italic"))
        skipped = self._walk.skipped_after(step)
        self._show_lines("skipped", tuple(f"Skipped {s.number} · {s.question} {s.reason}" for s in skipped), "", "dim")

    def _show_lines(self, name: str, lines: tuple[str, ...], heading: str, style: str) -> None:
        widget = self.query_one(f"#{name}", Static)
        widget.display = bool(lines)
        body = Content("\n").join(safe.text(line, style) for line in lines)
        widget.update(safe.line(safe.label(heading), body) if heading else body)

    def _set_fixes(self, advice, fixes, checks, confirm=()) -> None:
        holder = self.query_one("#fixes", Vertical)
        holder.display = bool(advice or fixes or checks or confirm)  # an empty holder would still take its margin
        wanted = ((advice,) if advice else ()) + tuple(fixes) + tuple(checks) + tuple(confirm)
        if tuple(box.fix for box in holder.query(CopyBox)) == wanted:
            return  # keep focus and selection while partial reports arrive
        holder.remove_children()
        boxes: list = [AdviceBox(advice)] if advice else []
        for n, fix in enumerate(fixes, 1):
            lead = "The root cause's fix: " if n == 1 and advice is None and self._leads(fix) else ""
            boxes.append(FixBox(fix, n, lead=lead))
        if checks:
            boxes.append(Static(safe.label("[b]Checks[/b] [dim](they only look; they change nothing)[/dim]"),
                                classes="confirm-title"))
            boxes += [FixBox(c) for c in checks]
        if confirm:
            boxes.append(Static(safe.label("[b]How to confirm it worked[/b]"), classes="confirm-title"))
            boxes += [FixBox(c) for c in confirm]
        if boxes:
            holder.mount_all(boxes)

    def _leads(self, fix) -> bool:
        """Whether `fix` is the verdict's primary fix (the root cause's own)."""
        from wizard.guide.fix import lead_fix

        app = self.app
        return app.verdict is not None and lead_fix(app.report, app.verdict) == fix  # type: ignore[attr-defined]

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

    def scroll_target(self):
        return self.query_one("#step")

    def action_inspect(self) -> None:
        self.app.show_inspect()  # type: ignore[attr-defined]
