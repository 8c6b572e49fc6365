"""Which strings may be used as DNS names in lookups and in fix commands (DESIGN.md rule 5).

A `d=` of `example.com;rm -rf ~` must never reach a command line or a query: we accept only
LDH labels plus the underscore labels DNS-based auth uses (`_domainkey`, `_dmarc`), checked
with dnspython's own name parser for lengths."""
from __future__ import annotations

import re

import dns.name

# \Z, not $: `$` also matches before a final newline, which let `sel\n` through as a label.
_LABEL = re.compile(r"^(?!-)[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?\Z")


class InvalidName(ValueError):
    """Raised for a value that is not a usable DNS name; the message says why, plainly."""


def check_name(value: str) -> str:
    """Return `value` normalised (lower case, no trailing dot) or raise InvalidName."""
    name = value.strip().rstrip(".").lower()
    if not name:
        raise InvalidName("an empty name is not a DNS name")
    try:
        name.encode("ascii")
    except UnicodeEncodeError:
        try:
            name = name.encode("idna").decode("ascii")
        except UnicodeError as exc:
            raise InvalidName(f"{value!r} is not a valid internationalised domain name") from exc
    for label in name.split("."):
        if not _LABEL.match(label):
            raise InvalidName(
                f"{value!r} is not a valid DNS name (label {label!r} has characters or a "
                "length DNS does not allow)"
            )
    try:
        dns.name.from_text(name)
    except Exception as exc:  # dnspython raises several classes for over-long names
        raise InvalidName(f"{value!r} is not a valid DNS name: {exc}") from exc
    return name


def is_valid_name(value: str) -> bool:
    try:
        check_name(value)
    except InvalidName:
        return False
    return True
