"""Bounces: SMTP replies, RFC 3464 DSNs and the many non-standard NDR layouts.

What goes in: a pasted SMTP reply, a DSN (multipart/report; report-type=delivery-status), an
ARF/auth-failure report, an auto-reply, or a plain-text NDR from qmail, Exim, Exchange, Gmail
and friends. What comes out (wizard.receiver.bounce_types): the reply, the most specific
enhanced status code, who bounced, at which SMTP stage, from which provider, what the code
means there (wizard.receiver.status_codes), and findings that quote the receiver's own words
(diagnoses.md §9, §10).

`analyze_bounce` runs the stages in order: the MIME walk (wizard.receiver.dsn), the replies
in its text (wizard.receiver.reply), the layout, stage and recipient patterns
(wizard.receiver.layouts), the provider (wizard.receiver.providers); this module reads them
into one status per recipient, and wizard.receiver.findings turns the result into findings.

Hostile input: at most MAX_INPUT bytes are parsed, MAX_PARTS MIME parts walked,
MAX_RECIPIENTS recipients read and MAX_SCAN characters of text scanned by the patterns;
BounceAnalysis.caps (and an EVID-01 finding) say when a limit was hit.
"""
from __future__ import annotations

import email
import email.message
import email.policy
import re

from msgspec import structs

from wizard.common.lazy_re import lazy
from wizard.common.safe_text import decode
from wizard.model.bounce import SesNotice
from wizard.model.findings import Cap
from wizard.receiver.bounce_types import Bounce, BounceAnalysis, RecipientStatus
from wizard.receiver.dsn import (
    MAX_MULTIPARTS,
    Collected,
    collect,
    collect_unparsed,
    dsn_split,
    fields_from_text,
    is_auth_failure,
    strip_type,
)
from wizard.receiver.findings import (
    auto_reply_finding,
    bounce_findings,
    report_finding,
    ses_finding,
    several_notifications,
)
from wizard.receiver.layouts import (
    ADDR_RE,
    DELAY_WORDS,
    NDR_PHRASES,
    URL,
    layout_of,
    recipients_from_text,
    remote_host,
    stage_of,
    subject_code,
)
from wizard.receiver.providers import REPLY_TAGS, identify
from wizard.receiver.recipients import not_recipients, recover, segments, target_kind
from wizard.receiver.reply import (
    ENH_ALONE,
    MAX_SCAN,
    SmtpReply,
    loose_codes,
    pick_reply,
    replies_in,
    to_lf,
)
from wizard.receiver.ses import ses_notification
from wizard.receiver.signs import (
    AUTO_REPLY_SUBJECT,
    BOUNCE_SENDER,
    BOUNCE_SUBJECT,
    MAX_INPUT,
    MESSAGE_HEADERS,
    header,
    plainly_not_a_bounce,
    prepare,
    starts_with_header,
)
from wizard.receiver.status_codes import explain_code, is_valid_code, specificity, split_code

MAX_RECIPIENTS = 500  # per-recipient blocks of one DSN
MAX_HEADER = 100_000  # bytes of the returned message's header block read for its addresses
MAX_NOTIFICATIONS = 20  # bounces of one mbox read, each on its own (DSN-21)

# mbox: a "From " line after an empty line starts the next message (RFC 4155).
_MBOX_FROM = lazy(rb"\n\r?\n(From [^\n]*\n)")
_HEADER_END = lazy(rb"\r?\n\r?\n")
_MULTIPART = lazy(rb"^content-type:[ \t]*multipart/", re.I | re.M)


def analyze_bounce(raw: bytes) -> BounceAnalysis | None:
    """Analyse a bounce, DSN, report, auto-reply or pasted SMTP reply. None when the input is
    not any of those (an ordinary message, or headers). Never raises."""
    try:
        return _analyze(raw)
    except RecursionError:
        return None


def _analyze(raw: bytes) -> BounceAnalysis | None:
    if not isinstance(raw, (bytes, bytearray)):
        return None
    raw = bytes(raw)
    if plainly_not_a_bounce(raw):
        return None
    caps: list[Cap] = []
    if len(raw) > MAX_INPUT:
        caps.append(Cap("bytes of input parsed", MAX_INPUT, len(raw)))
    raw = prepare(raw)
    pieces = _mbox_messages(raw)
    if len(pieces) > MAX_NOTIFICATIONS:
        caps.append(Cap("messages of the mbox read", MAX_NOTIFICATIONS, len(pieces)))
        pieces = pieces[:MAX_NOTIFICATIONS]
    analyses = [a for a in (_analyze_one(p, caps if i == 0 else []) for i, p in enumerate(pieces))
                if a is not None]
    if len(analyses) < 2:
        return analyses[0] if analyses else None
    return _several(analyses)


def _mbox_messages(raw: bytes) -> list[bytes]:
    """The messages of an mbox, or of DSNs written one after another (DSN-21); a file that is
    neither is one message."""
    if not raw.startswith(b"From "):
        return _concatenated(raw)
    # A body line "From …" after an empty line is text unless a header block follows it.
    starts = [0] + [m.start(1) for m in _MBOX_FROM.finditer(raw)
                    if starts_with_header(raw[m.end(1):m.end(1) + 1000])]
    return [raw[a:b] for a, b in zip(starts, starts[1:] + [len(raw)])]


def _concatenated(raw: bytes) -> list[bytes]:
    """A multipart message followed, after its closing boundary, by a whole second message
    (rfc3464-28: two DSNs in one file): both. Anything else after the boundary is the
    epilogue (RFC 2046 §5.1.1), which mail systems leave empty."""
    end = _HEADER_END.search(raw)
    head = email.message_from_bytes(raw[: end.end()] if end else raw, policy=email.policy.compat32)
    boundary = head.get_boundary() if head.get_content_maintype() == "multipart" else None
    if not boundary:
        return [raw]
    close = raw.find(b"\n--" + boundary.encode("ascii", "replace") + b"--")
    if close < 0:
        return [raw]
    nl = raw.find(b"\n", close + 1)
    rest = raw[nl + 1:].lstrip(b"\r\n") if nl >= 0 else b""
    rest_end = _HEADER_END.search(rest)
    rest_head = email.message_from_bytes(rest[: rest_end.end()] if rest_end else b"")
    if not (starts_with_header(rest) and rest_head.get("From") and rest_head.get("Subject")):
        return [raw]
    return [raw[: nl + 1], *_concatenated(rest)][:MAX_NOTIFICATIONS + 1]


def _several(analyses: list[BounceAnalysis]) -> BounceAnalysis:
    """DSN-21: one file, several notifications. The first is the headline and carries the
    others, each read on its own (never merged into the first's status); every one's findings
    count, as facts of the same file."""
    first = analyses[0]
    bounces = [a.bounce for a in analyses]
    findings = list(first.findings) + [several_notifications(bounces)]
    seen = {(f.id, f.title, f.detail) for f in findings}
    for a in analyses[1:]:
        for f in a.findings:
            if (f.id, f.title, f.detail) not in seen:
                seen.add((f.id, f.title, f.detail))
                findings.append(f)
    bounce = structs.replace(first.bounce, more_notifications=tuple(bounces[1:]))
    return BounceAnalysis(bounce, tuple(findings), first.returned_message,
                          first.returned_headers_only,
                          tuple(c for a in analyses for c in a.caps))


def _analyze_one(raw: bytes, caps: list[Cap]) -> BounceAnalysis | None:
    collected = Collected(caps)
    if not starts_with_header(raw):
        return _analyze_pasted(raw, collected)
    multiparts = sum(1 for _ in _MULTIPART.finditer(raw))
    if multiparts > MAX_MULTIPARTS:
        # Deeper MIME nesting than any mail system writes would exhaust stdlib's recursive
        # parser (and lose the bounce): parse the header block alone and read the body as
        # text, and say so.
        caps.append(Cap("MIME multipart parts (the nesting limit; the rest was read as plain text)",
                        MAX_MULTIPARTS, multiparts))
        end = re.search(rb"\r?\n\r?\n", raw)
        msg = email.message_from_bytes(raw[: end.start()] if end else raw, policy=email.policy.compat32)
        flat: bytes | None = raw[end.end():] if end else b""
    else:
        msg = email.message_from_bytes(raw, policy=email.policy.compat32)
        flat = None
    if not any(msg.get(name) for name in MESSAGE_HEADERS):
        # "Diagnostic-Code: smtp; 550 …" or "Status: 5.7.1" pasted on their own: fields of a
        # DSN, not a message.
        return _analyze_pasted(raw, collected)
    header_text = "\n".join(f"{k}: {' '.join(str(v).split())}" for k, v in msg.items())
    if flat is None:
        collect(msg, raw, collected)
    else:
        collect_unparsed(flat, collected)
    text = collected.text
    if len(text) > MAX_SCAN:
        caps.append(Cap("characters of bounce text scanned", MAX_SCAN, len(text)))
        text = collected.text = text[:MAX_SCAN]

    if collected.report_type == "feedback-report":
        return _not_a_bounce(msg, collected, "ARF feedback report")
    ses = ses_notification(msg, text) if collected.dsn_blocks is None else None
    if ses is not None:
        notice, collected.dsn_blocks = ses
        # The receiver's words are the diagnostic codes; the rest of the JSON (the original's
        # headers, SES's own ids) would only mislead the text patterns.
        collected.text = "\n".join(v for block in collected.dsn_blocks for k, v in block
                                   if k == "Diagnostic-Code")
        layout = f"Amazon SES notification ({notice.notification_type.lower()}, JSON)"
        if notice.notification_type == "Complaint":
            return _not_a_bounce(msg, collected, layout, ses=notice)
        return _build(msg, collected, header_text, layout=layout, ses=notice)
    subject = header(msg, "Subject") or ""
    auto = (header(msg, "Auto-Submitted") or "").lower()
    sender = (header(msg, "From") or "") + " " + (header(msg, "Return-Path") or "")
    if collected.dsn_blocks is None and (
        auto.startswith("auto-replied") or header(msg, "X-Autoreply")
        or AUTO_REPLY_SUBJECT.search(subject)
    ) and not (msg.get("X-Failed-Recipients") or BOUNCE_SENDER.search(sender)):
        return _not_a_bounce(msg, collected, "RFC 3834 auto-reply")
    if collected.dsn_blocks is None and not _looks_like_ndr(msg, subject, text):
        return None
    return _build(msg, collected, header_text)


def _looks_like_ndr(msg: email.message.Message, subject: str, text: str) -> bool:
    sender = (header(msg, "From") or "") + " " + (header(msg, "Return-Path") or "")
    if msg.get("X-Failed-Recipients") or (
        BOUNCE_SENDER.search(sender) and BOUNCE_SUBJECT.search(subject)
    ):
        return True
    by_header = bool(BOUNCE_SENDER.search(sender) or BOUNCE_SUBJECT.search(subject))
    has_reply = bool(replies_in(text[:20_000]) or ENH_ALONE.search(text[:20_000]))
    return by_header and (has_reply or bool(NDR_PHRASES.search(text[:20_000])))


def _analyze_pasted(raw: bytes, collected: Collected) -> BounceAnalysis | None:
    text = to_lf(decode(raw))
    if len(text) > MAX_SCAN:
        collected.caps.append(Cap("characters of bounce text scanned", MAX_SCAN, len(text)))
        text = text[:MAX_SCAN]
    collected.text = text
    fields = fields_from_text(text)
    if any(k.lower() in ("final-recipient", "diagnostic-code", "status", "action") for k, _ in fields):
        collected.dsn_blocks = [fields]
        return _build(None, collected, "", layout="pasted DSN fields")
    replies = replies_in(text)
    if not replies and not any(m["enh"][0] in "45" for m in ENH_ALONE.finditer(text)):
        return None
    bare = bool(re.match(r"\s*[245]\d\d[ -]", text))
    layout = "bare SMTP reply" if bare else layout_of("", text) or "pasted bounce text"
    return _build(None, collected, "", layout=layout)


def _choose_status(
    replies: list[tuple[int, SmtpReply]], dsn_status: str | None, loose: list[tuple[int, str]]
) -> tuple[str | None, str | None]:
    """Most specific enhanced code and where it came from (DSN-03): X.0.0 < X.Y.0 and X.4.7
    < the rest; among equally specific codes the remote's own reply beats the reporting
    MTA's Status, which beats a code merely mentioned in text; then the code the Status
    agrees with, the most frequent, the first."""
    cands: list[tuple[str, str, int]] = []
    # In a session transcript the commands that succeeded have replies too ("250 2.1.5 Ok"
    # to RCPT before "451" to DATA): once a reply failed, a success code describes another
    # command, never this failure (RFC 3463 §2: the class agrees with the reply code).
    failed = any(r.code >= 400 for _, r in replies)
    cands += [(r.enhanced, "reply", pos) for pos, r in replies
              if r.enhanced and not (failed and r.code < 400)]
    if dsn_status:
        cands.append((dsn_status, "dsn", -1))
    cands += [(code, "text", pos) for pos, code in loose if not (failed and code[0] == "2")]
    if not cands:
        return None, None
    counts: dict[str, int] = {}
    for code, _, _ in cands:
        counts[code] = counts.get(code, 0) + 1
    dsn_parts = split_code(dsn_status) if dsn_status else None
    dsn_class = dsn_parts[0] if dsn_parts else None
    source_rank = {"reply": 2, "dsn": 1, "text": 0}

    def key(c: tuple[str, str, int]):
        code, source, pos = c
        parts = split_code(code)
        return (
            specificity(code),
            source_rank[source],
            code == dsn_status,
            dsn_class is None or (parts is not None and parts[0] == dsn_class),
            counts[code],
            -pos,
        )

    best = max(cands, key=key)
    # Report where the winning code was seen in the remote's own reply when it was.
    sources = {s for code, s, _ in cands if code == best[0]}
    origin = "reply" if "reply" in sources else best[1]
    return best[0], origin


def _kind(action: str | None, status: str | None, reply_code: int | None, *,
          retrying: bool) -> str:
    """DSN-01. `retrying`: the notice says delivery is still being attempted (or it is a
    pasted reply, where nobody has given up on anything yet)."""
    action = (action or "").lower().strip()
    cls = None
    if reply_code and not action:
        cls = reply_code // 100  # the basic code decides the SMTP semantics (DSN-05)
    elif status and (parts := split_code(status)):
        cls = parts[0]
    elif reply_code:
        cls = reply_code // 100
    if action.startswith("delayed"):
        return "delayed"
    if action.startswith(("delivered", "relayed", "expanded")):
        return "success"
    if action.startswith("failed"):
        return "gave_up" if cls == 4 else "permanent"
    if cls == 2:
        return "success"
    if cls == 4:
        return "delayed" if retrying else "gave_up"
    return "permanent"


def _build(msg: email.message.Message | None, collected: Collected, header_text: str,
           layout: str | None = None, ses: SesNotice | None = None) -> BounceAnalysis:
    text = collected.text
    per_message: dict[str, str] = {}
    rcpt_dicts: list[dict[str, str]] = []
    if collected.dsn_blocks is not None:
        per_message, rcpt_dicts = dsn_split(collected.dsn_blocks)
    if layout is None:
        layout = layout_of(header_text, text) or ("RFC 3464 DSN" if collected.dsn_blocks is not None
                                                else "plain-text NDR")
        if collected.dsn_blocks is not None and layout != "RFC 3464 DSN":
            layout = f"{layout} (DSN)"

    text_replies = replies_in(text)
    text_loose = loose_codes(text, text_replies)
    reporting_mta = strip_type(per_message.get("reporting-mta"))
    statuses: list[RecipientStatus] = []
    returned = _returned_headers(collected)
    exclude = not_recipients(msg, text, returned)
    failed_header = ADDR_RE.findall(header(msg, "X-Failed-Recipients") or "") if msg is not None else []

    if len(rcpt_dicts) > MAX_RECIPIENTS:
        collected.caps.append(Cap("recipients of the DSN examined", MAX_RECIPIENTS, len(rcpt_dicts)))
        rcpt_dicts = rcpt_dicts[:MAX_RECIPIENTS]
    if rcpt_dicts:
        addrs = [strip_type(f.get("final-recipient")) or "" for f in rcpt_dicts]
        parts = segments(text, [a for a in addrs if a])
        returned_to = ADDR_RE.findall(" ".join(
            header(returned, n) or "" for n in ("To", "Delivered-To"))) if returned is not None else []
        # Each address's part read once: a DSN may name one address in hundreds of
        # recipient blocks, and its part of the text can be most of the text.
        fallbacks: dict[str, tuple[list[tuple[int, SmtpReply]], list[tuple[int, str]]]] = {}
        for fields, addr in zip(rcpt_dicts, addrs):
            # Without a Diagnostic-Code the human-readable part is the fallback: the part of
            # it about this recipient when it names several.
            if addr.lower() not in fallbacks:
                seg = parts.get(addr.lower(), "")
                seg_replies = replies_in(seg) if seg else []
                fallbacks[addr.lower()] = (seg_replies, loose_codes(seg, seg_replies)) \
                    if seg_replies else (text_replies, text_loose)
            fallback = fallbacks[addr.lower()]
            status_of = _recipient_from_dsn(fields, text_replies, fallback)
            target = target_kind(status_of.recipient) if status_of.recipient else None
            if target is not None:
                # DSN-19: a program, file, host or route, not the mailbox that bounced.
                found = recover(status_of.recipient, target, status_of.original_recipient,
                                failed_header, text, returned_to)
                status_of = structs.replace(
                    status_of, recipient=found[0] if found else "",
                    recipient_raw=status_of.recipient, recipient_target=target,
                    recipient_from=found[1] if found else None)
            statuses.append(status_of)
    else:
        from_text = recipients_from_text(text, exclude)
        failed = list(failed_header or from_text)
        # X-Failed-Recipients and the text may disagree (an alias expanded, an address
        # rewritten): both are shown, the header's first.
        failed += [a for a in from_text if failed_header and a.lower() not in
                   {f.lower() for f in failed}]
        disagree = len(failed) > len(failed_header) > 0
        if len(failed) > MAX_RECIPIENTS:
            collected.caps.append(Cap("failed addresses examined", MAX_RECIPIENTS, len(failed)))
            failed = failed[:MAX_RECIPIENTS]
        parts = segments(text, failed)
        inferred = None if text_replies or text_loose or msg is None else \
            subject_code(header(msg, "Subject") or "")
        # Asked once, not per address: with hundreds of addresses each search of the whole
        # text, and each choice among the whole text's codes, made the loop quadratic.
        retrying = msg is None or bool(DELAY_WORDS.search(text + header_text))
        text_choice = _choose_status(text_replies, None, text_loose)
        for addr in failed or [""]:
            # Each failed address with its own reply when the NDR lists them one by one
            # (qmail, Exim); otherwise the reply found anywhere in the text.
            seg = parts.get(addr.lower(), "")
            seg_replies = replies_in(seg) if seg else []
            seg_loose = loose_codes(seg, seg_replies) if seg else []
            if not seg_replies and not seg_loose:
                seg_replies, status, origin = text_replies, *text_choice
            else:
                status, origin = _choose_status(seg_replies, None, seg_loose)
            if status is None and inferred is not None:
                # DSN-20: no DSN part, reply or code anywhere; the Subject names the reason.
                status, origin = inferred, "subject"
            reply = pick_reply(seg_replies, status)
            kind = _kind(None, status, reply.code if reply else None, retrying=retrying)
            statuses.append(RecipientStatus(
                recipient=addr, original_recipient=None, actual_recipient=None, kind=kind,
                status=status,
                dsn_status=None, enhanced_from=origin, reply_code=reply.code if reply else None,
                reply_text=reply.text if reply else None, action=None, diagnostic_code=None,
                remote_mta=None, last_attempt_date=None, will_retry_until=None,
                # Said only when the header and the text disagree (both are listed).
                recipient_from=None if not disagree else
                "X-Failed-Recipients" if addr in failed_header else "the notification text",
            ))

    # The headline is the worst outcome, and its first recipient (a DSN may report one
    # delivery and one failure).
    kinds = [s.kind for s in statuses]
    kind = next(k for k in ("permanent", "gave_up", "delayed", "success") if k in kinds)
    first = next(s for s in statuses if s.kind == kind)
    host = remote_host(text)
    # The remote host names the provider; in the reply text only links and provider tags
    # (Gmail's "gsmtp") count, because replies also quote the *sender's* domain.
    reply_blob = " ".join(filter(None, [first.diagnostic_code, first.reply_text, text[:20_000]]))
    identified = identify(first.remote_mta, host,
                          " ".join(URL.findall(reply_blob) + REPLY_TAGS.findall(reply_blob))
                          ) or (None if first.remote_mta or host else identify(reporting_mta))
    provider = identified[0] if identified else None
    stage, stage_evidence = stage_of((first.diagnostic_code or "") + "\n" + text)
    reply_text = first.reply_text or first.diagnostic_code or ""
    explanation = None
    if first.status:
        explanation = explain_code(first.status, provider=provider, text=reply_text)
    bounce = Bounce(
        kind=kind,
        layout=layout,
        status=first.status,
        dsn_status=first.dsn_status,
        reply_code=first.reply_code,
        enhanced_from=first.enhanced_from,
        recipients=tuple(s.recipient for s in statuses if s.recipient),
        reporting_mta=reporting_mta,
        remote_mta=first.remote_mta or host,
        diagnostic_code=first.diagnostic_code,
        action=first.action,
        stage=stage,
        provider=provider.name if provider else None,
        reply_text=first.reply_text,
        explanation=explanation,
        arrival_date=per_message.get("arrival-date"),
        last_attempt_date=first.last_attempt_date,
        per_recipient=tuple(statuses),
        report_type=collected.report_type,
        ses=ses,
    )
    findings = bounce_findings(bounce, text, stage_evidence, identified, collected)
    if ses is not None:
        findings.insert(0, ses_finding(ses, bounce.per_recipient))
    return BounceAnalysis(bounce, tuple(findings), collected.returned,
                          collected.returned_headers_only, tuple(collected.caps))


def _returned_headers(collected: Collected) -> email.message.Message | None:
    """The returned message's header block, parsed: who sent it is not who bounced."""
    if not collected.returned:
        return None
    end = re.search(rb"\r?\n\r?\n", collected.returned)
    head = collected.returned[: end.start()] if end else collected.returned
    return email.message_from_bytes(head[:MAX_HEADER], policy=email.policy.compat32)


def _recipient_from_dsn(
    fields: dict[str, str],
    text_replies: list[tuple[int, SmtpReply]],
    fallback: tuple[list[tuple[int, SmtpReply]], list[tuple[int, str]]],
) -> RecipientStatus:
    final = strip_type(fields.get("final-recipient"))
    original = strip_type(fields.get("original-recipient"))
    actual = strip_type(fields.get("x-actual-recipient"))
    recipient = final or actual or original or ""
    dsn_status_raw = fields.get("status")
    dsn_status = None
    if dsn_status_raw:
        m = re.match(r"\s*(\d\.\d{1,3}\.\d{1,3})", dsn_status_raw)
        dsn_status = m[1] if m else dsn_status_raw.split()[0] if dsn_status_raw.split() else None
    diag = fields.get("diagnostic-code")
    diag_text = diag.split(";", 1)[1].strip() if diag and ";" in diag else diag
    replies = replies_in(diag_text) if diag_text else []
    loose = loose_codes(diag_text, replies) if diag_text else []
    if not replies and not loose:
        replies, loose = fallback  # the DSN part gave no reply
    usable_dsn = dsn_status if dsn_status and is_valid_code(dsn_status) else None
    status, origin = _choose_status(replies, usable_dsn, loose)
    if status is None and dsn_status:
        status, origin = dsn_status, "dsn"
    reply = pick_reply(replies, status)
    if reply is not None and replies is not text_replies:
        # Some MTAs copy only the first line of a multi-line reply into Diagnostic-Code
        # (Sendmail); the transcript in the human-readable part has all of it.
        for _, fuller in text_replies:
            if (fuller.code, fuller.enhanced) == (reply.code, reply.enhanced) and \
                    len(fuller.text) > len(reply.text) and fuller.text.startswith(reply.text[:40]):
                reply = fuller
                break
    reply_text = reply.text if reply else diag_text
    action = fields.get("action")
    kind = _kind(action, usable_dsn or status, reply.code if reply else None,
                 retrying=bool(fields.get("will-retry-until")
                               or DELAY_WORDS.search(diag_text or "")))
    return RecipientStatus(
        recipient=recipient, original_recipient=original, actual_recipient=actual, kind=kind,
        status=status,
        dsn_status=dsn_status, enhanced_from=origin, reply_code=reply.code if reply else None,
        reply_text=reply_text, action=action, diagnostic_code=diag,
        remote_mta=strip_type(fields.get("remote-mta")),
        last_attempt_date=fields.get("last-attempt-date"),
        will_retry_until=fields.get("will-retry-until"),
    )


def _not_a_bounce(msg: email.message.Message, collected: Collected, layout: str,
                  ses: SesNotice | None = None) -> BounceAnalysis:
    recipients: tuple[str, ...] = ()
    if ses is not None:
        # An SES complaint: the recipients who marked the message as spam, nothing failed.
        _, blocks = dsn_split(collected.dsn_blocks or [])
        recipients = tuple(strip_type(f.get("final-recipient")) or "" for f in blocks)
        finding = ses_finding(ses, ())
    elif collected.arf_fields is not None:
        if is_auth_failure(collected.arf_fields):
            layout = "ARF auth-failure report (RFC 6591)"
        rcpt = [strip_type(v) or v for k, v in collected.arf_fields
                if k.lower() in ("original-rcpt-to", "removal-recipient")]
        if not rcpt and collected.returned is not None:
            # No Original-Rcpt-To: the reported message's own To names who it was sent to.
            returned = email.message_from_bytes(collected.returned, policy=email.policy.compat32)
            rcpt = ADDR_RE.findall(header(returned, "To") or "")
        recipients = tuple(r for r in rcpt if r)
        finding = report_finding(collected.arf_fields)
    else:
        finding = auto_reply_finding(msg)
    bounce = Bounce(
        kind="not_a_bounce", layout=layout, status=None, dsn_status=None, reply_code=None,
        enhanced_from=None, recipients=recipients, reporting_mta=None, remote_mta=None,
        diagnostic_code=None, action=None, stage=None, provider=None, reply_text=None,
        explanation=None, arrival_date=None, last_attempt_date=None, per_recipient=(),
        report_type=collected.report_type, ses=ses,
    )
    return BounceAnalysis(bounce, (finding,), collected.returned,
                          collected.returned_headers_only, tuple(collected.caps))
