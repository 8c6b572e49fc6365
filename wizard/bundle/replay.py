"""Replay an evidence bundle (wizard.bundle.write) with no network, as of the bundle's time.

The archive is untrusted (a customer's or a vendor's attachment), so it is read, never
extracted: every member must be a regular file with a known name (tarfile's 'data' filter
also refuses absolute names, `..` and links), no member may exceed its cap and the whole
no more than TOTAL_CAP, read with a limit so a member that lies about its size cannot
make us hold more.
"""
from __future__ import annotations

import re
import tarfile
from collections.abc import Sequence

import msgspec
from msgspec import Struct

from wizard.bundle.write import FORMAT, BundleRequest, DnsRecord
from wizard.dns.resolvers import shown_name
from wizard.model.dns import DnsAnswer, Status
from wizard.model.request import AnalysisRequest

MESSAGE_CAP = 64 * 1024 * 1024  # as much as `check` reads of any input
MEMBER_CAP = 16 * 1024 * 1024
TOTAL_CAP = 128 * 1024 * 1024
MAX_MEMBERS = 2000
_ZONE_MEMBER = re.compile(r"zones/[a-z0-9-]{1,63}\.zone")  # a TLD's name: anchored, no backtracking
_REQUIRED = ("message.eml", "request.json", "dns.json")
_KNOWN = (*_REQUIRED, "report.json", "VERSION")


class BundleError(ValueError):
    """The file is no bundle we can replay; the message says why in plain words."""


class Bundle(Struct, frozen=True):
    message: bytes
    request: BundleRequest
    dns: DnsRecord
    version: str
    zones: dict[str, str]  # origin → zone file text


def read_bundle(path: str) -> Bundle:
    """Read and check a bundle. Raises OSError when the file cannot be read, BundleError
    when it is not a bundle or breaks a limit."""
    files: dict[str, bytes] = {}
    total = 0
    try:
        with tarfile.open(path, "r:gz") as tar:
            for count, member in enumerate(tar, 1):
                if count > MAX_MEMBERS:
                    raise BundleError(f"more than {MAX_MEMBERS} files: not a bundle")
                name = _check_member(member)
                cap = MESSAGE_CAP if name == "message.eml" else MEMBER_CAP
                if member.size > cap or total + member.size > TOTAL_CAP:
                    raise BundleError(f"{name} is bigger than a bundle may hold")
                handle = tar.extractfile(member)
                assert handle is not None  # a regular file (checked above)
                data = handle.read(cap + 1)
                if len(data) > cap:
                    raise BundleError(f"{name} is bigger than a bundle may hold")
                total += len(data)
                files[name] = data
    except (tarfile.TarError, EOFError) as exc:
        raise BundleError(f"not a readable .tar.gz bundle: {exc}") from None
    missing = [n for n in _REQUIRED if n not in files]
    if missing:
        raise BundleError(f"not a mailtriage bundle: {', '.join(missing)} missing")
    try:
        request = msgspec.json.decode(files["request.json"], type=BundleRequest)
        record = msgspec.json.decode(files["dns.json"], type=DnsRecord)
    except msgspec.MsgspecError as exc:
        raise BundleError(f"the bundle's description cannot be read: {exc}") from None
    if request.format != FORMAT:
        raise BundleError(f"bundle format {request.format} is not one this version reads ({FORMAT})")
    zones = {n[len("zones/"):-len(".zone")]: files[n].decode("utf-8", "replace")
             for n in files if n.startswith("zones/")}
    return Bundle(message=files["message.eml"], request=request, dns=record,
                  version=files.get("VERSION", b"").decode("utf-8", "replace").strip(),
                  zones=zones)


def _check_member(member: tarfile.TarInfo) -> str:
    try:
        member = tarfile.data_filter(member, "/nonexistent")
    except tarfile.FilterError as exc:
        raise BundleError(f"refused a bundle member: {exc}") from None
    name = member.name
    if not member.isfile() or not (name in _KNOWN or _ZONE_MEMBER.fullmatch(name)):
        raise BundleError("not a mailtriage bundle: it holds "
                          f"{shown_name(name)!r}, which no bundle holds")
    return name


class RecordedResolver:
    """Answers exactly what one resolver answered when the bundle was written; a question
    it was never asked is an error that says so (never the network)."""

    spec: str | None

    def __init__(self, label: str, spec: str | None, answers: Sequence[DnsAnswer]) -> None:
        self.label = label
        self.spec = spec
        self._answers = {(a.name, a.rdtype): a for a in answers if a.resolver == label}

    async def query(self, name: str, rdtype: str) -> DnsAnswer:
        found = self._answers.get((shown_name(name), rdtype.upper()))
        if found is not None:
            return found
        return DnsAnswer(self.label, shown_name(name), rdtype.upper(), Status.ERROR,
                         error="this question was not asked when the bundle was written")


def replay_request(bundle: Bundle) -> tuple[AnalysisRequest, list[RecordedResolver]]:
    """The request and resolvers that reproduce the bundle's analysis offline. The zones'
    own name servers are not asked (that would be the network); their answers, when the
    original asked them, are not compared again."""
    info = bundle.request
    request = AnalysisRequest(
        source=info.source, raw=bundle.message, now=info.now, ip=info.ip,
        mail_from=info.mail_from, helo=info.helo, timeout=info.timeout, offline=info.offline,
        resolver_specs=tuple(r.spec for r in info.resolvers if r.spec and r.spec != "system"),
        authoritative=False,
    )
    resolvers = [RecordedResolver(r.label, r.spec, bundle.dns.answers) for r in info.resolvers]
    return request, resolvers
