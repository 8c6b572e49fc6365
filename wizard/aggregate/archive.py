"""Where the report's XML is: a bare .xml, a .xml.gz, a .zip, or a mail carrying one as an
attachment, inline, in a nested message/rfc822 part or a forwarded mail (RUA-01).

Recognised by content, not by name or label: reporters mislabel (GMX sends zip as gzip, SES
sends octet-stream). Every decompression reads through a size cap, so a bomb costs at most
MAX_XML_BYTES of memory and stops there (RUA-15); members are never written to disk.
"""
from __future__ import annotations

import binascii
import email
import email.message
import io
import quopri
import zlib

from wizard.common.lazy_re import lazy

ZIP_MAGIC = b"PK\x03\x04"
GZIP_MAGIC = b"\x1f\x8b"
MAX_XML_BYTES = 50 * 1024 * 1024  # decompressed; the largest real reports are a few MB
MAX_ZIP_MEMBERS = 16  # a report zip holds one file; more is not a report
MAX_MAIL_BYTES = 64 * 1024 * 1024  # as wizard.input.classify's MAX_INPUT_BYTES
_SNIFF = 65536  # bytes looked at to decide whether XML is a report
_CHUNK = 1024 * 1024

# One scan of the raw bytes decides whether a mail may carry a report before any MIME parse:
# an ordinary message must not pay for one. Alternation of literals: linear time.
_MAY_CARRY = lazy(rb"(?i)application/(?:x-)?(?:gzip|zip|xml|octet-stream)|text/xml|message/rfc822|<feedback[\s>]")
_FEEDBACK = lazy(rb"<(?:[A-Za-z_][\w.-]*:)?feedback[\s>]")
# A <feedback> alone may be prose; a report also holds one of these in its first bytes.
_REPORT_PART = lazy(rb"<(?:[A-Za-z_][\w.-]*:)?(?:report_metadata|policy_published)[\s>]")
_XML_START = lazy(rb"\A(?:\xef\xbb\xbf)?\s*<")
_INLINE_START = lazy(rb"<\?xml|<(?:[A-Za-z_][\w.-]*:)?feedback[\s>]")


class NotAReport(ValueError):
    """The input is (or carries) something that cannot be read as an aggregate report; the
    message says what, in plain words."""


def is_report_xml(data: bytes) -> bool:
    """XML whose start holds a <feedback> element (any namespace prefix)."""
    head = data[:_SNIFF]
    return bool(_XML_START.match(head) and _FEEDBACK.search(head) and _REPORT_PART.search(head))


def looks_like_report(raw: bytes) -> bool:
    """Is `raw` an aggregate report, compressed or not, or a mail carrying one? Cheap for
    anything else: a magic number or one scan, and a MIME walk only when a part may hold one."""
    if raw.startswith((ZIP_MAGIC, GZIP_MAGIC)):
        return _archive_holds_report(raw)
    if is_report_xml(raw):
        return True
    if len(raw) > MAX_MAIL_BYTES or not _MAY_CARRY.search(raw):
        return False
    try:
        return _from_mail(raw, sniff=True) is not None
    except NotAReport:
        return True  # a report part that is broken: say so, rather than read it as a message


def _archive_holds_report(raw: bytes) -> bool:
    """A zip or gzip file is a report when its content (the first bytes) is one; a broken or
    hostile archive is treated as one so that reading it says what is wrong with it."""
    try:
        head = _decompress(raw, limit=_SNIFF, sniff=True)
        # An archive of <feedback> XML is meant as a report even when its first bytes hold
        # nothing else (a bomb behind an opening tag): reading it says what is wrong.
        return bool(_XML_START.match(head) and _FEEDBACK.search(head))
    except NotAReport:
        return True


def extract_xml(raw: bytes) -> tuple[bytes, str]:
    """(the report's XML, the form it came in: "gzip file", "zip member x.xml", "attachment
    x.xml.gz in a mail" …). Raises NotAReport."""
    if raw.startswith((ZIP_MAGIC, GZIP_MAGIC)):
        return _decompress(raw, limit=MAX_XML_BYTES), _archive_form(raw)
    if is_report_xml(raw):
        if len(raw) > MAX_XML_BYTES:
            raise NotAReport(f"the report is {len(raw):,} bytes; at most {MAX_XML_BYTES // 2**20} MB are read")
        return raw, "XML file"
    found = _from_mail(raw, sniff=False) if len(raw) <= MAX_MAIL_BYTES else None
    if found is None:
        raise NotAReport("no DMARC aggregate report (an XML <feedback> document) was found in it")
    return found


def _archive_form(raw: bytes) -> str:
    return "zip file" if raw.startswith(ZIP_MAGIC) else "gzip file"


def _decompress(raw: bytes, *, limit: int, sniff: bool = False, depth: int = 0) -> bytes:
    """The XML inside a zip or gzip (a .xml.gz inside a zip too), at most `limit` bytes:
    more raises NotAReport naming the cap, unless `sniff` (then the first bytes suffice)."""
    if depth > 1:
        raise NotAReport("the archive nests archives more than one deep; a report is one file")
    if raw.startswith(GZIP_MAGIC):
        data = _gunzip(raw, limit, sniff)
    elif raw.startswith(ZIP_MAGIC):
        data = _unzip(raw, limit, sniff)
    else:
        return raw
    if data.startswith((ZIP_MAGIC, GZIP_MAGIC)):
        return _decompress(data, limit=limit, sniff=sniff, depth=depth + 1)
    return data


def _too_big(what: str) -> NotAReport:
    return NotAReport(f"the {what} expands past {MAX_XML_BYTES // 2**20} MB, the most mailtriage "
                      "reads of a report (a decompression bomb, or not a single report)")


def _gunzip(raw: bytes, limit: int, sniff: bool) -> bytes:
    inflater = zlib.decompressobj(wbits=31)
    out = bytearray()
    rest = raw
    try:
        while rest and len(out) <= limit:
            # max_length bounds each step's output: a 1 GB bomb never exists in memory.
            out += inflater.decompress(rest, _CHUNK)
            rest = inflater.unconsumed_tail
        if len(out) <= limit and not inflater.eof:
            out += inflater.flush(_CHUNK)
    except zlib.error as exc:
        raise NotAReport(f"the gzip data is corrupt ({exc})") from None
    if sniff:
        return bytes(out[:limit])
    if len(out) > limit:
        raise _too_big("gzip file")
    if not inflater.eof:
        raise NotAReport("the gzip file is truncated: it ends before its compressed data does")
    return bytes(out)


def _unzip(raw: bytes, limit: int, sniff: bool) -> bytes:
    import zipfile  # ~11 ms: every `check` classifies its input, few inputs are zip files

    try:
        archive = zipfile.ZipFile(io.BytesIO(raw))
        members = [m for m in archive.infolist() if not m.is_dir()]
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise NotAReport(f"the zip file is truncated or corrupt ({exc})") from None
    if len(members) > MAX_ZIP_MEMBERS:
        raise NotAReport(f"the zip file holds {len(members)} files; a report zip holds one "
                         f"(at most {MAX_ZIP_MEMBERS} are looked at)")
    if not members:
        raise NotAReport("the zip file is empty")
    # The member named like a report first (receiver!domain!begin!end.xml), else the first.
    member = next((m for m in members if m.filename.lower().endswith((".xml", ".xml.gz"))), members[0])
    out = bytearray()
    try:
        with archive.open(member) as handle:
            while len(out) <= limit:
                chunk = handle.read(_CHUNK)
                if not chunk:
                    break
                out += chunk
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError, RuntimeError) as exc:
        if sniff:
            return bytes(out[:limit])
        raise NotAReport(f"the zip member {member.filename!r} cannot be read ({exc})") from None
    if sniff:
        return bytes(out[:limit])
    if len(out) > limit:
        raise _too_big(f"zip member {member.filename!r}")
    return bytes(out)


MAX_NESTING = 4  # forwarded mails inside forwarded mails; deeper is not a report's mail


def _from_mail(raw: bytes, *, sniff: bool, depth: int = 0) -> tuple[bytes, str] | None:
    """The report a mail carries: every MIME part, nested message/rfc822 parts included
    (email's walk descends into them; one sent base64-encoded is decoded and walked too),
    decoded and sniffed by content."""
    message = email.message_from_bytes(raw)  # compat32: email.policy's import costs ~13 ms
    if not message.keys():
        return None
    for part in message.walk():
        if part.get_content_maintype() == "message":
            found = _encoded_message(part, sniff=sniff, depth=depth)
            if found is not None:
                return found
            continue
        if part.is_multipart():
            continue
        payload = part.get_payload(decode=True)
        if not isinstance(payload, bytes) or not payload:
            continue
        found = _from_part(part, payload, sniff=sniff)
        if found is not None:
            return found
    return None


def _encoded_message(part: email.message.Message, *, sniff: bool, depth: int) -> tuple[bytes, str] | None:
    """A message/rfc822 part sent base64 or quoted-printable (as Python's own email package
    writes one): the parser took its encoded text for a body, so it is decoded and walked."""
    encoding = str(part.get("Content-Transfer-Encoding", "")).strip().lower()
    if encoding not in ("base64", "quoted-printable") or depth >= MAX_NESTING:
        return None
    inner = part.get_payload()
    first = inner[0] if isinstance(inner, list) and inner else inner
    text = first.get_payload() if isinstance(first, email.message.Message) else first
    if not isinstance(text, str):
        return None
    data = text.encode("ascii", "replace")
    decoded = binascii.a2b_base64(data) if encoding == "base64" else quopri.decodestring(data)
    return _from_mail(decoded, sniff=sniff, depth=depth + 1)


def _from_part(part: email.message.Message, payload: bytes, *, sniff: bool) -> tuple[bytes, str] | None:
    name = part.get_filename() or part.get_content_type()
    if payload.startswith((ZIP_MAGIC, GZIP_MAGIC)):
        if not _archive_holds_report(payload):
            return None
        data = b"" if sniff else _decompress(payload, limit=MAX_XML_BYTES)
        return data, f"{_archive_form(payload)} {name!r} in a mail"
    if is_report_xml(payload):
        return payload, f"XML part {name!r} in a mail"
    # Pasted into a text part (a forwarded report, Fastmail's inline): from its start on.
    start = _INLINE_START.search(payload)
    if start is not None and is_report_xml(payload[start.start():]):
        end = payload.rfind(b"feedback>")  # up to the closing tag: a signature may follow
        return payload[start.start():end + len(b"feedback>")], f"XML inline in the text of a mail ({name})"
    return None
