"""The findings of SPF's verdict for a message (SPF-01, 04, 12-14, 17) and of its envelope
domain (DNS-11 null MX, DNS-12 no such domain)."""
from __future__ import annotations

from wizard import fixes
from wizard.dns.types import DnsAnswer, Status
from wizard.model.findings import Finding, Severity
from wizard.spf.record import add_term, dig_txt, finding
from wizard.spf.walk import SpfNode, SpfTree


def sender_domain_findings(domain: str, what: str, txt: DnsAnswer, mx: DnsAnswer
                            ) -> list[Finding]:
    """DNS-12 (the domain does not exist) and DNS-11 (null MX: it accepts no mail, so
    receivers may refuse mail from it, X.7.27)."""
    if txt.status == Status.NXDOMAIN:
        return [finding("DNS-12", Severity.CRITICAL, f"The {what} domain {domain} does not exist",
                   "Many receivers reject mail whose envelope sender domain is NXDOMAIN (Yahoo "
                   "defers it: '451 … unresolvable RFC.5321 from domain'); SPF is none.",
                   [f"{domain} TXT: nxdomain"], dig_txt(domain), about=domain)]
    if what != "HELO" and mx.status.answered and [r[0].split() for r in mx.strings] == [["0", "."]]:
        return [finding("DNS-11", Severity.CRITICAL, f"{domain} publishes a null MX",
                   "MX 0 . says the domain accepts no mail (RFC 7505), so bounces to this "
                   "MAIL FROM cannot be delivered and receivers may reject the message "
                   "(5.7.27 'Sender address has null MX'). Use a MAIL FROM domain that "
                   "receives mail.", [f"{domain} MX: 0 ."],
                   fixes.dig_query(domain, "MX", purpose=f"show the MX of {domain}"),
                   about=domain)]
    return []


def _has_ip6(node: SpfNode) -> bool:
    return node.mechanism == "ip6" or any(_has_ip6(c) for c in node.children)


def result_findings(result: str, explanation: str, domain: str, ip: str, tree: SpfTree,
                     note: str) -> list[Finding]:
    out: list[Finding] = []
    record = tree.root.record
    evidence = [f"client IP {ip}", f"{domain}: {record or '(no SPF record)'}",
                f"pyspf: {result} — {explanation}"]
    if result == "none":
        starter = f"v=spf1 {'ip6' if ':' in ip else 'ip4'}:{ip} ~all"
        out.append(finding(
            "SPF-01", Severity.WARN, f"No SPF record at {domain}",
            f"{note} {domain} publishes no v=spf1 record, so SPF is none and cannot help DMARC.",
            evidence, (*fixes.txt_record(domain, starter, "a starting SPF record listing this "
                                         "sender (add the other senders before using -all)"),
                       *dig_txt(domain)), about=domain))
    elif result in ("fail", "softfail", "neutral"):
        severity = {"fail": Severity.CRITICAL, "softfail": Severity.ERROR}.get(result,
                                                                               Severity.WARN)
        family = "ip6" if ":" in ip else "ip4"
        authorise = fixes.txt_record(
            domain, add_term(record, f"{family}:{ip}"), f"authorise {ip} (only if it is your "
            "sender; prefer the include the sending service documents)") if record else ()
        out.append(finding(
            "SPF-13", severity, f"{ip} is not authorised by the SPF record of {domain}",
            f"{note} No mechanism matched {ip}, so the record's default decided: {result}.",
            evidence, (*authorise, *dig_txt(domain)), about=domain))
        if result in ("fail", "softfail"):
            out.append(finding(
                "SPF-12", Severity.INFO, f"{'-all (hard fail)' if result == 'fail' else '~all (soft fail)'}",
                "For DMARC only pass counts; softfail and fail both leave DMARC to DKIM. Gmail "
                "rejects mail that fails SPF under -all ('550 5.7.26 … hard fail policy').",
                [record or ""], about=domain))
        if ":" in ip and not _has_ip6(tree.root):
            out.append(finding(
                "SPF-14", Severity.CRITICAL, "Sending over IPv6, but SPF lists no IPv6 addresses",
                f"The client {ip} is IPv6 and the SPF tree of {domain} has no ip6: term. Gmail and "
                "Microsoft are stricter for IPv6 senders. Add ip6: for the sending servers or "
                "make the MTA send over IPv4 (CAUSE-18).", evidence, about=domain))
    elif result == "temperror":
        if not any(f.id == "SPF-17" for f in tree.findings):
            out.append(finding(
                "SPF-17", Severity.WARN, "SPF temperror: a DNS lookup failed",
                f"{explanation}. A DNS failure is temporary (RFC 7208 §4.4); receivers defer "
                "and retry.", evidence, dig_txt(domain), about=domain))
    elif result == "permerror":
        explained = {"SPF-02", "SPF-04", "SPF-05", "SPF-06", "SPF-07", "SPF-08", "SPF-09"}
        if not any(f.id in explained and f.severity.is_failure for f in tree.findings):
            out.append(finding(
                "SPF-04", Severity.CRITICAL, "SPF permerror",
                f"{explanation}. The record cannot be evaluated, and receivers treat that as a "
                "failure.", evidence, dig_txt(domain), about=domain))
    return out

