"""The words every writer shares: the guided text, the report writers and the TUI panes count
and order things the same way."""
from __future__ import annotations

from collections.abc import Iterable

from wizard.model.findings import Finding


def plural(count: int, noun: str, nouns: str | None = None) -> str:
    """'1 thing', '3 things': counts read as sentences, not '3 thing(s)'."""
    return f"{count} {noun if count == 1 else (nouns or noun + 's')}"


def ordered(findings: Iterable[Finding]) -> tuple[Finding, ...]:
    """Worst first, then by id and subject: DNS answers land in whatever order the network
    gives, and the same report must always read (and snapshot) the same way."""
    return tuple(sorted(findings, key=lambda f: (-f.severity.rank, f.id, f.about, f.title)))
