"""The DKIM key rotation assistant: five steps, each checked against live DNS (CAUSE-14).

1. publish  — the new key under a NEW selector, on every authoritative server;
2. propagate — every chosen resolver sees it (negative answers cached before it existed
               expire after the SOA's negative TTL, DNS-04);
3. switch   — the signer uses the new selector: a freshly sent message has s=<new> and
               verifies;
4. grace    — the old key stays published until the grace period ends;
5. retire   — only then revoke the old key with an empty p= (and delete it later).

`gather()` does the I/O and returns `RotationFacts`; `plan()` is a pure function of those
facts and the clock, so every state is testable without a network. The assistant never
changes DNS or the signer itself: each step says what to run and what "done" looks like.
"""
from __future__ import annotations

import asyncio
import enum
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from msgspec import Struct

import dkim
from wizard import fixes
from wizard.common.dnsname import InvalidName, check_name
from wizard.common.safe_text import sanitize, shorten
from wizard.dkim.pubkey import describe_public_key
from wizard.dkim.taglist import TagList, parse_tags
from wizard.dns.session import is_authoritative
from wizard.dns.types import DnsAnswer
from wizard.input.message import Message, parse_message
from wizard.keys.keygen import DkimKey
from wizard.keys.match import Lookups, compare_answer, key_type_of, published_p
from wizard.model.findings import FixCommand, RecordFix

# Queued mail signed with the old key is retried for up to about five days (CAUSE-14); seven
# days leaves margin for that and for late re-verification.
MIN_GRACE = timedelta(days=7)
# Added to the queue lifetime: a cache that fetched the old record just before it changes
# keeps serving the old answer for one TTL, so changes are seen unevenly for that long.
QUEUE_LIFETIME = timedelta(days=5)


def grace_period(old_ttl: int | None) -> timedelta:
    """How long the old key must stay published after the signer switched."""
    return max(MIN_GRACE, QUEUE_LIFETIME + timedelta(seconds=old_ttl or 0))


class StepId(enum.StrEnum):
    PUBLISH = "publish"
    PROPAGATE = "propagate"
    SWITCH = "switch"
    GRACE = "grace"
    RETIRE = "retire"


class State(enum.StrEnum):
    DONE = "done"
    TODO = "to do"  # nothing of it is visible yet: this is the step to work on
    WAITING = "waiting"  # under way; time or caches must pass
    PROBLEM = "problem"  # something is wrong and must be fixed before going on
    BLOCKED = "not yet"  # an earlier step must be done first


class Step(Struct, frozen=True):
    id: StepId
    number: int
    title: str
    run: tuple[FixCommand | RecordFix, ...]  # what to run or publish for this step
    done_when: str  # what "done" looks like
    state: State
    found: tuple[str, ...]  # what the live check saw, one sanitised line each


class SignerEvidence(Struct, frozen=True):
    """What a freshly sent message says about the signer."""

    selector: str | None  # s= of the signature with d=<domain>; None if no such signature
    verified: bool
    signed_at: datetime | None  # the signature's t=
    detail: str  # plain sentence: dkimpy's verdict or why there is nothing to verify


class RotationFacts(Struct, frozen=True):
    domain: str
    old: str
    new: str
    new_answers: tuple[DnsAnswer, ...]  # the new selector, on every resolver + authoritative
    old_answers: tuple[DnsAnswer, ...]
    now: datetime
    new_key: DkimKey | None = None  # the new private key, when given: the record must match it
    new_key_path: str | None = None  # where that key is, for the commands shown
    signer: SignerEvidence | None = None  # from a fresh message, when given
    switched_at: datetime | None = None  # when the signer switched (user's word or t=)
    resolvers: tuple[str, ...] = ()  # the user's --resolver specs, for the dig commands


class Plan(Struct, frozen=True):
    steps: tuple[Step, ...]
    grace_until: datetime | None

    @property
    def current(self) -> Step | None:
        """The first step that is not done: where the user is."""
        return next((s for s in self.steps if s.state is not State.DONE), None)

    @property
    def has_problem(self) -> bool:
        return any(s.state is State.PROBLEM for s in self.steps)


def _lines(answers: Sequence[DnsAnswer]) -> tuple[str, ...]:
    out = []
    for a in answers:
        if a.status.answered:
            shown = "; ".join(shorten(sanitize(v, one_line=True), 90) for v in a.values) or "(empty)"
            out.append(f"{a.resolver}: {shown}")
        else:
            out.append(f"{a.resolver}: {a.status}" + (f" ({sanitize(a.error, one_line=True)})" if a.error else ""))
    return tuple(out)


def _usable_key(answer: DnsAnswer, key: DkimKey | None) -> tuple[bool, str]:
    """Does this answer hold a usable key (the given one, if any)? With the reason if not."""
    if not answer.status.answered:
        return False, str(answer.status)
    if key is not None:
        diffs = compare_answer(key, answer)
        return (not diffs, "; ".join(d.detail for d in diffs))
    for value in answer.values:
        p = published_p(value)
        if p and describe_public_key(p, key_type_of(value)) is not None:
            return True, ""
    return False, "no usable key in the record"


def _is_live_key(answer: DnsAnswer) -> bool:
    """The old selector still holds a key (not revoked, not gone)."""
    return answer.status.answered and any(published_p(v) for v in answer.values)


def _mailtriage(*argv: str, purpose: str) -> FixCommand:
    return FixCommand(("mailtriage", *argv), purpose)


def plan(facts: RotationFacts) -> Plan:
    """The five steps with their states, from live facts. Pure."""
    d, old, new = facts.domain, facts.old, facts.new
    new_name, old_name = fixes.dkim_key_name(d, new), fixes.dkim_key_name(d, old)
    resolver_flags = tuple(x for spec in facts.resolvers for x in ("--resolver", spec))
    auth = [a for a in facts.new_answers if is_authoritative(a)]
    chosen = [a for a in facts.new_answers if not is_authoritative(a)]

    # 1. publish
    publish_run: list[FixCommand | RecordFix] = []
    if facts.new_key is not None:
        publish_run.append(fixes.publish_dkim_key(d, new, facts.new_key.public_b64, facts.new_key.key_type))
    else:
        publish_run.append(_mailtriage(
            "keygen", "--domain", d, "--selector", new,
            purpose=f"make the new key and print the record to publish at {new_name}",
        ))
    publish_run.append(fixes.dig_authoritative(new_name, d))
    checks = [(a, *_usable_key(a, facts.new_key)) for a in auth]
    wrong = [(a, why) for a, ok, why in checks if a.status.answered and not ok]
    if not auth:
        # No name servers found (or none reachable): judge by the chosen resolvers alone.
        checks = [(a, *_usable_key(a, facts.new_key)) for a in chosen]
        wrong = [(a, why) for a, ok, why in checks if a.status.answered and not ok]
    found = list(_lines(auth or chosen))
    if not auth:
        found.append("the zone's authoritative servers were not asked or not found; judged by the resolvers")
    if wrong:
        publish_state = State.PROBLEM
        found += [f"{a.resolver}: {sanitize(why, one_line=True)}" for a, why in wrong]
        publish_run.append(_mailtriage(
            "record-check", "--domain", d, "--selector", new, "--key", facts.new_key_path or "NEW.private",
            *resolver_flags,
            purpose="name the exact difference between the published record and the key",
        ))
    elif checks and all(ok for _, ok, _ in checks):
        publish_state = State.DONE
    elif any(ok for _, ok, _ in checks):
        publish_state = State.WAITING
    else:
        publish_state = State.TODO
    steps = [Step(
        StepId.PUBLISH, 1, f"Publish the new key under the new selector {new}",
        tuple(publish_run),
        f"every authoritative server of {d} answers {new_name} with the new key"
        + (" (the record matches the new private key)" if facts.new_key else ""),
        publish_state, tuple(found),
    )]

    # 2. propagate
    seen = [(a, *_usable_key(a, facts.new_key)) for a in chosen]
    if publish_state is not State.DONE:
        state = State.BLOCKED
    elif seen and all(ok for _, ok, _ in seen):
        state = State.DONE
    else:
        state = State.WAITING
    negative = [a.ttl for a in chosen if not a.status.answered and a.ttl]
    found = list(_lines(chosen))
    if negative:
        found.append(f"resolvers may keep a cached 'no such name' for up to {max(negative)} s (DNS-04)")
    steps.append(Step(
        StepId.PROPAGATE, 2, "Wait until every resolver sees the new key",
        fixes.dig_txt(new_name, facts.resolvers),
        f"every resolver answers {new_name} with the new key",
        state, tuple(found),
    ))

    # 3. switch
    signer = facts.signer
    verify_run: tuple[FixCommand, ...] = (
        _mailtriage("rotate", "--domain", d, "--old", old, "--new", new, "--message", "FRESH.eml",
                    *resolver_flags, purpose="re-check with a message sent after the switch"),
        fixes.opendkim_testkey(d, new, facts.new_key_path),
    )
    fresh: tuple[str, ...]  # what the fresh message showed
    if steps[-1].state is not State.DONE:
        state, fresh = State.BLOCKED, ()
    elif signer is None:
        state, fresh = State.TODO, ("no fresh message given: send one to yourself after the switch",)
    elif signer.selector == new and signer.verified:
        state, fresh = State.DONE, (f"fresh message: s={new}, {signer.detail}",)
    elif signer.selector == new:
        state, fresh = State.PROBLEM, (f"fresh message: s={new} but {signer.detail}",)
    else:
        shown = sanitize(signer.selector, one_line=True) if signer.selector else "none"
        if signer.selector == old:
            state, why = State.TODO, "the signer still uses the old selector"
        else:
            state, why = State.PROBLEM, f"neither {old} nor {new}: check the signer's configuration"
        fresh = (f"fresh message: s={shown}, {signer.detail}: {why}",)
    steps.append(Step(
        StepId.SWITCH, 3, f"Switch the signer to selector {new} and the new private key",
        verify_run,
        f"a message sent now carries s={new} in its DKIM-Signature (d={d}) and verifies",
        state, fresh,
    ))

    # 4. grace
    switch_done = state is State.DONE
    switched_at = facts.switched_at or (signer.signed_at if signer and switch_done else None)
    old_ttl = max((a.ttl for a in facts.old_answers if a.status.answered and a.ttl), default=None)
    grace_until = switched_at + grace_period(old_ttl) if switched_at else None
    old_live = [a for a in facts.old_answers if _is_live_key(a)]
    still_everywhere = bool(facts.old_answers) and len(old_live) == len(facts.old_answers)
    found = list(_lines(facts.old_answers))
    if grace_until:
        found.append(f"grace period ends {grace_until:%Y-%m-%d %H:%M} UTC "
                     f"({grace_period(old_ttl).days} days after the switch)")
    if not switch_done:
        state = State.BLOCKED if still_everywhere else State.PROBLEM
        if not still_everywhere:
            found.append(f"the old key is gone while the signer may still use it: publish {old_name} again")
    elif grace_until is None:
        state = State.WAITING
        found.append("switch time unknown: pass --switched-at, or the fresh message's t= is used")
    elif facts.now >= grace_until:
        state = State.DONE
    elif still_everywhere:
        state = State.WAITING
    else:
        state = State.PROBLEM
        found.append("the old key was removed before the grace period ended: mail still queued "
                     "will fail DKIM; publish it again")
    steps.append(Step(
        StepId.GRACE, 4, f"Keep the old key {old} published during the grace period",
        fixes.dig_txt(old_name, facts.resolvers),
        f"{old_name} still answers with the old key everywhere until "
        + (f"{grace_until:%Y-%m-%d %H:%M} UTC" if grace_until else "7 days after the switch"),
        state, tuple(found),
    ))

    # 5. retire
    gone = bool(facts.old_answers) and not old_live
    if steps[-1].state is not State.DONE:
        state = State.BLOCKED
    elif gone:
        state = State.DONE
    elif old_live and len(old_live) < len(facts.old_answers):
        state = State.WAITING
    else:
        state = State.TODO
    steps.append(Step(
        StepId.RETIRE, 5, f"Revoke the old key {old}, then delete it later",
        (fixes.revoke_dkim_key(d, old), *fixes.dig_txt(old_name, facts.resolvers)),
        f"{old_name} answers v=DKIM1; p= (revoked) or no longer exists, on every resolver; "
        "delete the record some weeks after revoking",
        state, _lines(facts.old_answers) if steps[-1].state is State.DONE else (),
    ))
    return Plan(tuple(steps), grace_until)


def _our_signature(message: Message, domain: str) -> tuple[int, str, TagList] | None:
    """(index among DKIM-Signature fields, s=, tags) of the first signature by `domain`."""
    for index, header in enumerate(message.get_all("DKIM-Signature")):
        tags = parse_tags(header.unfolded)
        try:
            if check_name(tags.get("d") or "") == domain:
                return index, check_name(tags.get("s") or ""), tags
        except InvalidName:
            continue  # a d= or s= we would not look up is not the signer we are after
    return None


def _signed_at(tags: TagList) -> datetime | None:
    t = (tags.get("t") or "").strip()
    try:
        return datetime.fromtimestamp(int(t), UTC) if t.isdigit() else None
    except (OverflowError, OSError, ValueError):  # a t= beyond what a datetime holds
        return None


def signature_selector(raw: bytes, domain: str) -> str | None:
    """s= of the fresh message's signature by `domain` (to know which key to fetch)."""
    found = _our_signature(parse_message(raw), check_name(domain))
    return found[1] if found else None


def signer_evidence(raw: bytes, domain: str, keys: dict[str, str]) -> SignerEvidence:
    """Read the fresh message's DKIM-Signature for `domain` and verify it with dkimpy.

    `keys` maps key names (`s._domainkey.d`) to the TXT value already fetched, so dkimpy
    verifies against exactly the answers shown to the user (its dnsfunc hook)."""
    message = parse_message(raw)
    d = check_name(domain)
    found = _our_signature(message, d)
    if found is None:
        if message.get_all("DKIM-Signature"):
            return SignerEvidence(None, False, None, f"no DKIM-Signature with d={d} (other domains signed it)")
        return SignerEvidence(None, False, None, "the message has no DKIM-Signature")
    index, selector, tags = found

    def dnsfunc(name: bytes, timeout: float = 5) -> bytes | None:
        value = keys.get(name.decode("ascii", "replace").rstrip(".").lower())
        return None if value is None else value.encode("utf-8")

    try:
        verified = dkim.DKIM(message.canonical).verify(idx=index, dnsfunc=dnsfunc)
    except dkim.DKIMException as exc:
        return SignerEvidence(selector, False, _signed_at(tags),
                              f"it does not verify: {sanitize(str(exc), one_line=True)}")
    except Exception as exc:  # noqa: BLE001 - dkimpy lets IndexError and friends out on mangled input
        return SignerEvidence(selector, False, _signed_at(tags), f"dkimpy could not read it: {type(exc).__name__}")
    detail = "it verifies" if verified else "it does not verify (dkimpy: signature check failed)"
    return SignerEvidence(selector, bool(verified), _signed_at(tags), detail)


async def gather(
    session: Lookups,
    domain: str,
    old: str,
    new: str,
    *,
    now: datetime,
    new_key: DkimKey | None = None,
    new_key_path: str | None = None,
    message: bytes | None = None,
    switched_at: datetime | None = None,
    resolvers: Sequence[str] = (),
) -> RotationFacts:
    """Look everything up (concurrently) and verify the fresh message, if any."""
    d, s_old, s_new = check_name(domain), check_name(old), check_name(new)
    if s_old == s_new:
        raise InvalidName("the new selector must differ from the old one: rotate to a NEW selector")
    new_answers, old_answers = await asyncio.gather(
        session.lookup_everywhere(fixes.dkim_key_name(d, s_new), "TXT"),
        session.lookup_everywhere(fixes.dkim_key_name(d, s_old), "TXT"),
    )
    signer = None
    if message is not None:
        keys: dict[str, str] = {}
        selector = signature_selector(message, d)
        if selector is not None:
            name = fixes.dkim_key_name(d, selector)
            answer = await session.lookup(name, "TXT")
            if answer.status.answered and answer.values:
                keys[name] = answer.values[0]
        # dkimpy's RSA/Ed25519 work is CPU-bound: keep it off the event loop.
        signer = await asyncio.to_thread(signer_evidence, message, d, keys)
    return RotationFacts(
        d, s_old, s_new, tuple(new_answers), tuple(old_answers), now,
        new_key=new_key, new_key_path=new_key_path, signer=signer, switched_at=switched_at, resolvers=tuple(resolvers),
    )
