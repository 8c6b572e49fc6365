"""What the verdict reads from a Report, each fact read by field name with a default: the
engine's packages are free to move their types as long as the field names stay.
"""
from __future__ import annotations

from typing import Any

from wizard.model.findings import Finding, signature_about

# Ids whose finding is a DKIM key problem (about the key name `s._domainkey.d`).
KEY_IDS = ("DKIM-KEY-14", "DKIM-KEY-01", "DKIM-KEY-02", "DKIM-KEY-05", "DKIM-KEY-07", "DKIM-KEY-06",
           "DKIM-KEY-09", "DKIM-KEY-10", "DKIM-KEY-11", "DKIM-KEY-13", "DKIM-KEY-04", "DNS-01",
           "DNS-02", "DNS-06", "DNS-07", "DNS-08", "DKIM-KEY-03")
# Problems of the signature itself (tags, clock, canonicalisation).
SIG_IDS = ("DKIM-SIG-16", "DKIM-SIG-15", "DKIM-SIG-02", "DKIM-SIG-03", "DKIM-SIG-04", "DKIM-SIG-05",
           "DKIM-SIG-06", "DKIM-SIG-09", "DKIM-SIG-10", "DKIM-SIG-17", "DKIM-SIG-18",
           "DKIM-SIG-22", "DKIM-SIG-12", "DKIM-SIG-14", "CANON-02", "CANON-04", "CAUSE-09",
           "CAUSE-10", "CAUSE-19")
# SPF faults, worst first: which one explains an SPF result that is not pass.
SPF_IDS = ("SPF-02", "SPF-04", "SPF-05", "SPF-06", "SPF-08", "SPF-09", "SPF-03", "SPF-01", "SPF-13",
           "SPF-14", "SPF-07", "SPF-17", "SPF-11")
# Who changed the message: intermediaries and parties (the last link of a chain).
WHO_PREFIXES = ("CAUSE-",)
# The receiver's or the pipeline's restatements: evidence for a cause, never a cause.
ECHO_PREFIXES = ("AR-", "EVID-", "DSN-", "ARC-05", "ARC-08", "DMARC-08", "DMARC-09", "DMARC-15")
DKIM_FAILED = ("fail", "permerror", "temperror", "neutral", "policy")


def findings_of(report: Any) -> tuple[Finding, ...]:
    return tuple(getattr(report, "findings", ()) or ())


def all_findings(report: Any) -> tuple[Finding, ...]:
    inner = getattr(report, "returned", None)
    return findings_of(report) + (all_findings(inner) if inner is not None else ())


def from_domain(report: Any) -> str | None:
    dmarc = getattr(report, "dmarc", None)
    message = getattr(report, "message", None)
    return getattr(dmarc, "from_domain", None) or getattr(message, "from_domain", None)


def dmarc_result(report: Any) -> Any:
    """The DmarcResult receivers apply (RFC 9989 first, the standard in force), or None."""
    dmarc = getattr(report, "dmarc", None)
    return getattr(dmarc, "rfc9989", None) or getattr(dmarc, "rfc7489", None)


def org_domain(report: Any) -> str | None:
    return getattr(dmarc_result(report), "org_domain", None) or from_domain(report)


def aligned(domain: str | None, report: Any) -> bool:
    """Relaxed alignment with the From domain: the same organisational domain."""
    frm, org = from_domain(report), org_domain(report)
    if not domain or not frm:
        return False
    domain = domain.lower().rstrip(".")
    if domain == frm:
        return True
    return org is not None and (domain == org or domain.endswith("." + org))


def signatures(report: Any) -> tuple[Any, ...]:
    return tuple(getattr(report, "signatures", ()) or ())


def sig_names(sig: Any) -> frozenset[str]:
    """How findings name a signature: its `about` text, and its key record's name."""
    d, s, index = getattr(sig, "d", None), getattr(sig, "s", None), getattr(sig, "index", 0)
    names = {signature_about(index, d, s)}
    if d and s:
        names.add(f"{s}._domainkey.{d}".lower())
    return frozenset(names)


def sig_findings(report: Any, sig: Any) -> tuple[Finding, ...]:
    names = sig_names(sig)
    return tuple(f for f in findings_of(report) if f.about.lower().rstrip(".") in names
                 or f.about in names)


def proven_ids(sig: Any) -> tuple[str, ...]:
    """Finding ids a re-hash proved for this signature: body first, then headers."""
    out = []
    for part in (getattr(sig, "body", None), getattr(sig, "headers", None)):
        change = getattr(part, "proven_change", None)
        fid = getattr(change, "finding_id", None)
        if fid:
            out.append(fid)
    return tuple(out)


def key_mismatch_proven(sig: Any) -> bool:
    """The RSA decode showed the published key is not the signing key (DKIM-KEY-14)."""
    return getattr(getattr(sig, "verdict", None), "key_matches", None) is False


def receiver_results(report: Any, method: str) -> tuple[Any, ...]:
    """The final receiver's own Authentication-Results clauses for `method` (AR-01)."""
    ar = getattr(report, "auth_results", None)
    return tuple(r for r in getattr(ar, "results", ()) or ()
                 if getattr(r, "trusted", False) and getattr(r, "method", "") == method)


def receiver_says(report: Any, method: str, results: tuple[str, ...], domain: str | None = None) -> bool:
    for r in receiver_results(report, method):
        if getattr(r, "result", "") not in results:
            continue
        props = dict(getattr(r, "properties", ()) or ())
        if domain is None or domain.lower() in {v.lower() for k, v in props.items()
                                                if k in ("header.d", "header.i", "smtp.mailfrom",
                                                         "header.from")}:
            return True
    return False


def spf(report: Any) -> tuple[str | None, str | None, str | None]:
    """(result, checked domain, client IP) of SPF, Nones when SPF did not run."""
    s = getattr(report, "spf", None)
    return getattr(s, "result", None), getattr(s, "domain", None), getattr(s, "ip", None)


def first(findings: tuple[Finding, ...], ids: tuple[str, ...] | str,
          failing: bool = False) -> Finding | None:
    """The first finding with one of `ids` (in the order of `ids`), optionally only those of
    failure severity."""
    ids = (ids,) if isinstance(ids, str) else ids
    for fid in ids:
        for f in findings:
            if f.id == fid and (not failing or f.severity.is_failure):
                return f
    return None


def forwarding_seen(report: Any) -> str | None:
    """The intermediary the message passed through, in words, when the evidence shows one:
    a CAUSE-xx finding, SPF's SRS (SPF-15), an ARC set, or an aligned signature broken by a
    proven change in transit. None for mail that came straight from the sender."""
    fs = findings_of(report)
    who = next((f for f in fs if f.id.startswith(WHO_PREFIXES)
                and f.id not in ("CAUSE-15", "CAUSE-17", "CAUSE-20", "CAUSE-19")), None)
    if who is not None:
        return _party(who.id)
    if any(f.id == "SPF-15" for f in fs):
        return "a forwarder"
    if getattr(getattr(report, "arc", None), "instances", ()):
        return "an ARC-sealing intermediary"
    if any(proven_ids(s) for s in signatures(report) if aligned(getattr(s, "d", None), report)):
        return "an intermediary"
    return None


_PARTIES = {"CAUSE-01": "the mailing list", "CAUSE-02": "the Google Group",
            "CAUSE-03": "Proofpoint", "CAUSE-04": "Microsoft Safe Links",
            "CAUSE-05": "the security gateway", "CAUSE-06": "the disclaimer service",
            "CAUSE-07": "the tagging system", "CAUSE-08": "Exchange / Microsoft 365"}


def _party(cause_id: str) -> str:
    return _PARTIES.get(cause_id, "an intermediary")


def dns_problems(report: Any) -> tuple[str, ...]:
    """Names whose lookup failed transiently (SERVFAIL, timeout, refused, error)."""
    out: dict[str, None] = {}
    for answer in getattr(report, "dns", ()) or ():
        status = getattr(answer, "status", None)
        if getattr(status, "transient", False) or str(getattr(status, "value", status)) in (
                "servfail", "timeout", "refused", "error"):
            out[f"{getattr(answer, 'name', '?')} {getattr(answer, 'rdtype', '')}"
                f" ({getattr(status, 'value', status)})"] = None
    return tuple(out)
