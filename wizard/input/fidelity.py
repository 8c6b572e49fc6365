"""Is this copy good enough to re-verify signatures? (diagnoses.md EVID-02, EVID-03, EVID-04)

These are facts about the input, so they are judged once, here, when the input is read.
Later stages that need the same fact (transit forensics: "no change explains the failure,
but the copy is damaged") call `paste_damage` and read the answer; they do not report it
again.
"""
from __future__ import annotations

import re

from wizard.common.safe_text import sanitize, shorten
from wizard.input.message import Message
from wizard.model.findings import Finding, Severity

MAX_LISTED_LINES = 5  # stray header-block lines quoted as evidence
_QUOTED = re.compile(rb"-----Original Message-----|---------- Forwarded message ---------")
_BOUNDARY = re.compile(r'boundary\s*=\s*"?([^";]+)"?', re.I)
_FORWARD = re.compile(r"\s*(fwd?|fw)\s*:", re.I)


def fidelity_findings(message: Message, kind: str, *, too_large: int | None = None,
                      limit: int = 0) -> list[Finding]:
    """EVID-02/03/04 for the input message of `kind` (wizard.input.classify's KIND_LABELS);
    `too_large` is the input's size when its body was left out for being over `limit` bytes.
    A bare DKIM-Signature value only gets EVID-04: it never had a copy to damage."""
    out: list[Finding] = []
    whole = kind in ("message", "headers")
    if whole and (ending := line_ending_finding(message)) is not None:
        out.append(ending)
    if whole and (damage := paste_damage(message)):
        out.append(Finding(
            "EVID-03", Severity.ERROR,
            "This looks like pasted text, not the original message: save the original .eml",
            "DKIM needs the exact bytes the receiver saw. This copy shows signs of copy/paste or export "
            "damage (headers refolded, re-encoded, lines lost), so a failed signature here does not prove "
            "the sender is broken: rely on the receiver's Authentication-Results, and get the original "
            "(Gmail: Show original → Download original; Outlook/OWA: View message source; or ask for the "
            ".eml as an attachment).",
            evidence=damage,
        ))
    if too_large is not None:
        out.append(Finding(
            "EVID-04", Severity.WARN, "Input too large: only the headers were analysed",
            f"The input is {too_large:,} bytes; mailtriage reads at most {limit:,}. The body was left "
            "out, so body hashes cannot be checked.",
        ))
    elif kind == "headers" or message.body is None:
        out.append(Finding(
            "EVID-04", Severity.INFO, "Body not available: the body hash cannot be checked",
            "Only headers were given. The header signature can still be checked, because it covers "
            "the bh= value, not the body itself.",
        ))
    return out


def line_ending_finding(message: Message, label: str = "") -> Finding | None:
    """EVID-02: the copy's line endings were converted to CRLF for verification. `label`
    names which copy (the sender's original is checked too, by transit forensics)."""
    detail = {
        "lf": "The input uses LF line endings; it was converted to CRLF for DKIM verification "
              "(RFC 6376 hashes CRLF). That is normal for files saved on Unix.",
        "cr": "The input's line breaks are bare CRs: a terminal sends each line feed as CR when text is "
              "pasted (classic Mac files use them too). Each was read as a line break and the copy "
              "converted to CRLF; verification may still fail if the copy was altered.",
        "mixed": "The input mixes CRLF and LF line endings. A mix suggests the message was edited "
                 "or re-saved after it arrived; body-hash verdicts may be unreliable.",
    }.get(message.line_endings)
    if detail is None:
        return None
    title = {"mixed": "Mixed line endings",
             # Most often a terminal paste, not a file: the title must not say "file".
             "cr": "Line breaks arrived as bare CR (a terminal paste)"}.get(
        message.line_endings, f"File uses {message.line_endings.upper()} line endings")
    severity = Severity.INFO if message.line_endings == "lf" else Severity.WARN
    return Finding("EVID-02", severity, f"{label}{title}; converted to CRLF for verification", detail)


def paste_damage(msg: Message) -> tuple[str, ...]:
    """Signs that the input is not the message as received but a pasted or exported copy
    (EVID-03), as evidence lines; empty when it looks like a real .eml. One strong sign is
    enough; weak signs (each common in real mail too) count only two or more together."""
    strong: list[str] = []
    weak: list[str] = []
    for lineno, line in msg.bad_lines[:MAX_LISTED_LINES]:
        shown = shorten(sanitize(line, one_line=True), 80)
        strong.append(f"line {lineno} in the header block is not a header field: {shown}")
    if any("\u00a0" in h.value for h in msg.headers):
        name = next(h.name for h in msg.headers if "\u00a0" in h.value)
        strong.append(f"{sanitize(name, one_line=True)} contains non-breaking spaces (a web page copy)")
    for h in msg.headers:
        if any(len(part) > 998 for part in h.raw.split(b"\r\n")):
            strong.append(f"{sanitize(h.name, one_line=True)} (line {h.line}) has a line over 998 octets: "
                          "headers were unfolded by a copy")
            break
    m = _BOUNDARY.search(msg.value("Content-Type") or "")
    if m and msg.body is not None and b"--" + m.group(1).strip().encode("utf-8", "replace") not in msg.body:
        strong.append("the MIME boundary named in Content-Type never appears in the body")
    if msg.body and _QUOTED.search(msg.body[: 1 << 20]):
        weak.append("the body quotes a forwarded/original message")
    if not msg.get_all("Received"):
        weak.append("no Received headers")
    if any(b"\r\n" not in h.raw and len(h.raw) > 200 for h in msg.get_all("DKIM-Signature")):
        weak.append("the DKIM-Signature header is one unfolded line (most signers fold it)")
    if msg.line_endings == "mixed":
        weak.append("mixed line endings")
    if _FORWARD.match(msg.value("Subject") or ""):
        weak.append("Subject starts with Fwd:")
    return tuple(strong) if strong else (tuple(weak) if len(weak) >= 2 else ())
