"""Messages signed by real signers (tests/signing.py: dkimpy and Mail::DKIM), the DNS they
need as zone text, and an analysis of them through the whole pipeline — for the verdict."""
from __future__ import annotations

from datetime import UTC, datetime

from signing import message, public_b64, sign, sign_mail_dkim
from wizard.dns import ZoneFileResolver
from wizard.dns.types import DnsAnswer, Status
from wizard.model.findings import quote_txt_chunks
from wizard.model.request import AnalysisRequest
from wizard.pipeline.analyze import analyze

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
SIGNED_AT = int(datetime(2026, 11, 23, 10, 0, tzinfo=UTC).timestamp())
SENDER_IP = "192.0.2.10"  # in verify.test's SPF record
FORWARDER_IP = "203.0.113.5"  # a list or forwarder: not in it
SOA = "@ SOA ns1 hostmaster 1 3600 600 86400 60\n@ NS ns1\nns1 A 127.0.0.1\n"


def _txt(value: str) -> str:
    return " ".join(quote_txt_chunks(value))


def zones(policy: str = "reject") -> dict[str, str]:
    key = _txt(f"v=DKIM1; k=rsa; p={public_b64('rsa2048a')}")
    other = _txt(f"v=DKIM1; k=rsa; p={public_b64('rsa2048b')}")
    return {
        "verify.test": "$TTL 300\n" + SOA
        + f'@ TXT "v=spf1 ip4:192.0.2.0/24 -all"\n_dmarc TXT "v=DMARC1; p={policy}"\n'
        + f"good._domainkey TXT {key}\nmismatch._domainkey TXT {other}\n"
        + 'revoked._domainkey TXT "v=DKIM1; k=rsa; p="\n',
        "esp.test": "$TTL 300\n" + SOA
        + f'@ TXT "v=spf1 ip4:198.51.100.0/24 -all"\nesp._domainkey TXT {key}\n',
    }


def signed(signer: str = "dkimpy", selector: str = "good", *, domain: str = "verify.test",
           body: str = "Hello,\r\n\r\nthe report is attached.\r\n", subject: str = "Quarterly report",
           extra: str = "") -> bytes:
    msg = message(body, subject=subject, extra=extra)
    if signer == "dkimpy":
        return sign(msg, selector, "rsa2048a", domain=domain, timestamp=SIGNED_AT)
    return sign_mail_dkim(msg, selector, "rsa2048a", domain=domain, timestamp=SIGNED_AT)


class ServfailFor:
    """A resolver that answers SERVFAIL for names under `suffix` and the zones for the rest."""

    label = "zone"
    spec = None

    def __init__(self, inner: ZoneFileResolver, suffix: str) -> None:
        self.inner, self.suffix = inner, suffix

    async def query(self, name: str, rdtype: str) -> DnsAnswer:
        if name.rstrip(".").endswith(self.suffix):
            return DnsAnswer(self.label, name, rdtype, Status.SERVFAIL, error="server failure")
        return await self.inner.query(name, rdtype)


async def check(raw: bytes, *, ip: str = SENDER_IP, mail_from: str = "alice@verify.test",
                policy: str = "reject", offline: bool = False, servfail: str = ""):
    resolver = ZoneFileResolver(zones(policy))
    resolvers = [] if offline else [ServfailFor(resolver, servfail) if servfail else resolver]
    request = AnalysisRequest(source="test", raw=raw, now=NOW, ip=ip, mail_from=mail_from,
                              helo="mail.example.net", offline=offline, authoritative=False)
    return await analyze(request, resolvers=resolvers)
