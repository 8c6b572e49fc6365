"""How faithful the given copy is (EVID-02/03/04) is said once, by the input stage, however
many later stages see the same fact."""
from __future__ import annotations

from collections import Counter

import pytest

from tests.wizard.signing_helpers import plain, sign, text_body
from wizard.dns import ZoneFileResolver
from wizard.input import classify as classify_module
from wizard.input.classify import classify
from wizard.model.request import AnalysisRequest
from wizard.pipeline.analyze import analyze
from wizard.scenarios import list_scenarios


def scenario(name: str):
    return next(s for s in list_scenarios() if s.name == name)


async def report_of(raw: bytes, name: str = "list-footer"):
    sc = scenario(name)
    request = AnalysisRequest(source=sc.name, raw=raw, now=sc.now, ip=sc.ip, mail_from=sc.mail_from,
                              helo=sc.helo, zone_paths=tuple(str(p) for p in sc.zone_paths))
    return await analyze(request, resolvers=[ZoneFileResolver(sc.zone_paths)])


def counts(report) -> Counter:
    return Counter(f.id for f in report.all_findings)


async def test_lf_copy_of_the_list_footer_message_says_evid02_once():
    raw = scenario("list-footer").read().replace(b"\r\n", b"\n")
    report = await report_of(raw)
    ids = counts(report)
    assert ids["EVID-02"] == 1 and "CANON-11" in ids  # and the footer is still proven
    (evid02,) = [f for f in report.all_findings if f.id == "EVID-02"]
    assert evid02.severity == "info" and "LF" in evid02.title


async def test_pasted_copy_says_evid03_once():
    raw = sign(plain(text_body()))
    head, body = raw.split(b"\r\n\r\n", 1)
    pasted = head.replace(b"\r\n ", b" ").replace(b"\r\n\t", b" ") + b"\r\nShow original\r\n\r\n" + body + b"x\r\n"
    report = await report_of(pasted)
    ids = counts(report)
    assert ids["EVID-03"] == 1
    (evid03,) = [f for f in report.all_findings if f.id == "EVID-03"]
    assert any("Show original" in line for line in evid03.evidence)


async def test_headers_only_signed_message_says_evid04_once():
    head = scenario("list-footer").read().split(b"\r\n\r\n", 1)[0] + b"\r\n"
    report = await report_of(head)
    assert counts(report)["EVID-04"] == 1


def test_too_large_input_says_evid04_once_with_the_reason(monkeypatch):
    monkeypatch.setattr(classify_module, "MAX_INPUT_BYTES", 2000)
    raw = plain(text_body(200))
    (evid04,) = [f for f in classify(raw).findings if f.id == "EVID-04"]
    assert evid04.severity == "warn" and "too large" in evid04.title


def test_bare_signature_value_says_the_body_is_missing():
    evidence = classify(b"v=1; a=rsa-sha256; d=example.com; s=s1; h=from; bh=AAAA; b=BBBB")
    assert [f.id for f in evidence.findings] == ["EVID-01", "EVID-04"]


@pytest.mark.parametrize("name", [s.name for s in list_scenarios()])
def test_bundled_scenarios_are_not_taken_for_pastes(name):
    assert "EVID-03" not in {f.id for f in classify(scenario(name).read()).findings}
