"""The Fix pane: every fix, and the "What to do" advice the guided fix step shows too."""
from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.widgets import Static

from tui import safe
from tui.widgets.fix import AdviceBox, CopyBox, FixBox
from tui.widgets.panes.base import SEVERITY_STYLE, status_line


def advice(findings) -> Content:
    """What to do: each problem with its explanation, which carries the advice (the whole
    answer when no command can fix it, like a list footer or an ESP setting)."""
    return Content("\n\n").join([safe.label("[b]What to do[/b]")] + [
        Content("\n").join([
            safe.line((f"{f.severity.value.upper()} ", SEVERITY_STYLE[f.severity.value]), (f"{f.id} ", "bold"),
                      (f.title, "bold")),
            safe.text(f.detail),
        ])
        for f in findings
    ])


class FixPane(VerticalScroll):
    """Every fix, most important first, and how to confirm each worked."""

    def compose(self) -> ComposeResult:
        yield Static(classes="pane-status")
        yield Static(classes="fix-empty")
        yield Vertical(classes="fix-boxes")
        yield Static(classes="fix-advice")

    def refresh_report(self) -> None:
        from wizard.guide.fix import step_fix

        app = self.app
        self.query_one(".pane-status", Static).update(status_line(app))  # type: ignore[arg-type]
        report, verdict = app.report, app.verdict  # type: ignore[attr-defined]
        holder = self.query_one(".fix-boxes", Vertical)
        step = step_fix(report, verdict) if report is not None and verdict is not None else None
        self.query_one(".fix-empty", Static).update(safe.text(step.found) if step else "")
        self.query_one(".fix-advice", Static).update(advice(step.findings) if step and step.findings else "")
        wanted = (((step.advice,) if step.advice else ()) + step.fixes + step.checks + step.confirm) if step else ()
        if tuple(box.fix for box in holder.query(CopyBox)) == wanted:
            return  # keep focus and selection while partial reports arrive
        holder.remove_children()
        if step is not None:
            # The root cause's fix first (advice, or the first fix), then the rest, then checks.
            holder.mount_all(([AdviceBox(step.advice)] if step.advice else [])
                             + [FixBox(f, n) for n, f in enumerate(step.fixes, 1)]
                             + [FixBox(c) for c in step.checks + step.confirm])
