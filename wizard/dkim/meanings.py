"""What each DKIM-Signature tag means, in plain words, and how its values decode (§1).

Shared by the signature checks (wizard.dkim.tags) and the ARC sets (wizard.arc.tags): the
algorithm and canonicalisation tables, base64, h= and z= decoding, and the one-line
explanation of each tag that the panes show beside its value.
"""
from __future__ import annotations

import base64
import binascii
import re
from datetime import UTC, datetime

from wizard.model.dkim import TagInfo as TagInfo

ALGORITHMS = {
    "rsa-sha256": ("RSA key, SHA-256 hash: the standard choice", 32),
    "ed25519-sha256": ("Ed25519 key, SHA-256 hash (RFC 8463); not every receiver verifies it", 32),
    "rsa-sha1": ("RSA key, SHA-1 hash: no longer accepted by verifiers (RFC 8301)", 20),
}
CANON = {
    "simple": "simple (any whitespace change breaks it)",
    "relaxed": "relaxed (tolerates refolding and whitespace changes)",
}


def epoch_utc(epoch: int) -> datetime | None:
    try:
        return datetime.fromtimestamp(epoch, tz=UTC)
    except (OverflowError, OSError, ValueError):
        return None


def utc_text(stamp: datetime) -> str:
    return stamp.strftime("%Y-%m-%d %H:%M:%S UTC")


def b64_value(value: str) -> tuple[bytes | None, str]:
    """Decode a base64 tag value (whitespace ignored, §3.5); (bytes, "") or (None, why)."""
    compact = re.sub(r"\s+", "", value)
    if not compact:
        return None, "empty"
    if re.fullmatch(r"[A-Za-z0-9+/]*={0,2}", compact) is None:
        return None, "contains characters that are not base64"
    if len(compact) % 4:
        return None, f"length {len(compact)} is not a multiple of 4 (truncated or padding lost)"
    try:
        return base64.b64decode(compact, validate=True), ""
    except binascii.Error as exc:
        return None, f"not valid base64 ({exc})"


def display_value(name: str, value: str) -> str:
    """A tag value on one line: base64 with its folding removed, other values with folding
    collapsed to single spaces (the raw header keeps the original layout)."""
    if name in ("b", "bh"):
        return re.sub(r"\s+", "", value)
    return " ".join(value.split())


def split_h(value: str) -> tuple[str, ...]:
    """h= names as listed: colon-separated, folding whitespace around names ignored."""
    return tuple(n.strip() for n in value.split(":"))


def decode_qp(value: bytes) -> bytes:
    """A dkim-quoted-printable value (RFC 6376 §2.11, e.g. i=): whitespace dropped, =XX decoded."""
    return binascii.a2b_qp(re.sub(rb"\s+", b"", value))


def decode_z(value: str) -> list[tuple[str, str]]:
    """z= copies: 'name:value|name:value', DKIM-quoted-printable, whitespace ignored."""
    copies = []
    for part in re.sub(r"\s+", "", value).split("|"):
        name, sep, qp = part.partition(":")
        if not sep:
            continue
        # binascii.a2b_qp decodes the =XX escapes; DKIM-QP has no soft line breaks left
        # once whitespace is removed.
        copies.append((name, binascii.a2b_qp(qp.encode("ascii", "replace")).decode("utf-8", "replace")))
    return copies


def explain_tag(name: str, value: str, *, arc: bool = False) -> str:
    """Plain-language meaning of one DKIM-Signature / ARC tag (shared with wizard.arc.tags)."""
    if arc and name == "d":
        return (f"sealing domain (the forwarder): key at <s>._domainkey.{value}; ARC domains "
                "are not used for DMARC alignment")
    if arc and name == "i":
        return "instance: the ARC set this hop added (1 = first forwarder)"
    if name == "v":
        return "version of the DKIM spec; must be 1"
    if name == "a":
        meaning = ALGORITHMS.get(value.lower(), ("unknown algorithm: verifiers reject it", 0))[0]
        return f"signing algorithm: {meaning}"
    if name == "c":
        head, _, body = value.lower().partition("/")
        body = body or "simple"
        return (f"canonicalisation: headers {CANON.get(head, repr(head) + ' (unknown)')}, "
                f"body {CANON.get(body, repr(body) + ' (unknown)')}")
    if name == "d":
        return ("signing domain: the key is looked up under <s>._domainkey." + value
                + "; DMARC compares this domain with the From domain")
    if name == "s":
        return f"selector: names the key record {value}._domainkey.<d>"
    if name == "h":
        names = ", ".join(n for n in split_h(value) if n)
        return f"signed header fields, bottom-most instance first: {names}"
    if name == "bh":
        raw, _ = b64_value(value)
        size = f"{len(raw)} bytes" if raw is not None else "unreadable"
        return f"hash of the canonical body ({size}); a changed body no longer matches it"
    if name == "b":
        raw, _ = b64_value(value)
        if raw is None:
            return "the signature itself (unreadable)"
        return (f"the signature itself: {len(raw)} bytes, which fits a "
                f"{len(raw) * 8}-bit RSA key (Ed25519 signatures are 64 bytes)")
    if name == "i":
        return "identity of the signing user or agent; its domain must be d= or a subdomain"
    if name == "l":
        return (f"body length limit: only the first {value} bytes of the canonical body are "
                "signed; anything after them is not protected")
    if name == "q":
        return "how to fetch the key: dns/txt (the only defined method)"
    if name in ("t", "x"):
        stamp = epoch_utc(int(value)) if value.isascii() and value.isdigit() and len(value) <= 12 else None
        when = utc_text(stamp) if stamp else "an unreadable time"
        return f"signed at {when}" if name == "t" else f"expires at {when}"
    if name == "z":
        return f"copies of {len(decode_z(value))} header fields as they were at signing (diagnostic only)"
    if name == "cv":
        return {
            "none": "chain validation: none (first ARC set, nothing before it)",
            "pass": "chain validation: the earlier ARC sets verified at this hop",
            "fail": "chain validation: the earlier ARC sets failed at this hop; the chain is broken",
        }.get(value.lower(), "chain validation: unknown value")
    return "tag not defined by RFC 6376: verifiers ignore it"
