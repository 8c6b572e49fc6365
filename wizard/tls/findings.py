"""The TLS-xx findings of the live checks, built from what wizard.tls.check gathered: each
id has its words here and nowhere else (the bounce side, wizard.tls.codes, names the same
ids as data). Most of these faults are the receiving domain's to fix, and the words say so."""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from wizard.fixes import (
    InvalidName,
    curl_mta_sts,
    dig_short,
    dig_tlsa,
    openssl_starttls,
    publish_mta_sts_txt,
    publish_tlsa,
    publish_tlsrpt,
    tlsa_digest,
)
from wizard.model.findings import Finding, Fix, Severity
from wizard.tls.dane import USAGES
from wizard.tls.model import MtaSts, MxTls

_C, _E, _W, _I = Severity.CRITICAL, Severity.ERROR, Severity.WARN, Severity.INFO
RECEIVER = "The receiving side must fix this: "


def _fixes(*builders: Callable[[], Fix | tuple[Fix, ...]]) -> tuple[Fix, ...]:
    """The fixes whose names are DNS names; a builder refusing a name gives none."""
    out: list[Fix] = []
    for build in builders:
        try:
            made = build()
        except (InvalidName, ValueError):
            continue
        out.extend(made if isinstance(made, tuple) else (made,))
    return tuple(out)


def pkix_severity(mode: str, dane_ee_match: bool) -> Severity:
    """How much a certificate fault (dates, name, issuer) costs: DANE-EE senders check none of
    it (RFC 7672 §3.1.1); MTA-STS `enforce` senders refuse the host, `testing` ones report and
    deliver (RFC 8461 §5); with no policy only senders with their own TLS policy refuse."""
    if dane_ee_match:
        return _I
    return {"enforce": _C, "testing": _W}.get(mode, _E)


def _mode_words(mode: str) -> str:
    if mode == "enforce":
        return "MTA-STS is in enforce mode: policy-aware senders refuse to deliver to this host."
    if mode == "testing":
        return ("MTA-STS is in testing mode: failures are reported, mail still flows — the same "
                "failure becomes a deferral or bounce under enforce.")
    return "No MTA-STS policy applies; senders with their own TLS policy (or DANE) still refuse."


def connection(mx: MxTls, mode: str, tls_required: bool) -> list[Finding]:
    """TLS-01 (no STARTTLS, or no SMTP dialogue at all) and TLS-02 (STARTTLS fails)."""
    about, fixes = f"MX {mx.host}", _fixes(lambda: openssl_starttls(mx.host))
    where = f"{mx.host} ({mx.address} port {mx.port})"
    if mx.connect == "refused":
        return [Finding("TLS-01", _E, f"{mx.host} refuses connections on port {mx.port}",
                        f"{where} answered the connection with a reset: no SMTP server listens "
                        "there, so no sender can deliver, securely or not. " + RECEIVER
                        + "start the MTA or open the port.", (mx.detail,), fixes, about)]
    if mx.connect == "timeout":
        return [Finding("TLS-01", _E, f"{mx.host} never answered on port {mx.port}",
                        f"{where} sent no SMTP greeting: a firewall dropping the packets, or a "
                        "server that accepts and then hangs. Senders retry and finally bounce. "
                        + RECEIVER + "check the firewall and the MTA.", (mx.detail,), fixes, about)]
    if mx.connect != "ok":
        return [Finding("TLS-01", _E, f"{mx.host} could not be reached on port {mx.port}",
                        f"{where}: {mx.detail}", (mx.detail,), fixes, about)]
    if mx.starttls_offered is False:
        severity = _C if tls_required else _W
        why = (_mode_words(mode) if mode == "enforce" else
               "usable DANE TLSA records make TLS mandatory for DANE senders." if tls_required else
               "No policy requires TLS, so senders deliver in plaintext (RFC 3207 §4).")
        return [Finding("TLS-01", severity, f"{mx.host} does not offer STARTTLS",
                        "The EHLO reply has no STARTTLS line. " + why + " " + RECEIVER
                        + "enable STARTTLS with a certificate for the MX name (meanwhile set "
                        "MTA-STS to testing or withdraw the TLSA records). A middlebox stripping "
                        "250-STARTTLS looks the same: try from a second network.",
                        (mx.banner.splitlines()[0] if mx.banner else "",), fixes, about)]
    if mx.handshake_ok is False:
        return [Finding("TLS-02", _E, f"STARTTLS on {mx.host} fails",
                        f"{mx.host} offers STARTTLS but the secure session does not start: "
                        f"{mx.detail}. Senders bound to TLS defer; others fall back to "
                        "plaintext. " + RECEIVER + "check the MTA's TLS key, certificate and "
                        "protocol settings (TLS 1.2 or 1.3).", (mx.detail,), fixes, about)]
    return []


def certificate(mx: MxTls, mode: str, dane_ee_match: bool, now: dt.datetime) -> list[Finding]:
    """TLS-03 (dates), TLS-04 (names), TLS-05 (issuer) for a completed handshake."""
    if not mx.chain:
        return []
    leaf, about = mx.chain[0], f"MX {mx.host}"
    severity = pkix_severity(mode, dane_ee_match)
    fixes = _fixes(lambda: openssl_starttls(mx.host))
    tail = (" DANE senders accept it (a matching 3 x x TLSA record), MTA-STS/PKIX senders do not."
            if dane_ee_match else " " + _mode_words(mode))
    out = []
    expired = dt.datetime.fromisoformat(leaf.not_after) < now
    if expired or dt.datetime.fromisoformat(leaf.not_before) > now:
        state = f"expired {-leaf.days_left} day(s) ago" if expired else "is not yet valid"
        if expired and leaf.days_left == 0:
            state = "expired less than a day ago"
        out.append(Finding("TLS-03", severity, f"The certificate of {mx.host} {state}",
                           f"Valid {leaf.not_before} to {leaf.not_after}." + tail + " " + RECEIVER
                           + "install the renewed certificate and reload the MTA (renewed on disk "
                           "but not reloaded is the usual cause).",
                           (f"notBefore={leaf.not_before}", f"notAfter={leaf.not_after}"),
                           fixes, about))
    if mx.name_matches is False:
        names = ", ".join(leaf.san) or "no DNS names (CN only)"
        out.append(Finding("TLS-04", severity, f"The certificate of {mx.host} does not name it",
                           f"Senders check the MX name {mx.host} against the certificate's "
                           f"DNS names: {names}. A wildcard covers one label only." + tail
                           + " " + RECEIVER + f"serve a certificate whose SAN holds {mx.host}.",
                           (f"MX {mx.host}", *(f"SAN {n}" for n in leaf.san)), fixes, about))
    if mx.trusted is False:
        out.append(Finding("TLS-05", severity, f"The certificate chain of {mx.host} is not trusted",
                           f"{mx.trust_error}; {len(mx.chain)} certificate(s) sent." + tail + " "
                           + RECEIVER + "serve the full chain (leaf, then intermediates) from a "
                           "CA senders trust.", (f"issuer {leaf.issuer}",), fixes, about))
    return out


def dane(mx: MxTls) -> list[Finding]:
    """TLS-12 (no DNSSEC), TLS-13 (no match), TLS-14 (record choice), TLS-15 (bogus)."""
    if not mx.tlsa and mx.dnssec != "bogus":
        return []
    about, name = f"MX {mx.host}", f"_25._tcp.{mx.host}"
    check = _fixes(lambda: dig_tlsa(mx.host))
    records = tuple(f"TLSA {r.text}" for r in mx.tlsa)
    out = []
    if mx.dnssec == "bogus":
        out.append(Finding("TLS-15", _C, f"DNSSEC answers for {name} are bogus",
                           "A validating resolver answers SERVFAIL and answers only with "
                           "checking disabled: DANE senders defer every message (Postfix "
                           "`TLSA lookup error`). " + RECEIVER + "re-sign the zone or fix the DS "
                           "record at the parent.", records, check, about))
    elif mx.dnssec == "insecure":
        out.append(Finding("TLS-12", _W, f"TLSA records for {mx.host} are in an unsigned zone",
                           "TLSA published in an unsigned zone: DANE senders ignore it; delivery "
                           "stays opportunistic. Sign the zone (DNSSEC) or remove the records.",
                           records, check, about))
    elif mx.dnssec == "unknown":
        out.append(Finding("TLS-12", _I, f"Whether {name} is DNSSEC-signed cannot be judged here",
                           "The answer carries signatures but this resolver did not validate them "
                           "(no AD bit), or it cannot be asked with the DO bit (zone files). Ask "
                           "a validating resolver with the command below.",
                           records, check, about))
    usable = [r for r in mx.tlsa if r.usage in (2, 3)]
    if mx.tlsa and not usable:
        out.append(Finding("TLS-14", _W, f"Every TLSA record for {mx.host} is unusable for SMTP",
                           "SMTP treats usages 0 (PKIX-TA) and 1 (PKIX-EE) as unusable (RFC 7672 "
                           "§3): publish 3 1 1 (DANE-EE, the server key's SHA-256).",
                           records, check, about))
    if any(r.usage == 2 for r in usable) and len(mx.chain) == 1:
        out.append(Finding("TLS-14", _E, f"{mx.host} does not send the CA its 2 x x record names",
                           "A DANE-TA record matches an issuing certificate, which the server must "
                           "send; it sent only its own certificate, so the trust-anchor "
                           "certificate is missing from the served chain.", records, check, about))
    elif usable and mx.chain and not any(r.matched for r in usable):
        signed = mx.dnssec != "insecure"
        digest = mx.chain[0].spki_sha256
        out.append(Finding("TLS-13", _C if signed else _W,
                           f"No TLSA record matches the certificate {mx.host} serves",
                           "The usual outage after a certificate renewal with a new key: DANE "
                           "senders defer every message"
                           + ("" if signed else " once the zone is signed") + ". " + RECEIVER
                           + f"publish the new digest 3 1 1 {digest} beside the old one, wait out "
                           "the TTL, then drop the old one.",
                           (*records, f"served key 3 1 1 {digest}"),
                           _fixes(lambda: tlsa_digest(mx.host), lambda: dig_tlsa(mx.host),
                                  lambda: publish_tlsa(mx.host, digest)), about))
    return out


def dane_usages(mx: MxTls) -> str:
    return ", ".join(sorted({USAGES.get(r.usage, str(r.usage)) for r in mx.tlsa}))


def mta_sts_txt(domain: str, sts: MtaSts, problem: str, records: int, new_id: str
                ) -> list[Finding]:
    """TLS-06: the `_mta-sts` record."""
    about, check = f"domain {domain}", _fixes(lambda: dig_short(f"_mta-sts.{domain}"))
    if records == 0:
        return [Finding("TLS-06", _W, f"{domain} publishes no MTA-STS record",
                        "No `_mta-sts` TXT record begins with v=STSv1, so senders use TLS "
                        "opportunistically and an attacker can strip it.",
                        sts.txt, check, about)]
    if problem:
        return [Finding("TLS-06", _E, f"The MTA-STS record of {domain} is not usable",
                        problem + "; senders assume the domain has no MTA-STS policy.",
                        sts.txt, _fixes(lambda: dig_short(f"_mta-sts.{domain}"),
                                        lambda: publish_mta_sts_txt(domain, new_id)),
                        about)]
    return []


_FETCH_WHY = {
    "certificate": "senders need a Web-PKI certificate valid for the policy host",
    "redirect": "senders do not follow redirects",
    "http-status": "the policy must be served with status 200",
    "unreachable": "the policy host does not answer over HTTPS",
    "too-large": "senders stop reading a policy this large",
    "no-address": "the policy host has no address",
}


def mta_sts_policy(domain: str, sts: MtaSts, reason: str, errors: list[str],
                   hosts: list[str]) -> list[Finding]:
    """TLS-07 (fetch), TLS-08 (syntax), TLS-11 (mode), TLS-09 (MX matching)."""
    about = f"domain {domain}"
    fetch = _fixes(lambda: curl_mta_sts(domain))
    if not sts.fetched:
        return [Finding("TLS-07", _E, f"The MTA-STS policy of {domain} cannot be fetched",
                        f"{sts.fetch_error} ({_FETCH_WHY.get(reason, reason)}). With nothing "
                        "cached, senders deliver as though the domain had no MTA-STS; a cached "
                        "policy still applies. " + RECEIVER + f"serve {sts.url} with status 200.",
                        (sts.url, sts.fetch_error), fetch, about)]
    policy = sts.policy
    out = []
    if errors:
        out.append(Finding("TLS-08", _E, f"The MTA-STS policy of {domain} has errors",
                           "Senders reject a policy they cannot parse: " + "; ".join(errors) + ".",
                           tuple(errors), fetch, about))
    elif policy is not None and policy.lf_only:
        out.append(Finding("TLS-08", _I, f"The MTA-STS policy of {domain} ends lines with LF only",
                           "RFC 8461 §3.2 asks for CRLF; most senders accept LF and the policy "
                           "was parsed.", (), fetch, about))
    if policy is None or errors:
        return out
    out.append(Finding("TLS-11", _I, f"MTA-STS mode of {domain}: {policy.mode}",
                       _mode_words(policy.mode) if policy.mode != "none" else
                       "mode: none withdraws the policy: senders treat the domain as having none.",
                       (f"mode: {policy.mode}", f"max_age: {policy.max_age}"), (), about))
    if policy.mode in ("enforce", "testing"):
        for host in hosts:
            out.append(Finding(
                "TLS-09", _C if policy.mode == "enforce" else _W,
                f"MX {host} is not allowed by the MTA-STS policy of {domain}",
                f"No `mx:` line matches {host} (patterns: {', '.join(policy.mx)}); "
                + ("senders must not deliver to it (RFC 8461 §5)." if policy.mode == "enforce"
                   else "senders report it and deliver; under enforce they would not.")
                + " " + RECEIVER + f"add `mx: {host}` to the policy, then change the TXT id.",
                tuple(f"mx: {p}" for p in policy.mx), fetch + _fixes(lambda: dig_short(domain, "MX")),
                f"MX {host}"))
    return out


def tlsrpt(domain: str, records: tuple[str, ...], has_policy: bool) -> list[Finding]:
    """TLS-16: `_smtp._tls` (RFC 8460 §3)."""
    about, check = f"domain {domain}", _fixes(lambda: dig_short(f"_smtp._tls.{domain}"))
    publish = _fixes(lambda: publish_tlsrpt(domain))
    if not records:
        if has_policy:
            return [Finding("TLS-16", _W, f"{domain} has MTA-STS or DANE but no TLS-RPT record",
                            "Without `_smtp._tls` senders send no TLS reports: failures go unseen.",
                            (), check + publish, about)]
        return [Finding("TLS-16", _I, f"{domain} publishes no TLS-RPT record",
                        "Senders send no TLS reports for this domain.", (), check + publish, about)]
    if len(records) > 1:
        return [Finding("TLS-16", _W, f"{domain} publishes {len(records)} TLS-RPT records",
                        "If the number of records is not one, senders treat TLS-RPT as absent "
                        "(RFC 8460 §3).", records, check, about)]
    fields = dict(p.strip().partition("=")[::2] for p in records[0].split(";") if "=" in p)
    rua = fields.get("rua", "").strip()
    if not any(u.strip().startswith(("mailto:", "https:")) for u in rua.split(",")):
        return [Finding("TLS-16", _W, f"The TLS-RPT record of {domain} has no usable rua=",
                        "rua= must hold a mailto: or https: address for the reports.",
                        records, check + publish, about)]
    return [Finding("TLS-16", _I, f"TLS reports for {domain} go to {rua}", "", records, check, about)]
