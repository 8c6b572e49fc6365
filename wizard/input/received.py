"""The Received chain: who handed the message to whom, when, and over TLS or not (EVID-07).

No library in our stack parses Received fields (stdlib `email` treats them as opaque text and
RFC 5321 §4.4's grammar is ignored by most MTAs anyway), so this is a tolerant clause reader:
it knows the layouts of Postfix, Sendmail, Exim, qmail, Exchange/Microsoft 365 and Gmail and
returns None for any part it cannot find rather than guessing. Dates are parsed with
`wizard.input.message.parse_date`.
"""
from __future__ import annotations

import ipaddress
import re
from datetime import timedelta

from msgspec.structs import replace

from wizard.common.durations import span
from wizard.common.safe_text import shorten
from wizard.input.message import Header, Message, parse_date
from wizard.model.findings import Cap, Finding, Severity
from wizard.model.received import Hop as Hop
from wizard.model.received import ReceivedChain as ReceivedChain

MAX_HOPS = 100  # real mail rarely has more than 20; loops and floods are capped here
BIG_DELAY = 3600  # seconds between two hops before we call the message "queued"
SKEW_TOLERANCE = 60  # seconds of negative delay tolerated before calling it clock skew

_CLAUSE = re.compile(r"(?:^|(?<=[\s)]))(from|by|via|with|id|for)(?=\s)", re.I)
_IPV4 = r"\d{1,3}(?:\.\d{1,3}){3}"
_IPV6 = r"(?:IPv6:)?[0-9A-Fa-f]*:[0-9A-Fa-f:.]+"
_BRACKET_IP = re.compile(rf"\[({_IPV4}|{_IPV6})\]")
_BARE_IP = re.compile(rf"(?<![\w.:])({_IPV4}|{_IPV6})(?![\w.:])")
_HELO_IN_COMMENT = re.compile(r"\b(?:helo|ehlo)[= ]\s*([^\s)\]]+)", re.I)
_TLS_HINT = re.compile(r"\bTLS|using TLSv|version=TLS|cipher=|\bSSL", re.I)
_TLS_PROTOCOLS = {"esmtps", "esmtpsa", "utf8smtps", "utf8smtpsa", "lmtps", "lmtpsa", "smtps"}
_PLAIN_PROTOCOLS = {"smtp", "esmtp", "esmtpa", "utf8smtp", "utf8smtpa", "lmtp", "lmtpa", "local"}


def _clauses(text: str) -> dict[str, str]:
    """Split 'from X (…) by Y with Z id W for V' into its clauses (outside comments)."""
    depth = 0
    masked = []
    for ch in text:
        if ch == "(":
            depth += 1
        masked.append("(" if depth and ch not in "()" else ch)
        if ch == ")" and depth:
            depth -= 1
    flat = "".join(masked)  # comment text masked so keywords inside comments are not clauses
    found: dict[str, str] = {}
    marks = [(m.start(1), m.group(1).lower()) for m in _CLAUSE.finditer(flat)]
    for n, (start, word) in enumerate(marks):
        end = marks[n + 1][0] if n + 1 < len(marks) else len(text)
        if word not in found:
            found[word] = text[start + len(word) : end].strip()
    return found


def _normal_ip(text: str) -> str | None:
    text = text.removeprefix("IPv6:").removeprefix("ipv6:")
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        return None


def _parse_from(clause: str) -> tuple[str | None, str | None, str | None]:
    """(helo, rdns, ip) from a from-clause in any of the common layouts."""
    first, _, rest = clause.partition(" ")
    first = first.strip()
    ip = None
    rdns = None
    helo: str | None = first or None
    helo_hint = _HELO_IN_COMMENT.search(rest)
    m = _BRACKET_IP.search(rest) or _BRACKET_IP.search(first)
    if m is not None:
        ip = _normal_ip(m.group(1))
        # "(name [ip])": the name before the bracket is the receiver's rDNS lookup.
        before = rest[: m.start()].strip().lstrip("(").strip() if m.re is _BRACKET_IP else ""
        if before and not before.startswith("[") and " " not in before and before.lower() != "unknown":
            rdns = before.rstrip(".")
    else:
        # qmail "(HELO ?192.0.2.3?) (192.0.2.135 …)": the address in the HELO hint is only
        # what the client claimed, so it is removed before looking for the real address.
        unclaimed = _HELO_IN_COMMENT.sub(" ", rest)
        for cand in _BARE_IP.finditer(unclaimed):
            if (ip := _normal_ip(cand.group(1))) is not None:
                break
    if helo_hint is not None:
        # Exim "(… helo=name)" / qmail "(EHLO name)": the first word is then the rDNS or IP.
        helo = helo_hint.group(1).rstrip(".")
        if first and _normal_ip(first.strip("[]")) is None and first.lower() != "unknown":
            rdns = rdns or first.rstrip(".")
    if helo is not None and helo.startswith("[") and helo.endswith("]") and ip is None:
        ip = _normal_ip(helo[1:-1])
    if rdns is None and _normal_ip(rest.strip("() ")) == ip and ip is not None:
        rdns = None  # Exchange "(104.47.124.209)": the receiver recorded no name
    return helo, rdns, ip


def _hop(position: int, header: Header) -> Hop:
    text = header.unfolded
    head, sep, date_text = text.rpartition(";")
    if not sep:
        head, date_text = text, ""
    clauses = _clauses(" " + head)
    helo = rdns = ip = None
    if "from" in clauses:
        helo, rdns, ip = _parse_from(clauses["from"])
    by = clauses.get("by", "").split(" ")[0] or None
    with_text = clauses.get("with")
    protocol = None
    tls = None
    if with_text:
        protocol = re.split(r"(?<!\s)\s*\(", with_text, maxsplit=1)[0].strip() or None
        word = (protocol or "").split(" ")[0].lower()
        if word in _TLS_PROTOCOLS:
            tls = True
        elif word in _PLAIN_PROTOCOLS:
            tls = False
    if _TLS_HINT.search(head):
        tls = True
    ident = clauses.get("id", "").split(" ")[0] or None
    recipient = clauses.get("for", "").split(" ")[0].strip("<>") or None
    return Hop(
        position=position,
        header=header,
        from_helo=helo,
        from_rdns=rdns,
        from_ip=ip,
        by=by,
        with_protocol=protocol,
        tls=tls,
        id=ident,
        for_=recipient,
        timestamp=parse_date(date_text),
        delay_from_previous=None,
        raw=text,
    )


def parse_received(msg: Message) -> ReceivedChain:
    """Read every Received field (newest first). Never raises."""
    fields = msg.get_all("Received")
    cap = Cap("Received fields", MAX_HOPS, len(fields)) if len(fields) > MAX_HOPS else None
    hops = [_hop(n, h) for n, h in enumerate(fields[:MAX_HOPS])]
    findings: list[Finding] = []
    if cap is not None:
        findings.append(
            Finding(
                "EVID-07", Severity.INFO,
                f"Only the newest {MAX_HOPS} of {len(fields)} Received fields were read",
                "A message with this many hops is looping or was built to slow analysis down.",
                about="Received chain",
            )
        )
    linked: list[Hop] = []
    for n, hop in enumerate(hops):
        older = hops[n + 1] if n + 1 < len(hops) else None
        delay = None
        if older is not None and hop.timestamp and older.timestamp:
            delay = (hop.timestamp - older.timestamp).total_seconds()
        linked.append(replace(hop, delay_from_previous=delay))
    for n, hop in enumerate(linked):
        evidence = (f"{hop.header.name}: {shorten(hop.raw, 300)}",)
        if hop.timestamp is None:
            findings.append(
                Finding(
                    "EVID-07", Severity.INFO,
                    f"Received field {n} has no readable date",
                    "The time this hop handled the message is unknown, so delays around it "
                    "cannot be measured.",
                    evidence=evidence, about=f"hop {n}",
                )
            )
            continue
        delay = hop.delay_from_previous
        if delay is None:
            continue
        older = linked[n + 1]
        pair = evidence + (f"{older.header.name}: {shorten(older.raw, 300)}",)
        if delay < -SKEW_TOLERANCE:
            findings.append(
                Finding(
                    "EVID-07", Severity.WARN,
                    f"Clock skew: hop {n} ({hop.by or '?'}) is {span(timedelta(seconds=delay))} earlier than "
                    "the hop before it",
                    "A later hop cannot receive a message before an earlier hop sent it: one "
                    "of the two servers has a wrong clock (or time zone). Times from these "
                    "servers, and DKIM t=/x= comparisons against them, are unreliable.",
                    evidence=pair, about=f"hop {n}",
                )
            )
        elif delay > BIG_DELAY:
            findings.append(
                Finding(
                    "EVID-07", Severity.INFO,
                    f"The message waited {span(timedelta(seconds=delay))} before hop {n} ({hop.by or '?'})",
                    "A long gap between two hops means the message was queued (greylisting, "
                    "a temporary failure and retries, or an outage). A short DKIM x= can "
                    "expire during such a delay.",
                    evidence=pair, about=f"hop {n}",
                )
            )
    return ReceivedChain(tuple(linked), tuple(findings), cap)
