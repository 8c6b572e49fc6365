"""The findings of one DMARC check, said once when both rule sets reach them and labelled
with the RFC when only one does (DMARC-01, 02, 06-11, 17, 22; CAUSE-15, CAUSE-17; DNS-12)."""
from __future__ import annotations

import re

from msgspec.structs import replace

from wizard import fixes
from wizard.dmarc.alignment import DmarcResult
from wizard.dmarc.discovery import RFC7489, RFC9989, Discovery
from wizard.dmarc.record import finding, parse_record, rebuild_record, sampling_applied
from wizard.dns.findings import from_domain_missing
from wizard.dns.types import DnsAnswer, Status
from wizard.model.findings import Finding, FixCommand, Severity


def dmarc_findings(domain: str, r7489: DmarcResult, r9989: DmarcResult, d7489: Discovery,
                   d9989: Discovery, existence: DnsAnswer,
                   auths: list[tuple[DnsAnswer, str]], *, message: bool) -> list[Finding]:
    """Every finding of one check: the records' own, discovery's, the organisational domain's,
    the policy's, and DMARC-11 for each report address another domain has not authorised."""
    out: list[Finding] = []
    # The findings of the records the rule sets use (once, when both use the same one), and
    # DMARC-03 for TXT at a _dmarc name on the way that tried to be DMARC and was discarded.
    for result in (r7489, r9989):
        if result.record is not None and result.result != "permerror":
            out.extend(result.record.findings)
    for discovery in (d7489, d9989):
        for step in discovery.steps:
            out.extend(f for record in step.others if re.search("dmarc", record.raw, re.I)
                       for f in record.findings)
    out.extend(_per_rule_set(_discovery_findings(domain, d7489),
                             _discovery_findings(domain, d9989)))
    if existence.status == Status.NXDOMAIN:
        out.append(from_domain_missing(domain, existence))
    out.extend(_org_findings(domain, r7489, r9989, d9989))
    out.extend(_per_rule_set(_policy_findings(domain, r7489, message),
                             _policy_findings(domain, r9989, message)))
    for answer, uri in auths:
        if not any(parse_record(v).is_dmarc for v in answer.values):
            report_domain = uri.rpartition("@")[2]
            out.append(finding(
                "DMARC-11", Severity.WARN, f"Report address {uri} is not authorised",
                f"Reports to another domain are sent only if {report_domain} publishes a TXT "
                f"record v=DMARC1 at {answer.name} (RFC 7489 §7.1); the lookup gave "
                f"{answer.status}{': ' + answer.error if answer.error else ''}.",
                [f"{answer.name} TXT: {answer.status}"],
                (*fixes.txt_record(answer.name, "v=DMARC1",
                                   f"let {report_domain} receive this domain's DMARC reports"),
                 *_dig(answer.name)), about=domain))
    return out


def _dig(name: str) -> tuple[FixCommand, ...]:
    return fixes.dig_query(name, "TXT", purpose=f"show the TXT records at {name}")


def _per_rule_set(old: list[Finding], new: list[Finding]) -> list[Finding]:
    """Findings both rule sets reach are said once (with the evidence of both); the rest
    are labelled with their RFC."""
    def key(f: Finding) -> tuple[str, str, str]:
        return f.id, f.title, f.detail

    def label(f: Finding, rfc: str) -> Finding:
        return replace(f, title=f"{rfc}: {f.title}", detail=f"Under {rfc}: {f.detail}")
    old_by_key = {key(f): f for f in old}
    new_keys = {key(f) for f in new}
    both = [replace(f, evidence=tuple(dict.fromkeys(old_by_key[key(f)].evidence + f.evidence)))
            for f in new if key(f) in old_by_key]
    return (both + [label(f, RFC7489) for f in old if key(f) not in new_keys]
            + [label(f, RFC9989) for f in new if key(f) not in old_by_key])


def _discovery_findings(domain: str, discovery: Discovery) -> list[Finding]:
    out: list[Finding] = []
    evidence = [f"{s.name} TXT: {s.answer.status}"
                + (f" via {' → '.join(s.answer.cname_chain)}" if s.answer.cname_chain else "")
                + (f" ({s.answer.error})" if s.answer.status.transient else "")
                + "".join(f"\n  {v}" for v in s.answer.values) for s in discovery.steps]
    if discovery.error == "temperror":
        failed = next(s for s in discovery.steps if s.answer.status.transient)
        out.append(finding(
            "DMARC-17", Severity.WARN, f"DMARC lookup failed ({failed.answer.status})",
            f"The query for {failed.name} got {failed.answer.status}"
            f"{': ' + failed.answer.error if failed.answer.error else ''}. Receivers report "
            "dmarc=temperror and usually defer; a retry will likely succeed. Check the domain's "
            "DNS health (DNS-08…10).", evidence, _dig(failed.name), about=domain))
    for step in discovery.discarded:
        out.append(finding(
            "DMARC-02", Severity.CRITICAL, f"Several DMARC records at {step.name}",
            f"There are {len(step.records)} v=DMARC1 records at {step.name}. "
            + _after_discarding(discovery) + " Merge them into one record.",
            [r.raw for r in step.records], _dig(step.name), about=domain))
    if discovery.found is None and not discovery.discarded and not discovery.error:
        out.append(finding(
            "DMARC-01", Severity.WARN, "No DMARC record",
            "No DMARC record at any of the names receivers ask (listed below), so "
            "receivers report dmarc=none. Gmail, Yahoo and Microsoft require at least p=none "
            "from bulk senders.", evidence,
            (*fixes.txt_record(f"_dmarc.{discovery.org_domain}",
                               f"v=DMARC1; p=none; rua=mailto:dmarc-reports@{discovery.org_domain}",
                               "a starter DMARC record (monitoring only)"),
             *_dig(f"_dmarc.{domain}")), about=domain))
    for step in discovery.steps:
        if step.answer.cname_chain and not step.records and not step.answer.status.transient:
            chain = " → ".join((step.name,) + step.answer.cname_chain)
            out.append(finding(
                "DMARC-22", Severity.WARN, f"{step.name} is delegated by CNAME to nothing",
                f"The CNAME target {step.answer.cname_chain[-1]} holds no DMARC record "
                f"({step.answer.status}): the hosting service has not set it up, or the CNAME "
                "is left over from one you no longer use. Receivers carry on as if there were "
                "no record here.", [chain],
                fixes.dig_query(step.name, "TXT", "+noall", "+answer",
                                purpose="show the CNAME chain and what the target holds"),
                about=domain))
        if step.answer.cname_chain and step.records:
            chain = " → ".join((step.name,) + step.answer.cname_chain)
            out.append(finding(
                "DMARC-22", Severity.INFO, f"{step.name} is delegated by CNAME",
                f"The record comes from {step.answer.cname_chain[-1]}, which whoever hosts it "
                "can change; this is allowed (DNS-03).", [chain],
                fixes.dig_query(step.name, "TXT", "+noall", "+answer",
                                purpose="show the CNAME chain and the record"), about=domain))
    return out


def _after_discarding(discovery: Discovery) -> str:
    """What each rule set makes of several records at one name (DMARC-02)."""
    if discovery.rfc == RFC7489:
        return ("Policy discovery ends there and DMARC is not applied to the message: no "
                "policy, whatever the records say (RFC 7489 §6.6.3).")
    if discovery.found:
        then = f"the record at {discovery.found.name} applies instead"
    elif discovery.error:
        then = f"a lookup above it failed, so the result is {discovery.error}"
    else:
        then = "there is no record above it, so no policy applies (dmarc=none)"
    return f"All of them are discarded and the tree walk goes on upward (RFC 9989 §4.10): {then}."


def _org_findings(domain: str, r7489: DmarcResult, r9989: DmarcResult,
                  d9989: Discovery) -> list[Finding]:
    out = []
    evidence = [f"{RFC7489} (Public Suffix List): {r7489.org_domain}",
                f"{RFC9989} (DNS tree walk): {r9989.org_domain} — {r9989.org_reason}"]
    differ = r7489.org_domain != r9989.org_domain
    out.append(finding(
        "DMARC-08", Severity.WARN if differ else Severity.INFO,
        "Organisational domain differs between RFC 7489 and RFC 9989" if differ else
        f"Organisational domain: {r9989.org_domain}",
        ("The Public Suffix List and the DNS tree walk disagree, so receivers on the old and "
         "new rules can apply different records and alignment." if differ else
         "The Public Suffix List and the DNS tree walk agree."), evidence, about=domain))
    if d9989.uncertain:
        out.append(finding(
            "DMARC-17", Severity.WARN, "Tree walk could not ask every level",
            "These _dmarc names did not answer, so the RFC 9989 organisational domain assumes "
            "they hold no record: " + ", ".join(f"_dmarc.{d}" for d in d9989.uncertain) + ".",
            [f"_dmarc.{d}" for d in d9989.uncertain], about=domain))
    if (r7489.result, r7489.effective_policy) != (r9989.result, r9989.effective_policy):
        out.append(finding(
            "DMARC-08", Severity.WARN, "RFC 7489 and RFC 9989 receivers reach different verdicts",
            f"{RFC7489}: dmarc={r7489.result}, policy {r7489.effective_policy or '—'}; "
            f"{RFC9989}: dmarc={r9989.result}, policy {r9989.effective_policy or '—'}.",
            evidence, about=domain))
    return out


def _policy_findings(domain: str, result: DmarcResult, message: bool) -> list[Finding]:
    out: list[Finding] = []
    if result.record is None or result.policy is None:
        return out
    why = {"p": "From is the domain that publishes the record",
           "sp": "From is a subdomain without a record of its own",
           "np": "From is a subdomain that does not exist in DNS"}.get(result.policy_tag, "")
    if result.policy_tag != "p" or result.discovered_via != "exact domain":
        out.append(finding(
            "DMARC-09", Severity.INFO, f"Policy {result.policy} "
            f"({result.policy_tag}=) from {result.record_name}",
            f"Policy from {result.record_name}, applied as {result.policy_tag}={result.policy} "
            f"because {why}.", [result.record.raw], about=domain))
    if result.sampling:
        out.append(sampling_applied(result.sampling, result.effective_policy, result.record.raw, domain))
    if not message or result.result != "fail":
        return out
    rows = result.alignment
    grid = _grid_text(result)
    unaligned = [r for r in rows if r.passed and not r.aligned]
    strict_only = [r for r in unaligned if r.relaxed]
    for row in strict_only:
        tag = "adkim" if row.mechanism == "dkim" else "aspf"
        relaxed = fixes.txt_record(result.record_name,
                                   rebuild_record(result.record.tags, **{tag: "r"}),
                                   f"relaxed {row.mechanism.upper()} alignment ({tag}=r)")
        out.append(finding(
            "DMARC-07", Severity.CRITICAL, f"Strict alignment rejects {row.domain}",
            f"{tag}=s needs {row.domain} to equal the From domain {domain} exactly; relaxed "
            f"alignment ({tag}=r) would pass, since both are in {row.org_domain}. Either relax "
            f"the record, or sign (or send) with {domain} itself.", grid, relaxed,
            about=domain))
    foreign_spf = [r for r in unaligned if r.mechanism == "spf" and not r.relaxed]
    foreign_dkim = [r for r in unaligned if r.mechanism == "dkim" and not r.relaxed]
    for row in foreign_spf:
        out.append(finding(
            "CAUSE-17", Severity.INFO, f"MAIL FROM is another organisation's domain: {row.domain}",
            f"SPF passed for {row.domain}, typically an ESP's default return path, which is not "
            f"part of {result.org_domain}. Fix: a custom MAIL FROM (return-path) subdomain of "
            f"{domain} at the sending service, with the MX/SPF or CNAME records it gives you.",
            grid, about=domain))
    if foreign_dkim and not any(r.counts for r in rows):
        names = ", ".join(r.domain for r in foreign_dkim)
        out.append(finding(
            "CAUSE-15", Severity.INFO, f"Signed by a third party ({names}), not by {domain}",
            "The sending service signs with its own domain because custom DKIM is not set up. "
            f"Fix: enable the service's custom DKIM for {domain} (it gives CNAME records to "
            "publish under _domainkey), and a custom return path.", grid, about=domain))
    if unaligned and len(strict_only) < len(unaligned):
        out.append(finding(
            "DMARC-06", Severity.CRITICAL,
            f"SPF/DKIM passed but not aligned with {domain}",
            "DMARC counts SPF or DKIM only when the passing domain belongs to the From domain's "
            f"organisational domain ({result.org_domain}). Typical cause: a third-party sender "
            "or ESP using its own bounce domain and DKIM d= (CAUSE-15, CAUSE-17). Fix: set up "
            "the ESP's custom DKIM (CNAME records under your domain) and a custom return-path "
            "(MAIL FROM) subdomain of your domain.", grid, about=domain))
    return out


def _grid_text(result: DmarcResult) -> list[str]:
    lines = [f"{'':6} {'domain':32} {'passed':7} aligned (relaxed/strict)"]
    for row in result.alignment:
        lines.append(f"{row.mechanism.upper():6} {row.domain:32} {row.result:7} "
                     f"{'yes' if row.aligned else 'no'} ({'yes' if row.relaxed else 'no'}/"
                     f"{'yes' if row.strict else 'no'})")
    return lines


# As a bounce states them (wizard.receiver.findings quotes the reply as evidence).
def temporary_failure() -> Finding:
    """DMARC-17: the receiver could not finish authentication."""
    return finding("DMARC-17", Severity.WARN, "Temporary DMARC failure",
                   "The receiver could not finish authentication because of temporary DNS failures; "
                   "a retry will likely succeed. Check the sender domain's DNS health (DNS-08…10).")


def receiver_says_unaligned() -> Finding:
    """DMARC-06: the receiver names the From domain as unaligned."""
    return finding("DMARC-06", Severity.CRITICAL, "From domain not aligned with SPF or DKIM",
                   "SPF or DKIM may pass, but not for the From domain's organisational domain.")
