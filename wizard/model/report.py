"""The Report: everything one analysis found, and the three ways `check` prints it.

A Report is immutable; the pipeline (wizard.pipeline.analyze) builds a new one as each stage lands,
so the TUI can render partial reports while DNS answers are still arriving.
"""
from __future__ import annotations

import json
import re
from msgspec import Struct, field
from datetime import datetime
from typing import Any

from wizard.dns.types import DnsAnswer
from wizard.output.jsonable import to_data
from wizard.model.findings import Cap, Finding, Severity, worst

JSON_SCHEMA_VERSION = 1


class InputInfo(Struct, frozen=True):
    kind: str  # smtp_reply | dsn | bounce | report | auto_reply | headers | message |
    #            dkim_signature | auth_results | domain
    label: str  # the same in words
    source: str  # file name, "stdin" or "paste"
    size: int
    line_endings: str
    has_body: bool


class MessageFacts(Struct, frozen=True):
    """The identities every check needs, taken from the message (or overridden by flags)."""

    from_header: str | None
    from_domain: str | None
    mail_from: str | None  # RFC 5321 MAIL FROM (Return-Path), "" for the null sender
    mail_from_domain: str | None
    helo: str | None
    client_ip: str | None
    subject: str | None
    date: str | None
    message_id: str | None
    to: str | None


class Report(Struct, frozen=True):
    input: InputInfo
    analysed_at: datetime
    resolvers: tuple[str, ...] = ()
    message: MessageFacts | None = None
    bounce: Any = None  # wizard.receiver.bounce.Bounce
    signatures: tuple[Any, ...] = ()  # wizard.pipeline.analyze.SignatureReport, top-most first
    arc: Any = None  # wizard.arc.verify.ArcReport
    auth_results: Any = None  # wizard.receiver.auth_results.AuthResultsSet
    received: Any = None  # wizard.input.received.ReceivedChain
    dmarc: Any = None  # wizard.dmarc.evaluate.DmarcReport
    spf: Any = None  # wizard.spf.evaluate.SpfReport
    domain: Any = None  # domain-mode results (keys per selector)
    dns: tuple[DnsAnswer, ...] = ()
    findings: tuple[Finding, ...] = ()
    caps: tuple[Cap, ...] = ()
    pending: tuple[str, ...] = ()  # stages still running (partial reports in the TUI)
    returned: "Report | None" = None  # the analysis of a DSN's returned message
    extra: dict = field(default_factory=dict)

    __json_hidden__ = ("extra", "pending")

    @property
    def worst(self) -> Severity | None:
        return worst(self.all_findings)

    @property
    def all_findings(self) -> tuple[Finding, ...]:
        inner = self.returned.all_findings if self.returned else ()
        return self.findings + inner

    @property
    def failed(self) -> bool:
        """A check failed: decides `check`'s exit status 1."""
        return any(f.severity.is_failure for f in self.all_findings)

    @property
    def warnings(self) -> tuple[str, ...]:
        """Short warning codes across all signatures (the JSON's top-level `warnings`)."""
        seen: dict[str, None] = {}
        for sig in self.signatures:
            for w in getattr(sig, "warnings", ()):
                seen[w] = None
        return tuple(seen)


def sort_findings(findings) -> tuple[Finding, ...]:
    """Worst first; stable within a severity so related findings stay together."""
    return tuple(sorted(findings, key=lambda f: -f.severity.rank))


def report_to_data(report: Report) -> dict:
    data = to_data(report)
    data["schema"] = JSON_SCHEMA_VERSION
    data["warnings"] = list(report.warnings)
    data["result"] = {
        "failed": report.failed,
        "worst": report.worst.value if report.worst else None,
    }
    return data


# JSON escapes C0 controls itself; C1 controls and bidi marks would reach a terminal raw as
# UTF-8 (U+009B acts as CSI on some terminals), so they are escaped too.
_JSON_UNSAFE = re.compile("[\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")


def report_to_json(report: Report) -> str:
    text = json.dumps(report_to_data(report), indent=2, ensure_ascii=False)
    return _JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)
