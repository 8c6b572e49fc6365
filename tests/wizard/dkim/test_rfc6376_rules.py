"""RFC 6376 rules a verifier must follow (issue 12 §2, §5): signatures made by dkimpy's own
signer with the tags under test, keys served by the zone resolver behind a DnsSession."""
from __future__ import annotations

import asyncio
import base64
import hashlib
from datetime import UTC, datetime

from dkim.canonicalization import CanonicalizationPolicy
from dkim.crypto import parse_pem_private_key

import dkim
from tests.signing import message, private_pem, public_b64
from wizard.dkim.verify import verify_signatures
from wizard.dns.resolvers import ZoneFileResolver
from wizard.dns.session import DnsSession
from wizard.input.message import parse_message

NOW = datetime(2026, 11, 23, 10, 5, tzinfo=UTC)
HEADERS = (b"from", b"to", b"subject", b"date")


def _session(key_tags: str = "v=DKIM1; k=rsa") -> DnsSession:
    value = f"{key_tags}; p={public_b64('rsa2048a')}"
    chunks = " ".join(f'"{value[i:i + 200]}"' for i in range(0, len(value), 200))
    zone = (f"@ 300 IN SOA ns.verify.test. hostmaster.verify.test. 1 3600 600 86400 300\n@ 300 IN NS ns.verify.test.\n"
            f"sel._domainkey 300 IN TXT {chunks}\n")
    return DnsSession([ZoneFileResolver({"verify.test": zone})], timeout=2.0, compare=False)


def signed(raw: bytes, *extra: tuple[bytes, bytes], bh_body: bytes | None = None,
           c: bytes = b"relaxed/relaxed") -> bytes:
    """dkim.sign writes neither q= nor a chosen i=/x=: build its tag list plus `extra` and let
    dkimpy's DKIM.gen_header hash and sign it. `bh_body` replaces the body that bh= is made of."""
    d = dkim.DKIM(raw)
    policy = CanonicalizationPolicy.from_c_value(c)
    body = d.body if bh_body is None else bh_body
    bh = base64.b64encode(hashlib.sha256(policy.canonicalize_body(body)).digest())
    fields = [(b"v", b"1"), (b"a", b"rsa-sha256"), (b"c", c), (b"d", b"verify.test"), (b"s", b"sel"),
              *extra, (b"t", b"1795428000"), (b"h", b" : ".join(HEADERS)), (b"bh", bh), (b"b", b"0" * 60)]
    d.signature_algorithm = b"rsa-sha256"
    d.hasher = dkim.HASH_ALGORITHMS[b"rsa-sha256"]
    pk = parse_pem_private_key(private_pem("rsa2048a"))
    return b"DKIM-Signature: " + d.gen_header(fields, HEADERS, policy, b"DKIM-Signature", pk) + raw


def verdict(raw: bytes, session: DnsSession | None = None):
    (v,) = asyncio.run(verify_signatures(parse_message(raw), session or _session(), now=NOW))
    return v


def test_a_plain_signature_passes():
    assert verdict(signed(message())).result == "pass"


def test_unknown_query_methods_are_ignored_and_dns_txt_is_used():
    v = verdict(signed(message(), (b"q", b"foo/bar:dns/txt")))
    assert (v.result, v.reason) == ("pass", "")


def test_i_is_dkim_quoted_printable():
    v = verdict(signed(message(), (b"i", b"user=40verify=2Etest")))
    assert (v.result, v.reason) == ("pass", "")


def test_a_key_for_email_among_other_services_is_usable():
    v = verdict(signed(message()), _session("v=DKIM1; k=rsa; s=email:web"))
    assert (v.result, v.reason) == ("pass", "")


def test_x_may_have_twelve_digits():
    v = verdict(signed(message(), (b"x", b"100000000000")))
    assert (v.result, v.reason) == ("pass", "")


def test_i_without_an_at_sign_is_a_syntax_finding_not_a_crash():
    for i in (b"verify.test", b""):
        v = verdict(signed(message(), (b"i", i)))
        assert (v.result, v.reason) == ("permerror", "sig_syntax")
        assert any("i=" in f.detail for f in v.findings)


def _headers_only(raw: bytes) -> bytes:
    return raw.partition(b"\r\n\r\n")[0] + b"\r\n"


def test_a_header_block_signed_with_an_empty_body_verifies():
    for c in (b"relaxed/relaxed", b"relaxed/simple"):
        raw = _headers_only(signed(message(), bh_body=b"", c=c))
        v = verdict(raw)
        assert (v.result, v.body_hash.result) == ("pass", "pass"), c


def test_a_header_block_whose_signer_saw_a_body_stays_headers_only():
    v = verdict(_headers_only(signed(message())))
    assert (v.result, v.body_hash.result) == ("neutral", "not_checked")


def test_has_body_agrees_with_the_body_hash_check():
    from wizard.model.request import AnalysisRequest
    from wizard.pipeline.analyze import analyze

    for raw in (_headers_only(signed(message(), bh_body=b"")), _headers_only(signed(message(), bh_body=b"")) + b"\r\n",
                _headers_only(signed(message()))):
        report = asyncio.run(analyze(AnalysisRequest(raw=raw, now=NOW), resolvers=[ZoneFileResolver({})]))
        (sig,) = report.signatures
        assert report.input.has_body == (sig.verdict.body_hash.result != "not_checked")
