"""The guided decision tree, without Textual: which questions a junior admin is asked for a
given Report, what each says, and which are skipped (and why)."""
from __future__ import annotations

from datetime import UTC, datetime

import pytest
from msgspec.structs import replace

from wizard.dns.types import DnsAnswer, Status
from wizard.guide.fix import confirm_commands
from wizard.guide.tree import QUESTIONS, area_of, walk
from wizard.model.findings import Finding, FixCommand, RecordFix, Severity
from wizard.model.report import InputInfo, Report
from wizard.receiver.bounce import analyze_bounce

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
DMARC_REPLY = (
    b"550 5.7.26 Unauthenticated email from example.com is not accepted due to domain's "
    b"DMARC policy. Please contact the administrator of example.com domain.\n"
)


def bounce_report(raw: bytes = DMARC_REPLY) -> Report:
    analysis = analyze_bounce(raw)
    assert analysis is not None
    info = InputInfo(kind="smtp_reply", label="a bare SMTP reply", source="paste",
                     size=len(raw), line_endings="lf", has_body=False)
    return Report(input=info, analysed_at=NOW, bounce=analysis.bounce, findings=analysis.findings)


def bare_report(kind: str = "message", **fields) -> Report:
    info = InputInfo(kind=kind, label=kind, source="paste", size=10, line_endings="crlf", has_body=True)
    return Report(input=info, analysed_at=NOW, **fields)


def keys(report: Report) -> list[str]:
    return [step.key for step in walk(report).steps]


def test_the_answer_first_then_the_why_questions_then_the_fix():
    assert [q for _, q in QUESTIONS] == [
        "What happened?", "What did the receiver say?", "Which identity failed?",
        "Is DNS right?", "What changed in transit?", "Who caused it?", "The fix",
    ]


@pytest.mark.parametrize(("finding_id", "area"), [
    ("EVID-02", "verdict"), ("EVID-05", "transit"), ("DSN-06", "receiver"), ("AR-09", "receiver"),
    ("DMARC-16", "receiver"), ("DKIM-SIG-08", "identity"), ("DMARC-06", "identity"),
    ("SPF-13", "identity"), ("DKIM-KEY-01", "dns"), ("DNS-01", "dns"), ("DMARC-01", "dns"),
    ("SPF-05", "dns"), ("CANON-11", "transit"), ("DKIM-SIG-12", "transit"), ("CAUSE-04", "who"),
])
def test_each_finding_family_answers_one_question(finding_id, area):
    assert area_of(finding_id) == area


def test_a_bare_dmarc_rejection_walks_verdict_receiver_who_fix():
    report = bounce_report()
    result = walk(report)
    assert [s.key for s in result.steps] == ["verdict", "receiver", "who", "fix"]
    assert result.steps[0].found.startswith("Rejected by")
    receiver = result.steps[1]
    assert "5.7.26" in receiver.found and "550" in receiver.found
    assert "DMARC" in receiver.found  # the registry/provider meaning, in words
    assert receiver.number == 2 and receiver.question == "What did the receiver say?"
    # Steps the evidence cannot reach are skipped, each with a reason in words.
    skipped = {s.key: s.reason for s in result.skipped}
    assert set(skipped) == {"identity", "dns", "transit"}
    assert [s.number for s in result.skipped_after(receiver)] == [3, 4, 5]
    assert "no message headers" in skipped["identity"]


def test_a_domain_check_skips_receiver_and_identity():
    answer = DnsAnswer("zone", "_dmarc.example.com", "TXT", Status.NXDOMAIN, error="no such name")
    report = bare_report("domain", dns=(answer,), findings=(
        Finding("DMARC-01", Severity.WARN, "No DMARC record", "…", evidence=("_dmarc.example.com: NXDOMAIN",)),
    ))
    result = walk(report)
    assert [s.key for s in result.steps] == ["verdict", "dns", "fix"]
    dns = result.steps[1]
    assert dns.found.startswith("DNS is not right. No DMARC record")
    assert any("_dmarc.example.com @ zone: nxdomain" in line for line in dns.evidence)
    assert "domain" in {s.key: s.reason for s in result.skipped}["identity"]


def test_dns_step_says_lookups_are_pending_while_they_are():
    report = bare_report(pending=("dns",))
    dns = next(s for s in walk(report).steps if s.key == "dns")
    assert dns.pending and "Looking up" in dns.found


def failing(root: str | None, *, kind: str = "record", argv: tuple[str, ...] = (), who: str = "the DNS administrator"):
    """A verdict of `fail` with `root` as the root cause (and its fix of `kind`)."""
    from wizard.verdict.model import Cause, PrimaryFix, Verdict

    cause = Cause(root, "the root", "", "proven") if root else None
    fix = PrimaryFix(root, kind, who, "do it", argv) if root else None
    return Verdict("fail", "Fails DMARC for example.com", cause, (), (), (), fix)


def test_transit_appears_only_with_evidence_of_a_change():
    plain = bare_report()
    assert "transit" not in keys(plain)
    note_only = bare_report(findings=(
        Finding("DKIM-SIG-13", Severity.INFO, "Signed headers that relays commonly rewrite", "…"),
    ))
    assert "transit" not in keys(note_only)
    changed = bare_report(findings=(
        Finding("CANON-11", Severity.ERROR, "A footer was appended after signing", "…",
                evidence=("+ -- Sent via the list",)),
    ))
    step = next(s for s in walk(changed, failing("CANON-11", kind="advice")).steps if s.key == "transit")
    assert step.found == "The message changed after it was signed: a footer was appended after signing."
    assert "+ -- Sent via the list" in step.evidence
    # Shown with its severity in context: the root cause of a failed message is critical.
    assert step.severity is Severity.CRITICAL


def test_fix_step_leads_with_the_root_causes_fix_and_keeps_lookups_as_checks():
    record = RecordFix("_dmarc.example.com", "TXT", "v=DMARC1; p=none", "publish a DMARC record")
    key = RecordFix("s1._domainkey.example.com", "TXT", "v=DKIM1; p=AAAA", "publish the key")
    command = FixCommand(("dig", "+short", "TXT", "s1._domainkey.example.com"), "look at the key")
    report = bare_report(findings=(
        Finding("DKIM-KEY-01", Severity.CRITICAL, "Key not found", "…", fixes=(command, key)),
        Finding("DMARC-01", Severity.WARN, "No DMARC record", "…", fixes=(record,)),
    ))
    fix = walk(report, failing("DMARC-01")).steps[-1]
    assert fix.key == "fix"
    # The root cause's record first although another finding is worse; the lookup is a check.
    assert fix.fixes == (record, key) and fix.checks == (command,)
    assert [c.shell for c in fix.confirm] == ["dig +short TXT _dmarc.example.com",
                                             "dig +short TXT s1._domainkey.example.com"]
    assert fix.found.startswith("The root cause's fix first, for the DNS administrator")
    assert fix.findings[0].id == "DMARC-01"


def test_a_root_cause_with_no_command_leads_with_advice_for_who_must_act():
    report = bare_report(findings=(
        Finding("CANON-11", Severity.ERROR, "A footer was appended after signing", "…",
                fixes=(FixCommand(("spf", "authorise"), "authorise the forwarder"),)),
    ))
    fix = walk(report, failing("CANON-11", kind="advice", who="the mailing list's owner")).steps[-1]
    assert fix.advice is not None and fix.advice.who == "the mailing list's owner"
    assert fix.advice.copy_text == "For the mailing list's owner: do it"
    assert fix.found.startswith("No command or record fixes the root cause: ")


def test_counts_read_as_words():
    one = bare_report(findings=(
        Finding("DKIM-KEY-01", Severity.CRITICAL, "Key not found", "…",
                fixes=(FixCommand(("opendkim-genkey", "-s", "k"), "make a key"),)),
    ))
    assert walk(one, failing(None)).steps[-1].found.startswith("1 thing to do,")
    assert "(s)" not in " ".join(s.found for s in walk(one).steps)


def test_a_failed_signature_is_named_even_when_its_cause_is_a_later_question():
    """A missing key is a DNS finding, but the identity step must not say nothing failed."""
    from wizard.model.report import SignatureReport

    sig = SignatureReport(index=0, d="example.com", s="mail2026", a="rsa-sha256", result="permerror",
                          reason="key_not_found", warnings=(), decoded=None)
    report = bare_report(signatures=(sig,))
    identity = next(s for s in walk(report).steps if s.key == "identity")
    assert identity.found.startswith("DKIM failed: the signature by example.com did not verify "
                                     "(permerror, key not found)")


def test_no_command_fix_says_where_the_fix_is():
    report = bare_report(findings=(
        Finding("DMARC-06", Severity.CRITICAL, "SPF/DKIM passed but not aligned", "Ask the ESP…"),
    ))
    fix = walk(report, failing(None)).steps[-1]
    assert fix.found.startswith("No command can fix this from here.")
    assert "setting" in fix.why and fix.findings[0].id == "DMARC-06"


def test_confirm_commands_ask_each_named_resolver_and_refuse_bad_names():
    good = RecordFix("s1._domainkey.example.com", "TXT", "v=DKIM1; p=AAAA", "publish the key")
    bad = RecordFix("bad name;rm -rf /", "TXT", "x", "never a command")
    commands = confirm_commands((good, bad), ("192.0.2.53:5353", "system"))
    assert [c.argv for c in commands] == [
        ("dig", "+short", "TXT", "s1._domainkey.example.com", "@192.0.2.53", "-p", "5353"),
    ]


def test_nothing_to_fix_is_said_plainly():
    from msgspec.structs import replace as with_

    fix = walk(bare_report(), with_(failing(None), outcome="pass")).steps[-1]
    assert fix.found == "Nothing to fix: the message passes and no check failed." and fix.fixes == ()


def test_a_non_authentication_bounce_skips_identity():
    report = bounce_report(b"550 5.2.2 The email account that you tried to reach is over quota.\n")
    report = replace(report, message=None)
    assert "identity" not in keys(report)


def test_each_step_announces_the_next_one_actually_shown():
    steps = walk(bounce_report()).steps  # identity, dns and transit are skipped
    assert steps[0].next == "Next: why — what the receiver said about it."
    assert steps[1].next == "Next: who caused it."
    assert steps[-1].next.startswith("Done.")


def test_a_domain_check_is_introduced_as_one():
    info = InputInfo(kind="domain", label="a domain name", source="domain example.com", size=11,
                     line_endings="n/a", has_body=False)
    first = walk(Report(input=info, analysed_at=NOW)).steps[0]
    assert first.key == "verdict"
    assert any(n.startswith("You asked about domain example.com") for n in first.notes)


def test_receiver_text_quoted_by_several_findings_is_shown_once():
    """The bounce's reply is quoted by the DSN, the DMARC and the provider findings, some
    cut short with "…": the step shows it once, whole."""
    full = "550 Unauthenticated email from example.com is not accepted due to domain's DMARC policy."
    report = bare_report(findings=(
        Finding("DMARC-16", Severity.CRITICAL, "Rejected by DMARC", "…", evidence=(full,)),
        Finding("PROV-02", Severity.CRITICAL, "Gmail: unauthenticated", "…",
                evidence=("Unauthenticated email from example.com is not…",)),
        Finding("DSN-06", Severity.INFO, "5.7.26", "…", evidence=(full, "in reply to end of DATA")),
    ))
    receiver = next(s for s in walk(report).steps if s.key == "receiver")
    assert receiver.evidence == (full, "in reply to end of DATA")
