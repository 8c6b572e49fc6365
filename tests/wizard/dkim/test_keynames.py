"""Where a key is looked for: the DNS-07 wrong names `check` and `fix --check-record` both ask,
sibling selectors, and the ESP behind a CNAME."""
from __future__ import annotations

import pytest

from tests.signing import public_b64
from wizard.common.dnsname import InvalidName
from wizard.dkim.keynames import esp_for, sibling_names, wrong_names
from wizard.dkim.keyrecord import analyze_key, nearby_names
from wizard.dns.types import DnsAnswer, Status

KEY = f"v=DKIM1; k=rsa; p={public_b64('rsa2048a')}"


def _answer(name, *values, status=Status.OK):
    return DnsAnswer("test", name, "TXT", status, tuple((v,) for v in values))


def test_wrong_names_for_a_subdomain_signer():
    names = dict(wrong_names("mail.example.com", "s1"))
    assert "s1._domainkey.mail.example.com.mail.example.com" in names
    assert "s1._domainkey.mail.example.com.example.com" in names
    assert "under example.com, but d= is mail.example.com" in names["s1._domainkey.example.com"]
    assert "s1.domainkey.mail.example.com" in names and "_domainkey.s1.mail.example.com" in names


@pytest.mark.parametrize("domain", ["example.com;rm -rf ~", "$(reboot)"])
def test_wrong_names_refuse_hostile_input(domain):
    with pytest.raises(InvalidName):
        wrong_names(domain, "s1")


def test_check_asks_every_wrong_name_record_check_asks():
    """One list of DNS-07 guesses: the doubled zone, the lost underscore, swapped labels, the
    lost dot (once only record-check's), and the parent zone (once only check's)."""
    for domain in ("example.com", "mail.example.com"):
        guesses = [name for name, _ in wrong_names(domain, "s1")]
        assert set(guesses) <= set(nearby_names(f"s1._domainkey.{domain}"))
    assert "s1_domainkey.example.com" in nearby_names("s1._domainkey.example.com")
    assert "s1._domainkey.mail.example.com.example.com" in nearby_names("s1._domainkey.mail.example.com")


def test_check_finds_a_key_whose_dot_was_lost_and_says_so():
    name = "s1._domainkey.example.com"
    nearby = tuple(
        _answer(n, KEY) if n == "s1_domainkey.example.com" else _answer(n, status=Status.NXDOMAIN)
        for n in nearby_names(name)
    )
    report = analyze_key(_answer(name, status=Status.NXDOMAIN), sig_a="rsa-sha256", nearby=nearby)
    (wrong,) = [f for f in report.findings if f.id == "DNS-07"]
    assert "s1_domainkey.example.com" in wrong.detail
    assert "the dot between the selector and _domainkey is missing" in wrong.detail
    assert wrong.fixes[0].name == name and wrong.fixes[0].value == KEY


def test_a_name_that_is_not_a_key_name_has_no_wrong_names():
    assert nearby_names("example.com") == ()
    assert sibling_names("example.com") == ()


def test_esp_names():
    assert esp_for(("selector1-example-com._domainkey.contoso.onmicrosoft.com",)) == "Microsoft 365"
    assert esp_for(("dkim.mcsv.net",)) == "Mailchimp"
    assert esp_for(("abc.dkim.amazonses.com",)) == "Amazon SES"
    assert esp_for(("key.example.net",)) == ""
