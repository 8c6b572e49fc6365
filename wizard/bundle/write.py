"""Evidence bundles: one analysis kept whole, to replay offline (`mailtriage replay`).

A bundle is a .tar.gz holding
  message.eml      the input's bytes, unchanged
  request.json     what the analysis assumed: its time, SPF identities, timeout, resolvers
  dns.json         every DNS answer the analysis saw, as received: resolver, name, type,
                   status, records, CNAME chain, TTL, size, error, with the time of asking
  zones/*.zone     the same answers as zone files (one per top-level domain) that
                   ZoneFileResolver and BIND load: `check message.eml --zone zones/...`
                   reproduces the answers a zone file can say (records, CNAMEs, NXDOMAIN,
                   NODATA); timeouts and server failures live only in dns.json
  report.json      the report, as `check --json` prints it
  VERSION          the mailtriage version that wrote it

Replay answers from dns.json (every status, exactly), so it reaches the verdict `check` did.
"""
from __future__ import annotations

import importlib.metadata
import io
import itertools
import tarfile
import time
from collections.abc import Iterable, Sequence
from datetime import datetime

import msgspec
from msgspec import Struct

from wizard.common.dnsname import InvalidName, check_name
from wizard.dns.types import Resolver
from wizard.fixes import aim_report
from wizard.model.dns import DnsAnswer, Status
from wizard.model.report import Report
from wizard.model.request import AnalysisRequest
from wizard.output.json import report_to_json
from wizard.verdict import judge

FORMAT = 1
_TTL = 300  # for records whose answer carried none (negative answers)


class ResolverInfo(Struct, frozen=True):
    """A resolver the analysis asked, as the report and its dig commands name it."""

    label: str
    spec: str | None


class BundleRequest(Struct, frozen=True):
    """The request's fields that change a report, beside the message itself."""

    format: int
    source: str
    now: datetime
    ip: str | None
    mail_from: str | None
    helo: str | None
    timeout: float
    offline: bool
    resolvers: tuple[ResolverInfo, ...]


class DnsRecord(Struct, frozen=True):
    """dns.json: the answers, and when they were asked (the analysis' time and the clock)."""

    asked_at: datetime
    written_at: float  # seconds since the epoch, when the bundle was written
    answers: tuple[DnsAnswer, ...]


def all_answers(report: Report) -> tuple[DnsAnswer, ...]:
    """The report's answers and those of a bounce's returned message."""
    inner = all_answers(report.returned) if report.returned is not None else ()
    return report.dns + inner


def write_bundle(out: str, raw: bytes, request: AnalysisRequest, resolvers: Sequence[Resolver],
                 report: Report) -> None:
    """Write the bundle of `report` (analysed from `raw` under `request`) to `out`."""
    assert report.analysed_at is not None
    answers = all_answers(report)
    info = BundleRequest(
        format=FORMAT, source=request.source, now=report.analysed_at, ip=request.ip,
        mail_from=request.mail_from, helo=request.helo, timeout=request.timeout,
        offline=request.offline,
        resolvers=tuple(ResolverInfo(r.label, getattr(r, "spec", None)) for r in resolvers),
    )
    record = DnsRecord(asked_at=report.analysed_at, written_at=time.time(), answers=answers)
    files = {
        "message.eml": raw,
        "request.json": msgspec.json.encode(info),
        "dns.json": msgspec.json.format(msgspec.json.encode(record), indent=1),
        "report.json": _report_json(report),
        "VERSION": (importlib.metadata.version("mailtriage") + "\n").encode(),
    }
    for origin, text in zone_files(answers).items():
        files[f"zones/{origin}.zone"] = text.encode()
    with tarfile.open(out, "w:gz") as tar:
        for name, data in files.items():
            member = tarfile.TarInfo(name)
            member.size = len(data)
            member.mtime = int(record.written_at)
            member.mode = 0o644
            tar.addfile(member, io.BytesIO(data))


def _report_json(report: Report) -> bytes:
    # As `check --json` prints it: fixes aimed at the resolvers asked, then judged.
    aimed = aim_report(report)
    return (report_to_json(aimed, judge(aimed)) + "\n").encode()


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _absolute(name: str) -> str:
    return name.rstrip(".") + "."


def zone_files(answers: Iterable[DnsAnswer]) -> dict[str, str]:
    """Zone file text per top-level domain, saying what `answers` said where a zone file
    can: records at the end of each CNAME chain, the CNAMEs, names that exist without the
    type asked (NODATA). Names that did not exist are simply absent (NXDOMAIN). Answers a
    zone cannot hold (timeouts, failures, names that are no host names) are left out."""
    lines: dict[str, set[str]] = {}
    names: set[str] = set()
    empty: set[str] = set()

    def add(owner: str, rdtype: str, ttl: int, data: str) -> None:
        tld = owner.rsplit(".", 1)[-1]
        lines.setdefault(tld, set()).add(f"{_absolute(owner)} {ttl} IN {rdtype} {data}")
        names.add(owner)

    for answer in answers:
        if answer.status not in (Status.OK, Status.TRUNCATED_TCP, Status.NODATA):
            continue
        try:
            chain = [check_name(answer.name), *(check_name(n) for n in answer.cname_chain)]
        except InvalidName:
            continue
        ttl = answer.ttl if answer.ttl is not None else _TTL
        for owner, target in itertools.pairwise(chain):
            add(owner, "CNAME", ttl, _absolute(target))
        last = chain[-1]
        if answer.status == Status.NODATA:
            empty.add(last)
            continue
        for record in answer.strings:
            if answer.rdtype == "TXT":
                data = " ".join(_quote(s) for s in record) if record else '""'
            else:
                data = record[0] if record else ""
            add(last, answer.rdtype, ttl, data)
    for name in sorted(empty - names):
        # The name exists but holds nothing asked: an empty non-terminal says exactly that.
        add(f"_exists.{name}", "TXT", _TTL, '"the name above existed without the type asked"')
    out = {}
    for tld, records in sorted(lines.items()):
        head = [f"$ORIGIN {tld}.", f"@ {_TTL} IN SOA ns.invalid. hostmaster.invalid. 1 3600 600 86400 {_TTL}",
                f"@ {_TTL} IN NS ns.invalid."]
        out[tld] = "\n".join(head + sorted(records)) + "\n"
    return out
