"""rotation.plan as a pure function: grace period arithmetic and states that need facts no
zone file offers (a resolver still caching "no such name", an unknown switch time)."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from wizard.dns.types import DnsAnswer, Status
from wizard.keys import keygen, rotation
from wizard.keys.rotation import RotationFacts, SignerEvidence, State

KEYS = Path(__file__).parents[2] / "keys"
NEW = keygen.load_private_key((KEYS / "rsa2048b.pem").read_bytes())
OLD = keygen.load_private_key((KEYS / "rsa2048a.pem").read_bytes())
NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def _key_answer(resolver: str, key, name: str, ttl: int = 3600) -> DnsAnswer:
    value = f"v=DKIM1; k=rsa; p={key.public_b64}"
    return DnsAnswer(resolver, name, "TXT", Status.OK, ((value[:255], value[255:]),), ttl=ttl)


def _facts(new_answers, old_answers, **kw) -> RotationFacts:
    return RotationFacts("example.com", "s1", "s2", tuple(new_answers), tuple(old_answers), kw.pop("now", NOW),
                         new_key=NEW, **kw)


def test_grace_period_is_at_least_seven_days_and_grows_with_a_long_ttl():
    assert rotation.grace_period(3600) == timedelta(days=7)
    assert rotation.grace_period(None) == timedelta(days=7)
    assert rotation.grace_period(4 * 86400) == timedelta(days=9)


def test_resolver_still_caching_no_such_name():
    new_name = "s2._domainkey.example.com"
    facts = _facts(
        [DnsAnswer("9.9.9.9", new_name, "TXT", Status.NXDOMAIN, ttl=900),
         _key_answer("ns1.example.com (auth)", NEW, new_name)],
        [_key_answer("9.9.9.9", OLD, "s1._domainkey.example.com")],
        resolvers=("9.9.9.9",),
    )
    plan = rotation.plan(facts)
    assert [s.state for s in plan.steps[:3]] == [State.DONE, State.WAITING, State.BLOCKED]
    assert any("up to 900 s" in line for line in plan.steps[1].found)


def test_switch_time_unknown_waits_for_it():
    new_name, old_name = "s2._domainkey.example.com", "s1._domainkey.example.com"
    signer = SignerEvidence("s2", True, None, "it verifies")
    plan = rotation.plan(_facts([_key_answer("r", NEW, new_name)], [_key_answer("r", OLD, old_name, ttl=4 * 86400)],
                                signer=signer))
    assert plan.steps[3].state is State.WAITING and plan.grace_until is None
    given = rotation.plan(_facts([_key_answer("r", NEW, new_name)], [_key_answer("r", OLD, old_name, ttl=4 * 86400)],
                                 signer=signer, switched_at=NOW - timedelta(days=3)))
    assert given.grace_until == NOW + timedelta(days=6)  # 5 days + a 4-day TTL, from 3 days ago


def test_fresh_message_without_our_signature_or_mangled_never_raises():
    plain = b"From: a@example.com\r\nSubject: hi\r\n\r\nbody\r\n"
    assert "no DKIM-Signature" in rotation.signer_evidence(plain, "example.com", {}).detail
    other = b"DKIM-Signature: v=1; a=rsa-sha256; d=other.example; s=x; h=from; bh=AA==; b=AA==\r\n" + plain
    assert "other domains signed it" in rotation.signer_evidence(other, "example.com", {}).detail
    for junk in (b"v=1; d=example.com; s=s2; t=99999999999999999999999",
                 b"d=example.com; s=s2; b=\x00\xff; bh=;;;",
                 b"d=example.com;rm -rf ~; s=$(reboot)"):
        evidence = rotation.signer_evidence(b"DKIM-Signature: " + junk + b"\r\n" + plain, "example.com", {})
        assert not evidence.verified and evidence.signed_at is None
