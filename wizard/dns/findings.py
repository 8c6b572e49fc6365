"""Plain-language findings about DNS answers themselves (diagnoses.md §3).

The DKIM, DMARC and SPF code call these with their own context ("the DKIM key for
s1._domainkey.example.com") and their own id for a missing record (DKIM-KEY-01, SPF-…), so
every timeout, SERVFAIL, NXDOMAIN, NODATA, REFUSED, CNAME loop and oversized answer is
explained the same way everywhere. Disagreement between resolvers and the zone's own name
servers (DNS-04/05/10/14) is judged from `DnsSession.lookup_everywhere` answers.

Every value from DNS goes through `sanitize` before it lands in a title or evidence line; the
`dig` commands come from wizard.fixes (DESIGN.md rules 4, 5).
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence

from wizard.common.safe_text import sanitize, shorten
from wizard.dns.session import is_authoritative
from wizard.dns.types import DnsAnswer, Resolver, Status
from wizard.fixes import dig_commands
from wizard.model.findings import Finding, FixCommand, Severity

LARGE_RESPONSE = 1232  # bytes: the common EDNS UDP buffer size (DNS Flag Day 2020), DNS-09


# -- describing answers --------------------------------------------------------------------


def _clean(text: str, limit: int = 200) -> str:
    return shorten(sanitize(text, one_line=True), limit)


def _target(answer: DnsAnswer) -> str:
    """The name the outcome is about: the end of the CNAME chain, or the name asked."""
    return answer.cname_chain[-1] if answer.cname_chain else answer.name


def is_cname_loop(answer: DnsAnswer) -> bool:
    """A chain that comes back to a name already in it (the status is ERROR)."""
    names = (answer.name, *answer.cname_chain)
    return answer.status == Status.ERROR and len(set(names)) < len(names)


def summary(answer: DnsAnswer, limit: int = 120) -> str:
    """One line for what an answer said, for tables and titles."""
    if answer.status.answered:
        if not answer.strings:
            return "(empty answer)"
        return " | ".join(
            " ".join(f'"{_clean(s, limit)}"' for s in parts) if answer.rdtype == "TXT"
            else _clean(parts[0], limit)
            for parts in answer.strings
        )
    if answer.status == Status.NXDOMAIN:
        return "does not exist (NXDOMAIN)"
    if answer.status == Status.NODATA:
        return f"no {answer.rdtype} record (NODATA)"
    return f"{answer.status.upper()}: {_clean(answer.error)}"


def answer_lines(answer: DnsAnswer) -> tuple[str, ...]:
    """Evidence lines for one answer: who was asked what, the outcome and its cost, the CNAME
    chain, then every record with each character-string and its length (DNS-01)."""
    cost = [f"{answer.elapsed_ms:.0f} ms"]
    if answer.size is not None:
        cost.append(f"{answer.size} bytes")
    if answer.ttl is not None:
        cost.append(f"TTL {answer.ttl}")
    lines = [f"{_clean(answer.resolver)}: {answer.rdtype} {_clean(answer.name)} → "
             f"{answer.status} ({', '.join(cost)})"]
    if answer.cname_chain:
        lines.append("  CNAME " + " → ".join(_clean(n) for n in (answer.name, *answer.cname_chain)))
    for index, parts in enumerate(answer.strings, 1):
        if answer.rdtype == "TXT":
            strings = " ".join(f'"{_clean(s, 300)}" ({len(s.encode())})' for s in parts)
            lines.append(f"  record {index}: {strings}")
        else:
            lines.append(f"  {_clean(parts[0], 300)}")
    if answer.error and not answer.status.answered:
        lines.append(f"  {_clean(answer.error, 300)}")
    return tuple(lines)


def _for(answer: DnsAnswer, resolvers: Iterable[Resolver]) -> list[Resolver]:
    """The resolver that gave `answer` first (when known), then the others."""
    resolvers = list(resolvers)
    return sorted(resolvers, key=lambda r: r.label != answer.resolver)


# -- one answer ----------------------------------------------------------------------------


def lookup_finding(answer: DnsAnswer, what: str, *, finding_id: str,
                   missing: Severity = Severity.ERROR,
                   resolvers: Iterable[Resolver] = ()) -> Finding | None:
    """The finding for an answer that did not deliver the record, or None when it did.

    `what` names the record for a person ("the DKIM key for s1._domainkey.example.com");
    `finding_id` is the caller's id for this outcome (DKIM-KEY-01 for NXDOMAIN, …-03 for a
    transient failure); `missing` is the severity when the record does not exist (NXDOMAIN,
    NODATA). Transient failures (timeout, SERVFAIL, REFUSED, errors) are always ERROR and
    say so: receivers treat them as temperror and retry, never as "no record"."""
    if answer.status.answered:
        return None
    name, rdtype, who = _clean(answer.name), answer.rdtype, _clean(answer.resolver)
    target = _clean(_target(answer))
    chain = " → ".join(_clean(n) for n in (answer.name, *answer.cname_chain))
    ordered = _for(answer, resolvers)
    fixes = list(dig_commands(answer.name, rdtype, ordered))
    transient = ("This is a temporary failure: receivers report it as temperror and try "
                 "again later; it says nothing about whether the record exists.")
    if answer.status in (Status.NXDOMAIN, Status.NODATA):
        if answer.status == Status.NXDOMAIN:
            problem = f"{target} does not exist (NXDOMAIN)"
        else:
            problem = f"{target} exists but holds no {rdtype} record (NODATA)"
        if answer.cname_chain:
            title = f"{what} is missing: its CNAME points to {target}, which has no {rdtype} record"
            detail = (f"{name} is a CNAME ({chain}), so the record must be published at the "
                      f"target, and {problem}. When the target belongs to a provider (an ESP "
                      "hosting your key), the provider has not published or activated it yet "
                      "(DNS-03).")
            fixes.extend(dig_commands(answer.name, "CNAME", ordered[:1], "+noall", "+answer",
                                      purpose="show the CNAME at the name asked"))
        else:
            title = f"{what} is missing: {problem}"
            detail = (f"{who} says {problem}. Check the name for typos and that the record "
                      "was published at exactly this name (DNS-07).")
        if answer.ttl:
            detail += (f" Resolvers keep this negative answer for up to {answer.ttl} s (the "
                       "zone's negative TTL), so a record published just now can still look "
                       "missing to receivers for that long (DNS-04).")
        return Finding(finding_id, missing, title, detail, answer_lines(answer), tuple(fixes),
                       about=name)
    if is_cname_loop(answer):
        title = f"{what} could not be fetched: CNAME loop"
        detail = (f"The CNAMEs at {name} lead back to themselves ({chain}), so no resolver can "
                  "ever reach a record. Point the last CNAME at the real record. " + transient)
        fixes.extend(dig_commands(answer.name, "CNAME", ordered[:1], "+noall", "+answer",
                                  purpose="show the CNAME at the name asked"))
    elif answer.status == Status.TIMEOUT:
        title = f"{what} could not be fetched: no answer in time"
        detail = (f"{who} did not answer {rdtype} {name} in time. " + transient + " Check "
                  "that the zone's name servers answer over both UDP and TCP port 53, and "
                  "whether a firewall drops large or fragmented answers (DNS-09, DNS-10).")
        fixes.extend(dig_commands(answer.name, rdtype, ordered[:1], "+tcp", "+short",
                                  purpose="ask again over TCP"))
    elif answer.status == Status.SERVFAIL:
        title = f"{what} could not be fetched: the DNS server failed (SERVFAIL)"
        detail = (f"{who} answered SERVFAIL for {target}. This usually means the zone's "
                  "authoritative servers are broken or unreachable, the zone failed to load, "
                  "or DNSSEC validation failed (DNS-08: try `dig +cd`). " + transient)
        fixes.extend(dig_commands(answer.name, rdtype, ordered[:1], "+cd", "+short",
                                  purpose="ask with DNSSEC checking disabled (DNS-08)"))
    elif answer.status == Status.REFUSED:
        title = f"{what} could not be fetched: the DNS server refused (REFUSED)"
        detail = (f"{who} refused to answer for {target}: it does not resolve names for us, "
                  "or it is listed as a name server for a zone it does not serve (a lame "
                  "delegation, DNS-10). " + transient)
    else:
        title = f"{what} could not be fetched"
        detail = f"{_clean(answer.error, 300) or 'The lookup failed.'} " + transient
    return Finding(finding_id, Severity.ERROR, title, detail, answer_lines(answer), tuple(fixes),
                   about=name)


def size_finding(answer: DnsAnswer, what: str, *, resolvers: Iterable[Resolver] = ()
                 ) -> Finding | None:
    """DNS-09: the answer was truncated over UDP, or is bigger than receivers' usual UDP
    buffer. Works on zone-file answers too (from the size alone)."""
    size = answer.size or 0
    if answer.status != Status.TRUNCATED_TCP and size <= LARGE_RESPONSE:
        return None
    name = _clean(answer.name)
    if answer.status == Status.TRUNCATED_TCP:
        how = (f"The answer ({size} bytes) did not fit in a UDP packet, so the server sent it "
               "truncated and it had to be asked again over TCP.")
    else:
        how = f"The answer is {size} bytes, more than the {LARGE_RESPONSE}-byte UDP size most resolvers use."
    detail = (how + " Receivers whose resolvers cannot use TCP port 53, or that lose "
              "fragmented UDP, time out on it and report temperror. Keep the record smaller "
              "(fewer TXT records at this name, a shorter SPF record, a 2048-bit key).")
    fixes = dig_commands(answer.name, answer.rdtype, _for(answer, resolvers), "+ignore",
                         "+bufsize=1232", purpose="see the truncated UDP answer (flag tc)")
    return Finding("DNS-09", Severity.WARN, f"{what} is a large DNS answer ({size} bytes)",
                   detail, answer_lines(answer), fixes, about=name)


# -- several answers to one question -------------------------------------------------------


def _view(answer: DnsAnswer) -> tuple | None:
    """What an answer says exists, for comparing; None when it says nothing (a failure)."""
    if answer.status.answered:
        return ("records", frozenset(answer.values))
    if answer.status in (Status.NXDOMAIN, Status.NODATA):
        return ("absent",)
    return None


def _table(answers: Sequence[DnsAnswer], odd: set[str]) -> tuple[str, ...]:
    return tuple(
        f"{_clean(a.resolver)}: {summary(a)}" + ("   ← differs" if a.resolver in odd else "")
        for a in answers
    )


def _odd_ones(answers: Sequence[DnsAnswer]) -> set[str]:
    """Labels outside the one largest group of agreeing answers (none if there is a tie)."""
    groups: dict[tuple | None, list[str]] = {}
    for a in answers:
        groups.setdefault(_view(a), []).append(a.resolver)
    sizes = sorted((len(v) for v in groups.values()), reverse=True)
    if len(sizes) > 1 and sizes[0] == sizes[1]:
        return set()
    biggest = max(groups.values(), key=len)
    return {a.resolver for a in answers if a.resolver not in biggest}


def compare_findings(answers: Sequence[DnsAnswer], what: str, *,
                     resolvers: Iterable[Resolver] = ()) -> tuple[Finding, ...]:
    """Judge the answers `lookup_everywhere` gave for one question.

    DNS-10 an authoritative server failed to answer (lame or unreachable);
    DNS-05 the authoritative servers disagree with each other;
    DNS-04 they agree, but a resolver still has an older answer (not propagated / cached);
    DNS-14 a resolver sees a record the authoritative servers do not have (split view,
           private resolver), or, without authoritative answers, the resolvers disagree."""
    if not answers:
        return ()
    resolvers = list(resolvers)
    name, rdtype = _clean(answers[0].name), answers[0].rdtype
    auth = [a for a in answers if is_authoritative(a)]
    mine = [a for a in answers if not is_authoritative(a)]
    out: list[Finding] = []
    ask_all = dig_commands(answers[0].name, rdtype, resolvers, purpose="")

    # Only a failure for the server's own zone counts; one at a CNAME target elsewhere is
    # the target's problem, reported by lookup_finding.
    failed = [a for a in auth if _view(a) is None and not a.cname_chain]
    if failed:
        who = ", ".join(_clean(a.resolver.removesuffix(" (auth)")) for a in failed)
        out.append(Finding(
            "DNS-10", Severity.ERROR,
            f"A name server for {what} does not answer for it: {who}",
            "The zone lists this server in its NS records, but it answered "
            + ", ".join(sorted({str(a.status).upper() for a in failed}))
            + " instead of the zone's data. Receivers that happen to ask it get a temporary "
            "failure (temperror). Fix the server, or remove it from the NS records at the "
            "zone and at the parent (registrar).",
            _table(auth, {a.resolver for a in failed}), ask_all, about=name))

    agreeing = [a for a in auth if _view(a) is not None]
    auth_views = {_view(a) for a in agreeing}
    views_mine = [(a, _view(a)) for a in mine if _view(a) is not None]
    if len(auth_views) > 1:
        # The chosen resolvers count as votes too: they show which copy the world mostly sees.
        compared = [a for a, _ in views_mine] + agreeing
        odd = _odd_ones(compared)
        odd_text = (f"The odd one out: {', '.join(sorted(_clean(o) for o in odd))}. "
                    if odd else "They split evenly, so neither side can be called the odd one. ")
        out.append(Finding(
            "DNS-05", Severity.ERROR,
            f"The name servers for {what} give different answers",
            f"Each receiver asks one of these servers at random, so {rdtype} {name} passes at "
            "some receivers and fails at others. " + odd_text + "Usually a server missed a zone "
            "transfer (compare their SOA serials) or the record was edited on one provider only.",
            _table(compared, odd), ask_all, about=name))
        return tuple(out)

    if len(auth_views) == 1:
        truth = next(iter(auth_views))
        stale = [a for a, v in views_mine if v != truth]
        for a in stale:
            table = _table([a, *agreeing], {a.resolver})
            if truth == ("absent",):
                out.append(Finding(
                    "DNS-14", Severity.INFO,
                    f"{_clean(a.resolver)} sees {what}, but its name servers do not have it",
                    f"{_clean(a.resolver)} answered {summary(a)}, while every authoritative "
                    f"server says {name} has no {rdtype} record. The resolver may see a "
                    "private or split-horizon view, or still hold a deleted record in its "
                    "cache; receivers on the internet see what the name servers say.",
                    table, ask_all, about=name))
            else:
                ttl = f" for up to {a.ttl} s more" if a.ttl else ""
                out.append(Finding(
                    "DNS-04", Severity.INFO,
                    f"{_clean(a.resolver)} still has an old answer for {what}",
                    f"The authoritative servers answer {summary(agreeing[0])}, but "
                    f"{_clean(a.resolver)} still answers {summary(a)}. It keeps that cached "
                    f"answer{ttl} (its TTL); receivers using resolvers like it see the old "
                    "answer until then. Nothing to fix if the name servers are right: wait.",
                    table, ask_all, about=name))
        return tuple(out)

    # No authoritative answers to judge by: just say the chosen resolvers disagree.
    if len({v for _, v in views_mine}) > 1:
        compared = [a for a, _ in views_mine]
        odd = _odd_ones(compared)
        odd_text = (f"The odd one out: {', '.join(sorted(_clean(o) for o in odd))}. "
                    if odd else "")
        out.append(Finding(
            "DNS-14", Severity.INFO,
            f"The resolvers disagree about {what}",
            f"The resolvers asked give different answers for {rdtype} {name}. " + odd_text
            + "Split-horizon or geo DNS, a private resolver, or a recent change still cached "
            "can cause this; the receiver's resolver may see either answer. Ask the zone's "
            "authoritative servers to know what is really published.",
            _table(compared, odd), ask_all, about=name))
    return tuple(out)


def answer_findings(answers: Sequence[DnsAnswer], *, resolvers: Iterable[Resolver] = ()
                    ) -> list[Finding]:
    """The DNS-level findings for a whole session's answers (`DnsSession.answers`): DNS-09
    for each oversized question, and DNS-04/05/10/14 wherever one question was put to more
    than one resolver (lookup_everywhere). A missing or failed record is not repeated here:
    the DKIM/DMARC/SPF code reports it with its own id through `lookup_finding`. Pass
    `session.all_resolvers` as `resolvers` to get `dig` commands for each server."""
    resolvers = list(resolvers)
    groups: dict[tuple[str, str], list[DnsAnswer]] = {}
    for answer in answers:
        groups.setdefault((answer.name, answer.rdtype), []).append(answer)
    out: list[Finding] = []
    for (name, rdtype), group in groups.items():
        what = f"the {rdtype} record at {_clean(name)}"
        big = next((a for a in group if size_finding(a, what) is not None), None)
        large = size_finding(big, what, resolvers=resolvers) if big is not None else None
        if large is not None:
            out.append(large)
        if len({a.resolver for a in group}) > 1:
            out.extend(compare_findings(group, what, resolvers=resolvers))
    return out


# DNS-12 is met by SPF (the envelope domain) and by DMARC (the From domain); both say it here.
def sender_domain_missing(domain: str, what: str, fixes: tuple[FixCommand, ...]) -> Finding:
    """The MAIL FROM or HELO domain SPF checks is NXDOMAIN."""
    return Finding("DNS-12", Severity.CRITICAL, f"The {what} domain {domain} does not exist",
                   "Many receivers reject mail whose envelope sender domain is NXDOMAIN (Yahoo "
                   "defers it: '451 … unresolvable RFC.5321 from domain'); SPF is none.",
                   (sanitize(f"{domain} TXT: nxdomain", one_line=True),), fixes, about=domain)


def from_domain_missing(domain: str, answer: DnsAnswer) -> Finding:
    """The From domain DMARC is about is NXDOMAIN."""
    return Finding("DNS-12", Severity.CRITICAL, f"{domain} does not exist",
                   "The From domain is NXDOMAIN; many receivers reject such mail, and RFC 9989 "
                   "receivers apply np= when its parent publishes one.",
                   (sanitize(f"{answer.name} {answer.rdtype}: {answer.status}", one_line=True),), about=domain)
