"""DMARC for a message or a domain, under both rule sets (diagnoses.md §5): the entry point.

Receivers will run RFC 7489 (Public Suffix List) and RFC 9989 (DNS tree walk) side by side
for years, so every check is evaluated under both and the report says where they disagree.

No library is used for DMARC itself: the Python candidates (checkdmarc, parsedmarc) do their
own DNS through dnspython directly, and every lookup here must go through our DNS layer so it
is recorded, timed and answered by the test server. The organisational domain does come from
the `publicsuffixlist` package (wizard.dmarc.orgdomain).
"""
from __future__ import annotations

import asyncio
from collections.abc import Sequence

from msgspec.structs import replace

from wizard.common.dnsname import InvalidName, check_name
from wizard.dmarc.alignment import DmarcResult, evaluate_dmarc
from wizard.dmarc.discovery import discover_7489, discover_9989, memo, treewalk_org
from wizard.dmarc.findings import dmarc_findings
from wizard.dmarc.orgdomain import psl_org_domain
from wizard.dmarc.record import DmarcRecord, finding
from wizard.dns.types import DnsAnswer, Lookup, Status
from wizard.input.classify import domain_left_out, not_a_domain
from wizard.input.message import mailbox_addresses
from wizard.model.dmarc import DmarcReport as DmarcReport
from wizard.model.findings import Finding, Severity

MAX_DKIM_DOMAINS = 20  # signing domains DMARC aligns, passes first; each costs a tree walk


def from_domain_of(from_header: str | None) -> tuple[str | None, list[Finding]]:
    """The RFC 5322.From domain DMARC uses, or None with a DMARC-14 finding saying why."""
    if from_header is None or not from_header.strip():
        return None, [finding(
            "DMARC-14", Severity.CRITICAL, "No From address",
            "DMARC needs exactly one author domain from the From header; without one the "
            "message cannot pass DMARC, and Gmail and Microsoft reject it outright.",
            [from_header or "(no From header)"])]
    addresses = mailbox_addresses(from_header)
    if addresses is None:
        return None, [finding(
            "DMARC-14", Severity.CRITICAL, "From header does not parse",
            "The From header is not a list of addresses (RFC 5322 §3.6.2): a character such as "
            "; or an unclosed < or quote sits inside it, so no author domain can be read from "
            "it and DMARC was not looked up. A lenient reader would take part of the address "
            "for the domain (here that could be a name the author never wrote); receivers "
            "that follow the RFC reject the message.", [from_header])]
    domains = list(dict.fromkeys(a.rpartition("@")[2].lower() for a in addresses
                                 if "@" in a))
    if not domains:
        return None, [finding(
            "DMARC-14", Severity.CRITICAL, "From header has no usable address",
            "No address with a domain could be read from the From header, so DMARC has no "
            "author domain; Gmail rejects such mail.", [from_header])]
    findings = []
    if len(addresses) > 1:
        severity = Severity.CRITICAL if len(domains) > 1 else Severity.WARN
        findings.append(finding(
            "DMARC-14", severity, "Several addresses in From",
            "RFC 7489 §6.6.1 lets receivers reject mail with several From domains, and Gmail "
            "rejects multiple From addresses (\"Messages with multiple addresses in From: header "
            "are not accepted\")." + (" DMARC is evaluated for the first domain." if len(
                domains) > 1 else ""), [from_header]))
    try:
        return check_name(domains[0]), findings
    except InvalidName as exc:
        findings.append(finding("DMARC-14", Severity.CRITICAL, "From domain is not a DNS name",
                                 str(exc), [from_header]))
        return None, findings


async def check_dmarc(from_header: str | None, *, dkim_pass_domains: Sequence[str],
                      spf_result: str | None, spf_domain: str | None,
                      lookup: Lookup, dkim_failed: Sequence[tuple[str, str]] = ()) -> DmarcReport:
    """DMARC for a message: the From header's domain, the d= of every DKIM signature that
    verified, and the SPF result with its MAIL FROM (or HELO) domain. `dkim_failed`
    ((d=, result) of signatures that did not verify: fail, permerror, temperror…) never
    count, but get alignment rows, so a person sees the aligned signature that broke; and
    when one did, that failure, not the alignment set-up, is what the advice says to fix."""
    report = await _check_message(from_header, dkim_pass_domains, dkim_failed, spf_result,
                                  spf_domain, lookup)
    return _blame_failed_aligned_signature(report, [d for d, _ in dkim_failed])


def _blame_failed_aligned_signature(report: DmarcReport, failed: Sequence[str]) -> DmarcReport:
    """DMARC-06's usual fix (an ESP's custom DKIM and return path) is wrong advice when the
    From domain did sign and that aligned signature broke in transit (a list footer, a
    gateway): then the unaligned pass is incidental, so the finding drops to WARN and says so."""
    org = report.org_domain_psl
    aligned = sorted({d for d in failed if org and psl_org_domain(d) == org})
    if not aligned or report.result != "fail":
        return report
    note = (f" Here the From domain did sign (d={', '.join(aligned)}), and that aligned signature "
            "failed: fix why it failed (see its findings) and DMARC passes; the unaligned pass "
            "above is incidental.")
    findings = tuple(
        replace(f, severity=Severity.WARN, detail=f.detail + note) if f.id == "DMARC-06" else f
        for f in report.findings
    )
    return replace(report, findings=findings)


async def _check_message(from_header: str | None, dkim_pass_domains: Sequence[str],
                         dkim_failed: Sequence[tuple[str, str]], spf_result: str | None,
                         spf_domain: str | None, lookup: Lookup) -> DmarcReport:
    domain, findings = from_domain_of(from_header)
    if domain is None:
        return DmarcReport(None, from_header, None, None, None, None, findings=tuple(findings))
    dkim, bad = _clean_domains(dkim_pass_domains, "DKIM d=")
    findings.extend(bad)
    dkim = list(dict.fromkeys(dkim))
    if len(dkim) > MAX_DKIM_DOMAINS:
        # Deferred: only a message's check gets here, and it has loaded the DKIM checks already;
        # domain mode (check_dmarc_domain) must not pay for dkimpy.
        from wizard.dkim.tags import aligned_only

        findings.append(aligned_only(len(dkim), MAX_DKIM_DOMAINS, tuple(dkim[MAX_DKIM_DOMAINS:MAX_DKIM_DOMAINS + 5])))
        dkim = dkim[:MAX_DKIM_DOMAINS]
    # Failed signatures only fill the table (each with its own result), so they get the tree
    # walks the passes left over; one row per d=, its first result.
    failed: dict[str, str] = {}
    for value, result in dkim_failed:
        cleaned, bad = _clean_domains([value], "DKIM d=")
        findings.extend(bad)
        if cleaned and cleaned[0] not in failed and len(failed) < MAX_DKIM_DOMAINS - len(dkim):
            failed[cleaned[0]] = result
    spf_clean, bad = _clean_domains([spf_domain] if spf_domain else [], "SPF domain")
    findings.extend(bad)
    signatures = [(d, "pass") for d in dkim] + list(failed.items())
    return await _check(domain, from_header, signatures, spf_result,
                        spf_clean[0] if spf_clean else None, lookup, findings)


async def check_dmarc_domain(domain: str, lookup: Lookup) -> DmarcReport:
    """Domain mode: discovery and record checks only (nothing to align)."""
    try:
        name = check_name(domain)
    except InvalidName as exc:
        return DmarcReport(None, None, None, None, None, None, findings=(not_a_domain(exc, domain),))
    return await _check(name, None, [], None, None, lookup, [])


def _clean_domains(values: Sequence[str], what: str) -> tuple[list[str], list[Finding]]:
    good, bad = [], []
    for value in values:
        try:
            good.append(check_name(value))
        except InvalidName as exc:
            bad.append(domain_left_out(what, exc, value))
    return good, bad


async def _check(domain: str, from_header: str | None, dkim: list[tuple[str, str]],
                 spf_result: str | None, spf_domain: str | None, lookup: Lookup,
                 findings: list[Finding]) -> DmarcReport:
    lookup = memo(lookup)
    others = list(dict.fromkeys([d for d, _ in dkim] + ([spf_domain] if spf_domain else [])))
    # RFC 9989 (after RFC 8020): a domain is non-existent when DNS says NXDOMAIN for it;
    # that holds for every record type, so one A query answers it.
    d7489, d9989, existence, walked = await asyncio.gather(
        discover_7489(domain, lookup), discover_9989(domain, lookup), lookup(domain, "A"),
        asyncio.gather(*(treewalk_org(d, lookup) for d in others)))
    nonexistent = existence.status == Status.NXDOMAIN
    walk_orgs = dict(zip(others, walked))
    walk_orgs[domain] = d9989.org_domain
    spf = (spf_result, spf_domain)
    r7489 = evaluate_dmarc(domain, dkim, spf, d7489, psl_org_domain)
    r9989 = evaluate_dmarc(domain, dkim, spf, d9989, lambda d: walk_orgs.get(d, d),
                           nonexistent=nonexistent)
    auths = await _report_authorisations(r9989.record or r7489.record, r9989, r7489,
                                         lookup=lookup)
    findings.extend(dmarc_findings(domain, r7489, r9989, d7489, d9989, existence, auths,
                              message=from_header is not None))
    return DmarcReport(domain, from_header, d7489.org_domain, d9989.org_domain, r7489, r9989,
                       nonexistent, tuple(a for a, _ in auths), tuple(_dedupe(findings)))


async def _report_authorisations(record: DmarcRecord | None, *results: DmarcResult,
                                 lookup: Lookup) -> list[tuple[DnsAnswer, str]]:
    """DMARC-11: a rua/ruf address in another organisational domain needs the TXT record
    `<policy domain>._report._dmarc.<report domain>` with v=DMARC1 (RFC 7489 §7.1)."""
    if record is None:
        return []
    policy_domain = next((r.record_name[len("_dmarc."):] for r in results if r.record_name), "")
    if not policy_domain:
        return []
    targets = {}
    for uri in record.rua + record.ruf:
        report_domain = uri.rpartition("@")[2]
        try:  # validated when parsed; the joined name may still be too long for DNS
            name = check_name(f"{policy_domain}._report._dmarc.{report_domain}")
        except InvalidName:
            continue
        if psl_org_domain(check_name(report_domain)) != psl_org_domain(policy_domain):
            targets[name] = uri
    answers = await asyncio.gather(*(lookup(name, "TXT") for name in targets))
    return list(zip(answers, targets.values()))


def _dedupe(findings: list[Finding]) -> list[Finding]:
    return list(dict.fromkeys(findings))

