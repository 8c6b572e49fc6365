"""The pipeline: evidence in → Report out (DESIGN.md "wizard.pipeline.analyze").

Stages run as early as their inputs allow. Everything that needs no DNS lands first (one
partial Report through `on_progress`); then DKIM keys, SPF and DMARC lookups all start at
once on one DnsSession, so the wall time is the deepest chain of dependent lookups, not
their sum; forensics run only for signatures that failed.
"""
from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from msgspec.structs import replace

from wizard.dkim.canon import BodyDigests
from wizard.dns.types import Resolver
from wizard.input.classify import Evidence, classify, message_age_finding
from wizard.input.message import Message, mailbox_addresses, parse_message
from wizard.model.arc import ArcSet
from wizard.model.findings import Finding, merge_findings
from wizard.model.report import InputInfo, MessageFacts, Report, SignatureReport, sort_findings
from wizard.model.request import AnalysisRequest

if TYPE_CHECKING:
    from wizard.dns.session import AuthorityFactory

Progress = Callable[[Report], None]


def _domain_of(address: str | None) -> str | None:
    if not address or "@" not in address:
        return None
    domain = address.rsplit("@", 1)[1].strip().strip(">").rstrip(".").lower()
    return domain or None


def message_facts(
    msg: Message, received, *, ip: str | None, mail_from: str | None, helo: str | None
) -> MessageFacts:
    from_header = msg.value("From")
    # mailbox_addresses, not getaddresses: the same reading DMARC uses, and it refuses
    # comments nested deep enough to exhaust the parser's recursion.
    addresses = (mailbox_addresses(from_header) or []) if from_header else []
    from_domain = _domain_of(addresses[0]) if len(addresses) == 1 else None
    if mail_from is None:
        return_path = msg.value("Return-Path")
        if return_path is not None:
            mail_from = return_path.strip().strip("<>").strip()
    client_ip, client_helo = (received.client() if received is not None else None) or (None, None)
    return MessageFacts(
        from_header=from_header,
        from_domain=from_domain,
        mail_from=mail_from,
        mail_from_domain=_domain_of(mail_from),
        helo=helo or client_helo,
        client_ip=ip or client_ip,
        subject=msg.value("Subject"),
        date=msg.value("Date"),
        message_id=msg.value("Message-ID"),
        to=msg.value("To"),
    )


def _dedupe(findings: Sequence[Finding]) -> tuple[Finding, ...]:
    seen: dict[tuple[str, str, str], Finding] = {}
    for finding in findings:
        seen.setdefault((finding.id, finding.about, finding.title), finding)
    return sort_findings(merge_findings(list(seen.values())))


async def analyze(
    request: AnalysisRequest,
    *,
    resolvers: Sequence[Resolver],
    on_progress: Progress | None = None,
    body_digests: BodyDigests | None = None,
    authority: AuthorityFactory | None = None,
) -> Report:
    """Analyse what `request` holds (evidence, or a domain) asking `resolvers` (none:
    offline). Whether the zones' authoritative servers are also asked is the request's rule
    (AnalysisRequest.asks_authoritative, DNS-04/05/14); with several resolvers their answers
    are always compared. `body_digests` may answer the body hashes of the evidence's own
    signatures, computed ahead (wizard.transit.prefetch). `authority` reaches those servers
    for a message (DnsSession's hook; a sweep routes them through its shared cache). Raises
    wizard.input.classify.UnreadableInput for input that cannot be analysed at all (empty,
    binary); everything else yields a Report."""
    if request.now is None:
        request = replace(request, now=datetime.now(UTC))
    if request.is_domain:
        return await _domain(request, request.domain, request.selectors, resolvers, on_progress, authority)
    evidence = classify(request.raw)
    if evidence.kind == "domain":
        return await _domain(request, evidence.text.strip(), (), resolvers, on_progress, authority)
    if evidence.kind == "dmarc_aggregate":
        from wizard.pipeline.aggregate import analyze_aggregate

        return await analyze_aggregate(evidence, request, resolvers=resolvers)
    if evidence.kind == "tls_report":
        from wizard.pipeline.tls_report import analyze_tls_report

        return analyze_tls_report(evidence, request)
    return await _analyze_evidence(evidence, request, resolvers=resolvers, on_progress=on_progress,
                                   body_digests=body_digests, authority=authority)


async def _domain(request: AnalysisRequest, domain: str, selectors: Sequence[str],
                  resolvers: Sequence[Resolver], on_progress: Progress | None,
                  authority: AuthorityFactory | None) -> Report:
    from wizard.pipeline.domain import analyze_domain

    assert request.now is not None  # filled in by analyze()
    return await analyze_domain(
        domain, selectors, resolvers=resolvers, now=request.now, timeout=request.timeout,
        compare=request.asks_authoritative, on_progress=on_progress, source=request.source,
        authority=authority,
    )


async def _analyze_evidence(
    evidence: Evidence,
    request: AnalysisRequest,
    *,
    resolvers: Sequence[Resolver],
    on_progress: Progress | None,
    body_digests: BodyDigests | None = None,
    authority: AuthorityFactory | None = None,
) -> Report:
    from wizard.receiver.signs import plainly_not_a_bounce

    assert request.now is not None  # filled in by analyze()
    kind = evidence.kind
    findings: list[Finding] = list(evidence.findings)
    bounce = None
    returned_raw = None
    if kind in ("smtp_reply", "message", "headers") and not plainly_not_a_bounce(evidence.raw):
        # Imported only now: an ordinary message never needs the bounce parser's tables.
        from wizard.receiver.bounce import analyze_bounce

        analysis = analyze_bounce(evidence.raw)
        if analysis is not None:
            bounce = analysis.bounce
            findings = [f for f in findings if f.id != "EVID-01"] + list(analysis.findings)
            kind = _bounce_kind(kind, bounce)
            returned_raw = analysis.returned_message
    msg = evidence.message if kind in ("message", "headers", "dkim_signature", "auth_results") else None
    info = InputInfo(
        kind=kind,
        label=_label(kind, bounce),
        source=request.source,
        size=len(evidence.raw),
        line_endings=msg.line_endings if msg else "n/a",
        has_body=bool(msg and msg.body and not msg.body.isspace()),  # no copy of a big body
    )
    report = Report(
        input=info,
        analysed_at=request.now,
        resolvers=tuple(r.label for r in resolvers),
        bounce=bounce,
        findings=_dedupe(findings),
        caps=evidence.caps,
    )

    returned_task = None
    if returned_raw:
        # DSN-12: every check on the message the bounce carried back, with the same
        # identities and DNS, but no original of its own.
        returned = replace(request, source="returned message", raw=returned_raw, original=None)
        returned_task = asyncio.ensure_future(_analyze_returned(returned, resolvers, authority))
    if msg is not None:
        report = await _analyze_message(
            report, msg, request, resolvers=resolvers,
            original=parse_message(request.original) if request.original else None,
            on_progress=on_progress, body_digests=body_digests, authority=authority,
        )
    if returned_task is not None:
        report = replace(report, returned=await returned_task)
    if on_progress:
        on_progress(report)
    return report


async def _analyze_returned(request: AnalysisRequest, resolvers: Sequence[Resolver],
                            authority: AuthorityFactory | None) -> Report | None:
    from wizard.input.classify import UnreadableInput

    try:
        evidence = classify(request.raw)
    except UnreadableInput:
        return None
    if evidence.kind not in ("message", "headers"):
        return None
    return await _analyze_evidence(evidence, request, resolvers=resolvers, on_progress=None,
                                   authority=authority)


def _bounce_kind(kind: str, bounce) -> str:
    if bounce.kind == "not_a_bounce":
        layout = (bounce.layout or "").lower()
        return "report" if "arf" in layout or "feedback" in layout else "auto_reply"
    if kind == "smtp_reply":
        return "smtp_reply"
    return "dsn" if "3464" in (bounce.layout or "") or "dsn" in (bounce.layout or "").lower() else "bounce"


def _label(kind: str, bounce) -> str:
    from wizard.input.classify import KIND_LABELS

    label = KIND_LABELS.get(kind, kind)
    if bounce is not None and bounce.layout and bounce.layout.lower() not in label.lower():
        label += f", layout: {bounce.layout}"
    return label


async def _analyze_message(
    report: Report,
    msg: Message,
    request: AnalysisRequest,
    *,
    resolvers: Sequence[Resolver],
    original: Message | None,
    on_progress: Progress | None,
    body_digests: BodyDigests | None,
    authority: AuthorityFactory | None = None,
) -> Report:
    from wizard.arc.tags import decode_arc
    from wizard.dkim.signature import parse_signatures
    from wizard.dkim.tags import decode_signatures
    from wizard.input.received import parse_received
    from wizard.receiver.auth_results import parse_auth_results

    now = report.analysed_at
    parsed = parse_signatures(msg)  # once: verify and transit forensics read these objects
    signatures = decode_signatures(msg, now=now, parsed=parsed)
    arc_set = decode_arc(msg)
    auth = parse_auth_results(msg)
    received = parse_received(msg)
    facts = message_facts(msg, received, ip=request.ip, mail_from=request.mail_from, helo=request.helo)
    findings = list(report.findings) + list(signatures.findings) + list(arc_set.findings)
    findings += list(auth.findings) + list(received.findings)
    if (age := message_age_finding(msg, now)) is not None:
        findings.append(age)
    sig_reports = tuple(
        SignatureReport(
            index=s.index, d=s.d, s=s.s, a=s.a, result="none", reason="",
            warnings=tuple(s.warnings), decoded=s,
        )
        for s in signatures.signatures
    )
    report = replace(
        report, message=facts, signatures=sig_reports, arc=arc_set, auth_results=auth,
        received=received, findings=_dedupe(findings),
        pending=("dns",) if resolvers else (),
    )
    if on_progress:
        on_progress(report)
    if not resolvers:
        return report

    from wizard.dns.session import DnsSession

    # --timeout bounds the whole analysis' DNS, not only each question (DnsSession.deadline)
    session = DnsSession(list(resolvers), timeout=request.timeout, compare=request.asks_authoritative,
                         authority=authority, deadline=request.timeout)
    return await _analyze_online(
        report, msg, session, signatures=signatures, parsed=parsed, facts=facts, now=now,
        original=original, on_progress=on_progress, body_digests=body_digests,
    )


async def _analyze_online(
    report: Report, msg: Message, session, *, signatures, parsed, facts: MessageFacts, now: datetime,
    original: Message | None, on_progress: Progress | None, body_digests: BodyDigests | None,
) -> Report:
    from wizard.dkim.verify import verify_signatures
    from wizard.dmarc.check import check_dmarc
    from wizard.spf.check import check_spf

    prewarm = _prewarm_dmarc(session, facts, signatures)
    comparing = asyncio.ensure_future(_compare_records(session, signatures, facts))
    verdicts_task = asyncio.ensure_future(verify_signatures(msg, session, now=now, body_digests=body_digests,
                                                                 signatures=parsed))
    spf_task = asyncio.ensure_future(
        check_spf(ip=facts.client_ip, mail_from=facts.mail_from, helo=facts.helo,
                  lookup=session.lookup, sync_lookup=session.sync_lookup)
    )
    verdicts = await verdicts_task
    # ARC's reconstruction (ARC-05) says whether DKIM fails *now*, so it follows verification.
    arc_task = None
    if report.arc and report.arc.instances:
        from wizard.arc.verify import verify_arc

        arc_task = asyncio.ensure_future(verify_arc(msg, session, dkim_verdicts=verdicts))
    sig_reports = tuple(
        replace(sig, result=v.result, reason=v.reason,
                warnings=tuple(dict.fromkeys(sig.warnings + tuple(v.warnings))), verdict=v)
        for sig, v in zip(report.signatures, verdicts)
    )
    findings = list(report.findings) + [f for v in verdicts for f in v.findings]
    # has_body says what was checked: an empty body whose hash was verified is a body.
    checked = any(v.body_hash.result != "not_checked" for v in verdicts)
    report = replace(report, signatures=sig_reports, findings=_dedupe(findings),
                     input=replace(report.input, has_body=report.input.has_body or checked),
                     dns=session.answers, pending=("spf", "dmarc", "forensics"))
    if on_progress:
        on_progress(report)

    forensics_task = asyncio.ensure_future(
        asyncio.to_thread(_forensics, msg, report.signatures, original, parsed, report)
        if any(_needs_forensics(s) for s in report.signatures) or original is not None
        else _nothing(report.signatures)
    )
    spf = await spf_task
    dkim_pass = [s.d for s in sig_reports if s.result == "pass" and s.d]
    dkim_failed = [(s.d, s.result or "fail") for s in sig_reports if s.result != "pass" and s.d]
    dmarc = await check_dmarc(
        facts.from_header, dkim_pass_domains=dkim_pass, spf_result=spf.result if spf else None,
        spf_domain=spf.domain if spf else None, lookup=session.lookup, dkim_failed=dkim_failed,
    )
    findings = list(report.findings) + list(spf.findings) + list(dmarc.findings)
    arc = report.arc
    if arc_task:
        verified = await arc_task
        findings += list(verified.findings)
        arc = verified
    report = replace(report, spf=spf, dmarc=dmarc, arc=arc, findings=_dedupe(findings),
                     dns=session.answers, pending=("forensics",))
    if on_progress:
        on_progress(report)

    sig_reports, forensic_findings = await forensics_task
    await comparing
    await asyncio.gather(*prewarm, return_exceptions=True)  # done long ago: DMARC awaited them
    findings = list(report.findings) + forensic_findings
    from wizard.dns.findings import answer_findings

    findings += answer_findings(session.answers, resolvers=session.all_resolvers)
    return replace(report, signatures=sig_reports, findings=_dedupe(findings),
                   dns=tuple(session.answers), pending=())


def _prewarm_dmarc(session, facts: MessageFacts, signatures) -> list[asyncio.Future]:
    """Start DMARC's lookups now. Discovery and the organisational-domain tree walks need no
    DKIM or SPF verdict, only names the message already shows, so they overlap verification
    and the SPF chain instead of queueing behind them (the session shares the answers).
    The Public Suffix List loads in a thread meanwhile (from its cache, or parsed once)."""
    from wizard.dmarc.orgdomain import psl_org_domain, walk_names

    if not facts.from_domain:
        return []
    domains = {facts.from_domain, facts.mail_from_domain, *(s.d for s in signatures.signatures)}
    names = {f"_dmarc.{n}" for d in domains if d for n in walk_names(d)}
    # Held (and awaited at the end) so no task is collected before it has run.
    tasks = [asyncio.ensure_future(session.lookup(name, "TXT")) for name in sorted(names)]
    tasks.append(asyncio.ensure_future(session.lookup(facts.from_domain, "A")))
    tasks.append(asyncio.ensure_future(asyncio.to_thread(psl_org_domain, facts.from_domain)))
    return tasks


async def _compare_records(session, signatures, facts: MessageFacts) -> None:
    """Ask the records the verdicts rest on of every resolver (and, with the session's
    `compare`, the authoritative servers), so disagreement shows up (DNS-04/05/14)."""
    if len(session.resolvers) < 2 and not session.compare:
        return
    names = {f"{s.s}._domainkey.{s.d}" for s in signatures.signatures if s.s and s.d}
    if facts.from_domain:
        names.add(f"_dmarc.{facts.from_domain}")
    if facts.mail_from_domain:
        names.add(facts.mail_from_domain)
    await asyncio.gather(*(session.lookup_everywhere(n, "TXT") for n in sorted(names)))


async def _nothing(sigs):
    return sigs, []


def _needs_forensics(sig: SignatureReport) -> bool:
    v = sig.verdict
    return v is not None and (v.body_hash.result == "fail" or v.header_signature == "fail")


def _forensics(msg: Message, sigs: tuple[SignatureReport, ...], original: Message | None, parsed, report: Report):
    """Body and header forensics for the signatures that failed (CPU-bound: run in a thread).
    `parsed` are the message's parsed signatures (wizard.dkim.signature), the ones verified."""
    from wizard.transit.body import analyze_body, receiver_results
    from wizard.transit.headers import analyze_headers

    by_index = {p.index: p for p in parsed}
    # `report` is the one from before ARC verification: its `arc` is still the decoded sets.
    delivery = receiver_results(report.auth_results, report.arc if isinstance(report.arc, ArcSet) else None)
    out: list[SignatureReport] = []
    findings: list[Finding] = []
    for sig in sigs:
        verdict = sig.verdict
        body = headers = None
        signature = by_index.get(sig.index)
        if signature is not None and verdict is not None and verdict.body_hash.result == "fail" \
                and msg.body is not None:
            body = analyze_body(msg, signature, original=original, delivery=delivery)
            findings += body.findings
        if signature is not None and verdict is not None and verdict.header_signature == "fail":
            key = verdict.key
            public = (key.tag("p") or "").encode() if key is not None else None
            headers = analyze_headers(msg, signature, public_key=public, original=original)
            findings += headers.findings
        out.append(replace(sig, body=body, headers=headers))
    return tuple(out), findings
