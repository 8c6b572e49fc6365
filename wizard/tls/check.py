"""`check_tls(domain, session)`: every live TLS check of diagnoses.md §14 for one recipient
domain — its MX hosts over SMTP+STARTTLS, MTA-STS, DANE and TLS-RPT — as a TlsReport.

DNS goes through the DnsSession (one deadline, every answer visible); the MX hosts and the
policy host are reached at the addresses that session resolved, so `--resolver` decides where
the tool connects (the tests point MX names at 127.0.0.1 and pass the ports)."""
from __future__ import annotations

import asyncio
import datetime as dt
from dataclasses import dataclass

from msgspec.structs import replace

from wizard.dns import DnsSession
from wizard.fixes import aim_fixes
from wizard.model.dns import Status
from wizard.model.findings import Finding
from wizard.tls import certs, dane, findings, mtasts, smtp
from wizard.tls.model import MtaSts, MxTls, TlsReport


@dataclass(frozen=True)
class Options:
    smtp_port: int = 25
    https_port: int = 443
    ca_file: str | None = None  # trust these CAs instead of the system's (tests, private CAs)
    connect_timeout: float = 10.0  # seconds per SMTP connection and per policy fetch
    now: dt.datetime | None = None  # the clock, injected by tests


def _mx_hosts(values: tuple[str, ...]) -> list[tuple[int, str]]:
    out = []
    for value in values:
        pref, _, host = value.partition(" ")
        host = host.strip().rstrip(".").lower()
        if pref.isdigit() and host:  # "0 ." (null MX, RFC 7505) names no host
            out.append((int(pref), host))
    return sorted(set(out))


async def check_tls(domain: str, session: DnsSession, options: Options = Options()) -> TlsReport:
    now = options.now or dt.datetime.now(dt.UTC)
    domain = domain.rstrip(".").lower()
    mx_answer, sts_answer, rpt_answer = await asyncio.gather(
        session.lookup(domain, "MX"), session.lookup(f"_mta-sts.{domain}", "TXT"),
        session.lookup(f"_smtp._tls.{domain}", "TXT"))
    if mx_answer.status.answered:
        hosts = _mx_hosts(mx_answer.values)
    elif mx_answer.status in (Status.NXDOMAIN, Status.NODATA):
        hosts = [(0, domain)]  # no MX: the domain itself is the implicit MX (RFC 5321 §5.1)
    else:
        hosts = []
    mx = list(await asyncio.gather(*(_one_mx(pref, host, session, options, now)
                                     for pref, host in hosts)))
    sts_values = sts_answer.values if sts_answer.status.answered else ()
    txt = mtasts.parse_txt(sts_values)
    sts, reason, errors = await _mta_sts(domain, sts_values, txt, session, options)
    rpt = tuple(v for v in rpt_answer.values if v.startswith("v=TLSRPTv1")) \
        if rpt_answer.status.answered else ()

    mode = sts.policy.mode if sts.policy is not None and not errors and not txt.problem else ""
    out: list[Finding] = []
    for host in mx:
        usable = [r for r in host.tlsa if r.usage in (2, 3)]
        tls_required = mode == "enforce" or (bool(usable) and host.dnssec != "insecure")
        out += findings.connection(host, mode, tls_required)
        dane_ee = any(r.matched and r.usage == 3 for r in host.tlsa) and host.dnssec != "insecure"
        out += findings.certificate(host, mode, dane_ee, now)
        out += findings.dane(host)
    new_id = now.strftime("%Y%m%dT%H%MZ")
    out += findings.mta_sts_txt(domain, sts, txt.problem, len(txt.records), new_id)
    if txt.records:
        unmatched = [m.host for m in mx
                     if sts.policy is not None and not certs.name_matches(m.host, sts.policy.mx)]
        out += findings.mta_sts_policy(domain, sts, reason, errors, unmatched)
    out += findings.tlsrpt(domain, rpt, bool(txt.records) or any(m.tlsa for m in mx))
    # The dig commands ask the servers this check asked (--resolver), as `check`'s do.
    labels = [r.label for r in session.resolvers]
    out = [replace(f, fixes=aim_fixes(f.fixes, labels)) for f in out]
    return TlsReport(domain=domain, mx=tuple(mx), mta_sts=sts, tlsrpt=rpt, findings=tuple(out),
                     mx_status=str(mx_answer.status))


async def _one_mx(preference: int, host: str, session: DnsSession, options: Options,
                  now: dt.datetime) -> MxTls:
    # TLSA names port 25 whatever port the probe uses (--smtp-port only moves the probe).
    tlsa_name = f"_25._tcp.{host}"
    address_answer, tlsa_answer = await asyncio.gather(
        session.lookup(host, "A"), session.lookup(tlsa_name, "TLSA"))
    if not address_answer.values:  # an IPv6-only MX
        six = await session.lookup(host, "AAAA")
        address_answer = six if six.values else address_answer
    records = [r for r in (dane.parse_tlsa(v) for v in tlsa_answer.values) if r is not None] \
        if tlsa_answer.status.answered else []
    server = session.resolvers[0]
    dnssec = await dane.dnssec_status(server, tlsa_name, "TLSA", session.timeout) \
        if records or tlsa_answer.status == Status.SERVFAIL else ""
    if not address_answer.status.answered or not address_answer.values:
        return MxTls(host, preference, "", options.smtp_port, "no-address",
                     detail=address_answer.error or f"{host} has no A record", dnssec=dnssec,
                     tlsa=dane.match(records, []), tlsa_status=str(tlsa_answer.status))
    address = address_answer.values[0]
    probe = await smtp.probe(host, address, options.smtp_port, options.connect_timeout)
    parsed = [certs.load(der) for der in probe.chain]
    chain = tuple(certs.describe(c, now) for c in parsed)
    trusted, trust_error = (certs.chain_trust(parsed, certs.trust_store(options.ca_file))
                            if parsed else (None, ""))
    return MxTls(
        host, preference, address, options.smtp_port, probe.connect, detail=probe.detail,
        banner=probe.banner, starttls_offered=probe.starttls_offered,
        starttls_reply=probe.starttls_reply, handshake_ok=probe.handshake_ok,
        protocol=probe.protocol, cipher=probe.cipher, chain=chain,
        name_matches=certs.name_matches(host, chain[0].san) if chain else None,
        trusted=trusted, trust_error=trust_error,
        tlsa=dane.match(records, [(certs.der(c), certs.spki_der(c)) for c in parsed]),
        tlsa_status=str(tlsa_answer.status), dnssec=dnssec)


async def _mta_sts(domain: str, values: tuple[str, ...], txt: mtasts.TxtRecord,
                   session: DnsSession, options: Options) -> tuple[MtaSts, str, list[str]]:
    """The record, and the policy whenever any record claims one (even a broken record: the
    policy's own faults are worth showing beside it)."""
    host = f"mta-sts.{domain}"
    url = f"https://{host}/.well-known/mta-sts.txt"
    if not txt.records:
        return MtaSts(txt=values), "", []
    answer = await session.lookup(host, "A")
    if not answer.status.answered or not answer.values:
        return MtaSts(txt=values, id=txt.id, url=url,
                      fetch_error=answer.error or f"{host} has no address"), "no-address", []
    fetched = await asyncio.to_thread(mtasts.fetch, host, answer.values[0], options.https_port,
                                      options.connect_timeout, options.ca_file)
    base = MtaSts(txt=values, id=txt.id, url=url, http_status=fetched.status,
                  content_type=fetched.content_type, fetch_error=fetched.error)
    if fetched.error:
        return base, fetched.reason, []
    parsed = mtasts.parse_policy(fetched.body)
    return (MtaSts(txt=values, id=txt.id, url=url, fetched=True, http_status=fetched.status,
                   content_type=fetched.content_type, policy=parsed.policy), "", parsed.errors)
