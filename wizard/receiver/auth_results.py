"""Authentication-Results and the other trace headers receivers leave (§8, SPF-21, ARC-08).

Parsing is authres's job (`authres.all_features().parse_value`, which knows the dkim, spf,
dmarc, arc, … result classes). Two things authres does not do, and why we add them:

* It throws comments away (`_parse_rfc5322_cfws` discards them; `result_comment` is always
  None after parsing), but the comments carry the receiver's reasons ("body hash did not
  verify", "sender IP is …", Gmail's `arc=pass (i=1 spf=pass …)`). `_segments` below splits
  the value at top-level `;` (outside comments and quoted strings) only to collect each
  result's comments and raw text; authres still does the grammar.
* It rejects Microsoft 365's form without an authserv-id, and it silently merges two results
  written without a `;` between them (OpenDKIM output trimmed by some MTAs). When the value
  as written fails, or yields fewer results than there are `method=result` clauses, we retry
  authres on a repaired value: a placeholder authserv-id, `;` restored between results, stray
  fragments (`; outlook.com;`) dropped. If that fails too, each result is parsed on its own
  so one bad clause does not hide the others. Every repair is reported (AR-02).
"""
from __future__ import annotations

import itertools
import re

import authres
from msgspec import Struct
from msgspec.structs import replace

# The hint table's patterns compile on first use.
from wizard.common.lazy_re import LazyPattern, lazy
from wizard.common.safe_text import shorten
from wizard.input.message import Header, Message
from wizard.model.auth_results import AuthResult as AuthResult
from wizard.model.auth_results import AuthResultsField as AuthResultsField
from wizard.model.auth_results import AuthResultsSet as AuthResultsSet
from wizard.model.auth_results import CommentHint as CommentHint
from wizard.model.auth_results import ReceivedSpf as ReceivedSpf
from wizard.model.findings import Finding, Severity

MAX_FIELDS = 30  # A-R / Received-SPF fields read per message (real mail: a handful)
MAX_VALUE = 4096  # authres re-scans the remaining text per token (quadratic): real values are <2 KB
PLACEHOLDER_ID = "authserv-id.missing.invalid"

# RFC 8601 §2.7 / RFC 7489 §11.2 / RFC 8617 result vocabularies (AR-03).
RESULTS = {
    "dkim": {"none", "pass", "fail", "policy", "neutral", "temperror", "permerror"},
    "spf": {"none", "neutral", "pass", "fail", "softfail", "temperror", "permerror"},
    "iprev": {"pass", "fail", "temperror", "permerror"},
    "auth": {"none", "pass", "fail", "temperror", "permerror"},
    "dmarc": {"pass", "fail", "none", "temperror", "permerror"},
    "arc": {"none", "pass", "fail"},
}
SYNONYMS = {"hardfail": "fail"}  # RFC 5451-era software
KNOWN_METHODS = {
    "auth", "dkim", "domainkeys", "spf", "sender-id", "iprev", "dmarc", "arc", "compauth",
    "bimi", "dkim-adsp", "dkim-atps", "vbr", "smime", "rrvs", "dnswl", "x-tls",
}

# AR-06: receivers' comment strings and the diagnosis each points to; the last column limits
# an entry to some methods (None: any), since "signature failed" means different things for
# dkim and arc.
COMMENT_HINTS: tuple[tuple[LazyPattern, tuple[str, ...], str, frozenset[str] | None], ...] = tuple(
    (lazy(p, re.I), ids, meaning, frozenset(methods) if methods else None)
    for p, ids, meaning, methods in (
        (r"body hash did not verify|does not hash to bh value|body hash mismatch",
         ("CANON-01",), "the body changed after signing", None),
        (r"signature did not verify|bad signature|signature verification failed|verify failed"
         r"|signature failed",
         ("CANON-13", "DKIM-KEY-14"),
         "the header signature did not verify: a signed header changed, or the published key "
         "is not the signing key", ("dkim",)),
        (r"signature did not verify|bad signature|verif\w* failed|signature failed|seal failed",
         ("ARC-04",), "an ARC signature or seal did not verify", ("arc",)),
        (r"no key for signature|key not found", ("DKIM-KEY-01",), "the receiver found no key", None),
        (r"key syntax error|bad key", ("DKIM-KEY-05",), "the published key record is malformed",
         None),
        (r"signature expired", ("DKIM-SIG-16",), "the signature's x= had passed", None),
        (r"\b(\d{3,5})-bit key", ("DKIM-KEY-08",), "the key size the receiver saw", None),
        (r"\bunprotected\b", ("DNS-08",),
         "OpenDKIM: the key record was not DNSSEC-signed (informational)", None),
        (r"message not signed", ("DKIM-SIG-01",), "the message carried no DKIM signature", None),
        (r"sender IP is\s*([0-9A-Fa-f.:]*)", ("EVID-07",), "the SPF client address", None),
    )
)


class _Segment(Struct, frozen=True):
    text: str  # as written, comments included
    bare: str  # comments and quoted strings blanked (same length), for pattern matching
    comments: tuple[str, ...]


def _segments(value: str) -> list[_Segment]:
    """Split at top-level ';', tracking comments (nested) and quoted strings."""
    out: list[_Segment] = []
    text: list[str] = []
    bare: list[str] = []
    comments: list[str] = []
    current: list[str] = []
    depth = 0
    quoted = False
    escaped = False
    for ch in value:
        if escaped:
            escaped = False
            text.append(ch)
            bare.append(" ")
            if depth:
                current.append(ch)
            continue
        if ch == "\\" and (depth or quoted):
            escaped = True
            text.append(ch)
            bare.append(" ")
            continue
        if depth:
            if ch == "(":
                depth += 1
            elif ch == ")":
                depth -= 1
                if depth == 0:
                    comments.append(" ".join("".join(current).split()))
                    current = []
                    text.append(ch)
                    bare.append(" ")
                    continue
            current.append(ch)
            text.append(ch)
            bare.append(" ")
            continue
        if quoted:
            if ch == '"':
                quoted = False
            text.append(ch)
            bare.append(ch if ch == '"' else "x")
            continue
        if ch == "(":
            depth = 1
            text.append(ch)
            bare.append(" ")
            continue
        if ch == '"':
            quoted = True
        if ch == ";":
            out.append(_Segment("".join(text), "".join(bare), tuple(comments)))
            text, bare, comments = [], [], []
            continue
        text.append(ch)
        bare.append(ch)
    if current:  # unclosed comment: keep what we have
        comments.append(" ".join("".join(current).split()))
    out.append(_Segment("".join(text), "".join(bare), tuple(comments)))
    return out


_RESINFO = lazy(r"^\s*([A-Za-z0-9][A-Za-z0-9_-]*)\s*(?:/\s*\d+\s*)?=\s*([^\s;]*)")
_MERGED = lazy(r"(?<=\s)(" + "|".join(sorted(KNOWN_METHODS, key=lambda m: (-len(m), m)))
                     + r")\s*(?:/\s*\d+\s*)?=\s*[A-Za-z]", re.I)
_EXTRA_PROP = lazy(r"(?:^|\s)([A-Za-z][A-Za-z0-9_-]*)\s*=\s*([^\s;]+)")


def _split_merged(seg: _Segment) -> list[_Segment]:
    """A clause holding two `method=result` (a missing ';') becomes two clauses."""
    head = _RESINFO.match(seg.bare)
    after = head.end() if head else 0
    cuts = [m.start() for m in _MERGED.finditer(seg.bare) if m.start() >= after]
    if not cuts:
        return [seg]
    parts = []
    bounds = [0, *cuts, len(seg.text)]
    for start, end in itertools.pairwise(bounds):
        parts.append(_Segment(seg.text[start:end], seg.bare[start:end],
                              tuple(c for c in _segments(seg.text[start:end])[0].comments)))
    return parts


def _hints(comment: str, method: str) -> tuple[CommentHint, ...]:
    found = []
    for pattern, ids, meaning, methods in COMMENT_HINTS:
        if methods is not None and method not in methods:
            continue
        m = pattern.search(comment)
        if m is not None:
            extra = f" ({m.group(1)})" if m.groups() and m.group(1) else ""
            found.append(CommentHint(ids, meaning + extra, m.group(0)))
    return tuple(found)


def _result(parsed, seg: _Segment, authserv_id: str | None, position: int,
            trusted: bool) -> AuthResult:
    method = parsed.method
    m = _RESINFO.match(seg.bare)
    raw_result = seg.text[m.start(2):m.end(2)] if m else parsed.result
    result = SYNONYMS.get(parsed.result, parsed.result)
    props = [(f"{p.type}.{p.name}", str(p.value)) for p in parsed.properties]
    known = {k for k, _ in props}
    # Keys authres drops (ptype not smtp/header/body/policy), e.g. Microsoft's action=.
    for em in _EXTRA_PROP.finditer(seg.bare[m.end():] if m else ""):
        key = em.group(1).lower()
        if key not in ("reason",) and "." not in key and key not in known:
            props.append((key, seg.text[(m.end() if m else 0) + em.start(2):(m.end() if m else 0) + em.end(2)]))
    comment = " | ".join(seg.comments)
    if method == "arc" and seg.comments:
        # Gmail: arc=pass (i=1 spf=pass spfdomain=… dkim=pass dkdomain=… dmarc=pass fromdomain=…)
        for key, value in re.findall(r"(?<![\w-])([\w-]+)=([^\s)]+)", seg.comments[0]):
            props.append((f"arc.{key.lower()}", value))
    notes = []
    if raw_result.lower() != result:
        notes.append(f"written as {raw_result!r}, which means {result!r}")
    if method in RESULTS and result not in RESULTS[method]:
        notes.append(f"{result!r} is not a result RFC 8601 defines for {method}")
    if method == "compauth":
        notes.append("Microsoft's composite verdict (SPF, DKIM, DMARC and its own signals); "
                     "reason codes are shown raw, their meaning is not verified")
    return AuthResult(
        authserv_id=authserv_id, position=position, trusted=trusted, method=method,
        result=result, raw_result=raw_result, properties=tuple(props), comment=comment,
        reason=str(parsed.reason) if getattr(parsed, "reason", None) else None,
        raw=" ".join(seg.text.split()), hints=_hints(comment, method), note="; ".join(notes),
    )


def _authres(value: str) -> list | None:
    try:
        return authres.all_features().parse_value(value).results
    except Exception:  # noqa: BLE001 - authres raises its SyntaxError, ValueError, and more
        return None


def parse_value(value: str, header: Header, *, position: int, trusted: bool) -> AuthResultsField:
    """Parse one Authentication-Results value (also used for ARC-Authentication-Results after
    its i= tag). Never raises."""
    repairs: list[str] = []
    if len(value) > MAX_VALUE:
        repairs.append(f"value cut to its first {MAX_VALUE} characters")
        value = value[:MAX_VALUE]
    value = " ".join(value.split())
    segs = _segments(value)
    first = segs[0]
    authserv_id: str | None
    if _RESINFO.match(first.bare) and not re.match(r"^\s*none\s*$", first.bare):
        authserv_id = None
        clauses = segs
        repairs.append("no authserv-id (Microsoft 365 style): a placeholder was used")
    else:
        words = first.bare.split()
        authserv_id = words[0].lower() if words else None
        if authserv_id is None:
            repairs.append("no authserv-id before the first ';'")
        leftover = words[2:] if len(words) > 1 and words[1].isdigit() else words[1:]
        if leftover:
            repairs.append(f"stray text after the authserv-id dropped: {' '.join(first.text.split()[1:])!r}")
        clauses = segs[1:]
    resinfo: list[_Segment] = []
    fragments: list[str] = []
    unparsed: list[str] = []
    for seg in clauses:
        if not seg.bare.strip() or seg.bare.strip().lower() == "none":
            continue  # "none": no method ran, so there are no results
        m = _RESINFO.match(seg.bare)
        if m is None or "." in m.group(1):
            fragments.append(" ".join(seg.text.split()))
            continue
        parts = _split_merged(seg)
        if len(parts) > 1:
            repairs.append(f"';' missing between results: {' '.join(seg.text.split())!r}")
        resinfo.extend(parts)
    if fragments:
        repairs.append("fragments that are not results dropped: " + ", ".join(repr(u) for u in fragments))
    rebuilt = (authserv_id or PLACEHOLDER_ID) + "; " + (
        "; ".join(s.text.strip() for s in resinfo) if resinfo else "none")
    parsed_results = None
    if authserv_id is not None and not repairs:
        parsed_results = _authres(value)
        if parsed_results is None:
            repairs.append("authres rejected it as written")
        elif len(parsed_results) != len(resinfo):
            repairs.append("authres merged or lost results")
            parsed_results = None
    if parsed_results is None:
        parsed_results = _authres(rebuilt)
    results: list[AuthResult] = []
    if parsed_results is not None and len(parsed_results) == len(resinfo):
        pairs = list(zip(parsed_results, resinfo))
    else:
        repairs.append("parsed clause by clause")
        pairs = []
        for seg in resinfo:
            one = _authres(f"{PLACEHOLDER_ID}; {seg.text.strip()}") or []
            if len(one) == 1:
                pairs.append((one[0], seg))
            else:
                unparsed.append(" ".join(seg.text.split()))
    for parsed, seg in pairs:
        results.append(_result(parsed, seg, authserv_id, position, trusted))
    return AuthResultsField(position, header, authserv_id, trusted, tuple(results),
                            tuple(repairs), tuple(unparsed))


def parse_received_spf(header: Header, position: int) -> ReceivedSpf:
    """RFC 7208 §9.1: `result (comment) key=value; …`. No library parses it (pyspf only
    writes it), so this reads the three parts with the same comment-aware splitter."""
    value = " ".join(header.unfolded.split())[:MAX_VALUE]
    segs = _segments(value)
    m = re.match(r"\s*([A-Za-z]+)", segs[0].bare)
    raw_result = m.group(1) if m else ""
    comment = segs[0].comments[0] if segs[0].comments else ""
    pairs = []
    for n, seg in enumerate(segs):
        bare = seg.bare[m.end():] if n == 0 and m else seg.bare
        offset = m.end() if n == 0 and m else 0
        for pm in re.finditer(r"(?<![\w-])([A-Za-z][\w-]*)\s*=\s*(\S+)", bare):
            raw = seg.text[offset + pm.start(2):offset + pm.end(2)]
            pairs.append((pm.group(1).lower(), raw.strip('"')))
    get = dict(pairs).get
    client = get("client-ip")
    if client is None:
        cm = re.search(r"designates ([0-9A-Fa-f.:]+) as", comment)
        client = cm.group(1) if cm else None
    result = SYNONYMS.get(raw_result.lower(), raw_result.lower())
    return ReceivedSpf(position, header, result, raw_result, comment, tuple(pairs), client,
                       get("envelope-from"), get("helo"))


def _trusted_positions(msg: Message, fields: list[Header], ids: list[str | None]) -> set[int]:
    """AR-01: the top-most A-R, plus those with the same authserv-id added at the same hop
    (no Received field between them)."""
    if not fields:
        return set()
    received = [h.index for h in msg.get_all("Received")]
    top = fields[0].index
    trusted = {0}
    for n in range(1, len(fields)):
        between = any(top < r < fields[n].index for r in received)
        if ids[n] == ids[0] and not between:
            trusted.add(n)
    return trusted


_OTHER_TRACE = {
    "x-ms-exchange-organization-authas": "Microsoft: how Exchange classified the sender "
                                         "(Internal, Anonymous, …)",
    "x-forefront-antispam-report": "Microsoft filtering verdict (SFV: spam filter verdict, "
                                   "CAT: category)",
    "x-google-dkim-signature": "Google-internal signature; not used for DMARC",
}
_ORIGINAL = ("x-original-authentication-results", "authentication-results-original")


def parse_auth_results(msg: Message) -> AuthResultsSet:
    """Read every A-R (top-most first), Received-SPF and related trace header. Never raises."""
    every = msg.get_all("Authentication-Results")
    headers = every[:MAX_FIELDS]
    raw_ids = []
    pre = []
    for n, h in enumerate(headers):
        field = parse_value(h.unfolded, h, position=n, trusted=False)
        pre.append(field)
        raw_ids.append(field.authserv_id)
    trusted_set = _trusted_positions(msg, headers, raw_ids)
    fields = []
    for n, field in enumerate(pre):
        trusted = n in trusted_set
        fields.append(replace(field, trusted=trusted,
                              results=tuple(replace(r, trusted=trusted) for r in field.results)))
    results = tuple(r for f in fields for r in f.results)
    original: list[AuthResult] = []
    for n, h in enumerate([x for x in msg.headers if x.name.lower() in _ORIGINAL][:MAX_FIELDS]):
        original.extend(parse_value(h.unfolded, h, position=n, trusted=False).results)
    spf = tuple(parse_received_spf(h, n) for n, h in enumerate(msg.get_all("Received-SPF")[:MAX_FIELDS]))
    findings = _findings(msg, fields, tuple(original), spf)
    if len(every) > MAX_FIELDS:
        findings.append(Finding("AR-01", Severity.WARN,
                                f"Only the top-most {MAX_FIELDS} of {len(every)} "
                                "Authentication-Results fields were read",
                                "No real message has this many; the rest are ignored (the "
                                "receiver's own field is the top-most one anyway).",
                                about="Authentication-Results"))
    return AuthResultsSet(tuple(fields), results, tuple(original), spf, tuple(findings))


def _ev(h: Header) -> str:
    return f"{h.name}:{shorten(h.value, 500)}"


def _findings(msg: Message, fields: list[AuthResultsField], original: tuple[AuthResult, ...],
              spf: tuple[ReceivedSpf, ...]) -> list[Finding]:
    out: list[Finding] = []
    if not fields:
        aar = len(msg.get_all("ARC-Authentication-Results"))
        extra = (f" The message has {aar} ARC-Authentication-Results field(s): they show what "
                 "forwarding hops saw." if aar else "")
        out.append(Finding("AR-11", Severity.INFO, "No Authentication-Results",
                           "The receiver did not add one, or the copy was stripped; there is no "
                           "receiver verdict, so re-verification is the only evidence." + extra,
                           about="Authentication-Results"))
    else:
        top = fields[0]
        rows = tuple(f"#{f.position} {'trusted' if f.trusted else 'earlier hop'} "
                     f"authserv-id={f.authserv_id or '(none)'}: {shorten(' '.join(f.header.value.split()), 200)}"
                     for f in fields)
        out.append(Finding("AR-01", Severity.INFO,
                           f"Receiver verdict from {top.authserv_id or 'the top-most A-R (no authserv-id)'}",
                           "The top-most Authentication-Results is the one the final receiver "
                           "added; lower ones are claims by earlier hops (RFC 8601 §5).",
                           rows, about="Authentication-Results"))
        for f in fields:
            if not f.trusted and f.authserv_id and f.authserv_id == top.authserv_id:
                out.append(Finding("AR-01", Severity.WARN,
                                   f"An earlier A-R claims the receiver's name {f.authserv_id}",
                                   "It sits below other hops' Received fields, so the receiver "
                                   "did not add it here: an earlier hop or the sender did "
                                   "(possibly forged). It is ignored.",
                                   (_ev(f.header),), about="Authentication-Results"))
    for f in fields:
        if f.repairs or f.unparsed:
            out.append(Finding("AR-02", Severity.INFO,
                               f"Authentication-Results #{f.position} is not standard syntax",
                               "Read anyway: " + "; ".join(f.repairs)
                               + (". Could not read: " + ", ".join(repr(u) for u in f.unparsed)
                                  if f.unparsed else "."),
                               (_ev(f.header),), about="Authentication-Results"))
    for r in (r for f in fields for r in f.results):
        ev = (r.raw,)
        if r.note and r.method != "compauth":
            out.append(Finding("AR-03", Severity.INFO, f"{r.method}={r.raw_result}: {r.note}",
                               "Results are shown normalised; the raw text is kept.", ev,
                               about="Authentication-Results"))
        if not r.trusted:
            continue
        if r.method == "dkim" and r.result == "policy":
            out.append(Finding("AR-04", Severity.WARN, "dkim=policy: verified but not accepted",
                               "The signature verified, but the receiver's policy refused it: "
                               "typical for rsa-sha1 (DKIM-SIG-05), short keys (DKIM-KEY-08) or "
                               "l= (DKIM-SIG-14).", ev, about="Authentication-Results"))
        if r.method == "dkim" and r.result == "neutral":
            out.append(Finding("AR-05", Severity.INFO, "dkim=neutral",
                               "The receiver could not process the signature; Gmail uses neutral "
                               "with 'body hash did not verify' for a changed body.", ev,
                               about="Authentication-Results"))
        for hint in r.hints:
            out.append(Finding("AR-06", Severity.INFO, f"{r.method}={r.result} ({hint.quoted})",
                               f"The receiver's comment means {hint.meaning} → "
                               + ", ".join(hint.ids) + ".", ev, about="Authentication-Results"))
        if r.method == "compauth":
            out.append(Finding("AR-07", Severity.INFO,
                               f"Microsoft compauth={r.raw_result}"
                               + (f" reason={r.reason}" if r.reason else ""),
                               r.note + ". Reason 000 is said to mean an explicit DMARC fail, "
                               "001 an implicit (non-DMARC) fail (not verified).", ev,
                               about="Authentication-Results"))
        if r.method == "dmarc" and r.prop("action"):
            out.append(Finding("AR-07", Severity.INFO, f"dmarc={r.result} action={r.prop('action')}",
                               "Microsoft's action= says what the tenant did with the DMARC "
                               "result (oreject: the reject policy was overridden; not verified).",
                               ev, about="Authentication-Results"))
        if r.method == "arc":
            details = ", ".join(f"{k[4:]}={v}" for k, v in r.properties if k.startswith("arc."))
            out.append(Finding("ARC-08", Severity.INFO if r.result != "fail" else Severity.WARN,
                               f"Receiver's ARC verdict: arc={r.result}",
                               ("What the receiver saw of the ARC chain"
                                + (f": {details}" if details else "") + ". ")
                               + ("A failed chain: check each ARC set (ARC-04)." if r.result == "fail"
                                  else ""), ev, about="ARC"))
    for s in spf:
        out.append(Finding("SPF-21", Severity.INFO,
                           f"Received-SPF #{s.position}: {s.result}"
                           + (f" for {s.client_ip}" if s.client_ip else ""),
                           "An SPF result recorded by a receiving hop"
                           + "".join(f"; {k} {v}" for k, v in (("envelope-from", s.envelope_from),
                                                               ("HELO", s.helo)) if v)
                           + (f". Comment: {s.comment}" if s.comment else "") + ".",
                           (_ev(s.header),), about="Received-SPF"))
    if original:
        out.append(Finding("AR-10", Severity.INFO, "Original authentication results kept by a forwarder",
                           "X-Original-Authentication-Results (Google Groups, some forwarders) "
                           "records what the first receiver saw before forwarding: "
                           + "; ".join(f"{r.method}={r.result}" for r in original) + ".",
                           tuple(r.raw for r in original), about="Authentication-Results"))
    for name, gloss in _OTHER_TRACE.items():
        h = msg.get(name)
        if h is not None:
            out.append(Finding("AR-10", Severity.INFO, f"{h.name} present", gloss + ".",
                               (_ev(h),), about="trace headers"))
    return out
