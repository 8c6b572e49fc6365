"""What `check` prints for an aggregate report, without DNS: the JSON follows the published
schema with exactly the promised keys, the text opens with the verdict, and the triage's
words for a row read as RUA-03 and RUA-05 say."""
from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import jsonschema
from msgspec.structs import replace

from wizard.aggregate.parse import parse_report
from wizard.aggregate.triage import triage
from wizard.model.request import AnalysisRequest
from wizard.output.json import report_to_json
from wizard.output.markdown import render_markdown
from wizard.output.text import render_text
from wizard.pipeline.analyze import analyze

ROOT = Path(__file__).resolve().parents[3]
DATA = ROOT / "tests" / "data" / "aggregate"
NOW = datetime(2025, 12, 3, tzinfo=UTC)


async def offline(name: str):
    return await analyze(AnalysisRequest(raw=(DATA / name).read_bytes(), now=NOW), resolvers=[])


async def test_the_json_is_valid_against_the_published_schema():
    schema = json.loads((ROOT / "schema" / "report.schema.json").read_text(encoding="utf-8"))
    for name in ("rfc7489-classes.xml", "rfc9990-ready.xml"):
        data = json.loads(report_to_json(await offline(name)))
        errors = [e.message[:200] for e in jsonschema.Draft202012Validator(schema).iter_errors(data)]
        assert errors == []
        assert data["aggregate"]["schema"] == name[:7]
        assert all("verdict" in s and "class" in s for s in data["aggregate"]["sources"])
        data["aggregate"]["sources"][0]["surprise"] = 1
        assert list(jsonschema.Draft202012Validator(schema).iter_errors(data))


async def test_text_and_markdown_open_with_the_verdict_then_the_sources():
    report = await offline("rfc7489-classes.xml")
    text = render_text(report)
    assert text.startswith("VERDICT: FAIL. rua.test: 425 of 965 messages failed DMARC")
    assert text.index("SOURCES BY FAILING VOLUME") < text.index("FINDINGS")
    markdown = render_markdown(report)
    assert markdown.index("## Sources by failing volume") < markdown.index("<details>")
    assert "| 10.77.1.10 | — | 200 | fail | legitimate\\_unaligned |" in markdown


async def test_an_unaligned_spf_pass_is_said_as_such():
    parsed = parse_report((DATA / "rfc7489-classes.xml").read_bytes(), "XML file")
    done = await triage(parsed.report, None)
    esp = next(s for s in done.report.sources if s.ip == "10.77.1.10")
    assert ("SPF sendgrid.net (mfrom): pass — SPF passed for sendgrid.net, which is not aligned "
            "with rua.test") in esp.finding.evidence


async def test_a_big_sender_aligned_only_through_spf_is_a_warning():
    parsed = parse_report((DATA / "rfc7489-classes.xml").read_bytes(), "XML file")
    own = next(s for s in parsed.report.sources if s.ip == "10.77.3.1")
    big = replace(own, count=12_000, dkim=())
    small = replace(own, dkim=())
    done = await triage(replace(parsed.report, sources=(big, replace(small, ip="10.77.3.2"))), None)
    found = {s.ip: s.finding for s in done.report.sources}
    assert found["10.77.3.1"].severity.value == "warn" and "SPF only" in found["10.77.3.1"].title
    assert found["10.77.3.2"].severity.value == "info"


async def test_an_smtp_code_in_a_gmail_comment_is_decoded():
    parsed = parse_report((DATA / "rfc7489-classes.xml").read_bytes(), "XML file")
    source = next(s for s in parsed.report.sources if s.ip == "10.77.2.6")
    reason = replace(source.reasons[0], comment="Sender requirement failed: 421-4.7.32")
    done = await triage(replace(parsed.report, sources=(replace(source, reasons=(reason,)),)), None)
    code = next(f for f in done.findings if f.id == "RUA-14")
    assert "From domain is not aligned with the SPF or DKIM domain" in code.title
    assert code.evidence == ("10.77.2.6: Sender requirement failed: 421-4.7.32",)
