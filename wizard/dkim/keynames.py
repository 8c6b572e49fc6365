"""Where a DKIM key is looked for, and where it ends up by mistake (DKIM-KEY-01, DNS-03, DNS-07).

The key for `s=` and `d=` lives at `<s>._domainkey.<d>`. When nothing is there, the names
below are the ones worth asking: the wrong names DNS panels and typos produce (DNS-07), and
the selectors most signers use (DKIM-KEY-01 "Show"). `check` (through wizard.dkim.keyrecord)
and `fix --check-record` (wizard.keys.match) ask the same wrong names, from `wrong_names`.
"""
from __future__ import annotations

from wizard.common.dnsname import InvalidName, check_name, is_valid_name

# Selectors worth trying beside a missing one (diagnoses.md DKIM-KEY-01 "Show").
COMMON_SELECTORS = ("google", "selector1", "selector2", "s1", "s2", "k1", "default", "dkim", "mail")
# Where an ESP hosts delegated selectors (CAUSE-11). Only targets named in diagnoses.md.
ESP_SUFFIXES = (
    ("onmicrosoft.com", "Microsoft 365"),
    ("sendgrid.net", "SendGrid"),
    ("mcsv.net", "Mailchimp"),
    ("amazonses.com", "Amazon SES"),
)


def split_key_name(name: str) -> tuple[str, str]:
    """(selector, domain) of `<s>._domainkey.<d>`; the domain is "" for any other name."""
    selector, _, domain = name.partition("._domainkey.")
    return selector, domain


def esp_for(names: tuple[str, ...]) -> str:
    """The ESP whose DNS answers at the end of a CNAME chain (CAUSE-11), else ""."""
    for name in reversed(names):  # the final target says whose DNS answers
        lower = name.lower().rstrip(".")
        for suffix, esp in ESP_SUFFIXES:
            if lower == suffix or lower.endswith("." + suffix):
                return esp
    return ""


def wrong_names(domain: str, selector: str) -> tuple[tuple[str, str], ...]:
    """Names where panels and typos put a key instead of `selector._domainkey.domain` (DNS-07),
    each with the sentence saying what went wrong. Raises InvalidName for an unusable domain
    or selector; wrong names too long to exist are skipped."""
    d, s = check_name(domain), check_name(selector)
    right = f"{s}._domainkey.{d}"
    labels = d.split(".")
    candidates = [
        (f"{right}.{d}", "the full name was typed into a panel that appends the domain"),
        (f"{s}.domainkey.{d}", "the underscore of _domainkey is missing"),
        (f"_domainkey.{s}.{d}", "selector and _domainkey are swapped"),
        (f"{s}_domainkey.{d}", "the dot between the selector and _domainkey is missing"),
    ]
    # A subdomain d= with the zone appended, or the key put under the parent (From) domain.
    for cut in range(1, len(labels) - 1):
        parent = ".".join(labels[cut:])
        candidates.append((f"{right}.{parent}", f"the full name was typed into the panel of zone {parent}"))
        candidates.append((f"{s}._domainkey.{parent}", f"the key was published under {parent}, but d= is {d}"))
    out = []
    for name, why in candidates:
        try:
            out.append((check_name(name), why))
        except InvalidName:
            continue  # too long once doubled: no panel could have created it either
    return tuple(out)


def sibling_names(name: str) -> tuple[str, ...]:
    """The common selectors of the same domain as the key name `name` (itself left out)."""
    selector, domain = split_key_name(name)
    if not domain:
        return ()
    names = (f"{s}._domainkey.{domain}" for s in COMMON_SELECTORS if s != selector)
    return tuple(n for n in names if is_valid_name(n))
