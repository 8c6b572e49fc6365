"""The organisational domain of a name, both ways receivers compute it (DMARC-08).

* RFC 7489 §3.2: the registrable domain under the Public Suffix List. We use the
  `publicsuffixlist` package with the list it ships (no download at run time: the tool must
  give the same answer offline and in tests). Private-section entries (github.io, …) count,
  as they do in OpenDMARC and most receivers.
* RFC 9989 §4.10: a DNS tree walk over `_dmarc` records, at most eight queries, where `psd=`
  marks public-suffix operators. The queries are made by wizard.dmarc.discovery (with the
  record parser); this module holds the pure parts: which names to ask and what the answers
  mean.

`publicsuffixlist` is imported only when an organisational domain is first computed: the walk
rules are needed on every check (the prefetch asks the walk's names first), the list only by
RFC 7489's answer, which the pipeline computes in a worker thread meanwhile.
"""
from __future__ import annotations

import bisect
import functools
import hashlib
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from msgspec import Struct

if TYPE_CHECKING:
    from publicsuffixlist import PublicSuffixList

MAX_WALK_QUERIES = 8  # RFC 9989 §4.10: the author domain, then at most seven shorter names
_SHORTCUT_LABELS = 7  # a name of eight or more labels jumps straight to its last seven
_CACHE_FORMAT = "mailtriage-psl-rules 2"


def psl_org_domain(domain: str) -> str:
    """RFC 7489 organisational domain: the public suffix plus one label. A name that is
    itself a public suffix (or shorter) is its own organisational domain."""
    return _psl_for(_top_label(domain)).privatesuffix(domain) or domain


def _top_label(domain: str) -> str:
    # As publicsuffixlist reads a name: one trailing dot ignored, compared in lower case.
    return domain.removesuffix(".").lower().rsplit(".", 1)[-1]


@functools.cache
def _psl_for(top: str) -> PublicSuffixList:
    """A PublicSuffixList that answers exactly as the whole list does for names under `top`.

    Parsing the shipped list takes ~40-80 ms, nearly all of it IDNA-encoding every rule: a
    large share of a one-shot `mailtriage check`. So the parsed rules (with their punycode
    forms) are kept in a per-user cache file, grouped by top-level label, and only the rules
    under the name's own top-level label are handed to publicsuffixlist. A rule can only
    match a name that ends in the rule's last label, so those are all the rules the
    library's lookup could use for such a name. Without a usable cache the whole list is
    parsed (and the cache written for next time)."""
    from publicsuffixlist import PublicSuffixList

    cached = _cached_rules()
    if cached is None:
        return _whole_list()
    lo = bisect.bisect_left(cached, top + "\t")
    hi = bisect.bisect_left(cached, top + "\t\U0010ffff")
    return PublicSuffixList([line[len(top) + 1:] for line in cached[lo:hi]], accept_encoded_idn=False)


@functools.cache
def _whole_list() -> PublicSuffixList:
    from publicsuffixlist import PublicSuffixList

    psl = PublicSuffixList()
    # `_publicsuffix` is the parsed rule set; publicsuffixlist has no public accessor.
    rules = getattr(psl, "_publicsuffix", None)
    if isinstance(rules, frozenset) and all(isinstance(r, str) and r.strip("!*.") for r in rules):
        _write_cache(_cache_path(), sorted(f"{_rule_top(r)}\t{r}" for r in rules))
    return psl


def _rule_top(rule: str) -> str:
    return rule.lstrip("!").rsplit(".", 1)[-1]


@functools.cache
def _cached_rules() -> list[str] | None:
    """The cache's "top-label TAB rule" lines, sorted; None unless complete and unchanged."""
    path = _cache_path()
    if path is None:
        return None
    try:
        data = path.read_bytes()
    except OSError:
        return None
    header, _, body = data.partition(b"\n")
    if header.decode("ascii", "replace") != f"{_CACHE_FORMAT} {hashlib.sha256(body).hexdigest()}":
        return None
    try:
        return body.decode("utf-8").split("\n")
    except UnicodeDecodeError:
        return None


def _cache_path() -> Path | None:
    """Keyed by the package version and the shipped list's size and mtime, so an upgrade of
    publicsuffixlist (or a refreshed list) never reads an old cache."""
    import publicsuffixlist

    try:
        base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
        listing = os.stat(publicsuffixlist.PSLFILE)
    except (OSError, RuntimeError):  # no home directory, list file unreadable
        return None
    key = f"{publicsuffixlist.__version__}-{listing.st_size}-{listing.st_mtime_ns}"
    return base / "mailtriage" / f"psl-{key}.txt"


def _write_cache(path: Path | None, lines: list[str]) -> None:
    """Write atomically (temp file + rename) into a directory only the user can read; any
    failure leaves things as they were."""
    if path is None:
        return
    body = "\n".join(lines).encode("utf-8")
    data = f"{_CACHE_FORMAT} {hashlib.sha256(body).hexdigest()}\n".encode("ascii") + body
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".psl-", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            os.replace(tmp, path)
        except BaseException:
            os.unlink(tmp)
            raise
    except OSError:
        pass


def walk_names(domain: str) -> tuple[str, ...]:
    """The domains whose `_dmarc` records the RFC 9989 tree walk asks about, longest first:
    the domain itself, then (from seven labels, or fewer if it is shorter) one label less
    each step down to the top-level domain."""
    labels = domain.split(".")
    names = [domain]
    start = min(len(labels) - 1, _SHORTCUT_LABELS)
    for count in range(start, 0, -1):
        names.append(".".join(labels[-count:]))
    return tuple(names[:MAX_WALK_QUERIES])


class WalkStep(Struct, frozen=True):
    """What one tree-walk query found at `domain` (the record is at `_dmarc.<domain>`)."""

    domain: str
    records: int  # how many DMARC records answered (0 = none; 2+ = DMARC-02)
    psd: str | None = None  # the psd= value of the single record, when there is one
    transient: bool = False  # the query failed (timeout, SERVFAIL, REFUSED, …)


class WalkOrg(Struct, frozen=True):
    domain: str
    reason: str
    uncertain: tuple[str, ...] = ()  # domains whose query failed and could change the answer


def treewalk_org_domain(author: str, steps: Sequence[WalkStep]) -> WalkOrg:
    """RFC 9989 §4.10.2 applied to the answers of a walk (steps longest first).

    psd=n marks the organisational domain itself; psd=y above the starting domain makes the
    name one label below it the organisational domain; otherwise the record with the fewest
    labels wins; with no record at all, the author domain is its own organisational domain.
    A failed query only matters if the decision had to look past it, so it is reported as
    `uncertain` instead of turning the whole walk into an error."""
    author_labels = author.split(".")
    fewest: str | None = None
    uncertain: list[str] = []
    for index, step in enumerate(steps):
        if step.transient:
            uncertain.append(step.domain)
            continue
        if step.records != 1:  # several records at one name are all discarded (§4.10)
            continue
        if step.psd == "n":
            return WalkOrg(step.domain, f"_dmarc.{step.domain} says psd=n", tuple(uncertain))
        if step.psd == "y" and index > 0:
            below = ".".join(author_labels[-(len(step.domain.split(".")) + 1):])
            return WalkOrg(
                below, f"_dmarc.{step.domain} says psd=y (a public suffix), so the name one "
                "label below it is the organisational domain", tuple(uncertain))
        fewest = step.domain
    if fewest is None:
        return WalkOrg(author, "no DMARC record on the way up: the domain is its own "
                       "organisational domain", tuple(uncertain))
    return WalkOrg(fewest, f"_dmarc.{fewest} is the record with the fewest labels",
                   tuple(uncertain))
