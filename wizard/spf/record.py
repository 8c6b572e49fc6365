"""What SPF itself fixes: the limits of RFC 7208, which TXT values are SPF records, and the
record edits a finding proposes (one merged record, a term added before `all`)."""
from __future__ import annotations

import spf as pyspf
from wizard import fixes
from wizard.common.safe_text import sanitize
from wizard.dns.types import DnsAnswer
from wizard.model.findings import Finding, FixCommand, Severity

LOOKUP_LIMIT = pyspf.MAX_LOOKUP  # 10, RFC 7208 §4.6.4
VOID_LIMIT = pyspf.MAX_VOID_LOOKUPS  # 2
MX_LIMIT = pyspf.MAX_MX  # 10
MAX_WALK_LOOKUPS = 4 * LOOKUP_LIMIT  # pyspf's own hard stop; the walk stops there too
UDP_SIZE = 512  # SPF-18: answers over this need EDNS0 or TCP


def finding(fid: str, severity: Severity, title: str, detail: str, evidence=(), fixes=(),
            about: str = "") -> Finding:
    """An SPF finding; evidence (records, terms) is made safe to show."""
    return Finding(fid, severity, title, detail,
                   tuple(sanitize(e, one_line=True) for e in evidence), fixes, about)


def dig_txt(domain: str) -> tuple[FixCommand, ...]:
    return fixes.dig_query(domain, "TXT", purpose=f"show the TXT records of {domain} (the SPF "
                           "record starts with v=spf1)")


def spf_records(answer: DnsAnswer) -> list[str]:
    """The TXT values that are SPF records (RFC 7208 §4.5: `v=spf1` then a space or the end)."""
    return [v for v in answer.values if pyspf.RE_SPF.match(v.encode("utf-8", "replace"))]



def merge_records(records: list[str]) -> str:
    """One record holding every term of `records` once, ending in the first all (SPF-02)."""
    terms: list[str] = []
    alls: list[str] = []
    for record in records:
        for token in record.split()[1:]:
            target = alls if token.lstrip("+-~?").lower() == "all" else terms
            if token not in target:
                target.append(token)
    return " ".join(["v=spf1", *terms, *(alls[:1] or ["~all"])])



def add_term(record: str, term: str) -> str:
    """The record with `term` before its all (or redirect), or at the end."""
    tokens = record.split()
    for index, token in enumerate(tokens):
        if token.lstrip("+-~?").lower() == "all" or token.lower().startswith("redirect="):
            return " ".join(tokens[:index] + [term] + tokens[index:])
    return " ".join(tokens + [term])
