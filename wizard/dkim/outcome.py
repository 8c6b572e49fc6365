"""What verification found about the body and the signed headers, in words: the first split
(CANON-01: body changed, or headers), an empty-body bh= (CANON-06), a signed header changed
(CANON-13).

Verification (wizard.dkim.verify) sees these first; transit forensics (wizard.transit) later
proves *which* change it was and says what it could not explain. Both build the findings
here, so each id has one module and one set of words. Light on purpose (no dkimpy): the
forensics modules import it.
"""
from __future__ import annotations

from wizard.model.findings import Finding, Fix, Severity

# The ids, for the change records (wizard.transit) that name the diagnosis a proof supports.
BODY_CHANGED = "CANON-01"
EMPTY_BODY = "CANON-06"
HEADER_CHANGED = "CANON-13"

# RFC 6376 §3.4.3/§3.4.4: the bh= of an empty body (simple = SHA-256 of CRLF, relaxed = of "").
EMPTY_BODY_BH = {
    "simple": "frcCV1k9oG9oKj3dpUqdJg1PxRT2RSN/XKdLCPjaYaY=",
    "relaxed": "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=",
}


def body_changed(about: str, lines: tuple[str, ...], *, headers_intact: bool) -> Finding:
    return Finding(
        "CANON-01", Severity.INFO, "Body changed after signing" + (" (headers intact)" if headers_intact else ""),
        "bh= does not match the body as it is now, so the body was changed (or canonicalised "
        "differently) after signing: footers, re-encoding, rewrapping, link rewriting."
        + (" The header signature still verifies, so the headers and the key are fine." if headers_intact else ""),
        evidence=lines, about=about,
    )


def original_does_not_match(about: str, bh: str, original_bh: str) -> Finding:
    return Finding(
        "CANON-01", Severity.WARN, "The original you gave does not match bh= either",
        f"bh= is {bh}; the original's body hashes to {original_bh}. It is not the copy that was signed "
        "(the signer's own copy may have been changed before signing, or the signer hashed a different "
        "body). Compared against it anyway.", about=about,
    )


def differs_outside_signature(about: str) -> Finding:
    return Finding("CANON-01", Severity.INFO, "Body hash: OK, but the body differs from the original",
                   "Differences are outside what the signature covers.", about=about)


def body_change_unexplained(about: str, tried: tuple[str, ...]) -> Finding:
    return Finding(
        "CANON-01", Severity.WARN, "No single known change explains the body hash",
        "None of the reversals tried reproduces bh=; they are listed under 'tried'. "
        "With the sender's copy (--original) the difference can be shown line by line.",
        tried, about=about,
    )


def empty_body_signed(about: str, bh: str, c_body: str) -> Finding:
    return Finding(
        "CANON-06", Severity.INFO, "The signer hashed an empty body",
        "bh= is the hash of an empty body but this message has one: the signer ran before the body "
        "was attached (milter order), or the body was emptied in transit. "
        f"(empty-body hash for c=…/{c_body}: {EMPTY_BODY_BH.get(c_body, '')})",
        evidence=(f"bh={bh}",), about=about,
    )


def header_changed(about: str, evidence: tuple[str, ...]) -> Finding:
    """The RSA signature decodes with the published key, over other header data."""
    return Finding(
        "CANON-13", Severity.ERROR, "A signed header changed after signing",
        "The body is intact and b= was made with this key (the RSA signature decodes, but over "
        "other header data): one of the signed headers (or the DKIM-Signature field itself) was "
        "changed in transit. The canonical form of each signed header is listed; compare it with "
        "the sender's copy.", evidence=evidence, about=about,
    )


def header_changed_or_key(about: str, evidence: tuple[str, ...], fixes: tuple[Fix, ...]) -> Finding:
    """Ed25519 signatures carry no structure to tell a changed header from another key."""
    return Finding(
        "CANON-13", Severity.ERROR, "A signed header changed, or the key does not match",
        "The body is intact but the header signature fails: either a signed header (or the "
        "DKIM-Signature field) changed in transit, or the published key is not the one the "
        "signer used (DKIM-KEY-14). If every message with this selector fails, it is the key. "
        "The canonical form of each signed header is listed; compare it with the sender's copy.",
        evidence=evidence, fixes=fixes, about=about,
    )


def header_change_unexplained(about: str, tried: tuple[str, ...]) -> Finding:
    return Finding(
        "CANON-13", Severity.WARN, "No single header change explains the failure",
        "None of the reversals tried makes b= verify (see 'tried'). If the body hash "
        "is OK, check that the published key is the one the signer uses (DKIM-KEY-14).",
        tried, about=about,
    )
