"""What the receivers wrote in Authentication-Results and Received-SPF, read."""
from __future__ import annotations

import re

from msgspec import Struct

from wizard.model.findings import Finding
from wizard.model.header import Header


class CommentHint(Struct, frozen=True):
    ids: tuple[str, ...]  # diagnoses.md ids the comment points to
    meaning: str
    quoted: str  # the part of the comment that matched


class AuthResult(Struct, frozen=True):
    authserv_id: str | None  # None when the field had none (Microsoft 365)
    position: int  # which A-R field, 0 = top-most
    trusted: bool  # added by the final receiver (AR-01)
    method: str  # dkim, spf, dmarc, arc, compauth, …
    result: str  # normalised (hardfail → fail)
    raw_result: str  # as written
    properties: tuple[tuple[str, str], ...]  # ("header.d", "example.com"), ("action", "none")
    comment: str  # the clause's comments joined with " | "
    reason: str | None
    raw: str  # the clause as written
    hints: tuple[CommentHint, ...] = ()
    note: str = ""  # gloss: normalisation, unknown result, "not verified" for compauth

    def prop(self, name: str) -> str | None:
        for key, value in self.properties:
            if key == name:
                return value
        return None


class AuthResultsField(Struct, frozen=True):
    position: int
    header: Header
    authserv_id: str | None
    trusted: bool
    results: tuple[AuthResult, ...]
    repairs: tuple[str, ...]  # what had to be repaired before authres accepted it (AR-02)
    unparsed: tuple[str, ...]  # clauses that could not be read at all


class ReceivedSpf(Struct, frozen=True):
    position: int
    header: Header
    result: str  # normalised, lower case
    raw_result: str
    comment: str
    pairs: tuple[tuple[str, str], ...]  # client-ip, envelope-from, helo, receiver, identity, …
    client_ip: str | None
    envelope_from: str | None
    helo: str | None


class AuthResultsSet(Struct, frozen=True):
    fields: tuple[AuthResultsField, ...]  # every Authentication-Results, top-most first
    results: tuple[AuthResult, ...]  # all results of those fields, in order
    original: tuple[AuthResult, ...]  # X-Original-Authentication-Results and the like (AR-10)
    received_spf: tuple[ReceivedSpf, ...]
    findings: tuple[Finding, ...]

    @property
    def trusted(self) -> tuple[AuthResult, ...]:
        return tuple(r for r in self.results if r.trusted)

    @property
    def trusted_authserv_id(self) -> str | None:
        return self.fields[0].authserv_id if self.fields else None

    def for_signature(self, d: str | None, b: str | None, s: str | None = None) -> tuple[AuthResult, ...]:
        """The receiver's dkim results for one signature (AR-08): header.b, when present, is
        a prefix of the signature's b= and decides; otherwise header.d (and header.s)."""
        found = []
        b = re.sub(r"\s+", "", b or "")
        for r in self.trusted:
            if r.method != "dkim":
                continue
            hb = r.prop("header.b")
            if hb:
                if b and b.startswith(hb):
                    found.append(r)
                continue
            rd = r.prop("header.d") or (r.prop("header.i") or "").rpartition("@")[2] or None
            rs = r.prop("header.s")
            if d and rd and rd.lower() == d.lower() and (not rs or not s or rs.lower() == s.lower()):
                found.append(r)
        return tuple(found)
