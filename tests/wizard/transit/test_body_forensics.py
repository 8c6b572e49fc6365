"""Body forensics: messages signed by dkimpy, then damaged the way real relays do. Each
damage must come back as the named finding with the exact bytes that changed, proven by
re-hashing (the reversal reproduces bh=)."""
from __future__ import annotations

import base64
import email.quoprimime
import textwrap
from datetime import UTC, datetime

import pytest

from tests.wizard.signing_helpers import WRAP, parsed, plain, sign, text_body
from wizard.dkim.signature import parse_signatures
from wizard.dkim.tags import decode_signatures
from wizard.input.classify import classify
from wizard.input.message import parse_message
from wizard.transit import body as forensics_body
from wizard.transit.body import analyze_body

FOOTER = (b"_______________________________________________\r\n"
          b"Team mailing list -- team@lists.example.org\r\n"
          b"To unsubscribe send an email to team-leave@lists.example.org\r\n")
LIST_HEADERS = b"List-Id: Team <team.lists.example.org>\r\nX-Mailman-Version: 3.3.8\r\n"


def ids(result) -> list[str]:
    return [f.id for f in result.findings]


def add_headers(raw: bytes, headers: bytes) -> bytes:
    """Headers a relay adds on top (above the DKIM-Signature)."""
    return headers + raw


def multipart(parts: list[tuple[bytes, bytes, bytes]], boundary: bytes = b"==b1==") -> bytes:
    """(content-type, cte, content) parts → a multipart/mixed message."""
    body = b"This is a multi-part message in MIME format.\r\n"
    for ctype, cte, content in parts:
        body += (b"--" + boundary + b"\r\nContent-Type: " + ctype + b"\r\nContent-Transfer-Encoding: " + cte
                 + b"\r\n\r\n" + content + b"\r\n")
    body += b"--" + boundary + b"--\r\n"
    return plain(body, ctype=b'multipart/mixed; boundary="' + boundary + b'"', cte=b"7bit")


def test_intact_message_verifies():
    msg, sig = parsed(sign(plain(text_body())))
    r = analyze_body(msg, sig)
    assert r.matches and r.proven_change is None
    assert r.expected_bh == r.computed_bh
    assert ids(r) == []


def test_list_footer_appended_is_proven_and_blamed_on_the_list():
    raw = add_headers(sign(plain(text_body())), LIST_HEADERS) + FOOTER
    r = analyze_body(*parsed(raw))
    assert not r.matches
    assert r.proven_change.kind == "appended"
    assert r.proven_change.received_bytes == FOOTER
    assert r.proven_change.original_bytes == b""
    assert "+ To unsubscribe send an email to team-leave@lists.example.org" in r.proven_change.evidence
    assert {"CANON-11", "CAUSE-01"} <= set(ids(r))
    assert any("hashed in one pass" in t for t in r.tried)


def test_disclaimer_mime_part_added():
    raw = sign(multipart([(b"text/plain; charset=utf-8", b"7bit", text_body(5)),
                          (b"text/html; charset=utf-8", b"7bit", b"<p>Hello</p>")]))
    disclaimer = (b"--==b1==\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 7bit\r\n"
                  b"\r\nThis email and any attachments are confidential.\r\n")
    damaged = raw.replace(b"--==b1==--", disclaimer + b"--==b1==--")
    damaged = add_headers(damaged, b"X-ExclaimerHostedSignatures-MessageProcessed: true\r\n")
    r = analyze_body(*parsed(damaged))
    assert r.proven_change.kind == "mime-part-added"
    assert r.proven_change.finding_id == "CANON-14"
    assert r.proven_change.received_bytes == disclaimer
    assert "CAUSE-06" in ids(r)


def test_footer_inside_the_text_part_of_a_multipart():
    raw = sign(multipart([(b"text/plain; charset=utf-8", b"7bit", text_body(5)),
                          (b"text/html; charset=utf-8", b"7bit", b"<p>Hello</p>")]))
    part_end = b"\r\n--==b1==\r\nContent-Type: text/html"
    damaged = raw.replace(part_end, b"\r\n" + FOOTER.rstrip(b"\r\n") + part_end, 1)
    r = analyze_body(*parsed(damaged))
    assert r.proven_change.kind == "inserted"
    assert r.proven_change.received_bytes == FOOTER
    assert "CANON-11" in ids(r)


def test_warning_banner_prepended():
    banner = b"CAUTION: This email originated from outside of the organization.\r\n\r\n"
    raw = sign(plain(text_body()))
    head, body = raw.split(b"\r\n\r\n", 1)
    r = analyze_body(*parsed(head + b"\r\n\r\n" + banner + body))
    assert r.proven_change.kind == "prepended"
    assert r.proven_change.received_bytes == banner


def test_message_wrapped_into_multipart_by_a_list():
    raw = sign(plain(text_body(6)))
    head, body = raw.split(b"\r\n\r\n", 1)
    head = head.replace(b"Content-Type: text/plain; charset=utf-8", b'Content-Type: multipart/mixed; boundary="LIST"')
    wrapped = (b"--LIST\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" + body + b"--LIST\r\n"
               b"Content-Type: text/plain\r\n\r\n" + FOOTER + b"--LIST--\r\n")
    r = analyze_body(*parsed(LIST_HEADERS + head + b"\r\n\r\n" + wrapped))
    assert r.proven_change.kind == "mime-wrapped"
    assert {"CANON-14", "CAUSE-01"} <= set(ids(r))


URL = "https://example.org/invoice?id=42&view=full"


@pytest.mark.parametrize("gateway", sorted(WRAP))
def test_links_wrapped_by_each_gateway(gateway):
    body = f"Your invoice: {URL}\r\nand the portal https://portal.example.org/login\r\n".encode()
    raw = sign(plain(body + text_body(3)))
    damaged = raw.replace(URL.encode(), WRAP[gateway](URL).encode()).replace(
        b"https://portal.example.org/login", WRAP[gateway]("https://portal.example.org/login").encode())
    r = analyze_body(*parsed(damaged))
    assert r.proven_change is not None, r.tried
    assert r.proven_change.kind == "links-rewritten"
    assert gateway in r.proven_change.description
    assert f"→ {URL}" in " ".join(r.proven_change.evidence)
    cause = {"Proofpoint": "CAUSE-03", "Microsoft": "CAUSE-04"}.get(gateway.split()[0], "CAUSE-05")
    assert {"CANON-12", cause} <= set(ids(r))


def test_mimecast_links_cannot_be_undone_and_say_so():
    raw = sign(plain(f"Your invoice: {URL}\r\n".encode()))
    damaged = raw.replace(URL.encode(), b"https://protect-eu.mimecast.com/s/AbCdEfGh?domain=example.org")
    damaged = add_headers(damaged, b"X-Mimecast-Spam-Score: 1\r\n")
    r = analyze_body(*parsed(damaged))
    assert r.proven_change is None
    assert any("opaque ids" in t for t in r.tried)
    assert any(i.cause == "CAUSE-05" and i.name == "Mimecast" for i in r.intermediaries)


def test_safe_links_with_delivery_time_pass_is_evid05_not_sender_fault():
    raw = sign(plain(f"Your invoice: {URL}\r\n".encode()))
    damaged = raw.replace(URL.encode(), WRAP["Microsoft Safe Links"](URL).encode())
    damaged = add_headers(damaged, b"Authentication-Results: spf=pass smtp.mailfrom=example.com; dkim=pass "
                                   b"(signature was verified) header.d=example.com;dmarc=pass\r\n")
    r = analyze_body(*parsed(damaged))
    assert "EVID-05" in ids(r)
    canon12 = next(f for f in r.findings if f.id == "CANON-12")
    assert canon12.severity == "info"


def test_8bit_reencoded_to_quoted_printable_by_exchange():
    text = "Grüße aus Köln — café résumé\r\nZweite Zeile mit Umlauten: äöü\r\n".encode()
    raw = sign(plain(text, cte=b"8bit"))
    qp = email.quoprimime.body_encode(text.decode("latin-1"), maxlinelen=76, eol="\r\n").encode("latin-1")
    damaged = raw.replace(text, qp).replace(b"Content-Transfer-Encoding: 8bit",
                                            b"Content-Transfer-Encoding: quoted-printable")
    damaged = add_headers(damaged, b"Received: from app.example.com by DB8PR01MB1234.eurprd01.prod.outlook.com; "
                                   b"Mon, 23 Nov 2026\r\nX-MS-Exchange-Organization-SCL: 1\r\n")
    r = analyze_body(*parsed(damaged))
    assert r.proven_change.kind == "re-encoded"
    assert "from 8bit to quoted-printable" in r.proven_change.description
    assert {"CANON-08", "CAUSE-08"} <= set(ids(r))


def test_quoted_printable_part_reencoded_to_base64():
    text = ("Prix: 12 € — à payer avant le 1er décembre. " * 4 + "\r\nMerci.\r\n")
    qp = email.quoprimime.body_encode(text.encode("utf-8").decode("latin-1"), maxlinelen=76,
                                      eol="\r\n").encode("latin-1")
    raw = sign(multipart([(b"text/plain; charset=utf-8", b"quoted-printable", qp.rstrip(b"\r\n")),
                          (b"text/html; charset=utf-8", b"7bit", b"<p>Prix</p>")]))
    decoded = text.encode("utf-8")
    b64 = base64.encodebytes(decoded).replace(b"\n", b"\r\n").rstrip(b"\r\n")
    damaged = raw.replace(qp.rstrip(b"\r\n"), b64).replace(
        b"Content-Transfer-Encoding: quoted-printable", b"Content-Transfer-Encoding: base64")
    r = analyze_body(*parsed(damaged))
    assert r.proven_change is not None, r.tried
    assert r.proven_change.kind == "re-encoded"
    assert "quoted-printable to base64" in r.proven_change.description


def test_lf_line_endings_are_converted_and_said_by_the_input_stage_only():
    raw = sign(plain(text_body())).replace(b"\r\n", b"\n")
    r = analyze_body(*parsed(raw))
    assert r.matches
    assert "EVID-02" not in ids(r)
    assert [f.id for f in classify(raw).findings].count("EVID-02") == 1


def test_trailing_spaces_stripped_with_the_original_shows_whitespace_change():
    body = b"Total:   42  \r\nThanks \r\n"
    sent = sign(plain(body), canon=(b"relaxed", b"simple"))
    received = sent.replace(b"Total:   42  \r\n", b"Total:   42\r\n").replace(b"Thanks \r\n", b"Thanks\r\n")
    msg, sig = parsed(received)
    r = analyze_body(msg, sig, original=parse_message(sent))
    assert r.original_matches is True
    assert r.proven_change.kind == "whitespace" and r.proven_change.finding_id == "CANON-04"
    assert [d.text_visible for d in r.diff if d.kind == "removed"] == ["Total:   42··", "Thanks·"]
    assert [d.text_visible for d in r.diff if d.kind == "added"] == ["Total:   42", "Thanks"]


def test_lines_rewrapped_at_76():
    long_line = ("This paragraph was written as one long line by the sender's application and a relay "
                 "wrapped it because it was longer than it liked to see in a plain text body.")
    body = long_line.encode() + b"\r\n\r\nShort line.\r\n"
    raw = sign(plain(body))
    wrapped = "\r\n".join(textwrap.wrap(long_line, 76)).encode()
    r = analyze_body(*parsed(raw.replace(long_line.encode(), wrapped)))
    assert r.proven_change is not None, r.tried
    assert r.proven_change.kind == "re-wrapped" and r.proven_change.finding_id == "CANON-09"


def test_mbox_from_escaping():
    body = b"Hello\r\nFrom here on, things change.\r\nBye\r\n"
    raw = sign(plain(body))
    r = analyze_body(*parsed(raw.replace(b"\r\nFrom here", b"\r\n>From here")))
    assert r.proven_change.kind == "mbox-from"
    assert r.proven_change.received_bytes == b">From here on, things change.\r\n"
    assert r.proven_change.original_bytes == b"From here on, things change.\r\n"


def test_length_limit_with_appended_content_passes_and_warns():
    raw = sign(plain(text_body()), length=True)
    r = analyze_body(*parsed(add_headers(raw, LIST_HEADERS) + FOOTER))
    assert r.matches
    assert r.unsigned_tail == FOOTER
    assert "DKIM-SIG-14" not in ids(r)  # said once, by the tag checks that see l= first:
    msg, _ = parsed(add_headers(raw, LIST_HEADERS) + FOOTER)
    decoded = decode_signatures(msg, now=datetime.now(UTC))
    (sig14,) = [f for f in decoded.findings if f.id == "DKIM-SIG-14"]
    assert sig14.severity == "warn" and "Team mailing list -- team@lists.example.org" in " ".join(sig14.evidence)


def test_empty_body_signed_is_proven_and_left_to_verify_to_say():
    raw = sign(plain(b""))
    r = analyze_body(*parsed(raw + b"Body attached after signing.\r\n"))
    assert r.proven_change.kind == "empty-body-signed"
    assert "CANON-06" not in ids(r)  # wizard.dkim.verify's finding (tests/dns/test_verify_live.py)


def test_pasted_copy_is_not_blamed_on_the_sender():
    raw = sign(plain(text_body()))
    head, body = raw.split(b"\r\n\r\n", 1)
    # A mail client's copy: headers unfolded into one line each, a stray line, body re-spaced.
    head = head.replace(b"\r\n ", b" ").replace(b"\r\n\t", b" ")
    pasted = head + b"\r\nShow original\r\n\r\n" + body.replace(b"Line 3 of", b"Line 3\xc2\xa0of")
    r = analyze_body(*parsed(pasted))
    assert not r.matches and r.proven_change is None
    assert r.paste_damage and not any(f.severity in ("warn", "error") for f in r.findings)
    evid = [f for f in classify(pasted).findings if f.id == "EVID-03"]
    assert len(evid) == 1 and "save the original .eml" in evid[0].title


def test_unexplained_change_says_so_and_lists_what_was_tried():
    raw = sign(plain(text_body()))
    r = analyze_body(*parsed(raw.replace(b"Line 4 of", b"Line 4 in")))
    assert r.proven_change is None
    assert any(f.title == "No single known change explains the body hash" for f in r.findings)
    assert len(r.tried) >= 3


def test_original_gives_a_visible_diff_and_names_the_matching_copy():
    sent = sign(plain(text_body(20)), canon=(b"relaxed", b"simple"))
    received = sent.replace(b"Line 7 of", b"Line 7\tof") + b"Sent from the list\r\n"
    msg, sig = parsed(received)
    r = analyze_body(msg, sig, original=parse_message(sent))
    assert r.original_matches is True and r.original_bh == r.expected_bh
    kinds = [(d.kind, d.text_visible) for d in r.diff if d.kind != "same"]
    assert ("added", "Line 7␉of the message, with some words in it.") in kinds
    assert ("added", "Sent from the list") in kinds


def test_huge_bodies_are_capped(monkeypatch):
    monkeypatch.setattr(forensics_body, "MAX_BODY", 100)
    raw = sign(plain(text_body()))
    r = analyze_body(*parsed(raw + FOOTER))
    assert not r.matches and r.proven_change is None
    assert r.caps and r.caps[0].limit == 100


def test_bad_body_hash_is_said_once_by_the_signature_checks_not_by_forensics():
    raw = b"DKIM-Signature: v=1; a=rsa-sha256; d=example.com; s=sel; h=from; bh=%%%; b=x\r\n" + plain(text_body())
    msg, sig = parsed(raw)
    r = analyze_body(msg, sig)
    assert not r.matches and r.findings == () and "bh=%%% is not valid base64" in r.error
    decoded = decode_signatures(msg, now=datetime.now(UTC)).signatures[0]
    assert "DKIM-SIG-17" in [f.id for f in decoded.findings]


def test_safe_links_inside_a_quoted_printable_html_part():
    html = (f'<html><body><p>Dear customer, your invoice is ready: <a href="{URL}">open it</a>. '
            'Regards, the billing team — Zürich</p></body></html>\r\n')

    def qp(text: str) -> bytes:
        return email.quoprimime.body_encode(text.encode("utf-8").decode("latin-1"), maxlinelen=76,
                                            eol="\r\n").encode("latin-1")

    raw = sign(multipart([(b"text/plain; charset=utf-8", b"7bit", b"Your invoice is ready."),
                          (b"text/html; charset=utf-8", b"quoted-printable", qp(html).rstrip(b"\r\n"))]))
    wrapped = html.replace(URL, WRAP["Microsoft Safe Links"](URL).replace("&", "&amp;"))
    damaged = raw.replace(qp(html).rstrip(b"\r\n"), qp(wrapped).rstrip(b"\r\n"))
    r = analyze_body(*parsed(damaged))
    assert r.proven_change is not None, r.tried
    assert r.proven_change.kind == "links-rewritten" and "Microsoft Safe Links" in r.proven_change.description
    assert "CAUSE-04" in ids(r)


def test_html_part_removed_by_a_list_is_mime_restructured():
    parts = [(b"text/plain; charset=utf-8", b"7bit", b"Hello"), (b"text/html; charset=utf-8", b"7bit", b"<p>Hello</p>")]
    sent = sign(multipart(parts))
    received = sent.replace(b"--==b1==\r\nContent-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: 7bit"
                            b"\r\n\r\n<p>Hello</p>\r\n", b"")
    msg, sig = parsed(LIST_HEADERS + received)
    r = analyze_body(msg, sig, original=parse_message(sent))
    assert r.proven_change.kind == "mime-restructured"
    assert {"CANON-14", "CAUSE-01"} <= set(ids(r))
    assert any(d.kind == "removed" and d.text_visible == "<p>Hello</p>" for d in r.diff)


from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_SIG = st.sampled_from([
    "v=1; a=rsa-sha256; c=relaxed/simple; d=example.com; s=s; h=from; "
    "bh=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=; b=AA==",
    "v=1; a=rsa-sha1; c=simple; d=x; s=y; l=5; h=from:to; bh=frcCV1k9oG9oKj3dpUqdJg1PxRT2RSN/XKdLCPjaYaY=; b=",
    "v=1; c=bogus; bh=x", "no tags at all", "a=; b=; bh=====", "l=-3; bh=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=",
])
_PIECES = st.sampled_from([b"From: a@b\r\n", b"Content-Type: multipart/mixed; boundary=x\r\n", b"\r\n", b"--x\r\n",
                           b"--x--\r\n", b"Content-Transfer-Encoding: base64\r\n", b"Content-Transfer-Encoding: "
                           b"quoted-printable\r\n", b"=3D=\r\n", b"https://urldefense.com/v3/__x__;!!a$", b"\n", b"\r",
                           b">From x\r\n", b"..\r\n", b"\xff\xfe", b" \t ", b"QUJD\r\n"])


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_PIECES, max_size=30), _SIG)
def test_never_raises_on_hostile_input(pieces, sig):
    msg = parse_message(b"DKIM-Signature: " + sig.encode() + b"\r\n" + b"".join(pieces))
    for parsed_sig in parse_signatures(msg):
        r = analyze_body(msg, parsed_sig, original=msg)
        assert isinstance(r.findings, tuple)


def test_quoted_printable_rewrapped_at_another_width():
    text = ("Sehr geehrte Kundin, die Rechnung über 1.234,56 € ist fällig. " * 3 + "\r\n").encode("utf-8")
    at = {w: email.quoprimime.body_encode(text.decode("latin-1"), maxlinelen=w, eol="\r\n").encode("latin-1")
          for w in (72, 76)}
    raw = sign(multipart([(b"text/plain; charset=utf-8", b"quoted-printable", at[72].rstrip(b"\r\n"))]))
    r = analyze_body(*parsed(raw.replace(at[72].rstrip(b"\r\n"), at[76].rstrip(b"\r\n"))))
    assert r.proven_change is not None, r.tried
    assert r.proven_change.kind == "re-encoded" and r.proven_change.finding_id == "CANON-08"
