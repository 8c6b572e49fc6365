"""The verdict banner: one or two lines on every analysis screen, the outcome (coloured by
outcome) and the verdict's headline. The headline holds names from the message and DNS, so
it goes through tui.safe like any data (DESIGN.md rule 4)."""
from __future__ import annotations

from textual.content import Content
from textual.widgets import Static

from tui import safe

OUTCOME_STYLE = {
    "pass": "bold $success reverse",
    "fail": "bold $error reverse",
    "rejected": "bold $error reverse",
    "deferred": "bold $warning reverse",
    "inconclusive": "bold $warning reverse",
    "checking": "bold $text-muted reverse",
}


def banner(verdict, *, pending: bool, width: int) -> Content:
    """` FAIL  Fails DMARC for …`, cut with an ellipsis to fit two lines of `width`."""
    if verdict is None:
        return Content("")
    outcome = "checking" if pending else verdict.outcome
    badge = f" {outcome.upper()} "
    headline = verdict.headline
    if pending:  # the engine says "Still checking (dns, …): <so far>"; the badge says it already
        headline = headline.split("): ", 1)[-1]
    # Two rows, less what word wrapping leaves at the end of the first.
    room = max(20, int(1.8 * (width - 2)) - len(badge))
    headline = safe.clean(headline, one_line=True)
    if len(headline) > room:
        headline = headline[: room - 1].rstrip() + "…"
    return safe.line(safe.text(badge, OUTCOME_STYLE[outcome]), " ", (headline, "bold"))


class VerdictBanner(Static):
    """Shows `app.verdict`; screens call `show()` on every (partial) report."""

    DEFAULT_CSS = """
    VerdictBanner { height: auto; max-height: 2; padding: 0 1; }
    """

    def show(self) -> None:
        app = self.app
        self.update(banner(getattr(app, "verdict", None), pending=not getattr(app, "finished", True),
                           width=app.size.width))
