"""Every bundled training scenario, analysed end to end offline (zone-file DNS), names the
diagnosis it was built to teach."""
import pytest

from wizard.dns import ZoneFileResolver
from wizard.model.request import AnalysisRequest
from wizard.pipeline.analyze import analyze
from wizard.scenarios import list_scenarios

EXPECTED = {
    "valid": ({"EVID-01"}, False),
    "dmarc-reject-bounce": ({"DMARC-16", "DKIM-SIG-01", "SPF-13"}, True),
    "selector-missing": ({"DKIM-KEY-01"}, True),
    "key-rotated-unpublished": ({"DKIM-KEY-14"}, True),
    "revoked-key": ({"DKIM-KEY-06"}, True),
    "weak-1024-key": ({"DKIM-KEY-08"}, False),
    "expired-signature": ({"DKIM-SIG-16"}, True),
    "list-footer": ({"CANON-11", "CAUSE-01"}, True),
    "gateway-rewrote-links": ({"CANON-12", "CAUSE-03"}, True),
    "exchange-reencoded": ({"CANON-08"}, True),
    "third-party-unaligned": ({"DMARC-06"}, True),
    "spf-too-many-lookups": ({"SPF-05"}, True),
    "cname-selector-stale": ({"DKIM-KEY-01", "DNS-03"}, True),
}


def test_there_are_at_least_twelve_scenarios_and_all_are_checked():
    names = {s.name for s in list_scenarios()}
    assert len(names) >= 12
    assert names == set(EXPECTED)


@pytest.mark.parametrize("scenario", list_scenarios(), ids=lambda s: s.name)
async def test_scenario_names_its_diagnosis(scenario):
    request = AnalysisRequest(
        source=scenario.name, raw=scenario.read(), now=scenario.now,
        ip=scenario.ip, mail_from=scenario.mail_from, helo=scenario.helo,
        zone_paths=tuple(str(p) for p in scenario.zone_paths),
    )
    report = await analyze(request, resolvers=[ZoneFileResolver(scenario.zone_paths)])
    ids = {f.id for f in report.all_findings}
    expected, failed = EXPECTED[scenario.name]
    assert expected <= ids, sorted(ids)
    assert report.failed is failed
    # One finding per cause and signature, however many checks prove it (a list's footer and
    # its Subject tag are one CAUSE-01; an expired x= is one DKIM-SIG-16, from the tags and the
    # verification both).
    once = [(f.id, f.about) for f in report.all_findings if f.id.startswith(("CAUSE-", "DKIM-SIG-15", "DKIM-SIG-16"))]
    assert len(once) == len(set(once)), once
    # Offline means offline: every answer came from the scenario's own zones.
    assert all(a.resolver == "zone" for a in report.dns)
