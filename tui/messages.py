"""What the analysis worker tells the app, and what the user asked to analyse."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from textual.message import Message


@dataclass(frozen=True)
class Submission:
    """One thing to analyse: a message (raw bytes) or a domain with selectors.

    `raw` is kept exactly as given so it can always be saved back as .eml (never lose a
    paste), whatever the analysis makes of it."""

    source: str  # "paste", "stdin", a file name, or "scenario:<name>"
    raw: bytes = b""
    domain: str = ""
    selectors: tuple[str, ...] = ()
    zone_paths: tuple[str, ...] = ()  # a training scenario's offline DNS
    # A training scenario is judged at its own time and may name SPF inputs its Received
    # chain lacks; None means the app's clock / what the message says.
    now: datetime | None = None
    ip: str | None = None
    mail_from: str | None = None
    helo: str | None = None
    # The same message as the sender sent it (from their Sent folder): body forensics then
    # diff against it and say which copy matches bh= (issue "Body forensics").
    original: bytes | None = None

    @property
    def is_domain(self) -> bool:
        return bool(self.domain)


class ReportUpdated(Message):
    """A (partial or final) Report landed. `generation` lets the app drop stale results
    from an analysis the user has since replaced."""

    def __init__(self, generation: int, report, final: bool) -> None:
        super().__init__()
        self.generation = generation
        self.report = report
        self.final = final


class AnalysisFailed(Message):
    def __init__(self, generation: int, error: str) -> None:
        super().__init__()
        self.generation = generation
        self.error = error
