"""ARC chains sealed by dkimpy's arc_sign and validated against keys on the BIND fixture
(arc._domainkey.lists.verify.test and arc._domainkey.fwd.verify.test)."""
from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.signing import arc_seal, arc_seal_mail_dkim, message, sign
from wizard.arc.tags import decode_arc
from wizard.arc.verify import verify_arc
from wizard.dkim.verify import verify_signatures
from wizard.dns.session import DnsSession
from wizard.input.message import parse_message

SEEN_AT_LIST = ("spf=pass smtp.mailfrom=verify.test; dkim=pass header.d=verify.test header.s=rsa2048; "
                "dmarc=pass header.from=verify.test")


@pytest.fixture
def session(dns_server):
    return DnsSession([dns_server.resolver()], timeout=2.0, compare=False)


def through_list(raw: bytes) -> bytes:
    """What a mailing list does: authenticate, change subject and body, seal (i=1)."""
    changed = raw.replace(b"Subject: Quarterly report", b"Subject: [team] Quarterly report") + b"-- \r\nteam list\r\n"
    return arc_seal(changed, "arc", "rsa2048a", domain="lists.verify.test", srv_id="lists.verify.test",
                    results=SEEN_AT_LIST)


def through_forwarder(raw: bytes) -> bytes:
    """A second hop that validated the chain (arc=pass) and seals again (i=2, cv=pass)."""
    return arc_seal(raw, "arc", "rsa2048a", domain="fwd.verify.test", srv_id="fwd.verify.test",
                    results="arc=pass; spf=fail smtp.mailfrom=verify.test; dkim=fail header.d=verify.test")


def ids(report):
    return [f.id for f in report.findings]


def structure_ids(raw: bytes) -> list[str]:
    """The structure and cv= findings (ARC-02/03): wizard.arc.tags says them, before DNS."""
    return [f.id for f in decode_arc(parse_message(raw)).findings]


async def test_no_arc_headers(session):
    report = await verify_arc(parse_message(message()), session)
    assert (report.result, report.instances, report.findings) == ("none", (), ())


async def test_one_hop_list_passes_and_tells_the_original_story(session):
    raw = through_list(sign(message(), "rsa2048", "rsa2048a"))
    msg = parse_message(raw)
    dkim_now = await verify_signatures(msg, session, now=datetime.now(UTC))
    assert dkim_now[0].reason == "body_hash"
    report = await verify_arc(msg, session, dkim_verdicts=dkim_now)
    assert report.result == "pass" and report.broken_at is None
    (hop,) = report.instances
    assert (hop.instance, hop.seal_d, hop.cv, hop.ams, hop.seal) == (1, "lists.verify.test", "none", "pass", "pass")
    assert "dkim=pass (header.d=verify.test" in report.original
    story = next(f for f in report.findings if f.id == "ARC-05")
    assert "DKIM fails now (body hash" in story.detail and "trusts the ARC sealer(s) lists.verify.test" in story.detail
    trust = next(f for f in report.findings if f.id == "ARC-06")
    assert any("AMS pass" in line and "AS pass" in line for line in trust.evidence)
    assert any(a.name == "arc._domainkey.lists.verify.test" for a in session.answers)


async def test_two_hops_pass_even_when_the_older_ams_breaks(session):
    once = through_list(sign(message(), "rsa2048", "rsa2048a"))
    # The forwarder changes the body before sealing: AMS i=1 breaks, AMS i=2 covers the change.
    raw = through_forwarder(once + b"forwarded by fwd.verify.test\r\n")
    report = await verify_arc(parse_message(raw), session)
    assert report.result == "pass"
    first, second = report.instances
    assert (second.instance, second.cv, second.ams, second.seal) == (2, "pass", "pass", "pass")
    assert first.seal == "pass" and first.ams_body_hash.result == "fail"


async def test_body_changed_after_the_last_seal_breaks_the_chain(session):
    raw = through_forwarder(through_list(sign(message(), "rsa2048", "rsa2048a"))) + b"appended later\r\n"
    report = await verify_arc(parse_message(raw), session)
    assert report.result == "fail" and report.broken_at == 2
    finding = next(f for f in report.findings if f.id == "ARC-04")
    assert "body changed after this hop sealed it" in finding.detail
    assert report.instances[1].ams_body_hash.result == "fail"
    assert report.instances[1].ams_header_signature == "pass"


async def test_missing_ams_is_a_structural_failure(session):
    raw = through_forwarder(through_list(sign(message(), "rsa2048", "rsa2048a")))
    lines = raw.split(b"\r\n")
    start = next(i for i, line in enumerate(lines) if line.startswith(b"ARC-Message-Signature: i=2"))
    end = start + 1
    while lines[end][:1] in (b" ", b"\t"):
        end += 1
    raw = b"\r\n".join(lines[:start] + lines[end:])
    report = await verify_arc(parse_message(raw), session)
    assert report.result == "fail" and "ARC-02" in structure_ids(raw)
    assert "ARC-04" not in ids(report)  # the structure fails the chain before any signature


async def test_seal_with_wrong_key_fails(session):
    raw = arc_seal(sign(message(), "rsa2048", "rsa2048a"), "arc", "rsa2048b", domain="lists.verify.test",
                   srv_id="lists.verify.test", results=SEEN_AT_LIST)
    report = await verify_arc(parse_message(raw), session)
    assert report.result == "fail" and report.broken_at == 1
    (hop,) = report.instances
    assert (hop.ams, hop.seal) == ("fail", "fail")
    assert hop.ams_body_hash.result == "pass" and hop.ams_header_signature == "fail"


async def test_garbage_arc_headers_give_a_failed_chain_not_an_exception(session):
    raw = (b"ARC-Seal: i=1; a=rsa-sha256; cv=none; d=lists.verify.test; s=arc; b=!!!\r\n"
           b"ARC-Message-Signature: i=1; this is not a tag list\r\n"
           b"ARC-Authentication-Results: i=1; \x1b]52;c;aGk=\x07 spf=pass\r\n"
           b"ARC-Seal: i=3; cv=pass\r\n") + message()
    report = await verify_arc(parse_message(raw), session)
    assert report.result == "fail" and "ARC-02" in structure_ids(raw)
    shown = " ".join(line for f in report.findings for line in (f.detail, *f.evidence))
    assert "\x1b" not in shown and "\x07" not in shown


async def test_second_hop_claiming_cv_none_breaks_the_chain(session):
    once = through_list(sign(message(), "rsa2048", "rsa2048a"))
    raw = arc_seal_mail_dkim(once, "arc", "rsa2048a", domain="fwd.verify.test", chain="none",
                             results="spf=fail smtp.mailfrom=verify.test")
    report = await verify_arc(parse_message(raw), session)
    assert report.result == "fail" and report.broken_at == 2
    assert [i.cv for i in report.instances] == ["none", "none"]
    assert "ARC-03" in structure_ids(raw)


async def test_mail_dkim_sealed_second_hop_validates(session):
    once = through_list(sign(message(), "rsa2048", "rsa2048a"))
    raw = arc_seal_mail_dkim(once, "arc", "rsa2048a", domain="fwd.verify.test", chain="pass",
                             results="arc=pass; spf=fail smtp.mailfrom=verify.test")
    report = await verify_arc(parse_message(raw), session)
    assert report.result == "pass" and [i.seal for i in report.instances] == ["pass", "pass"]
