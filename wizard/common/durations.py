"""Durations in words, for findings about clocks, delays and signature validity."""
from __future__ import annotations

from datetime import timedelta


def span(delta: timedelta) -> str:
    """A duration in words ("3.5 h", "2.0 days")."""
    seconds = abs(delta.total_seconds())
    if seconds < 120:
        return f"{seconds:.0f} seconds"
    if seconds < 7200:
        return f"{seconds / 60:.0f} minutes"
    if seconds < 2 * 86400:
        return f"{seconds / 3600:.1f} hours"
    return f"{seconds / 86400:.1f} days"
