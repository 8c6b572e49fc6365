"""What the analysis worker tells the app, and what a screen asks the app to analyse."""
from __future__ import annotations

from typing import TYPE_CHECKING

from textual.message import Message

from wizard.model.request import AnalysisRequest

if TYPE_CHECKING:
    from wizard.model.report import Report

# What a screen asks the app to analyse: an AnalysisRequest holding the input (`raw` kept
# exactly as given, so it can always be saved back as .eml), or a domain with selectors; a
# training scenario also brings its own time, SPF inputs and zone files. The app fills in its
# command-line options (MailTriageApp.request_for), so there is one request type, not two.
Submission = AnalysisRequest


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
