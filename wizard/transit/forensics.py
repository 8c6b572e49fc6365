"""Say *what* changed after a message was signed, and prove it by re-hashing.

"Body hash did not verify" is where other tools stop. Here every candidate explanation is a
concrete reversal of a known relay habit (footer appended, links wrapped, body re-encoded,
lines re-wrapped, …): the reversal is applied, the body re-canonicalised and re-hashed, and
only a reversal that reproduces the signature's bh= is reported as proven. The header side
does the same with the header signature, re-verified by dkimpy against the given key.

With the sender's original, the target is the original's canonical body instead, and a
line diff with visible whitespace is added (wizard.transit.diff).
"""
from __future__ import annotations

import base64
import binascii
import email.quoprimime
import quopri
import re
from collections.abc import Callable, Iterator
from msgspec import Struct, field
from email.message import Message as EmailMessage
from email.parser import HeaderParser

import dkim
from dkim.util import InvalidTagValueList, parse_tag_value

from wizard.dkim import canon
from wizard.transit.diff import DiffLine, diff_bodies, split_lines, visible
from wizard.transit.intermediaries import (
    WRAPPERS,
    Intermediary,
    find_wrapped,
    recognise_intermediaries,
    strip_subject_tag,
    unwrap,
    wrappers_present,
)
from wizard.input.message import Header, Message
from wizard.model.findings import Cap, Finding, Severity, signature_about
from wizard.common.safe_text import sanitize, shorten

MAX_BODY = 64 << 20  # bodies above this get bh= only: no search, no diff
SEARCH_BUDGET = 512 << 20  # bytes hashed across all candidate reversals of one body
MAX_REENCODE_PART = 4 << 20  # parts larger than this are not re-encoded
MAX_SHOWN_BYTES = 4096  # bytes of a change kept in ProvenChange (full length kept aside)
MAX_EVIDENCE_LINES = 12
MAX_HEADER_VERIFIES = 400  # RSA verifications per header search
EMPTY_BH = {
    "frcCV1k9oG9oKj3dpUqdJg1PxRT2RSN/XKdLCPjaYaY=": "simple",
    "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=": "relaxed",
}


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


# --- signature tags ----------------------------------------------------------------------

class _Sig(Struct, frozen=True):
    tags: dict
    a: str
    header_algo: str
    body_algo: str
    bh: str
    length: int | None


def _parse_sig(value: str) -> _Sig | Finding:
    try:
        tags = parse_tag_value(value.encode("utf-8", "surrogateescape"))
    except InvalidTagValueList as exc:
        return Finding("DKIM-SIG-02", Severity.ERROR, "DKIM-Signature cannot be parsed",
                       f"The tag list is malformed ({sanitize(str(exc), one_line=True)}); no hash can be checked.")
    c = tags.get(b"c", b"simple/simple").decode("ascii", "replace").lower().split("/")
    header_algo = c[0].strip() or "simple"
    body_algo = c[1].strip() if len(c) > 1 else "simple"
    if header_algo not in (canon.SIMPLE, canon.RELAXED) or body_algo not in (canon.SIMPLE, canon.RELAXED):
        return Finding("DKIM-SIG-07", Severity.ERROR, "Unknown canonicalisation in c=",
                       f"c={sanitize('/'.join(c), one_line=True)} is neither simple nor relaxed.")
    bh = re.sub(r"\s+", "", tags.get(b"bh", b"").decode("ascii", "replace"))
    try:
        if len(bh) % 4 or not bh:
            raise binascii.Error
        base64.b64decode(bh, validate=True)
    except (binascii.Error, ValueError):
        return Finding("DKIM-SIG-17", Severity.ERROR, "bh= is not valid base64",
                       f"bh={sanitize(shorten(bh, 80), one_line=True)} cannot be compared with any body.")
    length = None
    if b"l" in tags:
        raw_l = tags[b"l"].strip()
        if not raw_l.isdigit():
            return Finding("DKIM-SIG-14", Severity.ERROR, "l= is not a number",
                           f"l={sanitize(raw_l.decode('ascii', 'replace'), one_line=True)}")
        length = int(raw_l)
    a = tags.get(b"a", b"rsa-sha256").decode("ascii", "replace").strip().lower()
    return _Sig(tags, a, header_algo, body_algo, bh, length)


def _b64(digest: bytes) -> str:
    return base64.b64encode(digest).decode("ascii")


# --- MIME layout on body lines -----------------------------------------------------------

class _Leaf(Struct, frozen=True):
    content_start: int  # line index
    content_end: int  # exclusive: the next delimiter line (or end of body)
    ctype: str
    cte: str
    cte_line: int | None  # line index of the part's Content-Transfer-Encoding header


def _header_block(text: str) -> EmailMessage:
    return HeaderParser().parsestr(text)


def _layout(msg: Message, lines: list[bytes]) -> tuple[list[int], list[_Leaf]]:
    """Delimiter line indexes and leaf parts of the body (stdlib email parses part headers;
    the byte positions it loses are what we need, so the splitting is done here)."""
    top = "".join(f"{h.name}: {h.unfolded}\n" for h in msg.headers
                  if h.name.lower() in ("content-type", "content-transfer-encoding")) + "\n"
    delimiters: list[int] = []
    leaves: list[_Leaf] = []

    def walk(start: int, end: int, hm: EmailMessage, cte_line: int | None, depth: int) -> None:
        ctype = hm.get_content_type()
        boundary = hm.get_param("boundary") if ctype.startswith("multipart/") else None
        cte = (hm.get("content-transfer-encoding") or "7bit").strip().lower()
        if not isinstance(boundary, str) or depth > 6:
            leaves.append(_Leaf(start, end, ctype, cte, cte_line))
            return
        delim = b"--" + boundary.encode("utf-8", "replace")
        marks = [i for i in range(start, end) if lines[i].rstrip(b" \t") in (delim, delim + b"--")]
        delimiters.extend(marks)
        for here, nxt in zip(marks, marks[1:] + [end]):
            if lines[here].rstrip(b" \t").endswith(b"--"):
                break
            head_end = here + 1
            while head_end < nxt and lines[head_end] != b"":
                head_end += 1
            block = b"\n".join(lines[here + 1 : head_end]).decode("latin-1") + "\n\n"
            part_cte = next((i for i in range(here + 1, head_end)
                             if lines[i].lower().startswith(b"content-transfer-encoding:")), None)
            walk(min(head_end + 1, nxt), nxt, _header_block(block), part_cte, depth + 1)

    walk(0, len(lines), _header_block(top), None, 0)
    delimiters.sort()
    return delimiters, leaves


# --- the search ----------------------------------------------------------------------------

class _Search(Struct):
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


class _Hit(Struct, frozen=True):
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


def _search_appended(s: _Search) -> Iterator[_Hit]:
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
        yield _Hit("empty-body-signed", "CANON-06", "The signature covers an empty body: the signer hashed "
                   "no body (wrong milter order, or the body was attached after signing).", original)
        return
    tail = s.received[end:]
    if re.search(rb"(^|\r\n)--[^\s]{1,70}\r\n", tail):  # a delimiter, not the "-- " sig separator
        kind, fid, what = "mime-part-added", "CANON-14", "A MIME part was added at the end of the body after signing."
    else:
        kind, fid = "appended", "CANON-11"
        what = "Lines were appended to the body after signing (footer or disclaimer)."
    yield _Hit(kind, fid, what, original)


def _search_final_crlf(s: _Search) -> Iterator[_Hit]:
    """RFC 6376 §3.4.3 adds a CRLF to a body that lacks one; some signers (Perl Mail::DKIM
    with c=…/simple) hash such a body without it. SMTP always ends the body with CRLF, so
    the receiver's hash then differs by exactly those two bytes."""
    if not s.received.endswith(b"\r\n") or s.received == b"\r\n":
        return
    s.tried.append("final CRLF: body hashed without its last line break")
    candidate = s.received[:-2]
    if s.hash_of(candidate) == s.target:
        yield _Hit("final-crlf", "CANON-07", "The signer hashed the body without its final CRLF: the message did "
                   "not end with a line break when it was signed (SMTP adds one in transit). RFC 6376 §3.4.3 "
                   "says the signer must add it; fix the signing software or end the body with CRLF before "
                   "signing.", candidate)


def _search_removed_blocks(s: _Search, delimiters: list[int], leaves: list[_Leaf]) -> Iterator[_Hit]:
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
                    yield _Hit("mime-part-added", "CANON-14",
                               "A MIME part was inserted into the message after signing.", original)
                else:
                    yield _Hit("inserted", "CANON-11",
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
                yield _Hit("prepended", "CANON-11",
                           "Lines were inserted at the top of the body after signing (a warning banner).",
                           c[: offs[start]] + c[offs[k]:])
                return
    s.tried.append(f"inserted blocks: {blocks} candidate removals (before each MIME boundary, "
                   "at the top of the body and of each text part)")


def _search_mime_wrapped(s: _Search, lines: list[bytes], leaves: list[_Leaf]) -> Iterator[_Hit]:
    if len(leaves) < 2:
        return
    s.tried.append(f"message wrapped into multipart: each of {len(leaves)} parts tried as the whole body")
    for lf in leaves:
        raw = b"\r\n".join(lines[lf.content_start : lf.content_end]) + b"\r\n"
        hit = s.check_raw(raw)
        if hit is not None:
            yield _Hit("mime-wrapped", "CANON-14", "The signed body was wrapped into a new multipart message "
                       f"(it is now the {lf.ctype} part) with other parts added.", hit)
            return


def _search_links(s: _Search, body: bytes) -> Iterator[_Hit]:
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
            yield _Hit("links-rewritten", "CANON-12", f"{un.count} link(s) were rewritten by {w.name} after signing.",
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
            yield _Hit("links-rewritten", "CANON-12", f"Links were rewritten by {names} after signing.", hit,
                       tuple(e for _, ev in used for e in ev), used[0][0].cause)


def _search_links_in_encoded_parts(s: _Search, lines: list[bytes], leaves: list[_Leaf]) -> Iterator[_Hit]:
    """HTML parts are usually quoted-printable or base64, so wrapped links are not visible in
    the raw body: decode each such part, undo the wrappers, re-encode the way the stdlib
    MIME generator does (QP and base64 at 76 columns), and re-hash the whole body."""
    new_lines = list(lines)
    changed: list[tuple[_Leaf, list[bytes]]] = []
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
        yield _Hit("links-rewritten", "CANON-12", f"Links inside encoded MIME parts were rewritten by {label} "
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


def _search_reencoded(s: _Search, lines: list[bytes], leaves: list[_Leaf]) -> Iterator[_Hit]:
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
                yield _Hit("re-encoded", "CANON-08", f"{where[0].upper()}{where[1:]} was {how} after signing.",
                           hit, (f"signed as Content-Transfer-Encoding: {name}",
                                 f"now Content-Transfer-Encoding: {lf.cte}"))
                return
    s.tried.append(f"transfer encoding: {tried} re-encodings of the text/encoded parts "
                   "(quoted-printable ↔ base64 ↔ 8bit; QP at 72/76/78 and base64 at 64/72/76 columns)"
                   + (f"; {skipped} part(s) over {MAX_REENCODE_PART >> 20} MB not re-encoded" if skipped else ""))


_REWRAP_WIDTHS = (72, 76, 78, 80, 998)


def _search_small_fixes(s: _Search, body: bytes) -> Iterator[_Hit]:
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
                      lambda b: re.sub(rb"[ \t]+(?=\r\n|$)", b"", b),
                      lambda b: b" \r\n" in b or b"\t\r\n" in b or b.endswith((b" ", b"\t"))))
    for kind, fid, what, fn, present in fixes:
        if s.over_budget() or not present(body):
            continue
        s.tried.append(f"{kind}: {what.split(' after')[0].lower()} — reversed and re-hashed")
        hit = s.check_raw(fn(body))
        if hit is not None:
            yield _Hit(kind, fid, what, hit)
            return


def _search_rewrapped(s: _Search, lines: list[bytes]) -> Iterator[_Hit]:
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
                yield _Hit("re-wrapped", "CANON-09",
                           f"Long lines were re-wrapped at {width} columns after signing.", hit)
                return


def _looks_wrapped(seg: int, line: bytes, width: int, mode: str) -> bool:
    """Is the break after a segment of `seg` characters, before `line`, a wrap at `width`?"""
    if mode == "hard":
        return seg == width
    first_word = line.lstrip(b" ").split(b" ", 1)[0]
    return seg <= width < seg + 1 + len(first_word)


# --- building the answer -------------------------------------------------------------------

def _span_change(received: bytes, original: bytes) -> tuple[int, bytes, bytes]:
    """The single differing span between two canonical bodies, widened to whole lines:
    (offset in received, bytes there now, bytes as signed)."""
    limit = min(len(received), len(original))
    head = 0
    step = 1 << 14
    while head + step <= limit and received[head : head + step] == original[head : head + step]:
        head += step
    while head < limit and received[head] == original[head]:
        head += 1
    head = received.rfind(b"\r\n", 0, head) + 2 if received.rfind(b"\r\n", 0, head) >= 0 else 0
    tail = 0
    room = limit - head
    while tail + step <= room and received[len(received) - tail - step : len(received) - tail] == \
            original[len(original) - tail - step : len(original) - tail]:
        tail += step
    while tail < room and received[len(received) - 1 - tail] == original[len(original) - 1 - tail]:
        tail += 1
    while tail > 0 and received[len(received) - tail - 2 : len(received) - tail] != b"\r\n":
        tail -= 1
    return head, received[head : len(received) - tail], original[head : len(original) - tail]


def _evidence_lines(now: bytes, before: bytes) -> tuple[str, ...]:
    out = []
    for sign, chunk in (("-", before), ("+", now)):
        lines = split_lines(chunk)
        for line in lines[:MAX_EVIDENCE_LINES]:
            out.append(f"{sign} {shorten(visible(line), 200)}")
        if len(lines) > MAX_EVIDENCE_LINES:
            out.append(f"{sign} … {len(lines) - MAX_EVIDENCE_LINES} more lines")
    return tuple(out)


def _proven(hit: _Hit, received: bytes) -> ProvenChange:
    offset, now, before = _span_change(received, hit.original)
    return ProvenChange(
        kind=hit.kind,
        finding_id=hit.finding_id,
        description=hit.description,
        evidence=hit.extra_evidence + _evidence_lines(now, before),
        offset=offset,
        received_bytes=now[:MAX_SHOWN_BYTES],
        original_bytes=before[:MAX_SHOWN_BYTES],
        received_length=len(now),
        original_length=len(before),
    )


def paste_damage(msg: Message) -> tuple[str, ...]:
    """Signs that the input is not the message as received but a pasted or exported copy
    (EVID-03). Empty when the input looks like a real .eml."""
    strong, weak = [], []
    if msg.bad_lines:
        n, text = msg.bad_lines[0]
        shown = shorten(sanitize(text, one_line=True), 80)
        strong.append(f"line {n} in the header block is not a header field: {shown}")
    for h in msg.headers:
        if any(len(part) > 998 for part in h.raw.split(b"\r\n")):
            strong.append(f"{sanitize(h.name, one_line=True)} header has a line over 998 octets (unfolded by a copy)")
            break
    ctype = msg.value("Content-Type") or ""
    m = re.search(r'boundary\s*=\s*"?([^";]+)"?', ctype, re.I)
    if m and msg.body is not None and b"--" + m.group(1).strip().encode("utf-8", "replace") not in msg.body:
        strong.append("the MIME boundary named in Content-Type never appears in the body")
    quoted = rb"-----Original Message-----|---------- Forwarded message ---------"
    if msg.body and re.search(quoted, msg.body[: 1 << 20]):
        weak.append("the body quotes a forwarded/original message")  # replies do this too: weak alone
    if not msg.get_all("Received"):
        weak.append("no Received headers")
    if any(b"\r\n" not in h.raw and len(h.raw) > 200 for h in msg.get_all("DKIM-Signature")):
        weak.append("the DKIM-Signature header is one unfolded line (most signers fold it)")
    if msg.line_endings == "mixed":
        weak.append("mixed line endings")
    if re.match(r"\s*(fwd?|fw)\s*:", msg.value("Subject") or "", re.I):
        weak.append("Subject starts with Fwd:")
    return tuple(strong) if strong else (tuple(weak) if len(weak) >= 2 else ())


def _delivery_pass(msg: Message, domain: str) -> str | None:
    """An Authentication-Results line saying DKIM passed for `domain` at delivery (EVID-05).
    A regex rather than the authres parser: Microsoft's A-R form does not parse there, and
    only the dkim=pass + header.d= pair matters here."""
    for h in msg.get_all("Authentication-Results") + msg.get_all("ARC-Authentication-Results"):
        for m in re.finditer(r"dkim\s*=\s*pass\b[^;]*", h.unfolded, re.I):
            d = re.search(r"header\.d\s*=\s*([^\s;]+)", m.group(), re.I)
            if d and d.group(1).lower().rstrip(".") == domain.lower().rstrip("."):
                return f"{h.name}: {shorten(sanitize(h.unfolded, one_line=True), 200)}"
    return None


def _line_ending_findings(msg: Message, label: str = "") -> list[Finding]:
    if msg.line_endings in ("lf", "cr"):
        return [Finding("EVID-02", Severity.WARN, f"{label}File uses {msg.line_endings.upper()} line endings",
                        "Converted to CRLF for DKIM verification, as the message had on the wire.")]
    if msg.line_endings == "mixed":
        return [Finding("EVID-02", Severity.WARN, f"{label}Mixed line endings",
                        "CRLF and bare LF/CR are mixed: the file was probably edited or re-saved; "
                        "verification used CRLF throughout.")]
    return []


def _cause_findings(change: ProvenChange, hit_cause: str, inter: tuple[Intermediary, ...], about: str) -> list[Finding]:
    """Connect a proven change to the intermediaries that typically make it."""
    wanted = {
        "appended": {"CAUSE-01", "CAUSE-02", "CAUSE-06"},
        "inserted": {"CAUSE-01", "CAUSE-02", "CAUSE-06"},
        "mime-part-added": {"CAUSE-01", "CAUSE-02", "CAUSE-06", "CAUSE-08"},
        "mime-wrapped": {"CAUSE-01", "CAUSE-02", "CAUSE-08"},
        "mime-restructured": {"CAUSE-01", "CAUSE-02", "CAUSE-08"},
        "prepended": {"CAUSE-03", "CAUSE-05"},
        "links-rewritten": {hit_cause} if hit_cause else {"CAUSE-03", "CAUSE-04", "CAUSE-05"},
        "re-encoded": {"CAUSE-08"},
        "re-wrapped": {"CAUSE-08"},
        "subject-tag": {"CAUSE-01", "CAUSE-02", "CAUSE-03", "CAUSE-05", "CAUSE-07"},
    }.get(change.kind, set())
    out = []
    for it in inter:
        if it.cause not in wanted:
            continue
        when = " after signing" if it.after_signing else ""
        out.append(Finding(it.cause, Severity.ERROR, _sentence(f"{it.name} changed the message{when}"),
                           f"{change.description} {it.name} {it.changes}. Fix: {it.fix}.",
                           it.evidence, about=about))
    if change.kind == "links-rewritten" and not any(f.id == hit_cause for f in out) and hit_cause:
        out.append(Finding(hit_cause, Severity.ERROR, "Links rewritten by a gateway after signing",
                           change.description, change.evidence[:3], about=about))
    return out


def analyze_body(msg: Message, signature_header_value: str, *, original: Message | None = None) -> BodyForensics:
    """Check bh= for one DKIM-Signature and, when it fails, find and prove what changed."""
    sig = _parse_sig(signature_header_value)
    if isinstance(sig, Finding):
        return BodyForensics("", "", False, "", None, b"", None, (), (), (), (sig,))
    about = _about(sig, msg, signature_header_value)
    sig_index = next((h.index for h in msg.get_all("DKIM-Signature") if h.value == signature_header_value), None)
    findings: list[Finding] = _line_ending_findings(msg)
    if msg.body is None:
        inter = recognise_intermediaries(msg, signature_index=sig_index, scan_body=False)
        findings.append(Finding("EVID-04", Severity.INFO, "Body not available",
                                "The body hash cannot be checked. The header signature can still be checked, "
                                "because it covers the bh= value, not the body itself.", about=about))
        return BodyForensics(sig.bh, "", False, sig.body_algo, sig.length, b"", None, (), (), inter, tuple(findings))

    caps: list[Cap] = []
    body = msg.body
    received = canon.canonicalize_body(body, sig.body_algo)
    expected = base64.b64decode(sig.bh)
    computed = canon.body_hash(received, sig.a, sig.length)
    matches = computed == expected
    # Links in the body only matter for explaining a mismatch; scanning 20 MB for them on
    # every valid message would cost more than the hash.
    inter = recognise_intermediaries(msg, signature_index=sig_index, scan_body=not matches)
    tail = b""
    if sig.length is not None:
        if len(received) < sig.length:
            findings.append(Finding("DKIM-SIG-14", Severity.ERROR, f"Body is shorter than l={sig.length}",
                                    f"l={sig.length} but the canonical body now has {len(received)} bytes: "
                                    "the body was cut after signing, so bh= cannot match.", about=about))
        else:
            tail = received[sig.length :]
            if tail:
                lines = split_lines(tail)
                findings.append(Finding(
                    "DKIM-SIG-14", Severity.WARN,
                    f"l={sig.length}: {len(tail)} bytes after the signed part are not covered by the signature",
                    f"Only the first {sig.length} bytes of the body are signed; {len(tail)} bytes were added "
                    "after signing and anyone on the path could have written them.",
                    tuple(f"+ {shorten(visible(x), 200)}" for x in lines[:MAX_EVIDENCE_LINES]), about=about))

    orig_bh = None
    orig_matches = None
    target = expected
    orig_canon = None
    if original is not None and original.body is not None:
        orig_canon = canon.canonicalize_body(original.body, sig.body_algo)
        orig_digest = canon.body_hash(orig_canon, sig.a, sig.length)
        orig_bh = _b64(orig_digest)
        orig_matches = orig_digest == expected
        target = orig_digest
        findings += _line_ending_findings(original, "Original: ")
        if not orig_matches:
            findings.append(Finding("CANON-01", Severity.WARN, "The original you gave does not match bh= either",
                                    f"bh= is {sig.bh}; the original's body hashes to {orig_bh}. It is not the copy "
                                    "that was signed (the signer's own copy may have been changed before signing, "
                                    "or the signer hashed a different body). Compared against it anyway.",
                                    about=about))

    diff: tuple[DiffLine, ...] = ()
    if orig_canon is not None:
        if len(received) > MAX_BODY or len(orig_canon) > MAX_BODY:
            caps.append(Cap("body bytes for diff", MAX_BODY, max(len(received), len(orig_canon))))
        else:
            diff = diff_bodies(orig_canon, received)

    # The verdict itself (bh match or not, CANON-01) is wizard.dkim.verify's finding; forensics
    # reports only what changed and the proof.
    if matches and (orig_canon is None or orig_matches or orig_canon == received):
        return BodyForensics(sig.bh, _b64(computed), True, sig.body_algo, sig.length, tail, None, (), diff,
                             inter, tuple(findings), orig_bh, orig_matches, tuple(caps))

    if matches:
        findings.append(Finding("CANON-01", Severity.INFO, "Body hash: OK, but the body differs from the original",
                                "Differences are outside what the signature covers.", about=about))
    if sig.bh in EMPTY_BH and received not in (b"", b"\r\n"):
        findings.append(Finding("CANON-06", Severity.ERROR, "The signature covers an empty body",
                                f"bh={sig.bh} is the hash of an empty body ({EMPTY_BH[sig.bh]}), but the message "
                                "has a body: the signer hashed no body (wrong milter order, body attached after "
                                "signing) or the body was emptied in transit.", about=about))

    hit: _Hit | None = None
    search = _Search(received, sig.body_algo, sig.a, sig.length, target)
    if len(body) > MAX_BODY:
        caps.append(Cap("body bytes for the change search", MAX_BODY, len(body)))
        search.tried.append(f"no search: the body is over {MAX_BODY >> 20} MB")
    else:
        hit = _run_search(search, msg, body)
        if search.budget_hit:
            caps.append(Cap("bytes hashed by the change search", SEARCH_BUDGET, search.spent))
    if hit is None and orig_canon is not None:
        hit = _classify_against_original(received, orig_canon, msg, original, sig)

    change = _proven(hit, received) if hit else None
    ar_pass = _delivery_pass(msg, sig.tags.get(b"d", b"").decode("ascii", "replace"))
    damage = paste_damage(msg)
    if change is not None:
        if hit.by_comparison:
            proof = "Found by comparing the canonical bodies of the original and the received copy"
        elif orig_canon is None or orig_matches:
            proof = f"Proven: undoing it reproduces bh={sig.bh}"
        else:
            proof = "Proven: undoing it reproduces the original's canonical body exactly"
        severity = Severity.INFO if ar_pass else Severity.ERROR
        findings.append(Finding(change.finding_id, severity, change.description,
                                f"{proof}. At offset {change.offset} of the canonical body, {change.received_length} "
                                f"bytes are there now where the signer hashed {change.original_length}.",
                                change.evidence, about=about))
        if ar_pass:
            findings.append(_evid05(ar_pass, about))
        findings += _cause_findings(change, hit.wrapper_cause, inter, about)
    elif damage:
        findings.append(Finding("EVID-03", Severity.ERROR, "This looks like pasted text; save the original .eml",
                                "DKIM cannot be re-verified from this copy; it shows signs of copy/paste or export, "
                                "so the mismatch says nothing about the sender. Rely on the receiver's "
                                "Authentication-Results, or get the original: Gmail \"Show original → Download "
                                "original\"; Outlook/OWA \"View message source\"; or ask for the .eml as an "
                                "attachment.",
                                damage, about=about))
    elif ar_pass:
        findings.append(_evid05(ar_pass, about))
    elif not matches:
        findings.append(Finding("CANON-01", Severity.WARN, "No single known change explains the body hash",
                                "None of the reversals tried reproduces bh=; they are listed under 'tried'. "
                                "With the sender's copy (--original) the difference can be shown line by line.",
                                tuple(search.tried[:MAX_EVIDENCE_LINES]), about=about))
    return BodyForensics(sig.bh, _b64(computed), matches, sig.body_algo, sig.length, tail, change,
                         tuple(search.tried), diff, inter, tuple(findings), orig_bh, orig_matches, tuple(caps))


def _evid05(ar_line: str, about: str) -> Finding:
    return Finding("EVID-05", Severity.WARN, "Receiver verified DKIM=pass at delivery; this copy was changed later",
                   "The receiver's Authentication-Results record a pass for this signature, so the change was "
                   "made to the stored copy after delivery (Safe Links, journaling, archiving, a mail client). "
                   "The sender is not at fault.", (ar_line,), about=about)


def _sentence(text: str) -> str:
    """Titles start with a capital even when they start with an intermediary's name."""
    return text[:1].upper() + text[1:]


def _about(sig: _Sig, msg: Message, value: str) -> str:
    d = sig.tags.get(b"d", b"?").decode("ascii", "replace")
    s = sig.tags.get(b"s", b"?").decode("ascii", "replace")
    signatures = msg.get_all("DKIM-Signature")
    index = next((n for n, h in enumerate(signatures) if h.value == value), 0)
    return sanitize(signature_about(index, d, s), one_line=True)


def _run_search(s: _Search, msg: Message, body: bytes) -> _Hit | None:
    lines = body.split(b"\r\n")
    delimiters, leaves = _layout(msg, lines)
    searches: list[Iterator[_Hit]] = [
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


def _classify_against_original(received: bytes, orig: bytes, msg: Message, original: Message, sig: _Sig) -> _Hit | None:
    """With both copies in hand, name changes no reversal can undo (lost whitespace, removed
    parts, a re-encoding by another encoder): the evidence is the two canonical forms."""
    if received == orig:
        return None
    body, orig_body = msg.body or b"", original.body or b""
    other = canon.RELAXED
    relaxed_equal = canon.canonicalize_body(body, other) == canon.canonicalize_body(orig_body, other)
    if sig.body_algo == canon.SIMPLE and relaxed_equal:
        return _Hit("whitespace", "CANON-04", "Only whitespace changed (trailing spaces, tabs or space runs): "
                    "passes relaxed, fails simple body canonicalisation.", orig, by_comparison=True)
    _, leaves_now = _layout(msg, body.split(b"\r\n"))
    _, leaves_then = _layout(original, orig_body.split(b"\r\n"))
    kinds_now = [lf.ctype for lf in leaves_now]
    kinds_then = [lf.ctype for lf in leaves_then]
    if kinds_now != kinds_then:
        return _Hit("mime-restructured", "CANON-14", "The MIME structure changed after signing: parts "
                    f"{', '.join(kinds_then)} became {', '.join(kinds_now)}.", orig,
                    (f"signed: {', '.join(kinds_then)}", f"now: {', '.join(kinds_now)}"), by_comparison=True)
    recoded = [(a_.cte, b_.cte, a_.ctype) for a_, b_ in zip(leaves_then, leaves_now) if a_.cte != b_.cte]
    if recoded:
        then, now, ctype = recoded[0]
        return _Hit("re-encoded", "CANON-08", f"The {ctype} part was re-encoded from {then} to {now} after signing.",
                    orig, (f"signed as Content-Transfer-Encoding: {then}", f"now Content-Transfer-Encoding: {now}"),
                    by_comparison=True)
    if received.replace(b"\r\n", b"") == orig.replace(b"\r\n", b""):
        return _Hit("re-wrapped", "CANON-09", "Line breaks moved: the body was re-wrapped after signing.", orig,
                    by_comparison=True)
    if received.replace(b"\r\n", b" ").split() == orig.replace(b"\r\n", b" ").split():
        return _Hit("re-wrapped", "CANON-09", "Line breaks and spacing moved: the body was re-wrapped after "
                    "signing.", orig, by_comparison=True)
    if received.startswith(orig[:-2]):
        return _Hit("appended", "CANON-11", "Content was added at the end of the body after signing.", orig,
                    by_comparison=True)
    return _Hit("changed", "CANON-01", "The body changed after signing; see the line diff.", orig, by_comparison=True)


# --- header side -----------------------------------------------------------------------------

_SINGLETONS = ("from", "sender", "reply-to", "to", "cc", "bcc", "subject", "date", "message-id", "in-reply-to",
               "references")
_NAME_CASE = {"message-id": "Message-ID", "mime-version": "MIME-Version", "dkim-signature": "DKIM-Signature"}


class _HeaderVerifier:
    """Re-verify b= of one signature over edited header lists, with dkimpy and a fixed key.

    dkimpy's verify() checks the body hash first and stops there on a mismatch, and its
    prep step rejects expired signatures; forensics needs the header answer on its own
    (CANON-01), so we call DKIM.verify_sig with bh= left out of the tag dict and the
    message given without its body (the header hash never reads the body)."""

    def __init__(self, sig_value: str, sig_position: int, public_key: bytes, a: str):
        self.tags = parse_tag_value(sig_value.encode("utf-8", "surrogateescape"))
        self.tags.pop(b"bh", None)
        self.include = [x.lower() for x in re.split(rb"\s*:\s*", self.tags.get(b"h", b"").strip()) if x]
        self.position = sig_position  # which DKIM-Signature (0 = top-most)
        k = b"ed25519" if a.startswith("ed25519") else b"rsa"
        self.record = b"v=DKIM1; k=" + k + b"; p=" + public_key
        self.runs = 0

    def dnsfunc(self, name, timeout=5):
        return self.record

    def __call__(self, fields: list[bytes]) -> bool | str:
        self.runs += 1
        message = b"".join(f + b"\r\n" for f in fields) + b"\r\n"
        try:
            d = dkim.DKIM(message)
            sigs = [(x, y) for x, y in d.headers if x.lower() == b"dkim-signature"]
            if len(sigs) <= self.position:
                return "the DKIM-Signature header is missing"
            return bool(d.verify_sig(dict(self.tags), list(self.include), sigs[self.position], self.dnsfunc))
        # dkimpy reports a missing or malformed tag (a=, b=, d=, s=) as KeyError/ValueError
        # rather than DKIMException; any of them means "cannot verify", never a crash.
        except (dkim.DKIMException, KeyError, ValueError, TypeError, IndexError) as exc:
            return sanitize(f"{type(exc).__name__}: {exc}", one_line=True)


def _fold78(raw: bytes) -> bytes:
    """Refold a field the way most MUAs do: break before a space so lines stay ≤ 78."""
    colon = raw.index(b":")
    words = re.sub(rb"\r\n(?=[ \t])", b"", raw[colon + 1 :]).split(b" ")
    lines = [raw[: colon + 1] + words[0]]
    for w in words[1:]:
        if len(lines[-1]) + 1 + len(w) > 78 and lines[-1].strip():
            lines.append(b" " + w)
        else:
            lines[-1] += b" " + w
    return b"\r\n".join(lines)


def _name_variants(name: bytes) -> list[bytes]:
    text = name.decode("latin-1")
    canonical = _NAME_CASE.get(text.lower(), "-".join(p.capitalize() for p in text.split("-")))
    return [v.encode("latin-1") for v in dict.fromkeys((canonical, text.lower())) if v != text]


def _z_values(tags: dict) -> list[tuple[str, bytes]]:
    """z= copied header fields (RFC 6376 §3.5): '|'-separated, dkim-quoted-printable."""
    z = tags.get(b"z")
    if not z:
        return []
    out = []
    for item in re.sub(rb"\s+", b"", z).split(b"|"):
        if b":" not in item:
            continue
        name, value = item.split(b":", 1)
        value = re.sub(rb"=([0-9A-Fa-f]{2})", lambda m: bytes([int(m.group(1), 16)]), value)
        out.append((name.decode("latin-1"), value))
    return out


def _relaxed_value(value: bytes) -> bytes:
    return re.sub(rb"[ \t]+", b" ", re.sub(rb"\r\n", b"", value)).strip()


class _HCand(Struct, frozen=True):
    kind: str
    finding_id: str
    description: str
    index: int  # header index concerned
    fields: list
    before: bytes  # the field as the candidate restores it (empty: header removed)


def _header_candidates(msg: Message, include: list[bytes], algo: str, sig_header_index: int,
                       tags: dict, original: Message | None, tried: list[str]) -> Iterator[_HCand]:
    fields = [h.raw for h in msg.headers]
    signed = {x.decode("latin-1") for x in include}
    # Header instances dkimpy's select_headers would pick, bottom-up per name.
    chosen: list[Header] = []
    used: dict[str, int] = {}
    for name in include:
        lname = name.decode("latin-1")
        pool = [h for h in msg.headers if h.name.lower() == lname and h.index != sig_header_index]
        k = used.get(lname, 0)
        if k < len(pool):
            chosen.append(pool[len(pool) - 1 - k])
        used[lname] = k + 1

    def with_field(index: int, raw: bytes | None) -> list[bytes]:
        new = list(fields)
        if raw is None:
            del new[index]
        else:
            new[index] = raw
        return new

    if original is not None:
        tried.append("the sender's copy: each signed header compared and restored")
        for lname in dict.fromkeys(x.decode("latin-1") for x in include):
            now = [h for h in msg.headers if h.name.lower() == lname]
            before = [h for h in original.headers if h.name.lower() == lname]
            if [h.raw for h in now] == [h.raw for h in before]:
                continue
            new = [h.raw for h in msg.headers if h.name.lower() != lname]
            at = min((h.index for h in now), default=0)
            for h in reversed(before):
                new.insert(min(at, len(new)), h.raw)
            if len(now) > len(before):
                kind, fid, what = "header-added", "DKIM-SIG-12", f"A {now[0].name} header was added after signing."
            elif len(now) == len(before) == 1 and _relaxed_value(now[0].raw.split(b":", 1)[1]) == \
                    _relaxed_value(before[0].raw.split(b":", 1)[1]):
                kind, fid, what = ("refolded" if now[0].name == before[0].name else "header-case", "CANON-02",
                                   f"The {before[0].name} header was refolded or re-spaced after signing "
                                   "(breaks c=simple/…, survives relaxed).")
            else:
                kind, fid, what = "header-changed", "CANON-13", f"The {lname} header value changed after signing."
            yield _HCand(kind, fid, what, now[0].index if now else 0, new, before[0].raw if before else b"")

    z = _z_values(tags)
    if z:
        tried.append(f"z= copied headers: {len(z)} values restored")
        for zname, zvalue in z:
            h = msg.get(zname)
            if h is None or _relaxed_value(zvalue) == _relaxed_value(h.raw.split(b":", 1)[1]):
                continue
            for raw in (h.name.encode("latin-1") + b":" + zvalue, h.name.encode("latin-1") + b": " + zvalue.lstrip()):
                yield _HCand("header-changed", "DKIM-SIG-21", f"The {h.name} header differs from its z= copy: "
                             "it was changed after signing.", h.index, with_field(h.index, raw), raw)

    for h in chosen:
        if h.name.lower() != "subject":
            continue
        variants = strip_subject_tag(h.value)
        tried.append(f"subject tags: {len(variants)} tag removals tried on Subject")
        for label, tag, value in variants:
            raw = h.raw[: h.raw.index(b":") + 1] + value.encode("utf-8", "surrogateescape")
            yield _HCand("subject-tag", "CANON-13", f"The Subject was tagged {tag!r} after signing ({label}).",
                         h.index, with_field(h.index, raw), raw)

    removable = [h for h in msg.headers if h.name.lower() in signed and h.index != sig_header_index
                 and h.name.lower() != "dkim-signature"][:40]
    tried.append(f"headers added in transit: {len(removable)} signed-name header(s) removed one at a time")
    for h in removable:
        yield _HCand("header-added", "DKIM-SIG-12", f"A {h.name} header was added after signing; h= covers "
                     f"{h.name.lower()}, so the verifier now hashes the new one.", h.index,
                     with_field(h.index, None), b"")

    if algo == canon.SIMPLE and 0 <= sig_header_index < len(fields):
        # c=simple hashes the DKIM-Signature's own folding (DKIM-SIG-22). A relay that refolded
        # it is undone by refolding the way dkimpy signs (its fold() at 72 columns).
        raw_sig = fields[sig_header_index]
        colon = raw_sig.index(b":")
        value = raw_sig[colon + 1 :].replace(b"\r\n", b"").lstrip(b" \t")
        value = re.sub(rb"(\bb=)([A-Za-z0-9+/= \t]*)$",
                       lambda m: m.group(1) + re.sub(rb"[ \t]", b"", m.group(2)), value)
        refolded = raw_sig[: colon + 1] + b" " + dkim.fold(value + b"\r\n", namelen=colon).rstrip(b"\r\n")
        tried.append("DKIM-Signature refolded the way dkimpy folds it")
        if refolded != raw_sig:
            yield _HCand("refolded", "DKIM-SIG-22", "The DKIM-Signature header itself was refolded after signing; "
                         "with c=simple its folding is part of the signed data.", sig_header_index,
                         with_field(sig_header_index, refolded), refolded)

    if algo == canon.SIMPLE:
        tried.append(f"simple header canonicalisation: unfolding, refolding at 78, name case and "
                     f"space after the colon for {len(chosen)} signed header(s)")
        for h in chosen:
            colon = h.raw.index(b":")
            name, rest = h.raw[:colon], h.raw[colon + 1 :]
            variants_: list[tuple[str, bytes]] = []
            if b"\r\n" in h.raw:
                variants_.append(("refolded", h.raw.replace(b"\r\n", b"")))
            if len(h.raw) > 78 or b"\r\n" in h.raw:
                variants_.append(("refolded", _fold78(h.raw)))
            variants_ += [("header-case", v + b":" + rest) for v in _name_variants(name)]
            variants_.append(("refolded", name + b":" + rest[1:] if rest.startswith(b" ") else name + b": " + rest))
            for kind, raw in dict.fromkeys(variants_):
                if raw == h.raw:
                    continue
                what = (f"The {h.name} header name's case was changed after signing (c=simple keeps case)."
                        if kind == "header-case" else
                        f"The {h.name} header was refolded or re-spaced after signing (c=simple keeps folding).")
                yield _HCand(kind, "CANON-02", what, h.index, with_field(h.index, raw), raw)


def _header_cause_findings(change: ProvenChange, inter: tuple[Intermediary, ...], about: str) -> list[Finding]:
    out = []
    if change.kind == "subject-tag":
        lists = [it for it in inter if it.cause in ("CAUSE-01", "CAUSE-02")]
        if lists:
            it = lists[0]
            out.append(Finding(it.cause, Severity.ERROR, _sentence(f"{it.name} tagged the Subject after signing"),
                               f"{change.description} Fix: {it.fix}.", it.evidence, about=about))
        else:
            gw = [it.name for it in inter if it.cause in ("CAUSE-03", "CAUSE-05")]
            by = f" (likely {gw[0]})" if gw else ""
            out.append(Finding("CAUSE-07", Severity.ERROR, f"A tagging system changed the Subject{by}",
                               f"{change.description} Fix: exempt signed mail from tagging, or tag after "
                               "verification.", change.evidence, about=about))
    elif change.kind in ("refolded", "header-case"):
        out.append(Finding("CAUSE-09", Severity.ERROR, "Header refolding or whitespace change broke c=simple",
                           f"{change.description} Fix: sign with c=relaxed/relaxed.", change.evidence, about=about))
    elif change.kind == "header-added":
        out.append(Finding("CAUSE-10", Severity.ERROR, "A header covered by h= was added in transit",
                           f"{change.description} If h= lists the name more often than it occurred when signing "
                           "(oversigning), this is oversigning doing its job; otherwise the relay added a "
                           "duplicate: remove it at the source.", change.evidence, about=about))
    return out


def analyze_headers(msg: Message, signature_header_value: str, *, public_key: bytes | None,
                    original: Message | None = None) -> HeaderForensics:
    """Check b= of one DKIM-Signature on its own and, when it fails, find the header change
    whose reversal makes it verify again. `public_key` is the key record's p= (base64)."""
    sig = _parse_sig(signature_header_value)
    if isinstance(sig, Finding):
        return HeaderForensics(None, "", (), None, (), (), (), (sig,), "signature cannot be parsed")
    about = _about(sig, msg, signature_header_value)
    signed = tuple(x.strip() for x in sig.tags.get(b"h", b"").decode("latin-1").split(":") if x.strip())
    sig_headers = msg.get_all("DKIM-Signature")
    position = next((i for i, h in enumerate(sig_headers) if h.value == signature_header_value), None)
    sig_index = sig_headers[position].index if position is not None else -1
    # Header-side attribution needs header evidence only; scanning a large body again for
    # links would double the cost of a check for nothing.
    inter = recognise_intermediaries(msg, signature_index=sig_index if position is not None else None,
                                     scan_body=False)
    findings: list[Finding] = []

    for lname in _SINGLETONS:
        dup = msg.get_all(lname)
        if len(dup) > 1:
            findings.append(Finding("CAUSE-10", Severity.ERROR, f"{len(dup)} {dup[0].name} headers",
                                    "A message must carry this header at most once (RFC 5322 §3.6); receivers "
                                    "such as Gmail reject it, and DKIM verifiers hash only the bottom one.",
                                    tuple(f"{h.name}: {shorten(sanitize(h.unfolded, one_line=True), 150)}"
                                          for h in dup),
                                    about=about))
    z_diff = []
    for zname, zvalue in _z_values(sig.tags):
        h = msg.get(zname)
        now = h.raw.split(b":", 1)[1] if h else b""
        if _relaxed_value(zvalue) != _relaxed_value(now):
            z_diff.append((sanitize(zname, one_line=True),
                           sanitize(zvalue.decode("utf-8", "backslashreplace"), one_line=True),
                           sanitize(now.decode("utf-8", "backslashreplace"), one_line=True).strip()))
    if z_diff:
        findings.append(Finding("DKIM-SIG-21", Severity.INFO, "Headers differ from their z= copies",
                                "z= carries the header values as signed; these differ now.",
                                tuple(f"{n}: signed {a!r}, now {b!r}" for n, a, b in z_diff), about=about))

    def done(ok: bool | None, change: ProvenChange | None = None, tried: list[str] | tuple = (),
             error: str = "") -> HeaderForensics:
        return HeaderForensics(ok, sig.header_algo, signed, change, tuple(tried), tuple(z_diff), inter,
                               tuple(findings), error)

    if position is None:
        return done(None, error="this DKIM-Signature is not among the message's headers")
    if not public_key:
        return done(None, error="no public key given: the header signature was not checked")
    verify = _HeaderVerifier(signature_header_value, position, public_key, sig.a)
    result = verify([h.raw for h in msg.headers])
    # As on the body side, the pass/fail verdict is wizard.dkim.verify's CANON-01 finding.
    if result is True:
        return done(True)
    if isinstance(result, str):
        return done(None, error=result)
    tried: list[str] = []
    change = None
    for cand in _header_candidates(msg, verify.include, sig.header_algo, sig_index, sig.tags, original, tried):
        if verify.runs > MAX_HEADER_VERIFIES:
            tried.append(f"stopped after {MAX_HEADER_VERIFIES} re-verifications")
            break
        if verify(cand.fields) is True:
            present = cand.index < len(msg.headers)
            now = msg.headers[cand.index].raw if present else b""
            header = msg.headers[cand.index].name if present else ""
            evidence = ((f"- {visible(cand.before)}",) if cand.before else ()) + (f"+ {visible(now)}",)
            change = ProvenChange(cand.kind, cand.finding_id, cand.description, evidence, cand.index,
                                  now[:MAX_SHOWN_BYTES], cand.before[:MAX_SHOWN_BYTES], len(now), len(cand.before),
                                  sanitize(header, one_line=True))
            break
    if change is not None:
        findings.append(Finding(change.finding_id, Severity.ERROR, change.description,
                                "Proven: with this change undone, b= verifies with the published key.",
                                change.evidence, about=about))
        findings += _header_cause_findings(change, inter, about)
    elif damage := paste_damage(msg):
        findings.append(Finding("EVID-03", Severity.ERROR, "This looks like pasted text; save the original .eml",
                                "Headers copied out of a mail client are refolded and re-encoded, so the header "
                                "signature cannot be re-verified from this copy; the failure says nothing "
                                "about the sender.", damage, about=about))
    else:
        findings.append(Finding("CANON-13", Severity.WARN, "No single header change explains the failure",
                                "None of the reversals tried makes b= verify (see 'tried'). If the body hash "
                                "is OK, check that the published key is the one the signer uses (DKIM-KEY-14).",
                                tuple(tried[:MAX_EVIDENCE_LINES]), about=about))
    return done(False, change, tried)
