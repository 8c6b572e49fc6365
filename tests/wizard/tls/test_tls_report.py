"""TLS-RPT reports (RFC 8460 §4): the RFC's own example as JSON, gzip and mail; caps."""
from __future__ import annotations

import gzip
import json
from email.message import EmailMessage

import pytest

from wizard.model.findings import Severity
from wizard.output.json import to_data
from wizard.tls.report import MAX_JSON, NotTlsReport, parse_tls_report

# RFC 8460 §4.8, the example report.
RFC8460 = {
    "organization-name": "Company-X",
    "date-range": {"start-datetime": "2016-04-01T00:00:00Z",
                   "end-datetime": "2016-04-01T23:59:59Z"},
    "contact-info": "sts-reporting@company-x.example",
    "report-id": "5065427c-23d3-47ca-b6e0-946ea0e8c795",
    "policies": [{
        "policy": {
            "policy-type": "sts",
            "policy-string": ["version: STSv1", "mode: testing",
                              "mx: *.mail.company-y.example", "max_age: 86400"],
            "policy-domain": "company-y.example",
            "mx-host": ["*.mail.company-y.example"],
        },
        "summary": {"total-successful-session-count": 5326, "total-failure-session-count": 303},
        "failure-details": [
            {"result-type": "certificate-expired", "sending-mta-ip": "2001:db8:abcd:0012::1",
             "receiving-mx-hostname": "mx1.mail.company-y.example", "failed-session-count": 100},
            {"result-type": "starttls-not-supported", "sending-mta-ip": "2001:db8:abcd:0013::1",
             "receiving-mx-hostname": "mx2.mail.company-y.example", "receiving-ip": "203.0.113.56",
             "failed-session-count": 200,
             "additional-information": "https://reports.company-x.example/report_info?id=5065427c-23d3#StarttlsNotSupported"},
            {"result-type": "validation-failure", "sending-mta-ip": "198.51.100.62",
             "receiving-ip": "203.0.113.58", "receiving-mx-hostname": "mx-backup.mail.company-y.example",
             "failed-session-count": 3, "failure-reason-code": "X509_V_ERR_PROOF_OF_POSSESSION"},
        ],
    }],
}
RAW = json.dumps(RFC8460).encode()


def check_rfc_example(report):
    assert (report.org_name, report.report_id) == ("Company-X", "5065427c-23d3-47ca-b6e0-946ea0e8c795")
    assert (report.begin, report.end) == ("2016-04-01T00:00:00Z", "2016-04-01T23:59:59Z")
    (policy,) = report.policies
    assert (policy.policy_type, policy.policy_domain) == ("sts", "company-y.example")
    assert policy.mx_hosts == ("*.mail.company-y.example",)
    assert (policy.successful, policy.failed) == (5326, 303)
    assert [(f.result_type, f.count, f.finding) for f in policy.failures] == [
        ("certificate-expired", 100, "TLS-03"), ("starttls-not-supported", 200, "TLS-01"),
        ("validation-failure", 3, "TLS-05")]


def test_rfc8460_example_json():
    report = parse_tls_report(RAW)
    check_rfc_example(report)
    summary, verdict = report.findings
    assert summary.id == "TLS-17" and "5326 successful, 303 failed" in summary.title
    # mode: testing → mail still flowed; the verdict says so and names the diagnoses.
    assert verdict.id == "TLS-18" and verdict.severity == Severity.WARN
    assert "303 of 5629 TLS sessions to company-y.example failed" in verdict.title
    assert "TLS-01, TLS-03, TLS-05" in verdict.detail and "under enforce" in verdict.detail


def test_gzip_and_mail_forms():
    check_rfc_example(parse_tls_report(gzip.compress(RAW)))
    mail = EmailMessage()
    mail["Subject"] = "Report Domain: company-y.example Submitter: company-x.example Report-ID: <x>"
    mail["TLS-Report-Domain"] = "company-y.example"
    mail.set_content("This is an aggregate TLS report from company-x.example")
    mail.add_attachment(gzip.compress(RAW), maintype="application", subtype="tlsrpt+gzip",
                        filename="company-x.example!company-y.example!1459468800!1459555199!001.json.gz")
    check_rfc_example(parse_tls_report(mail.as_bytes()))


def test_json_shape_under_tls_report():
    data = to_data(parse_tls_report(RAW))
    policy = data["policies"][0]
    assert set(policy) >= {"policy_type", "policy_domain", "mx_hosts", "successful", "failed", "failures"}
    assert set(policy["failures"][0]) >= {"result_type", "sending_mta_ip", "receiving_mx_hostname",
                                          "count", "finding"}


def test_enforce_failures_are_errors_and_no_policy_found_is_info():
    doc = json.loads(RAW)
    doc["policies"][0]["policy"]["policy-string"][1] = "mode: enforce"
    doc["policies"].append({"policy": {"policy-type": "no-policy-found", "policy-domain": "x.example"},
                            "summary": {"total-successful-session-count": 1,
                                        "total-failure-session-count": 2}, "failure-details": []})
    report = parse_tls_report(json.dumps(doc).encode())
    assert [f.severity for f in report.findings[1:]] == [Severity.ERROR, Severity.INFO]


@pytest.mark.parametrize(("data", "words"), [
    (b'{"organization-name": "x", "policies": {}}', "MUST be one"),
    (b"{not json", "not valid JSON"),
    (b"[" * 100_000, "neither TLS-RPT JSON"),
    (b"{" + b'"a":[' * 100_000, "not valid JSON"),
    (b"Subject: hello\r\n\r\njust a mail\r\n", "neither TLS-RPT JSON"),
])
def test_what_is_not_a_report_says_why(data, words):
    with pytest.raises(NotTlsReport, match=words):
        parse_tls_report(data)


def test_a_gzip_bomb_stops_at_the_cap():
    bomb = gzip.compress(b"{" + b" " * (MAX_JSON + 10) + b"}")
    with pytest.raises(NotTlsReport, match="inflates to more than"):
        parse_tls_report(bomb)
