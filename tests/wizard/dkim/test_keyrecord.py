"""Key-record diagnosis from answers built here (the live BIND tests are in tests/dns/)."""
from __future__ import annotations

import base64

from cryptography.hazmat.primitives import serialization
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.signing import private_pem, public_b64
from wizard.dkim.keyrecord import analyze_key, nearby_names
from wizard.dns.types import DnsAnswer, Status
from wizard.model.findings import FixCommand, RecordFix, Severity

NAME = "sel._domainkey.example.com"
A = public_b64("rsa2048a")
KEY_A = f"v=DKIM1; k=rsa; p={A}"


def answer(*records, status=Status.OK, chain=(), size=None, name=NAME):
    strings = tuple(tuple(r) if isinstance(r, tuple) else (r,) for r in records)
    return DnsAnswer("test", name, "TXT", status, strings, cname_chain=chain, size=size)


def ids(report):
    return [f.id for f in report.findings]


def find(report, fid):
    return next(f for f in report.findings if f.id == fid)


def test_good_2048_key_in_two_strings_is_usable_without_findings():
    report = analyze_key(answer((KEY_A[:255], KEY_A[255:])), sig_a="rsa-sha256", sig_d="example.com")
    assert report.usable and report.key_type == "rsa" and report.key_bits == 2048
    assert report.value == KEY_A and report.problem == ""
    assert len(report.fingerprint) == 64
    assert ids(report) == []


def test_nxdomain_nodata_and_servfail_are_told_apart():
    nx = analyze_key(answer(status=Status.NXDOMAIN))
    nodata = analyze_key(answer(status=Status.NODATA))
    servfail = analyze_key(answer(status=Status.SERVFAIL))
    assert (nx.problem, ids(nx)) == ("key_not_found", ["DKIM-KEY-01"])
    assert (nodata.problem, ids(nodata)) == ("key_not_found", ["DKIM-KEY-02"])
    assert servfail.problem == "dns_temperror" and ids(servfail) == ["DKIM-KEY-03"]
    assert "temperror" in find(servfail, "DKIM-KEY-03").detail
    argv = [fix.argv for fix in find(nx, "DKIM-KEY-01").fixes if isinstance(fix, FixCommand)]
    assert ("opendkim-testkey", "-d", "example.com", "-s", "sel", "-vvv") in argv


def test_cname_to_missing_esp_target_names_the_esp():
    target = "s1.domainkey.u123.wl123.sendgrid.net"
    report = analyze_key(answer(status=Status.NXDOMAIN, chain=(target,)))
    assert report.esp == "SendGrid"
    assert "DNS-03" in ids(report)
    detail = find(report, "DKIM-KEY-01").detail
    assert "SendGrid has not activated" in detail and target in detail


def test_two_records_that_are_halves_of_one_key():
    report = analyze_key(answer(KEY_A[:200], KEY_A[200:]), sig_a="rsa-sha256")
    finding = find(report, "DKIM-KEY-04")
    assert finding.severity == Severity.ERROR
    assert any("fragment (no p=)" in line for line in finding.evidence)
    assert finding.fixes == (RecordFix(NAME, "TXT", KEY_A, finding.fixes[0].purpose),)
    assert not report.usable  # the first half alone is a truncated key


def test_literal_quotes_give_syntax_error_and_the_corrected_value():
    report = analyze_key(answer(f'v=DKIM1; k=rsa; p="{A}"'), sig_a="rsa-sha256")
    finding = find(report, "DKIM-KEY-05")
    assert report.problem == "key_syntax" and not report.usable
    assert any("literal quote" in line for line in finding.evidence)
    assert report.corrected == KEY_A
    assert RecordFix(NAME, "TXT", KEY_A, "publish the corrected key record") in finding.fixes


def test_quoted_halves_pasted_into_one_field():
    bad = f'v=DKIM1; k=rsa; p={A[:150]}" "{A[150:]}'
    report = analyze_key(answer(bad), sig_a="rsa-sha256")
    finding = find(report, "DKIM-KEY-05")
    assert any('" "' in line for line in finding.evidence)
    assert report.corrected == KEY_A


def test_escaped_semicolons_pem_header_smart_quotes_and_v_not_first():
    cases = {
        f"v=DKIM1\\; k=rsa\\; p={A}": "backslash",
        f"v=DKIM1; k=rsa; p=-----BEGIN PUBLIC KEY-----{A}-----END PUBLIC KEY-----": "PEM",
        f"v=DKIM1; k=rsa; p=\u201c{A}\u201d": "typographic quote",
        f"k=rsa; v=DKIM1; p={A}": "v= must be the first tag",
    }
    for value, marker in cases.items():
        report = analyze_key(answer(value), sig_a="rsa-sha256")
        finding = find(report, "DKIM-KEY-05")
        assert any(marker in line for line in finding.evidence), (value, finding.evidence)
        assert report.corrected == KEY_A, value


def test_revoked_key():
    report = analyze_key(answer("v=DKIM1; k=rsa; p="), sig_a="rsa-sha256")
    assert report.revoked and not report.usable and report.problem == "key_revoked"
    assert find(report, "DKIM-KEY-06").severity == Severity.ERROR


def test_key_cut_at_255_characters():
    report = analyze_key(answer(KEY_A[:255]), sig_a="rsa-sha256")
    finding = find(report, "DKIM-KEY-07")
    assert report.problem == "key_syntax"
    assert "255" in finding.detail and "DNS-01" in finding.detail
    assert "2048-bit key has 392" in finding.detail


def test_private_key_pasted_as_p():
    key = serialization.load_pem_private_key(private_pem("rsa1024"), password=None)
    der = key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    report = analyze_key(answer(f"v=DKIM1; p={base64.b64encode(der).decode()}"))
    assert "PRIVATE key" in find(report, "DKIM-KEY-07").detail


def test_key_sizes():
    sizes = {}
    for key in ("rsa512", "rsa768", "rsa1024", "rsa2048a"):
        report = analyze_key(answer(f"v=DKIM1; p={public_b64(key)}"), sig_a="rsa-sha256")
        found = [f for f in report.findings if f.id == "DKIM-KEY-08"]
        sizes[report.key_bits] = found[0].severity if found else None
    assert sizes == {512: Severity.ERROR, 768: Severity.ERROR, 1024: Severity.WARN, 2048: None}
    report = analyze_key(answer(f"v=DKIM1; p={public_b64('rsa1024')}"))
    argv = [fix.argv[0] for fix in find(report, "DKIM-KEY-08").fixes]
    assert argv == ["sh", "openssl"]


def test_ed25519_key_and_type_mismatch():
    ed = f"v=DKIM1; k=ed25519; p={public_b64('ed25519')}"
    good = analyze_key(answer(ed), sig_a="ed25519-sha256")
    assert good.usable and good.key_type == "ed25519" and good.key_bits == 256
    wrong = analyze_key(answer(ed), sig_a="rsa-sha256")
    assert wrong.problem == "key_type" and "DKIM-KEY-09" in ids(wrong)


def test_key_hash_restriction_service_and_flags():
    sha1 = analyze_key(answer(f"v=DKIM1; h=sha1; p={A}"), sig_a="rsa-sha256")
    assert sha1.problem == "key_hash" and "DKIM-KEY-10" in ids(sha1)
    assert analyze_key(answer(f"v=DKIM1; h=sha1:sha256; p={A}"), sig_a="rsa-sha256").usable
    service = analyze_key(answer(f"v=DKIM1; s=foo; p={A}"), sig_a="rsa-sha256")
    assert "DKIM-KEY-11" in ids(service) and not service.usable
    testing = analyze_key(answer(f"v=DKIM1; t=y; p={A}"), sig_a="rsa-sha256")
    assert testing.testing and testing.usable and find(testing, "DKIM-KEY-12").severity == Severity.WARN
    strict = analyze_key(answer(f"v=DKIM1; t=s; p={A}"), sig_a="rsa-sha256",
                         sig_i_domain="mail.example.com", sig_d="example.com")
    assert strict.problem == "identity_mismatch" and "DKIM-KEY-13" in ids(strict)
    same = analyze_key(answer(f"v=DKIM1; t=s; p={A}"), sig_a="rsa-sha256",
                       sig_i_domain="example.com", sig_d="example.com")
    assert same.usable


def test_obsolete_and_unknown_tags_are_info_only():
    report = analyze_key(answer(f"v=DKIM1; g=*; x=1; p={A}"), sig_a="rsa-sha256")
    assert report.usable
    assert [f.severity for f in report.findings if f.id == "DKIM-KEY-15"] == [Severity.INFO, Severity.INFO]


def test_large_response_warns_with_its_size():
    report = analyze_key(answer(f"v=DKIM1; p={public_b64('rsa4096')}", size=824), sig_a="rsa-sha256")
    assert report.key_bits == 4096
    assert "824 bytes" in find(report, "DKIM-KEY-16").detail


def test_wildcard_spf_answer_for_a_key_name():
    probe = answer("v=spf1 -all", name="mailtriage-probe._domainkey.example.com")
    report = analyze_key(answer("v=spf1 -all"), sig_a="rsa-sha256", probe=probe)
    assert {"DNS-06", "DKIM-KEY-05"} <= set(ids(report)) and report.problem == "key_syntax"


def test_control_characters_in_strings_are_shown_escaped():
    report = analyze_key(answer(f"v=DKIM1; p=\x1b[31m{A}"), sig_a="rsa-sha256")
    evidence = " ".join(line for f in report.findings for line in f.evidence)
    assert "\x1b" not in evidence and "\\x1b" in evidence


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(st.text(max_size=300), min_size=1, max_size=3), max_size=3),
       st.sampled_from(["rsa-sha256", "rsa-sha1", "ed25519-sha256", "", "x"]))
def test_any_answer_gives_a_report_never_an_exception(records, sig_a):
    report = analyze_key(answer(*[tuple(r) for r in records]), sig_a=sig_a, sig_i_domain="a.example.com",
                         sig_d="example.com")
    assert report.usable == (report.problem == "" and bool(report.fingerprint))


def test_missing_key_lists_selectors_that_exist_and_wrong_names():
    names = nearby_names(NAME)
    assert "sel._domainkey.example.com.example.com" in names and "sel.domainkey.example.com" in names
    assert "selector1._domainkey.example.com" in names
    nearby = tuple(
        answer(KEY_A, name=n) if n in ("selector1._domainkey.example.com", "google._domainkey.example.com")
        else answer(status=Status.NXDOMAIN, name=n)
        for n in names
    )
    report = analyze_key(answer(status=Status.NXDOMAIN), sig_a="rsa-sha256", nearby=nearby)
    assert "google, selector1" in find(report, "DKIM-KEY-01").detail
    assert "DNS-07" not in ids(report)
