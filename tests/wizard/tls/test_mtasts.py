"""MTA-STS record and policy parsing (RFC 8461 §3.1, §3.2), without a network."""
from __future__ import annotations

from wizard.tls.certs import name_matches
from wizard.tls.mtasts import MAX_AGE, parse_policy, parse_txt


def test_txt_record_rules():
    assert parse_txt(("v=STSv1; id=20261203T1530Z",)).problem == ""
    assert parse_txt(("v=STSv1; id=20261203T1530Z",)).id == "20261203T1530Z"
    assert "no record begins" in parse_txt(("v=spf1 -all",)).problem
    assert "no id=" in parse_txt(("v=STSv1;",)).problem
    assert "letters and digits" in parse_txt(("v=STSv1; id=v1.2",)).problem
    assert "letters and digits" in parse_txt(("v=STSv1; id=" + "a" * 33,)).problem
    # Records not beginning with v=STSv1 are discarded before counting (§3.1).
    assert parse_txt(("v=STSv1; id=1", "something else")).problem == ""


def test_policy_fields_and_errors():
    good = parse_policy(b"version: STSv1\r\nmode: testing\r\nmx: *.example.com\r\n"
                        b"mx: mail.example.net\r\nmax_age: 86400\r\nfuture: ignored\r\n")
    assert good.errors == [] and good.policy.mx == ("*.example.com", "mail.example.net")
    assert not good.policy.lf_only
    over = parse_policy(f"version: STSv1\nmode: none\nmax_age: {MAX_AGE + 1}\n".encode())
    assert over.errors == [f"max_age: {MAX_AGE + 1} is above the maximum {MAX_AGE}"]
    assert over.policy.lf_only
    html = parse_policy(b"<html><body>Not found</body></html>")
    assert any("is not a `key: value` line" in e for e in html.errors)
    assert "no `mx:` line: the policy allows no MX host at all" in parse_policy(
        b"version: STSv1\r\nmode: enforce\r\nmax_age: 1\r\n").errors


def test_mx_patterns_cover_one_label():
    patterns = ("*.example.com",)
    assert name_matches("mail.example.com", patterns)
    assert name_matches("MAIL.example.com.", patterns)
    assert not name_matches("example.com", patterns)
    assert not name_matches("a.b.example.com", patterns)
