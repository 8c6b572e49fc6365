"""The Keys screen's rotation pane: the five steps of moving from the old selector to the new
one, each checked against DNS ("Fix it").

The same engine as `mailtriage rotate` (tui/cli/rotate.py). The lookups run in a thread worker
and come back as a typed message (DESIGN.md rule 7) for the screen, which owns the status line.
Nothing here changes DNS or a signer: each step says what to run or publish and what "done"
looks like.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from textual import work
from textual.containers import Vertical
from textual.content import Content
from textual.message import Message
from textual.widgets import Static

from tui import safe
from tui.messages import WorkFailed
from tui.widgets.fix import FixBox

if TYPE_CHECKING:
    from wizard.keys.keygen import DkimKey
    from wizard.keys.rotation import Plan

# How each rotation state reads, and in which colour.
STATE_STYLE = {
    "done": "bold $success",
    "to do": "bold $accent",
    "waiting": "bold $warning",
    "problem": "bold $error",
    "not yet": "dim",
}


class RotationPlanPane(Vertical):
    class PlanMade(Message):
        def __init__(self, plan: Plan) -> None:
            super().__init__()
            self.plan = plan

    class Failed(WorkFailed):
        """The plan could not be made: the screen says why (`title`, `error`)."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.plan: Plan | None = None

    @work(thread=True, exclusive=True, group="rotation", exit_on_error=False)
    def check(self, domain: str, old: str, new: str, resolvers, key: DkimKey | None,
              key_path: str | None) -> None:
        """Gather what DNS holds for both selectors and plan from it. `key` (and where it was
        saved) is the generated key when it is for this very record: the plan then checks that
        what DNS holds is exactly this key."""
        # A thread with its own event loop, like the analysis: lookups never block the UI.
        import asyncio

        from wizard.common.dnsname import InvalidName
        from wizard.dns.session import DnsSession
        from wizard.keys import rotation

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

    def show_plan(self, plan: Plan) -> Content:
        """Show every step with its state and, until done, what to run; the summary for the
        status line is returned."""
        self.plan = plan
        current = plan.current
        if current is None:
            summary = safe.label("[$success]Rotation complete.[/] Delete the revoked record some weeks from now.")
        else:
            summary = safe.line(safe.label("[b]Rotation: you are at step [/b]"), (f"{current.number}. ", "bold"),
                                current.title)
        widgets: list = []
        for step in plan.steps:
            state = step.state.value
            here = safe.label("  [b $accent]← you are here[/]") if step is current else Content("")
            lines = [
                safe.line((f"[{state}] ", STATE_STYLE[state]), (f"{step.number}. ", "bold"), (step.title, "bold"),
                          here),
                safe.line(safe.label("[dim]Done when: [/]"), (step.done_when, "$text-muted")),
            ]
            lines += [safe.line(safe.label("[dim]Found: [/]"), line) for line in step.found]
            widgets.append(Static(Content("\n").join(lines), classes="plan-step"))
            if state != "done":
                widgets += [FixBox(fix) for fix in step.run]
        self.remove_children()
        self.mount_all(widgets)
        # The plan is what the user asked for last: bring it into view.
        self.call_after_refresh(self.scroll_visible, top=True, animate=False)
        return summary
