"""The verdict of a TLS-RPT report, and of each of its policies, in the shape of a message's
verdict: outcome, root cause (the policy's TLS-18 finding), the chain down to the diagnoses
its failed sessions mean, the primary fix (the advice of the diagnosis with the most failed
sessions; the finding carries the checks to run).

A policy fails when its failed sessions stopped mail: DANE, or MTA-STS in enforce mode
(`TlsRptPolicy.binding`). Under `testing` mail still flowed: the policy passes, and its
failures stay the root cause to fix before enforcing. Without a policy TLS was
opportunistic-only. The report's root cause is the policy with the most failed sessions,
failing ones first.
"""
from __future__ import annotations

from typing import Any

from wizard.common.safe_text import sanitize, shorten
from wizard.model.catalogue import CATALOGUE
from wizard.model.findings import Finding
from wizard.model.tls_report import TlsRptPolicy, TlsRptReport
from wizard.verdict.model import Cause, Link, NotTheCause, Verdict
from wizard.verdict.remedy import advice_fix
from wizard.verdict.tables import TLS_ADVICE, TLS_ADVICE_SIDE

_OPPORTUNISTIC = ("no policy applied (no-policy-found): the sender fell back to plaintext or "
                  "unauthenticated TLS, as RFC 3207 allows")


def _finding(findings: tuple[Finding, ...], policy: TlsRptPolicy) -> Finding | None:
    about = f"domain {policy.policy_domain}"
    return next((f for f in findings if f.id == "TLS-18" and f.about == about), None)


def diagnoses(policy: TlsRptPolicy) -> list[str]:
    """The TLS-xx diagnoses of a policy's failed sessions, most sessions first."""
    counts: dict[str, int] = {}
    for row in policy.failures:
        if row.finding:
            counts[row.finding] = counts.get(row.finding, 0) + row.count
    return sorted(counts, key=lambda fid: -counts[fid])


def _chain(finding: Finding, policy: TlsRptPolicy) -> tuple[Link, ...]:
    return (Link(finding.id, sanitize(finding.title, one_line=True)),) + tuple(
        Link(fid, CATALOGUE[fid].title) for fid in diagnoses(policy))


def _fix(finding: Finding, policy: TlsRptPolicy):
    main = next(iter(diagnoses(policy)), None)
    advice = TLS_ADVICE.get(main or "", TLS_ADVICE_SIDE["recipient"])
    return advice_fix(finding, advice, {"domain": sanitize(policy.policy_domain, one_line=True)})


def policy_verdict(policy: TlsRptPolicy, findings: tuple[Finding, ...]) -> Verdict:
    """One policy's verdict: fail when its failed sessions stopped mail, its TLS-18 finding
    as the root cause whenever sessions failed under a policy."""
    outcome = "fail" if policy.binding else "pass"
    domain = policy.policy_domain or "?"
    finding = _finding(findings, policy)
    if finding is None or policy.policy_type == "no-policy-found":
        words = (f"{domain}: {policy.failed} failed session(s), {_OPPORTUNISTIC}" if policy.failed
                 else f"{domain}: {policy.successful} TLS session(s), none failed")
        return Verdict("pass", shorten(sanitize(words, one_line=True), 300), None, (), (), (), None)
    # The mapping of result types to diagnoses is the tool's reading of the reporter's rows.
    cause = Cause(finding.id, sanitize(finding.title, one_line=True), finding.about, "inferred")
    mode = "" if policy.binding else " (MTA-STS testing: mail still delivered)"
    headline = f"{finding.title}{mode}"
    return Verdict(outcome, shorten(sanitize(headline, one_line=True), 300),  # type: ignore[arg-type]
                   cause, _chain(finding, policy), (), (), _fix(finding, policy))


def judge_tls_report(report: Any) -> Verdict:
    tls: TlsRptReport = report.tls_report
    findings = tuple(report.findings)
    failed = sum(p.failed for p in tls.policies)
    total = failed + sum(p.successful for p in tls.policies)
    summary = (f"{failed} of {total} TLS sessions failed ({tls.org_name or 'reporter'}, "
               f"{tls.begin[:10]}–{tls.end[:10]})")
    ranked = sorted((p for p in tls.policies if p.failed and p.policy_type != "no-policy-found"
                     and _finding(findings, p) is not None),
                    key=lambda p: (not p.binding, -p.failed))
    opportunistic = [f for p in tls.policies if p.failed and p.policy_type == "no-policy-found"
                     for f in (_finding(findings, p),) if f is not None]
    not_cause = tuple(NotTheCause(f.id, f"{f.about.removeprefix('domain ')}: {_OPPORTUNISTIC}")
                      for f in opportunistic[:1])  # one line per id: the first such policy
    if not ranked:
        return Verdict("pass", shorten(sanitize(summary + "; none under an MTA-STS or DANE policy",
                                                one_line=True), 300), None, (), (), not_cause, None)
    first = ranked[0]
    verdicts = [policy_verdict(p, findings) for p in ranked]
    root = verdicts[0]
    outcome = "fail" if first.binding else "pass"
    main = next(iter(diagnoses(first)), None)
    words = (f"fix {CATALOGUE[main].title} at {first.policy_domain} first" if main
             else f"fix {first.policy_domain}'s MX hosts first")
    if not first.binding:
        words = f"mail still delivered (MTA-STS testing), but under enforce it would not: {words}"
    return Verdict(outcome, shorten(sanitize(f"{summary}; {words}", one_line=True), 300),  # type: ignore[arg-type]
                   root.root_cause, root.chain,
                   tuple(v.root_cause for v in verdicts[1:] if v.root_cause is not None),
                   not_cause, root.primary_fix)
