"""What both sides of transit forensics report: a change proven by its reversal, and the
words shared by the body and the header search."""
from __future__ import annotations

from msgspec.structs import replace

from wizard.common.safe_text import sanitize
from wizard.dkim.signature import Signature
from wizard.model.findings import Finding, signature_about
from wizard.model.transit import ProvenChange as ProvenChange

MAX_SHOWN_BYTES = 4096  # bytes of a change kept in ProvenChange (full length kept aside)
MAX_EVIDENCE_LINES = 12


def finding_about(sig: Signature) -> str:
    """The `about` of every finding on this signature."""
    return sanitize(signature_about(sig.index, sig.d or "?", sig.s or "?"), one_line=True)


def sentence(text: str) -> str:
    """Titles start with a capital even when they start with an intermediary's name."""
    return text[:1].upper() + text[1:]


def one_per_cause(findings: list[Finding]) -> list[Finding]:
    """One CAUSE-xx finding per intermediary and signature: a list that appended a footer and
    tagged the Subject is one cause proven twice (by the body and the header search), so
    the second proof joins the first finding instead of repeating it."""
    out: list[Finding] = []
    seen: dict[tuple[str, str], int] = {}
    for f in findings:
        key = (f.id, f.about)
        if not f.id.startswith("CAUSE-") or key not in seen:
            seen.setdefault(key, len(out))
            out.append(f)
            continue
        first = out[seen[key]]
        said, _, fix = first.detail.rpartition(" Fix: ")
        also, _, also_fix = f.detail.rpartition(" Fix: ")
        detail = (f"{said} {also} Fix: {fix}" if said and also and fix == also_fix
                  else f"{first.detail} {f.detail}")
        out[seen[key]] = replace(first, detail=detail,
                                 evidence=tuple(dict.fromkeys(first.evidence + f.evidence)),
                                 fixes=tuple(dict.fromkeys(first.fixes + f.fixes)))
    return out
