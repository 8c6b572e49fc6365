"""Domain mode: the DNS side of every check, without a message (`mailtriage domain`).

DKIM keys for the named selectors (or, with none named, the selectors providers commonly
use), the DMARC record, the SPF tree, and propagation: each record is asked of every chosen
resolver and of the zone's authoritative servers, and disagreement is a finding.
"""
from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from wizard.common.dnsname import InvalidName, check_name
from wizard.dns.types import Resolver
from wizard.input.classify import not_a_domain
from wizard.model.findings import Finding, Severity
from wizard.model.report import DomainReport, InputInfo, Report, sort_findings

if TYPE_CHECKING:
    from wizard.dns.session import AuthorityFactory


def _invalid(domain: str, exc: InvalidName, source: str, now: datetime) -> Report:
    finding = not_a_domain(exc, domain)
    info = InputInfo("domain", "a domain name", source, len(domain), "n/a", False)
    return Report(input=info, analysed_at=now, findings=(finding,))


async def analyze_domain(
    domain: str,
    selectors: Sequence[str],
    *,
    resolvers: Sequence[Resolver],
    now: datetime,
    timeout: float = 3.0,
    compare: bool = True,
    on_progress: Callable[[Report], None] | None = None,
    source: str = "command line",
    authority: AuthorityFactory | None = None,
) -> Report:
    from wizard.dkim.keynames import COMMON_SELECTORS
    from wizard.dkim.keyrecord import analyze_key
    from wizard.dmarc.check import check_dmarc_domain
    from wizard.dns.findings import answer_findings
    from wizard.dns.session import DnsSession
    from wizard.spf.walk import spf_tree

    try:
        name = check_name(domain)
        chosen = tuple(check_name(s) for s in selectors)
    except InvalidName as exc:
        return _invalid(domain, exc, source, now)
    probed = not chosen
    chosen = chosen or COMMON_SELECTORS
    info = InputInfo("domain", "a domain name", source, len(domain), "n/a", False)
    report = Report(input=info, analysed_at=now, resolvers=tuple(r.label for r in resolvers),
                    pending=("dns",))
    if on_progress:
        on_progress(report)
    # the same one deadline as a message analysis (DnsSession.deadline)
    # `authority`: where the zones' own servers are asked (a sweep's shared cache), as for a message.
    session = DnsSession(list(resolvers), timeout=timeout, compare=compare, deadline=timeout,
                         authority=authority)
    key_names = [f"{s}._domainkey.{name}" for s in chosen]

    async def key(name_: str):
        answers = await session.lookup_everywhere(name_, "TXT")
        return analyze_key(answers[0], sig_d=name), answers

    key_results, spf, dmarc, *_ = await asyncio.gather(
        asyncio.gather(*(key(n) for n in key_names)),
        spf_tree(name, session.lookup),
        check_dmarc_domain(name, session.lookup),
        session.lookup_everywhere(name, "TXT"),
        session.lookup_everywhere(f"_dmarc.{name}", "TXT"),
    )
    findings: list[Finding] = []
    keys = []
    for report_, _answers in key_results:
        if probed and not report_.status.answered:
            continue  # a guessed selector that does not exist is not a problem
        keys.append(report_)
        findings += report_.findings
    if probed:
        findings.append(_probe_summary(name, chosen, keys))
    findings += list(spf.findings) + list(dmarc.findings)
    findings += answer_findings(session.answers, resolvers=session.all_resolvers)
    result = DomainReport(domain=name, selectors=tuple(chosen), probed=probed, keys=tuple(keys),
                          spf=spf, dmarc=dmarc)
    seen: dict[tuple[str, str, str], Finding] = {}
    for f in findings:
        seen.setdefault((f.id, f.about, f.title), f)
    return Report(input=info, analysed_at=now, resolvers=report.resolvers, domain=result,
                  dmarc=dmarc, dns=tuple(session.answers), findings=sort_findings(seen.values()))


def _probe_summary(domain: str, tried: Sequence[str], keys: list) -> Finding:
    found = [k.name.split("._domainkey.")[0] for k in keys]
    if found:
        detail = (f"No selector was named, so the selectors providers commonly use were tried. "
                  f"Keys exist for: {', '.join(found)}. Name the selector from a message's s= tag "
                  "(mailtriage domain DOMAIN --selector S) to check exactly the one in use.")
    else:
        detail = ("No selector was named and none of the common ones has a key. DKIM selectors "
                  "are free-form: take s= from a DKIM-Signature of a real message and run "
                  "mailtriage domain DOMAIN --selector S.")
    return Finding("DKIM-KEY-01" if not found else "DKIM-SIG-19", Severity.INFO,
                   f"Common selectors tried for {domain}", detail,
                   evidence=tuple(f"{s}._domainkey.{domain}" for s in tried), about=domain)
