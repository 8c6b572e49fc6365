"""SPF for a message (RFC 7208, diagnoses.md §6): the entry point.

SPF checks the MAIL FROM (Return-Path) domain — or the HELO name for a null sender — never
the From header; every report says which domain and identity it checked. The verdict is
pyspf's (wizard.spf.verdict), run in a worker thread with its DNS answered by our layer; the
tree beside it is our own walk (wizard.spf.walk).
"""
from __future__ import annotations

import asyncio
import ipaddress

from wizard.common.dnsname import InvalidName, check_name
from wizard.common.safe_text import sanitize
from wizard.dns.types import Lookup, SyncLookup
from wizard.model.findings import Finding, Severity
from wizard.model.spf import SpfReport as SpfReport
from wizard.spf.findings import (
    client_ip_invalid,
    client_ip_unknown,
    mail_from_not_a_name,
    result_findings,
    sender_domain_findings,
)
from wizard.spf.record import QuestionBudget, finding
from wizard.spf.verdict import LayerQuery
from wizard.spf.walk import spf_tree


def srs_original_domain(local: str) -> str | None:
    """`SRS0=hash=tt=domain=local` (and SRS1's `…==hash=tt=domain=local`) → domain."""
    upper = local.upper()
    if upper.startswith("SRS1="):
        _, _, local = local.partition("==")
        parts = local.split("=")
        return parts[2] if len(parts) >= 4 else None
    if upper.startswith("SRS0="):
        parts = local.split("=")
        return parts[3] if len(parts) >= 5 else None
    return None


def _client_ip(ip: str | None) -> tuple[str | None, list[Finding]]:
    if not ip:
        return None, [client_ip_unknown()]
    try:
        return str(ipaddress.ip_address(ip.strip().strip("[]"))), []
    except ValueError:
        return None, [client_ip_invalid(ip)]


async def check_spf(*, ip: str | None, mail_from: str | None, helo: str | None, lookup: Lookup,
                    sync_lookup: SyncLookup) -> SpfReport:
    """SPF for client `ip` sending MAIL FROM `mail_from` after HELO `helo`.

    `lookup` (async) serves the tree walk and `sync_lookup` serves pyspf in a worker thread;
    with a DnsSession pass `session.lookup` and `session.sync_lookup`."""
    findings: list[Finding] = []
    sender = (mail_from or "").strip().strip("<>").strip()
    helo_name = (helo or "").strip().strip("[]") or None
    if sender:
        identity, local, _, raw_domain = "mailfrom", *sender.rpartition("@")
        if not local:  # "example.com" without a local part reads as postmaster@ (§4.3)
            sender = f"postmaster@{raw_domain}"
    elif helo_name:
        identity, raw_domain, sender = "helo", helo_name, f"postmaster@{helo_name}"
        findings.append(finding(
            "SPF-16", Severity.INFO, f"Null sender: SPF checked the HELO name {helo_name}",
            "With an empty MAIL FROM (bounces, auto-replies) SPF checks postmaster@<HELO> "
            "(RFC 7208 §2.4). RFC 9989 DMARC uses only the MAIL FROM identity, so there this "
            "result cannot make DMARC pass (RFC 7489 receivers may align the HELO domain).",
            [f"HELO {helo_name}"], about=helo_name))
    else:
        return SpfReport(None, None, "", None, ip, helo, "", "No MAIL FROM and no HELO name: "
                         "SPF has no identity to check.", None, None, findings=(finding(
                             "SPF-16", Severity.INFO, "Nothing for SPF to check",
                             "SPF needs the MAIL FROM (Return-Path) address or the HELO name; "
                             "neither is known."),))
    try:
        domain = check_name(raw_domain)
    except InvalidName as exc:
        # RFC 7208 §4.3: a malformed or non-name domain ends check_host() at once with "none".
        return SpfReport("none", None, identity, sender, ip, helo, "", f"SPF would check "
                         f"{sanitize(raw_domain, one_line=True)}, which is not a domain name.",
                         None, None, findings=(*findings, mail_from_not_a_name(sender, str(exc))))
    what = "MAIL FROM (Return-Path)" if identity == "mailfrom" else "HELO"
    note = (f"SPF checked the {what} domain {domain}, not the From header's domain: a From "
            "domain's SPF record plays no part unless it is also the MAIL FROM domain.")
    original = srs_original_domain(sender.rpartition("@")[0]) if identity == "mailfrom" else None
    if original:
        findings.append(finding(
            "SPF-15", Severity.INFO, f"Forwarded mail: MAIL FROM rewritten by {domain} (SRS)",
            f"The return path was rewritten by a forwarder with the Sender Rewriting Scheme; the "
            f"original MAIL FROM domain was {sanitize(original, one_line=True)}. SPF now checks "
            "the forwarder's domain, so DMARC depends on an intact aligned DKIM signature "
            "(CAUSE-16).", [sender], about=domain))
    client, more = _client_ip(ip)
    findings.extend(more)
    # The record is fetched first: the tree and pyspf both start from it, and the first
    # awaited lookup binds a DnsSession to this loop so its sync_lookup works in the thread.
    txt, mx = await asyncio.gather(lookup(domain, "TXT"), lookup(domain, "MX"))
    findings.extend(sender_domain_findings(domain, what, txt, mx))
    budget = QuestionBudget()  # one for the message: the tree and the verdict share it
    tree_task = spf_tree(domain, lookup, ip=client, sender=sender, helo=helo_name or domain,
                         budget=budget)
    if client is None:
        tree = await tree_task
        return SpfReport(None, domain, identity, sender, ip, helo, "", note, None, tree,
                         original, tuple(findings) + tree.findings)
    query = LayerQuery(client, sender, helo_name or domain, sync_lookup=sync_lookup,
                       budget=budget)
    tree, (result, _code, explanation) = await asyncio.gather(
        tree_task, asyncio.to_thread(query.check))
    # with a client IP, SPF-01 comes from the result, with a starter record listing that IP
    findings.extend(f for f in tree.findings if f.id != "SPF-01" or result != "none")
    findings.extend(result_findings(result, explanation, domain, client, tree, note))
    return SpfReport(result, domain, identity, sender, client, helo, explanation, note,
                     query.mechanism, tree, original, tuple(dict.fromkeys(findings)))

