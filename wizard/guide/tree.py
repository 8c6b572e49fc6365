"""The decision tree a junior admin walks: pure functions from a Report (and its Verdict)
to Steps.

The questions, in the order the verdict answers them (wizard.guide.steps.QUESTIONS):

1. What happened?               (the outcome, THE root cause and its proof; the input's trust)
2. What did the receiver say?   (bounce code and its meaning; Authentication-Results)
3. Which identity failed?       (the identities DMARC rests on, aligned or not, in words)
4. Is DNS right?                (key, DMARC and SPF records, per resolver)
5. What changed in transit?     (body and header forensics: CANON-*)
6. Who caused it?               (the intermediary or party who must act: CAUSE-*)
7. The fix                      (the root cause's fix first; checks; how to confirm)

Questions 2-6 are the "why" questions: each holds the links of the verdict's causal chain it
answers. A step the evidence cannot reach is skipped, with the reason kept so the guided
view can say why. Nothing here knows about Textual; the TUI only renders what `walk()` returns.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from wizard.common.safe_text import shorten
from wizard.guide.answer import step_verdict, step_who
from wizard.guide.fix import step_fix
from wizard.guide.steps import (
    ANNOUNCE,
    QUESTIONS,
    Skipped,
    Step,
    Walk,
    area_of,
    assemble,
    findings_for,
    make_step,
    message_report,
    problems,
    skip,
    titles,
)
from wizard.model.report import Report
from wizard.output.words import plural

if TYPE_CHECKING:
    from wizard.verdict.model import Verdict

__all__ = ["QUESTIONS", "Skipped", "Step", "Walk", "area_of", "message_report", "original_verdict",
           "sorted_answers", "step_fix", "walk"]


# --- the why questions ---------------------------------------------------------------


def _verdicts(auth) -> str:
    """The trusted receiver's SPF, DKIM and DMARC results in a few words, e.g.
    "SPF pass, DKIM fail (body hash did not verify), DMARC fail"."""
    out = []
    for r in auth.trusted:
        if r.method in ("spf", "dkim", "dmarc"):
            why = r.reason or r.comment
            out.append(f"{r.method.upper()} {r.result}" + (f" ({shorten(why, 60)})" if why else ""))
    return ", ".join(dict.fromkeys(out))


def step_receiver(report: Report, verdict: Verdict | None = None) -> Step | Skipped:
    bounce, auth = report.bounce, report.auth_results
    findings = findings_for(report, "receiver", verdict)
    if bounce is None and auth is None and not findings:
        return skip("receiver", "The input holds no bounce and no Authentication-Results header, "
                     "so there is nothing the receiver said.")
    parts: list[str] = []
    evidence: list[str] = []
    if bounce is not None and bounce.kind == "not_a_bounce":
        parts.append(f"This is not a bounce: it is {report.input.label}.")
    elif bounce is not None:
        code = " ".join(str(c) for c in (bounce.reply_code, bounce.status) if c)
        sentence = "The receiving server" + (f" ({bounce.provider})" if bounce.provider else "")
        sentence += " delayed the message" if bounce.kind == "delayed" else " refused the message"
        if code:
            sentence += f" with {code}"
        if bounce.stage:
            sentence += f" at the {bounce.stage.replace('_', ' ').upper()} stage"
        parts.append(sentence + ".")
        if bounce.explanation is not None:
            parts.append(bounce.explanation.plain)
        if bounce.reply_text:
            evidence.append(f"{bounce.reply_code or ''} {bounce.reply_text}".strip())
        elif bounce.diagnostic_code:
            evidence.append(bounce.diagnostic_code)
        evidence.extend(f"recipient: {r}" for r in bounce.recipients)
    if auth is not None:
        verdicts = _verdicts(auth)
        where = f" ({auth.trusted_authserv_id})" if auth.trusted_authserv_id else ""
        parts.append(f"The receiving server{where} wrote down its checks in an Authentication-Results header"
                     + (f": {verdicts}." if verdicts else "."))
    shown = problems(findings)
    if shown and bounce is None:
        parts.append(titles(shown) + ".")
    return make_step(report, "receiver", " ".join(parts) or titles(findings) + ".", evidence, verdict=verdict)


def _reason(sig) -> str:
    # The engine's reasons are codes (key_not_found, body_hash); people read words.
    return sig.reason.replace("_", " ") if sig.reason else ""


def _signature_line(sig) -> str:
    """sig is a wizard.pipeline.analyze.SignatureReport."""
    text = f"DKIM signature {sig.index + 1} by {sig.d or '?'} (selector {sig.s or '?'}): "
    text += "not checked yet" if sig.result == "none" and sig.verdict is None else sig.result
    return text + (f" — {_reason(sig)}" if sig.reason else "")


def _aligned(domain: str | None, from_domain: str | None, org: str | None) -> bool:
    """Relaxed alignment, as DMARC reads it: the same organisational domain as From."""
    if not domain or not from_domain:
        return False
    domain, base = domain.lower().rstrip("."), (org or from_domain).lower()
    return domain == from_domain.lower() or domain == base or domain.endswith("." + base)


def _identities(inner: Report) -> str:
    """Each identity DMARC can rest on, aligned or not, and its result: the "why" under the
    outcome. E.g. "DMARC fail for example.com … DKIM d=example.com (aligned): fail, body hash.
    SPF lists.example.org (not aligned): pass." Empty without a DMARC evaluation."""
    dmarc = inner.dmarc
    result = (dmarc.rfc9989 or dmarc.rfc7489) if dmarc is not None else None
    if dmarc is None or result is None or not dmarc.from_domain:
        return ""
    frm, org = dmarc.from_domain, result.org_domain
    parts = [f"DMARC {result.result} for {frm}: it needs SPF or DKIM to pass for a domain aligned with it."]
    for sig in inner.signatures:
        aligned = "aligned" if _aligned(sig.d, frm, org) else "not aligned"
        parts.append(f"DKIM d={sig.d or '?'} ({aligned}): {sig.result}"
                     + (f", {_reason(sig)}." if sig.reason else "."))
    if not inner.signatures:
        parts.append("DKIM: the message is not signed.")
    spf = inner.spf
    if spf is not None and spf.domain:
        aligned = "aligned" if _aligned(spf.domain, frm, org) else "not aligned"
        parts.append(f"SPF {spf.domain} ({aligned}): {spf.result}.")
    return " ".join(parts)


def step_identity(report: Report, verdict: Verdict | None = None) -> Step | Skipped:
    findings = findings_for(report, "identity", verdict)
    inner = message_report(report)
    if inner.message is None and not inner.signatures and inner.auth_results is None and not findings:
        if report.input.kind == "domain":
            return skip("identity", "You asked about a domain, not a message: there is no sender identity to check.")
        return skip("identity", "The input carries no message headers, so there is no identity to check.")
    receiver_problems = problems(findings_for(report, "receiver"))
    auth_related = any(
        area_of(f.id) in ("identity", "dns", "transit") for f in problems(report.all_findings)
    )
    if report.bounce is not None and receiver_problems and not auth_related and not inner.signatures:
        return skip("identity", "The receiver's reason is not about authentication, so DKIM, SPF "
                    "and DMARC are not the problem here.")
    lines = [_signature_line(sig) for sig in inner.signatures]
    shown = problems(findings)
    broken = [sig for sig in inner.signatures if sig.result not in ("pass", "none")]
    # The identities DMARC rests on lead; without a DMARC evaluation, the problems found.
    found = _identities(inner)
    if not found and shown:
        found = titles(shown) + "."
    elif not found and broken:
        # The finding that explains it belongs to a later question (a missing key is DNS).
        sig = broken[0]
        found = (f"DKIM failed: the signature by {sig.d or '?'} did not verify ({sig.result}"
                 + (f", {_reason(sig)}" if sig.reason else "") + "). The next steps show why.")
    elif not found and inner.signatures:
        found = "No identity failed: every check we could make passed."
    elif not found:
        found = ("The message is not DKIM-signed; only SPF can align it for DMARC."
                 if inner.message else titles(findings))
    facts = inner.message
    if facts is not None:
        if facts.from_domain:
            lines.append(f"From domain: {facts.from_domain}")
        if facts.mail_from_domain:
            lines.append(f"Envelope sender (MAIL FROM) domain: {facts.mail_from_domain}")
        if facts.client_ip:
            lines.append(f"Sending IP: {facts.client_ip}")
    return make_step(report, "identity", found, lines, verdict=verdict)


def sorted_answers(answers) -> list:
    """By name, type and resolver: lookups finish in network order, not a readable one."""
    return sorted(answers, key=lambda a: (a.name, a.rdtype, a.resolver))


def _answer_line(answer) -> str:
    value = " | ".join(answer.values) if answer.values else (answer.error or answer.status.value)
    ttl = f", TTL {answer.ttl}" if answer.ttl is not None else ""
    return shorten(
        f"{answer.rdtype} {answer.name} @ {answer.resolver}: {answer.status.value}{ttl}, "
        f"{answer.elapsed_ms:.0f} ms: {value}",
        160,
    )


def step_dns(report: Report, verdict: Verdict | None = None) -> Step | Skipped:
    findings = findings_for(report, "dns", verdict)
    answers = report.dns + (report.returned.dns if report.returned is not None else ())
    pending = report.pending + (report.returned.pending if report.returned is not None else ())
    # DNS answers are attached when the online stages finish; until then they are pending.
    dns_pending = any(stage in ("dns", "spf", "dmarc") for stage in pending)
    if not answers and not findings and not dns_pending:
        return skip("dns", "Nothing in the input names a domain or selector to look up.")
    shown = problems(findings)
    if shown:
        found = "DNS is not right. " + titles(shown) + "."
    elif dns_pending and not answers:
        found = "Looking up the DKIM key, SPF and DMARC records…"
    elif answers:
        found = f"Nothing wrong in the {plural(len(answers), 'DNS answer')} we got."
    else:
        found = "No DNS answers were recorded, so nothing here says DNS is wrong."
    if dns_pending and answers:
        found += " More answers are still arriving."
    resolvers = sorted({a.resolver for a in answers})
    if len(resolvers) > 1:
        found += f" Asked {plural(len(resolvers), 'resolver')}: {', '.join(resolvers)}."
    # What went wrong first: the problems' own evidence, then every answer by name. Failed
    # lookups do not lead: most are expected (the DMARC tree walk and the selector guesses
    # ask names that need not exist), and the problems already name the ones that matter.
    lines = [_answer_line(a) for a in sorted_answers(answers)]
    return make_step(report, "dns", found, lines, verdict=verdict, pending=dns_pending, findings_first=True)


def step_transit(report: Report, verdict: Verdict | None = None) -> Step | Skipped:
    findings = findings_for(report, "transit", verdict)
    # Notes alone (a signed header relays often rewrite) do not make this a question worth
    # a step; they stay in the inspect view.
    if not problems(findings):
        inner = message_report(report)
        if not inner.signatures:
            return skip("transit", "The message is not DKIM-signed, so there is no signature a change could break.")
        if not inner.input.has_body:
            return skip("transit", "The body is not in the input, so changes to it cannot be seen.")
        return skip("transit", "No signature shows a change in transit.")
    found = "The message changed after it was signed: " + titles(problems(findings), mid_sentence=True) + "."
    # With the sender's original, say which copy the signature vouches for, and lead the
    # evidence with the diff's changed lines (the whole diff is in the Body pane).
    evidence: list[str] = []
    for sig in message_report(report).signatures:
        body = sig.body
        if body is None or body.original_matches is None:
            continue
        found += " " + original_verdict(body)
        marks = {"added": "+ ", "removed": "- "}
        evidence += [marks[d.kind] + d.text_visible for d in body.diff if d.kind in marks]
    return make_step(report, "transit", found, evidence, verdict=verdict)


def original_verdict(body) -> str:
    """Which copy matches bh=, once the sender's original was given (BodyForensics)."""
    if body.original_matches and not body.matches:
        return "The original matches the signature: the change happened in transit."
    if body.original_matches:
        return "Both the original and the received copy match the signature."
    if body.matches:
        return "The received copy matches the signature; the original you gave is not the copy that was signed."
    return ("Neither matches the signature: the original you gave is not the copy that was signed "
            "(it may have been changed before signing).")


def walk(report: Report, verdict: Verdict | None = None) -> Walk:
    """The steps to show for this report, in order, and the ones skipped with their reason.
    `verdict` is wizard.verdict.judge(report), judged here when not given."""
    if verdict is None:
        from wizard.verdict import judge

        verdict = judge(report)
    if report.aggregate is not None:  # a DMARC aggregate report: sources, not one message
        from wizard.guide.aggregate import walk_aggregate

        return walk_aggregate(report, verdict)
    from wizard.guide.tls import is_tls, tls_walk

    if is_tls(report):  # a TLS bounce or report: the connection failed, not the message
        return tls_walk(report, verdict)
    return assemble((
        step_verdict(report, verdict),
        step_receiver(report, verdict),
        step_identity(report, verdict),
        step_dns(report, verdict),
        step_transit(report, verdict),
        step_who(report, verdict),
        step_fix(report, verdict),
    ), ANNOUNCE)
