"""A header folded over 100,000 lines (issue 12 §5): dkimpy's own message parse grows a folded
field by concatenation, quadratic in its fold lines, and forensics re-verifies the header
signature several times; so dkimpy is handed the fields already split, never the message."""
from __future__ import annotations

import asyncio
from pathlib import Path

import dkim
from tests.signing import arc_seal, message
from tests.signing import sign as arc_sign
from tests.wizard.signing_helpers import keypair, parsed, plain, sign, text_body
from wizard.arc.verify import verify_arc
from wizard.dns.resolvers import ZoneFileResolver
from wizard.dns.session import DnsSession
from wizard.input.message import parse_message
from wizard.transit.headers import analyze_headers

ZONES = Path(__file__).resolve().parents[2] / "zones"
FOLDED = b"X-Folded: a" + b"\r\n b" * 100_000


def forbid_dkimpy_parse(monkeypatch) -> None:
    """From here on (the test messages are signed by then) dkimpy may not parse a message."""
    def refuse(message):
        raise AssertionError("dkimpy parsed a whole message")
    monkeypatch.setattr(dkim, "rfc822_parse", refuse)


def _with_folded(raw: bytes) -> bytes:
    return FOLDED + b"\r\n" + raw


def test_header_forensics_proves_a_subject_tag_under_a_huge_folded_field(monkeypatch):
    raw = _with_folded(sign(plain(text_body()))).replace(b"Subject: Invoice 42", b"Subject: [EXTERNAL] Invoice 42")
    forbid_dkimpy_parse(monkeypatch)
    msg, sig = parsed(raw)
    report = analyze_headers(msg, sig, public_key=keypair()[1])
    assert report.header_ok is False
    assert report.proven_change.kind == "subject-tag"


def test_an_intact_message_under_a_huge_folded_field_still_verifies(monkeypatch):
    raw = _with_folded(sign(plain(text_body())))
    forbid_dkimpy_parse(monkeypatch)
    msg, sig = parsed(raw)
    assert analyze_headers(msg, sig, public_key=keypair()[1]).header_ok is True


def test_arc_is_verified_from_the_split_fields(monkeypatch):
    sealed = arc_seal(arc_sign(message(), "rsa2048", "rsa2048a"), "arc", "rsa2048a", domain="lists.verify.test",
                      srv_id="lists.verify.test", results="spf=pass smtp.mailfrom=verify.test")
    forbid_dkimpy_parse(monkeypatch)
    session = DnsSession([ZoneFileResolver([ZONES / "verify.test.zone"])], timeout=1.0, compare=False)
    report = asyncio.run(verify_arc(parse_message(_with_folded(sealed)), session))
    assert report.result == "pass", report.reason
