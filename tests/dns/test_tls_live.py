"""`check_tls` against real parts: BIND serving tests/zones/tls.test.zone, a STARTTLS SMTP
server, an HTTPS policy server and certificates from a test CA (tests/tls_support.py)."""
from __future__ import annotations

import pytest

from tls_support import (
    LEAF_311,
    DnsStub,
    HttpsServer,
    Page,
    SmtpBehaviour,
    SmtpServer,
    TestCA,
)
from wizard.dns import DnsSession
from wizard.model.findings import RecordFix, Severity
from wizard.tls.check import Options, check_tls

GOOD_POLICY = b"version: STSv1\r\nmode: enforce\r\nmx: mx.good.tls.test\r\nmax_age: 86400\r\n"


@pytest.fixture(scope="module")
def ca(tmp_path_factory):
    return TestCA(tmp_path_factory.mktemp("ca"))


def session_for(dns_server, resolver=None):
    return DnsSession([resolver or dns_server.resolver()], compare=False)


async def run(dns_server, ca, domain, smtp_port, https_port=1, resolver=None, timeout=3.0):
    return await check_tls(domain, session_for(dns_server, resolver),
                           Options(smtp_port=smtp_port, https_port=https_port,
                                   ca_file=str(ca.ca_file), connect_timeout=timeout))


def by_id(report, fid):
    return [f for f in report.findings if f.id == fid]


def failures(report):
    return [f for f in report.findings if f.severity.is_failure]


async def test_good_domain_reports_every_fact_and_no_failure(dns_server, ca):
    issued = ca.issue("mx.good.tls.test")
    policy_host = ca.issue("mta-sts.good.tls.test")
    with SmtpServer(SmtpBehaviour(issued)) as smtp, HttpsServer(policy_host, Page(body=GOOD_POLICY)) as web:
        report = await run(dns_server, ca, "good.tls.test", smtp.port, web.port)
    assert failures(report) == []
    (mx,) = report.mx
    assert (mx.host, mx.address, mx.connect) == ("mx.good.tls.test", "127.0.0.1", "ok")
    assert mx.starttls_offered and mx.handshake_ok
    assert mx.protocol.startswith("TLSv1.") and mx.cipher
    assert len(mx.chain) == 2 and mx.chain[0].san == ("mx.good.tls.test",)
    assert mx.name_matches and mx.trusted
    assert [r.text for r in mx.tlsa] == [f"3 1 1 {LEAF_311}"] and mx.tlsa[0].matched
    assert mx.dnssec == "insecure"  # BIND serves tls.test unsigned
    assert report.mta_sts.policy.mode == "enforce" and report.mta_sts.id == "20261201T0000Z"
    assert report.tlsrpt == ("v=TLSRPTv1; rua=mailto:tls-reports@good.tls.test",)
    assert by_id(report, "TLS-11")[0].title.endswith("enforce")
    assert by_id(report, "TLS-12")[0].severity == Severity.WARN


# --- step 1: the MX over SMTP + STARTTLS -----------------------------------------------


async def test_no_starttls_is_a_warning_without_a_policy(dns_server, ca):
    with SmtpServer(SmtpBehaviour(None)) as smtp:
        report = await run(dns_server, ca, "plain.tls.test", smtp.port)
    (finding,) = by_id(report, "TLS-01")
    assert finding.severity == Severity.WARN and "does not offer STARTTLS" in finding.title
    assert report.mx[0].starttls_offered is False
    assert finding.fixes[0].shell == ("openssl s_client -connect mx.plain.tls.test:25 -starttls "
                                      "smtp -servername mx.plain.tls.test -showcerts")


async def test_no_starttls_under_mta_sts_enforce_is_critical(dns_server, ca):
    policy = b"version: STSv1\r\nmode: enforce\r\nmx: mx.enforce.tls.test\r\nmax_age: 86400\r\n"
    with SmtpServer(SmtpBehaviour(None)) as smtp, \
            HttpsServer(ca.issue("mta-sts.enforce.tls.test"), Page(body=policy)) as web:
        report = await run(dns_server, ca, "enforce.tls.test", smtp.port, web.port)
    (finding,) = by_id(report, "TLS-01")
    assert finding.severity == Severity.CRITICAL and "enforce" in finding.detail


async def test_starttls_refused_with_454_is_a_failed_handshake(dns_server, ca):
    behaviour = SmtpBehaviour(ca.issue("mx.plain.tls.test"),
                              starttls_reply="454 4.7.0 TLS not available due to temporary reason")
    with SmtpServer(behaviour) as smtp:
        report = await run(dns_server, ca, "plain.tls.test", smtp.port)
    (finding,) = by_id(report, "TLS-02")
    assert finding.severity == Severity.ERROR and "454 4.7.0" in finding.detail
    assert report.mx[0].handshake_ok is False


async def test_expired_certificate(dns_server, ca):
    with SmtpServer(SmtpBehaviour(ca.issue("mx.plain.tls.test", expired=True))) as smtp:
        report = await run(dns_server, ca, "plain.tls.test", smtp.port)
    (finding,) = by_id(report, "TLS-03")
    assert "expired 1 day(s) ago" in finding.title and finding.severity == Severity.ERROR
    assert by_id(report, "TLS-04") == [] and by_id(report, "TLS-05") == []


async def test_certificate_for_another_name(dns_server, ca):
    with SmtpServer(SmtpBehaviour(ca.issue("other.example.test"))) as smtp:
        report = await run(dns_server, ca, "plain.tls.test", smtp.port)
    (finding,) = by_id(report, "TLS-04")
    assert "SAN other.example.test" in finding.evidence and "mx.plain.tls.test" in finding.detail
    assert by_id(report, "TLS-05") == [] and by_id(report, "TLS-03") == []


async def test_wildcard_covers_one_label_only(dns_server, ca):
    with SmtpServer(SmtpBehaviour(ca.issue("*.plain.tls.test"))) as smtp:
        one_label = await run(dns_server, ca, "plain.tls.test", smtp.port)
    with SmtpServer(SmtpBehaviour(ca.issue("*.tls.test"))) as smtp:
        two_labels = await run(dns_server, ca, "plain.tls.test", smtp.port)
    assert one_label.mx[0].name_matches and by_id(one_label, "TLS-04") == []
    assert by_id(two_labels, "TLS-04")


async def test_self_signed_certificate_is_untrusted(dns_server, ca):
    with SmtpServer(SmtpBehaviour(ca.issue("mx.plain.tls.test", self_signed=True))) as smtp:
        report = await run(dns_server, ca, "plain.tls.test", smtp.port)
    (finding,) = by_id(report, "TLS-05")
    assert "self-signed" in finding.detail and by_id(report, "TLS-04") == []


async def test_missing_intermediate_is_untrusted(dns_server, ca):
    issued = ca.issue("mx.plain.tls.test", send_intermediate=False)
    with SmtpServer(SmtpBehaviour(issued)) as smtp:
        report = await run(dns_server, ca, "plain.tls.test", smtp.port)
    (finding,) = by_id(report, "TLS-05")
    assert "only the server certificate was sent" in finding.detail
    assert len(report.mx[0].chain) == 1


async def test_refused_and_silent_ports_are_their_own_findings(dns_server, ca):
    from dnsserver import free_port

    refused = await run(dns_server, ca, "plain.tls.test", free_port())
    with SmtpServer(SmtpBehaviour(None, silent=True)) as smtp:
        silent = await run(dns_server, ca, "plain.tls.test", smtp.port, timeout=0.5)
    assert refused.mx[0].connect == "refused" and silent.mx[0].connect == "timeout"
    assert "refuses connections" in by_id(refused, "TLS-01")[0].title
    assert "never answered" in by_id(silent, "TLS-01")[0].title
    assert all(f.severity == Severity.ERROR for f in (*by_id(refused, "TLS-01"), *by_id(silent, "TLS-01")))


async def test_a_domain_without_mx_is_its_own_mx(dns_server, ca):
    with SmtpServer(SmtpBehaviour(ca.issue("nomx.tls.test"))) as smtp:
        report = await run(dns_server, ca, "nomx.tls.test", smtp.port)
    assert [m.host for m in report.mx] == ["nomx.tls.test"] and report.mx[0].handshake_ok


# --- the command ------------------------------------------------------------------------


def tls_cli(dns_server, ca, *args):
    from tui.cli import main

    return main(["tls", *args, "--resolver", dns_server.spec, "--ca-file", str(ca.ca_file)])


def test_cli_prints_each_mx_and_exits_0_when_nothing_fails(dns_server, ca, capsys):
    with SmtpServer(SmtpBehaviour(ca.issue("mx.good.tls.test"))) as smtp, \
            HttpsServer(ca.issue("mta-sts.good.tls.test"), Page(body=GOOD_POLICY)) as web:
        status = tls_cli(dns_server, ca, "good.tls.test", "--smtp-port", str(smtp.port),
                         "--https-port", str(web.port))
    out = capsys.readouterr().out
    assert status == 0
    assert "mx.good.tls.test (preference 10, 127.0.0.1" in out
    assert "STARTTLS: offered" in out and "chain: 2 certificate(s) sent, trusted" in out
    assert f"TLSA 3 1 1 {LEAF_311}: matches" in out
    assert "mode enforce" in out and "v=TLSRPTv1; rua=mailto:tls-reports@good.tls.test" in out


def test_cli_json_has_a_tls_key_and_exit_1_on_failure(dns_server, ca, capsys):
    import json

    with SmtpServer(SmtpBehaviour(ca.issue("mx.plain.tls.test", expired=True))) as smtp:
        status = tls_cli(dns_server, ca, "plain.tls.test", "--smtp-port", str(smtp.port), "--json")
    data = json.loads(capsys.readouterr().out)["tls"]
    assert status == 1
    assert data["domain"] == "plain.tls.test" and data["mx"][0]["chain"][0]["days_left"] < 0
    tls03 = next(f for f in data["findings"] if f["id"] == "TLS-03")
    assert tls03["fixes"][0]["shell"].startswith("openssl s_client -connect mx.plain.tls.test:25")


def test_cli_markdown(dns_server, ca, capsys):
    with SmtpServer(SmtpBehaviour(None)) as smtp:
        status = tls_cli(dns_server, ca, "plain.tls.test", "--smtp-port", str(smtp.port), "--markdown")
    out = capsys.readouterr().out
    assert status == 0  # no STARTTLS without a policy: a warning, mail still flows
    assert out.startswith("# TLS delivery to plain.tls.test") and "## Findings" in out
    assert "- [WARN] TLS-01 mx.plain.tls.test does not offer STARTTLS" in out


def test_cli_exit_3_when_the_mx_lookup_fails_and_2_for_a_bad_name(dns_server, ca, capsys):
    # BIND refuses names outside its zones: no MX answer, nothing to judge.
    assert tls_cli(dns_server, ca, "elsewhere.example", "--smtp-port", "1") == 3
    assert tls_cli(dns_server, ca, "not a domain") == 2
    assert "mailtriage:" in capsys.readouterr().err


# --- step 2: MTA-STS and TLS-RPT ------------------------------------------------------


def sts_policy(mode="enforce", mx=("mx1.sts.tls.test", "mx2.sts.tls.test"), end="\r\n"):
    lines = ["version: STSv1", f"mode: {mode}", *(f"mx: {m}" for m in mx), "max_age: 604800"]
    return end.join(lines).encode() + end.encode()


async def sts_run(dns_server, ca, page, policy_cert=None):
    """sts.tls.test with a good MX (both MX names on one certificate) and `page` as policy."""
    issued = ca.issue("mx1.sts.tls.test", "mx2.sts.tls.test")
    with SmtpServer(SmtpBehaviour(issued)) as smtp, \
            HttpsServer(policy_cert or ca.issue("mta-sts.sts.tls.test"), page) as web:
        return await run(dns_server, ca, "sts.tls.test", smtp.port, web.port)


async def test_policy_fetched_and_every_mx_matched(dns_server, ca):
    report = await sts_run(dns_server, ca, Page(body=sts_policy()))
    assert failures(report) == []
    policy = report.mta_sts.policy
    assert policy.mx == ("mx1.sts.tls.test", "mx2.sts.tls.test") and policy.max_age == 604800
    assert report.mta_sts.url == "https://mta-sts.sts.tls.test/.well-known/mta-sts.txt"
    # MTA-STS without TLS-RPT: failures would go unseen.
    (rpt,) = by_id(report, "TLS-16")
    assert rpt.severity == Severity.WARN and rpt.fixes[-1].zone_line == (
        '_smtp._tls.sts.tls.test. 3600 IN TXT "v=TLSRPTv1; rua=mailto:tls-reports@sts.tls.test"')


@pytest.mark.parametrize(("page", "reason"), [
    (Page(status=404, body=b"not here"), "HTTP 404 instead of 200"),
    (Page(status=301, headers=(("Location", "https://www.sts.tls.test/"),)), "redirect"),
])
async def test_policy_http_faults(dns_server, ca, page, reason):
    report = await sts_run(dns_server, ca, page)
    (finding,) = by_id(report, "TLS-07")
    assert reason in finding.detail and finding.severity == Severity.ERROR
    assert finding.fixes[0].shell == "curl -sS https://mta-sts.sts.tls.test/.well-known/mta-sts.txt"


@pytest.mark.parametrize(("cert", "reason"), [
    ({"names": ("www.sts.tls.test",)}, "Hostname mismatch"),
    ({"names": ("mta-sts.sts.tls.test",), "expired": True}, "certificate has expired"),
    ({"names": ("mta-sts.sts.tls.test",), "self_signed": True}, "self-signed certificate"),
])
async def test_policy_host_certificate_faults(dns_server, ca, cert, reason):
    names = cert.pop("names")
    report = await sts_run(dns_server, ca, Page(body=sts_policy()), ca.issue(*names, **cert))
    (finding,) = by_id(report, "TLS-07")
    assert reason in finding.detail and "Web-PKI certificate" in finding.detail


async def test_malformed_policy(dns_server, ca):
    body = b"version: STSv1\r\nmode: enforced\r\nmx: mx1.sts.tls.test, mx2.sts.tls.test\r\nmax_age: 1w\r\n"
    report = await sts_run(dns_server, ca, Page(body=body))
    (finding,) = by_id(report, "TLS-08")
    assert finding.severity == Severity.ERROR
    assert "mode: 'enforced' is not enforce, testing or none" in finding.evidence
    assert "max_age: '1w' is not a number of seconds" in finding.evidence
    assert any("each MX needs its own `mx:` line" in e for e in finding.evidence)


async def test_lf_only_policy_is_parsed_with_a_note(dns_server, ca):
    report = await sts_run(dns_server, ca, Page(body=sts_policy(end="\n")))
    (finding,) = by_id(report, "TLS-08")
    assert finding.severity == Severity.INFO and report.mta_sts.policy.mode == "enforce"


@pytest.mark.parametrize(("mode", "severity"), [("enforce", Severity.CRITICAL),
                                                ("testing", Severity.WARN)])
async def test_mx_missing_from_the_policy(dns_server, ca, mode, severity):
    report = await sts_run(dns_server, ca, Page(body=sts_policy(mode, mx=("mx1.sts.tls.test",))))
    (finding,) = by_id(report, "TLS-09")
    assert finding.severity == severity and finding.about == "MX mx2.sts.tls.test"
    assert "add `mx: mx2.sts.tls.test`" in finding.detail


async def test_wildcard_mx_pattern_matches_one_label(dns_server, ca):
    report = await sts_run(dns_server, ca, Page(body=sts_policy(mx=("*.sts.tls.test",))))
    assert by_id(report, "TLS-09") == []


async def test_testing_mode_turns_certificate_faults_into_warnings(dns_server, ca):
    policy_host = ca.issue("mta-sts.sts.tls.test")
    body = sts_policy("testing")
    with SmtpServer(SmtpBehaviour(ca.issue("other.example.test"))) as smtp, \
            HttpsServer(policy_host, Page(body=body)) as web:
        testing = await run(dns_server, ca, "sts.tls.test", smtp.port, web.port)
    with SmtpServer(SmtpBehaviour(ca.issue("other.example.test"))) as smtp, \
            HttpsServer(policy_host, Page(body=sts_policy("enforce"))) as web:
        enforce = await run(dns_server, ca, "sts.tls.test", smtp.port, web.port)
    assert {f.severity for f in by_id(testing, "TLS-04")} == {Severity.WARN}
    assert "under enforce" in by_id(testing, "TLS-04")[0].detail
    assert {f.severity for f in by_id(enforce, "TLS-04")} == {Severity.CRITICAL}


@pytest.mark.parametrize(("domain", "words"), [
    ("dup.tls.test", "2 records begin with v=STSv1; senders treat this as no policy"),
    ("badid.tls.test", "id=2026-01-01 is not 1 to 32 letters and digits"),
])
async def test_unusable_mta_sts_record(dns_server, ca, domain, words):
    with SmtpServer(SmtpBehaviour(ca.issue(f"mx.{domain}"))) as smtp:
        report = await run(dns_server, ca, domain, smtp.port)
    (finding,) = by_id(report, "TLS-06")
    assert finding.severity == Severity.ERROR and words in finding.detail
    record = next(f for f in finding.fixes if isinstance(f, RecordFix))
    assert record.name == f"_mta-sts.{domain}" and record.value.startswith("v=STSv1; id=")


async def test_no_mta_sts_record_and_duplicate_tlsrpt(dns_server, ca):
    with SmtpServer(SmtpBehaviour(ca.issue("mx.plain.tls.test"))) as smtp:
        plain = await run(dns_server, ca, "plain.tls.test", smtp.port)
    with SmtpServer(SmtpBehaviour(ca.issue("mx.dup.tls.test"))) as smtp:
        dup = await run(dns_server, ca, "dup.tls.test", smtp.port)
    assert by_id(plain, "TLS-06")[0].severity == Severity.WARN
    # The command asks the server this check asked.
    assert by_id(plain, "TLS-06")[0].fixes[0].shell == (
        f"dig +short TXT _mta-sts.plain.tls.test @127.0.0.1 -p {dns_server.port}")
    assert "treat TLS-RPT as absent" in by_id(dup, "TLS-16")[0].detail


# --- step 3: DANE ------------------------------------------------------------------------


def stub_resolver(stub):
    from wizard.dns import ServerResolver

    return ServerResolver("127.0.0.1", stub.port)


async def test_tlsa_stale_after_rekey_is_critical_in_a_signed_zone(dns_server, ca):
    rekeyed = ca.issue("mx.dane.tls.test", fixed_key=False)
    upstream = (dns_server.host, dns_server.port)
    with DnsStub(upstream, secure={"_25._tcp.mx.dane.tls.test"}) as stub, \
            SmtpServer(SmtpBehaviour(rekeyed)) as smtp:
        report = await run(dns_server, ca, "dane.tls.test", smtp.port, resolver=stub_resolver(stub))
    mx = report.mx[0]
    assert mx.dnssec == "secure" and not mx.tlsa[0].matched
    (finding,) = by_id(report, "TLS-13")
    assert finding.severity == Severity.CRITICAL
    served = mx.chain[0].spki_sha256
    assert served != LEAF_311 and f"served key 3 1 1 {served}" in finding.evidence
    shells = [f.shell for f in finding.fixes if not isinstance(f, RecordFix)]
    assert shells[1] == f"dig +dnssec TLSA _25._tcp.mx.dane.tls.test @127.0.0.1 -p {stub.port}"
    assert "openssl dgst -sha256 -binary" in shells[0] and shells[0].endswith("sh mx.dane.tls.test")
    (record,) = [f for f in finding.fixes if isinstance(f, RecordFix)]
    assert record.zone_line == f"_25._tcp.mx.dane.tls.test. 3600 IN TLSA 3 1 1 {served}"
    assert by_id(report, "TLS-12") == []


async def test_tlsa_stale_in_an_unsigned_zone_is_only_a_warning(dns_server, ca):
    with SmtpServer(SmtpBehaviour(ca.issue("mx.dane.tls.test", fixed_key=False))) as smtp:
        report = await run(dns_server, ca, "dane.tls.test", smtp.port)
    assert report.mx[0].dnssec == "insecure"
    assert by_id(report, "TLS-13")[0].severity == Severity.WARN
    assert "DANE senders ignore it" in by_id(report, "TLS-12")[0].detail


async def test_dane_ee_match_makes_an_expired_certificate_info(dns_server, ca):
    upstream = (dns_server.host, dns_server.port)
    with DnsStub(upstream, secure={"_25._tcp.mx.dane.tls.test"}) as stub, \
            SmtpServer(SmtpBehaviour(ca.issue("mx.dane.tls.test", expired=True))) as smtp:
        report = await run(dns_server, ca, "dane.tls.test", smtp.port, resolver=stub_resolver(stub))
    (finding,) = by_id(report, "TLS-03")
    assert finding.severity == Severity.INFO and "DANE senders accept it" in finding.detail
    assert by_id(report, "TLS-13") == []


async def test_bogus_tlsa_answer(dns_server, ca):
    upstream = (dns_server.host, dns_server.port)
    with DnsStub(upstream, bogus={"_25._tcp.mx.dane.tls.test"}) as stub, \
            SmtpServer(SmtpBehaviour(ca.issue("mx.dane.tls.test"))) as smtp:
        report = await run(dns_server, ca, "dane.tls.test", smtp.port, resolver=stub_resolver(stub))
    assert report.mx[0].dnssec == "bogus"
    assert by_id(report, "TLS-15")[0].severity == Severity.CRITICAL


async def test_dane_ta_needs_the_ca_in_the_served_chain(dns_server, ca):
    with SmtpServer(SmtpBehaviour(ca.issue("mx.ta.tls.test"))) as smtp:
        sent = await run(dns_server, ca, "ta.tls.test", smtp.port)
    with SmtpServer(SmtpBehaviour(ca.issue("mx.ta.tls.test", send_intermediate=False))) as smtp:
        leaf_only = await run(dns_server, ca, "ta.tls.test", smtp.port)
    assert sent.mx[0].tlsa[0].matched and by_id(sent, "TLS-14") == []
    assert by_id(sent, "TLS-13") == []
    (finding,) = by_id(leaf_only, "TLS-14")
    assert finding.severity == Severity.ERROR and "missing from the served chain" in finding.detail


async def test_pkix_usages_are_unusable_for_smtp(dns_server, ca):
    with SmtpServer(SmtpBehaviour(ca.issue("mx.pkix.tls.test"))) as smtp:
        report = await run(dns_server, ca, "pkix.tls.test", smtp.port)
    (finding,) = by_id(report, "TLS-14")
    assert finding.severity == Severity.WARN and "unusable for SMTP" in finding.title


async def test_dnssec_cannot_be_judged_from_zone_files(ca):
    from pathlib import Path

    from wizard.dns import ZoneFileResolver

    zones = ZoneFileResolver([Path(__file__).parents[1] / "zones" / "tls.test.zone"])
    with SmtpServer(SmtpBehaviour(ca.issue("mx.good.tls.test"))) as smtp:
        report = await check_tls("good.tls.test", DnsSession([zones], compare=False),
                                 Options(smtp_port=smtp.port, https_port=1,
                                         ca_file=str(ca.ca_file), connect_timeout=3))
    assert report.mx[0].dnssec == "unknown"
    assert "cannot be judged here" in by_id(report, "TLS-12")[0].title


async def test_the_system_resolver_is_asked_for_the_ad_bit_through_its_server(dns_server, tmp_path):
    from wizard.dns import ServerResolver, SystemResolver
    from wizard.tls.dane import dnssec_status

    conf = tmp_path / "resolv.conf"
    conf.write_text("nameserver 127.0.0.1\n")
    system = SystemResolver(resolv_conf=conf)
    upstream = (dns_server.host, dns_server.port)
    with DnsStub(upstream, secure={"_25._tcp.mx.dane.tls.test"}) as stub:
        # resolv.conf cannot name a port: point its one server at the stub.
        system.servers = (ServerResolver("127.0.0.1", stub.port),)
        assert await dnssec_status(system, "_25._tcp.mx.dane.tls.test", "TLSA", 3) == "secure"


async def test_an_ipv6_only_mx_is_reached_over_ipv6(dns_server, ca):
    with SmtpServer(SmtpBehaviour(ca.issue("mx.v6.tls.test")), host="::1") as smtp:
        report = await run(dns_server, ca, "v6.tls.test", smtp.port)
    assert report.mx[0].address == "::1" and report.mx[0].handshake_ok


async def test_a_policy_server_dripping_bytes_is_cut_off_at_the_timeout(dns_server, ca):
    import time

    issued = ca.issue("mx1.sts.tls.test", "mx2.sts.tls.test")
    page = Page(body=sts_policy() * 20, drip=0.05)  # ~100 s at this pace
    with SmtpServer(SmtpBehaviour(issued)) as smtp, \
            HttpsServer(ca.issue("mta-sts.sts.tls.test"), page) as web:
        started = time.perf_counter()
        report = await run(dns_server, ca, "sts.tls.test", smtp.port, web.port, timeout=1.0)
        elapsed = time.perf_counter() - started
    assert elapsed < 3
    assert "no complete answer within 1 s" in by_id(report, "TLS-07")[0].detail
