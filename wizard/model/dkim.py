"""One DKIM-Signature decoded, its key record read, and its verdict."""
from __future__ import annotations

import enum
from datetime import datetime

from msgspec import Struct

from wizard.model.dns import Status
from wizard.model.findings import Finding, signature_about
from wizard.model.header import Header


class Verdict(enum.StrEnum):
    """Per-tag verdict shown next to each decoded tag."""

    OK = "ok"
    WARN = "warn"
    ERROR = "error"


class TagInfo(Struct, frozen=True):
    name: str
    value: str  # as written (whitespace-trimmed)
    meaning: str  # plain language
    verdict: Verdict
    note: str = ""


class DecodedSignature(Struct, frozen=True):
    index: int  # 0 = top-most DKIM-Signature
    header: Header
    tags: tuple[TagInfo, ...]
    d: str | None
    s: str | None
    a: str | None
    c_header: str | None  # "simple"/"relaxed" (default simple), or the invalid text
    c_body: str | None
    i: str | None
    l: int | None  # noqa: E741 - the l= tag's own name (and its JSON key)
    t: datetime | None
    x: datetime | None
    q: str | None
    h: tuple[str, ...]  # header names as listed in h=, case kept
    bh: str | None  # whitespace removed
    b: str | None  # whitespace removed
    syntax_ok: bool
    warnings: tuple[str, ...]
    findings: tuple[Finding, ...]

    @property
    def label(self) -> str:
        return signature_about(self.index, self.d, self.s)


class KeyReport(Struct, frozen=True):
    name: str  # the query name, s._domainkey.d
    status: Status
    strings: tuple[tuple[str, ...], ...]  # each record's character-strings as published
    value: str  # the joined value of the record that was analysed ("" when none)
    cname_chain: tuple[str, ...]
    tags: tuple[tuple[str, str], ...]  # parsed tags of `value`, in order
    key_type: str  # "rsa", "ed25519", or the k= value as written
    key_bits: int | None
    testing: bool  # t=y
    revoked: bool  # empty p=
    usable: bool  # a verifier can check a signature with this key (for sig_a / sig_i_domain)
    findings: tuple[Finding, ...]
    fingerprint: str  # sha256 hex of the DER SubjectPublicKeyInfo (DKIM-KEY-14 comparisons)
    # Why a verifier cannot use the key, as wizard.dkim.verify's reason: key_not_found, key_revoked,
    # key_syntax, key_type, key_hash, identity_mismatch (t=s), dns_temperror; "" when usable.
    problem: str = ""
    esp: str = ""  # the ESP named from a CNAME target (CAUSE-11), else ""
    corrected: str = ""  # the value with panel/quoting mistakes removed, when we could repair it

    def tag(self, name: str) -> str | None:
        for key, value in self.tags:
            if key == name:
                return value
        return None


class BodyHash(Struct, frozen=True):
    result: str  # "pass" | "fail" | "not_checked"
    computed: str = ""  # base64 of the hash of the body we have ("" when not computed)
    expected: str = ""  # bh= as written, whitespace removed


class SignatureVerdict(Struct, frozen=True):
    index: int  # 0 = top-most DKIM-Signature
    d: str
    s: str
    a: str
    result: str  # one of RESULTS
    reason: str  # body_hash, signature, key_not_found, key_revoked, key_syntax, key_type, key_hash,
    # expired, future, weak_key, sha1, identity_mismatch, dns_temperror, sig_syntax,
    # body_not_checked (headers-only input), or "" on pass
    warnings: tuple[str, ...]  # body_length, testing, weak_key, sha1, future, duplicate_from
    body_hash: BodyHash
    header_signature: str  # "pass" | "fail" | "not_checked"
    key: KeyReport | None
    findings: tuple[Finding, ...]  # the key record's findings first, then the signature's own
    header: Header | None = None  # the DKIM-Signature field itself
    key_matches: bool | None = None  # RSA only: the signature decodes with this key (see module doc)
