"""The verdict of a DMARC aggregate report, and of each of its sources, in the shape of a
message's verdict: outcome, root cause (the RUA id the triage gave), the primary fix.

A source's outcome is its DMARC result. The report fails when a legitimate source fails
(RUA-06…09): spoofed mail failing is DMARC working, and forwarded mail is nothing the domain
owner can fix. The report's root cause is the legitimate failing source with the most
messages, since that is the one to fix first (RUA-13).
"""
from __future__ import annotations

from typing import Any

from wizard.aggregate.providers import PROVIDERS
from wizard.common.safe_text import sanitize, shorten
from wizard.model.aggregate import AggregateSource
from wizard.model.findings import Finding, RecordFix
from wizard.verdict.model import Cause, Link, NotTheCause, PrimaryFix, Verdict
from wizard.verdict.remedy import primary_fix
from wizard.verdict.tables import Advice

_NEXT_REPORTS = "The next aggregate reports show this source passing DMARC aligned."
_NOTHING = "Nothing changes in the reports; the source stays in its class."
# The fix of each class when the finding carries no record to publish (RUA-08's does).
_ADVICE: dict[str, Advice] = {
    "RUA-05": Advice("the administrator of {domain}'s sender at {ip}",
                     "Add aligned DKIM (d={domain}) to this sender: SPF alone breaks on every forward.",
                     "The next reports show DKIM d={domain} pass for this source."),
    "RUA-06": Advice("the administrator of {domain}'s account at {esp}",
                     "Set up DKIM with d={domain} at {esp} ({setup}) and publish the CNAMEs it gives.",
                     _NEXT_REPORTS),
    "RUA-07": Advice("the administrator of {domain}'s account at {esp}",
                     "Set a custom MAIL FROM (return-path) under {domain} at {esp}, or better set up "
                     "DKIM with d={domain} there ({setup}).", _NEXT_REPORTS),
    "RUA-09": Advice("the DNS administrator of {domain}, with the signer ({esp})",
                     "Publish the key the signer uses at {key_name} (or the CNAME {esp} gives), or "
                     "switch the signer to a selector that is published.", _NEXT_REPORTS),
    "RUA-10": Advice("nobody", "Nothing to fix: forwarded mail, and its aligned DKIM survived. Do not add "
                     "the forwarder to SPF.", _NOTHING),
    "RUA-11": Advice("the forwarder or list", "Nothing to fix for {domain}: forwarded mail; ask the "
                     "forwarder for ARC (or to rewrite From) before p=reject.", _NOTHING),
    "RUA-12": Advice("the administrator of {domain}", "Nothing to add to SPF: this is not {domain}'s "
                     "mail. Move towards p=quarantine, then p=reject, once legitimate sources align.",
                     "Receivers report it quarantined or rejected."),
    "RUA-04": Advice("the administrator of {domain}", "Find out who runs {ip}: if it sends for "
                     "{domain}, set it up to sign with d={domain}; if not, it is spoofing.",
                     _NEXT_REPORTS),
}
_CLASS_WORDS = {
    "aligned": "aligned", "legitimate_unaligned": "a legitimate sender failing DMARC",
    "forwarder": "a forwarder or list", "spoofing": "likely spoofing", "unknown": "an unknown sender",
}


def _context(source: AggregateSource, domain: str) -> dict[str, str]:
    provider = next((p for p in PROVIDERS if p.name == source.provider), None)
    failed = next((d for d in source.dkim if d.result != "pass" and d.selector), None)
    values = {"domain": domain or "the domain", "ip": source.ip, "esp": source.provider or "the ESP",
              "key_name": f"{failed.selector}._domainkey.{failed.domain}" if failed else "the selector",
              "setup": provider.dkim_setup if provider else "its domain authentication settings"}
    return {k: sanitize(v, one_line=True) for k, v in values.items()}


def _fix(finding: Finding, source: AggregateSource, domain: str) -> PrimaryFix | None:
    advice = None if any(isinstance(f, RecordFix) for f in finding.fixes) else _ADVICE.get(finding.id)
    return primary_fix(finding, [], _context(source, domain), advice)


def source_verdict(source: AggregateSource, domain: str) -> Verdict:
    """One source's verdict: its DMARC result, its class's root cause and fix."""
    finding = source.finding
    outcome = "pass" if source.dmarc == "pass" else "fail"
    words = _CLASS_WORDS.get(source.source_class, source.source_class)
    if finding is None:
        return Verdict(outcome, f"{source.ip}: {words}", None, (), (), (), None)  # type: ignore[arg-type]
    cause = Cause(finding.id, finding.title, finding.about, "inferred")
    # An aligned source has nothing to fix unless it aligns through SPF alone (RUA-05's WARN).
    fix = None if source.source_class == "aligned" and finding.severity.rank == 0 else _fix(finding, source, domain)
    headline = f"{source.ip} ({source.count} messages, DMARC {source.dmarc}): {words}: {finding.title}"
    return Verdict(outcome, shorten(sanitize(headline, one_line=True), 300),  # type: ignore[arg-type]
                   cause if outcome == "fail" or finding.severity.rank >= 1 else None,
                   (Link(finding.id, finding.title),), (), (), fix)


def judge_aggregate(report: Any) -> Verdict:
    aggregate = report.aggregate
    domain = aggregate.domain
    failing = [s for s in aggregate.sources if s.dmarc == "fail" and s.finding is not None]
    legit = sorted((s for s in failing if s.source_class == "legitimate_unaligned"), key=lambda s: -s.count)
    readiness = next((f for f in report.findings if f.id == "RUA-13"), None)
    summary = (f"{domain}: {aggregate.failing} of {aggregate.messages} messages failed DMARC "
               f"({aggregate.org_name or 'receiver'}, {aggregate.begin[:10]}–{aggregate.end[:10]})")
    not_cause = tuple({s.finding.id: NotTheCause(s.finding.id, f"{_CLASS_WORDS[s.source_class]}: "
                                                 "nothing the domain owner fixes in DNS")
                       for s in failing if s.source_class in ("forwarder", "spoofing") and s.finding}.values())
    if not legit:
        headline = summary + "; no legitimate source fails" + (f". {readiness.title}" if readiness else "")
        return Verdict("pass", shorten(sanitize(headline, one_line=True), 300), None,
                       (), (), not_cause, None)
    first = legit[0]
    assert first.finding is not None  # failing sources all carry one
    causes = [Cause(s.finding.id, s.finding.title, s.finding.about, "inferred") for s in legit if s.finding]
    headline = (f"{summary}; {len(legit)} legitimate source{'s fail' if len(legit) > 1 else ' fails'}: "
                f"fix {first.finding.title} first")
    return Verdict("fail", shorten(sanitize(headline, one_line=True), 300), causes[0],
                   (Link(first.finding.id, first.finding.title),) + ((Link(readiness.id, readiness.title),)
                                                                     if readiness else ()),
                   tuple(causes[1:]), not_cause, _fix(first.finding, first, domain))
