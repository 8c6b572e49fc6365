"""The body search: every candidate explanation of a body-hash mismatch is a concrete reversal
of a known relay habit (footer appended, links wrapped, body re-encoded, lines re-wrapped, …).
Each reversal is applied, the body re-canonicalised and re-hashed, and only one that
reproduces the target digest (the signature's bh=, or the sender's original) is a hit.

The search is bounded: SEARCH_BUDGET bytes hashed in all, parts over MAX_REENCODE_PART are
not re-encoded; what was tried is kept as plain sentences for the report.
"""
from __future__ import annotations

import base64
import binascii
import email.quoprimime
import quopri
import re
from collections.abc import Callable, Iterator

from msgspec import Struct, field

from wizard.common.safe_text import sanitize, shorten
from wizard.dkim import canon, outcome
from wizard.input.message import Message
from wizard.transit.intermediaries import WRAPPERS, find_wrapped, unwrap, wrappers_present
from wizard.transit.layout import Leaf, layout

SEARCH_BUDGET = 512 << 20  # bytes hashed across all candidate reversals of one body
MAX_REENCODE_PART = 4 << 20  # parts larger than this are not re-encoded


class Search(Struct):
    received: bytes  # canonical received body
    algo: str
    a: str
    length: int | None
    target: bytes  # digest to reproduce
    spent: int = 0
    budget_hit: bool = False
    tried: list[str] = field(default_factory=list)

    def hash_of(self, canonical_body: bytes) -> bytes:
        data = canonical_body if self.length is None else canonical_body[: self.length]
        self.spent += len(data)
        return canon.body_hash(data, self.a)

    def check_raw(self, raw_body: bytes) -> bytes | None:
        """Canonical form of `raw_body` if it reproduces the target."""
        if self.over_budget():
            return None
        c = canon.canonicalize_body(raw_body, self.algo)
        return c if self.hash_of(c) == self.target else None

    def over_budget(self) -> bool:
        if self.spent > SEARCH_BUDGET:
            self.budget_hit = True
        return self.budget_hit


class Hit(Struct, frozen=True):
    kind: str
    finding_id: str
    description: str
    original: bytes  # canonical body that reproduces the target
    extra_evidence: tuple[str, ...] = ()
    wrapper_cause: str = ""
    by_comparison: bool = False  # named by comparing with the original, not by a reversal


def _line_offsets(canonical: bytes) -> list[int]:
    """Start offset of every canonical line, plus len(canonical) at the end."""
    offs = [0]
    find = canonical.find
    pos = find(b"\r\n")
    while pos >= 0:
        offs.append(pos + 2)
        pos = find(b"\r\n", pos + 2)
    if offs[-1] != len(canonical):
        offs.append(len(canonical))
    return offs


def _search_appended(s: Search) -> Iterator[Hit]:
    if s.length is not None:
        return  # with l=, content after the signed prefix does not break bh
    n = s.received.count(b"\r\n")
    s.tried.append(f"content appended: all {n} line-boundary prefixes hashed in one pass")
    s.spent += len(s.received)
    end = canon.find_signed_prefix(s.received, s.target, s.a, algorithm=s.algo)
    if end is None:
        return
    original = s.received[:end]
    if end == 0:
        yield Hit("empty-body-signed", outcome.EMPTY_BODY, "The signature covers an empty body: the signer hashed "
                   "no body (wrong milter order, or the body was attached after signing).", original)
        return
    tail = s.received[end:]
    if re.search(rb"(^|\r\n)--[^\s]{1,70}\r\n", tail):  # a delimiter, not the "-- " sig separator
        kind, fid, what = "mime-part-added", "CANON-14", "A MIME part was added at the end of the body after signing."
    else:
        kind, fid = "appended", "CANON-11"
        what = "Lines were appended to the body after signing (footer or disclaimer)."
    yield Hit(kind, fid, what, original)


def _search_final_crlf(s: Search) -> Iterator[Hit]:
    """RFC 6376 §3.4.3 adds a CRLF to a body that lacks one; some signers (Perl Mail::DKIM
    with c=…/simple) hash such a body without it. SMTP always ends the body with CRLF, so
    the receiver's hash then differs by exactly those two bytes."""
    if not s.received.endswith(b"\r\n") or s.received == b"\r\n":
        return
    s.tried.append("final CRLF: body hashed without its last line break")
    candidate = s.received[:-2]
    if s.hash_of(candidate) == s.target:
        yield Hit("final-crlf", "CANON-07", "The signer hashed the body without its final CRLF: the message did "
                   "not end with a line break when it was signed (SMTP adds one in transit). RFC 6376 §3.4.3 "
                   "says the signer must add it; fix the signing software or end the body with CRLF before "
                   "signing.", candidate)


def _search_removed_blocks(s: Search, delimiters: list[int], leaves: list[Leaf]) -> Iterator[Hit]:
    """Blocks inserted before a MIME delimiter (footer inside a part, or an added part), and
    banners inserted at the top of the body or of a part: remove each candidate block and
    re-hash, reusing the hash state of the unchanged prefix."""
    c = s.received
    view = memoryview(c)
    offs = _line_offsets(c)
    nlines = len(offs) - 1
    new = canon.hash_factory(s.a)
    blocks = 0

    def probe_removal(running, start: int, stop: int) -> bool:
        # `running` holds the hash of c[:offs[start]]; the candidate is that plus c[offs[stop]:].
        nonlocal blocks
        blocks += 1
        if s.length is None:
            data = view[offs[stop]:]  # a view: the tail can be most of a 20 MB body
            probe = running.copy()
            probe.update(data)
            s.spent += len(data)
            return probe.digest() == s.target
        return s.hash_of(c[: offs[start]] + c[offs[stop]:]) == s.target

    # Inserted before delimiter d: remove lines [a, d) for every a from the previous
    # delimiter on (inclusive, so a whole part with its delimiter line is a candidate too).
    for j, d in enumerate(delimiters):
        if d >= nlines:
            continue
        lo = delimiters[j - 1] if j else 0
        running = new(c[: offs[lo]])
        for a_ in range(lo, d):
            if s.over_budget():
                return
            if probe_removal(running, a_, d):
                removed = c[offs[a_] : offs[d]]
                original = c[: offs[a_]] + c[offs[d]:]
                if removed.startswith(b"--"):
                    yield Hit("mime-part-added", "CANON-14",
                               "A MIME part was inserted into the message after signing.", original)
                else:
                    yield Hit("inserted", "CANON-11",
                               "Lines were added at the end of a MIME part after signing (footer or disclaimer).",
                               original)
                return
            running.update(c[offs[a_] : offs[a_ + 1]])
    # Banners at the top of the body or of a text part: remove lines [start, k).
    starts = [0] + [lf.content_start for lf in leaves if lf.content_start > 0 and lf.ctype.startswith("text/")]
    for start in dict.fromkeys(starts):
        if start >= nlines:
            continue
        head = new(c[: offs[start]])
        for k in range(start + 1, min(nlines, start + 60) + 1):
            if s.over_budget():
                return
            if probe_removal(head, start, k):
                yield Hit("prepended", "CANON-11",
                           "Lines were inserted at the top of the body after signing (a warning banner).",
                           c[: offs[start]] + c[offs[k]:])
                return
    s.tried.append(f"inserted blocks: {blocks} candidate removals (before each MIME boundary, "
                   "at the top of the body and of each text part)")


def _search_mime_wrapped(s: Search, lines: list[bytes], leaves: list[Leaf]) -> Iterator[Hit]:
    if len(leaves) < 2:
        return
    s.tried.append(f"message wrapped into multipart: each of {len(leaves)} parts tried as the whole body")
    for lf in leaves:
        raw = b"\r\n".join(lines[lf.content_start : lf.content_end]) + b"\r\n"
        hit = s.check_raw(raw)
        if hit is not None:
            yield Hit("mime-wrapped", "CANON-14", "The signed body was wrapped into a new multipart message "
                       f"(it is now the {lf.ctype} part) with other parts added.", hit)
            return


def _search_links(s: Search, body: bytes) -> Iterator[Hit]:
    counts = find_wrapped(body)
    present = [w for w in WRAPPERS if w.name in counts]
    if not present:
        s.tried.append("rewritten links: no known gateway link wrappers in the body")
        return
    combined = body
    used = []
    for w in present:
        if w.decode is None:
            s.tried.append(f"rewritten links: {counts[w.name]} {w.name} link(s) found; they are opaque ids, "
                           "the original URLs are not in the message and cannot be restored")
            continue
        un = unwrap(body, w)
        if un is None:
            s.tried.append(f"rewritten links: {w.name} links found but none decoded")
            continue
        s.tried.append(f"rewritten links: {un.count} {w.name} link(s) unwrapped and re-hashed")
        ev = tuple(f"{sanitize(shorten(a_, 120), one_line=True)} → {sanitize(b_, one_line=True)}"
                   for a_, b_ in un.examples)
        hit = s.check_raw(un.body)
        if hit is not None:
            yield Hit("links-rewritten", "CANON-12", f"{un.count} link(s) were rewritten by {w.name} after signing.",
                       hit, ev, w.cause)
            return
        combined_un = unwrap(combined, w)
        if combined_un is not None:
            combined = combined_un.body
            used.append((w, ev))
    if len(used) > 1:
        s.tried.append("rewritten links: all wrappers undone together")
        hit = s.check_raw(combined)
        if hit is not None:
            names = ", ".join(w.name for w, _ in used)
            yield Hit("links-rewritten", "CANON-12", f"Links were rewritten by {names} after signing.", hit,
                       tuple(e for _, ev in used for e in ev), used[0][0].cause)


def _search_links_in_encoded_parts(s: Search, lines: list[bytes], leaves: list[Leaf]) -> Iterator[Hit]:
    """HTML parts are usually quoted-printable or base64, so wrapped links are not visible in
    the raw body: decode each such part, undo the wrappers, re-encode the way the stdlib
    MIME generator does (QP and base64 at 76 columns), and re-hash the whole body."""
    new_lines = list(lines)
    changed: list[tuple[Leaf, list[bytes]]] = []
    names: list[str] = []
    cause = ""
    examples: list[str] = []
    for lf in leaves[:40]:
        if lf.cte not in ("base64", "quoted-printable"):
            continue
        content = b"\r\n".join(lines[lf.content_start : lf.content_end])
        if len(content) > MAX_REENCODE_PART:
            continue
        try:
            decoded = (base64.b64decode(re.sub(rb"\s+", b"", content), validate=True) if lf.cte == "base64"
                       else quopri.decodestring(content))
        except (binascii.Error, ValueError):
            continue
        present = wrappers_present(decoded)
        if not present:
            continue
        for w in present:
            un = unwrap(decoded, w)
            if un is None:
                continue
            decoded = un.body
            names.append(w.name)
            cause = cause or w.cause
            examples += [f"{sanitize(shorten(a_, 120), one_line=True)} → {sanitize(b_, one_line=True)}"
                         for a_, b_ in un.examples]
        if lf.cte == "base64":
            encoded = base64.encodebytes(decoded).replace(b"\n", b"\r\n")
        else:
            crlf = re.sub(rb"\r?\n", b"\r\n", decoded).decode("latin-1")
            encoded = email.quoprimime.body_encode(crlf, maxlinelen=76, eol="\r\n").encode("latin-1")
        if content.endswith(b"\r\n") and not encoded.endswith(b"\r\n"):
            encoded += b"\r\n"
        elif not content.endswith(b"\r\n"):
            encoded = encoded.rstrip(b"\r\n")
        changed.append((lf, encoded.split(b"\r\n")))
    if not changed or not names:
        return
    for lf, replacement in sorted(changed, key=lambda x: -x[0].content_start):
        new_lines[lf.content_start : lf.content_end] = replacement
    label = ", ".join(dict.fromkeys(names))
    s.tried.append(f"rewritten links inside {len(changed)} encoded part(s): decoded, {label} undone, re-encoded")
    hit = s.check_raw(b"\r\n".join(new_lines))
    if hit is not None:
        yield Hit("links-rewritten", "CANON-12", f"Links inside encoded MIME parts were rewritten by {label} "
                   "after signing.", hit, tuple(examples[:3]), cause)


def _reencodings(content: bytes, cte: str) -> Iterator[tuple[str, bytes]]:
    """(encoding name, re-encoded content) alternatives for one part's content."""
    try:
        if cte == "base64":
            decoded = base64.b64decode(re.sub(rb"\s+", b"", content), validate=True)
        elif cte == "quoted-printable":
            decoded = quopri.decodestring(content)
        else:
            decoded = content
    except (binascii.Error, ValueError):
        return
    crlf = re.sub(rb"\r?\n", b"\r\n", decoded)
    if cte in ("base64", "quoted-printable"):
        yield "8bit", crlf
        if crlf != decoded:
            yield "8bit", decoded
    text = crlf.decode("latin-1")  # QP works on octets; latin-1 maps each to one char
    # 76 is the RFC 2045 limit and the usual choice; 72/78 cover re-wrapping by other encoders.
    for width in (76, 72, 78):
        encoded = email.quoprimime.body_encode(text, maxlinelen=width, eol="\r\n").encode("latin-1")
        if encoded.rstrip(b"\r\n") != content.rstrip(b"\r\n"):
            yield "quoted-printable", encoded
    raw = crlf if cte != "base64" else decoded
    yield "base64", base64.encodebytes(raw).replace(b"\n", b"\r\n")  # 76 columns, the MIME default
    enc = base64.b64encode(raw)
    for width in (72, 64) if cte != "base64" else (72, 64, 0):
        yield "base64", b"\r\n".join(enc[i : i + width] for i in range(0, len(enc), width)) if width else enc


def _search_reencoded(s: Search, lines: list[bytes], leaves: list[Leaf]) -> Iterator[Hit]:
    tried = 0
    skipped = 0
    for lf in leaves[:40]:
        if not (lf.ctype.startswith("text/") or lf.cte in ("base64", "quoted-printable")):
            continue
        content = b"\r\n".join(lines[lf.content_start : lf.content_end])
        if len(content) > MAX_REENCODE_PART:
            skipped += 1  # the stdlib QP encoder is pure Python: seconds per 10 MB
            continue
        variants = []
        for name, alt in _reencodings(content, lf.cte):
            # Whether the encoder ended the part with a line break (an empty line before the
            # delimiter) varies between generators: try both.
            bare = alt.rstrip(b"\r\n")
            variants += [(name, bare), (name, bare + b"\r\n")]
        for name, alt in dict.fromkeys(variants):
            if s.over_budget():
                return
            new_lines = lines[: lf.content_start] + alt.split(b"\r\n") + lines[lf.content_end :]
            if lf.cte_line is not None:
                old = lines[lf.cte_line]
                colon = old.index(b":")
                new_lines[lf.cte_line] = old[: colon + 1] + b" " + name.encode()
            tried += 1
            hit = s.check_raw(b"\r\n".join(new_lines))
            if hit is not None:
                where = "the body" if lf.cte_line is None and len(leaves) == 1 else f"the {lf.ctype} part"
                how = (f"re-encoded from {name} to {lf.cte}" if name != lf.cte
                       else f"re-encoded ({lf.cte} again, with its line breaks in other places)")
                yield Hit("re-encoded", "CANON-08", f"{where[0].upper()}{where[1:]} was {how} after signing.",
                           hit, (f"signed as Content-Transfer-Encoding: {name}",
                                 f"now Content-Transfer-Encoding: {lf.cte}"))
                return
    s.tried.append(f"transfer encoding: {tried} re-encodings of the text/encoded parts "
                   "(quoted-printable ↔ base64 ↔ 8bit; QP at 72/76/78 and base64 at 64/72/76 columns)"
                   + (f"; {skipped} part(s) over {MAX_REENCODE_PART >> 20} MB not re-encoded" if skipped else ""))


_REWRAP_WIDTHS = (72, 76, 78, 80, 998)


def _search_small_fixes(s: Search, body: bytes) -> Iterator[Hit]:
    """Reversals that are each one substitution over the body."""
    def at_line_start(marker: bytes) -> Callable[[bytes], bool]:
        return lambda b: b.startswith(marker) or b"\n" + marker in b

    # Presence tests use bytes.find/count (C speed on 20 MB); the regex runs only on a hit.
    fixes: list[tuple[str, str, str, Callable[[bytes], bytes], Callable[[bytes], bool]]] = [
        ("line-endings", "CANON-07", "Line endings were changed after signing (CR doubled: CR CR LF).",
         lambda b: b.replace(b"\r\r\n", b"\r\n"), lambda b: b"\r\r\n" in b),
        ("line-endings", "CANON-07", "A bare CR inside a line was added after signing.",
         lambda b: re.sub(rb"\r(?!\n)", b"", b), lambda b: b.count(b"\r") != b.count(b"\r\n")),
        ("mbox-from", "CANON-10", "Lines starting with 'From ' were escaped to '>From ' (mbox) after signing.",
         lambda b: re.sub(rb"(^|\r\n)>From ", rb"\1From ", b), at_line_start(b">From ")),
        ("mbox-from", "CANON-10", "mboxrd escaping added one '>' before '>From ' lines after signing.",
         lambda b: re.sub(rb"(^|\r\n)>(>+From )", rb"\1\2", b), at_line_start(b">>From ")),
        ("dot-stuffing", "CANON-10", "A relay left SMTP dot-stuffing in the body ('..' at line start).",
         lambda b: re.sub(rb"(^|\r\n)\.\.", rb"\1.", b), at_line_start(b"..")),
    ]
    if s.algo == canon.SIMPLE:
        fixes.append(("whitespace", "CANON-04", "Trailing whitespace was added to lines after signing "
                      "(breaks c=…/simple, would pass relaxed).",
                      lambda b: re.sub(rb"(?<![ \t])[ \t]+(?=\r\n|$)", b"", b),
                      lambda b: b" \r\n" in b or b"\t\r\n" in b or b.endswith((b" ", b"\t"))))
    for kind, fid, what, fn, present in fixes:
        if s.over_budget() or not present(body):
            continue
        s.tried.append(f"{kind}: {what.split(' after')[0].lower()} — reversed and re-hashed")
        hit = s.check_raw(fn(body))
        if hit is not None:
            yield Hit(kind, fid, what, hit)
            return


def _search_rewrapped(s: Search, lines: list[bytes]) -> Iterator[Hit]:
    """Join line breaks that look like a relay's wrapping: "hard" breaks every `width`
    characters (998-octet limit splitting), "word" breaks at the last space before `width`."""
    lengths = [len(x) for x in lines if x]
    if not lengths:
        return
    longest = max(lengths)
    widths = sorted({w for w in _REWRAP_WIDTHS if w >= longest} | ({longest} if longest >= 60 else set()))
    for width in widths[:3]:
        for mode in ("hard", "word"):
            if s.over_budget():
                return
            # Each output line is kept as its pieces and joined once: growing it with +=
            # copies it at every join, quadratic when a whole body looks wrapped.
            out: list[list[bytes]] = []
            seg = 0  # length of the last wrapped segment of out[-1]
            joined = 0
            for line in lines:
                if out and seg and line and not line.startswith(b"--") and _looks_wrapped(seg, line, width, mode):
                    sep = b"" if mode == "hard" or out[-1][-1].endswith((b" ", b"\t")) else b" "
                    out[-1].append(sep + line)
                    joined += 1
                else:
                    out.append([line])
                seg = len(line)
            if not joined:
                continue
            s.tried.append(f"re-wrapped lines: {joined} {mode}-wrapped line breaks at {width} columns joined")
            hit = s.check_raw(b"\r\n".join(b"".join(pieces) for pieces in out))
            if hit is not None:
                yield Hit("re-wrapped", "CANON-09",
                           f"Long lines were re-wrapped at {width} columns after signing.", hit)
                return


def _looks_wrapped(seg: int, line: bytes, width: int, mode: str) -> bool:
    """Is the break after a segment of `seg` characters, before `line`, a wrap at `width`?"""
    if mode == "hard":
        return seg == width
    first_word = line.lstrip(b" ").split(b" ", 1)[0]
    return seg <= width < seg + 1 + len(first_word)


def run_search(s: Search, msg: Message, body: bytes) -> Hit | None:
    lines = body.split(b"\r\n")
    delimiters, leaves = layout(msg, lines)
    searches: list[Iterator[Hit]] = [
        _search_small_fixes(s, body),
        _search_links(s, body),
        _search_links_in_encoded_parts(s, lines, leaves),
        _search_final_crlf(s),
        _search_appended(s),
        _search_reencoded(s, lines, leaves),
        _search_mime_wrapped(s, lines, leaves),
        _search_rewrapped(s, lines),
        _search_removed_blocks(s, delimiters, leaves),  # last: the most hashing
    ]
    for gen in searches:
        for hit in gen:
            return hit
    return None


def compare_with_original(received: bytes, orig: bytes, msg: Message, original: Message, algo: str) -> Hit | None:
    """With both copies in hand, name changes no reversal can undo (lost whitespace, removed
    parts, a re-encoding by another encoder): the evidence is the two canonical forms."""
    if received == orig:
        return None
    body, orig_body = msg.body or b"", original.body or b""
    other = canon.RELAXED
    relaxed_equal = canon.canonicalize_body(body, other) == canon.canonicalize_body(orig_body, other)
    if algo == canon.SIMPLE and relaxed_equal:
        return Hit("whitespace", "CANON-04", "Only whitespace changed (trailing spaces, tabs or space runs): "
                    "passes relaxed, fails simple body canonicalisation.", orig, by_comparison=True)
    _, leaves_now = layout(msg, body.split(b"\r\n"))
    _, leaves_then = layout(original, orig_body.split(b"\r\n"))
    kinds_now = [lf.ctype for lf in leaves_now]
    kinds_then = [lf.ctype for lf in leaves_then]
    if kinds_now != kinds_then:
        return Hit("mime-restructured", "CANON-14", "The MIME structure changed after signing: parts "
                    f"{', '.join(kinds_then)} became {', '.join(kinds_now)}.", orig,
                    (f"signed: {', '.join(kinds_then)}", f"now: {', '.join(kinds_now)}"), by_comparison=True)
    recoded = [(a_.cte, b_.cte, a_.ctype) for a_, b_ in zip(leaves_then, leaves_now) if a_.cte != b_.cte]
    if recoded:
        then, now, ctype = recoded[0]
        return Hit("re-encoded", "CANON-08", f"The {ctype} part was re-encoded from {then} to {now} after signing.",
                    orig, (f"signed as Content-Transfer-Encoding: {then}", f"now Content-Transfer-Encoding: {now}"),
                    by_comparison=True)
    if received.replace(b"\r\n", b"") == orig.replace(b"\r\n", b""):
        return Hit("re-wrapped", "CANON-09", "Line breaks moved: the body was re-wrapped after signing.", orig,
                    by_comparison=True)
    if received.replace(b"\r\n", b" ").split() == orig.replace(b"\r\n", b" ").split():
        return Hit("re-wrapped", "CANON-09", "Line breaks and spacing moved: the body was re-wrapped after "
                    "signing.", orig, by_comparison=True)
    if received.startswith(orig[:-2]):
        return Hit("appended", "CANON-11", "Content was added at the end of the body after signing.", orig,
                    by_comparison=True)
    return Hit("changed", outcome.BODY_CHANGED, "The body changed after signing; see the line diff.", orig,
               by_comparison=True)
