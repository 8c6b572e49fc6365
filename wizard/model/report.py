"""The Report: everything one analysis found (wizard.output prints it three ways).

A Report is immutable; the pipeline (wizard.pipeline.analyze) builds a new one as each stage lands,
so the TUI can render partial reports while DNS answers are still arriving.
"""
from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from msgspec import Struct

from wizard.model.aggregate import AggregateReport, Readiness
from wizard.model.arc import ArcReport, ArcSet
from wizard.model.auth_results import AuthResultsSet
from wizard.model.bounce import Bounce
from wizard.model.dkim import DecodedSignature, KeyReport, SignatureVerdict
from wizard.model.dmarc import DmarcReport
from wizard.model.dns import DnsAnswer
from wizard.model.findings import Cap, Finding, Severity, worst
from wizard.model.received import ReceivedChain
from wizard.model.spf import SpfReport, SpfTree
from wizard.model.tls_report import TlsRptReport
from wizard.model.transit import BodyForensics, HeaderForensics


class InputInfo(Struct, frozen=True):
    kind: str  # smtp_reply | dsn | bounce | report | auto_reply | headers | message |
    #            dkim_signature | auth_results | domain | dmarc_aggregate | tls_report
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


class SignatureReport(Struct, frozen=True):
    """One DKIM-Signature: its decoded tags, its verdict, and what forensics proved."""

    index: int
    d: str | None
    s: str | None
    a: str | None
    result: str  # pass|fail|permerror|temperror|neutral|policy|none
    reason: str
    warnings: tuple[str, ...]
    decoded: DecodedSignature
    verdict: SignatureVerdict | None = None  # None until DNS answered
    body: BodyForensics | None = None  # when the body hash failed
    headers: HeaderForensics | None = None  # when the header signature failed


class DomainReport(Struct, frozen=True):
    """Domain mode (`mailtriage domain`): the DNS side of every check, without a message."""

    domain: str
    selectors: tuple[str, ...]  # as asked, or the common ones probed when none were named
    probed: bool  # True when the selectors were guessed, not named
    keys: tuple[KeyReport, ...]  # per selector that answered (all when named)
    spf: SpfTree | None = None
    dmarc: DmarcReport | None = None


class Report(Struct, frozen=True):
    input: InputInfo
    analysed_at: datetime
    resolvers: tuple[str, ...] = ()
    message: MessageFacts | None = None
    bounce: Bounce | None = None
    signatures: tuple[SignatureReport, ...] = ()  # top-most first
    arc: ArcSet | ArcReport | None = None  # the decoded sets until verification replaces them
    auth_results: AuthResultsSet | None = None
    received: ReceivedChain | None = None
    dmarc: DmarcReport | None = None
    spf: SpfReport | None = None
    domain: DomainReport | None = None
    dns: tuple[DnsAnswer, ...] = ()
    findings: tuple[Finding, ...] = ()
    caps: tuple[Cap, ...] = ()
    pending: tuple[str, ...] = ()  # stages still running (partial reports in the TUI)
    returned: Report | None = None  # the analysis of a DSN's returned message
    aggregate: AggregateReport | None = None  # a DMARC aggregate report (wizard.aggregate)
    tls_report: TlsRptReport | None = None  # a TLS-RPT report (wizard.tls.report)
    readiness: Readiness | None = None  # `domain D --reports DIR`: what the reports say (RUA-13)

    __json_hidden__ = ("pending",)

    @property
    def worst(self) -> Severity | None:
        return worst(self.all_findings)

    @property
    def all_findings(self) -> tuple[Finding, ...]:
        """This report's findings, then the returned message's that say something new: the
        returned part is cut from the same file, so its line-ending and paste findings
        (EVID-02/03) would otherwise be said twice."""
        inner = self.returned.all_findings if self.returned else ()
        said = {(f.id, f.about, f.title) for f in self.findings}
        return self.findings + tuple(f for f in inner if (f.id, f.about, f.title) not in said)

    @property
    def failed(self) -> bool:
        """A check failed: decides `check`'s exit status 1."""
        return any(f.severity.is_failure for f in self.all_findings)

    @property
    def warnings(self) -> tuple[str, ...]:
        """Short warning codes across all signatures (the JSON's top-level `warnings`)."""
        seen: dict[str, None] = {}
        for sig in self.signatures:
            for w in sig.warnings:
                seen[w] = None
        return tuple(seen)


def sort_findings(findings: Iterable[Finding]) -> tuple[Finding, ...]:
    """Worst first; stable within a severity so related findings stay together."""
    return tuple(sorted(findings, key=lambda f: -f.severity.rank))
