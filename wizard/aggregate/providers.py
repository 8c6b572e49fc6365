"""The sending services a report's rows name, as data: which SPF include authorises their
IPs, which domains they sign with or bounce to, what their PTR names end in, and where their
customers set up aligned DKIM (diagnoses.md RUA-06…RUA-09 "Check", CAUSE-11/15/17).

Only what the reference names; an unknown service is told by its results, not guessed.
"""
from __future__ import annotations

import functools

from msgspec import Struct


class Provider(Struct, frozen=True):
    name: str
    spf_include: str  # the record customers include
    domains: tuple[str, ...]  # its own d= and return-path domains (and their subdomains)
    ptr_suffixes: tuple[str, ...]
    dkim_setup: str  # where the customer turns on signing with their own domain


PROVIDERS = (
    Provider("Google Workspace", "_spf.google.com", ("google.com", "googlemail.com", "gappssmtp.com"),
             ("google.com",), "Google Admin console > Apps > Gmail > Authenticate email"),
    Provider("Microsoft 365", "spf.protection.outlook.com", ("onmicrosoft.com", "outlook.com"),
             ("outbound.protection.outlook.com",), "Microsoft Defender portal > Email authentication > DKIM"),
    Provider("SendGrid", "sendgrid.net", ("sendgrid.net",), ("sendgrid.net",),
             "SendGrid > Settings > Sender Authentication > Authenticate your domain"),
    Provider("Amazon SES", "amazonses.com", ("amazonses.com",), ("amazonses.com",),
             "Amazon SES > Identities > your domain > Easy DKIM, and a custom MAIL FROM domain"),
    Provider("Mailchimp", "servers.mcsv.net", ("mcsv.net", "mcdlv.net", "mandrillapp.com"),
             ("mcsv.net", "mcdlv.net"), "Mailchimp > Domains > Authenticate"),
)


def _under(name: str, suffixes: tuple[str, ...]) -> bool:
    name = name.lower().rstrip(".")
    return any(name == s or name.endswith("." + s) for s in suffixes)


# Cached: a report's rows repeat the same few domains and PTR suffixes thousands of times.
@functools.lru_cache(maxsize=4096)
def by_domain(domain: str) -> Provider | None:
    """The service whose own domain `domain` is (an ESP's d= or return-path)."""
    return next((p for p in PROVIDERS if domain and _under(domain, p.domains)), None)


@functools.lru_cache(maxsize=4096)
def by_ptr(ptr: str | None) -> Provider | None:
    return next((p for p in PROVIDERS if ptr and _under(ptr, p.ptr_suffixes)), None)
