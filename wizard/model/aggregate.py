"""A DMARC aggregate (RUA) report, read and triaged (diagnoses.md §15; wizard.aggregate).

The JSON shows exactly the keys issue 14 promises; what only the triage and the verdict use
(envelope_from, the receiver's override reasons, the root-cause finding) is `__json_hidden__`.
The verdict of each source is the verdict package's reading of its finding
(wizard.verdict.aggregate), added by the JSON writer beside the facts.
"""
from __future__ import annotations

from typing import Literal

import msgspec
from msgspec import Struct

from wizard.model.findings import Finding

SourceClass = Literal["aligned", "legitimate_unaligned", "forwarder", "spoofing", "unknown"]
Schema = Literal["rfc7489", "rfc9990"]


class AggregateDkim(Struct, frozen=True):
    domain: str
    selector: str
    result: str  # lower-cased as reporters send "Pass" too (RUA-16)


class AggregateSpf(Struct, frozen=True):
    domain: str
    scope: str  # mfrom | helo ("" when the reporter left it out)
    result: str


class OverrideReason(Struct, frozen=True):
    type: str
    comment: str


class PolicyPublished(Struct, frozen=True):
    domain: str
    adkim: str | None = None
    aspf: str | None = None
    p: str | None = None
    sp: str | None = None
    np: str | None = None  # RFC 9990
    pct: int | None = None  # RFC 7489 only
    fo: str | None = None
    testing: str | None = None  # RFC 9990 `t`: n | y
    discovery_method: str | None = None  # RFC 9990: psl | treewalk


class AggregateSource(Struct, frozen=True):
    """One row of the report (IP × results), with what live DNS and the triage added."""

    ip: str
    count: int
    ptr: str | None  # the PTR name now, None when it has none (or DNS was not asked)
    header_from: str
    disposition: str
    dkim: tuple[AggregateDkim, ...]
    spf: tuple[AggregateSpf, ...]
    dmarc: Literal["pass", "fail"]
    source_class: SourceClass = msgspec.field(name="class", default="unknown")
    envelope_from: str = ""
    policy_dkim: str = ""  # policy_evaluated: the aligned results as the receiver judged them
    policy_spf: str = ""
    reasons: tuple[OverrideReason, ...] = ()
    provider: str = ""  # the ESP or forwarder the PTR, d= or SPF domain names
    finding: Finding | None = None  # the root cause (an RUA id), None while untriaged

    __json_hidden__ = ("envelope_from", "policy_dkim", "policy_spf", "reasons", "provider", "finding")


class AggregateReport(Struct, frozen=True):
    org_name: str
    report_id: str
    begin: str  # ISO 8601, UTC
    end: str
    domain: str
    schema: Schema
    policy_published: PolicyPublished
    messages: int  # sum of the rows' counts
    passing: int
    failing: int
    sources: tuple[AggregateSource, ...]  # by failing volume, then volume


class Readiness(Struct, frozen=True):
    """What the aggregate reports given with `domain D --reports DIR` say, all together,
    about moving D's policy (RUA-13): the share of legitimate volume that is aligned, and
    the sources to fix first. Each source's verdict is added by the JSON writer."""

    domain: str
    reports: int  # reports about the domain that were read
    receivers: tuple[str, ...]  # their org_name, each once
    begin: str  # the earliest report's begin, the latest's end (ISO 8601, UTC)
    end: str
    policy: str  # p= as the latest report saw it published
    next_policy: str  # quarantine | reject; "" at p=reject
    messages: int
    passing: int
    failing: int
    legitimate: int  # messages from aligned sources, the domain's own failing senders and forwarders
    aligned: int  # of which passed DMARC
    ready: bool
    fix_first: tuple[AggregateSource, ...]  # legitimate failing sources, most messages first
    not_read: tuple[str, ...] = ()  # "file: why" for each file that is no report about the domain
