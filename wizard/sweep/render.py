"""A sweep's groups as a text table, JSON, CSV or Markdown; every value that came from a
message (domains, paths) is made harmless first (wizard.common.safe_text)."""
from __future__ import annotations

import csv
import io
from collections.abc import Sequence

import msgspec
from msgspec import Struct

from wizard.common.safe_text import sanitize, shorten
from wizard.model.catalogue import CATALOGUE
from wizard.sweep.groups import Group, Result
from wizard.sweep.walk import Unreadable

_COLUMNS = ("count", "outcome", "root_cause", "signing_domain", "from_domain", "source",
            "first", "last", "example")


class Summary(Struct, frozen=True):
    """Everything a sweep prints. `items` is filled only with --items."""

    messages: int
    unreadable: Sequence[Unreadable]
    elapsed_s: float
    groups: Sequence[Group]
    items: Sequence[Result] | None = None
    # The shared cache's counts (text and Markdown): questions the workers asked, and sent on.
    dns_asked: int = 0
    dns_forwarded: int = 0


def _safe(text: str) -> str:
    return sanitize(text, one_line=True)


def _cells(group: Group) -> list[str]:
    example = group.examples[0] if group.examples else ""
    return [str(group.count), group.outcome, group.root_cause or "-", group.signing_domain or "-",
            group.from_domain or "-", group.source or "-", group.first[:10] or "-",
            group.last[:10] or "-", example]


def cause_title(cause_id: str) -> str:
    entry = CATALOGUE.get(cause_id)
    return entry.title if entry else ""


def to_json(summary: Summary) -> str:
    out: dict = {
        "messages": summary.messages,
        "unreadable": [{"path": u.path, "reason": u.reason} for u in summary.unreadable],
        "elapsed_s": round(summary.elapsed_s, 3),
        "groups": [{"outcome": g.outcome, "root_cause": g.root_cause,
                    "signing_domain": g.signing_domain, "from_domain": g.from_domain,
                    "source": g.source, "count": g.count, "examples": list(g.examples)}
                   for g in summary.groups],
    }
    if summary.items is not None:
        out["items"] = [{"path": r.path, "outcome": r.outcome, "root_cause": r.root_cause}
                        for r in summary.items]
    return msgspec.json.encode(out).decode() + "\n"


def to_csv(summary: Summary) -> str:
    """One row per group, the table's columns (the first example path, as in the table)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(_COLUMNS)
    for group in summary.groups:
        writer.writerow([_safe(c) for c in _cells(group)])
    return buffer.getvalue()


def to_text(summary: Summary) -> str:
    rows = [[c.upper().replace("_", " ") for c in _COLUMNS]]
    rows += [[shorten(_safe(c), 60) for c in _cells(g)] for g in summary.groups]
    widths = [max(len(r[i]) for r in rows) for i in range(len(_COLUMNS))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip() for row in rows]
    lines += ["", _totals(summary)]
    lines += _causes(summary.groups)
    lines += [f"unreadable: {_safe(u.path)}: {_safe(u.reason)}" for u in summary.unreadable]
    return "\n".join(lines) + "\n"


def _totals(summary: Summary) -> str:
    rate = summary.messages / summary.elapsed_s if summary.elapsed_s > 0 else 0.0
    line = (f"{summary.messages} messages in {len(summary.groups)} groups, "
            f"{len(summary.unreadable)} unreadable, {summary.elapsed_s:.1f} s ({rate:.0f}/s)")
    if summary.dns_forwarded:
        line += (f"; DNS: {summary.dns_asked} questions asked, "
                 f"{summary.dns_forwarded} sent to the resolver (one cache)")
    return line


def _causes(groups: Sequence[Group]) -> list[str]:
    """What each root cause id in the table means (the catalogue's title)."""
    ids = sorted({g.root_cause for g in groups if g.root_cause and cause_title(g.root_cause)})
    return [f"{i}: {cause_title(i)}" for i in ids]


def _md_cell(text: str) -> str:
    # A pipe would end the cell, a backslash could escape it, a backtick open code.
    return _safe(text).replace("\\", "\\\\").replace("|", "\\|").replace("`", "\\`")


def to_markdown(summary: Summary) -> str:
    head = [c.replace("_", " ") for c in _COLUMNS]
    lines = ["# mailtriage sweep", "", _totals(summary), "",
             "| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(_md_cell(c) for c in _cells(g)) + " |" for g in summary.groups]
    causes = _causes(summary.groups)
    if causes:
        lines += ["", *(f"- {_md_cell(c)}" for c in causes)]
    if summary.unreadable:
        lines += ["", "## Unreadable", ""]
        lines += [f"- {_md_cell(u.path)}: {_md_cell(u.reason)}" for u in summary.unreadable]
    return "\n".join(lines) + "\n"
