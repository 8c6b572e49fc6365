"""What both sides of transit forensics report: a change proven by its reversal, and the
words shared by the body and the header search."""
from __future__ import annotations

from wizard.common.safe_text import sanitize
from wizard.dkim.signature import Signature
from wizard.model.findings import signature_about
from wizard.model.transit import ProvenChange as ProvenChange

MAX_SHOWN_BYTES = 4096  # bytes of a change kept in ProvenChange (full length kept aside)
MAX_EVIDENCE_LINES = 12


def finding_about(sig: Signature) -> str:
    """The `about` of every finding on this signature."""
    return sanitize(signature_about(sig.index, sig.d or "?", sig.s or "?"), one_line=True)


def sentence(text: str) -> str:
    """Titles start with a capital even when they start with an intermediary's name."""
    return text[:1].upper() + text[1:]

