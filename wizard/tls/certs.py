"""Certificate fields, name matching and chain trust, read with `cryptography` (already a
dependency) from the DER chain the server sent, so one connection answers every question."""
from __future__ import annotations

import datetime as dt
import hashlib
import math
import ssl
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from cryptography.x509.verification import PolicyBuilder, Store, VerificationError

from wizard.tls.model import Certificate


def load(der: bytes) -> x509.Certificate:
    return x509.load_der_x509_certificate(der)


def describe(cert: x509.Certificate, now: dt.datetime) -> Certificate:
    spki = cert.public_key().public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)
    after = cert.not_valid_after_utc
    return Certificate(
        subject=cert.subject.rfc4514_string(),
        issuer=cert.issuer.rfc4514_string(),
        san=dns_names(cert),
        not_before=cert.not_valid_before_utc.isoformat(),
        not_after=after.isoformat(),
        # Whole days, rounded toward zero: expired 26 hours ago is "1 day ago".
        days_left=math.trunc((after - now).total_seconds() / 86400),
        spki_sha256=hashlib.sha256(spki).hexdigest(),
        cert_sha256=hashlib.sha256(cert.public_bytes(Encoding.DER)).hexdigest(),
    )


def der(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(Encoding.DER)


def spki_der(cert: x509.Certificate) -> bytes:
    return cert.public_key().public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)


def dns_names(cert: x509.Certificate) -> tuple[str, ...]:
    try:
        ext = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName)
    except x509.ExtensionNotFound:
        return ()
    return tuple(ext.value.get_values_for_type(x509.DNSName))


def name_matches(host: str, names: tuple[str, ...]) -> bool:
    """RFC 6125 DNS-ID matching as MTA-STS uses it: exact, or a `*.` wildcard covering one
    whole left-most label (`*.example.com` ≠ `example.com`, ≠ `a.b.example.com`)."""
    host = host.rstrip(".").lower()
    for name in names:
        name = name.rstrip(".").lower()
        if name == host:
            return True
        if name.startswith("*.") and "." in host and host.split(".", 1)[1] == name[2:]:
            return True
    return False


def trust_store(ca_file: str | None) -> Store:
    """The CAs to trust: `--ca-file`, else the system's bundle (the file OpenSSL itself uses)."""
    path = ca_file or ssl.get_default_verify_paths().cafile or "/etc/ssl/certs/ca-certificates.crt"
    return Store(x509.load_pem_x509_certificates(Path(path).read_bytes()))


def chain_trust(chain: list[x509.Certificate], store: Store) -> tuple[bool, str]:
    """Whether the served chain leads to a CA in `store`, judged apart from the name and the
    dates (TLS-04 and TLS-03 say those): the check uses the leaf's own name and a moment
    inside its validity, so a failure here is about the issuer alone."""
    leaf = chain[0]
    names = dns_names(leaf)
    if not names:
        return False, "the certificate has no DNS name, so no chain check applies"
    # The middle of the time every sent certificate is valid (the leaf's own span when they
    # share none): expiry is TLS-03's to report, not a trust failure.
    start = max(c.not_valid_before_utc for c in chain)
    end = min(c.not_valid_after_utc for c in chain)
    if start > end:
        start, end = leaf.not_valid_before_utc, leaf.not_valid_after_utc
    moment = start + (end - start) / 2
    subject = names[0].replace("*", "wildcard", 1)
    try:
        verifier = (PolicyBuilder().store(store).time(moment)
                    .build_server_verifier(x509.DNSName(subject)))
        verifier.verify(leaf, chain[1:])
    except VerificationError as exc:
        if leaf.issuer == leaf.subject:
            return False, "self-signed certificate"
        if len(chain) == 1:
            return False, f"only the server certificate was sent; no trusted issuer found ({exc})"
        return False, f"no trusted issuer ({exc})"
    except ValueError as exc:  # a name cryptography refuses to check
        return False, str(exc)
    return True, ""
