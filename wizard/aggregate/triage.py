"""Every source of an aggregate report, classified with live DNS, in RUA-04's order: aligned
(RUA-05), an ESP signing or bouncing with its own domain (RUA-06/07), a missing SPF include
(RUA-08), a broken selector (RUA-09), forwarding (RUA-10/11), spoofing (RUA-12), else unknown;
and the report's readiness to move its policy (RUA-13).

The DNS asked, all on the analysis' one DnsSession (its deadline bounds the whole triage):
the PTR of each source IP; the policy domain's SPF tree (which include covers the IP) and the
tree of each provider a row points at (whether that include would); the key of each selector
of the policy domain that failed (does it exist and parse). Each distinct question is asked
once; the PTRs all at once over one socket (DnsSession.lookup_many, wizard.dns.bulk: at most
its WINDOW in flight), the trees and keys concurrently, at most MAX_CONCURRENT at a time.
"""
from __future__ import annotations

import asyncio
import functools
import ipaddress
from collections.abc import Awaitable, Callable, Iterable
from typing import TypeVar

from msgspec import Struct
from msgspec.structs import replace

from wizard import fixes
from wizard.aggregate.providers import Provider, by_domain, by_ptr
from wizard.common.dnsname import InvalidName
from wizard.common.lazy_re import lazy
from wizard.common.safe_text import sanitize
from wizard.dkim.keyrecord import analyze_key
from wizard.dns.types import DnsAnswer, Lookup, Status
from wizard.model.aggregate import AggregateDkim, AggregateReport, AggregateSource
from wizard.model.dkim import KeyReport
from wizard.model.findings import Cap, Finding, Severity
from wizard.model.spf import SpfNode, SpfTree
from wizard.receiver.providers import GMAIL
from wizard.spf.record import add_term
from wizard.spf.walk import spf_tree

T = TypeVar("T")
# Many questions at once: DnsSession.lookup_many's shape.
LookupMany = Callable[[list[tuple[str, str]]], Awaitable[list[DnsAnswer]]]
MAX_CONCURRENT = 16  # questions in flight: a report of 10,000 IPs must not flood a resolver
MAX_PTR = 5_000  # distinct IPs whose PTR is asked; the rest are classified without one
HIGH_VOLUME = 10_000  # messages from one source aligned only through SPF: RUA-05's WARN
READY_SHARE = 0.98  # aligned share of legitimate volume before enforcement (RUA-13)


class Triaged(Struct, frozen=True):
    report: AggregateReport
    findings: tuple[Finding, ...]
    caps: tuple[Cap, ...]


class _Dns:
    """The triage's questions, bounded and each asked once."""

    def __init__(self, lookup: Lookup, many: LookupMany | None) -> None:
        self.lookup = lookup
        # With a DnsSession's `lookup_many` (as the pipeline passes it) the PTRs are asked
        # all at once over one socket (wizard.dns.bulk): 256 in flight, not MAX_CONCURRENT.
        self.many = many
        self.gate = asyncio.Semaphore(MAX_CONCURRENT)
        self.ptr_timeouts = 0  # PTRs past the deadline: their sources are classified without a name

    async def bounded(self, work: Callable[[], Awaitable[T]]) -> T:
        async with self.gate:
            return await work()

    async def ptrs(self, ips: list[str]) -> list[str | None]:
        """The PTR name of each IP (None: not an IP, or no name answered)."""
        names: dict[str, str] = {}
        for ip in ips:
            try:
                names[ip] = ipaddress.ip_address(ip).reverse_pointer
            except ValueError:
                continue
        questions = [(name, "PTR") for name in names.values()]
        if self.many is not None:
            answers = await self.many(questions)
        else:
            answers = await asyncio.gather(*(self.bounded(functools.partial(self.lookup, *q)) for q in questions))
        self.ptr_timeouts = sum(a.status == Status.TIMEOUT for a in answers)
        by_ip = dict(zip(names, answers))
        return [_ptr_name(by_ip[ip]) if ip in by_ip else None for ip in ips]

    async def tree(self, domain: str) -> SpfTree:
        return await self.bounded(lambda: spf_tree(domain, self.lookup))

    async def key(self, selector: str, domain: str) -> KeyReport | None:
        try:
            name = fixes.dkim_key_name(domain, selector)
        except InvalidName:
            return None
        answer = await self.bounded(lambda: self.lookup(name, "TXT"))
        return analyze_key(answer, sig_d=domain)


def _ptr_name(answer: DnsAnswer) -> str | None:
    values = [v.rstrip(".").lower() for v in answer.values] if answer.status.answered else []
    return sanitize(values[0], one_line=True) if values else None


Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Terms = tuple[tuple[str, tuple[Network, ...]], ...]


def _networks(node: SpfNode) -> Iterable[Network]:
    """The ip4/ip6 networks a record and everything it includes authorise (a/mx terms are
    left out: their addresses are the domain's own servers, not a provider's)."""
    for child in node.children:
        if child.mechanism in ("ip4", "ip6") and child.qualifier == "+":
            try:
                yield ipaddress.ip_network(child.term.split(":", 1)[1], strict=False)
            except (ValueError, IndexError):
                continue
        elif child.mechanism in ("include", "redirect"):
            yield from _networks(child)


def terms(tree: SpfTree | None) -> Terms:
    """(the domain a top-level term stands for, the networks it authorises): the include's
    domain, or the tree's own for its ip4/ip6 terms. Worked out once per tree, not per row."""
    if tree is None:
        return ()
    out = []
    for child in tree.root.children:
        if child.mechanism in ("include", "redirect"):
            out.append((child.domain, tuple(_networks(child))))
        else:
            out.append((tree.domain, tuple(_networks(SpfNode("", "root", "", children=(child,))))))
    return tuple(out)


def covering(spf: Terms, ip: str) -> str | None:
    """Which top-level term authorises `ip` (see `terms`), None when nothing does."""
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return None
    for domain, nets in spf:
        if any(address.version == n.version and address in n for n in nets):
            return domain
    return None


def _aligned(domain: str, policy_domain: str) -> bool:
    """Relaxed alignment (the default, and what a report's domain owner usually publishes):
    the same domain or one under the other."""
    d, p = domain.lower().rstrip("."), policy_domain.lower().rstrip(".")
    return bool(d) and (d == p or d.endswith("." + p) or p.endswith("." + d))


class _Known:
    """What DNS said, asked before any row is classified: each distinct question once, all
    concurrently, so the classification itself is plain (synchronous) work per row."""

    def __init__(self) -> None:
        self.online = False
        self.own: SpfTree | None = None
        self.own_terms: Terms = ()
        self.includes: dict[str, Terms] = {}  # a provider's SPF include → its terms
        self.keys: dict[tuple[str, str], KeyReport | None] = {}


def _broken(source: AggregateSource, domain: str) -> list[AggregateDkim]:
    return [d for d in source.dkim if _aligned(d.domain, domain) and d.result in ("fail", "permerror", "temperror")]


def _provider(source: AggregateSource, domain: str) -> Provider | None:
    """The ESP or forwarder the PTR, a foreign passing d= or SPF domain, or the return-path names."""
    found = by_ptr(source.ptr)
    if found is None:
        foreign = [d.domain for d in source.dkim if d.result == "pass" and not _aligned(d.domain, domain)]
        foreign += [s.domain for s in source.spf if s.result == "pass" and not _aligned(s.domain, domain)]
        found = next(filter(None, map(by_domain, foreign + [source.envelope_from])), None)
    return found


def _needs_include(source: AggregateSource, domain: str) -> bool:
    """Whether the row is one RUA-08 may explain: SPF failed for the domain, no DKIM passed."""
    return (source.dmarc == "fail" and not any(d.result == "pass" for d in source.dkim)
            and any(s.result in ("fail", "softfail") and _aligned(s.domain, domain) for s in source.spf))


async def _ask(report: AggregateReport, dns: _Dns, caps: list[Cap]) -> tuple[list[AggregateSource], _Known]:
    """Every PTR, the domain's SPF tree and the failing selectors' keys at once; then the
    trees of the providers whose include would explain a failing row (RUA-08)."""
    domain = report.domain
    known = _Known()
    known.online = True
    ips = list(dict.fromkeys(s.ip for s in report.sources))
    if len(ips) > MAX_PTR:
        caps.append(Cap("source IPs whose PTR was asked", MAX_PTR, len(ips)))
    asked = ips[:MAX_PTR]
    selectors = list(dict.fromkeys((d.selector, d.domain) for s in report.sources if s.dmarc == "fail"
                                   for d in _broken(s, domain)[:1] if d.selector))
    own_tree = asyncio.ensure_future(dns.tree(domain)) if domain else None
    ptr_answers, key_answers = await asyncio.gather(dns.ptrs(asked),
                                                    asyncio.gather(*(dns.key(*k) for k in selectors)))
    known.keys = dict(zip(selectors, key_answers))
    if dns.ptr_timeouts:  # a report of thousands of IPs can outlast --timeout: say so
        caps.append(Cap("source IPs whose PTR was answered within --timeout", len(asked) - dns.ptr_timeouts,
                        len(asked)))
    known.own = await own_tree if own_tree is not None else None
    known.own_terms = terms(known.own)
    ptrs = dict(zip(asked, ptr_answers))
    sources = [replace(s, ptr=ptrs.get(s.ip)) for s in report.sources]
    wanted = list(dict.fromkeys(
        p.spf_include for s in sources if _needs_include(s, domain) and covering(known.own_terms, s.ip) is None
        for p in [_provider(s, domain)] if p is not None))
    trees = await asyncio.gather(*(dns.tree(name) for name in wanted))
    known.includes = {name: terms(tree) for name, tree in zip(wanted, trees)}
    return sources, known


async def triage(report: AggregateReport, lookup: Lookup | None,
                 many: LookupMany | None = None) -> Triaged:
    """Classify every source; without `lookup` (offline) no PTR, SPF or key is known and the
    classes rest on the report's own results. `many`: many questions at once
    (DnsSession.lookup_many), for the PTRs."""
    caps: list[Cap] = []
    if lookup is not None:
        sources, known = await _ask(report, _Dns(lookup, many), caps)
    else:
        sources, known = list(report.sources), _Known()
    classified = [_classify(s, report, known) for s in sources]
    ranked = tuple(sorted(classified, key=lambda s: (-(s.count if s.dmarc == "fail" else 0), -s.count, s.ip)))
    triaged = replace(report, sources=ranked)
    return Triaged(triaged, tuple(_report_findings(triaged)), tuple(caps))


def _classify(source: AggregateSource, report: AggregateReport, known: _Known) -> AggregateSource:
    domain = report.domain
    dkim_aligned = [d for d in source.dkim if d.result == "pass" and _aligned(d.domain, source.header_from or domain)]
    spf_aligned = [s for s in source.spf if s.result == "pass" and _aligned(s.domain, source.header_from or domain)]
    foreign_pass = [d.domain for d in source.dkim if d.result == "pass" and not _aligned(d.domain, domain)]
    spf_foreign = [s.domain for s in source.spf if s.result == "pass" and not _aligned(s.domain, domain)]
    provider = _provider(source, domain)
    about = f"source {source.ip}"
    evidence = _evidence(source)
    if source.dmarc == "pass":
        if spf_aligned or not any(s.result in ("fail", "softfail") for s in source.spf) or not dkim_aligned:
            aligned = _aligned_finding(source, dkim_aligned, spf_aligned, about, evidence)
            return _set(source, "aligned", provider, aligned)
        return _set(source, "forwarder", provider, Finding(
            "RUA-10", Severity.INFO,
            f"Forwarded by {source.ptr or source.ip}: SPF fails, aligned DKIM carries DMARC",
            "A forwarder re-sends with the original MAIL FROM from its own IP, so SPF fails "
            f"while the intact DKIM signature of {dkim_aligned[0].domain} keeps DMARC passing. "
            "Nothing to fix while DKIM survives; do not add forwarders to SPF.",
            evidence, about=about))
    esp_finding = _esp_own_domain(source, provider, foreign_pass, spf_foreign, about, evidence)
    if esp_finding is not None:
        return _set(source, "legitimate_unaligned", provider, esp_finding)
    if known.online and provider is not None and _needs_include(source, domain) and \
            covering(known.own_terms, source.ip) is None and \
            covering(known.includes.get(provider.spf_include, ()), source.ip) is not None:
        spf_failed = next(s for s in source.spf if s.result in ("fail", "softfail") and _aligned(s.domain, domain))
        return _set(source, "legitimate_unaligned", provider, _missing_include_finding(
            source, provider, known.own, about, evidence, spf_failed.domain))
    broken = _broken(source, domain)
    if broken:
        key = known.keys.get((broken[0].selector, broken[0].domain))
        from_esp = provider is not None or (key is not None and bool(key.esp))
        if from_esp or (key is not None and not key.usable):
            return _set(source, "legitimate_unaligned", provider, _broken_selector(source, broken[0], key, provider,
                                                                                    about, evidence))
    if source.reasons or broken:
        return _set(source, "forwarder", provider, _forwarder_broke_both(source, about, evidence))
    if not foreign_pass and not spf_foreign and provider is None:
        return _set(source, "spoofing", None, _spoofing(source, report, about, evidence))
    return _set(source, "unknown", provider, Finding(
        "RUA-04", Severity.WARN,
        f"{source.ip} authenticates as {', '.join(dict.fromkeys(foreign_pass + spf_foreign)) or 'another domain'}",
        f"Mail claiming {source.header_from or domain} passed SPF or DKIM only for a domain that is not "
        "aligned with it, from a service mailtriage does not know. If it is a service you use, set it "
        f"up to sign with d={domain}; if not, it is someone else's mail using your From.",
        evidence, fixes.dig_reverse(source.ip, purpose="see who runs the source IP"), about=about))


def _set(source: AggregateSource, klass: str, provider: Provider | None, finding: Finding) -> AggregateSource:
    return replace(source, source_class=klass, provider=provider.name if provider else "", finding=finding)


def _evidence(source: AggregateSource) -> tuple[str, ...]:
    """The row as the receiver wrote it, with RUA-03's reading of an unaligned SPF pass."""
    lines = [f"{source.ip} ({source.ptr or 'no PTR'}): {source.count} messages, header_from "
             f"{source.header_from}, disposition {source.disposition or 'none'}"]
    lines += [f"DKIM d={d.domain} s={d.selector or '?'}: {d.result}" for d in source.dkim]
    for s in source.spf:
        line = f"SPF {s.domain} ({s.scope or 'mfrom'}): {s.result}"
        if s.result == "pass" and source.policy_spf != "pass" and not _aligned(s.domain, source.header_from):
            line += f" — SPF passed for {s.domain}, which is not aligned with {source.header_from}"
        lines.append(line)
    lines += [f"override: {r.type}" + (f" ({r.comment})" if r.comment else "") for r in source.reasons]
    return tuple(lines)  # every value was sanitised when read (parse) or asked (PTR)


def _aligned_finding(source: AggregateSource, dkim: list, spf: list, about: str,
                     evidence: tuple[str, ...]) -> Finding:
    via = [f"DKIM d={d.domain} (s={d.selector or '?'})" for d in dkim[:1]] + [f"SPF {s.domain}" for s in spf[:1]]
    if not dkim and source.count >= HIGH_VOLUME:
        return Finding("RUA-05", Severity.WARN, f"{source.ip} aligns through SPF only ({source.count} messages)",
                       "DMARC passes, but only on SPF, which every forward breaks: add aligned DKIM to this sender.",
                       evidence, about=about)
    return Finding("RUA-05", Severity.INFO, f"{source.ip} is aligned via {' and '.join(via) or 'the receiver'}",
                   "An own or authorised sender: DMARC passes aligned.", evidence, about=about)


def _esp_own_domain(source: AggregateSource, provider: Provider | None, foreign_pass: list[str],
                    spf_foreign: list[str], about: str, evidence: tuple[str, ...]) -> Finding | None:
    """RUA-06 (DKIM passes only with the ESP's d=) or RUA-07 (SPF passes only for its
    return-path), when a known ESP is the one authenticating."""
    esp_dkim = [d for d in foreign_pass if by_domain(d) is not None]
    esp_spf = [d for d in spf_foreign if by_domain(d) is not None]
    if not (esp_dkim or esp_spf) or provider is None:
        return None
    domain = source.header_from
    if esp_dkim:
        return Finding(
            "RUA-06", Severity.ERROR, f"{provider.name}: set up domain authentication (DKIM d={domain})",
            f"{source.count} messages from {provider.name} were signed with d={esp_dkim[0]}, which is not "
            f"aligned with {domain}" + (f", and SPF passed only for {esp_spf[0]}" if esp_spf else "")
            + f"; receivers gave them disposition {source.disposition or 'none'}. Enable custom DKIM at "
            f"{provider.name} ({provider.dkim_setup}) and publish the CNAMEs it gives, so it signs with "
            f"d={domain}.", evidence, about=about)
    return Finding(
        "RUA-07", Severity.ERROR, f"{provider.name}: SPF passes only for its return-path {esp_spf[0]}",
        f"{source.count} messages passed SPF for {esp_spf[0]}, which is not aligned with {domain}, and "
        f"carry no aligned DKIM. Set a custom MAIL FROM (return-path) under {domain} at {provider.name}, "
        f"or better, aligned DKIM ({provider.dkim_setup}).", evidence, about=about)


def _missing_include_finding(source: AggregateSource, provider: Provider, own: SpfTree | None, about: str,
                             evidence: tuple[str, ...], spf_domain: str) -> Finding:
    record = own.root.record if own is not None and own.root.record else "v=spf1 ~all"
    term = f"include:{provider.spf_include}"
    try:
        fix = fixes.txt_record(spf_domain, add_term(record, term), f"add {term} to {spf_domain}'s SPF")
    except InvalidName:
        fix = ()
    return Finding(
        "RUA-08", Severity.ERROR, f"Add {term} to {spf_domain}'s SPF ({provider.name})",
        f"{source.count} messages from {source.ip}, an address {provider.name}'s record "
        f"{provider.spf_include} authorises, failed SPF for {spf_domain}: its record does not include "
        f"{provider.name}. Add {term}, watching the 10-lookup limit (SPF-05).",
        evidence + (f"SPF {spf_domain} now: {record}",), fix, about=about)


def _broken_selector(source: AggregateSource, dkim, key: KeyReport | None, provider: Provider | None,
                     about: str, evidence: tuple[str, ...]) -> Finding:
    name = f"{dkim.selector}._domainkey.{dkim.domain}"
    if key is None:
        now = "not looked up"
    elif key.usable:
        now = "a key that exists and parses now (rotated on one side, or changed since?)"
    else:
        now = f"no usable key ({key.problem or key.status.value})"
    where = provider.name if provider else (key.esp if key is not None and key.esp else source.ptr or source.ip)
    check = fixes.dig_query(name, "TXT", "+noall", "+answer", purpose=f"look up the key {name}")
    return Finding(
        "RUA-09", Severity.ERROR, f"DKIM selector {dkim.selector} of {dkim.domain} fails ({dkim.result}) at {where}",
        f"{source.count} messages signed d={dkim.domain} s={dkim.selector} from {where} failed DKIM; DNS holds "
        f"{now} at {name}. Publish the key the signer uses (or the ESP's CNAME target), then check it.",
        evidence, check, about=about)


def _forwarder_broke_both(source: AggregateSource, about: str, evidence: tuple[str, ...]) -> Finding:
    arc = next((r for r in source.reasons if "arc=pass" in r.comment.lower()), None)
    reason = source.reasons[0] if source.reasons else None
    if arc is not None:
        why = f"delivered despite DMARC fail because the receiver trusted the ARC chain ({arc.comment})"
    elif reason is not None:
        why = f"the receiver overrode the policy: {reason.type}" + (f" ({reason.comment})" if reason.comment else "")
    else:
        why = "the signature of the domain broke on the way, as list footers and rewriting forwarders do"
    return Finding(
        "RUA-11", Severity.INFO, f"{source.ip}: a forwarder or list broke SPF and DKIM",
        f"{why}. Nothing to fix for the domain owner under p=none; before p=reject, ask the forwarder "
        "or list to ARC-seal, or to rewrite From (DMARC-18).", evidence, about=about)


def _spoofing(source: AggregateSource, report: AggregateReport, about: str, evidence: tuple[str, ...]) -> Finding:
    enforced = report.policy_published.p == "reject"
    applied = {"reject": "rejected", "quarantine": "quarantined"}.get(
        source.disposition, f"delivered because p={report.policy_published.p or 'none'}")
    return Finding(
        "RUA-12", Severity.INFO if enforced else Severity.WARN,
        f"{source.ip}: likely spoofing ({source.count} messages, {applied})",
        "Neither SPF nor DKIM passed, from an address no known provider uses. Nothing to add to SPF: "
        "move towards enforcement once legitimate sources align (RUA-13).", evidence, about=about)


def _report_findings(report: AggregateReport) -> list[Finding]:
    """The findings the report as a whole carries: each legitimate failing source's own, one
    summary per other class, and the readiness to move the policy."""
    out: list[Finding] = []
    by_class: dict[str, list[AggregateSource]] = {}
    for source in report.sources:
        by_class.setdefault(source.source_class, []).append(source)
    for source in by_class.get("legitimate_unaligned", []) + by_class.get("unknown", []):
        if source.finding is not None:
            out.append(source.finding)
    spoofed = by_class.get("spoofing", [])
    if spoofed:
        first = spoofed[0].finding
        volume = sum(s.count for s in spoofed)
        out.append(Finding(
            "RUA-12", first.severity if first else Severity.WARN,
            f"Likely spoofing: {volume} messages from {len(spoofed)} source{'s' if len(spoofed) > 1 else ''}",
            "No SPF or DKIM passed and no known provider sends from these addresses.",
            tuple(f"{s.ip}: {s.count} messages, {s.disposition or 'none'}" for s in spoofed[:10]),
            about=report.domain))
    out += provider_codes(report)
    out.append(readiness(report))
    return out


# `550-5.7.30` in a receiver's override comment (RUA-14): the reply code and the enhanced code.
_CODE = lazy(r"\b[245]\d\d[- ]([245]\.\d{1,3}\.\d{1,3})\b")


def provider_codes(report: AggregateReport) -> list[Finding]:
    """RUA-14: Gmail writes sender-requirement failures into the override comment as SMTP
    codes; each is decoded with the receiver's provider-aware table (DSN-07)."""
    seen: dict[str, list[AggregateSource]] = {}
    for source in report.sources:
        for reason in source.reasons:
            for match in _CODE.finditer(reason.comment):
                seen.setdefault(match.group(1), []).append(source)
    out = []
    for code, sources in seen.items():
        meaning = next((m.meaning for m in GMAIL.meanings if m.code.match(code)), None)
        if meaning is None:
            continue
        volume = sum(s.count for s in sources)
        out.append(Finding(
            "RUA-14", Severity.INFO, f"{code} in the receiver's comments: {meaning}",
            f"{volume} messages from {len(sources)} source{'s' if len(sources) > 1 else ''} carry a provider "
            f"comment with {code} (reported for Gmail's sender requirements; unverified).",
            tuple(dict.fromkeys(f"{s.ip}: {r.comment}" for s in sources for r in s.reasons))[:5],
            about=report.domain))
    return out


class Volumes(Struct, frozen=True):
    """RUA-13's numbers: legitimate volume, how much of it is aligned, what fails."""

    legitimate: int
    aligned: int
    failing: tuple[AggregateSource, ...]  # the domain's own senders failing, most messages first
    policy: str
    step: str  # the policy to move to; "" at p=reject

    @property
    def share(self) -> float:
        return self.aligned / self.legitimate if self.legitimate else 0.0

    @property
    def ready(self) -> bool:
        return not self.failing and bool(self.step) and bool(self.legitimate) and self.share >= READY_SHARE


def volumes(report: AggregateReport) -> Volumes:
    legit = [s for s in report.sources if s.source_class in ("aligned", "legitimate_unaligned", "forwarder")]
    policy = report.policy_published.p or "none"
    failing = sorted((s for s in legit if s.source_class == "legitimate_unaligned"), key=lambda s: -s.count)
    return Volumes(sum(s.count for s in legit), sum(s.count for s in legit if s.dmarc == "pass"),
                   tuple(failing), policy, {"none": "quarantine", "quarantine": "reject"}.get(policy, ""))


def readiness(report: AggregateReport) -> Finding:
    """RUA-13: the aligned share of legitimate volume, and what must be fixed first."""
    numbers = volumes(report)
    volume, passing, share, failing, step = (numbers.legitimate, numbers.aligned, numbers.share,
                                             numbers.failing, numbers.step)
    shown = f"{share:.1%} of legitimate volume ({passing} of {volume} messages) is aligned"
    if failing:
        ids = [s.finding.id if s.finding else "?" for s in failing]
        first = ", ".join(f"{s.ip} ({fid}, {s.count} messages)" for s, fid in zip(failing[:5], ids))
        return Finding("RUA-13", Severity.INFO, f"Not ready for p={step or 'reject'}: fix {ids[0]} first",
                       f"{shown}; legitimate sources still fail DMARC. Fix first: {first}.", about=report.domain)
    if not step:
        return Finding("RUA-13", Severity.INFO, "Already at p=reject", shown + ".", about=report.domain)
    if numbers.ready:
        return Finding("RUA-13", Severity.INFO, f"Ready for p={step}",
                       f"{shown}; the remaining failures are forwarders and lists. Stage it with t=y "
                       "(RFC 9989) or pct (RFC 7489 receivers), over 2–4 weeks of reports.", about=report.domain)
    return Finding("RUA-13", Severity.INFO, f"Not ready for p={step}: {share:.1%} aligned",
                   f"{shown}; wait for more reports (2–4 weeks, several receivers) before enforcing.",
                   about=report.domain)
