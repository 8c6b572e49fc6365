"""Properties of judge() over generated Reports: every Report gets a verdict, its exit status
follows its outcome, every id it names is a finding of the report (the returned message's
included), and its JSON holds exactly the keys the contract names."""
from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace as NS

import msgspec
from hypothesis import given, settings
from hypothesis import strategies as st

from wizard.model.findings import Finding, FixCommand, RecordFix, Severity, signature_about
from wizard.model.report import InputInfo, Report
from wizard.verdict import EXIT_STATUS, judge

IDS = ["DKIM-KEY-01", "DKIM-KEY-06", "DKIM-KEY-08", "DKIM-KEY-14", "DKIM-SIG-01", "DKIM-SIG-16",
       "CANON-01", "CANON-08", "CANON-11", "CANON-12", "CANON-13", "CAUSE-01", "CAUSE-03",
       "CAUSE-15", "DNS-03", "SPF-05", "SPF-13", "SPF-15", "DMARC-06", "DMARC-14", "DMARC-16",
       "DMARC-17", "PROV-02", "DSN-06", "DSN-15", "DSN-17", "CAUSE-20", "AR-06", "EVID-04", "ZZZ-99"]
ABOUTS = ["", "example.com", "s1._domainkey.example.com", signature_about(0, "example.com", "s1"),
          "lists.example.org"]
FIXES = [FixCommand(("dig", "+short", "TXT", "example.com"), "look up the TXT record"),
         FixCommand(("openssl", "genrsa", "-out", "k.private", "2048"), "generate a key"),
         RecordFix("example.com", "TXT", "v=spf1 -all", "publish SPF")]

findings = st.builds(
    Finding, id=st.sampled_from(IDS), severity=st.sampled_from(list(Severity)),
    title=st.text(max_size=30), detail=st.text(max_size=30),
    fixes=st.lists(st.sampled_from(FIXES), max_size=2), about=st.sampled_from(ABOUTS))
maybe_result = st.sampled_from([None, "pass", "fail", "none", "permerror", "temperror", "softfail"])
signatures = st.builds(
    lambda d, result, reason, km: NS(index=0, d=d, s="s1", result=result, reason=reason,
                                     body=None, headers=None, verdict=NS(key_matches=km)),
    st.sampled_from(["example.com", "esp.example.net", None]), maybe_result,
    st.sampled_from(["", "body_hash", "signature", "key_not_found"]),
    st.sampled_from([None, True, False]))
dmarcs = st.one_of(st.none(), st.builds(
    lambda result, policy: NS(from_domain="example.com", rfc9989=NS(
        result=result, org_domain="example.com", effective_policy=policy, policy=policy),
        rfc7489=None),
    maybe_result, st.sampled_from([None, "none", "quarantine", "reject"])))
spfs = st.one_of(st.none(), st.builds(
    lambda result, domain: NS(result=result, domain=domain, ip="192.0.2.1"),
    maybe_result, st.sampled_from(["example.com", "lists.example.org", None])))
bounces = st.one_of(st.none(), st.builds(
    lambda kind, status, code, topic: NS(
        kind=kind, status=status, dsn_status=status, reply_code=code, provider=None,
        remote_mta=None, explanation=NS(topic=topic) if topic else None),
    st.sampled_from(["permanent", "delayed", "gave_up", "success", "not_a_bounce"]),
    st.sampled_from([None, "5.7.26", "4.2.2", "5.1.1", "4.7.0"]),
    st.sampled_from([None, 550, 451, 250]),
    st.sampled_from([None, "dmarc", "mailbox", "rate", "tls", "other"])))


def report(kind, found, sigs, dmarc, spf, bounce, pending, returned=None):
    return Report(
        input=InputInfo(kind, kind, "test", 0, "crlf", True),
        analysed_at=datetime(2026, 11, 23, tzinfo=UTC),
        message=NS(from_domain="example.com"), bounce=bounce, signatures=tuple(sigs),
        dmarc=dmarc, spf=spf, findings=tuple(found), pending=tuple(pending), returned=returned)


inner_reports = st.builds(
    report, st.just("message"), st.lists(findings, max_size=6), st.lists(signatures, max_size=2),
    dmarcs, spfs, st.none(), st.just(()))
reports = st.builds(
    report, st.sampled_from(["message", "headers", "dsn", "smtp_reply", "domain"]),
    st.lists(findings, max_size=8), st.lists(signatures, max_size=2), dmarcs, spfs, bounces,
    st.sampled_from([(), ("dmarc",)]), st.one_of(st.none(), inner_reports))

KEYS = {"outcome", "headline", "root_cause", "chain", "other_causes", "not_the_cause",
        "primary_fix"}


@settings(max_examples=400, deadline=None)
@given(reports)
def test_every_report_gets_a_consistent_verdict(rep):
    verdict = judge(rep)
    assert verdict.exit_status == EXIT_STATUS[verdict.outcome]
    if rep.pending:
        assert verdict.outcome == "inconclusive"  # a partial report never concludes
    known = {f.id for f in rep.all_findings}
    named = [link.id for link in verdict.chain] + [n.id for n in verdict.not_the_cause]
    named += [c.id for c in verdict.other_causes]
    if verdict.root_cause is not None:
        named.append(verdict.root_cause.id)
        assert verdict.root_cause.id in {link.id for link in verdict.chain}
        assert verdict.primary_fix is not None
        assert verdict.primary_fix.finding == verdict.root_cause.id
    assert set(named) <= known
    causes = {c.id for c in verdict.other_causes} | (
        {verdict.root_cause.id} if verdict.root_cause else set())
    assert not causes & {n.id for n in verdict.not_the_cause}
    if verdict.primary_fix is not None and verdict.primary_fix.kind == "command":
        assert verdict.primary_fix.argv[0] != "dig"  # a lookup is a check, never the fix
    data = msgspec.json.decode(msgspec.json.encode(verdict))
    assert set(data) == KEYS
    if data["root_cause"]:
        assert set(data["root_cause"]) == {"id", "title", "about", "confidence"}
    if data["primary_fix"]:
        assert set(data["primary_fix"]) == {"finding", "kind", "who", "text", "argv"}
    for f in rep.all_findings:
        verdict.severity_in_context(f)
