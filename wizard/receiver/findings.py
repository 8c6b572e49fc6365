"""The findings a bounce gives: what kind of failure, at which stage, from which provider,
what the code means there, and the receiver's own words matched to diagnoses (diagnoses.md
§9, §10), each quoting the text it rests on and, where the receiver named a domain or IP,
the lookup to run (§12).
"""
from __future__ import annotations

import email.message
import ipaddress
import re

from msgspec import Struct

from wizard import fixes
from wizard.common.dnsname import InvalidName, check_name
from wizard.common.lazy_re import LazyPattern, lazy
from wizard.common.safe_text import shorten
from wizard.dkim import tags as dkim_said
from wizard.dmarc import findings as dmarc_said
from wizard.input.classify import auto_reply, feedback_report, partly_examined
from wizard.model.bounce import SesNotice
from wizard.model.findings import Finding, FixCommand, Severity
from wizard.receiver.bounce_types import Bounce, RecipientStatus
from wizard.receiver.dsn import Collected, is_auth_failure
from wizard.receiver.layouts import STAGE_MEANING
from wizard.receiver.providers import GMAIL, YAHOO, Provider
from wizard.receiver.reply import strip_markers
from wizard.receiver.signs import header, rx
from wizard.receiver.status_codes import class_agrees, is_valid_code, specificity
from wizard.spf import findings as spf_said
from wizard.tls.codes import cause_finding, named_hosts, tls_cause


class _Pattern(Struct, frozen=True):
    finding_id: str
    severity: Severity
    title: str
    detail: str
    regex: LazyPattern
    provider: Provider | None = None  # only when the bounce came from / names this provider


def _p(fid: str, sev: Severity, title: str, detail: str, regex: str,
       provider: Provider | None = None) -> _Pattern:
    return _Pattern(fid, sev, title, detail, rx(regex), provider)


def _said(template: Finding, regex: str) -> _Pattern:
    """A row for a diagnosis another stage owns (it builds the words: `template`); the bounce
    is then one more witness of the same fault."""
    return _Pattern(template.id, template.severity, template.title, template.detail, rx(regex))


_C, _E, _W, _I = Severity.CRITICAL, Severity.ERROR, Severity.WARN, Severity.INFO

# DSN-15 and friends: the receiver's own words → diagnoses. Each matching pattern becomes a
# finding quoting the matched text. More specific rows first; one finding per id.
TEXT_PATTERNS: tuple[_Pattern, ...] = (
    _said(dmarc_said.temporary_failure(),
          r"temporary DNS failures? prevent(?:s|ed)? authentication|DMARC[^.\n]{0,40}temp(?:orary)?\s?error"),
    _p("DMARC-16", _C, "Rejected by the From domain's DMARC policy",
       "The receiver rejected the message because the From domain's DMARC policy is reject and "
       "neither SPF nor DKIM passed for a domain aligned with From. Check SPF/DKIM alignment on "
       "the returned headers (DMARC-06).",
       r"(?:not accepted|rejected|reject(?:ion)?)\b[^.\n]{0,60}\bDMARC|DMARC[^.\n]{0,30}polic(?:y|ies)"
       r"|does not pass DMARC|DMARC (?:check|verification|validation) fail|fail(?:s|ed)? DMARC"
       r"|DMARC[^.\n]{0,20}\bfail"),
    _p("PROV-04", _C, "Microsoft: sending domain does not meet the required authentication level",
       "Outlook.com requires SPF and DKIM both to pass and DMARC to pass for senders of 5,000+ "
       "messages a day; Microsoft's rule is stricter than DMARC.",
       r"does not meet the required authentication level|5\.7\.515"),
    _p("PROV-02", _C, "Gmail: sender is unauthenticated",
       "Gmail requires every sender to pass SPF or DKIM, and bulk senders (5,000+ a day) to pass "
       "SPF and DKIM, publish DMARC and align From.",
       r"Gmail requires all senders to authenticate|This message does not have authentication "
       r"information or fails to pass authentication checks|\bunauthenticated email\b"
       r"|sender is unauthenticated", provider=GMAIL),
    _p("PROV-03", _C, "Yahoo: sender is unauthenticated or message refused for policy reasons",
       "Yahoo requires all senders to authenticate with SPF or DKIM, plus PTR and low complaint "
       "rates; bulk senders also need DMARC, alignment and one-click unsubscribe.",
       r"Yahoo requires all senders to authenticate|Message not accepted for policy reasons",
       provider=YAHOO),
    _said(dkim_said.receiver_found_no_signature(),
          r"no DKIM signature|not DKIM[- ]signed|DKIM signature (?:is )?(?:required|missing)"
       r"|(?:requires?|required) (?:a )?DKIM|DKIM[^.\n]{0,20}\b(?:required|mandatory)"),
    _p("DSN-15", _E, "Receiver says DKIM did not pass",
       "The receiver found no passing DKIM signature. Check the DKIM-Signature of the returned "
       "message (d=, s=) and its key record.",
       r"DKIM[^.\n]{0,40}(?:did ?n[o']t pass|does not pass|not pass|fail|invalid)"
       r"|(?:no valid|invalid) DKIM|DomainKeys requirements"),
    _said(spf_said.receiver_says_not_authorised(),
          r"SPF[^.\n]{0,60}(?:did ?n[o']t pass|does not pass|fail|not pass)|Bad SPF record"
       r"|not allowed to send from [^\n]{0,80}SPF|sender policy framework|SPF (?:check|validation)"
       r"|\bSPF\b[^=\n]{0,80}=\s*did not pass"
       r"|hard fail policy"),
    _said(spf_said.sender_id_failed(),
          r"Purported Responsible Address"),
    _said(dmarc_said.receiver_says_unaligned(),
          r"isn't aligned|not aligned with[^.\n]{0,40}(?:SPF|DKIM)"),
    _p("DNS-13", _C, "Reverse DNS (PTR) problem",
       "The sending IP has no PTR record, or the PTR name does not resolve back to it.",
       r"\bPTR\b|reverse DNS|IP name lookup failed|mismatches client ip|does not have a PTR"),
    _p("CAUSE-20", _E, "SMTP AUTH problem, not SPF/DKIM",
       "This is about logging in to a mail server (SMTP AUTH) or an internal-only recipient. The "
       "client must authenticate to its relay/submission server, or the recipient accepts mail "
       "only from authenticated internal senders. DNS records will not fix it.",
       r"RESOLVER\.RST\.AuthRequired|authentication required|Unauthenticated senders not allowed"
       r"|turn on SMTP Authentication|SMTP AUTH(?:entication)? (?:is )?required"
       r"|must (?:be )?authenticated?\b"),
    _p("DSN-15", _E, "Sending IP on a blocklist",
       "The receiver uses a blocklist that lists the sending IP. This is not an authentication "
       "fault; find why it was listed and request delisting.",
       r"spamhaus|blocked using|\bdnsbl\b|\brbl\b|black ?list|block ?list(?:ed)?|banned sending IP"
       r"|Host network not allowed"),
    _p("DSN-17", _W, "Rate limited or deferred for reputation",
       "Transient; authentication may be fine. Reduce volume and check the complaint rate "
       "(PROV-06).",
       r"rate limit|unusual rate|unexpected volume|\bTSS0\d\b|low reputation|IP reputation"
       r"|reputation of|too many (?:messages|connections)"),
    _p("PROV-07", _E, "Message not RFC 5322 compliant",
       "Gmail/Microsoft reject messages with duplicate or missing required headers (e.g. several "
       "Subject or From headers, several addresses in From). Fix the generating application.",
       r"not RFC ?5322 compliant|RFC ?5322 section|multiple addresses in From|Duplicate header"
       r"|multiple \w+ headers|bare line ?feed"),
    _p("PROV-07", _E, "TLS required", "The receiver requires TLS; enable STARTTLS on the sender.",
       r"must issue a STARTTLS|TLS required|not sent over (?:a )?TLS|over a TLS connection"),
    _p("DSN-15", _E, "Relaying refused",
       "The server refused to relay for this recipient. Send through your own submission server "
       "with SMTP AUTH, or fix the recipient domain's MX. No DNS authentication record is "
       "involved.",
       r"Relay(?:ing)? (?:access )?denied|not permitted to relay|relay not permitted|unable to relay"),
    _p("ARC-07", _I, "ARC validation failure",
       "The receiver rejected because the ARC chain did not validate (RFC 8617 §5.2.2).",
       r"\bARC\b[^.\n]{0,30}(?:validation|fail)"),
)


_KIND_TITLES = {
    "permanent": "Permanent failure",
    "gave_up": "Gave up after retries (final for this message; the cause was temporary)",
    "delayed": "Temporary delay — still retrying",
    "success": "Success notice",
}


def bounce_findings(bounce: Bounce, text: str, stage_evidence: str | None,
                    identified: tuple[Provider, str] | None,
                    collected: Collected) -> list[Finding]:
    """`identified`: the remote provider and the host or tag that named it."""
    provider, provider_evidence = identified or (None, None)
    out: list[Finding] = []
    ev_reply = tuple(e for e in (bounce.diagnostic_code or bounce.reply_text,) if e)
    out.append(Finding(
        "DSN-01", Severity.INFO, _KIND_TITLES[bounce.kind],
        f"Layout: {bounce.layout}. " + "; ".join(
            f"{s.recipient or '(recipient not named)'}: {s.kind}, status {s.status or 'none'}"
            for s in bounce.per_recipient[:20])
        + (f"; … and {len(bounce.per_recipient) - 20} more" if len(bounce.per_recipient) > 20 else ""),
        ev_reply, about=shorten(", ".join(bounce.recipients), 300),
    ))
    if bounce.dsn_status and bounce.status and bounce.dsn_status != bounce.status:
        vaguer = specificity(bounce.dsn_status) < specificity(bounce.status)
        out.append(Finding(
            "DSN-03", Severity.INFO,
            "DSN Status is less specific than the remote reply" if vaguer
            else "DSN Status differs from the remote reply",
            f"The reporting MTA wrote Status {bounce.dsn_status}; the remote server's "
            f"{'reply' if bounce.enhanced_from == 'reply' else 'text'} says {bounce.status}. "
            f"The diagnosis is based on {bounce.status}.",
            (f"Status: {bounce.dsn_status}",) + ev_reply,
        ))
    for s in bounce.per_recipient:
        if (s.reply_code and s.status and s.enhanced_from == "reply"
                and not class_agrees(s.reply_code, s.status)):
            out.append(Finding(
                "DSN-05", Severity.WARN, "Enhanced code class disagrees with the reply code",
                f"Reply code {s.reply_code} with enhanced code {s.status}: the basic reply code "
                "decides the SMTP meaning (4xx temporary, 5xx permanent).",
                tuple(e for e in (s.reply_text and f"{s.reply_code} {s.status} {s.reply_text}",) if e),
            ))
            break
    if bounce.dsn_status and not is_valid_code(bounce.dsn_status):
        out.append(Finding(
            "DSN-05", Severity.WARN, "Malformed enhanced status code",
            f"'{bounce.dsn_status}' is not class.subject.detail (RFC 3463 §2).",
            (f"Status: {bounce.dsn_status}",),
        ))
    if bounce.stage and stage_evidence:
        out.append(Finding(
            "DSN-08", Severity.INFO, f"Rejected {STAGE_MEANING[bounce.stage].split(':')[0]}",
            STAGE_MEANING[bounce.stage], (" ".join(stage_evidence.split()),),
        ))
    if provider is not None:
        out.append(Finding(
            "DSN-10", Severity.INFO, f"Remote provider: {provider.name}",
            "Identified from the remote host, the reply or links in it.",
            tuple(e for e in (provider_evidence,) if e),
        ))
    exp = bounce.explanation
    if exp is not None:
        detail = exp.plain
        if exp.registry_title:
            detail = f"Registry: {exp.code} {exp.registry_title}. " + detail
        if exp.provider_meaning:
            out.append(Finding(
                "DSN-07", Severity.INFO, f"{exp.code} here means: {exp.provider_meaning}",
                detail, ev_reply,
            ))
        else:
            out.append(Finding("DSN-06", Severity.INFO, f"{exp.code}: "
                               f"{exp.registry_title or exp.subject_title}", detail, ev_reply))
    # The joined replies first (continuation markers removed, so phrases wrapped across
    # "550-5.7.26" lines match), then the rest of the notification text, on one line.
    scan = strip_markers(" ".join(" ".join(filter(
        None, [s.reply_text for s in bounce.per_recipient] + [text])).split()))
    # A TLS failure (diagnoses.md §14) is its own cause, before SPF/DKIM are looked at.
    tls = tls_cause(bounce.status, scan)
    if tls is not None:
        mx, domain = named_hosts(scan, bounce.remote_mta, bounce.recipients)
        out.append(cause_finding(tls, mx=mx, domain=domain))
    seen: set[str] = set()
    for pattern in TEXT_PATTERNS:
        if pattern.title in seen or (pattern.finding_id in seen and pattern.finding_id != "DSN-15"):
            continue
        if pattern.provider is not None and pattern.provider is not provider and \
                not re.search(rf"\b{re.escape(pattern.provider.name)}\b", scan, re.I):
            continue
        if pattern.finding_id == "DMARC-16" and "DMARC-17" in seen:
            continue  # a temporary DNS failure, not the policy, stopped this one
        m = pattern.regex.search(scan)
        if m is None:
            continue
        seen |= {pattern.title, pattern.finding_id}
        detail = pattern.detail
        if pattern.finding_id == "PROV-04":
            detail += _mechanism_verdicts(scan)
        out.append(Finding(pattern.finding_id, pattern.severity, pattern.title, detail,
                           (_context(scan, m),), _fixes(pattern.finding_id, scan)))
    if exp is not None and exp.is_smtp_auth and "CAUSE-20" not in seen:
        out.append(Finding(
            "CAUSE-20", Severity.ERROR, "SMTP AUTH problem, not SPF/DKIM",
            exp.plain, ev_reply,
        ))
    aliased = [
        f"{label}: {other} → Final-Recipient: {s.recipient}"
        for s in bounce.per_recipient
        for label, other in (("Original-Recipient", s.original_recipient),
                             ("X-Actual-Recipient", s.actual_recipient))
        if other and s.recipient and other.lower() != s.recipient.lower()
    ]
    expanded = re.search(r"\(expanded from:? <?[^)>]*>?\)", text)
    if aliased or expanded:
        out.append(Finding(
            "DSN-11", Severity.INFO, "Recipient was an alias or was forwarded",
            "The address the sender used differs from the final recipient: forwarding or alias "
            "expansion, which can break SPF at the next hop (SPF-15).",
            tuple(([expanded.group()] if expanded else []) + aliased[:10]),
        ))
    if collected.returned is not None:
        out.append(Finding(
            "DSN-12", Severity.INFO, "Returned message available",
            "The original message's headers are attached; DKIM, SPF and DMARC checks can run on "
            "them." + (" Only headers were returned, so the body hash cannot be checked "
                       "(EVID-04)." if collected.returned_headers_only else ""),
        ))
    out += _recipient_findings(bounce)
    for cap in collected.caps:
        out.append(partly_examined(cap))
    return out


_TARGET_WORDS = {"program": "a pipe to a program", "file": "a file", "host": "a host, no mailbox",
                 "route": "a source route (RFC 5321 §4.1.2, obsolete)", "other": "no mailbox"}


def _recipient_findings(bounce: Bounce) -> list[Finding]:
    """DSN-19, DSN-20, DSN-22: who bounced when the notification does not say it plainly."""
    out: list[Finding] = []
    targets = [s for s in bounce.per_recipient if s.recipient_raw]
    if targets:
        out.append(Finding(
            "DSN-19", Severity.INFO, "Final-Recipient names no mailbox",
            "The DSN's Final-Recipient is a delivery target, not an address (RFC 3464 §2.3.2); "
            "the recipient was recovered from the fields or text named here.",
            tuple(f"Final-Recipient: {s.recipient_raw} ({_TARGET_WORDS[s.recipient_target or 'other']})"
                  f" → {s.recipient or 'not recovered'}"
                  + (f" (from {s.recipient_from})" if s.recipient_from else "")
                  for s in targets[:10]),
        ))
    inferred = [s for s in bounce.per_recipient if s.enhanced_from == "subject"]
    if inferred:
        out.append(Finding(
            "DSN-20", Severity.INFO, f"Status {inferred[0].status} inferred from the Subject only",
            "The notification gives no DSN part, SMTP reply or code; the Subject names the reason, "
            "so the code is inferred (low confidence).",
        ))
    if len(bounce.per_recipient) > 1:
        out.append(Finding(
            "DSN-22", Severity.INFO, f"{len(bounce.per_recipient)} recipients, each with its own status",
            "Each recipient's reason and code are read from its own part of the notification.",
            tuple(f"{s.recipient or '(unknown)'}: {s.status or s.reply_code or 'no code'} {s.kind}"
                  + (f" (named by {s.recipient_from})" if s.recipient_from else "")
                  for s in bounce.per_recipient[:20]),
        ))
    return out


def ses_finding(notice: SesNotice, statuses: tuple[RecipientStatus, ...]) -> Finding:
    """DSN-18: an Amazon SES notification read from its JSON."""
    kind = notice.notification_type
    sub = "/".join(filter(None, (notice.bounce_type, notice.bounce_subtype)))
    if kind == "Complaint":
        title = "Amazon SES complaint: a recipient reported the message, not a bounce"
        detail = (f"The recipient's mailbox provider sent a complaint "
                  f"({notice.complaint_type or 'type not given'}) through SES; nothing failed. "
                  "Stop mailing the address and check the complaint rate (PROV-06).")
    elif kind == "Delivery":
        title = "Amazon SES delivery notice: the message was delivered"
        detail = "SES reports the receiving server accepted the message."
    else:
        title = f"Amazon SES bounce notification ({sub or 'type not given'})"
        detail = "Read from the notification's JSON: each recipient's status and diagnostic code."
        if notice.bounce_subtype in ("Suppressed", "OnAccountSuppressionList"):
            detail += (" SES did not try to deliver: the address is on a suppression list "
                       "after an earlier bounce or complaint.")
    evidence = tuple(f"{s.recipient}: {s.status or '—'} {s.diagnostic_code or ''}".strip()
                     for s in statuses[:10])
    if notice.source:
        evidence += (f"mail.source: {notice.source}",)
    return Finding("DSN-18", Severity.INFO, title, detail, evidence)


def several_notifications(bounces: list[Bounce]) -> Finding:
    """DSN-21: one file, several notifications, each read on its own."""
    return Finding(
        "DSN-21", Severity.INFO, f"File holds {len(bounces)} notifications",
        "Each is reported on its own; the first is the headline.",
        tuple(f"#{n}: {b.kind} {b.status or b.reply_code or 'no code'} "
              f"{', '.join(b.recipients[:3]) or '(no recipient)'}" for n, b in enumerate(bounces, 1)),
    )


def report_finding(arf_fields: list[tuple[str, str]]) -> Finding:
    """EVID-01 for an ARF report: what it reports, quoting its fields about authentication."""
    is_auth = is_auth_failure(arf_fields)
    evidence = tuple(f"{k}: {v}" for k, v in arf_fields
                     if k.lower() in ("feedback-type", "auth-failure", "delivery-result",
                                      "authentication-results", "source-ip",
                                      "reported-domain", "dkim-domain", "dkim-selector",
                                      "spf-dns", "identity-alignment", "original-mail-from"))
    return feedback_report(evidence, auth_failure=is_auth)


def auto_reply_finding(msg: email.message.Message) -> Finding:
    return auto_reply(tuple(f"{k}: {header(msg, k)}" for k in ("Auto-Submitted", "Subject") if header(msg, k)))


_VERDICT = lazy(
    r"\b(SPF|DKIM|DMARC)\s*[=:]\s*(pass|fail|softfail|none|neutral|temperror|permerror)\b", re.I
)


def _mechanism_verdicts(text: str) -> str:
    """PROV-04: Microsoft's NDR may list per-mechanism results. Microsoft needs SPF *and*
    DKIM to pass, so a failing one is the fix even when DMARC passed."""
    verdicts: dict[str, str] = {}
    for m in _VERDICT.finditer(text):
        verdicts.setdefault(m.group(1).upper(), m.group(2).lower())
    if not verdicts:
        return ""
    shown = ", ".join(f"{k}={v}" for k, v in verdicts.items())
    failing = [k for k in ("SPF", "DKIM") if verdicts.get(k, "pass") != "pass"]
    if not failing:
        return f" The receiver reported {shown}."
    fix = {"SPF": "SPF for the MAIL FROM (Return-Path) domain",
           "DKIM": "DKIM signing with the From domain"}
    return (f" The receiver reported {shown}: fix " + " and ".join(fix[k] for k in failing)
            + (" — DMARC passing is not enough here." if verdicts.get("DMARC") == "pass" else "."))


# The domain or IP the receiver named, so a finding can carry the lookup to run (§12).
_DMARC_DOMAIN = rx(
    r"email from ([\w.-]+) is not accepted|sending domain \[?([\w.-]+?)\]? does not pass DMARC"
    r"|due to ([\w.-]+?)'s DMARC|DMARC policy for ([\w.-]+)|administrator of ([\w.-]+) domain"
)
_SPF_DOMAIN = rx(
    r"MAIL FROM domain \[?([\w.-]+?)\]? has|send from <([\w.-]+)> per|SPF records? for \[?([\w.-]+?)[:\]]"
    r"|SPF \[([\w.-]+)\]|domain of ([\w.-]+) does not designate"
)
_IP = lazy(r"(?<![\d.])(?:\d{1,3}\.){3}\d{1,3}(?![\d.])|\b[0-9a-fA-F]{1,4}(?::[0-9a-fA-F]{0,4}){2,7}\b")


def _named_domain(pattern: LazyPattern, text: str) -> str | None:
    m = pattern.search(text)
    if m is None:
        return None
    value = next((g for g in m.groups() if g), "").strip(".")
    if "." not in value:
        return None
    try:
        return check_name(value)
    except InvalidName:
        return None


def _named_ip(text: str) -> str | None:
    for m in _IP.finditer(text):
        try:
            return str(ipaddress.ip_address(m.group()))
        except ValueError:
            continue
    return None


def _fixes(finding_id: str, text: str) -> tuple[FixCommand, ...]:
    """The lookup for the domain or IP the receiver named (§12)."""
    if finding_id in ("DMARC-16", "DMARC-17"):
        domain = _named_domain(_DMARC_DOMAIN, text)
        if domain:
            return fixes.dig_query(f"_dmarc.{domain}", "TXT", purpose=f"Show the DMARC policy "
                                   f"of {domain}, the domain the receiver named")
    if finding_id == "SPF-13":
        domain = _named_domain(_SPF_DOMAIN, text)
        if domain:
            return fixes.dig_query(domain, "TXT", purpose=f"Show the SPF record of {domain}, "
                                   "the domain the receiver checked")
    if finding_id == "DNS-13":
        m = re.search(r"(?:PTR|reverse DNS|IP name lookup)[^\n]{0,200}", text, re.I)
        ip = _named_ip(m.group()) if m else None  # only an IP the sentence names
        if ip:
            return fixes.dig_reverse(ip, f"Show the PTR name of {ip}; its A/AAAA record must "
                                     "point back to it")
    return ()


def _context(text: str, m: re.Match[str]) -> str:
    """The matched words with some text either side, cut at word boundaries."""
    start = max(0, m.start() - 100)
    end = min(len(text), m.end() + 100)
    if start:
        start = text.find(" ", start) + 1 or start
    if end < len(text):
        end = text.rfind(" ", m.end(), end) if text.rfind(" ", m.end(), end) > 0 else end
    return ("…" if start else "") + text[start:end].strip() + ("…" if end < len(text) else "")

