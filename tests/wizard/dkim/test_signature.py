"""Each DKIM-Signature is parsed once (wizard.dkim.signature) and the same object reaches
verification and transit forensics; the prefetch child asks for the digests verification
asks for."""
from __future__ import annotations

import subprocess
import sys

import dkim.util

from wizard.dkim import signature as signature_module
from wizard.dkim import verify as verify_module
from wizard.dkim.signature import parse_signatures
from wizard.dns import ZoneFileResolver
from wizard.input.message import parse_message
from wizard.model.request import AnalysisRequest
from wizard.pipeline.analyze import analyze
from wizard.scenarios import list_scenarios
from wizard.transit import body as body_module
from wizard.transit import headers as headers_module
from wizard.transit.prefetch import body_keys

SIG = ("DKIM-Signature: v=1; a=RSA-SHA256; c=Relaxed/simple; d=example.com; s=sel;\r\n"
       "  h=From : To:Subject; l=42; bh=47DEQpj8HBSa+/TImW+5\r\n JCeuQeRkm5NMpJWZG3hSuFU=;\r\n b=AB CD\r\n")


def test_fields_are_read_once_as_written():
    (sig,) = parse_signatures(parse_message(SIG.encode() + b"From: a@example.com\r\n\r\nbody\r\n"))
    assert (sig.index, sig.d, sig.s, sig.a) == (0, "example.com", "sel", "rsa-sha256")
    assert (sig.c_header, sig.c_body, sig.length) == ("relaxed", "simple", 42)
    assert sig.h == ("From", "To", "Subject")
    assert sig.bh == "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=" and sig.b == "ABCD"
    assert sig.body_key == ("simple", "rsa-sha256", 42)
    assert sig.dkimpy_tags == dkim.util.parse_tag_value(sig.raw_value) and sig.dkimpy_error == ""


def test_dkimpy_rejection_is_kept_with_its_reason():
    msg = parse_message(b"DKIM-Signature: v=1; d=a.example; d=b.example\r\n\r\n")
    (sig,) = parse_signatures(msg)
    assert sig.dkimpy_tags == {} and "does not parse" in sig.dkimpy_error
    assert sig.d == "a.example"  # the tolerant parse goes on (wizard.dkim.taglist)


def test_module_is_light_for_the_prefetch_fork():
    code = "import sys, wizard.dkim.signature; print('dkim' in sys.modules, 'dns' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False"]


async def test_n_signatures_are_parsed_n_times_and_shared(monkeypatch):
    sc = next(s for s in list_scenarios() if s.name == "list-footer")
    raw = sc.read()
    top = parse_message(raw).get("DKIM-Signature").raw
    raw = top + b"\r\n" + raw  # two signatures, both broken by the footer

    parses, dkimpy_views, verified, transit, asked = [], [], [], [], []
    real_parse, real_view = signature_module.parse_signature, dkim.util.parse_tag_value
    real_verify = verify_module.verify_signatures
    real_body, real_headers = body_module.analyze_body, headers_module.analyze_headers

    def parse(index, header):
        parses.append(index)
        return real_parse(index, header)

    def view(value):
        dkimpy_views.append(value)
        return real_view(value)

    async def verify(msg, session, *, signatures=None, body_digests=None, **kw):
        verified.extend(signatures)

        def digests(algorithm, a_tag, length):
            asked.append((algorithm, a_tag.decode(), length))

        return await real_verify(msg, session, signatures=signatures, body_digests=digests, **kw)

    def body(msg, sig, **kw):
        transit.append(sig)
        return real_body(msg, sig, **kw)

    def headers(msg, sig, **kw):
        transit.append(sig)
        return real_headers(msg, sig, **kw)

    monkeypatch.setattr(signature_module, "parse_signature", parse)
    monkeypatch.setattr(dkim.util, "parse_tag_value", view)
    monkeypatch.setattr(verify_module, "verify_signatures", verify)
    monkeypatch.setattr(body_module, "analyze_body", body)
    monkeypatch.setattr(headers_module, "analyze_headers", headers)
    request = AnalysisRequest(source=sc.name, raw=raw, now=sc.now, ip=sc.ip, mail_from=sc.mail_from,
                              helo=sc.helo, zone_paths=tuple(str(p) for p in sc.zone_paths))
    report = await analyze(request, resolvers=[ZoneFileResolver(sc.zone_paths)])

    assert parses == [0, 1] and len(dkimpy_views) == 2
    assert len(verified) == 2 and transit and all(any(t is v for v in verified) for t in transit)
    assert all(s.body is not None for s in report.signatures)  # forensics ran for both
    # The prefetch child computes exactly the digests verification asks for.
    assert sorted(set(asked)) == sorted(body_keys(tuple(verified)))
