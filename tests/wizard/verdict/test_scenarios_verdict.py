"""The verdict on every bundled scenario: outcome, root cause, the finding the primary fix
addresses, and the exit status — what a mail engineer would conclude from the evidence.

Five scenarios pass DMARC on SPF alone while their aligned DKIM signature fails: the outcome
is the receiver's (pass, exit 0), and the root cause is what breaks DKIM (it fails as soon as
the mail is forwarded)."""
import pytest

from wizard.dns import ZoneFileResolver
from wizard.model.request import AnalysisRequest
from wizard.pipeline.analyze import analyze
from wizard.scenarios import list_scenarios
from wizard.verdict import judge

# name: (outcome, root-cause id, primary-fix finding, primary-fix kind, exit status)
TABLE = {
    "valid": ("pass", None, None, None, 0),
    "weak-1024-key": ("pass", None, None, None, 0),
    "dmarc-reject-bounce": ("rejected", "SPF-13", "SPF-13", "record", 1),
    "list-footer": ("fail", "CANON-11", "CANON-11", "advice", 1),
    "third-party-unaligned": ("fail", "DMARC-06", "DMARC-06", "advice", 1),
    "spf-too-many-lookups": ("fail", "SPF-05", "SPF-05", "advice", 1),
    "selector-missing": ("pass", "DKIM-KEY-01", "DKIM-KEY-01", "command", 0),
    "cname-selector-stale": ("pass", "DKIM-KEY-01", "DKIM-KEY-01", "advice", 0),
    "key-rotated-unpublished": ("pass", "DKIM-KEY-14", "DKIM-KEY-14", "advice", 0),
    "revoked-key": ("pass", "DKIM-KEY-06", "DKIM-KEY-06", "advice", 0),
    "expired-signature": ("pass", "DKIM-SIG-16", "DKIM-SIG-16", "advice", 0),
    "gateway-rewrote-links": ("pass", "CANON-12", "CANON-12", "advice", 0),
    "exchange-reencoded": ("pass", "CANON-08", "CANON-08", "advice", 0),
}


def test_every_scenario_is_in_the_table():
    assert {s.name for s in list_scenarios()} == set(TABLE)


async def _report(scenario):
    request = AnalysisRequest(
        source=scenario.name, raw=scenario.read(), now=scenario.now, ip=scenario.ip,
        mail_from=scenario.mail_from, helo=scenario.helo,
        zone_paths=tuple(str(p) for p in scenario.zone_paths))
    return await analyze(request, resolvers=[ZoneFileResolver(scenario.zone_paths)])


@pytest.mark.parametrize("scenario", list_scenarios(), ids=lambda s: s.name)
async def test_scenario_verdict(scenario):
    verdict = judge(await _report(scenario))
    outcome, root, fix_finding, fix_kind, status = TABLE[scenario.name]
    assert verdict.outcome == outcome, verdict.headline
    assert (verdict.root_cause.id if verdict.root_cause else None) == root
    fix = verdict.primary_fix
    assert (fix.finding if fix else None, fix.kind if fix else None) == (fix_finding, fix_kind)
    assert verdict.exit_status == status
    if root is not None:
        assert root in {link.id for link in verdict.chain}


async def test_the_list_footer_blames_the_list_and_not_spf():
    scenario = next(s for s in list_scenarios() if s.name == "list-footer")
    verdict = judge(await _report(scenario))
    assert verdict.root_cause.confidence == "proven"
    assert verdict.primary_fix.who == "the mailing list's owner"
    assert "CANON-13" in {c.id for c in verdict.other_causes}  # the [team] subject tag
    assert "DMARC-06" in {n.id for n in verdict.not_the_cause}  # the list's own SPF pass


async def test_the_weak_key_is_not_the_cause():
    scenario = next(s for s in list_scenarios() if s.name == "weak-1024-key")
    verdict = judge(await _report(scenario))
    assert [n.id for n in verdict.not_the_cause] == ["DKIM-KEY-08"]


async def test_domain_mode_and_pasted_authentication_results():
    scenario = next(s for s in list_scenarios() if s.name == "selector-missing")
    zones = tuple(str(p) for p in scenario.zone_paths)
    resolvers = [ZoneFileResolver(scenario.zone_paths)]
    domain = judge(await analyze(AnalysisRequest(
        source="domain", domain="example.com", selectors=("mail2026",), now=scenario.now,
        zone_paths=zones), resolvers=resolvers))
    assert (domain.outcome, domain.root_cause.id) == ("fail", "DKIM-KEY-01")
    pasted = judge(await analyze(AnalysisRequest(
        source="paste", now=scenario.now, zone_paths=zones,
        raw=b"Authentication-Results: mx.example.org; spf=pass smtp.mailfrom=example.com; "
            b"dkim=fail header.d=example.com; dmarc=fail header.from=example.com\r\n"),
        resolvers=resolvers))
    # The receiver's own verdict decides; no From header is an artefact of what was pasted.
    assert pasted.outcome == "fail" and "DMARC-14" not in {n.id for n in pasted.not_the_cause}
    assert pasted.root_cause is None
