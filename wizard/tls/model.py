"""What `mailtriage tls DOMAIN` found, kept as data (frozen msgspec Structs, like the rest of
the model) so the text, Markdown and JSON writers print the same facts."""
from __future__ import annotations

from msgspec import Struct

from wizard.model.findings import Finding


class Certificate(Struct, frozen=True):
    """One certificate as the server sent it (chain order: the leaf first)."""

    subject: str
    issuer: str
    san: tuple[str, ...]  # DNS names only: what MTA-STS and DANE-TA match (RFC 8461 §4.2)
    not_before: str  # ISO 8601, UTC
    not_after: str
    days_left: int  # negative once expired
    spki_sha256: str  # hex: the `x 1 1` TLSA digest of this certificate
    cert_sha256: str  # hex: the `x 0 1` TLSA digest


class TlsaRecord(Struct, frozen=True):
    usage: int
    selector: int
    matching: int
    data: str  # hex, lower case
    matched: bool  # matches a certificate the server sent (RFC 6698 §2.1)

    __json_extra__ = ("text",)

    @property
    def text(self) -> str:
        return f"{self.usage} {self.selector} {self.matching} {self.data}"


class MxTls(Struct, frozen=True):
    """One MX host: the connection, the STARTTLS dialogue, the handshake, DANE."""

    host: str
    preference: int
    address: str  # "" when the name has no address
    port: int
    # "ok", "refused" (RST), "timeout" (silent), "unreachable", "no-address"
    connect: str
    detail: str = ""  # the reply or error behind `connect`/`starttls`/`handshake`
    banner: str = ""
    starttls_offered: bool | None = None  # None: not reached
    starttls_reply: str = ""
    handshake_ok: bool | None = None
    protocol: str = ""
    cipher: str = ""
    chain: tuple[Certificate, ...] = ()
    name_matches: bool | None = None  # the leaf's SAN covers the MX name
    trusted: bool | None = None  # the chain leads to a trusted CA (--ca-file or the system's)
    trust_error: str = ""
    tlsa: tuple[TlsaRecord, ...] = ()
    tlsa_status: str = ""  # the TLSA lookup's DNS status ("ok", "nxdomain", ...)
    dnssec: str = ""  # "secure", "insecure", "bogus", "unknown" (this resolver cannot say)


class StsPolicy(Struct, frozen=True):
    version: str = ""
    mode: str = ""
    max_age: int | None = None
    mx: tuple[str, ...] = ()
    lf_only: bool = False


class MtaSts(Struct, frozen=True):
    txt: tuple[str, ...]  # every TXT string at _mta-sts.DOMAIN
    id: str = ""
    url: str = ""
    fetched: bool = False
    http_status: int | None = None
    content_type: str = ""
    fetch_error: str = ""
    policy: StsPolicy | None = None


class TlsReport(Struct, frozen=True):
    """`mailtriage tls DOMAIN --json` prints this under the key `tls`."""

    domain: str
    mx: tuple[MxTls, ...]
    mta_sts: MtaSts
    tlsrpt: tuple[str, ...]  # every v=TLSRPTv1 record at _smtp._tls.DOMAIN
    findings: tuple[Finding, ...]
    mx_status: str = "ok"  # the MX lookup's DNS status
