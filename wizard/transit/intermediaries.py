"""Intermediaries that change mail after it was signed: link-rewriting gateways, lists,
disclaimer services, Exchange (diagnoses.md CAUSE-01…10, CANON-12).

Two jobs: undo the URL wrappers whose format carries the original link (so forensics can
re-hash the body and *prove* the rewrite broke bh=), and recognise the intermediaries a
message passed through from its headers, Received hosts and links, so a failure can be
attributed ("links were rewritten by Microsoft Safe Links after signing").
"""
from __future__ import annotations

import base64
import binascii
import re
import string
from collections.abc import Callable
from urllib.parse import unquote

from msgspec import Struct

from wizard.common.safe_text import sanitize, shorten
from wizard.input.message import Message
from wizard.model.transit import Intermediary as Intermediary

# Characters that end a URL in text or HTML attributes.
_STOP = r"""[^\s"'<>]"""
_PARAM_TAIL = rf"(?:&(?:amp;)?[A-Za-z]+={_STOP.replace(']', '&]')}*)*"


def _unquote_bytes(value: str) -> str:
    return unquote(value, errors="strict")


def _decode_proofpoint_v2(m: re.Match[str]) -> str | None:
    # v2 encodes the URL as percent-encoding with '%' written '-' and '/' written '_'.
    return _unquote_bytes(m.group("u").replace("-", "%").replace("_", "/"))


_V3_RUNS = {c: i + 2 for i, c in enumerate(string.ascii_uppercase + string.ascii_lowercase + string.digits + "-_")}
_V3_TOKEN = re.compile(r"\*(\*.)?")


def _decode_proofpoint_v3(m: re.Match[str]) -> str | None:
    # v3 keeps the URL readable; characters it cannot keep are replaced by '*' (or '**X' for
    # a run whose length X encodes) and carried, in order, in the base64url block after ';'.
    enc = m.group("enc")
    try:
        chars = base64.urlsafe_b64decode(enc + "=" * (-len(enc) % 4)).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    pos = 0

    def put(token: re.Match[str]) -> str:
        nonlocal pos
        run = 1 if token.group(1) is None else _V3_RUNS.get(token.group(1)[1], 1)
        piece = chars[pos : pos + run]
        pos += run
        return piece

    url = _V3_TOKEN.sub(put, m.group("url"))
    return url if pos == len(chars) else None


def _decode_param(m: re.Match[str]) -> str | None:
    return _unquote_bytes(m.group("u"))


def _decode_sophos(m: re.Match[str]) -> str | None:
    raw = unquote(m.group("u"))
    try:
        return base64.b64decode(raw + "=" * (-len(raw) % 4), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None


class UrlWrapper(Struct, frozen=True):
    name: str
    needle: bytes  # lower-case literal every wrapped link contains: a fast pre-filter
    cause: str  # diagnoses.md CAUSE id the wrapper belongs to
    pattern: re.Pattern[str]
    decode: Callable[[re.Match[str]], str | None] | None  # None: the link is an opaque id


def _p(regex: str) -> re.Pattern[str]:
    return re.compile(regex, re.IGNORECASE)


WRAPPERS: tuple[UrlWrapper, ...] = (
    UrlWrapper(
        "Proofpoint URL Defense v3", b"urldefense",
        "CAUSE-03",
        _p(rf"https?://urldefense(?:\.proofpoint)?\.com/v3/__(?P<url>.+?)__;(?P<enc>[A-Za-z0-9_-]*)!{_STOP}*?\$"),
        _decode_proofpoint_v3,
    ),
    UrlWrapper(
        "Proofpoint URL Defense v2", b"urldefense.proofpoint.com/v2/",
        "CAUSE-03",
        _p(rf"https?://urldefense\.proofpoint\.com/v2/url\?u=(?P<u>[A-Za-z0-9._~!$'()*+,;=:@/-]+){_PARAM_TAIL}"),
        _decode_proofpoint_v2,
    ),
    UrlWrapper(
        "Proofpoint URL Defense v1", b"urldefense.proofpoint.com/v1/",
        "CAUSE-03",
        _p(rf"https?://urldefense\.proofpoint\.com/v1/url\?u=(?P<u>[^&\s\"'<>]+){_PARAM_TAIL}"),
        _decode_param,
    ),
    UrlWrapper(
        "Microsoft Safe Links", b"safelinks.protection.outlook.com",
        "CAUSE-04",
        _p(rf"https?://[a-z0-9-]+\.safelinks\.protection\.outlook\.com/?\?url=(?P<u>[^&\s\"'<>]+){_PARAM_TAIL}"),
        _decode_param,
    ),
    UrlWrapper(
        "Barracuda Link Protection", b"linkprotect.cudasvc.com",
        "CAUSE-05",
        _p(rf"https?://linkprotect\.cudasvc\.com/url\?a=(?P<u>[^&\s\"'<>]+){_PARAM_TAIL}"),
        _decode_param,
    ),
    UrlWrapper(
        "Cisco Secure Email (URL rewriting)", b"secure-web.cisco.com",
        "CAUSE-05",
        _p(r"https?://secure-web\.cisco\.com/[A-Za-z0-9_-]+/(?P<u>https?%3A[^\s\"'<>]+)"),
        _decode_param,
    ),
    UrlWrapper(
        "Sophos Time-of-Click", b"protection.sophos.com",
        "CAUSE-05",
        _p(r"https?://[a-z0-9.-]*protection\.sophos\.com/?\?d=[^&\s\"'<>]+&(?:amp;)?"
           rf"u=(?P<u>[^&\s\"'<>]+){_PARAM_TAIL}"),
        _decode_sophos,
    ),
    UrlWrapper(
        "Trend Micro Time-of-Click", b"trendmicro.com",
        "CAUSE-05",
        _p(r"https?://[a-z0-9.-]+\.trendmicro\.com(?::443)?/wis/clicktime/v1/query"
           rf"\?url=(?P<u>[^&\s\"'<>]+){_PARAM_TAIL}"),
        _decode_param,
    ),
    UrlWrapper(
        "Symantec Click-time URL Protection", b"clicktime.symantec.com",
        "CAUSE-05",
        _p(rf"https?://clicktime\.symantec\.com/[A-Za-z0-9]+/?\?u=(?P<u>[^&\s\"'<>]+){_PARAM_TAIL}"),
        _decode_param,
    ),
    UrlWrapper(
        "Mimecast URL Protect", b".mimecast.com/s/",
        "CAUSE-05",
        _p(rf"https?://protect-[a-z0-9-]+\.mimecast\.com/s/[A-Za-z0-9_-]+(?:\?domain={_STOP}*)?"),
        None,  # the link is a database id at Mimecast: the original URL is not in the message
    ),
)


class Unwrapped(Struct, frozen=True):
    """The result of undoing one wrapper throughout a body."""

    wrapper: UrlWrapper
    body: bytes
    count: int  # links undone
    examples: tuple[tuple[str, str], ...]  # (wrapped, original) pairs, first few


def wrappers_present(body: bytes) -> list[UrlWrapper]:
    """Wrappers whose host appears in `body` (a substring test; the regex runs only on these)."""
    lowered = body.lower()
    return [w for w in WRAPPERS if w.needle in lowered]


def find_wrapped(body: bytes) -> dict[str, int]:
    """How many links of each wrapper appear in `body` (wrapper name → count)."""
    text = body.decode("latin-1")
    found = {}
    for w in wrappers_present(body):
        n = sum(1 for _ in w.pattern.finditer(text))
        if n:
            found[w.name] = n
    return found


def unwrap(body: bytes, wrapper: UrlWrapper) -> Unwrapped | None:
    """Replace every link of `wrapper` in `body` by the link it wraps.

    Works on latin-1 text so every byte round-trips; decoded URLs are UTF-8 and are written
    back as UTF-8 bytes. Returns None when the wrapper is opaque or no link decodes."""
    if wrapper.decode is None:
        return None
    text = body.decode("latin-1")
    examples: list[tuple[str, str]] = []
    count = 0

    def repl_match(m: re.Match[str]) -> str:
        nonlocal count
        original = _safe_decode(wrapper, m)
        if original is None:
            return m.group()
        count += 1
        if len(examples) < 3:
            examples.append((m.group(), original))
        return original.encode("utf-8").decode("latin-1")

    new = wrapper.pattern.sub(repl_match, text)
    if not count:
        return None
    return Unwrapped(wrapper, new.encode("latin-1"), count, tuple(examples))


def _safe_decode(wrapper: UrlWrapper, m: re.Match[str]) -> str | None:
    try:
        return wrapper.decode(m) if wrapper.decode else None
    except (UnicodeDecodeError, ValueError):
        return None


# --- intermediaries ---------------------------------------------------------------------

_FIX_LIST = ("list owner: stop adding footers and subject tags, or rewrite From for DMARC-strict "
             "domains and ARC-seal; the author has nothing to fix in DNS")
_FIX_GATEWAY = ("have the gateway's admin exempt DKIM-signed mail (or verify before rewriting); "
                "if the gateway is on the sending side, sign after it; ARC-seal at the gateway")
_FIX_DISCLAIMER = "sign after the disclaimer/signature service, or add the disclaimer before signing"
_FIX_EXCHANGE = ("sign at the last hop (Microsoft 365 DKIM or a gateway after Exchange) and send "
                 "7-bit-safe MIME")

# (cause, name, header-name regex, header-value regex or None, changes, fix)
_HEADER_SIGNS: tuple[tuple[str, str, str, str | None, str, str], ...] = (
    ("CAUSE-02", "Google Groups", r"x-google-group-id|x-original-sender", None,
     "adds a footer and may rewrite From and Subject", _FIX_LIST),
    ("CAUSE-02", "Google Groups", r"mailing-list", r"googlegroups\.com", "adds a footer", _FIX_LIST),
    ("CAUSE-01", "mailing list", r"list-id|list-post|list-unsubscribe|x-mailman-version|x-beenthere", None,
     "adds a footer and a [list] subject tag", _FIX_LIST),
    ("CAUSE-01", "mailing list", r"precedence", r"^\s*(list|bulk)\b", "adds a footer", _FIX_LIST),
    ("CAUSE-01", "mailing list", r"sender", r"-bounces@", "adds a footer", _FIX_LIST),
    ("CAUSE-03", "Proofpoint", r"x-proofpoint-.*", None, "rewrites links (URL Defense), tags subjects",
     _FIX_GATEWAY),
    ("CAUSE-05", "Mimecast", r"x-mimecast-.*", None, "rewrites links, adds banners", _FIX_GATEWAY),
    ("CAUSE-05", "Barracuda", r"x-barracuda-.*", None, "rewrites links, tags subjects", _FIX_GATEWAY),
    ("CAUSE-05", "Cisco Secure Email (IronPort)", r"x-ironport-.*", None, "rewrites links, tags subjects",
     _FIX_GATEWAY),
    ("CAUSE-05", "Sophos", r"x-sophos-.*", None, "rewrites links, adds banners", _FIX_GATEWAY),
    ("CAUSE-06", "Exclaimer", r"x-exclaimerhostedsignatures-.*|x-exclaimer-.*", None,
     "appends signatures/disclaimers", _FIX_DISCLAIMER),
    ("CAUSE-06", "CodeTwo", r"x-codetwo.*", None, "appends signatures/disclaimers", _FIX_DISCLAIMER),
    ("CAUSE-08", "Microsoft Exchange / Microsoft 365", r"x-ms-exchange-.*|x-ms-has-attach|x-ms-tnef-correlator",
     None, "re-encodes the body (8bit → quoted-printable/base64) and rebuilds MIME", _FIX_EXCHANGE),
)

# Received "by"/"from" host suffixes of the same systems.
_HOST_SIGNS: tuple[tuple[str, str, str, str, str], ...] = (
    ("CAUSE-03", "Proofpoint", r"pphosted\.com", "rewrites links (URL Defense)", _FIX_GATEWAY),
    ("CAUSE-05", "Mimecast", r"mimecast\.com", "rewrites links, adds banners", _FIX_GATEWAY),
    ("CAUSE-05", "Barracuda", r"cudasvc\.com|barracudanetworks\.com", "rewrites links", _FIX_GATEWAY),
    ("CAUSE-05", "Cisco Secure Email (IronPort)", r"iphmx\.com", "rewrites links", _FIX_GATEWAY),
    ("CAUSE-05", "Sophos", r"hydra\.sophos\.com", "rewrites links", _FIX_GATEWAY),
    ("CAUSE-06", "Exclaimer", r"exclaimer\.net", "appends signatures/disclaimers", _FIX_DISCLAIMER),
    ("CAUSE-06", "CodeTwo", r"codetwo\.(?:online|com)", "appends signatures/disclaimers", _FIX_DISCLAIMER),
    ("CAUSE-08", "Microsoft Exchange / Microsoft 365", r"(?:prod|protection)\.outlook\.com",
     "re-encodes the body and rebuilds MIME", _FIX_EXCHANGE),
)


def _evidence(line: str) -> str:
    return shorten(sanitize(line, one_line=True), 160)


def recognise_intermediaries(msg: Message, *, signature_index: int | None = None,
                             scan_body: bool = True) -> tuple[Intermediary, ...]:
    """Every known intermediary visible in the message.

    `signature_index` is the header index of the DKIM-Signature under study: Received fields
    above it were added after signing (trace fields are prepended, RFC 5321 §4.4). With
    `scan_body`, rewritten links in the body count as evidence too."""
    found: dict[tuple[str, str], dict] = {}

    def add(cause: str, name: str, line: str, after: bool | None, changes: str, fix: str) -> None:
        entry = found.setdefault((cause, name), {"ev": [], "after": None, "changes": changes, "fix": fix})
        if len(entry["ev"]) < 4:
            entry["ev"].append(_evidence(line))
        if after is not None:
            entry["after"] = bool(entry["after"]) or after

    for h in msg.headers:
        lname = h.name.lower()
        for cause, name, hre, vre, changes, fix in _HEADER_SIGNS:
            if re.fullmatch(hre, lname) and (vre is None or re.search(vre, h.unfolded, re.I)):
                add(cause, name, f"{h.name}: {h.unfolded}", None, changes, fix)
                break
        if lname == "received":
            hosts = " ".join(re.findall(r"\b(?:from|by)\s+([^\s;()]+)", h.unfolded, re.I))
            after = None if signature_index is None else h.index < signature_index
            for cause, name, hre, changes, fix in _HOST_SIGNS:
                if re.search(rf"(?:^|[.\s]){hre}(?:$|\s)", hosts, re.I):
                    add(cause, name, f"Received: {h.unfolded}", after, changes, fix)
    if scan_body and msg.body:
        text = msg.body.decode("latin-1")
        for w in wrappers_present(msg.body):
            m = w.pattern.search(text)
            if m:
                what = "rewrites links" + ("" if w.decode else " (opaque ids: original URLs not recoverable)")
                add(w.cause, w.name, m.group(), None, what, _FIX_GATEWAY)
    return tuple(
        Intermediary(cause, name, tuple(e["ev"]), e["after"], e["changes"], e["fix"])
        for (cause, name), e in found.items()
    )


# Subject tags added by gateways and lists (CAUSE-07, CAUSE-01): each regex matches the tag
# plus the whitespace that joins it to the original subject.
SUBJECT_TAGS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("bracketed prefix tag", re.compile(r"^(\s*)((?:re|fwd?|aw|sv)\s*:\s*)?\[[^\]\r\n]{1,40}\][ \t]*", re.I)),
    ("*** … *** prefix tag", re.compile(r"^(\s*)()\*{2,3}[^*\r\n]{1,40}\*{2,3}[ \t]*")),
    ("EXTERNAL: prefix", re.compile(r"^(\s*)()(?:EXTERNAL|EXT|SPAM|SUSPICIOUS)\s*[:\-][ \t]*", re.I)),
    ("(EXTERNAL) prefix", re.compile(r"^(\s*)()\((?:EXTERNAL|EXT|SPAM|SUSPICIOUS)\)[ \t]*", re.I)),
    ("bracketed suffix tag", re.compile(r"(?<![ \t])[ \t]*\[[^\]\r\n]{1,40}\](\s*)$")),
)


def strip_subject_tag(value: str) -> list[tuple[str, str, str]]:
    """Candidate original Subject values: (tag description, tag text, value without it)."""
    out = []
    for label, pattern in SUBJECT_TAGS:
        m = pattern.search(value)
        if not m:
            continue
        if label == "bracketed suffix tag":
            out.append((label, m.group().strip(), value[: m.start()] + m.group(1)))
        else:
            keep = m.group(1) + (m.group(2) or "")
            tag = m.group()[len(keep) :].strip()
            out.append((label, tag, keep + value[m.end() :]))
    return out
