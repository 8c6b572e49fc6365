"""The findings of SPF's verdict for a message (SPF-01, 04, 12-14, 17) and of its envelope
domain (DNS-11 null MX, DNS-12 no such domain).

The tree walk (wizard.spf.walk) and the check (wizard.spf.check) meet the same facts (no
record, a syntax error, a failed lookup, no usable client IP) on their way: they build those
findings here, so each id is said in one module's words."""
from __future__ import annotations

from wizard import fixes
from wizard.dns.findings import sender_domain_missing
from wizard.dns.types import DnsAnswer, Status
from wizard.model.findings import Finding, Severity
from wizard.model.spf import SpfNode, SpfTree
from wizard.spf.record import add_term, dig_txt, finding


def sender_domain_findings(domain: str, what: str, txt: DnsAnswer, mx: DnsAnswer
                            ) -> list[Finding]:
    """DNS-12 (the domain does not exist) and DNS-11 (null MX: it accepts no mail, so
    receivers may refuse mail from it, X.7.27)."""
    if txt.status == Status.NXDOMAIN:
        return [sender_domain_missing(domain, what, dig_txt(domain))]
    if what != "HELO" and mx.status.answered and [r[0].split() for r in mx.strings] == [["0", "."]]:
        return [finding("DNS-11", Severity.CRITICAL, f"{domain} publishes a null MX",
                   "MX 0 . says the domain accepts no mail (RFC 7505), so bounces to this "
                   "MAIL FROM cannot be delivered and receivers may reject the message "
                   "(5.7.27 'Sender address has null MX'). Use a MAIL FROM domain that "
                   "receives mail.", [f"{domain} MX: 0 ."],
                   fixes.dig_query(domain, "MX", purpose=f"show the MX of {domain}"),
                   about=domain)]
    return []


def no_record(domain: str, why: str, answer: DnsAnswer) -> Finding:
    """SPF-01 for a domain on the walk (the root, an include or a redirect) without SPF."""
    return finding(
        "SPF-01", Severity.WARN, f"No SPF record at {domain}",
        f"{why[0].upper()}{why[1:]}, so SPF is none for mail with this MAIL FROM domain and "
        "cannot help DMARC. A domain that sends no mail should publish v=spf1 -all.",
        [f"{domain} TXT: {answer.status}", *answer.values], dig_txt(domain), about=domain)


def mail_from_not_a_name(sender: str, why: str) -> Finding:
    return finding("SPF-01", Severity.ERROR, "MAIL FROM domain is not a DNS name", why, [sender])


def syntax_error(domain: str, record: str, token: str, why: str, position: int | None = None
                 ) -> Finding:
    where = f" (term {position})" if position else ""
    return finding("SPF-04", Severity.CRITICAL, f"SPF syntax error in the record of {domain}: {token}",
                   f"`{token}`{where}: {why}. Any syntax error makes the whole check permerror "
                   "(RFC 7208 §4.6).", [record], dig_txt(domain), about=domain)


def record_lookup_failed(domain: str, answer: DnsAnswer) -> Finding:
    return finding(
        "SPF-17", Severity.WARN, f"DNS failure reading the SPF record of {domain}",
        f"The TXT lookup got {answer.status}{': ' + answer.error if answer.error else ''}. "
        "A DNS error other than NXDOMAIN makes SPF temperror (RFC 7208 §4.4), never "
        "permerror; receivers usually defer and retry.", [f"{domain} TXT: {answer.status}"],
        dig_txt(domain), about=domain)


def term_lookup_failed(domain: str, token: str, target: str, answer: DnsAnswer) -> Finding:
    return finding(
        "SPF-17", Severity.WARN, f"DNS failure evaluating {token}",
        f"The {answer.rdtype} lookup of {target} got {answer.status}"
        f"{': ' + answer.error if answer.error else ''}. A DNS error other than NXDOMAIN "
        "makes SPF temperror (RFC 7208 §4.4), never permerror.",
        [f"{target} {answer.rdtype}: {answer.status}"], about=domain)


def client_ip_unknown() -> Finding:
    return finding("SPF-13", Severity.INFO, "Client IP unknown: SPF not evaluated",
                   "Without the sending server's IP only the record tree can be shown. "
                   "Give it from Authentication-Results smtp.remote-ip, Received-SPF "
                   "client-ip= or the first external Received header.")


def client_ip_invalid(ip: str) -> Finding:
    return finding("SPF-13", Severity.ERROR, "Client IP is not an IP address",
                   "SPF was not evaluated.", [ip])


def receiver_says_not_authorised() -> Finding:
    """SPF-13 as a bounce states it (wizard.receiver.findings quotes the reply as evidence)."""
    return finding("SPF-13", Severity.CRITICAL, "Receiver says SPF did not pass",
                   "The sending IP is not authorised by the SPF record of the MAIL FROM domain (or "
                   "the record is broken). Look up SPF for the Return-Path domain of the returned "
                   "message.")


def sender_id_failed() -> Finding:
    """SPF-13 for a legacy Sender ID rejection, as a bounce states it."""
    return finding("SPF-13", Severity.WARN, "Sender ID (Purported Responsible Address) check failed",
                   "A legacy Sender ID check (treat like SPF): the responsible address's domain does "
                   "not authorise the sending IP.")


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

