"""The MIME walk of a bounce: notification text, RFC 3464 delivery-status fields, ARF feedback
fields and the returned message.

MIME structure comes from stdlib `email` (compat32 policy: it never raises on damaged
headers). Only the returned message is cut from the raw bytes by hand, because re-serialising
it through `email` would refold headers and break later DKIM checks. At most MAX_PARTS parts
are walked: a MIME bomb must not stall us.
"""
from __future__ import annotations

import email
import email.message
import email.policy
import email.utils
import html
import re
from collections.abc import Iterable

from msgspec import Struct

from wizard.common.lazy_re import lazy
from wizard.common.safe_text import decode
from wizard.model.findings import Cap
from wizard.receiver.reply import to_lf
from wizard.receiver.signs import header, rx

MAX_PARTS = 200  # MIME parts looked at: a MIME bomb must not stall us
# Multipart parts parsed with stdlib email, whose parser recurses once per nesting level:
# ~1,000 levels exhaust Python's stack. Real bounces nest a handful.
MAX_MULTIPARTS = 100

# The line a plain-text NDR puts before the original it quotes.
_SEPARATOR = (
    r"^[ \t]*(?:-+ ?This is a copy of the message|-* ?Below (?:this line )?is a copy|-+ ?Original message"
    r"|Original message headers:|-+ ?The header of the original message|Original message follows"
    r"|-+ ?Original Message -+|-+ ?Unsent Message (?:below|follows)|-+ ?Returned message"
    r"|Message headers follow)"
)
_RETURNED_SEPARATOR = rx(_SEPARATOR)
_RETURNED_SEPARATOR_B = lazy(_SEPARATOR.encode(), re.I | re.M)


class Collected(Struct):
    """What the walk found in one input: filled in by `collect`, mutable while the bounce is
    read (wizard.receiver.bounce), never part of its result."""

    caps: list[Cap]
    text: str = ""  # notification text (human-readable parts), capped
    dsn_blocks: list[list[tuple[str, str]]] | None = None
    report_type: str | None = None
    returned: bytes | None = None
    returned_headers_only: bool = False
    arf_fields: list[tuple[str, str]] | None = None


def collect(msg: email.message.Message, raw: bytes, collected: Collected) -> None:
    """Walk the MIME tree: notification text, DSN fields, feedback fields, returned message."""
    top_type = msg.get_content_type()
    if top_type == "multipart/report":
        # An RFC 2231-encoded parameter comes back as a tuple: collapse it to its text.
        param = msg.get_param("report-type")
        collected.report_type = (email.utils.collapse_rfc2231_value(param) if param else ""
                                 ).lower() or None
    texts: list[str] = []
    html_texts: list[str] = []
    for part, boundary in _walk(msg, collected.caps):
        ctype = part.get_content_type()
        if ctype in ("message/delivery-status", "message/global-delivery-status"):
            collected.dsn_blocks = (collected.dsn_blocks or []) + _dsn_blocks(part)
            collected.report_type = collected.report_type or "delivery-status"
        elif ctype == "message/feedback-report":
            collected.arf_fields = [f for block in _dsn_blocks(part) for f in block]
            collected.report_type = "feedback-report"
        elif ctype in ("message/rfc822", "text/rfc822-headers", "message/rfc822-headers",
                       "message/global", "message/global-headers"):
            if collected.returned is None:
                collected.returned = _returned_bytes(part, raw, boundary)
                collected.returned_headers_only = "headers" in ctype
        elif ctype == "text/plain" or (ctype.startswith("text/") and ctype != "text/html"):
            texts.append(_part_text(part))
        elif part.get_content_maintype() == "multipart":
            # Its boundary was never found (damaged or hostile MIME): read the body as text,
            # and pick up any DSN fields in it.
            body = _part_text(part)
            texts.append(body)
            fields = fields_from_text(body)
            if any(k.lower() == "final-recipient" for k, _ in fields):
                collected.dsn_blocks = (collected.dsn_blocks or []) + [fields]
        elif ctype == "text/html":
            html_texts.append(_html_to_text(_part_text(part)))
    # NDRs quote the original after a separator line; keep only the notification for the
    # patterns (the original's headers would mislead them).
    kept = []
    for part_text in texts or html_texts:
        m = _RETURNED_SEPARATOR.search(part_text)
        kept.append(part_text[: m.start()] if m else part_text)
        if m and not msg.is_multipart() and collected.returned is None:
            collected.returned, collected.returned_headers_only = _returned_after_separator(msg, raw)
    collected.text = "\n".join(kept)


def collect_unparsed(body: bytes, collected: Collected) -> None:
    """The notification read from a body whose MIME structure is not parsed (nested beyond
    MAX_MULTIPARTS): its text, and the DSN fields in it, without the returned message."""
    text = to_lf(decode(body))
    m = _RETURNED_SEPARATOR.search(text)
    collected.text = text[: m.start()] if m else text
    per_message: list[list[tuple[str, str]]] = []
    blocks: list[list[tuple[str, str]]] = []
    for chunk in re.split(r"\n[ \t]*\n", collected.text):
        fields = fields_from_text(chunk)
        names = {k.lower() for k, _ in fields}
        if "final-recipient" in names:
            blocks.append(fields)
        elif "reporting-mta" in names and not per_message:
            per_message.append(fields)
    if blocks:
        collected.dsn_blocks = per_message + blocks
        collected.report_type = "delivery-status"


def _returned_after_separator(msg: email.message.Message, raw: bytes) -> tuple[bytes | None, bool]:
    """The original message a plain-text NDR quotes after its separator line: cut from the
    raw bytes, or from the decoded body when the NDR is quoted-printable/base64 (then the
    bytes are as close to the original as the decoding allows)."""
    cte = (header(msg, "Content-Transfer-Encoding") or "7bit").lower()
    if cte not in ("7bit", "8bit", "binary"):
        decoded = msg.get_payload(decode=True)
        if not isinstance(decoded, bytes):
            return None, False
        raw = decoded
    m = _RETURNED_SEPARATOR_B.search(raw)
    if m is None:
        return None, False
    nl = raw.find(b"\n", m.end())
    if nl < 0:
        return None, False
    rest = raw[nl + 1 :].lstrip(b"\r\n")
    if not re.match(rb"[\x21-\x39\x3b-\x7e]+[ \t]*:", rest):
        return None, False
    body_at = re.search(rb"\r?\n\r?\n", rest)
    headers_only = body_at is None or not rest[body_at.end() :].strip()
    return rest, headers_only


def _walk(msg: email.message.Message, caps: list[Cap]
          ) -> Iterable[tuple[email.message.Message, str | None]]:
    """Leaf parts with the boundary of the multipart holding them. Like Message.walk, but
    does not descend into returned messages (message/rfc822)."""
    stack: list[tuple[email.message.Message, str | None]] = [(msg, None)]
    count = 0
    while stack:
        if count == MAX_PARTS:
            caps.append(Cap("MIME parts examined", MAX_PARTS, MAX_PARTS + len(stack)))
            return
        part, boundary = stack.pop(0)
        count += 1
        if part.is_multipart() and part.get_content_maintype() == "multipart":
            payload = part.get_payload()
            if isinstance(payload, list):
                stack[0:0] = [(child, part.get_boundary()) for child in payload
                              if isinstance(child, email.message.Message)]
            continue
        yield part, boundary


def _dsn_blocks(part: email.message.Message) -> list[list[tuple[str, str]]]:
    """Field blocks of a message/delivery-status (or feedback-report) part."""
    payload = part.get_payload()
    blocks: list[list[tuple[str, str]]] = []
    if isinstance(payload, list):
        for block in payload:
            if isinstance(block, email.message.Message):
                fields = [(k, " ".join(str(v).split())) for k, v in block.items()]
                # Fields after a blank line inside a block end up in its body: parse those too.
                body = block.get_payload()
                if isinstance(body, str) and body.strip():
                    fields += fields_from_text(body)
                blocks.append(fields)
    else:
        text = _part_text(part)
        for chunk in re.split(r"\n\s*\n", text.replace("\r\n", "\n")):
            fields = fields_from_text(chunk)
            if fields:
                blocks.append(fields)
    return blocks


def fields_from_text(text: str) -> list[tuple[str, str]]:
    fields: list[tuple[str, str]] = []
    for line in text.replace("\r\n", "\n").split("\n"):
        if line[:1] in (" ", "\t") and fields:
            name, value = fields[-1]
            fields[-1] = (name, f"{value} {line.strip()}")
        elif ":" in line and re.match(r"^[\w-]+:", line):
            name, value = line.split(":", 1)
            fields.append((name, value.strip()))
    return fields


def _returned_bytes(part: email.message.Message, raw: bytes, boundary: str | None) -> bytes | None:
    """The returned message as it appears in the input. message/rfc822 parts may not be
    encoded (RFC 2046 §5.2.1) so their bytes are cut from the input; encoded
    text/rfc822-headers parts are decoded by stdlib."""
    cte = (header(part, "Content-Transfer-Encoding") or "").lower()
    if part.get_content_type().startswith("text/") and cte in ("base64", "quoted-printable"):
        data = part.get_payload(decode=True)
        return data if isinstance(data, bytes) else None
    inner = part.get_payload()
    if isinstance(inner, list) and inner and isinstance(inner[0], email.message.Message):
        first_header = next(iter(inner[0].keys()), None)
    else:
        first_header = None
    sliced = _slice_part(part, raw, first_header, boundary)
    if sliced is not None:
        return sliced
    if isinstance(inner, list) and inner and isinstance(inner[0], email.message.Message):
        try:
            return inner[0].as_bytes(policy=email.policy.compat32.clone(max_line_length=0))
        except Exception:  # noqa: BLE001 - a part stdlib cannot re-serialise: none returned
            return None
    if isinstance(inner, str):
        return inner.encode("utf-8", "surrogateescape")
    return None


def _slice_part(part: email.message.Message, raw: bytes, first_header: str | None,
                boundary: str | None) -> bytes | None:
    """This part's body in the raw bytes: after its own header block, up to the enclosing
    multipart's next boundary line (RFC 2046 §5.1.1: the CRLF before it belongs to it)."""
    if not boundary:
        return None
    m = re.search(rb"\n(?i:content-type):[ \t]*" + re.escape(part.get_content_type().encode()), raw)
    if m is None:
        return None
    end_headers = re.compile(rb"\r?\n\r?\n").search(raw, m.end())
    if end_headers is None:
        return None
    start = end_headers.end()
    delimiter = re.compile(
        rb"\r?\n--" + re.escape(boundary.encode("ascii", "replace")) + rb"(?:--)?[ \t]*(?:\r?\n|$)"
    )
    stop = delimiter.search(raw, start)
    body = raw[start : stop.start()] if stop else raw[start:]
    if first_header and not body.lower().lstrip().startswith(
        first_header.lower().encode("ascii", "replace")
    ):
        return None  # found some other part of that type: let stdlib serialise instead
    return body


def dsn_split(blocks: list[list[tuple[str, str]]]) -> tuple[dict[str, str], list[dict[str, str]]]:
    """Per-message fields, and one dict per recipient (a block may hold several)."""
    per_message: dict[str, str] = {}
    recipients: list[dict[str, str]] = []
    rcpt_fields = {"final-recipient", "original-recipient", "x-actual-recipient", "action",
                   "status", "remote-mta", "diagnostic-code", "last-attempt-date",
                   "will-retry-until", "final-log-id"}
    for block in blocks:
        current: dict[str, str] | None = None
        for name, value in block:
            key = name.lower()
            if key in rcpt_fields:
                # A recipient field seen again starts the next recipient (blocks that lack
                # the blank line between recipients).
                if current is None or (
                    key in current and key in ("final-recipient", "original-recipient")
                ):
                    current = {}
                    recipients.append(current)
                current.setdefault(key, value)
            else:
                per_message.setdefault(key, value)
    return per_message, [r for r in recipients if r]


def is_auth_failure(arf_fields: list[tuple[str, str]]) -> bool:
    """An ARF report of an authentication failure (RFC 6591), not a complaint (RFC 5965)."""
    fields = {k.lower(): v for k, v in arf_fields}
    return fields.get("feedback-type", "").lower().startswith("auth-failure")


def strip_type(value: str | None) -> str | None:
    """"rfc822; a@b" → "a@b"; "dns; mx.example" → "mx.example"."""
    if value is None:
        return None
    if ";" in value:
        value = value.split(";", 1)[1]
    value = value.strip().strip("<>").strip()
    return value or None


def _part_text(part: email.message.Message) -> str:
    """Decoded text of a leaf part, LF line ends; never raises."""
    return to_lf(_decoded_text(part))


def _decoded_text(part: email.message.Message) -> str:
    try:
        payload = part.get_payload(decode=True)
    except Exception:  # noqa: BLE001 - damaged encodings are reported as unreadable text
        payload = None
    if not isinstance(payload, bytes):
        raw = part.get_payload()
        return raw if isinstance(raw, str) else ""
    try:
        charset = part.get_content_charset() or "utf-8"
        return payload.decode(charset, errors="replace")
    except (LookupError, ValueError):  # unknown or malformed charset name
        return decode(payload)


def _html_to_text(text: str) -> str:
    text = re.sub(r"(?is)<(script|style).*?</\1>", " ", text)
    text = re.sub(r"(?i)<br\s*/?>|</p>|</div>|</tr>", "\n", text)
    return html.unescape(re.sub(r"<[^<>]+>", " ", text))

