"""ARC: the sets as decoded from the headers, and the chain as verified (RFC 8617).

A Report's `arc` holds the decoded ArcSet until verification replaces it with the ArcReport;
both are tagged so msgspec (and the JSON Schema) can tell the two apart."""
from __future__ import annotations

from datetime import datetime

from msgspec import Struct

from wizard.model.auth_results import AuthResult
from wizard.model.dkim import BodyHash, KeyReport, TagInfo
from wizard.model.findings import Cap, Finding
from wizard.model.header import Header


class ArcHeaderInfo(Struct, frozen=True):
    kind: str  # the header name as written
    header: Header
    instance: int | None  # i=, None when missing or unreadable
    tags: tuple[TagInfo, ...]  # for ARC-Authentication-Results: only i=
    d: str | None = None
    s: str | None = None
    a: str | None = None
    cv: str | None = None
    t: datetime | None = None
    authserv_id: str | None = None  # ARC-Authentication-Results only
    results: tuple[AuthResult, ...] = ()  # ARC-Authentication-Results only


class ArcTagInstance(Struct, frozen=True):
    i: int
    auth_results: ArcHeaderInfo | None
    message_signature: ArcHeaderInfo | None
    seal: ArcHeaderInfo | None

    @property
    def cv(self) -> str | None:
        return self.seal.cv if self.seal else None

    def summary(self) -> str:
        """What this hop saw, in one line ("spf=pass dkim=pass (d=…) dmarc=pass")."""
        if self.auth_results is None:
            return "no ARC-Authentication-Results"
        parts = []
        for r in self.auth_results.results:
            d = r.prop("header.d") or r.prop("smtp.mailfrom") or r.prop("header.from")
            parts.append(f"{r.method}={r.result}" + (f" ({d})" if d else ""))
        return " ".join(parts) or "none"


class ArcSet(Struct, frozen=True, tag=True):
    instances: tuple[ArcTagInstance, ...]  # by i=, ascending (1 = first forwarding hop)
    findings: tuple[Finding, ...]
    structure_ok: bool  # False: the chain fails whatever the signatures say (ARC-02/03)
    cap: Cap | None = None


class ArcVerifiedInstance(Struct, frozen=True):
    instance: int
    seal_d: str  # the sealer: ARC-Seal d= / s=
    seal_s: str
    ams_d: str
    ams_s: str
    cv: str  # cv= as written in the ARC-Seal
    ams: str  # "pass" | "fail" | "not_checked" (dkimpy's AMS verdict)
    seal: str  # "pass" | "fail" | "not_checked" (dkimpy's AS verdict)
    ams_body_hash: BodyHash  # the AMS split (ARC-04): body hash …
    ams_header_signature: str  # … and header signature, each on its own
    aar: str  # the ARC-Authentication-Results value (sanitised, one line)
    aar_summary: str  # "spf=pass dkim=pass (d=…) dmarc=pass" as that hop saw it
    ams_key: KeyReport | None
    seal_key: KeyReport | None


class ArcReport(Struct, frozen=True, tag=True):
    result: str  # "none" | "pass" | "fail"
    reason: str  # dkimpy's reason ("success", "ARC-Seal[2] did not validate", …)
    instances: tuple[ArcVerifiedInstance, ...]  # i=1 first
    broken_at: int | None  # the instance where validation broke (None when pass/none)
    original: str  # what the first ARC hop saw (ARC-05), "" without a readable AAR i=1
    findings: tuple[Finding, ...]
