"""The DMARC decision under one rule set: which identifiers align with From, which policy
applies (p=, sp= or np=) and what pct= or t=y make of it. Pure: no DNS."""
from __future__ import annotations

from collections.abc import Callable, Sequence

from wizard.dmarc.discovery import RFC7489, RFC9989, Discovery, DmarcLookup
from wizard.dmarc.record import DmarcRecord
from wizard.model.dmarc import AlignmentRow as AlignmentRow
from wizard.model.dmarc import DmarcGrid as DmarcGrid
from wizard.model.dmarc import DmarcResult as DmarcResult

_LESS_STRICT = {"reject": "quarantine", "quarantine": "none", "none": "none"}


def evaluate_dmarc(from_domain: str, dkim: Sequence[tuple[str, str]],
                   spf: tuple[str | None, str | None], discovery: Discovery,
                   org_of: Callable[[str], str], *, nonexistent: bool = False) -> DmarcResult:
    """Pure DMARC decision for one rule set: which policy applies and whether the message
    passes. `dkim` is every signature's (d=, result): each gets a row, so a failed signature
    that would have aligned is seen, but only a passing aligned one counts (RFC 7489 §3.1).
    `org_of` maps a domain to its organisational domain under the same rule set;
    `nonexistent` says the From domain has no A, AAAA or MX (for np=, RFC 9989 only)."""
    found = discovery.found
    record = found.records[0] if found and found.records else None
    from_org = discovery.org_domain
    adkim = record.adkim if record else "r"
    aspf = record.aspf if record else "r"
    rows = [_row("dkim", d, result, result == "pass", from_domain, from_org, org_of, adkim)
            for d, result in dict.fromkeys(dkim)]
    spf_result, spf_domain = spf
    if spf_domain:
        rows.append(_row("spf", spf_domain, spf_result or "none", spf_result == "pass",
                         from_domain, from_org, org_of, aspf))
    grid = DmarcGrid(
        spf_domain, spf_result == "pass", any(r.counts for r in rows if r.mechanism == "spf"),
        tuple(r.domain for r in rows if r.mechanism == "dkim" and r.passed),
        any(r.passed for r in rows if r.mechanism == "dkim"),
        any(r.counts for r in rows if r.mechanism == "dkim"))
    policy, tag = _select_policy(record, found, from_domain, discovery.rfc, nonexistent)
    if discovery.error:
        result = discovery.error
    elif record is None:
        result = "none"
    elif discovery.rfc == RFC7489 and record.p is None and not record.rua:
        result = "permerror"  # §6.6.3: no valid p= and no valid rua=: the record is not used
    else:
        result = "pass" if any(r.counts for r in rows) else "fail"
    effective, sampling = _sampling(record, policy, discovery.rfc)
    queried = tuple(s.answer for s in discovery.steps)
    return DmarcResult(
        discovery.rfc, result, from_org, discovery.org_reason, record,
        found.name if found else "", discovery.how, found.answer.cname_chain if found else (),
        policy, tag, effective if result not in ("none", "permerror") else None, sampling,
        tuple(rows), grid, queried)


def _row(mechanism: str, domain: str, result: str, passed: bool, from_domain: str,
         from_org: str, org_of: Callable[[str], str], mode: str) -> AlignmentRow:
    org = org_of(domain)
    strict = domain == from_domain
    relaxed = strict or org == from_org
    return AlignmentRow(mechanism, domain, result, passed, org, relaxed, strict, mode,
                        strict if mode == "s" else relaxed)


def _select_policy(record: DmarcRecord | None, found: DmarcLookup | None, from_domain: str,
                   rfc: str, nonexistent: bool) -> tuple[str | None, str]:
    if record is None or found is None:
        return None, ""
    base = record.p or "none"  # a missing/invalid p= reads as none (DMARC-04)
    if found.domain == from_domain:
        return base, "p"
    if rfc == RFC9989 and nonexistent and record.np:
        return record.np, "np"
    if record.sp:
        return record.sp, "sp"
    return base, "p"


def _sampling(record: DmarcRecord | None, policy: str | None, rfc: str) -> tuple[str | None, str]:
    if record is None or policy is None:
        return policy, ""
    if rfc == RFC7489 and record.pct is not None and record.pct < 100:
        lower = _LESS_STRICT[policy]
        if record.pct == 0:
            return lower, f"pct=0: RFC 7489 receivers apply {lower} instead of {policy}"
        return policy, (f"pct={record.pct}: RFC 7489 receivers apply {policy} to about "
                        f"{record.pct}% of failing mail and {lower} to the rest")
    if rfc == RFC9989 and record.t:
        lower = _LESS_STRICT[policy]
        return lower, f"t=y (test mode): RFC 9989 receivers apply {lower} instead of {policy}"
    return policy, ""

