"""Where the policy record is: RFC 7489's two names (the Public Suffix List's organisational
domain) and RFC 9989's DNS tree walk, each asked through our DNS layer so every query is
recorded. The pure rules (which names, what the answers mean) are in wizard.dmarc.orgdomain."""
from __future__ import annotations

import asyncio
from collections.abc import Sequence

from msgspec import Struct

from wizard.dmarc.orgdomain import WalkStep, psl_org_domain, treewalk_org_domain, walk_names
from wizard.dmarc.record import DmarcRecord, parse_record
from wizard.dns.types import DnsAnswer, Lookup
from wizard.model.dmarc import DmarcLookup as DmarcLookup

RFC7489 = "RFC 7489"
RFC9989 = "RFC 9989"



async def _dmarc_lookup(domain: str, lookup: Lookup) -> DmarcLookup:
    answer = await lookup(f"_dmarc.{domain}", "TXT")
    records: list[DmarcRecord] = []
    others: list[DmarcRecord] = []
    for value in answer.values if answer.status.answered else ():
        record = parse_record(value, about=f"_dmarc.{domain}")
        (records if record.is_dmarc else others).append(record)
    return DmarcLookup(domain, answer, tuple(records), tuple(others))


class Discovery(Struct, frozen=True):
    """Where one rule set found the policy record (or why it found none)."""

    rfc: str
    steps: tuple[DmarcLookup, ...]  # every name asked, in the order the rules ask them
    found: DmarcLookup | None  # the step whose record applies
    org_domain: str
    org_reason: str
    how: str  # "exact domain", "organisational domain (PSL)", "tree walk step 2", ""
    error: str = ""  # "temperror" / "permerror" when discovery itself failed
    uncertain: tuple[str, ...] = ()  # tree walk: domains whose query failed
    discarded: tuple[DmarcLookup, ...] = ()  # names holding several records (DMARC-02)


def memo(lookup: Lookup) -> Lookup:
    """One task per (name, type) for the duration of one check, so the two rule sets and
    the tree walks of several domains never ask the same question twice."""
    tasks: dict[tuple[str, str], asyncio.Task[DnsAnswer]] = {}

    async def memo(name: str, rdtype: str) -> DnsAnswer:
        key = (name.lower(), rdtype.upper())
        if key not in tasks:
            tasks[key] = asyncio.ensure_future(lookup(name, rdtype))
        return await tasks[key]

    return memo


async def discover_7489(domain: str, lookup: Lookup) -> Discovery:
    """RFC 7489 §6.6.3: `_dmarc.<domain>`, then `_dmarc.<organisational domain>`; both are
    asked at once because the second is usually needed and they are independent."""
    org = psl_org_domain(domain)
    reason = "Public Suffix List (publicsuffixlist package, bundled list)"
    names = [domain] if org == domain else [domain, org]
    steps = tuple(await asyncio.gather(*(_dmarc_lookup(n, lookup) for n in names)))
    for index, step in enumerate(steps):
        if step.answer.status.transient:
            return Discovery(RFC7489, steps[: index + 1], None, org, reason, "", "temperror")
        if len(step.records) > 1:
            # §6.6.3 step 5: discovery ends and DMARC is not applied, so no record's policy.
            return Discovery(RFC7489, steps[: index + 1], None, org, reason, "", "permerror",
                             discarded=(step,))
        if step.records:
            return Discovery(RFC7489, steps[: index + 1], step, org, reason, _how(index, RFC7489))
    return Discovery(RFC7489, steps, None, org, reason, "")


def _how(index: int, rfc: str) -> str:
    if index == 0:
        return "exact domain"
    return "organisational domain (PSL)" if rfc == RFC7489 else f"tree walk step {index + 1}"


async def discover_9989(domain: str, lookup: Lookup) -> Discovery:
    """RFC 9989 §4.10: the DNS tree walk. Every step is needed to settle the organisational
    domain, so all (at most eight) are asked at once; the policy is the first record found
    walking up. Several records at one name are all discarded and the walk goes on above it
    (steps 2 and 6), so a parent's record can apply where RFC 7489 applies none."""
    steps = tuple(await asyncio.gather(*(_dmarc_lookup(n, lookup) for n in walk_names(domain))))
    org = treewalk_org_domain(domain, _walk_steps(steps))
    found, how, error = None, "", ""
    discarded: list[DmarcLookup] = []
    for index, step in enumerate(steps):
        if step.answer.status.transient:
            error = "temperror"
            break
        if len(step.records) > 1:
            discarded.append(step)
        elif step.records:
            found, how = step, _how(index, RFC9989)
            break
    return Discovery(RFC9989, steps, found, org.domain, org.reason, how, error, org.uncertain,
                     tuple(discarded))


def _walk_steps(steps: Sequence[DmarcLookup]) -> list[WalkStep]:
    return [WalkStep(s.domain, len(s.records), s.records[0].psd if len(s.records) == 1 else None,
                     s.answer.status.transient) for s in steps]


async def treewalk_org(domain: str, lookup: Lookup) -> str:
    """The RFC 9989 organisational domain of any domain (DKIM d=, MAIL FROM) for alignment."""
    steps = await asyncio.gather(*(_dmarc_lookup(n, lookup) for n in walk_names(domain)))
    return treewalk_org_domain(domain, _walk_steps(steps)).domain

