"""The mail providers a bounce can come from: how each is recognised, and the status codes it
uses with a meaning of its own.

One record per provider. Bounce analysis names the remote provider from these (DSN-10), the
status-code explanations read a provider's own code meanings from its record (DSN-07), and
text patterns that only apply to one provider point at its record. Nothing else spells a
provider's name, so a provider cannot be known to one stage and unknown to another.
"""
from __future__ import annotations

import re

from msgspec import Struct

from wizard.common.lazy_re import LazyPattern, lazy
from wizard.receiver.signs import rx


class CodeMeaning(Struct, frozen=True):
    """An enhanced status code a provider uses with its own meaning (DSN-07)."""

    code: LazyPattern  # the code, class "*" = 4 or 5
    meaning: str
    topic: str  # a topic of wizard.receiver.status_codes
    text: LazyPattern | None = None  # the reply must say this for the meaning to hold
    clashes: bool = True  # the meaning departs from the registry's
    # Words that keep the registry meaning: a registry-worded reply relayed through the
    # provider (a REQUIRETLS text from behind a Google relay) is not the provider's reuse.
    unless: LazyPattern | None = None


class Provider(Struct, frozen=True):
    name: str  # as shown to the user and in `check --json`
    hosts: LazyPattern  # host names (remote MTA, remote host, links) that identify it
    # Tags in the reply text that identify it: replies also quote the *sender's* domain, so
    # only these (and links) count there.
    reply_tags: str | None = None
    meanings: tuple[CodeMeaning, ...] = ()


def _means(code: str, meaning: str, topic: str, text: str | None = None, clashes: bool = True,
           unless: LazyPattern | None = None) -> CodeMeaning:
    return CodeMeaning(
        lazy("^" + code.replace(".", r"\.").replace("*", "[45]") + "$"),
        meaning,
        topic,
        lazy(text, re.I) if text else None,
        clashes,
        unless,
    )


_REGISTRY_WORDS = lazy(r"REQUIRETLS|\bARC\b|null MX", re.I)

GMAIL = Provider(
    "Gmail",
    rx(r"\b(?:google(?:mail)?\.com|gsmtp\b)|aspmx\.l\.google"),
    reply_tags=r"\bgsmtp\b",
    meanings=(
        _means("*.7.27", "Gmail: SPF did not pass (Gmail's meaning; the registry meaning "
               "'sender address has null MX' does not apply)", "spf", unless=_REGISTRY_WORDS),
        _means("*.7.29", "Gmail: the message was not sent over a TLS connection (Gmail's "
               "meaning; the registry meaning 'ARC validation failure' does not apply)", "tls",
               unless=_REGISTRY_WORDS),
        _means("*.7.30", "Gmail: DKIM did not pass (Gmail's meaning; the registry meaning "
               "'REQUIRETLS support required' does not apply)", "dkim", unless=_REGISTRY_WORDS),
        _means("4.7.32", "Gmail: the From domain is not aligned with the SPF or DKIM domain "
               "(not a registered code)", "alignment"),
        _means("4.7.28", "Gmail: unusual rate of mail from this sender (close to the "
               "registry's 'mail flood detected')", "rate", clashes=False),
        _means("4.7.23", "Gmail: the sending IP has no PTR record or it does not match "
               "(the registry meaning 'SPF validation failed' does not apply)", "ptr"),
    ),
)

MICROSOFT = Provider(
    "Microsoft",
    rx(r"\b(?:protection\.outlook\.com|outlook\.com|hotmail\.com|office365\.com"
       r"|sender\.office\.com|prod\.outlook\.com)"),
    reply_tags=r"\b[\w-]{1,63}(?:\.[\w-]{1,63}){0,8}\.prod\.outlook\.com\b",  # Exchange Online
    meanings=(
        _means("5.7.509", "Microsoft: the From domain does not pass DMARC and its policy is "
               "reject", "dmarc"),
        _means("5.7.515", "Microsoft: the sending domain does not meet the required "
               "authentication level (Outlook.com bulk-sender rule: SPF and DKIM must both pass "
               "and DMARC must pass)", "multiple_auth"),
        _means("5.7.506", "Microsoft: bad HELO/EHLO name", "helo"),
        _means("5.7.510", "Microsoft: the recipient does not accept mail over IPv6 from this "
               "sender", "ipv6"),
        _means("5.7.511", "Microsoft: the sender is banned", "blocklist"),
        _means("5.7.512", "Microsoft: the message is not RFC 5322 §3.6.2 compliant "
               "(From/Sender headers)", "rfc5322"),
        _means("5.7.513", "Microsoft: the recipient's organisation blocks this sender "
               "(customer block list)", "blocklist"),
        _means(r"5.7.6(0[6-9]|[1-4]\d)", "Microsoft: the sending IP is banned; request removal "
               "at sender.office.com", "blocklist"),
        _means(r"4.7.6[5-9]\d", "Microsoft: temporarily rate limited because of the sending "
               "IP's reputation", "rate"),
        _means("5.1.10", "Microsoft: the recipient was not found (the registry meaning "
               "'recipient address has null MX' does not apply)", "mailbox"),
        _means("5.6.11", "Microsoft: the message contains bare line feeds (LF without CR)",
               "bare_lf"),
    ),
)

YAHOO = Provider(
    "Yahoo",
    rx(r"\b(?:yahoodns\.net|yahoo\.com|yahooinc\.com|verizonmedia\.com|aol\.com)\b"),
    meanings=(
        _means("*.7.9", "Yahoo: the sender is unauthenticated; Yahoo requires SPF or DKIM (the "
               "registry meaning 'authentication mechanism too weak', an SMTP AUTH code, does "
               "not apply)", "multiple_auth", text=r"unauthenticated|authenticate with"),
        _means("*.7.9", "Yahoo: message not accepted for policy reasons (authentication, "
               "reputation or content; the registry meaning 'authentication mechanism too "
               "weak', an SMTP AUTH code, does not apply)", "policy"),
    ),
)

AMAZON_SES = Provider(
    "Amazon SES",
    rx(r"\b(?:amazonses\.com|amazonaws\.com)\b"),
    meanings=(
        _means("5.7.9", "Amazon SES: the message was rejected by SES policy (not an SMTP AUTH "
               "mechanism problem as in the registry)", "policy"),
    ),
)

# Detection order: the first provider whose hosts match a source wins.
PROVIDERS: tuple[Provider, ...] = (
    GMAIL,
    MICROSOFT,
    YAHOO,
    Provider("Apple iCloud", rx(r"\b(?:mail\.icloud\.com|me\.com|support\.apple\.com)\b")),
    Provider("Mimecast", rx(r"\bmimecast\.com\b")),
    Provider("Proofpoint", rx(r"\bpphosted\.com\b|proofpoint")),
    Provider("Broadcom MessageLabs", rx(r"\bmessagelabs\.com\b")),
    Provider("Barracuda", rx(r"\bbarracudanetworks\.com\b")),
    AMAZON_SES,
    Provider("Zoho", rx(r"\bzoho\.(?:com|eu|in)\b")),
    Provider("Tencent QQ", rx(r"\bqq\.com\b")),
    Provider("SendGrid", rx(r"\bsendgrid\.net\b")),
    Provider("GoDaddy", rx(r"\bsecureserver\.net\b")),
    Provider("Yandex", rx(r"\byandex\.(?:ru|net|com)\b")),
)

# Every provider's reply tags as one alternation, so the tags come out in the order the
# reply text has them.
REPLY_TAGS = lazy("|".join(p.reply_tags for p in PROVIDERS if p.reply_tags), re.I)


def identify(*sources: str | None) -> tuple[Provider, str] | None:
    """The provider the first source that names one names, with the host or tag that
    identified it."""
    for source in sources:
        if not source:
            continue
        for provider in PROVIDERS:
            m = provider.hosts.search(source)
            if m:
                token = next((t for t in source.split() if m.group().lower() in t.lower()),
                             m.group())
                return provider, token
    return None
