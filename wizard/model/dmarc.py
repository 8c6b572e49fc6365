"""DMARC for one message or domain: the records found, alignment, and the verdict under
both rule sets (RFC 7489 + PSL, RFC 9989 + tree walk)."""
from __future__ import annotations

from msgspec import Struct

from wizard.model.dns import DnsAnswer
from wizard.model.findings import Finding


class DmarcRecord(Struct, frozen=True):
    """One TXT value read as a DMARC record. `tags` keeps the record's own order and text;
    the typed fields hold only values that are valid (None when absent or invalid)."""

    raw: str
    is_dmarc: bool  # begins with v=DMARC1 (RFC 7489 §6.6.3 discards anything else)
    tags: tuple[tuple[str, str], ...] = ()
    p: str | None = None
    sp: str | None = None
    np: str | None = None
    adkim: str = "r"
    aspf: str = "r"
    pct: int | None = None
    t: bool = False
    psd: str | None = None
    rua: tuple[str, ...] = ()
    ruf: tuple[str, ...] = ()
    fo: tuple[str, ...] = ()
    findings: tuple[Finding, ...] = ()

    def tag(self, name: str) -> str | None:
        for key, value in self.tags:
            if key == name:
                return value
        return None


class DmarcLookup(Struct, frozen=True):
    """One `_dmarc` name asked during discovery and what it held."""

    domain: str  # the domain whose policy this is (the record is at _dmarc.<domain>)
    answer: DnsAnswer
    records: tuple[DmarcRecord, ...]  # the TXT values that begin with v=DMARC1
    others: tuple[DmarcRecord, ...] = ()  # TXT values that do not (DMARC-03 when they try)

    @property
    def name(self) -> str:
        return f"_dmarc.{self.domain}"


class AlignmentRow(Struct, frozen=True):
    """One identifier DMARC can use: a DKIM d= or the SPF MAIL FROM domain."""

    mechanism: str  # "dkim" | "spf"
    domain: str
    result: str  # a DKIM signature's result (pass, fail, permerror…: only a pass counts), SPF's result
    passed: bool
    org_domain: str  # under the rule set's organisational-domain method
    relaxed: bool  # same organisational domain as the From domain
    strict: bool  # identical to the From domain
    mode: str  # "r" | "s", from adkim / aspf
    aligned: bool  # under `mode`

    @property
    def counts(self) -> bool:
        """Passed and aligned: this row alone makes DMARC pass."""
        return self.passed and self.aligned


class DmarcGrid(Struct, frozen=True):
    """The 2×2 picture of DMARC-06: SPF/DKIM × passed/aligned, with the domains in it."""

    spf_domain: str | None
    spf_pass: bool
    spf_aligned: bool
    dkim_domains: tuple[str, ...]
    dkim_pass: bool
    dkim_aligned: bool


class DmarcResult(Struct, frozen=True):
    """DMARC evaluated under one rule set (RFC 7489 + PSL, or RFC 9989 + tree walk)."""

    rfc: str
    result: str  # pass | fail | none | temperror | permerror
    org_domain: str
    org_reason: str
    record: DmarcRecord | None
    record_name: str  # "_dmarc.example.com", "" when none was found
    discovered_via: str  # "exact domain", "organisational domain (PSL)", "tree walk step 2"
    cname_chain: tuple[str, ...]
    policy: str | None  # the policy value that applies (after p/sp/np selection)
    policy_tag: str  # "p" | "sp" | "np" | ""
    effective_policy: str | None  # after pct (RFC 7489) or t=y (RFC 9989)
    sampling: str  # plain words on pct/t, "" when they play no part
    alignment: tuple[AlignmentRow, ...]
    grid: DmarcGrid
    queried: tuple[DnsAnswer, ...]


class DmarcReport(Struct, frozen=True):
    """DMARC for one message (or one domain in domain mode), under both rule sets.

    The convenience properties read the RFC 9989 evaluation (the standard in force since
    May 2026); `rfc7489` sits beside it and `disagree` says when the two differ."""

    from_domain: str | None
    from_header: str | None
    org_domain_psl: str | None
    org_domain_treewalk: str | None
    rfc7489: DmarcResult | None
    rfc9989: DmarcResult | None
    from_nonexistent: bool = False
    report_authorisations: tuple[DnsAnswer, ...] = ()
    findings: tuple[Finding, ...] = ()

    # The RFC 9989 verdict at the top level, where scripts look first (README's JSON shape).
    __json_extra__ = ("result", "policy", "effective_policy", "record_name", "discovered_via", "disagree")

    @property
    def record(self) -> DmarcRecord | None:
        return self.rfc9989.record if self.rfc9989 else None

    @property
    def record_name(self) -> str:
        return self.rfc9989.record_name if self.rfc9989 else ""

    @property
    def discovered_via(self) -> str:
        return self.rfc9989.discovered_via if self.rfc9989 else ""

    @property
    def policy(self) -> str | None:
        return self.rfc9989.policy if self.rfc9989 else None

    @property
    def effective_policy(self) -> str | None:
        return self.rfc9989.effective_policy if self.rfc9989 else None

    @property
    def result(self) -> str:
        return self.rfc9989.result if self.rfc9989 else "permerror"

    @property
    def alignment(self) -> tuple[AlignmentRow, ...]:
        return self.rfc9989.alignment if self.rfc9989 else ()

    @property
    def disagree(self) -> bool:
        a, b = self.rfc7489, self.rfc9989
        return bool(a and b and (a.result, a.org_domain, a.effective_policy)
                    != (b.result, b.org_domain, b.effective_policy))

    @property
    def queried(self) -> tuple[DnsAnswer, ...]:
        seen: dict[tuple[str, str], DnsAnswer] = {}
        for ev in (self.rfc7489, self.rfc9989):
            for answer in ev.queried if ev else ():
                seen.setdefault((answer.name, answer.rdtype), answer)
        for answer in self.report_authorisations:
            seen.setdefault((answer.name, answer.rdtype), answer)
        return tuple(seen.values())
