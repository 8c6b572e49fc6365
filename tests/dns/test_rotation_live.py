"""The rotation assistant against real zones in BIND (tests/zones/fix.test.zone) and fresh
messages signed by dkimpy: each of the five steps is judged from what DNS and the message
really say. rot-old holds key A (tests/keys/rsa2048a.pem), rot-new key B (rsa2048b.pem)."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

import signing
from wizard.dns.session import DnsSession
from wizard.keys import keygen, rotation
from wizard.keys.rotation import State, StepId
from wizard.model.findings import RecordFix

KEYS = Path(__file__).parent.parent / "keys"
KEY_B = keygen.load_private_key((KEYS / "rsa2048b.pem").read_bytes())
SENT = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def _fresh(selector: str, key: str) -> bytes:
    msg = signing.message(from_addr="alice@fix.test")
    return signing.sign(msg, selector, key, domain="fix.test", timestamp=int(SENT.timestamp()))


async def _plan(dns_server, old, new, *, now=SENT, key=KEY_B, message=None):
    session = DnsSession([dns_server.resolver()], timeout=2.0, authority=dns_server.authority)
    facts = await rotation.gather(session, "fix.test", old, new, now=now, new_key=key,
                                  message=message, resolvers=[dns_server.spec])
    return rotation.plan(facts)


def _states(plan) -> list[State]:
    return [s.state for s in plan.steps]


async def test_nothing_published_yet(dns_server):
    plan = await _plan(dns_server, "rot-old", "rot-next")
    assert _states(plan) == [State.TODO, State.BLOCKED, State.BLOCKED, State.BLOCKED, State.BLOCKED]
    publish = plan.current
    assert publish.id is StepId.PUBLISH
    record = publish.run[0]
    assert isinstance(record, RecordFix) and record.name == "rot-next._domainkey.fix.test"
    assert record.value == f"v=DKIM1; k=rsa; p={KEY_B.public_b64}"
    assert "every authoritative server" in publish.done_when


async def test_new_key_everywhere_waiting_for_the_signer(dns_server):
    plan = await _plan(dns_server, "rot-old", "rot-new")
    assert _states(plan)[:3] == [State.DONE, State.DONE, State.TODO]
    assert plan.current.id is StepId.SWITCH
    assert any("ns1.fix.test (auth)" in line for line in plan.steps[0].found)
    assert [c.shell for c in plan.steps[1].run] == [
        f"dig +short TXT rot-new._domainkey.fix.test @127.0.0.1 -p {dns_server.port}"]


async def test_new_selector_holding_the_wrong_key_is_a_problem(dns_server):
    plan = await _plan(dns_server, "rot-old", "good")  # "good" holds key A, not the new key B
    assert plan.steps[0].state is State.PROBLEM and plan.has_problem
    assert any("different key" in line for line in plan.steps[0].found)


async def test_signer_not_switched_yet(dns_server):
    plan = await _plan(dns_server, "rot-old", "rot-new", message=_fresh("rot-old", "rsa2048a"))
    switch = plan.steps[2]
    assert switch.state is State.TODO
    assert "s=rot-old" in switch.found[0] and "still uses the old selector" in switch.found[0]


async def test_signer_switched_and_grace_period_running(dns_server):
    plan = await _plan(dns_server, "rot-old", "rot-new", message=_fresh("rot-new", "rsa2048b"),
                       now=SENT + timedelta(days=2))
    assert _states(plan) == [State.DONE, State.DONE, State.DONE, State.WAITING, State.BLOCKED]
    assert plan.grace_until == SENT + timedelta(days=7)
    assert "s=rot-new, it verifies" in plan.steps[2].found[0]
    assert plan.current.id is StepId.GRACE


async def test_signed_with_the_wrong_key_under_the_new_selector(dns_server):
    plan = await _plan(dns_server, "rot-old", "rot-new", message=_fresh("rot-new", "rsa2048a"))
    assert plan.steps[2].state is State.PROBLEM
    assert "does not verify" in plan.steps[2].found[0]


async def test_after_the_grace_period_revoke_the_old_key(dns_server):
    plan = await _plan(dns_server, "rot-old", "rot-new", message=_fresh("rot-new", "rsa2048b"),
                       now=SENT + timedelta(days=8))
    assert _states(plan) == [State.DONE] * 4 + [State.TODO]
    retire = plan.current
    assert retire.run[0].zone_line == 'rot-old._domainkey.fix.test. 3600 IN TXT "v=DKIM1; p="'


@pytest.mark.parametrize("old", ["revoked", "gone"])
async def test_old_key_removed_too_early_is_a_problem(dns_server, old):
    plan = await _plan(dns_server, old, "rot-new", message=_fresh("rot-new", "rsa2048b"),
                       now=SENT + timedelta(days=2))
    assert plan.steps[3].state is State.PROBLEM
    assert any("removed before the grace period ended" in line for line in plan.steps[3].found)
    assert plan.steps[4].state is State.BLOCKED


@pytest.mark.parametrize("old", ["revoked", "gone"])
async def test_rotation_complete(dns_server, old):
    plan = await _plan(dns_server, old, "rot-new", message=_fresh("rot-new", "rsa2048b"),
                       now=SENT + timedelta(days=8))
    assert _states(plan) == [State.DONE] * 5 and plan.current is None


async def test_same_selector_is_refused(dns_server):
    from wizard.common.dnsname import InvalidName

    with pytest.raises(InvalidName, match="NEW selector"):
        await _plan(dns_server, "rot-old", "ROT-OLD")
