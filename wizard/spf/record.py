"""What SPF itself fixes: the limits of RFC 7208, which TXT values are SPF records, and the
record edits a finding proposes (one merged record, a term added before `all`)."""
from __future__ import annotations

import threading

import spf as pyspf
from wizard import fixes
from wizard.common.dnsname import InvalidName, check_name
from wizard.common.safe_text import sanitize
from wizard.dns.resolvers import query_name
from wizard.dns.types import DnsAnswer, DomainSpec
from wizard.model.findings import Finding, FixCommand, Severity

LOOKUP_LIMIT = pyspf.MAX_LOOKUP  # 10, RFC 7208 §4.6.4
VOID_LIMIT = pyspf.MAX_VOID_LOOKUPS  # 2
MX_LIMIT = pyspf.MAX_MX  # 10
# The walk goes on past the limit only to show how far over a tree is; twice the limit
# says that plainly and bounds the questions the tree view adds to the receiver's own.
MAX_WALK_LOOKUPS = 2 * LOOKUP_LIMIT
# One budget of DNS questions per message for the tree (MX hosts' addresses included), a
# few times the 10 lookups + 2 voids a receiver may spend, so a hostile include tree cannot
# make one check ask hundreds. pyspf's own questions, the verdict, are bounded by RFC 7208's
# limits themselves and mostly the same names (the session asks each once).
QUESTION_BUDGET = 4 * (LOOKUP_LIMIT + VOID_LIMIT)
# The verdict's own 10 lookups + 2 voids stay free when the tree has spent its share.
VERDICT_RESERVE = LOOKUP_LIMIT + VOID_LIMIT


class QuestionBudget:
    """The DNS questions one message's SPF may ask, tree and verdict together: each distinct
    (name, type) counts once, as the session asks it once. Shared between the event loop
    (the walk) and pyspf's worker thread, so taking is locked."""

    def __init__(self, limit: int = QUESTION_BUDGET) -> None:
        self.limit = limit
        self._asked: set[tuple[str, str]] = set()
        self._lock = threading.Lock()

    def take(self, name: str, rdtype: str, *, reserve: int = 0) -> bool:
        """May this question be asked? `reserve` questions are kept for someone else."""
        key = (name.lower(), rdtype.upper())
        with self._lock:
            if key in self._asked:
                return True
            if len(self._asked) + reserve >= self.limit:
                return False
            self._asked.add(key)
            return True

    def left(self, reserve: int = 0) -> int:
        with self._lock:
            return self.limit - reserve - len(self._asked)

    @property
    def spent(self) -> int:
        with self._lock:
            return len(self._asked)
UDP_SIZE = 512  # SPF-18: answers over this need EDNS0 or TCP


def finding(fid: str, severity: Severity, title: str, detail: str, evidence=(), fixes=(),
            about: str = "") -> Finding:
    """An SPF finding; evidence (records, terms) is made safe to show."""
    return Finding(fid, severity, title, detail,
                   tuple(sanitize(e, one_line=True) for e in evidence), fixes, about)


def spec_name(target: str) -> str:
    """The name a domain-spec looks up: a host name normalised, or else the spec as written
    when a DNS question can carry it (RFC 7208 §7.1 allows any visible character), so the
    tree asks what pyspf asks. InvalidName for neither."""
    try:
        return check_name(target)
    except InvalidName:
        spec = DomainSpec(target.rstrip("."))
        query_name(spec)
        return spec


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
