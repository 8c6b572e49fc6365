"""Enhanced status codes: registry meanings, provider clashes (DSN-07), SMTP AUTH (CAUSE-20)."""
from __future__ import annotations

import pytest

from wizard.receiver.providers import AMAZON_SES, GMAIL, MICROSOFT, YAHOO
from wizard.receiver.status_codes import (
    explain_code,
    is_valid_code,
    registry_entry,
    specificity,
)


def test_registry_rows_are_read() -> None:
    assert registry_entry("5.7.26").title == "Multiple authentication checks failed"
    assert registry_entry("4.7.29").title == "ARC validation failure"
    assert registry_entry("5.7.509") is None  # Microsoft's private detail numbers
    exp = explain_code("5.1.1", provider=None, text="User unknown")
    assert exp.class_title == "Permanent Failure"
    assert exp.subject_title == "Addressing Status"
    assert exp.registry_title == "Bad destination mailbox address"


@pytest.mark.parametrize(
    "code, valid",
    [("5.7.26", True), ("4.4.312", True), ("2.0.0", True), ("3.1.1", False),
     ("5.7", False), ("5.7.1234", False), ("x.y.z", False), ("", False)],
)
def test_syntax(code: str, valid: bool) -> None:
    """DSN-05 / RFC 3463 §2."""
    assert is_valid_code(code) is valid
    exp = explain_code(code, provider=None, text="")
    assert exp.valid is valid


def test_specificity_orders_generic_codes_last() -> None:
    assert specificity("5.0.0") < specificity("5.1.0") < specificity("5.7.26")
    assert specificity("4.4.7") < specificity("4.4.2")  # "gave up" says less than the cause


@pytest.mark.parametrize(
    "code, provider, text, topic, clash_word",
    [
        # Gmail reuses registry numbers (DSN-07).
        ("4.7.27", GMAIL, "SPF authentication didn't pass", "spf", "null MX"),
        ("5.7.27", GMAIL, "", "spf", "null MX"),
        ("4.7.29", GMAIL, "this message wasn't sent over a TLS connection", "tls", "ARC"),
        ("4.7.30", GMAIL, "DKIM authentication didn't pass", "dkim", "REQUIRETLS"),
        ("5.7.30", GMAIL, "This mail has been blocked because DKIM does not pass", "dkim",
         "REQUIRETLS"),
        ("4.7.32", GMAIL, "From: header isn't aligned", "alignment", "not a registered"),
        ("4.7.28", GMAIL, "unusual rate of mail", "rate", None),
        # Microsoft detail numbers beyond the registry.
        ("5.7.509", MICROSOFT, "does not pass DMARC verification", "dmarc", "DMARC"),
        ("5.7.515", MICROSOFT, "does not meet the required authentication level",
         "multiple_auth", "authentication level"),
        ("5.7.506", MICROSOFT, "Bad HELO", "helo", "HELO"),
        ("5.7.510", MICROSOFT, "IPv6", "ipv6", "IPv6"),
        ("5.7.512", MICROSOFT, "RFC 5322 section 3.6.2", "rfc5322", "5322"),
        ("5.6.11", MICROSOFT, "bare line feeds", "bare_lf", "bare line feed"),
        ("5.1.10", MICROSOFT, "RESOLVER.ADR.RecipientNotFound", "mailbox", "null MX"),
        ("5.1.10", None, "RESOLVER.ADR.RecipientNotFound; Recipient not found", "mailbox",
         "receiver's text"),
        ("4.7.650", MICROSOFT, "rate limited due to IP reputation", "rate", "rate limited"),
        ("5.7.606", MICROSOFT, "banned sending IP", "blocklist", "banned"),
        # Yahoo's 5.7.9 is not the registry's SMTP AUTH "mechanism too weak".
        ("5.7.9", YAHOO, "Message not accepted for policy reasons", "policy", "SMTP AUTH"),
        ("5.7.9", YAHOO, "This mail has been blocked because the sender is unauthenticated",
         "multiple_auth", "SMTP AUTH"),
        ("5.7.9", AMAZON_SES, "Rejected", "policy", "SES"),
        # Without a known provider, the words decide.
        ("4.7.30", None, "DKIM authentication didn't pass", "dkim", "receiver's text"),
    ],
)
def test_provider_meanings_clash_with_registry(code, provider, text, topic, clash_word) -> None:
    exp = explain_code(code, provider=provider, text=text)
    assert exp.topic == topic
    if clash_word is None:
        assert exp.provider_meaning is None
    else:
        assert exp.provider_meaning and clash_word.lower() in exp.provider_meaning.lower()


@pytest.mark.parametrize(
    "code, provider, text, topic",
    [
        ("5.7.30", None, "REQUIRETLS support required", "requiretls"),
        ("5.7.30", GMAIL, "REQUIRETLS support required", "requiretls"),
        ("5.7.29", None, "ARC validation failure", "arc"),  # ARC-07
        ("5.7.27", None, "Sender address has null MX", "null_mx"),
        ("5.7.23", None, "SPF validation failed", "spf"),
        ("5.7.25", None, "Reverse DNS validation failed", "ptr"),
    ],
)
def test_registry_meaning_kept_when_text_agrees(code, provider, text, topic) -> None:
    exp = explain_code(code, provider=provider, text=text)
    assert exp.topic == topic
    assert exp.provider_meaning is None


@pytest.mark.parametrize(
    "code, text",
    [
        ("5.7.8", "Authentication credentials invalid"),
        ("5.7.9", "Authentication mechanism is too weak"),
        ("5.7.11", "Encryption required for requested authentication mechanism"),
        ("5.7.12", "A password transition is needed"),
        ("5.7.14", "Trust relationship required"),
        ("5.7.1", "RESOLVER.RST.AuthRequired; authentication required"),
        ("5.0.0", "Unauthenticated senders not allowed"),
        ("5.7.0", "Please turn on SMTP Authentication in your mail client"),
    ],
)
def test_smtp_auth_is_not_email_authentication(code: str, text: str) -> None:
    """CAUSE-20: say it is SMTP AUTH and give no DNS advice."""
    exp = explain_code(code, provider=None, text=text)
    assert exp.is_smtp_auth
    assert "SMTP AUTH" in exp.plain
    assert not any("dig " in step or "DNS" in step for step in exp.next_steps)


@pytest.mark.parametrize("code", ["5.7.11", "5.7.12", "5.7.14", "5.7.8"])
def test_smtp_auth_codes_follow_the_text_when_it_names_spf_or_dkim(code: str) -> None:
    exp = explain_code(code, provider=None, text="DKIM signature did not verify")
    assert exp.topic == "dkim" and not exp.is_smtp_auth
    assert exp.provider_meaning  # says the text, not the registry, decided


def test_5_7_26_full_explanation() -> None:
    exp = explain_code("5.7.26", provider=GMAIL, text="Unauthenticated email from example.com "
                       "is not accepted due to domain's DMARC policy")
    assert exp.registry_title == "Multiple authentication checks failed"
    assert "DMARC" in exp.plain and "SPF" in exp.plain and "DKIM" in exp.plain
    assert len(exp.causes) >= 3 and len(exp.next_steps) >= 3
    assert exp.provider_meaning is None  # Gmail's use agrees with the registry


def test_5_7_13_registry_meaning_unless_text_says_dkim() -> None:
    plain = explain_code("5.7.13", provider=None, text="Account disabled")
    assert plain.registry_title == "User Account Disabled"
    assert plain.is_smtp_auth and "disabled" in plain.plain
    assert plain.causes and plain.next_steps
    dkim = explain_code("5.7.13", provider=None, text="DKIM signature required but not present")
    assert dkim.topic == "dkim_required"
    assert "User account disabled" in dkim.plain  # the registry meaning is still stated
    assert any("DKIM" in s for s in dkim.next_steps)


def test_5_7_14_trust_relationship_or_dkim() -> None:
    trust = explain_code("5.7.14", provider=None, text="Trust relationship required")
    assert trust.registry_title == "Trust relationship required"
    assert trust.is_smtp_auth and trust.causes and trust.next_steps
    dkim = explain_code("5.7.14", provider=None, text="DKIM verification failed")
    assert dkim.topic == "dkim"
    assert "Trust relationship required" in dkim.plain


def test_temporary_codes_say_so() -> None:
    assert "temporary" in explain_code("4.7.0", provider=None, text="try later").plain


def test_generic_codes_take_the_topic_from_the_text() -> None:
    assert explain_code("5.7.1", provider=None, text="rejected per DMARC policy").topic == "dmarc"
    assert explain_code("5.7.1", provider=None, text="Relay access denied").topic == "relay"
    assert explain_code("5.0.0", provider=None, text="blocked using zen.spamhaus.org").topic == "blocklist"
    assert explain_code("5.7.1", provider=None, text="no reason given").topic == "policy"
