"""Bounces: the outcome is the receiver's own decision (5xx rejected, 4xx deferred); the root
cause comes from the returned message when the bounce is about authentication and carries
it, else from the receiver's words. Non-authentication bounces (unknown user, mailbox full,
rate limits, TLS, PTR) get their own cause and advice.
"""
from __future__ import annotations

from typing import Any

from wizard.model.findings import Finding
from wizard.tls.codes import EITHER, side_of
from wizard.verdict import facts
from wizard.verdict.causes import Found
from wizard.verdict.tables import (
    AUTH_TOPICS,
    BOUNCE_ADVICE,
    BOUNCE_TOPICS,
    TLS_ADVICE,
    TLS_ADVICE_SIDE,
    Advice,
)

# The receiver's words that say authentication failed (wizard.receiver's TEXT_PATTERNS).
AUTH_SAID = ("DMARC-16", "PROV-04", "PROV-02", "PROV-03", "DKIM-SIG-01", "SPF-13", "DMARC-06",
             "ARC-07", "DMARC-17")
# Of those, the ones that name the failed identity (the rest say only "DMARC failed").
NAMED_CAUSES = ("SPF-13", "DKIM-SIG-01", "DMARC-06")
# The receiver's words for other refusals, most specific first.
OTHER_SAID = ("CAUSE-20", "DSN-17", "PROV-07", "DSN-15", "DNS-13", "DSN-07", "DSN-06", "DSN-01")


def bounce_outcome(bounce: Any) -> str:
    kind = getattr(bounce, "kind", "")
    if kind == "success":
        return "pass"
    code = getattr(bounce, "status", None) or getattr(bounce, "dsn_status", None)
    reply = getattr(bounce, "reply_code", None)
    # The basic reply code decides the SMTP meaning when both are given (DSN-05).
    klass = str(reply)[0] if reply else (code or " ")[0]
    if klass == "5":
        return "rejected"
    if klass == "4":
        return "deferred"
    return "rejected" if kind == "permanent" else "deferred"


def topic_of(bounce: Any) -> str:
    return getattr(getattr(bounce, "explanation", None), "topic", "") or ""


def said_auth(report: Any) -> list[Finding]:
    """The bounce's own findings that say authentication failed, once per id."""
    seen: dict[str, Finding] = {}
    for f in facts.findings_of(report):
        if f.id in AUTH_SAID or (f.id == "DSN-15" and "DKIM" in f.title):
            seen.setdefault(f.id, f)
    return sorted(seen.values(), key=lambda f: AUTH_SAID.index(f.id) if f.id in AUTH_SAID else 99)


def tls_cause(report: Any) -> Finding | None:
    """The bounce's TLS-xx cause (wizard.tls.codes): the delivery failed between the MTAs,
    before SPF, DKIM or DMARC were looked at, so it outranks every other reading."""
    return next((f for f in facts.findings_of(report) if f.id.startswith("TLS-")), None)


def tls_advice(finding: Finding) -> Advice:
    side = side_of(finding)
    return (TLS_ADVICE.get(f"{finding.id}@{side}") or (side == "recipient" and TLS_ADVICE.get(finding.id))
            or TLS_ADVICE_SIDE[side])


def tls_requirement(report: Any, root: Found | None) -> list[Finding]:
    """A provider's "TLS required" (PROV-07) above a TLS root cause: the link that made TLS
    mandatory, not a separate issue."""
    if root is None or not root.finding.id.startswith("TLS-"):
        return []
    return [f for f in facts.findings_of(report) if f.id == "PROV-07" and "TLS" in f.title][:1]


def is_auth_bounce(report: Any) -> bool:
    if tls_cause(report) is not None:
        return False
    return topic_of(report.bounce) in AUTH_TOPICS or bool(said_auth(report))


def other_cause(report: Any) -> tuple[Found | None, Advice | None]:
    """The receiver's reason for a refusal that is not about authentication, and its advice."""
    bounce = report.bounce
    tls = tls_cause(report)
    if tls is not None:
        return Found(tls, "confirmed"), tls_advice(tls)
    fs = facts.findings_of(report)
    f = facts.first(fs, OTHER_SAID)
    if f is None:
        return None, None
    if f.id == "CAUSE-20":
        return Found(f, "confirmed"), None  # ADVICE has it
    return Found(f, "confirmed"), BOUNCE_ADVICE[_advice_key(bounce, f)]


def _advice_key(bounce: Any, finding: Finding) -> str:
    topic = topic_of(bounce)
    if finding.id == "DSN-15":
        title = finding.title.lower()
        if "blocklist" in title:
            return "blocklist"
        if "relay" in title:
            return "relay"
    if finding.id == "PROV-07":
        return "tls" if "TLS" in finding.title else "content"
    if finding.id == "DNS-13":
        return "ptr"
    if topic == "mailbox":
        code = getattr(bounce, "status", None) or ""
        return "mailbox-full" if code[2:5] == "2.2" else "unknown-user"
    return BOUNCE_TOPICS.get(topic, "other")


def receiver_name(bounce: Any, root: Finding | None = None) -> str:
    """Who decided: the receiver, unless the root cause is the sending MTA's own mandatory
    policy (Postfix dane-only), which defers the message before any receiver says a word."""
    if root is not None and root.id.startswith("TLS-") and side_of(root) == EITHER:
        return "the sending server's own policy"
    return (getattr(bounce, "provider", None) or getattr(bounce, "remote_mta", None)
            or "the receiver")


def code_words(bounce: Any) -> str:
    reply = getattr(bounce, "reply_code", None)
    code = getattr(bounce, "status", None)
    return " ".join(str(x) for x in (reply, code) if x) or "no status code"
