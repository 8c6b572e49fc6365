"""The published contract of `check --json`: schema/report.schema.json is generated from the
model, stays current, and every bundled scenario's report is valid against it."""
import json
from pathlib import Path

import jsonschema
import pytest

from wizard.dns import ZoneFileResolver
from wizard.model.request import AnalysisRequest
from wizard.output.json import report_to_json
from wizard.output.schema import schema_json
from wizard.pipeline.analyze import analyze
from wizard.scenarios import get_scenario, list_scenarios

ROOT = Path(__file__).resolve().parents[3]
COMMITTED = ROOT / "schema" / "report.schema.json"


def validator() -> jsonschema.Draft202012Validator:
    schema = json.loads(COMMITTED.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def problems(data) -> list[str]:
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message[:200]}" for e in validator().iter_errors(data)]


async def scenario_json(name: str, **request) -> dict:
    s = get_scenario(name)
    fields = {"source": s.name, "raw": s.read(), "now": s.now, "ip": s.ip, "mail_from": s.mail_from,
              "helo": s.helo, "zone_paths": tuple(str(p) for p in s.zone_paths)}
    report = await analyze(AnalysisRequest(**{**fields, **request}), resolvers=[ZoneFileResolver(s.zone_paths)])
    return json.loads(report_to_json(report))


def test_the_committed_schema_is_the_one_the_model_gives():
    assert COMMITTED.read_text(encoding="utf-8") == schema_json(), (
        "schema/report.schema.json is stale: run `mailtriage schema -o schema/report.schema.json`")


@pytest.mark.parametrize("name", [s.name for s in list_scenarios()])
async def test_every_scenario_report_is_valid_against_the_schema(name):
    assert problems(await scenario_json(name)) == []


async def test_a_domain_report_and_a_bare_status_line_are_valid_too():
    domain = await scenario_json("selector-missing", raw=b"", domain="example.com", selectors=("s1",))
    assert domain["input"]["kind"] == "domain" and domain["domain"]["keys"]
    assert problems(domain) == []
    line = await analyze(AnalysisRequest(raw=b"550 5.7.26 Unauthenticated email\n"), resolvers=[])
    assert problems(json.loads(report_to_json(line))) == []


async def test_the_schema_holds_the_shape_to_its_word():
    data = await scenario_json("valid")
    data["signatures"][0]["surprise"] = 1  # a key the schema does not name
    del data["dns"][0]["values"]  # a computed key the README promises
    found = "\n".join(problems(data))
    assert "surprise" in found and "values" in found


async def test_the_verdict_is_part_of_the_contract_with_exactly_its_keys():
    data = await scenario_json("dmarc-reject-bounce")
    verdict = data["verdict"]
    assert set(verdict) == {"outcome", "headline", "root_cause", "chain", "other_causes",
                            "not_the_cause", "primary_fix"}
    assert set(verdict["root_cause"]) == {"id", "title", "about", "confidence"}
    assert set(verdict["primary_fix"]) == {"finding", "kind", "who", "text", "argv"}
    assert {k for link in verdict["chain"] for k in link} == {"id", "title"}
    assert data["result"] == {"outcome": "rejected", "failed": True, "worst": data["result"]["worst"]}
    assert all(f["severity_in_context"] for f in data["findings"])
    del verdict["primary_fix"]
    assert "primary_fix" in "\n".join(problems(data))
