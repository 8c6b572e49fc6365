"""The fuzz harness: real inputs (the bundled scenarios and ../shared/data/bounces), mutated,
run through the whole analysis and all three renderers, with what must always hold checked.

Used by tests/fuzz/test_fuzz.py (a short derandomized hypothesis run in the normal suite) and
by scripts/fuzz_long.py (>= 100,000 inputs). Both drive the same mutators with a
`random.Random`: hypothesis hands one it controls (`st.randoms`), the long run seeds its own,
so a reproducer found by either is the same kind of file.

No network: a scenario is answered by its own zone files (wizard.dns.ZoneFileResolver, in
process), which REFUSE every name outside them at once; a bounce gets a zone resolver with
no zones, or no resolver at all (offline).
"""
from __future__ import annotations

import asyncio
import base64
import json
import random
import re
import time
import traceback
import unicodedata
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from pathlib import Path

import jsonschema

from wizard.dns import ZoneFileResolver
from wizard.input.classify import UnreadableInput
from wizard.model.request import AnalysisRequest
from wizard.output.json import report_to_json
from wizard.output.markdown import render_markdown
from wizard.output.schema import schema_json
from wizard.output.text import render_text
from wizard.pipeline.analyze import analyze
from wizard.scenarios import list_scenarios
from wizard.verdict import judge

ROOT = Path(__file__).resolve().parents[2]
BOUNCES = ROOT.parent / "shared" / "data" / "bounces"
BOUNCE_NOW = datetime(2026, 12, 1, tzinfo=UTC)  # a fixed clock: the same input, the same report


@dataclass(frozen=True)
class Seed:
    name: str
    raw: bytes
    zone_paths: tuple[Path, ...] = ()
    now: datetime = BOUNCE_NOW
    ip: str | None = None
    mail_from: str | None = None
    helo: str | None = None


@cache
def seeds() -> tuple[Seed, ...]:
    found = [Seed(s.name, s.read(), s.zone_paths, s.now, s.ip, s.mail_from, s.helo)
             for s in list_scenarios()]
    found += [Seed(p.stem, p.read_bytes()) for p in sorted(BOUNCES.glob("*.eml"))]
    return tuple(found)


@cache
def _resolver(zone_paths: tuple[Path, ...]) -> ZoneFileResolver:
    return ZoneFileResolver(zone_paths)


@cache
def _validator() -> jsonschema.Draft202012Validator:
    """The schema `mailtriage schema` publishes, generated from the model as it is: whether
    the committed copy (schema/report.schema.json) is current is test_schema.py's check, so a
    model change in progress does not turn every fuzz input into a failure."""
    return jsonschema.Draft202012Validator(json.loads(schema_json()))


# --- mutators: each takes the input and a Random and returns new bytes -------------------

_HEADER_END = re.compile(rb"\r?\n\r?\n")
_HEADER_LINE = re.compile(rb"^[^ \t\r\n][^\r\n]*(?:\r?\n[ \t][^\r\n]*)*\r?\n?", re.M)

ODD_TEXT = [
    "\x00", "\x1b[31m", "\x1b]52;c;aGk=\x07", "\x9b", "\x7f", "\x0b", "\x0c", "\r", "\u202e",
    "\u2066", "\u2069", "\u061c", "\u2060", "\u2028", "\u2029", "\u00ad", "\u200b", "\ufeff",
    "\U000e0041\U000e0042", "\U000e007f", "\u0301\u0301\u0301", "\U0001f4e7", "\ud7ff", "\ufffd",
    "é", "ß", "İ", "\u3000", "[@click=app.quit]", "[b]x[/b]", "```", "~~~", "<script>", "](x)",
    "=?utf-8?b?4oCu?=", "=?x?q?=1b?=", "%s%n", "{0}", "\\", '"', "<", ">", ";", ",", "@", "(",
    ")", ":", "=", "==", "=40", "=2E", "\t", " ",
]
ODD_BYTES = [b"\xff", b"\xc0\xaf", b"\xed\xa0\x80", b"\xe2\x80", b"\x80", b"\xf4\x90\x80\x80",
             b"\x00", b"\r", b"\n", b"\r\n", b"\n\r", b"\r\r\n"]
HEADER_NAMES = [
    "From", "Sender", "To", "Subject", "Date", "Message-ID", "Return-Path", "Received",
    "Authentication-Results", "ARC-Seal", "ARC-Message-Signature", "ARC-Authentication-Results",
    "DKIM-Signature", "Content-Type", "Content-Transfer-Encoding", "MIME-Version",
    "X-Failed-Recipients", "Final-Recipient", "Original-Recipient", "Status",
    "Diagnostic-Code", "Action", "Reporting-MTA", "Received-SPF", "List-Id", "X-Mailer",
]
FROM_VALUES = [
    "<alice@a;id.example.test>", "alice@", "@example.com", "a@b@c", "\"x\" <>", "<<a@b.c>>",
    "a@example.com, b@example.net", "undisclosed-recipients:;", "=?utf-8?q?=E2=80=AE?= <a@b.c>",
    "a@[127.0.0.1]", "a@xn--nxasmq6b.example", "a@exa mple.com", "a@" + "x." * 200 + "com",
    "(((((((((((((((((((((((((a@b.c", "\"" * 50, "a@-bad-.com", "a@example.com.",
]
DKIM_TAGS = ["v", "a", "b", "bh", "c", "d", "h", "i", "l", "q", "s", "t", "x", "z", "xx", "",
             "V", " d", "d ", "b\t"]
DKIM_VALUES = [
    "", "1", "2", "rsa-sha256", "ed25519-sha256", "rsa-sha1", "relaxed/relaxed", "simple",
    "relaxed/", "/", "foo/bar:dns/txt", "dns/txt", "example.com", "example.com.", "Example.COM",
    "@", "user@example.com", "user=40example.com", "user@sub.example.com", "@sub.example.com",
    "x", "from:to:subject", "from", "from:from:from", ":", "100000000000", "1000000000000",
    "-1", "99999999999999999999", "0", "1700000000", "AAAA", "!!!!", "a" * 300,
    base64.b64encode(b"\x00" * 32).decode(), base64.b64encode(bytes(256)).decode() + "=",
    "a b\r\n c", "=?", "=XX", "selector", "s1._domainkey", "..", "a..b", "\u00e9",
]


def _split(data: bytes) -> tuple[bytes, bytes]:
    match = _HEADER_END.search(data)
    if match is None:
        return data, b""
    return data[: match.end()], data[match.end():]


def _headers(head: bytes) -> list[bytes]:
    return [m.group() for m in _HEADER_LINE.finditer(head) if m.group().strip()]


def _newline(data: bytes) -> bytes:
    return b"\r\n" if b"\r\n" in data[:2000] else b"\n"


def flip_bytes(data: bytes, rnd: random.Random) -> bytes:
    if not data:
        return bytes([rnd.randrange(256)])
    out = bytearray(data)
    for _ in range(rnd.randint(1, 8)):
        i = rnd.randrange(len(out))
        out[i] = rnd.randrange(256) if rnd.random() < 0.5 else out[i] ^ (1 << rnd.randrange(8))
    return bytes(out)


def duplicate_header(data: bytes, rnd: random.Random) -> bytes:
    head, body = _split(data)
    lines = _headers(head)
    if not lines:
        return data
    pick = rnd.choice(lines)
    copies = rnd.choice([1, 1, 2, 5, 60])
    return head.replace(pick, pick * (copies + 1), 1) + body


def remove_header(data: bytes, rnd: random.Random) -> bytes:
    head, body = _split(data)
    lines = _headers(head)
    if not lines:
        return data
    return head.replace(rnd.choice(lines), b"", 1) + body


def fold_header(data: bytes, rnd: random.Random) -> bytes:
    head, body = _split(data)
    lines = _headers(head)
    if not lines:
        return data
    pick = rnd.choice(lines)
    nl = _newline(data)
    fold = rnd.choice([nl + b" ", nl + b"\t", b"\n ", b"\r\n\t", nl + b"  " * 40, nl])
    parts = pick.split(b" ")
    if rnd.random() < 0.2:  # one header folded over many lines
        folded = (fold.join(parts)).rstrip(b"\r\n") + (fold + b"x") * rnd.choice([100, 5000]) + nl
    else:
        folded = b"".join(p + (fold if rnd.random() < 0.4 else b" ") for p in parts[:-1]) + parts[-1]
    return head.replace(pick, folded, 1) + body


def truncate(data: bytes, rnd: random.Random) -> bytes:
    return data[: rnd.randrange(len(data) + 1)] if data else data


def huge_value(data: bytes, rnd: random.Random) -> bytes:
    size = rnd.choice([1000, 5000, 20000, 80000])
    filler = rnd.choice([b" ", b"0", b"a", b"=", b";", b"(", b"<", b"a@", b"\t", b"=40", b"x.",
                         b"\xe2\x80\xae", b"]", b"`"]) * (size // 2)
    name = rnd.choice(HEADER_NAMES).encode()
    nl = _newline(data)
    where = rnd.random()
    if where < 0.2:
        return filler + nl + data  # a huge first line (input classification)
    if where < 0.4:
        head, body = _split(data)
        return head + body + filler
    return name + b": " + filler + nl + data


def odd_unicode(data: bytes, rnd: random.Random) -> bytes:
    out = data
    for _ in range(rnd.randint(1, 6)):
        piece = (rnd.choice(ODD_TEXT).encode("utf-8", "surrogatepass") if rnd.random() < 0.7
                 else rnd.choice(ODD_BYTES))
        i = rnd.randrange(len(out) + 1)
        out = out[:i] + piece + out[i:]
    return out


def line_endings(data: bytes, rnd: random.Random) -> bytes:
    lines = re.split(rb"\r\n|\n|\r", data)
    ends = [b"\r\n", b"\n", b"\r", b"\n\r", b"\r\r\n"]
    mode = rnd.random()
    if mode < 0.3:
        end = rnd.choice(ends)
        return end.join(lines)
    return b"".join(line + (rnd.choice(ends) if rnd.random() < 0.3 else b"\r\n")
                    for line in lines[:-1]) + lines[-1]


def nest_mime(data: bytes, rnd: random.Random) -> bytes:
    # Deep nesting is rare (each level costs the MIME parser time); 300 still crosses the
    # limits where a bounce could be lost.
    depth = rnd.choice([1, 1, 2, 3, 5, 10, 60]) if rnd.random() < 0.995 else 300
    kind = rnd.choice(["report", "rfc822", "mixed"])
    out = data
    for level in range(depth):
        boundary = f"b{level}{rnd.choice(['', '=', ' x', '--', '(', chr(0x202e)])}"
        if kind == "rfc822":
            out = (b"Content-Type: message/rfc822\r\n\r\n" + out)
        else:
            sub = "report; report-type=delivery-status" if kind == "report" else "mixed"
            quoted = boundary.encode("utf-8")
            out = (b"Content-Type: multipart/" + sub.encode() + b'; boundary="' + quoted
                   + b'"\r\n\r\n--' + quoted + b"\r\nContent-Type: message/delivery-status\r\n\r\n"
                   + b"Reporting-MTA: dns; mx.example.com\r\n\r\nFinal-Recipient: rfc822; "
                   + b"bob@example.net\r\nAction: failed\r\nStatus: 5.1.1\r\n\r\n--" + quoted
                   + b"\r\nContent-Type: message/rfc822\r\n\r\n" + out + b"\r\n--" + quoted
                   + (b"--" if rnd.random() < 0.7 else b"") + b"\r\n")
    top = (b"From: MAILER-DAEMON@mx.example.com\r\nTo: alice@example.com\r\n"
           b"Subject: Undelivered Mail Returned to Sender\r\nMIME-Version: 1.0\r\n")
    return top + out


def dkim_tags(data: bytes, rnd: random.Random) -> bytes:
    """A DKIM-Signature (or ARC header) from a random tag list, or an existing one reshuffled."""
    head, body = _split(data)
    existing = [h for h in _headers(head) if h.lower().startswith((b"dkim-signature:", b"arc-"))]
    nl = _newline(data)
    if existing and rnd.random() < 0.5:
        pick = existing[0]
        name, _, value = pick.partition(b":")
        tags = value.split(b";")
        action = rnd.random()
        if action < 0.3:
            rnd.shuffle(tags)
        elif action < 0.6 and tags:
            tags.pop(rnd.randrange(len(tags)))
        elif tags:
            i = rnd.randrange(len(tags))
            tag, _, _ = tags[i].partition(b"=")
            tags[i] = tag + b"=" + rnd.choice(DKIM_VALUES).encode()
        new = name + b":" + b";".join(tags).rstrip(b"\r\n") + nl
        return head.replace(pick, new, 1) + body
    tags = [f"{rnd.choice(DKIM_TAGS)}={rnd.choice(DKIM_VALUES)}"
            for _ in range(rnd.randint(0, 16))]
    name = rnd.choice(["DKIM-Signature", "ARC-Seal", "ARC-Message-Signature",
                       "ARC-Authentication-Results"])
    prefix = f"i={rnd.choice(['1', '0', '51', '999999', 'x', ''])}; " if name.startswith("ARC") else ""
    header = f"{name}: {prefix}{'; '.join(tags)}".encode("utf-8", "surrogatepass") + nl
    return header + data


def odd_from(data: bytes, rnd: random.Random) -> bytes:
    head, body = _split(data)
    value = rnd.choice(FROM_VALUES).encode()
    nl = _newline(data)
    lines = [h for h in _headers(head) if h.lower().startswith(b"from:")]
    if lines:
        return head.replace(lines[0], b"From: " + value + nl, 1) + body
    return b"From: " + value + nl + data


def random_header(data: bytes, rnd: random.Random) -> bytes:
    name = rnd.choice(HEADER_NAMES)
    value = "".join(rnd.choice(ODD_TEXT + DKIM_VALUES) for _ in range(rnd.randint(0, 8)))
    header = f"{name}: {value}".encode("utf-8", "surrogatepass") + _newline(data)
    head, body = _split(data)
    lines = _headers(head)
    at = rnd.randrange(len(lines) + 1)
    return b"".join(lines[:at]) + header + b"".join(lines[at:]) + (b"\r\n" if body else b"") + body


def splice(data: bytes, rnd: random.Random) -> bytes:
    other = rnd.choice(seeds()).raw
    if rnd.random() < 0.5:
        return _split(data)[0] + _split(other)[1]
    i, j = rnd.randrange(len(data) + 1), rnd.randrange(len(other) + 1)
    return data[:i] + other[j:]


# --- the DNS side: TXT records of the seed's zones rewritten from random tag lists ---------

_TXT_LINE = re.compile(r'^(\S+\s+(?:\d+\s+)?(?:IN\s+)?TXT\s+)(".*")\s*$', re.M)
RECORD_TAGS = {
    "v=DMARC1": ["p", "sp", "np", "adkim", "aspf", "pct", "fo", "rua", "ruf", "t", "psd", "ri",
                 "rf", "v", "P", "x"],
    "v=DKIM1": ["k", "p", "h", "s", "t", "n", "g", "v", "K"],
}
RECORD_VALUES = [
    "", "none", "reject", "quarantine", "REJECT", "rejected", "r", "s", "relaxed", "0", "100",
    "50%", "-1", "101", "y", "n", "u", "1:d:s", "2", "mailto:a@example.com",
    "mailto:a@example.com!10m", "mailto:", "a@example.com", "mailto:a@exa mple.com", "rsa",
    "ed25519", "email:web", "email", "*", "sha256", "sha1:sha256", "AAAA", "MIIB", "!!",
    "\\255\\000", "\\027[31m", "a" * 200, "v=DMARC1", ",", ";", "=", "y:s",
]
SPF_TERMS = ["-all", "~all", "?all", "+all", "all", "a", "mx", "ptr", "ip4:192.0.2.0/24",
             "ip4:300.1.1.1", "ip6:2001:db8::/32", "include:example.com", "include:",
             "exists:%{i}.example.com", "redirect=example.com", "exp=x.example.com",
             "a:%{d}", "mx/24", "include:%{l1r-}.example.com", "a:foo\\128.example.com",
             "%{x}", "v=spf1"]


def record_value(rnd: random.Random) -> str:
    """A TXT value in zone-file syntax: a DMARC, DKIM key or SPF record from random tags."""
    kind = rnd.choice(["v=DMARC1", "v=dmarc1", "v=DKIM1", "v=spf1", ""])
    if kind.lower() == "v=spf1" or kind == "":
        terms = [rnd.choice(SPF_TERMS) for _ in range(rnd.randint(0, 12))]
        return " ".join([kind, *terms]) if kind else " ".join(terms)
    tags = [f"{rnd.choice(RECORD_TAGS[kind.replace('dmarc1', 'DMARC1')])}="
            f"{rnd.choice(RECORD_VALUES)}" for _ in range(rnd.randint(0, 10))]
    return "; ".join([kind, *tags]) if rnd.random() < 0.9 else "; ".join(tags + [kind])


def mutate_zones(seed: Seed, rnd: random.Random) -> tuple[tuple[str, str], ...]:
    """The seed's zones as text, with one or more TXT records rewritten or doubled (two
    records at one name: DMARC-02, SPF-02)."""
    zones = {p.name.removesuffix(".zone"): p.read_text(encoding="utf-8") for p in seed.zone_paths}
    for _ in range(rnd.randint(1, 3)):
        origin = rnd.choice(sorted(zones))
        lines = list(_TXT_LINE.finditer(zones[origin]))
        if not lines:
            continue
        line = rnd.choice(lines)
        value = record_value(rnd).replace('"', "")
        chunks = " ".join(f'"{value[i:i + 255]}"' for i in range(0, max(len(value), 1), 255))
        new = line.group(1) + chunks
        if rnd.random() < 0.3:
            new = line.group(0) + "\n" + new
        zones[origin] = zones[origin].replace(line.group(0), new, 1)
    return tuple(sorted(zones.items()))


MUTATORS = (flip_bytes, duplicate_header, remove_header, fold_header, truncate, huge_value,
            odd_unicode, line_endings, nest_mime, dkim_tags, odd_from, random_header, splice)


@dataclass(frozen=True)
class Case:
    """One input to run: the seed it came from, the mutated bytes and how it is answered."""

    seed: Seed
    raw: bytes
    dns: str  # "zones" (the seed's zone files), "refuse" (no zones: REFUSED) or "offline"
    original: bytes | None = None  # passed as --original (the unmutated seed)
    steps: tuple[str, ...] = ()
    zones: tuple[tuple[str, str], ...] = ()  # (origin, zone text) instead of the seed's files


def make_case(rnd: random.Random) -> Case:
    seed = rnd.choice(seeds())
    raw = seed.raw
    steps = []
    for _ in range(rnd.choice([1, 1, 1, 2, 2, 3, 5])):
        mutate = rnd.choice(MUTATORS)
        raw = mutate(raw, rnd)
        steps.append(mutate.__name__)
    dns = rnd.choice(["zones", "zones", "refuse", "offline"]) if seed.zone_paths else rnd.choice(
        ["refuse", "offline"])
    original = seed.raw if rnd.random() < 0.15 else None
    zones = mutate_zones(seed, rnd) if dns == "zones" and rnd.random() < 0.25 else ()
    if zones:
        steps.append("mutate_zones")
    return Case(seed, raw, dns, original, tuple(steps), zones)


# --- running one input --------------------------------------------------------------------

ALLOWED_CONTROLS = frozenset("\n\t")


def raw_controls(text: str) -> list[str]:
    """Control, format and separator characters (Cc, Cf, Zl, Zp) other than LF and TAB: any
    one in a report means untrusted text reached the terminal or the ticket unescaped."""
    bad = {c for c in set(text) if c not in ALLOWED_CONTROLS
           and unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp", "Cs")}
    return sorted(f"U+{ord(c):04X}" for c in bad)


@dataclass
class Outcome:
    problems: list[str] = field(default_factory=list)
    unreadable: bool = False
    seconds: float = 0.0
    exit_status: int | None = None


def run_case(case: Case, *, timeout: float = 1.0, schema: bool = True) -> Outcome:
    """Analyse `case` and render it three ways; every problem found is listed (an uncaught
    exception is one, with its traceback). `schema=False` skips the JSON Schema validation,
    which costs as much as the analysis itself (the long run validates a sample)."""
    outcome = Outcome()
    started = time.perf_counter()
    try:
        _run(case, outcome, timeout, schema)
    except Exception:  # noqa: BLE001 — the point: any exception is a finding
        outcome.problems.append("exception:\n" + traceback.format_exc())
    outcome.seconds = time.perf_counter() - started
    return outcome


def _run(case: Case, outcome: Outcome, timeout: float, schema: bool) -> None:
    seed = case.seed
    request = AnalysisRequest(
        source=f"fuzz {seed.name}", raw=case.raw, original=case.original, now=seed.now,
        ip=seed.ip, mail_from=seed.mail_from, helo=seed.helo, timeout=timeout,
        offline=case.dns == "offline", authoritative=False)
    resolvers = {"zones": [ZoneFileResolver(dict(case.zones)) if case.zones
                           else _resolver(seed.zone_paths)],
                 "refuse": [_resolver(())], "offline": []}[case.dns]
    try:
        report = asyncio.run(analyze(request, resolvers=resolvers))
    except UnreadableInput:
        outcome.unreadable = True  # exit 2 with a message: a designed outcome, not a crash
        return
    verdict = judge(report)
    outcome.exit_status = verdict.exit_status
    outputs = {
        "text": render_text(report, verdict),
        "text -v": render_text(report, verdict, verbose=True),
        "markdown": render_markdown(report, verdict, verbose=True),
        "json": report_to_json(report, verdict),
    }
    for name, out in outputs.items():
        if not isinstance(out, str) or not out.strip():
            outcome.problems.append(f"{name}: empty output")
            continue
        bad = raw_controls(out)
        if bad:
            outcome.problems.append(f"{name}: raw control characters {', '.join(bad)}")
    data = json.loads(outputs["json"])
    errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message[:200]}"
              for e in _validator().iter_errors(data)] if schema else []
    if errors:
        outcome.problems.append("json: not valid against the schema: " + "; ".join(errors[:5]))


def save_reproducer(directory: Path, case: Case, outcome: Outcome) -> Path:
    """The input as a file, plus what went wrong and how to run it again."""
    directory.mkdir(parents=True, exist_ok=True)
    key = f"{case.seed.name}-{abs(hash(case.raw)) % 10**10:010d}"
    (directory / f"{key}.eml").write_bytes(case.raw)
    if case.original is not None:
        (directory / f"{key}.original.eml").write_bytes(case.original)
    if case.zones:
        (directory / f"{key}.zones.json").write_text(json.dumps(dict(case.zones), indent=1),
                                                    encoding="utf-8")
    (directory / f"{key}.txt").write_text(
        f"seed: {case.seed.name}\ndns: {case.dns}\nsteps: {' '.join(case.steps)}\n"
        f"seconds: {outcome.seconds:.2f}\n\n" + "\n".join(outcome.problems), encoding="utf-8")
    return directory / f"{key}.eml"
