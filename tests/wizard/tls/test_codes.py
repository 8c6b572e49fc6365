"""TLS bounce wordings → TLS-xx (diagnoses.md TLS-19..22): table-driven, each string as the
MTA writes it, and the side that must act."""
from __future__ import annotations

import pytest

from wizard.tls.codes import EITHER, RECIPIENT, SENDER, cause_finding, tls_cause

CASES = [
    # Exchange Online
    ("4.7.5", "450 4.7.5 Remote certificate failed MTA-STS validation. Reason: CertificateHostMismatch",
     "TLS-04", RECIPIENT),
    ("5.7.5", "550 5.7.5 Remote certificate failed MTA-STS validation. Reason: CertificateExpired",
     "TLS-03", RECIPIENT),
    ("4.7.5", "450 4.7.5 Remote certificate failed MTA-STS validation. Reason: Untrusted",
     "TLS-05", RECIPIENT),
    ("5.4.8", "550 5.4.8 MX hosts of example.com failed MTA-STS validation", "TLS-09", RECIPIENT),
    ("5.7.321", "550 5.7.321 starttls-not-supported: Destination mail server must support TLS "
     "to receive mail.", "TLS-01", RECIPIENT),
    ("4.7.322", "451 4.7.322 certificate-expired: Destination mail server's certificate is expired.",
     "TLS-03", RECIPIENT),
    ("5.7.323", "550 5.7.323 tlsa-invalid: The domain failed DANE validation", "TLS-13", RECIPIENT),
    ("5.7.324", "550 5.7.324 dnssec-invalid: Destination domain returned invalid DNSSEC records",
     "TLS-15", RECIPIENT),
    ("5.7.325", "550 5.7.325 certificate-host-mismatch: Remote certificate MUST have a common "
     "name or subject alternative name matching the hostname (DANE)", "TLS-04", RECIPIENT),
    # Postfix: it logs this only at dane-only, its own policy: either side can end it.
    ("4.7.5", "status=deferred (no TLSA records found) dsn=4.7.5", "TLS-12", EITHER),
    ("4.7.5", "status=deferred (non DNSSEC destination)", "TLS-15", EITHER),
    (None, "DANE error: lookup not DNSSEC for mx.example.net", "TLS-15", EITHER),  # Exim, hosts_require_dane
    ("4.7.4", "TLS is required, but was not offered by host mx.example.com[192.0.2.1]",
     "TLS-01", RECIPIENT),
    ("4.7.5", "TLS is required, but host mx.example.com[192.0.2.1] refused to start TLS: 454 "
     "4.7.0 TLS not available", "TLS-02", RECIPIENT),
    ("4.7.5", "Cannot start TLS: handshake failure", "TLS-02", RECIPIENT),
    ("4.7.5", "Server certificate not verified", "TLS-05", RECIPIENT),
    ("4.7.5", "TLSA lookup error for mx.example.com:25", "TLS-15", RECIPIENT),
    ("4.7.5", "TLS policy lookup for example.com/mx.example.com: client TLS configuration problem",
     "TLS-07", RECIPIENT),
    (None, "server certificate verification failed for mx.example.net[192.0.2.1]:25: "
     "num=62:hostname mismatch", "TLS-04", RECIPIENT),
    # Exim
    (None, "a TLS session is required, but the server did not offer TLS support", "TLS-01", RECIPIENT),
    (None, "DANE error: tlsa lookup DEFER", "TLS-15", RECIPIENT),
    (None, "SSL verify error: certificate name mismatch: DN=\"/CN=a\" H=\"mx.example.com\"",
     "TLS-04", RECIPIENT),
    # Gmail: Gmail received in plaintext, so the sender acts (not ARC-07's X.7.29).
    ("4.7.29", "421 4.7.29 Your email has been rate limited because this message wasn't sent "
     "over a TLS connection.", "TLS-22", SENDER),
    ("5.7.0", "530 5.7.0 Must issue a STARTTLS command first", "TLS-22", SENDER),
    # Status codes and "STARTTLS required"
    ("5.7.10", "538 5.7.10 STARTTLS is required to send mail", "TLS-19", SENDER),
    ("5.7.30", "550 5.7.30 Sender requested REQUIRETLS, but no server was found that supports "
     "REQUIRETLS", "TLS-19", SENDER),
    ("4.4.317", "451 4.4.317 STARTTLS is required to send mail", "TLS-01", RECIPIENT),
    ("5.7.10", "550 5.7.10 Encryption needed", "TLS-19", SENDER),
    ("4.7.5", "451 4.7.5 TLS handshake with the next hop timed out", "TLS-19", RECIPIENT),
]


@pytest.mark.parametrize(("status", "text", "fid", "side"), CASES)
def test_tls_wordings_map_to_their_diagnosis(status, text, fid, side):
    cause = tls_cause(status, text)
    assert cause is not None and (cause.id, cause.side) == (fid, side)


@pytest.mark.parametrize(("status", "text"), [
    ("5.7.5", "550 5.7.5 DKIM signature verification failed"),  # X.7.5 without TLS words
    ("5.7.1", "550 5.7.1 Message rejected due to DMARC policy"),
    (None, "550 5.1.1 User unknown"),
])
def test_non_tls_bounces_get_no_tls_cause(status, text):
    assert tls_cause(status, text) is None


def test_the_finding_names_who_must_act():
    finding = cause_finding(tls_cause("5.7.323", "550 5.7.323 tlsa-invalid: The domain failed "
                                      "DANE validation"))
    assert finding.id == "TLS-13" and finding.severity.value == "critical"
    assert "the recipient domain must fix" in finding.detail
    sender = cause_finding(tls_cause("5.7.0", "530 5.7.0 Must issue a STARTTLS command first"))
    assert "the sender's outbound MTA" in sender.detail


def test_long_input_is_searched_in_linear_time():
    import time

    text = "tls " * 200_000
    started = time.perf_counter()
    tls_cause("4.7.5", text)
    assert time.perf_counter() - started < 0.5
