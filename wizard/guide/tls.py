"""The guided walk for a TLS failure (diagnoses.md §14): a TLS bounce or a TLS-RPT report.

TLS fails between the two mail servers, before the message itself is looked at, so the
questions about the sender's identity, its records and changes in transit do not apply: they
are skipped with that reason. The walk keeps the tree's numbering (wizard.guide.steps) and
asks, one at a time: what happened, what the receiver (or the reporter) saw, in plain words,
who must fix it, and the fix with the checks that show it took.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from msgspec.structs import replace

from wizard.common.safe_text import sanitize
from wizard.guide.answer import CONFIDENCE_WORDS
from wizard.guide.fix import step_fix
from wizard.guide.steps import Skipped, Step, Walk, assemble, distinct, in_context, make_step, skip
from wizard.model.catalogue import CATALOGUE
from wizard.model.findings import Finding
from wizard.model.report import Report
from wizard.model.tls_report import TlsRptPolicy
from wizard.output.words import plural
from wizard.tls.codes import EITHER, SENDER, side_of

if TYPE_CHECKING:
    from wizard.verdict.model import Verdict

# A TLS-xx diagnosis in the words of someone who does not run a mail server.
_PLAIN = {
    "TLS-01": "the receiving server does not offer an encrypted connection (STARTTLS)",
    "TLS-02": "the encrypted connection could not be set up (the TLS handshake failed)",
    "TLS-03": "the receiving server's certificate has expired (or is not valid yet)",
    "TLS-04": "the receiving server's certificate is for another name",
    "TLS-05": "the receiving server's certificate is not from a trusted authority",
    "TLS-07": "the domain's MTA-STS policy file could not be fetched",
    "TLS-08": "the domain's MTA-STS policy file is written wrongly",
    "TLS-09": "the receiving server is not listed in the domain's MTA-STS policy",
    "TLS-12": "the domain's DANE (TLSA) records cannot be trusted: its DNS is not signed",
    "TLS-13": "the domain's DANE (TLSA) records no longer match the server's certificate",
    "TLS-14": "the domain's DANE (TLSA) records are of a kind mail servers cannot use",
    "TLS-15": "the domain's signed DNS (DNSSEC) is broken",
    "TLS-19": "an encrypted connection was required and could not be used",
    "TLS-22": "the receiver requires an encrypted connection from the sender",
}
_NOT_THE_MESSAGE = ("TLS failed between the two mail servers, before the message itself was "
                    "looked at: the sender's identity and authentication are not involved.")
_WHY_RECEIVER = ("The words the sending server got back (or logged) are the only first-hand "
                 "account of what went wrong on the connection.")
_WHY_REPORTER = ("A TLS report is the sending side's own count of its connections to your "
                 "servers: it shows failures your own logs never see.")
_WHY_WHO = ("TLS failures are usually fixed on the receiving side (its server, certificate or "
            "published policy): knowing which side acts saves a day of changing the wrong one.")
_NEXT = {"receiver": "Next: what the receiver said, in plain words.",
         "who": "Next: who must fix it.", "fix": "Next: the fix."}
_LAST = "Done. Save the report (s) to hand it on, or open the inspect view (i) and its TLS pane."


def tls_cause(report: Report) -> Finding | None:
    """A bounce's TLS-xx finding (wizard.tls.codes), when the bounce is a TLS failure."""
    if report.bounce is None:
        return None
    return next((f for f in report.findings if f.id.startswith("TLS-")), None)


def is_tls(report: Report) -> bool:
    return report.tls_report is not None or tls_cause(report) is not None


def plain(finding_id: str) -> str:
    return _PLAIN.get(finding_id) or CATALOGUE[finding_id].title.lower()


def _step(report: Report, key: str, found: str, evidence: list[str], findings: tuple[Finding, ...],
          verdict: Verdict, question: str | None = None, why: str | None = None) -> Step:
    step = make_step(report, key, found, evidence, verdict=verdict)
    # Only this step's own lines: the receiver's other findings repeat the same reply.
    return replace(step, evidence=distinct(evidence), findings=in_context(findings, verdict), fixes=(),
                   question=question or step.question, why=why or step.why)


def _verdict_step(report: Report, verdict: Verdict, root: Finding | None) -> Step:
    found = verdict.headline.rstrip(".") + "."
    if report.tls_report is not None:
        tls = report.tls_report
        found += (f" This is a TLS report: {tls.org_name or 'a sending organisation'} counted how its "
                  "servers' encrypted connections to your mail servers went.")
        found += (" How sure: the reporter counted these connections; which fault each means is "
                  "read from the result type it gave.")
    elif root is not None and side_of(root) == SENDER:
        found += (" The message was not refused for what it says: the sending server did not use "
                  "an encrypted connection, and the receiver requires one.")
    else:
        found += " The message was not refused for what it says: the two mail servers could not talk securely."
    if report.tls_report is None and verdict.root_cause is not None:
        found += f" How sure: {CONFIDENCE_WORDS[verdict.root_cause.confidence]}."
    return _step(report, "verdict", found, list(root.evidence if root else ()),
                 (root,) if root else (), verdict)


def _receiver_step(report: Report, verdict: Verdict, cause: Finding) -> Step:
    bounce = report.bounce
    assert bounce is not None
    said = bounce.reply_text or bounce.diagnostic_code or ""
    code = " ".join(str(c) for c in (bounce.reply_code, bounce.status) if c)
    found = (f"{'It is still retrying' if bounce.kind == 'delayed' else 'It gave up'}"
             + (f" with {code}" if code else "") + f". In plain words: {plain(cause.id)}.")
    exp = bounce.explanation
    if exp is not None and exp.registry_title:
        found += f" (The code {exp.code} means '{exp.registry_title}' in the registry of status codes.)"
    evidence = [f"{bounce.reply_code or ''} {said}".strip()] if said else []
    return _step(report, "receiver", found, evidence + list(cause.evidence), (cause,), verdict,
                 why=_WHY_RECEIVER)


def _policy_words(policy: TlsRptPolicy) -> str:
    kind = {"sts": "MTA-STS", "tlsa": "DANE", "no-policy-found": "no policy"}.get(policy.policy_type,
                                                                                 policy.policy_type)
    mode = f", {policy.mode}" if policy.mode else ""
    return (f"{policy.policy_domain or '?'} ({kind}{mode}): {plural(policy.successful, 'connection')} "
            f"fine, {policy.failed} failed.")


def _reporter_step(report: Report, verdict: Verdict) -> Step:
    tls = report.tls_report
    assert tls is not None
    found = " ".join(_policy_words(p) for p in tls.policies) or "The report lists no policy."
    rows = [f"{row.count} to {row.receiving_mx_hostname or '?'}: {plain(row.finding)}"
            if row.finding else f"{row.count} to {row.receiving_mx_hostname or '?'}: {row.result_type}"
            for p in tls.policies for row in p.failures]
    if any(p.policy_type == "sts" and p.mode == "testing" and p.failed for p in tls.policies):
        found += (" The policy is in testing mode: mail still went through, but the same failures "
                  "would stop it once the policy is enforced.")
    findings = tuple(f for f in report.findings if f.id in ("TLS-17", "TLS-18"))
    return _step(report, "receiver", found, rows, findings, verdict,
                 question="What did the reporter see?", why=_WHY_REPORTER)


def _who_step(report: Report, verdict: Verdict, cause: Finding | None) -> Step | Skipped:
    fix = verdict.primary_fix
    if verdict.root_cause is None or fix is None:
        return skip("who", "No connection failed under a policy, so nobody has to change anything.")
    if cause is not None and side_of(cause) == SENDER:
        found = (f"The sending side: {fix.who}. The receiver accepts only encrypted connections "
                 "and this sender did not use one.")
    elif cause is not None and side_of(cause) == EITHER:
        found = ("Either side. The sending server's own policy demands DANE for this destination "
                 "(dane-only), and the recipient domain publishes no TLSA records DNSSEC can vouch "
                 "for. The sender's mail administrator can relax that policy to dane (DANE where "
                 "it is published, ordinary TLS where not); or the recipient domain's can sign "
                 "its zone and publish TLSA records.")
    else:
        domain = next((p.policy_domain for p in report.tls_report.policies if p.binding or p.failed), "")\
            if report.tls_report is not None else (cause.about if cause is not None else "")
        found = (f"The receiving side: {fix.who}"
                 + (f", for {sanitize(domain, one_line=True)}" if domain else "") + ". The sender "
                 "cannot fix this; hand them the saved report.")
        if report.bounce is not None:
            found += (" The sending server keeps retrying a 4.x.x deferral for a few days, so "
                      "the mail goes out once it is fixed." if report.bounce.kind == "delayed"
                      else " The sending server gave up: the message must be sent again once it is fixed.")
    return _step(report, "who", found, [], (), verdict, question="Who must fix it?", why=_WHY_WHO)


def tls_walk(report: Report, verdict: Verdict) -> Walk:
    cause = tls_cause(report)
    root = cause or next((f for f in report.findings if verdict.root_cause is not None
                          and f.id == verdict.root_cause.id and f.about == verdict.root_cause.about), None)
    said = _reporter_step(report, verdict) if report.tls_report is not None else \
        _receiver_step(report, verdict, cause)  # type: ignore[arg-type]  # is_tls: one of them
    transit = ("A TLS report is about connections, not one message." if report.tls_report is not None
               else "The message was not changed: it never got through the connection.")
    results: list[Step | Skipped] = [
        _verdict_step(report, verdict, root), said, skip("identity", _NOT_THE_MESSAGE),
        skip("dns", "Nothing here needs the sender's DNS records; the checks in the fix step ask "
             "the receiving domain's DNS and servers directly."),
        skip("transit", transit), _who_step(report, verdict, cause), step_fix(report, verdict)]
    return assemble(results, _NEXT, _LAST)
