"""What the analysis worker and the panes' workers tell the app and its screens. (What a
screen asks the app to analyse is a wizard.model.request.AnalysisRequest.)"""
from __future__ import annotations

from typing import TYPE_CHECKING

from textual.message import Message

if TYPE_CHECKING:
    from wizard.model.report import Report


class ReportUpdated(Message):
    """A (partial or final) Report landed. `generation` lets the app drop stale results
    from an analysis the user has since replaced."""

    def __init__(self, generation: int, report: Report, final: bool) -> None:
        super().__init__()
        self.generation = generation
        self.report = report
        self.final = final


class AnalysisFailed(Message):
    def __init__(self, generation: int, error: str) -> None:
        super().__init__()
        self.generation = generation
        self.error = error


class WorkFailed(Message):
    """A pane's worker stopped: `title` heads the notice, `error` says why. Each pane
    subclasses it, so its handler keeps the pane's name (on_<pane>_failed)."""

    def __init__(self, title: str, error: str) -> None:
        super().__init__()
        self.title = title
        self.error = error
