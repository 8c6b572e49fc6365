"""Amazon SES notifications carried as JSON inside an email (DSN-18).

SES publishes bounce, complaint and delivery notifications through SNS; an email
subscription delivers them as a `text/plain` body holding one JSON object, then `--` and an
SNS footer. Raw SNS delivery wraps the SES object as a string in `Message`. Relays fold long
lines with `!` at the end and continue after a space (sisimai lhost/amazonses.rb).

The JSON is turned into the same per-recipient DSN fields an RFC 3464 report gives, so one
code path (wizard.receiver.bounce) reads both.
"""
from __future__ import annotations

import email.message
import json

from wizard.model.bounce import SesNotice
from wizard.receiver.signs import SES_SENDER, header, rx

# stdlib json is linear in its input but builds the whole object in memory, and nests by
# recursion: a cap keeps a hostile body from costing memory (a real notification is a few KB,
# its `mail.headers` at most the original's header block), and RecursionError is caught.
MAX_JSON = 256_000

_FOLD = rx(r"!\n ")


def ses_notification(msg: email.message.Message, text: str
                     ) -> tuple[SesNotice, list[list[tuple[str, str]]]] | None:
    """The notice and its DSN field blocks (per-message first, then one per recipient), or
    None when the body is no SES notification."""
    if not (header(msg, "x-amz-sns-message-id") or header(msg, "x-amz-sns-message-type")
            or SES_SENDER.search(header(msg, "From") or "")
            or "notificationType" in text or "eventType" in text):
        return None
    data = _json_object(text)
    if data is not None and isinstance(data.get("Message"), str):
        data = _json_object(data["Message"])  # raw SNS: the SES object as a string
    if data is None:
        return None
    kind = data.get("notificationType") or data.get("eventType")
    if kind not in ("Bounce", "Complaint", "Delivery"):
        return None
    mail = _dict(data.get("mail"))
    detail = _dict(data.get(kind.lower()))
    per_message = [(k, v) for k, v in (
        ("Reporting-MTA", _str(detail.get("reportingMTA"))),
        ("Arrival-Date", _str(mail.get("timestamp"))),
    ) if v]
    blocks: list[list[tuple[str, str]]] = [per_message]
    if kind == "Bounce":
        for r in _list(detail.get("bouncedRecipients")):
            r = _dict(r)
            blocks.append(_recipient(r.get("emailAddress"), r.get("action") or "failed",
                                     r.get("status"), r.get("diagnosticCode"),
                                     detail.get("remoteMtaIp")))
    elif kind == "Delivery":
        for addr in _list(detail.get("recipients")):
            blocks.append(_recipient(addr, "delivered", None, detail.get("smtpResponse"),
                                     detail.get("remoteMtaIp")))
    else:
        for r in _list(detail.get("complainedRecipients")):
            blocks.append(_recipient(_dict(r).get("emailAddress"), None, None, None, None))
    notice = SesNotice(
        notification_type=kind,
        bounce_type=_str(detail.get("bounceType")),
        bounce_subtype=_str(detail.get("bounceSubType")),
        complaint_type=_str(detail.get("complaintFeedbackType")),
        source=_str(mail.get("source")),
        message_id=_str(mail.get("messageId")),
    )
    return notice, [b for b in blocks if b]


def _recipient(addr: object, action: object, status: object, diagnostic: object,
               remote_ip: object) -> list[tuple[str, str]]:
    if not isinstance(addr, str) or not addr.strip():
        return []
    diag = _str(diagnostic)
    if diag and ";" not in diag.split(" ", 1)[0]:
        diag = "smtp; " + diag  # SES's smtpResponse is the bare reply
    return [(k, v) for k, v in (
        ("Final-Recipient", f"rfc822; {addr.strip()}"),
        ("Action", _str(action)),
        ("Status", _str(status)),
        ("Diagnostic-Code", diag),
        ("Remote-MTA", f"dns; {remote_ip}" if isinstance(remote_ip, str) and remote_ip else None),
    ) if v]


def _json_object(text: str) -> dict | None:
    """The JSON object the text starts with (the SNS footer after `--` is ignored)."""
    start = text.find("{")
    if start < 0 or text[:start].strip():
        return None
    body = _FOLD.sub("", text[start:start + MAX_JSON])
    try:
        value, _ = json.JSONDecoder().raw_decode(body)
    except (ValueError, RecursionError):
        return None
    return value if isinstance(value, dict) else None


def _dict(value: object) -> dict:
    return value if isinstance(value, dict) else {}


def _list(value: object) -> list:
    # As many as a DSN's recipients are read (wizard.receiver.bounce.MAX_RECIPIENTS).
    return value[:500] if isinstance(value, list) else []


def _str(value: object) -> str | None:
    if not isinstance(value, str):
        return None
    return " ".join(value.split()) or None
