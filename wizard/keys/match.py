"""Is the DKIM record in DNS the one this private key needs? (DKIM-KEY-14, DNS-01/02/07)

`compare()` is pure: given the value a key implies and one resolver's answer, it names each
difference the way a person fixing a DNS panel needs to hear it — cut at 255 characters,
quotes pasted into the value, a space at the split point, characters lost where the value was
split by hand, two records instead of two strings of one record, or simply another key.
`check_record()` asks every chosen resolver and the authoritative servers, compares each
answer, and probes the wrong names panels produce (the doubled domain of DNS-07) when the
right name is empty.

Record values are parsed with a tolerant tag splitter of our own rather than dkimpy's
`parse_tag_value`: dkimpy raises on exactly the broken records we want to describe.
"""
from __future__ import annotations

import asyncio
import enum
import itertools
import re
from collections.abc import Sequence
from typing import Protocol

from msgspec import Struct
from msgspec.structs import replace

from wizard import fixes
from wizard.common.dnsname import check_name
from wizard.common.safe_text import sanitize, shorten
from wizard.dkim.keynames import wrong_names
from wizard.dkim.pubkey import PublishedKey, describe_public_key
from wizard.dkim.taglist import parse_tags
from wizard.dns.types import DnsAnswer, Status
from wizard.keys.keygen import DkimKey
from wizard.model.findings import Finding, FixCommand, RecordFix, Severity

TXT_STRING_LIMIT = 255  # RFC 1035 §3.3.14: one character-string holds at most 255 octets
_EVIDENCE_LIMIT = 2000  # characters of one evidence line; shorten() says how much was cut
_MAX_RECORDS_PERMUTED = 3  # records at one name we try re-joining in every order (3! = 6)


class Kind(enum.StrEnum):
    """What is wrong with a published record, each with its diagnoses.md id and severity."""

    TRUNCATED = "truncated"
    EXTRA = "extra"
    QUOTES = "quotes"
    ESCAPES = "escapes"
    SPACE = "space"
    SPLIT = "split"
    SEVERAL_RECORDS = "several-records"
    OTHER_KEY = "other-key"
    CORRUPT = "corrupt"
    REVOKED = "revoked"
    NO_KEY_TAG = "no-p"
    KEY_TYPE = "key-type"
    NOT_FOUND = "not-found"
    NO_TXT = "no-txt"
    WRONG_NAME = "wrong-name"
    LOOKUP_FAILED = "lookup-failed"
    DISAGREE = "disagree"

    @property
    def finding_id(self) -> str:
        return _IDS[self][0]

    @property
    def severity(self) -> Severity:
        return _IDS[self][1]


_IDS: dict[Kind, tuple[str, Severity]] = {
    Kind.TRUNCATED: ("DKIM-KEY-07", Severity.CRITICAL),
    Kind.EXTRA: ("DKIM-KEY-07", Severity.CRITICAL),
    Kind.QUOTES: ("DNS-02", Severity.CRITICAL),
    Kind.ESCAPES: ("DNS-02", Severity.CRITICAL),
    # RFC 6376's grammar allows folding whitespace inside p=, but panels that insert a space
    # at the split point trip verifiers that do not strip it; the value is not what was meant.
    Kind.SPACE: ("DNS-02", Severity.ERROR),
    Kind.SPLIT: ("DNS-01", Severity.CRITICAL),
    Kind.SEVERAL_RECORDS: ("DKIM-KEY-04", Severity.ERROR),
    Kind.OTHER_KEY: ("DKIM-KEY-14", Severity.CRITICAL),
    Kind.CORRUPT: ("DKIM-KEY-07", Severity.CRITICAL),
    Kind.REVOKED: ("DKIM-KEY-06", Severity.ERROR),
    Kind.NO_KEY_TAG: ("DKIM-KEY-05", Severity.CRITICAL),
    Kind.KEY_TYPE: ("DKIM-KEY-09", Severity.ERROR),
    Kind.NOT_FOUND: ("DKIM-KEY-01", Severity.CRITICAL),
    Kind.NO_TXT: ("DKIM-KEY-02", Severity.CRITICAL),
    Kind.WRONG_NAME: ("DNS-07", Severity.CRITICAL),
    Kind.LOOKUP_FAILED: ("DKIM-KEY-03", Severity.ERROR),
    Kind.DISAGREE: ("DNS-05", Severity.ERROR),
}


class Difference(Struct, frozen=True):
    kind: Kind
    detail: str  # one plain sentence, values already sanitised


def key_type_of(value: str) -> str:
    """k= of a key record (RFC 6376 §3.6.1: tag names are case-sensitive; default rsa),
    with stray quotes and backslashes (reported separately) removed."""
    return (parse_tags(value).get("k") or "rsa").strip('"\\ ').lower()


def published_p(value: str) -> str | None:
    """The p= of a key record with whitespace removed, or None without a p= tag."""
    p = parse_tags(value).get("p")
    return None if p is None else "".join(p.split())


_P_TAG = re.compile(r'(?:^|;)[\s"]*p\s*=')
_NOT_KEY = frozenset(' \t\r\n"\\')


def _where(strings: Sequence[str], at: int, p_index: int) -> str:
    """Where a character sits, said so a person can find it in their panel."""
    number, offset = _locate(strings, at)
    if offset == len(strings[number - 1]) - 1 and number < len(strings):
        return f"at the end of string {number}: it was inserted where the value was split"
    if offset == 0 and number > 1:
        return f"at the start of string {number}: it was inserted where the value was split"
    return f"at character {p_index + 1} of p= (string {number})"


def _locate(strings: Sequence[str], index: int) -> tuple[int, int]:
    """(string number from 1, offset inside it) of a character of the joined value."""
    for number, text in enumerate(strings, 1):
        if index < len(text):
            return number, index
        index -= len(text)
    return len(strings), len(strings[-1]) if strings else 0


def _starts(strings: Sequence[str]) -> list[int]:
    """Joined-value offsets where the 2nd, 3rd, ... string begins."""
    return list(itertools.accumulate(len(s) for s in strings[:-1]))


def compare(key: DkimKey, strings: Sequence[str]) -> tuple[Difference, ...]:
    """Every difference between one published TXT record (its character-strings as
    published) and the record `key` needs. Empty when the key matches."""
    joined = "".join(strings)
    diffs: list[Difference] = []

    if '"' in joined:
        at = joined.index('"')
        if re.search(r'"\s*"', joined):
            detail = (
                'the value holds `" "`: quoted strings were pasted into a field that expects the '
                "bare value, so the quotes became data (CAUSE-12)"
            )
        else:
            detail = (
                f"the value holds literal quote characters (first at character {at + 1}): the quotes "
                "shown by dig were pasted into the panel and became data (CAUSE-12)"
            )
        diffs.append(Difference(Kind.QUOTES, detail))
    if "\\" in joined:
        sample = sanitize(joined[joined.index("\\") : joined.index("\\") + 2], one_line=True)
        diffs.append(Difference(
            Kind.ESCAPES,
            f"the value holds a backslash ({sample!s}): a zone-file escape was typed into a panel "
            "and kept as data",
        ))

    p_tag = _P_TAG.search(joined)
    if p_tag is None:
        diffs.append(Difference(
            Kind.NO_KEY_TAG,
            f"the record has no p= tag, so it is not a DKIM key: {shorten(sanitize(joined, one_line=True), 80)}",
        ))
        return tuple(diffs)
    published_type = key_type_of(joined)
    if published_type != key.key_type:
        diffs.append(Difference(
            Kind.KEY_TYPE,
            f"the record says k={sanitize(published_type, one_line=True)} but the private key is "
            f"{key.key_type}",
        ))

    end = joined.find(";", p_tag.end())
    segment = joined[p_tag.end() : end if end >= 0 else len(joined)]
    p_start = p_tag.end() + len(segment) - len(segment.lstrip())
    p_raw = segment.strip()  # whitespace around the value is allowed (RFC 6376 §3.2)
    if not p_raw.strip('"\\'):
        diffs.append(Difference(Kind.REVOKED, "the record has an empty p=: the key is revoked"))
        return tuple(diffs)

    # Characters of p= that are key material, each with its offset in the joined value.
    kept = [(p_start + i, ch) for i, ch in enumerate(p_raw) if ch not in _NOT_KEY]
    p_clean = "".join(ch for _, ch in kept)
    # Whitespace between two quotes belongs to the pasted `" "` already reported above.
    space = next(
        (i for i, ch in enumerate(p_raw) if ch.isspace() and not re.match(r'\s*"', p_raw[i:])
         and not re.search(r'"\s*$', p_raw[: i + 1])),
        None,
    )
    if space is not None:
        diffs.append(Difference(Kind.SPACE, f"p= holds whitespace {_where(strings, p_start + space, space)}"))

    expected = key.public_b64
    if p_clean == expected:
        return tuple(diffs)
    if expected.startswith(p_clean):
        cut = ""
        if any(len(s) == TXT_STRING_LIMIT for s in strings) or len(joined) == TXT_STRING_LIMIT:
            cut = "; the value was cut at 255 characters: only the first string was kept (DNS-01)"
        diffs.append(Difference(
            Kind.TRUNCATED,
            f"p= is truncated: it has {len(p_clean)} of the key's {len(expected)} characters{cut}",
        ))
        return tuple(diffs)
    if p_clean.startswith(expected):
        extra = sanitize(p_clean[len(expected):], one_line=True)
        diffs.append(Difference(
            Kind.EXTRA, f"p= has {len(extra)} extra characters after the key: {shorten(extra, 40)}"
        ))
        return tuple(diffs)
    published = describe_public_key(p_clean, published_type)
    if published is not None:
        diffs.append(Difference(
            Kind.OTHER_KEY,
            f"the record holds a different key ({published.label}): the signer's private key does "
            "not belong to it (rotation done on one side only, or the wrong selector)",
        ))
        return tuple(diffs)
    diffs.append(_split_or_corrupt(strings, kept, expected))
    return tuple(diffs)


def _split_or_corrupt(strings: Sequence[str], kept: list[tuple[int, str]], expected: str) -> Difference:
    """p= is neither a prefix of the key nor another key: find where it goes wrong, and if
    that is a string boundary, say how many characters the split lost or repeated."""
    p_clean = "".join(ch for _, ch in kept)
    first = next(
        (i for i, (a, b) in enumerate(zip(p_clean, expected)) if a != b), min(len(p_clean), len(expected))
    )
    starts = set(_starts(strings))
    # p= index of each string start that falls inside p=
    split_at = {i for i, (offset, _) in enumerate(kept) if offset in starts}
    for boundary in sorted(split_at):
        if boundary > first or first - boundary > 4:
            continue
        for n in range(1, 5):
            lost = p_clean[:boundary] + expected[boundary : boundary + n] + p_clean[boundary:]
            repeated = p_clean[:boundary] + p_clean[boundary + n :]
            inside_quad = boundary % 4 != 0
            quad = (
                " (the split falls inside a group of four base64 characters)" if inside_quad else ""
            )
            number = _locate(strings, kept[boundary][0])[0]
            if lost == expected:
                return Difference(
                    Kind.SPLIT,
                    f"{n} character(s) of the key were lost where the value was split between "
                    f"strings {number - 1} and {number}, at character {boundary + 1} of p={quad}",
                )
            if repeated == expected:
                return Difference(
                    Kind.SPLIT,
                    f"{n} character(s) of the key are repeated where the value was split between "
                    f"strings {number - 1} and {number}, at character {boundary + 1} of p={quad}",
                )
    if "BEGIN" in p_clean:
        return Difference(
            Kind.CORRUPT, "p= holds a PEM header (-----BEGIN …): paste only the base64 between the header lines"
        )
    if re.fullmatch(r"[A-Za-z0-9+/]*={0,2}", p_clean) is None:
        bad = next(ch for ch in p_clean if not re.match(r"[A-Za-z0-9+/=]", ch))
        return Difference(
            Kind.CORRUPT,
            f"p= is not base64: it holds {sanitize(repr(bad), one_line=True)} (a PEM header, a smart "
            "quote or other pasted text)",
        )
    return Difference(
        Kind.CORRUPT,
        f"p= differs from the key from character {first + 1} on and does not decode to any key",
    )


def compare_answer(key: DkimKey, answer: DnsAnswer) -> tuple[Difference, ...]:
    """Judge one resolver's answer: not found, failed, several records, or `compare()`."""
    if not answer.status.answered:
        if answer.status.transient:
            return (Difference(
                Kind.LOOKUP_FAILED,
                f"{answer.resolver} could not answer ({answer.status}): {sanitize(answer.error, one_line=True)}",
            ),)
        if answer.status is Status.NXDOMAIN:
            return (Difference(Kind.NOT_FOUND, f"{answer.name} does not exist (NXDOMAIN)"),)
        return (Difference(Kind.NO_TXT, f"{answer.name} exists but holds no TXT record (NODATA)"),)
    records = list(answer.strings)
    if len(records) == 1:
        return compare(key, records[0])
    if len(records) <= _MAX_RECORDS_PERMUTED:
        for order in itertools.permutations(records):
            # Rejoin as if the records were the strings of one record.
            if not compare(key, [s for record in order for s in record]):
                return (Difference(
                    Kind.SEVERAL_RECORDS,
                    f"the key was published as {len(records)} separate TXT records; it must be "
                    f"{len(records)} strings of ONE record (DNS-01)",
                ),)
    matching = [r for r in records if not compare(key, r)]
    if matching:
        return (Difference(
            Kind.SEVERAL_RECORDS,
            f"{len(records)} TXT records at this name: one is the right key, but verifiers may pick "
            "any of them; delete the others",
        ),)
    per_record = [compare(key, r) for r in records]
    return (Difference(
        Kind.SEVERAL_RECORDS, f"{len(records)} TXT records at this name and none is the right key"
    ),) + min(per_record, key=len)


class Lookups(Protocol):
    """The part of wizard.dns's DnsSession this module uses."""

    async def lookup(self, name: str, rdtype: str) -> DnsAnswer: ...

    async def lookup_everywhere(self, name: str, rdtype: str) -> Sequence[DnsAnswer]: ...


class AnswerCheck(Struct, frozen=True):
    answer: DnsAnswer
    differences: tuple[Difference, ...]

    @property
    def matches(self) -> bool:
        return not self.differences


class Misplaced(Struct, frozen=True):
    """The key (or something) found at a wrong name (DNS-07)."""

    name: str
    why: str
    answer: DnsAnswer
    matches: bool  # the record there is the right key


class KeyCase(Struct, frozen=True):
    """One answer to "which key does the signer use?" when the published key is another one
    (DKIM-KEY-14): the record check cannot tell, and the right fix differs. Kept as data so
    the command line and the app say the same words and ask the same question."""

    name: str  # "stale-dns" | "new-key"
    condition: str  # "If …": what the user knows that makes this case the true one
    then: str  # what that means and what to do
    fixes: tuple[FixCommand | RecordFix, ...]

    @property
    def lead(self) -> FixCommand | RecordFix:
        """The fix that carries the whole case: the record, or the rotation (whose first step
        prints the record for the new selector)."""
        return self.fixes[-1]


# {selector}/{new}: the checked selector and the suggested new one.
_CASES = (
    ("stale-dns",
     "If the signer already signs with this key",
     "DNS is stale: messages signed now fail DKIM. Publish this key at {selector}; they verify "
     "as soon as receivers see the record."),
    ("new-key",
     "If this is a new key and the signer still signs with the published one",
     "publishing it at {selector} would break every message still signed with the old key. "
     "Publish it under a new selector ({new}), then follow the rotation: switch the signer, "
     "keep the old key during the grace period, then revoke it."),
)


def next_selector(selector: str) -> str:
    """A new selector beside `selector`: its trailing number plus one (s2025 → s2026), else
    `selector` followed by 2. Plain string work: no pattern runs over the name."""
    stem = selector.rstrip("0123456789")
    digits = selector[len(stem):]
    candidate = f"{stem}{int(digits) + 1:0{len(digits)}d}" if digits else f"{selector}2"
    label = candidate.rsplit(".", 1)[-1]
    return candidate if len(label) <= 63 else "new"


def key_cases(domain: str, selector: str, key: DkimKey, expected: RecordFix,
              key_path: str | None = None) -> tuple[KeyCase, ...]:
    """Both cases of a published key that is not `key`, each with its own fixes."""
    new = next_selector(selector)
    words = {"selector": selector, "new": new}
    fixes_of = {
        "stale-dns": (expected,),
        "new-key": (fixes.publish_dkim_key(domain, new, key.public_b64, key.key_type),
                    fixes.mailtriage_rotate(domain, selector, new, key_path)),
    }
    return tuple(KeyCase(name, condition, then.format(**words), fixes_of[name])
                 for name, condition, then in _CASES)


class RecordCheck(Struct, frozen=True):
    domain: str
    selector: str
    key: DkimKey
    expected: RecordFix
    answers: tuple[AnswerCheck, ...]
    misplaced: tuple[Misplaced, ...]
    findings: tuple[Finding, ...]
    cases: tuple[KeyCase, ...] = ()  # set when the published key is another key (DKIM-KEY-14)

    @property
    def ok(self) -> bool:
        return bool(self.answers) and all(a.matches for a in self.answers) and not self.misplaced

    @property
    def published_key(self) -> PublishedKey | None:
        for check in self.answers:
            for value in check.answer.values:
                p = published_p(value)
                if p:
                    return describe_public_key(p, key_type_of(value))
        return None


def _commands(domain: str, selector: str, resolvers: Sequence[str], key_type: str) -> tuple[FixCommand, ...]:
    name = fixes.dkim_key_name(domain, selector)
    size = (fixes.openssl_key_size(domain, selector, resolvers[0] if resolvers else None),)
    return (
        *fixes.dig_txt(name, resolvers),
        fixes.dig_authoritative(name, domain),
        fixes.opendkim_testkey(domain, selector),
        # Ed25519 keys are raw 32-byte keys of one size; the OpenSSL pipeline reads RSA DER.
        *(size if key_type == "rsa" else ()),
    )


def _evidence(answer: DnsAnswer) -> list[str]:
    if not answer.status.answered:
        return [f"{answer.resolver}: {answer.name} → {answer.status}"]
    lines = []
    for number, record in enumerate(answer.strings, 1):
        parts = " ".join(f"[{len(s)}] {sanitize(repr(s), one_line=True)}" for s in record)
        chain = f" (via CNAME {' → '.join(answer.cname_chain)})" if answer.cname_chain else ""
        # A 4096-bit key record is ~800 characters shown; anything far beyond is not a key.
        lines.append(shorten(f"{answer.resolver}: record {number}{chain}: {parts}", _EVIDENCE_LIMIT))
    return lines


def findings_for(
    domain: str,
    selector: str,
    expected: RecordFix,
    answers: Sequence[AnswerCheck],
    misplaced: Sequence[Misplaced],
    resolvers: Sequence[str] = (),
    key_type: str = "rsa",
    cases: Sequence[KeyCase] = (),
) -> tuple[Finding, ...]:
    """One finding per distinct difference, listing which resolvers saw it. Another key
    (DKIM-KEY-14) gets both cases' lead fixes, each purpose saying when it is the one."""
    commands = _commands(domain, selector, resolvers, key_type)
    seen: dict[Difference, list[AnswerCheck]] = {}
    for check in answers:
        for diff in check.differences:
            seen.setdefault(diff, []).append(check)
    out: list[Finding] = []
    for diff, checks in seen.items():
        if diff.kind in (Kind.NOT_FOUND, Kind.NO_TXT) and misplaced:
            continue  # the DNS-07 finding below says it better
        evidence = tuple(line for c in checks for line in _evidence(c.answer))
        fixes_: tuple = (expected, *commands) if diff.kind is not Kind.LOOKUP_FAILED else (
            fixes.dig_trace(expected.name), *commands)
        if diff.kind is Kind.OTHER_KEY and cases:
            # Each case's lead fix, its purpose saying when it is the one to follow.
            fixes_ = (*(_when(case, case.lead) for case in cases), *commands)
        out.append(Finding(
            diff.kind.finding_id, diff.kind.severity,
            _TITLES[diff.kind], diff.detail + f" (seen by {', '.join(c.answer.resolver for c in checks)})",
            evidence, fixes_, about=expected.name,
        ))
    for place in misplaced:
        state = "the right key" if place.matches else "a TXT record"
        out.append(Finding(
            Kind.WRONG_NAME.finding_id, Kind.WRONG_NAME.severity, _TITLES[Kind.WRONG_NAME],
            f"found {state} at {place.name}; it must be at {expected.name} ({place.why}). Publish it "
            f"at the right name, then delete the record at {place.name}.",
            tuple(_evidence(place.answer)), (expected, *commands), about=expected.name,
        ))
    # What each server said, order-free (servers rotate several records); failures that a
    # retry may cure are not a disagreement about the data.
    said = {
        frozenset(c.answer.strings) if c.answer.status.answered else c.answer.status
        for c in answers if not c.answer.status.transient
    }
    if len(said) > 1:
        out.append(Finding(
            Kind.DISAGREE.finding_id, Kind.DISAGREE.severity, _TITLES[Kind.DISAGREE],
            "resolvers or authoritative servers return different records for this name; receivers "
            "will see either, so results are intermittent until they agree",
            tuple(line for c in answers for line in _evidence(c.answer)),
            (fixes.dig_authoritative(expected.name, domain), *fixes.dig_txt(expected.name, resolvers)),
            about=expected.name,
        ))
    return tuple(out)


def _when(case: KeyCase, fix: FixCommand | RecordFix) -> FixCommand | RecordFix:
    condition = case.condition[0].lower() + case.condition[1:]
    return replace(fix, purpose=f"{condition}: {fix.purpose}")


_TITLES = {
    Kind.TRUNCATED: "Published key is truncated",
    Kind.EXTRA: "Published key has extra characters",
    Kind.QUOTES: "Quote characters inside the published value",
    Kind.ESCAPES: "Zone-file escapes kept as data",
    Kind.SPACE: "Whitespace inside the published key",
    Kind.SPLIT: "Key damaged where it was split into strings",
    Kind.SEVERAL_RECORDS: "Several TXT records at the selector",
    Kind.OTHER_KEY: "Published key does not match the private key",
    Kind.CORRUPT: "p= is not a usable public key",
    Kind.REVOKED: "Key revoked (empty p=)",
    Kind.NO_KEY_TAG: "Record is not a DKIM key",
    Kind.KEY_TYPE: "Key type does not match",
    Kind.NOT_FOUND: "Key not found",
    Kind.NO_TXT: "Name exists but holds no key",
    Kind.WRONG_NAME: "Record at the wrong name",
    Kind.LOOKUP_FAILED: "DNS failure fetching the key",
    Kind.DISAGREE: "Resolvers or authoritative servers disagree",
}


async def check_record(
    session: Lookups, domain: str, selector: str, key: DkimKey, resolvers: Sequence[str] = (),
    key_path: str | None = None,
) -> RecordCheck:
    """Fetch the record on every resolver and authoritative server and compare each answer
    with `key`. When no one has the record, probe the DNS-07 wrong names. `resolvers` are the
    user's specs and `key_path` the key's file, used only to write the commands in the fixes."""
    d, s = check_name(domain), check_name(selector)
    expected = fixes.publish_dkim_key(d, s, key.public_b64, key.key_type)
    answers = tuple(
        AnswerCheck(a, compare_answer(key, a)) for a in await session.lookup_everywhere(expected.name, "TXT")
    )
    misplaced: tuple[Misplaced, ...] = ()
    if answers and not any(a.answer.status.answered for a in answers):
        probes = wrong_names(d, s)
        results = await asyncio.gather(*(session.lookup(name, "TXT") for name, _ in probes))
        misplaced = tuple(
            Misplaced(name, why, answer, any(not compare(key, r) for r in answer.strings))
            for (name, why), answer in zip(probes, results)
            if answer.status.answered
        )
    other_key = any(diff.kind is Kind.OTHER_KEY for a in answers for diff in a.differences)
    cases = key_cases(d, s, key, expected, key_path) if other_key else ()
    findings = findings_for(d, s, expected, answers, misplaced, resolvers, key.key_type, cases)
    return RecordCheck(d, s, key, expected, answers, misplaced, findings, cases)
