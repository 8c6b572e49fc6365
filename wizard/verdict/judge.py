"""judge(report) -> Verdict: the outcome as the receiver would judge it, the root cause, the
chain down to it, and its fix. A pure function of the Report (partial reports included).

Outcome: DMARC's result first (pass / fail); no DMARC (or an unusable record) passes when an
identity passes; a bounce is the receiver's own decision; temperror, timeouts, SERVFAIL or
missing evidence (offline) that could turn a failure into a pass make it inconclusive.

Root cause: the lowest link that, fixed, flips the outcome (wizard.verdict.causes gives the
order). On a message that passes only on SPF while its aligned DKIM signature fails, the
root cause is that signature's fault: the outcome stays pass (exit 0), and the verdict names
what breaks the first time the message is forwarded.
"""
from __future__ import annotations

from typing import Any

from wizard.common.safe_text import sanitize, shorten
from wizard.model.findings import Finding
from wizard.verdict import bounces, facts
from wizard.verdict.causes import Causes, Found, group_rank, leftovers, message_causes
from wizard.verdict.model import Cause, Link, NotTheCause, Verdict
from wizard.verdict.remedy import context_of, primary_fix
from wizard.verdict.tables import NOT_THE_CAUSE

_POLICY_WORDS = {
    "reject": "p=reject: receivers that enforce DMARC reject it",
    "quarantine": "p=quarantine: receivers that enforce DMARC deliver it to spam",
    "none": "p=none: receivers deliver it, but Gmail and Yahoo bulk-sender rules still apply",
}
_NO_POLICY = "no DMARC policy, and neither SPF nor DKIM passed: Gmail and Yahoo refuse such mail"
_OFFLINE = ("no DNS lookups were made (offline): the DKIM key, SPF and DMARC records are "
            "unknown")


def judge(report: Any) -> Verdict:
    if getattr(report, "aggregate", None) is not None:
        from wizard.verdict.aggregate import judge_aggregate  # a report of reports: its own rules

        return judge_aggregate(report)
    if getattr(report, "tls_report", None) is not None:
        from wizard.verdict.tls import judge_tls_report  # a report of sessions: its own rules

        return judge_tls_report(report)
    bounce = getattr(report, "bounce", None)
    if bounce is not None and getattr(bounce, "kind", "") != "not_a_bounce":
        verdict = _judge_bounce(report)
    else:
        verdict = _judge_message(report)
    pending = tuple(getattr(report, "pending", ()) or ())
    if pending:
        return Verdict("inconclusive", f"Still checking ({', '.join(pending)}): {verdict.headline}",
                       verdict.root_cause, verdict.chain, verdict.other_causes,
                       verdict.not_the_cause, verdict.primary_fix)
    return verdict


# ---------------------------------------------------------------- messages


# Evidence that is only part of a message: no From and no signature are artefacts of what
# was pasted, not causes.
_PARTIAL = ("auth_results", "dkim_signature")
_PARTIAL_ARTEFACTS = ("DMARC-14", "DKIM-SIG-01")


def _judge_message(report: Any) -> Verdict:
    kind = getattr(getattr(report, "input", None), "kind", "")
    if kind == "domain":
        return _judge_domain(report)
    causes = message_causes(report)
    if kind in _PARTIAL:
        causes.groups = [g for g in causes.groups if g[0].finding.id not in _PARTIAL_ARTEFACTS]
    result = getattr(facts.dmarc_result(report), "result", None)
    outcome, reasons = _message_outcome(report, result, causes)
    if result is None and outcome != "inconclusive" and not causes.groups:
        _fallback_causes(report, causes, outcome)
    if outcome == "inconclusive":
        # Only a proven fault survives missing DNS: a re-hash does not depend on it.
        causes.groups = [[c for c in g if c.confidence == "proven"] for g in causes.groups]
        causes.groups = [g for g in causes.groups if g]
    headline = _message_headline(report, outcome, result, causes, reasons)
    return _assemble(report, outcome, headline, causes, [])


def _message_outcome(report: Any, result: str | None, causes: Causes) -> tuple[str, tuple[str, ...]]:
    if result == "pass":
        return "pass", ()
    if result == "temperror":
        return "inconclusive", ("the DMARC record could not be fetched (temperror)",) + _dns(report)
    if result in ("fail", "none", "permerror"):
        if result != "fail" and _identity_passes(report):
            return "pass", ()
        blockers = _transient(report)
        return ("inconclusive", blockers) if blockers else ("fail", ())
    kind = getattr(getattr(report, "input", None), "kind", "")
    if kind in ("message", "headers") and not getattr(report, "dns", ()):
        heard = tuple(f"the receiver's Authentication-Results say dmarc={r.result}"
                      for r in facts.receiver_results(report, "dmarc") if getattr(r, "result", ""))[:1]
        return "inconclusive", (_OFFLINE,) + heard
    for verdict in ("pass", "fail"):
        if facts.receiver_says(report, "dmarc", (verdict,)):
            return verdict, ()
    if causes.groups:
        return "fail", ()
    failing = [f for f in facts.all_findings(report) if f.severity.is_failure
               and not f.id.startswith(facts.ECHO_PREFIXES)]
    return ("fail" if failing else "pass"), ()


def _judge_domain(report: Any) -> Verdict:
    """Domain mode has no message to judge: its records either hold a failure or not."""
    causes = Causes()
    _fallback_causes(report, causes, "fail")
    domain = getattr(report, "domain", None)
    name = sanitize(str(getattr(domain, "domain", "") or "the domain"), one_line=True)
    root = causes.root
    headline = (f"{name}: {root.finding.title}" if root
                else f"{name}: no failure found in its records")
    return _assemble(report, "fail" if root else "pass", headline, causes, [])


def _identity_passes(report: Any) -> bool:
    return (facts.spf(report)[0] == "pass"
            or any(getattr(s, "result", "") == "pass" for s in facts.signatures(report)))


def _transient(report: Any) -> tuple[str, ...]:
    """What DNS could not answer that might have made DMARC pass."""
    out = []
    for sig in facts.signatures(report):
        if getattr(sig, "result", "") == "temperror" and facts.aligned(getattr(sig, "d", None), report):
            out.append(f"the DKIM key {getattr(sig, 's', '?')}._domainkey.{getattr(sig, 'd', '?')} "
                       "could not be fetched (temperror)")
    result, domain, _ = facts.spf(report)
    if result == "temperror" and facts.aligned(domain, report):
        out.append(f"SPF for {domain} could not be evaluated (temperror)")
    return tuple(out) + (_dns(report) if out else ())


def _dns(report: Any) -> tuple[str, ...]:
    problems = facts.dns_problems(report)
    return (f"DNS did not answer for {', '.join(problems[:3])}",) if problems else ()


def _fallback_causes(report: Any, causes: Causes, outcome: str) -> None:
    """No DMARC evaluation (a domain, a lone DKIM-Signature, Authentication-Results): every
    failure-level finding is a cause, worst first."""
    if outcome != "fail":
        return
    kind = getattr(getattr(report, "input", None), "kind", "")
    skip = _PARTIAL_ARTEFACTS if kind in _PARTIAL else ()
    seen: dict[str, Finding] = {}
    for f in sorted(facts.all_findings(report), key=lambda f: -f.severity.rank):
        if f.severity.is_failure and not f.id.startswith(facts.ECHO_PREFIXES) and f.id not in skip:
            seen.setdefault(f.id, f)
    causes.groups = [[Found(f, "inferred")] for f in seen.values()]


def _message_headline(report: Any, outcome: str, result: str | None, causes: Causes,
                      reasons: tuple[str, ...]) -> str:
    frm = facts.from_domain(report) or "the From domain"
    root = causes.root.finding.title if causes.root else ""
    if outcome == "inconclusive":
        text = "Inconclusive: " + "; ".join(reasons or ("the evidence is incomplete",))
        return text + (f". Proven already: {root}" if root else "")
    if outcome == "pass":
        if causes.latent is not None:
            d = getattr(causes.latent, "d", "?")
            return (f"Passes DMARC for {frm} on SPF alone; the DKIM signature d={d} fails"
                    + (f": {root}" if root else ""))
        if result == "pass":
            return f"Passes DMARC for {frm} ({_carrier(report)})"
        if result is None:
            return ("Passes by the receiver's Authentication-Results (dmarc=pass)"
                    + (f"; but {root}" if root else ""))
        return (f"Passes: {frm} has no usable DMARC policy and an identity passes"
                + (f"; but {root}" if root else ""))
    policy = getattr(facts.dmarc_result(report), "effective_policy", None)
    words = _POLICY_WORDS.get(policy or "", _NO_POLICY if result in ("none", None) else
                              f"p={policy}")
    if result is None:
        said = facts.receiver_says(report, "dmarc", ("fail",))
        return ("Fails by the receiver's Authentication-Results (dmarc=fail)" if said
                else "Fails") + (f": {root}" if root else "")
    return f"Fails DMARC for {frm} ({words})" + (f": {root}" if root else "")


def _carrier(report: Any) -> str:
    carried = [f"DKIM d={getattr(s, 'd', '')}" for s in facts.signatures(report)
               if getattr(s, "result", "") == "pass" and facts.aligned(getattr(s, "d", None), report)]
    result, domain, _ = facts.spf(report)
    if result == "pass" and facts.aligned(domain, report):
        carried.append(f"SPF {domain}")
    return " and ".join(carried[:2]) + " aligned" if carried else "aligned"


# ---------------------------------------------------------------- bounces


def _judge_bounce(report: Any) -> Verdict:
    bounce = report.bounce
    outcome = bounces.bounce_outcome(bounce)
    said = bounces.said_auth(report)
    causes = Causes()
    extra = None
    inner = getattr(report, "returned", None)
    if bounces.is_auth_bounce(report):
        if inner is not None:
            causes = message_causes(inner)
            # The bounce is the receiver saying authentication failed: it confirms the cause.
            causes.groups = [[Found(c.finding, "confirmed" if c.confidence == "inferred"
                                    else c.confidence) for c in g] for g in causes.groups]
        # What the receiver named (SPF failed, no DKIM) is a cause even where the returned
        # copy could not show it (headers only, offline).
        known = {c.finding.id for g in causes.groups for c in g}
        causes.groups += [[Found(f, "confirmed")] for f in said if f.id not in known
                          and (f.id in bounces.NAMED_CAUSES or f.id == "DSN-15")]
        causes.groups.sort(key=group_rank)
        if not causes.groups and said:
            causes.groups = [[Found(said[0], "confirmed")]]
        used = {c.finding.id for g in causes.groups for c in g}
        prefix = [f for f in said if f.id not in used]
    else:
        found, extra = bounces.other_cause(report)
        if found is not None:
            causes.groups = [[found]]
        prefix = bounces.tls_requirement(report, found)
    root = causes.root.finding.title if causes.root else "no reason given"
    verb = {"rejected": "Rejected", "deferred": "Deferred", "pass": "Delivered"}[outcome]
    actor = bounces.receiver_name(bounce, causes.root.finding if causes.root else None)
    headline = (f"{verb} by {actor} ({bounces.code_words(bounce)}): "
                f"{root}")
    return _assemble(report, outcome, headline, causes, prefix, extra, source=inner or report)


# ---------------------------------------------------------------- the verdict


def _assemble(report: Any, outcome: str, headline: str, causes: Causes, prefix: list[Finding],
              extra_advice=None, source: Any = None) -> Verdict:
    source = source if source is not None else report
    root = causes.root
    via = facts.forwarding_seen(source)
    context = context_of(source, root.finding if root else None, via)
    chain_findings = list(prefix) + causes.chain + ([root.finding] if root else []) + causes.who
    chain = _unique_links(chain_findings)
    firsts: dict[str, Found] = {}
    for c in causes.others:
        if not root or c.finding.id != root.finding.id:
            firsts.setdefault(c.finding.id, c)
    others = list(firsts.values())
    used = {link.id for link in chain} | {c.finding.id for c in others}
    dkim_carries = any(getattr(s, "result", "") == "pass" and facts.aligned(getattr(s, "d", None), source)
                       for s in facts.signatures(source))
    candidates = causes.not_cause + leftovers(report, used, dkim_carries)
    not_cause: dict[str, NotTheCause] = {}
    kind = getattr(getattr(report, "input", None), "kind", "")
    skip = set(_PARTIAL_ARTEFACTS) if kind in _PARTIAL else set()
    for finding, key in candidates:
        if finding.id in used or finding.id in not_cause or finding.id in skip:
            continue
        reason = NOT_THE_CAUSE.get(key) or NOT_THE_CAUSE.get(finding.id) or NOT_THE_CAUSE["*"]
        words = dict(context, title=sanitize(finding.title, one_line=True), outcome=outcome)
        try:
            why = reason.why.format(**words)
        except (KeyError, IndexError, ValueError):
            why = reason.why
        not_cause[finding.id] = NotTheCause(finding.id, why)
    fix = primary_fix(root.finding if root else None,
                      [f for f in causes.who if f.id.startswith("CAUSE-") or f.id == "DNS-03"],
                      context, extra_advice)
    return Verdict(
        outcome=outcome,  # type: ignore[arg-type]
        headline=shorten(sanitize(headline, one_line=True), 300),
        root_cause=_cause(root) if root else None,
        chain=chain,
        other_causes=tuple(_cause(c) for c in others),
        not_the_cause=tuple(not_cause.values()),
        primary_fix=fix,
    )


def _cause(found: Found) -> Cause:
    f = found.finding
    return Cause(f.id, sanitize(f.title, one_line=True), sanitize(f.about, one_line=True),
                 found.confidence)  # type: ignore[arg-type]


def _unique_links(findings: list[Finding]) -> tuple[Link, ...]:
    seen: dict[str, Link] = {}
    for f in findings:
        seen.setdefault(f.id, Link(f.id, sanitize(f.title, one_line=True)))
    return tuple(seen.values())
