"""What a bounce or SMTP reply means when it is about TLS (diagnoses.md §14, TLS-19..22):
the reply codes and wordings of Exchange Online, Postfix, Exim and Gmail mapped, as data, to
the TLS-xx diagnosis and to the side that must act. `tls_cause(status, text)` is what the
bounce code asks, so a TLS bounce gets a TLS root cause and never a DKIM one (X.7.5 is
"Cryptographic failure", RFC 3463: a TLS code far more often than a DKIM one).

Matching is case-insensitive substring search over at most `MAX_TEXT` characters: linear in
the input, no regular expressions."""
from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from msgspec import Struct

from wizard.common.dnsname import InvalidName, check_name
from wizard.common.lazy_re import lazy
from wizard.fixes import (
    curl_mta_sts,
    dig_short,
    dig_tlsa,
    mailtriage_tls,
    openssl_starttls,
    tlsa_digest,
)
from wizard.model.catalogue import CATALOGUE
from wizard.model.findings import Finding, Fix, Severity

MAX_TEXT = 64 * 1024
# EITHER: words a sender logs only under its own mandatory policy (Postfix prints "no TLSA
# records found" and "non DNSSEC destination" only at dane-only, Exim "lookup not dnssec" only
# under hosts_require_dane; otherwise they fall back to opportunistic TLS): the recipient can
# publish what the policy wants, or the sender relax it.
RECIPIENT, SENDER, EITHER = "recipient", "sender", "either"

_SIDE_WORDS = {
    RECIPIENT: "The sending MTA cannot reach the recipient's MX securely: the recipient domain "
               "must fix its MX, certificate, policy or DNSSEC.",
    SENDER: "The receiver demands TLS the sender did not use: the sender's outbound MTA (or "
            "ESP connection) must use STARTTLS.",
    EITHER: "The sending MTA says this only when its own policy requires DANE of the "
            "destination (Postfix dane-only, Exim hosts_require_dane; otherwise it falls back to "
            "opportunistic TLS): the recipient domain can publish "
            "DNSSEC-signed TLSA records for its MX, or the sender can relax its policy for this "
            "destination.",
}


class TlsCause(Struct, frozen=True):
    id: str  # the TLS-xx diagnosis
    side: str  # who must act: "recipient" (the receiving domain) or "sender"
    meaning: str  # one sentence: what the words mean
    source: str  # whose wording it is ("Exchange Online", "Postfix", ...)
    matched: str  # the words (or code) that were recognised


# (needles that must all occur, diagnosis, side, source, meaning). First match wins, so
# the specific wordings come before the generic ones.
_ROWS: tuple[tuple[tuple[str, ...], str, str, str, str], ...] = (
    # Exchange Online, MTA-STS (4/5.7.5 with a validityStatus reason; 4/5.4.8).
    (("failed mta-sts validation", "hostmismatch"), "TLS-04", RECIPIENT, "Exchange Online",
     "the MX certificate does not name the MX host (MTA-STS)"),
    (("failed mta-sts validation", "expired"), "TLS-03", RECIPIENT, "Exchange Online",
     "the MX certificate has expired (MTA-STS)"),
    (("remote certificate failed mta-sts validation",), "TLS-05", RECIPIENT, "Exchange Online",
     "the MX certificate failed MTA-STS validation"),
    (("mx hosts of", "failed mta-sts validation"), "TLS-09", RECIPIENT, "Exchange Online",
     "an MX host is not allowed by the domain's MTA-STS policy"),
    # Exchange Online, DANE (4/5.7.321-325).
    (("starttls-not-supported",), "TLS-01", RECIPIENT, "Exchange Online",
     "the destination MX does not support STARTTLS"),
    ((".7.321",), "TLS-01", RECIPIENT, "Exchange Online",
     "the destination MX does not support STARTTLS"),
    (("certificate-expired",), "TLS-03", RECIPIENT, "Exchange Online",
     "the destination MX's certificate has expired"),
    ((".7.322",), "TLS-03", RECIPIENT, "Exchange Online",
     "the destination MX's certificate has expired"),
    (("tlsa-invalid",), "TLS-13", RECIPIENT, "Exchange Online",
     "no TLSA record matches the MX certificate (DANE)"),
    ((".7.323",), "TLS-13", RECIPIENT, "Exchange Online",
     "no TLSA record matches the MX certificate (DANE)"),
    (("dnssec-invalid",), "TLS-15", RECIPIENT, "Exchange Online",
     "the destination domain returned invalid DNSSEC records"),
    ((".7.324",), "TLS-15", RECIPIENT, "Exchange Online",
     "the destination domain returned invalid DNSSEC records"),
    (("certificate-host-mismatch",), "TLS-04", RECIPIENT, "Exchange Online",
     "the MX certificate does not name the MX host (DANE)"),
    ((".7.325",), "TLS-04", RECIPIENT, "Exchange Online",
     "the MX certificate does not name the MX host (DANE)"),
    ((".4.317",), "TLS-01", RECIPIENT, "Exchange Online",
     "TLS was required for this destination and could not be used"),
    # REQUIRETLS (RFC 8689), before the generic "STARTTLS required" wordings.
    (("requiretls",), "TLS-19", SENDER, "REQUIRETLS",
     "the message asked for REQUIRETLS and no server on the path supports it"),
    # Postfix (smtp_proto.c, tls_verify.c, smtp_tls_policy.c).
    (("tls is required, but was not offered",), "TLS-01", RECIPIENT, "Postfix",
     "the MX did not offer STARTTLS, and this sender requires TLS"),
    (("tls is required, but host", "refused to start tls"), "TLS-02", RECIPIENT, "Postfix",
     "the MX refused STARTTLS, and this sender requires TLS"),
    (("cannot start tls",), "TLS-02", RECIPIENT, "Postfix", "the TLS handshake with the MX failed"),
    (("no tlsa records found",), "TLS-12", EITHER, "Postfix",
     "the recipient's MX has no TLSA records that DNSSEC validates"),
    (("non dnssec destination",), "TLS-15", EITHER, "Postfix",
     "the recipient's MX is in a zone that is not DNSSEC-signed"),
    (("tlsa lookup error",), "TLS-15", RECIPIENT, "Postfix",
     "the TLSA lookup failed (usually bogus DNSSEC)"),
    (("tlsa records unusable",), "TLS-14", RECIPIENT, "Postfix",
     "every TLSA record is of a kind SMTP cannot use"),
    (("not trusted by local or tlsa policy",), "TLS-13", RECIPIENT, "Postfix",
     "the MX certificate matches no TLSA record and no trusted CA"),
    (("client tls configuration problem",), "TLS-07", RECIPIENT, "Postfix",
     "the TLS policy lookup (MTA-STS plug-in) failed"),
    # Exim (transports/smtp.c, tls-openssl.c).
    (("a tls session is required, but the server did not offer tls",), "TLS-01", RECIPIENT,
     "Exim", "the MX did not offer STARTTLS, and this sender requires TLS"),
    (("a tls session is required, but an attempt to start tls failed",), "TLS-02", RECIPIENT,
     "Exim", "the TLS handshake with the MX failed"),
    (("dane error: tlsa lookup defer",), "TLS-15", RECIPIENT, "Exim",
     "the TLSA lookup failed (usually bogus DNSSEC)"),
    (("lookup not dnssec",), "TLS-15", EITHER, "Exim",
     "the recipient's MX is in a zone that is not DNSSEC-signed"),
    (("dane error: no usable tlsa records",), "TLS-14", RECIPIENT, "Exim",
     "every TLSA record is of a kind SMTP cannot use"),
    (("certificate name mismatch",), "TLS-04", RECIPIENT, "Exim",
     "the MX certificate does not name the MX host"),
    # Gmail (support.google.com/a/answer/3726730): Gmail is the receiver, the sender acts.
    (("wasn't sent over a tls connection",), "TLS-22", SENDER, "Gmail",
     "Gmail requires senders to use TLS; this message came in plaintext"),
    (("must issue a starttls command first",), "TLS-22", SENDER, "Gmail",
     "the receiver requires STARTTLS before the message"),
    (("tls required for rcpt domain",), "TLS-22", SENDER, "Gmail",
     "the recipient's Workspace domain requires TLS from this sender"),
    # OpenSSL verify wordings in any MTA's log line or deferral text.
    (("hostname mismatch",), "TLS-04", RECIPIENT, "OpenSSL",
     "the MX certificate does not name the MX host"),
    (("doesn't match the host",), "TLS-04", RECIPIENT, "receiver",
     "the MX certificate does not name the MX host"),
    (("certificate has expired",), "TLS-03", RECIPIENT, "OpenSSL",
     "the MX certificate has expired"),
    (("certificate is not yet valid",), "TLS-03", RECIPIENT, "OpenSSL",
     "the MX certificate is not yet valid"),
    (("self-signed certificate",), "TLS-05", RECIPIENT, "OpenSSL",
     "the MX certificate is self-signed"),
    (("self signed certificate",), "TLS-05", RECIPIENT, "OpenSSL",
     "the MX certificate is self-signed"),
    (("untrusted issuer",), "TLS-05", RECIPIENT, "OpenSSL",
     "the MX certificate's issuer is not trusted"),
    (("server certificate not verified",), "TLS-05", RECIPIENT, "Postfix",
     "the MX certificate could not be verified"),
    # Generic "TLS required" replies from a receiver to a client that did not use it.
    (("starttls is required",), "TLS-19", SENDER, "receiver",
     "the receiver requires STARTTLS and the sender did not use it"),
    (("starttls required",), "TLS-19", SENDER, "receiver",
     "the receiver requires STARTTLS and the sender did not use it"),
    (("must issue a starttls",), "TLS-19", SENDER, "receiver",
     "the receiver requires STARTTLS and the sender did not use it"),
)

# Words that put an X.7.5 / X.7.4 code in TLS context when no specific wording matched; DKIM
# words keep it DKIM's (some receivers use 5.7.5 for a signature that does not verify).
_TLS_WORDS = ("tls", "ssl", "certificate", "handshake", "tlsa", "dane", "mta-sts", "cipher")
_DKIM_WORDS = ("dkim", "domainkeys")


def _enhanced(status: str | None) -> tuple[str, str, str] | None:
    """`5.7.5` (or `550 5.7.5`) → ("5", "7", "5"); None when no enhanced code is there."""
    for word in (status or "").split():
        parts = word.strip("()[];,").split(".")
        if len(parts) == 3 and all(p.isdigit() for p in parts) and parts[0] in "245":
            return parts[0], parts[1], parts[2]
    return None


def tls_cause(status: str | None, text: str) -> TlsCause | None:
    """The TLS diagnosis `status` (an enhanced code, e.g. "4.7.5") and the reply or DSN
    `text` mean, or None when nothing in them is about TLS."""
    haystack = f"{status or ''} {text[:MAX_TEXT]}".lower()
    for needles, fid, side, source, meaning in _ROWS:
        if all(n in haystack for n in needles):
            return TlsCause(fid, side, meaning, source, " … ".join(needles))
    code = _enhanced(status) or _enhanced(text[:200])
    if code is None or code[1] != "7":
        return None
    dotted = ".".join(("X", *code[1:]))
    if code[2] == "10":
        return TlsCause("TLS-19", SENDER, "Encryption Needed (RFC 5248): the receiver requires "
                        "TLS the sender did not use", "status code", dotted)
    if code[2] == "30":
        return TlsCause("TLS-19", SENDER, "REQUIRETLS support required (RFC 8689)",
                        "status code", dotted)
    if code[2] in ("4", "5") and any(w in haystack for w in _TLS_WORDS) \
            and not any(w in haystack for w in _DKIM_WORDS):
        name = "Cryptographic failure" if code[2] == "5" else "Security features not supported"
        return TlsCause("TLS-19", RECIPIENT, "a TLS failure between the sending MTA and the MX "
                        f"({dotted}, RFC 3463: {name})", "status code", dotted)
    return None


# The MX a bounce names: Postfix `relay=HOST[ip]` / `host HOST[ip]`, Exim `H=HOST [ip]`, and
# Exchange's `MX hosts of DOMAIN failed`. Bounded classes, no nesting: linear.
_NAMED_MX = lazy(r"(?:relay=|\bhost |\bH=)([A-Za-z0-9][A-Za-z0-9.-]{0,252})\s?\[", re.I)
_STS_DOMAIN = lazy(r"MX hosts of ([A-Za-z0-9][A-Za-z0-9.-]{0,252}?) failed", re.I)
_DANE_IDS = ("TLS-12", "TLS-13", "TLS-14", "TLS-15")
_STS_IDS = ("TLS-07", "TLS-08", "TLS-09")
# Titles by side: the verdict reads the side back from the finding with `side_of`.
_TITLES = {RECIPIENT: "TLS failure at the recipient's MX: ", SENDER: "TLS required by the receiver: ",
           EITHER: "DANE required by the sending MTA's own policy: "}


def side_of(finding: Finding) -> str:
    """Who must act on a finding `cause_finding` built: "recipient", "sender" or "either"."""
    return next((side for side in (SENDER, EITHER) if finding.title.startswith(_TITLES[side])),
                RECIPIENT)


def _name(value: str | None) -> str | None:
    if not value:
        return None
    try:
        return check_name(value.split(";")[-1].strip().strip("[]<>").rstrip("."))
    except InvalidName:
        return None


def named_hosts(text: str, remote_mta: str | None, recipients: Sequence[str]
                ) -> tuple[str | None, str | None]:
    """(the MX, the recipient domain) a TLS bounce is about, each a DNS name or None."""
    m = _NAMED_MX.search(text[:MAX_TEXT])
    mx = _name(remote_mta) or _name(m.group(1) if m else None)
    sts = _STS_DOMAIN.search(text[:MAX_TEXT])
    domain = _name(sts.group(1) if sts else None) or next(
        (d for d in (_name(r.rpartition("@")[2]) for r in recipients if "@" in r) if d), None)
    return mx, domain


def _checks(cause: TlsCause, mx: str | None, domain: str | None) -> tuple[Fix, ...]:
    """The copyable checks for the side and the policy the words name (fixes.py builds them)."""
    about_sts = cause.id in _STS_IDS or "mta-sts" in f"{cause.matched} {cause.meaning}".lower()
    builders: list[Callable[[], Fix | tuple[Fix, ...]]] = []
    if mx:
        builders.append(lambda: openssl_starttls(mx))
        if cause.id in _DANE_IDS:
            builders.append(lambda: dig_tlsa(mx))
        if cause.id in ("TLS-13", "TLS-14"):
            builders.append(lambda: tlsa_digest(mx))
    if domain:
        if not mx:
            builders.append(lambda: dig_short(domain, "MX"))
        if about_sts:
            builders += [lambda: curl_mta_sts(domain), lambda: dig_short(f"_mta-sts.{domain}")]
        if cause.side != SENDER:
            builders.append(lambda: mailtriage_tls(domain))
    out: list[Fix] = []
    for build in builders:
        try:
            made = build()
        except InvalidName:  # a derived name (`_mta-sts.` + a long domain) over 253 octets
            continue
        out.extend(made if isinstance(made, tuple) else (made,))
    return tuple(out)


def cause_finding(cause: TlsCause, about: str = "", mx: str | None = None,
                  domain: str | None = None) -> Finding:
    """The finding a bounce gets for a TLS cause: the diagnosis's own title, who must act, and
    the checks to run against `mx` / `domain` (DNS names, see `named_hosts`)."""
    diagnosis = CATALOGUE[cause.id]
    severity = Severity.ERROR if cause.side == SENDER else Severity.CRITICAL
    return Finding(cause.id, severity, _TITLES[cause.side] + cause.meaning,
                   f"{cause.source} wording ({cause.matched!r}) for {diagnosis.title}. "
                   + _SIDE_WORDS[cause.side], (cause.matched,), _checks(cause, mx, domain),
                   about or mx or domain or "")
