"""DKIM verification against keys served by the real BIND fixture (tests/zones/verify.test.zone).

Messages are signed by dkimpy and, where dkimpy cannot (t=/x= chosen), by Perl's Mail::DKIM.
Expected outcomes follow RFC 6376 (verification), RFC 8301 (rsa-sha1, key sizes) and RFC 8463
(Ed25519)."""
from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest

import dkim
from tests.signing import message, sign, sign_mail_dkim
from wizard.dkim.outcome import EMPTY_BODY_BH
from wizard.dkim.tags import decode_signatures
from wizard.dkim.verify import MAX_SIGNATURES, verify_signatures
from wizard.dns.session import DnsSession
from wizard.input.classify import classify
from wizard.input.message import parse_message

NOW = datetime.now(UTC)


@pytest.fixture
def session(dns_server):
    return DnsSession([dns_server.resolver()], timeout=2.0, compare=False)


async def check(raw: bytes, session, now: datetime = NOW):
    return await verify_signatures(parse_message(raw), session, now=now)


def tag_findings(raw: bytes, now: datetime = NOW) -> list:
    """What the tag checks (wizard.dkim.tags) say first: verification reads those facts
    (a=rsa-sha1, i= outside d=) for its verdict and does not say them again."""
    return list(decode_signatures(parse_message(raw), now=now).findings)


def ids(verdict):
    return {f.id for f in verdict.findings} | {f.id for f in (verdict.key.findings if verdict.key else ())}


@pytest.mark.parametrize("canon", ["relaxed/relaxed", "simple/simple", "relaxed/simple"])
async def test_valid_rsa_signature_passes(session, canon):
    (verdict,) = await check(sign(message(), "rsa2048", "rsa2048a", canon=canon), session)
    assert (verdict.result, verdict.reason) == ("pass", "")
    assert verdict.body_hash.result == "pass" and verdict.header_signature == "pass"
    assert verdict.key.usable and verdict.key.key_bits == 2048 and verdict.warnings == ()
    assert verdict.findings == ()
    assert any(a.name == "rsa2048._domainkey.verify.test" for a in session.answers)


async def test_dkimpy_itself_agrees_through_the_session(session):
    """dkimpy's own verify, its dnsfunc asking through the session from a worker thread."""
    good = sign(message(), "rsa2048", "rsa2048a")
    bad = good.replace(b"attached.", b"attached!")
    await check(good, session)  # fetches the key, so the session knows its event loop

    def dnsfunc(name, timeout=5):
        return session.sync_lookup(name.decode().rstrip("."), "TXT").values[0].encode()

    assert await session.run_in_thread(dkim.verify, good, dnsfunc=dnsfunc) is True
    assert await session.run_in_thread(dkim.verify, bad, dnsfunc=dnsfunc) is False


async def test_garbage_signatures_give_verdicts_not_exceptions(session):
    values = [b"", b";;;", b"v=1; a=rsa-sha256; b=",
              b"v=1; a=rsa-sha256; d=verify.test; s=rsa2048; h=from; bh=!!; b=AAAA",
              b"v=1; a=rsa-sha256; d=verify.test; s=rsa2048; h=from; bh=AAAA; b=AAAA; t=99999999999999999999",
              b"v=1; a=rsa-sha256; d=verify.test; s=rsa2048; h=from; bh=AAAA; b=AAAA; l=5; c=weird",
              b"v=1; a=ed25519-sha256; d=verify.test; s=ed; h=from; bh=AAAA; b=AAAA"]
    raw = b"".join(b"DKIM-Signature: " + v + b"\r\n" for v in values) + message()
    verdicts = await check(raw, session)
    assert len(verdicts) == len(values)
    assert all(v.result in ("permerror", "fail") for v in verdicts)


async def test_ed25519_signature_passes(session):
    (verdict,) = await check(sign(message(), "ed", "ed25519", algorithm="ed25519-sha256"), session)
    assert (verdict.result, verdict.a, verdict.key.key_type) == ("pass", "ed25519-sha256", "ed25519")
    assert verdict.key_matches is True


async def test_ed25519_header_change_names_both_possible_causes(session):
    raw = sign(message(), "ed", "ed25519", algorithm="ed25519-sha256").replace(b"To: bob@", b"To: carol@")
    (verdict,) = await check(raw, session)
    assert (verdict.result, verdict.reason, verdict.key_matches) == ("fail", "signature", None)
    finding = next(f for f in verdict.findings if f.id == "CANON-13")
    assert "or the key does not match" in finding.title


async def test_signature_by_mail_dkim_passes(session):
    raw = sign_mail_dkim(message(), "rsa2048", "rsa2048a", timestamp=int(time.time()))
    (verdict,) = await check(raw, session)
    assert verdict.result == "pass"


async def test_cname_selector_names_the_esp_and_passes(session):
    (verdict,) = await check(sign(message(), "cname", "rsa2048a"), session)
    assert verdict.result == "pass"
    assert verdict.key.cname_chain == ("selector1-verify-test._domainkey.verifytenant.onmicrosoft.com",)
    assert verdict.key.esp == "Microsoft 365" and "DNS-03" in ids(verdict)


async def test_key_in_many_strings_and_large_key(session):
    (many,) = await check(sign(message(), "many", "rsa2048a"), session)
    assert many.result == "pass" and len(many.key.strings[0]) > 5
    (big,) = await check(sign(message(), "big", "rsa4096"), session)
    assert big.result == "pass" and big.key.key_bits == 4096 and "DKIM-KEY-16" in ids(big)


async def test_missing_keys(session):
    (nx,) = await check(sign(message(), "nokey", "rsa2048a"), session)
    assert (nx.result, nx.reason) == ("permerror", "key_not_found") and "DKIM-KEY-01" in ids(nx)
    assert nx.body_hash.result == "pass" and nx.header_signature == "not_checked"
    (nodata,) = await check(sign(message(), "nodata", "rsa2048a"), session)
    assert nodata.reason == "key_not_found" and "DKIM-KEY-02" in ids(nodata)
    (gone,) = await check(sign(message(), "espgone", "rsa2048a"), session)
    assert gone.reason == "key_not_found" and gone.key.esp == "Microsoft 365"
    assert "Microsoft 365 has not activated" in next(f.detail for f in gone.key.findings if f.id == "DKIM-KEY-01")


async def test_revoked_key(session):
    (verdict,) = await check(sign(message(), "revoked", "rsa2048a"), session)
    assert (verdict.result, verdict.reason) == ("permerror", "key_revoked") and verdict.key.revoked


@pytest.mark.parametrize("selector", ["quoted", "pasted"])
async def test_panel_quoting_mistakes(session, selector):
    (verdict,) = await check(sign(message(), selector, "rsa2048a"), session)
    assert (verdict.result, verdict.reason) == ("permerror", "key_syntax")
    assert verdict.key.corrected.startswith("v=DKIM1; k=rsa; p=MIIB") and '"' not in verdict.key.corrected
    # The repaired record would verify: the record is the only problem.
    assert any(f.id == "DKIM-KEY-05" and "corrected" in f.title for f in verdict.findings)
    assert verdict.header_signature == "not_checked"


async def test_truncated_key(session):
    (verdict,) = await check(sign(message(), "trunc", "rsa2048a"), session)
    assert verdict.reason == "key_syntax"
    finding = next(f for f in verdict.key.findings if f.id == "DKIM-KEY-07")
    assert "255" in finding.detail


async def test_two_records_at_selector(session):
    (verdict,) = await check(sign(message(), "split", "rsa2048a"), session)
    assert "DKIM-KEY-04" in ids(verdict) and verdict.result == "permerror"


async def test_wrong_published_key_is_key_mismatch_not_header_change(session):
    (verdict,) = await check(sign(message(), "mismatch", "rsa2048a"), session)
    assert (verdict.result, verdict.reason) == ("fail", "signature")
    assert verdict.body_hash.result == "pass" and verdict.header_signature == "fail"
    assert verdict.key_matches is False
    assert "DKIM-KEY-14" in ids(verdict) and "CANON-13" not in ids(verdict)


async def test_body_changed_header_signature_still_passes(session):
    raw = sign(message(), "rsa2048", "rsa2048a").replace(b"attached.", b"attached!")
    (verdict,) = await check(raw, session)
    assert (verdict.result, verdict.reason) == ("fail", "body_hash")
    assert verdict.body_hash.result == "fail" and verdict.header_signature == "pass"
    assert verdict.body_hash.computed != verdict.body_hash.expected
    finding = next(f for f in verdict.findings if f.id == "CANON-01")
    assert "Body hash: MISMATCH" in finding.evidence[0] and finding.evidence[1] == "Header signature: PASS"


async def test_header_changed_is_header_change_not_key_mismatch(session):
    raw = sign(message(), "rsa2048", "rsa2048a").replace(b"Subject: Quarterly report",
                                                         b"Subject: [list] Quarterly report")
    (verdict,) = await check(raw, session)
    assert (verdict.result, verdict.reason) == ("fail", "signature")
    assert verdict.body_hash.result == "pass" and verdict.key_matches is True
    finding = next(f for f in verdict.findings if f.id == "CANON-13")
    assert any("subject:[list] Quarterly report" in line for line in finding.evidence)
    assert "DKIM-KEY-14" not in ids(verdict)


async def test_headers_only_still_checks_the_header_signature(session):
    raw = sign(message(), "rsa2048", "rsa2048a")
    head = raw.split(b"\r\n\r\n", 1)[0] + b"\r\n"
    (verdict,) = await check(head, session)
    assert verdict.body_hash.result == "not_checked" and verdict.header_signature == "pass"
    assert (verdict.result, verdict.reason) == ("neutral", "body_not_checked")
    # "No body" is said once, by the input stage, not again per signature.
    assert "EVID-04" not in ids(verdict)
    assert [f.id for f in classify(head).findings].count("EVID-04") == 1


async def test_signer_hashed_an_empty_body(session):
    raw = sign(message(body=""), "rsa2048", "rsa2048a") + b"Body added after signing.\r\n"
    (verdict,) = await check(raw, session)
    assert verdict.body_hash.expected == EMPTY_BODY_BH["relaxed"]
    assert "CANON-06" in ids(verdict)


async def test_testing_flag_and_key_hash_restriction(session):
    (testing,) = await check(sign(message(), "testing", "rsa2048a"), session)
    assert testing.result == "pass" and "testing" in testing.warnings
    (sha1only,) = await check(sign(message(), "sha1only", "rsa2048a"), session)
    assert (sha1only.result, sha1only.reason) == ("permerror", "key_hash")
    assert sha1only.header_signature == "pass"  # the maths holds; the key's h= forbids sha256


@pytest.mark.parametrize("bits, result, reason",
                         [(512, "policy", "weak_key"), (768, "policy", "weak_key"), (1024, "pass", "")])
async def test_weak_keys(session, bits, result, reason):
    (verdict,) = await check(sign(message(), f"weak{bits}", f"rsa{bits}"), session)
    assert (verdict.result, verdict.reason) == (result, reason)
    assert verdict.header_signature == "pass" and "weak_key" in verdict.warnings
    assert "DKIM-KEY-08" in ids(verdict)


async def test_rsa_sha1_verifies_but_fails_by_policy(session):
    raw = sign(message(), "rsa2048", "rsa2048a", algorithm="rsa-sha1")
    (verdict,) = await check(raw, session)
    assert (verdict.result, verdict.reason) == ("policy", "sha1")
    assert verdict.body_hash.result == "pass" and verdict.header_signature == "pass"
    assert "DKIM-SIG-05" in [f.id for f in tag_findings(raw)] and "DKIM-SIG-05" not in ids(verdict)


async def test_expired_and_future_signatures_against_the_injected_clock(session):
    signed_at = int(NOW.timestamp()) - 86400
    raw = sign_mail_dkim(message(), "rsa2048", "rsa2048a", timestamp=signed_at, expiration=signed_at + 600)
    (expired,) = await check(raw, session)
    assert (expired.result, expired.reason) == ("fail", "expired") and expired.header_signature == "pass"
    # The verification says what fails this check; the dates and the validity are the tag
    # checks' DKIM-SIG-16, which the report joins to it (wizard.model.findings.merge_findings).
    assert "has passed at the time of this check" in next(f.detail for f in expired.findings if f.id == "DKIM-SIG-16")
    # The same message checked at signing time is fine.
    (then,) = await check(raw, session, now=datetime.fromtimestamp(signed_at + 60, UTC))
    assert then.result == "pass"
    future = sign(message(), "rsa2048", "rsa2048a", timestamp=int(NOW.timestamp()) + 2 * 86400)
    (ahead,) = await check(future, session)
    assert (ahead.result, ahead.reason) == ("fail", "future") and "future" in ahead.warnings
    (slightly,) = await check(future, session, now=NOW + timedelta(days=2) - timedelta(hours=1))
    assert slightly.result == "pass" and "future" in slightly.warnings


async def test_identity_outside_d_and_strict_key(session):
    # dkimpy's signer only checks that i= *ends with* d=, so it signs this one.
    raw = sign(message(), "rsa2048", "rsa2048a", identity="@evilverify.test")
    (outside,) = await check(raw, session)
    assert (outside.result, outside.reason) == ("permerror", "identity_mismatch")
    assert "DKIM-SIG-09" in [f.id for f in tag_findings(raw)]
    (strict,) = await check(sign(message(), "strict", "rsa2048a", identity="@mail.verify.test"), session)
    assert (strict.result, strict.reason) == ("permerror", "identity_mismatch") and "DKIM-KEY-13" in ids(strict)
    (exact,) = await check(sign(message(), "strict", "rsa2048a", identity="@verify.test"), session)
    assert exact.result == "pass"


async def test_key_type_service_and_wildcard(session):
    (ktype,) = await check(sign(message(), "ed", "rsa2048a"), session)
    assert (ktype.result, ktype.reason) == ("permerror", "key_type")
    (service,) = await check(sign(message(), "service", "rsa2048a"), session)
    assert service.result == "permerror" and "DKIM-KEY-11" in ids(service)
    (wild,) = await check(sign(message(), "x", "rsa2048a", domain="wild.verify.test"), session)
    assert wild.reason == "key_syntax" and "DNS-06" in ids(wild)


async def test_body_length_tag_with_appended_footer(session):
    raw = sign(message(), "rsa2048", "rsa2048a", length=True) + b"-- \r\nlist footer\r\n"
    (verdict,) = await check(raw, session)
    assert verdict.result == "pass" and "body_length" in verdict.warnings
    # l= is said once, by the tag checks (no DNS needed), with the unsigned footer shown.
    assert "DKIM-SIG-14" not in ids(verdict)
    decoded = decode_signatures(parse_message(raw), now=NOW)
    (sig14,) = [f for f in decoded.findings if f.id == "DKIM-SIG-14"]
    assert "list footer" in " ".join(sig14.evidence)


async def test_several_signatures_one_failing_one_passing(session):
    once = sign(message(), "rsa2048", "rsa2048a")
    twice = sign(once, "mismatch", "rsa2048a", headers=("from", "subject"))
    first, second = await check(twice, session)
    assert (first.index, first.s, first.result) == (0, "mismatch", "fail")
    assert (second.index, second.s, second.result) == (1, "rsa2048", "pass")


async def test_signature_cap(session):
    raw = message()
    for _ in range(MAX_SIGNATURES + 2):
        raw = sign(raw, "rsa2048", "rsa2048a", headers=("from",))
    verdicts = await check(raw, session)
    assert len(verdicts) == MAX_SIGNATURES
    assert any(f.id == "DKIM-SIG-19" for f in verdicts[-1].findings)
    assert sum(a.name == "rsa2048._domainkey.verify.test" for a in session.answers) == 1


async def test_bad_names_never_reach_dns(session):
    raw = (b"DKIM-Signature: v=1; a=rsa-sha256; d=verify.test;rm -rf; s=x; h=from; bh=AAAA; b=AAAA\r\n"
           + message())
    (verdict,) = await check(raw, session)
    assert verdict.result == "permerror" and verdict.reason == "sig_syntax"
    assert session.answers == ()


async def test_key_at_the_wrong_name_and_sibling_selectors(session):
    (verdict,) = await check(sign(message(), "misplaced", "rsa2048a"), session)
    assert verdict.reason == "key_not_found"
    wrong = next(f for f in verdict.key.findings if f.id == "DNS-07")
    assert "misplaced._domainkey.verify.test.verify.test" in wrong.detail
    assert wrong.fixes[0].name == "misplaced._domainkey.verify.test"
    assert wrong.fixes[0].value.startswith("v=DKIM1; k=rsa; p=MIIB")
