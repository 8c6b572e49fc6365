"""The SPF record tree: our own walk of the published records, with the DNS-lookup budget
each term spends (SPF-02…11, 17-20), because pyspf stops at the first matching mechanism and
keeps no per-term record of what each cost. The walk reuses pyspf's term parser
(`query.validate_mechanism`, `RE_MODIFIER`, `RE_SPF`) so syntax errors read the same as in
the verdict."""
from __future__ import annotations

import asyncio
import ipaddress
import re

from msgspec.structs import replace

import spf as pyspf
from wizard import fixes
from wizard.common.dnsname import InvalidName, check_name, is_valid_name
from wizard.common.safe_text import sanitize, shorten
from wizard.dns.types import DnsAnswer, Lookup, Status
from wizard.input.classify import not_a_domain
from wizard.model.findings import Finding, Severity
from wizard.model.spf import SpfNode as SpfNode
from wizard.model.spf import SpfTree as SpfTree
from wizard.spf import findings as spf_findings
from wizard.spf.record import (
    LOOKUP_LIMIT,
    MAX_WALK_LOOKUPS,
    MX_LIMIT,
    QUESTION_BUDGET,
    UDP_SIZE,
    VERDICT_RESERVE,
    VOID_LIMIT,
    QuestionBudget,
    dig_txt,
    finding,
    merge_records,
    spec_name,
    spf_records,
)

_DNS_TERMS = ("include", "a", "mx", "ptr", "exists")


class _Walk:
    """Mutable state of one tree walk; the walk produces frozen SpfNodes."""

    def __init__(self, lookup: Lookup, query: pyspf.query, ip: str | None, domain: str,
                 budget: QuestionBudget):
        self.lookup = lookup
        self.budget = budget
        self.query = query
        self.ip = ip
        self.root_domain = domain
        self.stack = [domain]  # include chain being evaluated (loop detection)
        self.current_record = ""  # evidence for syntax findings
        self.total = 0
        self.voids = 0
        self.findings: list[Finding] = []
        self.answers: dict[tuple[str, str], DnsAnswer] = {}
        self.pending: dict[tuple[str, str], asyncio.Future[DnsAnswer]] = {}
        self.includes: dict[str, int] = {}
        self.hint = ""
        self.capped = False

    def questions_left(self) -> int:
        """DNS questions the walk may still ask: the message's SPF budget less what the
        verdict may still need."""
        return self.budget.left(VERDICT_RESERVE)

    def start(self, name: str, rdtype: str) -> asyncio.Future[DnsAnswer]:
        """Begin a lookup now (or join the one already running) without waiting for it."""
        key = (name.lower(), rdtype)
        if key not in self.pending:
            self.budget.take(name, rdtype)  # callers checked questions_left() first
            self.pending[key] = asyncio.ensure_future(self.lookup(name, rdtype))
        return self.pending[key]

    async def ask(self, name: str, rdtype: str) -> DnsAnswer:
        answer = await self.start(name, rdtype)
        self.answers.setdefault((answer.name, answer.rdtype), answer)
        return answer

    def spend(self, cost: int, term: str, domain: str) -> None:
        before = self.total
        self.total += cost
        if before <= LOOKUP_LIMIT < self.total:
            self.hint = self.hint or "permerror"
            self.findings.append(finding(
                "SPF-05", Severity.CRITICAL, "More than 10 DNS-querying terms",
                f"The {self.total}th lookup is `{term}` in the record of {domain}. Receivers stop "
                "at 10 (include, a, mx, ptr, exists and redirect each count) and return "
                "permerror for any IP not matched before. Remove unused vendors, replace a/mx "
                "with ip4/ip6, or give each vendor its own MAIL FROM subdomain.",
                [f"{term} (in {domain})"], about=domain))

    def void_seen(self, term: str, domain: str) -> None:
        self.voids += 1
        if self.voids == VOID_LIMIT + 1:
            self.hint = self.hint or "permerror"
            self.findings.append(finding(
                "SPF-06", Severity.CRITICAL, "More than two void lookups",
                f"`{term}` in the record of {domain} is the third lookup that found nothing "
                "(NXDOMAIN or no records); receivers return permerror from here (RFC 7208 "
                "§4.6.4). Remove includes of vendors that are gone and a:/mx: of hosts that no "
                "longer exist.", [f"{term} (in {domain})"], about=domain))


async def _fetch(walk: _Walk, domain: str, term: str, parent: str, mechanism: str,
                 qualifier: str = "+") -> SpfNode:
    """The SPF record of `domain` (for the root, an include or a redirect) as a node."""
    answer = await walk.ask(domain, "TXT")
    total = walk.total
    if answer.status.transient:
        walk.hint = walk.hint or "temperror"
        walk.findings.append(spf_findings.record_lookup_failed(domain, answer))
        return SpfNode(term, mechanism, domain, qualifier, None, 0, total, False,
                       f"DNS {answer.status}")
    # sorted: servers rotate the order of several records, and the merged fix must not change
    records = sorted(spf_records(answer))
    if not answer.status.answered or not answer.strings:
        void = mechanism != "root"  # the root TXT lookup is not a term
        if void:
            walk.void_seen(term, parent)
    else:
        void = False
    if len(records) > 1:
        walk.hint = walk.hint or "permerror"
        walk.findings.append(finding(
            "SPF-02", Severity.CRITICAL, f"Several SPF records at {domain}",
            "A domain must publish one SPF record; with two or more, SPF is permerror "
            "(RFC 7208 §3.2, §4.5). Merge them into one record.", records,
            (*fixes.txt_record(domain, merge_records(records), "one merged SPF record"),
             *dig_txt(domain)),
            about=domain))
        return SpfNode(term, mechanism, domain, qualifier, records[0], 0, total, void,
                       "several SPF records (permerror)")
    if not records:
        return SpfNode(term, mechanism, domain, qualifier, None, 0, total, void,
                       _no_record(walk, answer, domain, term, parent, mechanism))
    record = records[0]
    if answer.size and answer.size > UDP_SIZE:
        walk.findings.append(finding(
            "SPF-18", Severity.WARN, f"SPF answer for {domain} is {answer.size} bytes",
            f"Answers over {UDP_SIZE} bytes need EDNS0 or TCP; some receivers' DNS drops them "
            "(RFC 7208 §3.4 asks for small records).", [shorten(record, 200)], about=domain))
    walk.current_record = record
    children = await _terms(walk, domain, record)
    return SpfNode(term, mechanism, domain, qualifier, record, 0, total, void, "",
                   "", children)


def _no_record(walk: _Walk, answer: DnsAnswer, domain: str, term: str, parent: str,
               mechanism: str) -> str:
    others = [v for v in answer.values if v.lower().lstrip('" ').startswith("v=spf1")]
    if others:
        walk.findings.append(finding(
            "SPF-03", Severity.ERROR, f"TXT at {domain} looks like SPF but is not one",
            "Only TXT data beginning exactly with v=spf1 followed by a space (or nothing) is SPF "
            "(RFC 7208 §4.5); quotes pasted into a DNS control panel become part of the data "
            "(DNS-02).", others, dig_txt(domain), about=domain))
    why = {Status.NXDOMAIN: "the domain does not exist",
           Status.NODATA: "the domain has no TXT records"}.get(answer.status, "no v=spf1 record")
    if mechanism == "include":
        walk.hint = walk.hint or "permerror"
        walk.findings.append(finding(
            "SPF-08", Severity.CRITICAL, f"include of a domain without SPF: {domain}",
            f"`{term}` in the record of {parent} points at {domain}, where {why}; an include "
            "whose target has no SPF record makes the whole check permerror (RFC 7208 §5.2). "
            "Remove the include or correct the vendor's domain.", [term], dig_txt(domain),
            about=parent))
        return f"no SPF record ({why}): permerror"
    if mechanism == "redirect":
        walk.hint = walk.hint or "permerror"
        walk.findings.append(finding(
            "SPF-09", Severity.ERROR, f"redirect to a domain without SPF: {domain}",
            f"`{term}` in the record of {parent} points at {domain}, where {why}: permerror "
            "(RFC 7208 §6.1).", [term], dig_txt(domain), about=parent))
        return f"no SPF record ({why}): permerror"
    walk.findings.append(spf_findings.no_record(domain, why, answer))
    return f"no SPF record ({why})"



_MACRO_NEEDS_IP = re.compile(r"%\{[icp]", re.IGNORECASE)


async def _terms(walk: _Walk, domain: str, record: str) -> tuple[SpfNode, ...]:
    """Every term of one record, in order; includes recurse. The lookups a record's terms
    need are started together, then costs are counted in evaluation order."""
    walk.query.d = domain  # a/mx without a domain mean this record's domain
    tokens = [t for t in record.split(" ")[1:] if t]
    parsed = [_parse_term(walk, token, domain, index + 2) for index, token in enumerate(tokens)]
    has_all = any(p[1] == "all" for p in parsed)
    modifiers = [p for p in parsed if p[1] in ("redirect", "exp")]
    for name in ("redirect", "exp"):
        if len([p for p in modifiers if p[1] == name]) > 1:
            walk.hint = walk.hint or "permerror"
            walk.findings.append(spf_findings.syntax_error(domain, record, f"{name}=", f"{name}= appears more "
                                         "than once (RFC 7208 §6)"))
    _prefetch(walk, parsed, has_all)
    nodes: list[SpfNode] = []
    redirect = None
    for token, mech, target, qualifier, error in parsed:
        if walk.total > MAX_WALK_LOOKUPS or walk.questions_left() <= 0:
            walk.capped = True
            break
        if mech == "redirect":
            redirect = (token, target, error)
            continue
        nodes.append(await _term(walk, domain, token, mech, target, qualifier, error))
    if redirect is not None and not walk.capped:
        token, target, error = redirect
        if has_all:
            nodes.append(SpfNode(token, "redirect", target, "+", None, 0, walk.total, False,
                                 "ignored: the record has an all mechanism"))
            walk.findings.append(finding(
                "SPF-09", Severity.INFO, f"redirect ignored in the record of {domain}",
                f"`{token}` is never used because the record also has an all mechanism "
                "(RFC 7208 §6.1).", [record], about=domain))
        elif error:
            nodes.append(SpfNode(token, "redirect", target, "+", None, 0, walk.total, False,
                                 error))
        else:
            walk.spend(1, token, domain)
            node = await _fetch(walk, target, token, domain, "redirect")
            nodes.append(_with_cost(node, 1))
    elif not has_all and domain == walk.root_domain:
        walk.findings.append(finding(
            "SPF-11", Severity.WARN, f"No all mechanism in the SPF record of {domain}",
            "Without all (or redirect), mail from an unlisted IP gets neutral, which "
            "protects nothing; end the record with ~all or -all.", [record], about=domain))
    return tuple(nodes)


_FIRST_QUERY = {"include": "TXT", "redirect": "TXT", "mx": "MX", "exists": "A"}


def _prefetch(walk: _Walk, parsed: list[tuple[str, str, str, str, str]], has_all: bool) -> None:
    """Start the first lookup of every DNS term of one record at once; the walk then awaits
    them in evaluation order, so the running totals stay in the order a receiver counts.
    Capped at the lookups the walk may still make, so a record of a thousand terms cannot
    start a thousand queries."""
    family = "AAAA" if walk.ip and ipaddress.ip_address(walk.ip).version == 6 else "A"
    budget = min(MAX_WALK_LOOKUPS - walk.total, walk.questions_left())
    for _token, mech, target, _qualifier, error in parsed:
        if budget <= 0:
            break
        if error or not target or mech not in (*_DNS_TERMS, "redirect") or mech == "ptr":
            continue
        if mech == "redirect" and has_all:
            continue
        walk.start(target, _FIRST_QUERY.get(mech, family))
        budget -= 1


def _with_cost(node: SpfNode, cost: int) -> SpfNode:
    return replace(node, cost=cost)


def _parse_term(walk: _Walk, token: str, domain: str, position: int
                ) -> tuple[str, str, str, str, str]:
    """(token, mechanism, target domain, qualifier, error) using pyspf's own parser."""
    modifier = pyspf.RE_MODIFIER.split(token)[1:]
    if len(modifier) == 2:
        name, arg = modifier[0].lower(), modifier[1]
        if name not in ("redirect", "exp"):
            return token, "modifier", "", "+", ""  # unknown modifiers are ignored (§6)
        target, error = _expand(walk, arg, token, domain, position)
        return token, name, target, "+", error
    if not walk.ip and _MACRO_NEEDS_IP.search(token):
        return token, _bare_mechanism(token), "", token[0] if token[0] in "+-~?" else "+", (
            "needs the client IP to expand its macro (SPF-19)")
    if "%{p" in token.lower():
        return token, _bare_mechanism(token), "", "+", (
            "uses the %{p} macro, which needs the client's validated PTR name")
    try:
        _mech, mech, arg, _cidr, _result = walk.query.validate_mechanism(token)
    except pyspf.PermError as exc:
        walk.hint = walk.hint or "permerror"
        walk.findings.append(spf_findings.syntax_error(domain, walk.current_record, token, exc.msg, position))
        return token, _bare_mechanism(token), "", "+", f"syntax error: {exc.msg}"
    qualifier = token[0] if token[0] in "+-~?" else "+"
    if "%" in token and mech in _DNS_TERMS:
        walk.findings.append(finding(
            "SPF-19", Severity.INFO, f"Macro in {token}",
            f"For this client the term looks up {arg}.", [token], about=domain))
    if mech not in _DNS_TERMS:
        return token, mech, "", qualifier, ""
    try:
        return token, mech, spec_name(arg), qualifier, ""
    except InvalidName as exc:
        return token, mech, "", qualifier, f"not looked up: {exc}"


def _bare_mechanism(token: str) -> str:
    return re.split(r"[:/=]", token.lstrip("+-~?"), maxsplit=1)[0].lower()


def _expand(walk: _Walk, arg: str, token: str, domain: str, position: int) -> tuple[str, str]:
    if not walk.ip and _MACRO_NEEDS_IP.search(arg):
        return "", "needs the client IP to expand its macro (SPF-19)"
    try:
        target = walk.query.expand_domain(arg.rstrip("."))
    except pyspf.PermError as exc:
        walk.hint = walk.hint or "permerror"
        walk.findings.append(spf_findings.syntax_error(domain, walk.current_record, token, exc.msg, position))
        return "", f"syntax error: {exc.msg}"
    if not target:
        walk.findings.append(spf_findings.syntax_error(domain, walk.current_record, token, "empty domain",
                                     position))
        return "", "empty domain"
    try:
        return spec_name(target), ""
    except InvalidName as exc:
        return "", f"not looked up: {exc}"


async def _term(walk: _Walk, domain: str, token: str, mech: str, target: str, qualifier: str,
                error: str) -> SpfNode:
    if error or mech not in _DNS_TERMS:
        if mech == "all" and qualifier == "+":
            walk.findings.append(finding(
                "SPF-11", Severity.ERROR, f"+all in the SPF record of {domain}",
                "+all authorises every IP address on the Internet to send as this domain.",
                [token], about=domain))
        if mech == "ip4" and token.split(":", 1)[-1].startswith("0.0.0.0/0"):
            walk.findings.append(finding(
                "SPF-11", Severity.ERROR, f"{token} in the SPF record of {domain}",
                "ip4:0.0.0.0/0 is the same as +all: it authorises every IPv4 address.",
                [token], about=domain))
        cost = 1 if mech in _DNS_TERMS else 0  # a term that cannot be expanded still counts
        if cost:
            walk.spend(cost, token, domain)
        return SpfNode(token, mech, target, qualifier, None, cost, walk.total, False, error)
    walk.spend(1, token, domain)
    if mech == "include":
        walk.includes[target] = walk.includes.get(target, 0) + 1
        if walk.includes[target] == 2:
            walk.findings.append(finding(
                "SPF-20", Severity.WARN, f"include:{target} appears more than once",
                "A repeated include spends the 10-lookup budget again (and again for every "
                "lookup inside it) without authorising anything new.", [token], about=domain))
        if target in walk.stack:
            walk.hint = walk.hint or "permerror"
            return SpfNode(token, mech, target, qualifier, None, 1, walk.total, False,
                           "include loop: this domain is already being evaluated")
        walk.stack.append(target)
        try:
            node = await _fetch(walk, target, token, domain, "include", qualifier)
        finally:
            walk.stack.pop()
        return _with_cost(node, 1)
    if mech == "ptr":
        walk.findings.append(finding(
            "SPF-10", Severity.WARN, f"ptr in the SPF record of {domain}",
            "ptr SHOULD NOT be used (RFC 7208 §5.5): it is slow, counts against the 10-lookup "
            "limit and some receivers ignore it. List the addresses with ip4:/ip6: instead.",
            [token], about=domain))
        return SpfNode(token, mech, target, qualifier, None, 1, walk.total, False, "",
                       "matches when the client IP's PTR name (forward-confirmed) ends in "
                       f"{target}")
    rdtype = "AAAA" if walk.ip and ipaddress.ip_address(walk.ip).version == 6 else "A"
    if mech == "exists":
        rdtype = "A"  # RFC 7208 §5.7: exists always asks for A, whatever the client family
    if mech == "mx":
        return await _mx(walk, domain, token, target, qualifier, rdtype)
    answer = await walk.ask(target, rdtype)
    return _address_node(walk, domain, token, mech, target, qualifier, answer, 1)


def _address_node(walk: _Walk, domain: str, token: str, mech: str, target: str,
                  qualifier: str, answer: DnsAnswer, cost: int) -> SpfNode:
    if answer.status.transient:
        walk.hint = walk.hint or "temperror"
        walk.findings.append(spf_findings.term_lookup_failed(domain, token, target, answer))
        return SpfNode(token, mech, target, qualifier, None, cost, walk.total, False,
                       f"DNS {answer.status}: temperror")
    addresses = [r[0] for r in answer.strings] if answer.status.answered else []
    if not addresses:
        walk.void_seen(token, domain)
        return SpfNode(token, mech, target, qualifier, None, cost, walk.total, True,
                       "", f"{answer.rdtype}: {answer.status} (void lookup)")
    return SpfNode(token, mech, target, qualifier, None, cost, walk.total, False, "",
                   f"{answer.rdtype}: {', '.join(addresses[:8])}"
                   + (f" … ({len(addresses)} in all)" if len(addresses) > 8 else ""))


async def _mx(walk: _Walk, domain: str, token: str, target: str, qualifier: str,
              rdtype: str) -> SpfNode:
    answer = await walk.ask(target, "MX")
    node = _address_node(walk, domain, token, "mx", target, qualifier, answer, 1)
    if node.error or node.void:
        return node
    hosts = sorted({r[0].partition(" ")[2].rstrip(".").lower() for r in answer.strings
                    if is_valid_name(r[0].partition(" ")[2])})
    unasked = ""
    if walk.total > LOOKUP_LIMIT:
        # No receiver evaluates a term past the limit, so its hosts' addresses decide
        # nothing: asking them would only spend DNS questions on the tree view.
        unasked = f"past the {LOOKUP_LIMIT}-lookup limit"
    elif len(hosts) > walk.questions_left():
        unasked = "the message's DNS budget for SPF is spent"
    if unasked and len(hosts) <= MX_LIMIT:
        return SpfNode(token, "mx", target, qualifier, None, 1, walk.total, False, "",
                       f"MX: {', '.join(hosts)} (addresses not looked up: {unasked})")
    if len(hosts) > MX_LIMIT:
        walk.hint = walk.hint or "permerror"
        walk.findings.append(finding(
            "SPF-07", Severity.ERROR, f"mx of {target} has {len(hosts)} hosts",
            f"Evaluating mx may look up at most {MX_LIMIT} hosts' addresses; more is permerror "
            "(RFC 7208 §4.6.4). List the senders with ip4:/ip6: instead.", [token],
            about=domain))
        return SpfNode(token, "mx", target, qualifier, None, 1, walk.total, False,
                       f"{len(hosts)} MX hosts (more than {MX_LIMIT}): permerror")
    answers = await asyncio.gather(*(walk.ask(h, rdtype) for h in hosts))
    children = []
    for host, host_answer in zip(hosts, answers):
        found = [r[0] for r in host_answer.strings] if host_answer.status.answered else []
        children.append(SpfNode(host, "mx-host", host, qualifier, None, 0, walk.total,
                                not found, "" if found or not host_answer.status.transient
                                else f"DNS {host_answer.status}",
                                f"{rdtype}: {', '.join(found) if found else host_answer.status}"))
    if not any(c.detail and not c.void for c in children):
        walk.findings.append(finding(
            "SPF-07", Severity.ERROR, f"mx of {target}: no host has an {rdtype} address",
            "The mx mechanism can never match.", [token], about=domain))
    return SpfNode(token, "mx", target, qualifier, None, 1, walk.total, False, "",
                   f"MX: {', '.join(hosts)}", tuple(children))


async def spf_tree(domain: str, lookup: Lookup, *, ip: str | None = None,
                   sender: str | None = None, helo: str | None = None,
                   budget: QuestionBudget | None = None) -> SpfTree:
    """Walk the SPF record of `domain` and everything it includes or redirects to.

    Without `ip`, macros that need the client address are shown unexpanded. The walk visits
    every term (a receiver stops at the first match), so `lookups_used` is what an unlisted
    IP costs: the number that must stay at or under 10."""
    try:
        domain = check_name(domain)
    except InvalidName as exc:
        shown = sanitize(domain, one_line=True)
        return SpfTree(shown, SpfNode(shown, "root", "", error=str(exc)), 0, 0, "", (),
                       (not_a_domain(exc, domain),))
    query = pyspf.query(ip or None, sender or f"postmaster@{domain}", helo or domain)
    if not ip:  # pyspf sets these in set_ip(); the parser needs them even without an IP
        query.A, query.v, query.cidrmax = "A", "in-addr", 32
    walk = _Walk(lookup, query, ip, domain, budget or QuestionBudget())
    try:
        root = await _fetch(walk, domain, domain, "", "root")
    finally:
        for task in walk.pending.values():  # prefetches a capped walk never reached
            task.cancel()
    if walk.capped:
        walk.findings.append(finding(
            "SPF-05", Severity.CRITICAL, f"Walk stopped after {walk.total} lookups",
            f"The tree is far over the limit; the rest was not looked up (the walk asks at "
            f"most {QUESTION_BUDGET} DNS questions per message).", [domain],
            about=domain))
    if walk.total <= LOOKUP_LIMIT and root.record:
        walk.findings.append(finding(
            "SPF-05", Severity.INFO, f"{walk.total} of {LOOKUP_LIMIT} DNS lookups used",
            f"Evaluating the whole record of {domain} (every include followed, as for an IP that "
            f"matches none of its terms) costs {walk.total} "
            f"DNS-querying terms and {walk.voids} void lookups (limits {LOOKUP_LIMIT} and "
            f"{VOID_LIMIT}).", [root.record], about=domain))
    return SpfTree(domain, root, walk.total, walk.voids, walk.hint,
                   tuple(walk.answers.values()), tuple(dict.fromkeys(walk.findings)))
