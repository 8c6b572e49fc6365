"""The data that crosses every boundary: findings and the fixes they carry.

Everything here is a frozen msgspec Struct (DESIGN.md rule 2) so a Report can be shared between
the engine, the report writers and the TUI without anyone mutating it.
"""
from __future__ import annotations

import enum
import shlex

from msgspec import Struct
from msgspec.structs import force_setattr, replace


class Severity(enum.StrEnum):
    """Severity as defined in diagnoses.md ("How to read this file")."""

    CRITICAL = "critical"  # explains a rejection or a DMARC failure on its own
    ERROR = "error"  # definitely wrong; fails at some or all receivers
    WARN = "warn"  # risky or fragile, not failing by itself
    INFO = "info"  # context, not a fault

    @property
    def rank(self) -> int:
        return _RANK[self]

    @property
    def is_failure(self) -> bool:
        return self in (Severity.CRITICAL, Severity.ERROR)


_RANK = {Severity.CRITICAL: 3, Severity.ERROR: 2, Severity.WARN: 1, Severity.INFO: 0}


class FixCommand(Struct, frozen=True, tag=True):
    """A command to run. Held as argv so values from a message are never spliced into a
    shell string by hand (DESIGN.md rule 5); `shell` is the one way to print it."""

    argv: tuple[str, ...]
    purpose: str

    __json_extra__ = ("shell",)

    def __post_init__(self) -> None:
        force_setattr(self, "argv", tuple(self.argv))

    @property
    def shell(self) -> str:
        return shlex.join(self.argv)


class RecordFix(Struct, frozen=True, tag=True):
    """A DNS record to publish (or to change to this value)."""

    name: str  # fully qualified, without the trailing dot
    rdtype: str  # "TXT", "CNAME", ...
    value: str  # the unquoted value as the record should hold it
    purpose: str
    ttl: int = 3600

    __json_extra__ = ("zone_line",)

    @property
    def zone_line(self) -> str:
        """The record as a zone-file line; TXT values split into strings of at most 255
        octets (RFC 1035 §3.3.14), which is what BIND and every zone file expect."""
        if self.rdtype.upper() == "TXT":
            data = " ".join(quote_txt_chunks(self.value))
        else:
            data = self.value
        return f"{self.name}. {self.ttl} IN {self.rdtype.upper()} {data}"


def quote_txt_chunks(value: str, size: int = 255) -> list[str]:
    """Split a TXT value into quoted character-strings of at most `size` octets."""
    raw = value.encode("utf-8")
    chunks = [raw[i : i + size] for i in range(0, len(raw), size)] or [b""]
    out = []
    for chunk in chunks:
        text = chunk.decode("utf-8", errors="replace")
        out.append('"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"')
    return out


# Tagged (by class name) because msgspec can describe a union of Structs only when it can
# tell them apart; the JSON writer tells them apart by their fields and prints no tag.
Fix = FixCommand | RecordFix


class Finding(Struct, frozen=True):
    """One diagnosis. `id` is a diagnoses.md id (`DKIM-KEY-06`, `CANON-11`, ...).

    `evidence` holds the exact input lines (or DNS answers) the conclusion came from, so an
    engineer can check the reasoning; `about` names what it concerns (a signature, a domain)."""

    id: str
    severity: Severity
    title: str
    detail: str
    evidence: tuple[str, ...] = ()
    fixes: tuple[Fix, ...] = ()
    about: str = ""

    def __post_init__(self) -> None:
        # Accept lists from callers but store tuples so the struct stays hashable/frozen.
        force_setattr(self, "evidence", tuple(self.evidence))
        force_setattr(self, "fixes", tuple(self.fixes))


def signature_about(index: int, d: str | None, s: str | None) -> str:
    """How every finding names the DKIM-Signature it is about (1-based, top-most first)."""
    return f"DKIM-Signature #{index + 1} (d={d or '?'} s={s or '?'})"


def worst(findings: tuple[Finding, ...] | list[Finding]) -> Severity | None:
    """The most severe severity among findings, or None when there are none."""
    return max((f.severity for f in findings), key=lambda s: s.rank, default=None)


class Cap(Struct, frozen=True):
    """A limit the engine applied to bound its work on hostile input (said in the report)."""

    what: str
    limit: int
    seen: int


# Diagnoses that are one fact about their subject however many checks prove it: a list that
# appended a footer and tagged the Subject is one CAUSE-01 (the body and the header search
# each prove it); an expired signature is one DKIM-SIG-16 whether the tag checks (against the
# message's hops) or the verification (against the check's clock) say so.
_ONE_PER_SUBJECT = ("CAUSE-", "DKIM-SIG-15", "DKIM-SIG-16")


def merge_findings(findings: list[Finding]) -> list[Finding]:
    """Findings in their order, those of `_ONE_PER_SUBJECT` joined per (id, about): the worst
    one's title and severity, every detail (one shared closing "Fix: …" said once), evidence
    and fixes."""
    out: list[Finding] = []
    at: dict[tuple[str, str], int] = {}
    for f in findings:
        key = (f.id, f.about)
        if not f.id.startswith(_ONE_PER_SUBJECT) or key not in at:
            at.setdefault(key, len(out))
            out.append(f)
            continue
        first, second = sorted((out[at[key]], f), key=lambda g: -g.severity.rank)
        said, _, fix = first.detail.rpartition(" Fix: ")
        also, _, also_fix = second.detail.rpartition(" Fix: ")
        detail = (f"{said} {also} Fix: {fix}" if said and also and fix == also_fix
                  else f"{first.detail} {second.detail}")
        out[at[key]] = replace(first, detail=detail,
                               evidence=tuple(dict.fromkeys(first.evidence + second.evidence)),
                               fixes=tuple(dict.fromkeys(first.fixes + second.fixes)))
    return out
