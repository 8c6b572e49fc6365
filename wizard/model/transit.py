"""What changed after signing, as proven by re-hashing: the body and header forensics
of one failed signature, the change found, the diff against an original, and the
intermediaries known to make such changes."""
from __future__ import annotations

from msgspec import Struct

from wizard.model.findings import Cap, Finding


class DiffLine(Struct, frozen=True):
    kind: str  # "same", "removed" (only in the original), "added" (only in received), "skip"
    old_no: int | None  # 1-based line number in the original canonical body
    new_no: int | None  # 1-based line number in the received canonical body
    text_visible: str


class Intermediary(Struct, frozen=True):
    """A system the message passed through that is known to change signed mail."""

    cause: str  # CAUSE-01 … CAUSE-10
    name: str
    evidence: tuple[str, ...]  # the header lines / links it was recognised by (sanitised)
    after_signing: bool | None  # True: a Received hop above the DKIM-Signature; None: unknown
    changes: str  # what it typically changes, in one phrase
    fix: str


class ProvenChange(Struct, frozen=True):
    """A change whose reversal makes the signature verify again (or reproduces the original)."""

    kind: str  # body: appended, prepended, inserted, mime-part-added, mime-wrapped,
    #            mime-restructured, links-rewritten, re-encoded, line-endings, final-crlf,
    #            mbox-from, dot-stuffing, re-wrapped, whitespace, empty-body-signed, changed;
    #            header side: subject-tag, refolded, header-case, header-added, header-changed
    finding_id: str  # CANON-xx / CAUSE-xx / DKIM-SIG-xx that names it
    description: str
    evidence: tuple[str, ...]  # visible lines: "+ …" now in the message, "- …" as signed
    offset: int  # byte offset in the received canonical body (header side: header index)
    received_bytes: bytes  # the bytes there now (first MAX_SHOWN_BYTES)
    original_bytes: bytes  # the bytes the signer hashed there (first MAX_SHOWN_BYTES)
    received_length: int  # full lengths of the two spans
    original_length: int
    header: str = ""  # header side: the header field concerned


class BodyForensics(Struct, frozen=True):
    expected_bh: str  # bh= from the signature (base64)
    computed_bh: str  # of the received body, per c= and l=
    matches: bool
    canonicalization: str  # body algorithm: "simple" or "relaxed"
    length_limit: int | None  # l=
    unsigned_tail: bytes  # canonical bytes past l= (not covered by the signature)
    proven_change: ProvenChange | None
    tried: tuple[str, ...]
    diff: tuple[DiffLine, ...]  # canonical original → received, only with an original
    intermediaries: tuple[Intermediary, ...]
    findings: tuple[Finding, ...]
    original_bh: str | None = None  # bh of the original, when given
    original_matches: bool | None = None  # does the original's body match bh=?
    caps: tuple[Cap, ...] = ()
    paste_damage: tuple[str, ...] = ()  # why nothing could be proven: a damaged copy (EVID-03)
    error: str = ""  # why the body could not be checked at all (the signature's own findings say more)


class HeaderForensics(Struct, frozen=True):
    header_ok: bool | None  # b= verifies (None: could not check — no key, no header)
    canonicalization: str  # header algorithm
    signed_headers: tuple[str, ...]  # h= as written
    proven_change: ProvenChange | None
    tried: tuple[str, ...]
    z_diff: tuple[tuple[str, str, str], ...]  # (header, value in z=, value now) that differ
    intermediaries: tuple[Intermediary, ...]
    findings: tuple[Finding, ...]
    error: str = ""  # why the header signature could not be checked
    paste_damage: tuple[str, ...] = ()  # why nothing could be proven: a damaged copy (EVID-03)
