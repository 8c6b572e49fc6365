"""DKIM-Signature decoding and the no-DNS checks of diagnoses.md §1, on messages signed by
dkimpy in the test (RSA keys from cryptography, Ed25519 from PyNaCl) and on hand-edited
headers for the syntax cases."""
from __future__ import annotations

import base64
import hashlib
import re
import time
from datetime import UTC, datetime, timedelta

import nacl.encoding
import nacl.signing
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from dkim.canonicalization import CanonicalizationPolicy
from hypothesis import given, settings
from hypothesis import strategies as st

import dkim
from wizard.dkim.taglist import Verdict
from wizard.dkim.tags import decode_signatures
from wizard.input.message import parse_message

T0 = 1704067200  # 2024-01-01 00:00:00 UTC: every test signs "at" this time
NOW = datetime(2024, 1, 2, tzinfo=UTC)

BODY = b"Hello,\r\n\r\nthe report is attached.\r\n"
HEADERS = (
    b"From: Alice <alice@example.com>\r\n"
    b"To: bob@example.org\r\n"
    b"Subject: Quarterly report\r\n"
    b"Date: Mon, 01 Jan 2024 00:00:00 +0000\r\n"
    b"Message-ID: <1@example.com>\r\n"
)
MESSAGE = HEADERS + b"\r\n" + BODY


def received(stamp: int, by: str = "mx.example.org") -> bytes:
    when = datetime.fromtimestamp(stamp, tz=UTC).strftime("%a, %d %b %Y %H:%M:%S +0000")
    return (f"Received: from out.example.com (out.example.com [203.0.113.7])\r\n"
            f"\tby {by} with ESMTPS id abc; {when}\r\n").encode()


@pytest.fixture(scope="module")
def rsa_key() -> tuple[bytes, bytes]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
                            serialization.NoEncryption())
    der = key.public_key().public_bytes(serialization.Encoding.DER,
                                        serialization.PublicFormat.SubjectPublicKeyInfo)
    return pem, b"v=DKIM1; k=rsa; p=" + base64.b64encode(der)


@pytest.fixture
def sign(rsa_key, monkeypatch):
    """dkim.sign at T0 (dkimpy stamps t= from time.time)."""
    monkeypatch.setattr(time, "time", lambda: T0)

    def _sign(message=MESSAGE, **kw) -> bytes:
        kw.setdefault("canonicalize", (b"relaxed", b"relaxed"))
        kw.setdefault("include_headers", [b"from", b"to", b"subject", b"date", b"message-id"])
        return dkim.sign(message, kw.pop("selector", b"sel"), kw.pop("domain", b"example.com"),
                         rsa_key[0], **kw) + message
    return _sign


@pytest.fixture
def sign_with(rsa_key):
    """Sign with extra tags (x=, z=) dkim.sign has no option for, through dkimpy's own
    DKIM.gen_header, so the result is a real signature."""

    def _sign(extra, message=MESSAGE, include=(b"from", b"to", b"subject")) -> bytes:
        d = dkim.DKIM(message)
        d.hasher = dkim.HASH_ALGORITHMS[b"rsa-sha256"]
        policy = CanonicalizationPolicy.from_c_value(b"relaxed/relaxed")
        bh = base64.b64encode(hashlib.sha256(policy.canonicalize_body(d.body)).digest())
        fields = [(b"v", b"1"), (b"a", b"rsa-sha256"), (b"c", b"relaxed/relaxed"),
                  (b"d", b"example.com"), (b"s", b"sel"), (b"t", str(T0).encode()), *extra,
                  (b"h", b":".join(include)), (b"bh", bh), (b"b", b"")]
        pk = dkim.crypto.parse_pem_private_key(rsa_key[0])
        return b"DKIM-Signature: " + d.gen_header(fields, list(include), policy,
                                                  b"DKIM-Signature", pk) + message
    return _sign


def decode(raw: bytes, now: datetime = NOW):
    return decode_signatures(parse_message(raw), now=now)


def ids(result) -> list[str]:
    return [f.id for f in result.findings]


def only(result):
    (sig,) = result.signatures
    return sig


def tag(sig, name):
    return next(t for t in sig.tags if t.name == name)


def test_clean_signature_decoded(sign, rsa_key):
    raw = sign()
    assert dkim.verify(raw, dnsfunc=lambda name, timeout=5: rsa_key[1])  # a real signature
    sig = only(decode(raw))
    assert (sig.index, sig.d, sig.s, sig.a) == (0, "example.com", "sel", "rsa-sha256")
    assert (sig.c_header, sig.c_body) == ("relaxed", "relaxed")
    assert sig.t == datetime(2024, 1, 1, tzinfo=UTC)
    assert sig.h == ("from", "to", "subject", "date", "message-id")
    assert sig.syntax_ok and sig.warnings == ()
    assert not [f for f in sig.findings if f.severity.is_failure]
    assert tag(sig, "t").meaning == "signed at 2024-01-01 00:00:00 UTC"
    assert "2048-bit" in tag(sig, "b").meaning
    assert "32 bytes" in tag(sig, "bh").meaning
    assert all(t.verdict is Verdict.OK for t in sig.tags)
    assert all(f.about == "DKIM-Signature #1 (d=example.com s=sel)" for f in sig.findings)


def test_canonicalisation_meanings(sign):
    sig = only(decode(sign(canonicalize=(b"relaxed", b"simple"))))
    assert tag(sig, "c").meaning == ("canonicalisation: headers relaxed (tolerates refolding and "
                                     "whitespace changes), body simple (any whitespace change breaks it)")
    assert "simple_canon" in sig.warnings
    assert "DKIM-SIG-07" in ids(decode(sign(canonicalize=(b"relaxed", b"simple"))))


def test_c_relaxed_alone_means_relaxed_simple(sign):
    raw = sign().replace(b"c=relaxed/relaxed", b"c=relaxed", 1)
    sig = only(decode(raw))
    assert (sig.c_header, sig.c_body) == ("relaxed", "simple")


def test_c_absent_defaults_to_simple_simple(sign):
    raw = sign().replace(b"c=relaxed/relaxed;", b"", 1)
    sig = only(decode(raw))
    assert (sig.c_header, sig.c_body) == ("simple", "simple")
    assert tag(sig, "c").verdict is Verdict.WARN


def test_l_tag_counts_unsigned_footer(sign):
    footer = b"--\r\nlist footer: unsubscribe at https://lists.example.org/\r\n"
    raw = sign(length=True) + footer
    sig = only(decode(raw))
    assert sig.l == len(BODY)
    finding = next(f for f in sig.findings if f.id == "DKIM-SIG-14")
    assert f"{len(footer)} bytes of the body are unsigned" in finding.title
    assert "list footer" in finding.evidence[-1]
    assert "body_length" in sig.warnings
    assert tag(sig, "l").verdict is Verdict.WARN


def test_l_tag_longer_than_body_is_an_error(sign):
    raw = sign(length=True)
    raw = raw.replace(b"the report is attached.", b"cut")
    finding = next(f for f in only(decode(raw)).findings if f.id == "DKIM-SIG-14")
    assert finding.severity == "error"


def test_x_short_validity_expired_before_delivery(sign_with):
    raw = received(T0 + 7200) + sign_with([(b"x", str(T0 + 600).encode())])
    sig = only(decode(raw))
    assert sig.x == datetime(2024, 1, 1, 0, 10, tzinfo=UTC)
    found = {f.title: f for f in sig.findings if f.id == "DKIM-SIG-16"}
    assert "Signature expired before delivery" in found
    assert found["Signature expired before delivery"].severity == "error"
    assert "validity 10 minutes" in found["Signature expired before delivery"].detail
    assert any(t.startswith("Very short validity") for t in found)
    assert {"expired", "short_expiry"} <= set(sig.warnings)
    assert tag(sig, "x").verdict is Verdict.ERROR


def test_x_before_t(sign_with):
    sig = only(decode(sign_with([(b"x", str(T0 - 1).encode())])))
    assert [f.title for f in sig.findings if f.id == "DKIM-SIG-16"] == ["x= is not later than t="]


def test_x_expired_only_since_delivery_is_a_warning(sign_with):
    raw = received(T0 + 60) + sign_with([(b"x", str(T0 + 7 * 86400).encode())])
    sig = only(decode(raw, now=NOW + timedelta(days=30)))
    (finding,) = [f for f in sig.findings if f.id == "DKIM-SIG-16"]
    assert finding.severity == "warn" and "since delivery" in finding.title


def test_t_in_the_future_against_first_received(sign, monkeypatch):
    raw = received(T0 - 3 * 3600) + sign()  # signed 3 h after the relay received it
    sig = only(decode(raw))
    assert "future" in sig.warnings
    assert {"DKIM-SIG-15", "CAUSE-19"} <= {f.id for f in sig.findings}
    finding = next(f for f in sig.findings if f.id == "DKIM-SIG-15")
    assert "3.0 hours" in finding.title and finding.evidence[-1].startswith("Received:")


def test_t_in_the_future_against_the_clock(sign):
    sig = only(decode(sign(), now=datetime(2023, 12, 1, tzinfo=UTC)))
    finding = next(f for f in sig.findings if f.id == "DKIM-SIG-15")
    assert "time of this check" in finding.detail
    assert not any(f.id == "CAUSE-19" for f in sig.findings)


def test_oversigned_from_then_second_from_prepended(sign):
    raw = sign(include_headers=[b"from", b"from", b"subject", b"to"])
    sig = only(decode(raw))
    assert "oversigned" in tag(sig, "h").note
    assert any(f.id == "DKIM-SIG-12" and f.severity == "info" for f in sig.findings)
    forged = b"From: Mallory <ceo@example.com>\r\n" + raw
    sig = only(decode(forged))
    titles = {f.title: f for f in sig.findings if f.id == "DKIM-SIG-12"}
    assert "Signed header added after signing" in titles
    assert any("ceo@example.com" in e for e in titles["Signed header added after signing"].evidence)
    assert titles["From appears 2 times"].severity == "error"
    assert "duplicate_from" in sig.warnings


def test_list_header_added_by_a_later_hop_under_oversigning(sign):
    raw = sign(include_headers=[b"from", b"subject", b"list-id"])
    assert not any(f.title == "Signed header added after signing" for f in only(decode(raw)).findings)
    relayed = b"List-Id: <team.lists.example.org>\r\n" + received(T0 + 5) + raw
    finding = next(f for f in only(decode(relayed)).findings
                   if f.title == "Signed header added after signing")
    assert "List-Id" in finding.evidence[-1]


def test_signature_among_the_headers_is_not_mistaken_for_additions(sign):
    raw = sign()
    sig_header, _, rest = raw.partition(b"From: ")
    head, _, body = (b"From: " + rest).partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    moved = b"\r\n".join(lines[:3]) + b"\r\n" + sig_header + b"\r\n".join(lines[3:]) + b"\r\n\r\n" + body
    sig = only(decode(moved))  # Amazon SES style: the signature sits among the headers
    assert not any(f.title == "Signed header added after signing" for f in sig.findings)


def test_second_from_not_covered_is_duplicate(sign):
    raw = b"From: Mallory <ceo@example.com>\r\n" + sign()
    sig = only(decode(raw))
    finding = next(f for f in sig.findings if f.title == "From appears 2 times")
    assert finding.severity == "error" and "line 1" in finding.evidence[-1]


def test_identity_outside_domain(sign):
    raw = sign(identity=b"news@example.com").replace(b"i=news@example.com", b"i=@example.net")
    sig = only(decode(raw))
    assert "DKIM-SIG-09" in ids(decode(raw)) and sig.i == "@example.net"
    assert tag(sig, "i").verdict is Verdict.ERROR


def test_identity_subdomain_is_fine(sign):
    sig = only(decode(sign(identity=b"@mail.example.com")))
    assert not any(f.id == "DKIM-SIG-09" for f in sig.findings)


def test_from_not_signed(sign):
    raw = re.sub(rb"h=from\s*:", b"h=", sign(), count=1)
    sig = only(decode(raw))
    assert "DKIM-SIG-10" in [f.id for f in sig.findings]
    assert "unsigned_from" in sig.warnings


def test_list_unsubscribe_post_unsigned(sign):
    bulk = (b"List-Unsubscribe: <https://example.com/u?x=1>\r\n"
            b"List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n" + MESSAGE)
    sig = only(decode(sign(bulk)))
    finding = next(f for f in sig.findings if f.id == "DKIM-SIG-11")
    assert "List-Unsubscribe-Post" in finding.detail and "RFC 8058" in finding.detail


def test_commonly_rewritten_headers_listed_as_context(sign):
    finding = next(f for f in only(decode(sign())).findings if f.id == "DKIM-SIG-13")
    assert finding.severity == "info" and "subject" in finding.detail


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (lambda r: r.replace(b"d=example.com;", b"d=example.com; d=evil.example;", 1), "DKIM-SIG-02"),
        (lambda r: r.replace(b"v=1;", b"v=1;;", 1), "DKIM-SIG-02"),
        (lambda r: r.replace(b"s=sel;", b"s=sel; junk;", 1), "DKIM-SIG-02"),
        (lambda r: r.replace(b"bh=", b"xh=", 1), "DKIM-SIG-03"),
        (lambda r: r.replace(b"v=1;", b"v=2;", 1), "DKIM-SIG-04"),
        (lambda r: r.replace(b"a=rsa-sha256", b"a=rsa-md5", 1), "DKIM-SIG-06"),
        (lambda r: r.replace(b"q=dns/txt", b"q=http", 1), "DKIM-SIG-18"),
        (lambda r: r.replace(b"t=1704067200", b"t=soon", 1), "DKIM-SIG-02"),
        (lambda r: r.replace(b"d=example.com;", b"d=exa$mple.com;", 1), "DKIM-SIG-02"),
    ],
)
def test_hand_edited_headers(sign, edit, expected):
    result = decode(edit(sign()))
    assert expected in ids(result)
    finding = next(f for f in result.findings if f.id == expected)
    assert finding.severity == "error"
    assert finding.evidence[0].startswith("DKIM-Signature:")


def test_duplicate_tag_evidence_points_at_it(sign):
    raw = sign().replace(b"d=example.com;", b"d=example.com; d=evil.example;", 1)
    sig = only(decode(raw))
    finding = next(f for f in sig.findings if f.id == "DKIM-SIG-02")
    line, caret = finding.evidence[1].split("\n")
    assert line[caret.index("^"):].startswith("d=evil.example")
    assert not sig.syntax_ok


def test_rsa_sha1(sign):
    sig = only(decode(sign(signature_algorithm=b"rsa-sha1")))
    assert "DKIM-SIG-05" in [f.id for f in sig.findings] and "sha1" in sig.warnings
    assert not any(f.id == "DKIM-SIG-17" for f in sig.findings)  # 20-byte bh is right for sha1


def test_bh_wrong_length_and_bad_base64(sign):
    raw = sign()
    good_bh = only(decode(raw)).bh
    short = base64.b64encode(b"\x00" * 30).decode()
    sig = only(decode(raw.replace(good_bh.encode(), short.encode())))
    finding = next(f for f in sig.findings if f.id == "DKIM-SIG-17")
    assert "30 bytes" in finding.title
    sig = only(decode(raw.replace(good_bh.encode(), b"not*base64")))
    assert "DKIM-SIG-17" in [f.id for f in sig.findings]


@pytest.fixture(scope="module")
def ed_key() -> bytes:
    return nacl.signing.SigningKey.generate().encode(encoder=nacl.encoding.Base64Encoder)


def test_ed25519_only_and_both(sign, ed_key):
    ed = dkim.sign(MESSAGE, b"ed", b"example.com", ed_key, signature_algorithm=b"ed25519-sha256")
    result = decode(ed + MESSAGE)
    assert [(f.id, f.severity) for f in result.findings if f.id == "DKIM-SIG-06"] == [("DKIM-SIG-06", "warn")]
    assert "64 bytes" in tag(only(result), "b").meaning
    both = decode(ed + sign())
    assert [(f.id, f.severity) for f in both.findings if f.id == "DKIM-SIG-06"] == [("DKIM-SIG-06", "info")]


def test_several_and_duplicate_signers(sign, rsa_key):
    once = sign()
    twice = dkim.sign(once, b"sel", b"example.com", rsa_key[0]) + once
    result = decode(twice)
    assert [s.index for s in result.signatures] == [0, 1]
    assert {"DKIM-SIG-19", "DKIM-SIG-20"} <= set(ids(result))
    three = dkim.sign(twice, b"other", b"esp.example", rsa_key[0]) + twice
    result = decode(three)
    assert ids(result).count("DKIM-SIG-20") == 1
    assert result.signatures[0].d == "esp.example"


def test_z_tag_diff(sign_with):
    z = b"From:Alice=20<alice@example.com>|Subject:Hello"
    raw = sign_with([(b"z", z)])
    sig = only(decode(raw))
    finding = next(f for f in sig.findings if f.id == "DKIM-SIG-21")
    assert any("Subject: was 'Hello', now 'Quarterly report'" in e for e in finding.evidence)
    assert not any(e.startswith("From:") for e in finding.evidence[1:])


def test_rfc6376_appendix_a2_and_z_example():
    raw = (
        b"DKIM-Signature: v=1; a=rsa-sha256; s=brisbane; d=example.com;\r\n"
        b"      c=simple/simple; q=dns/txt; i=joe@football.example.com;\r\n"
        b"      h=Received : From : To : Subject : Date : Message-ID;\r\n"
        b"      bh=2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=;\r\n"
        b"      b=AuUoFEfDxTDkHlLXSZEpZj79LICEps6eda7W3deTVFOk4yAUoqOB\r\n"
        b"        4nujc7YopdG5dWLSdNg6xNAZpOPr+kHxt1IrE+NahM6L/LbvaHut\r\n"
        b"        KVdkLLkpVaVVQPzeRDI009SO2Il5Lu7rDNH6mZckBdrIx0orEtZV\r\n"
        b"        4bmp/YzhwvcubU4=;\r\n"
        b"      z=From:foo@eng.example.net|To:joe@example.com|\r\n"
        b"        Subject:demo=20run|Date:July=205,=202005=203:44:08=20PM=20-0700\r\n"
        b"Received: from client1.football.example.com  [192.0.2.1]\r\n"
        b"      by submitserver.example.com with SUBMISSION;\r\n"
        b"      Fri, 11 Jul 2003 21:01:54 -0700 (PDT)\r\n"
        b"From: Joe SixPack <joe@football.example.com>\r\n"
        b"To: Suzie Q <suzie@shopping.example.net>\r\n"
        b"Subject: Is dinner ready?\r\n"
        b"Date: Fri, 11 Jul 2003 21:00:37 -0700 (PDT)\r\n"
        b"Message-ID: <20030712040037.46341.5F8J@football.example.com>\r\n"
        b"\r\nHi.\r\n\r\nWe lost the game. Are you hungry yet?\r\n\r\nJoe.\r\n"
    )
    sig = only(decode(raw, now=datetime(2003, 7, 12, tzinfo=UTC)))
    assert sig.syntax_ok and sig.i == "joe@football.example.com"
    assert sig.h == ("Received", "From", "To", "Subject", "Date", "Message-ID")
    assert "1024-bit" in tag(sig, "b").meaning
    assert not any(f.id == "DKIM-SIG-09" for f in sig.findings)
    z = next(f for f in sig.findings if f.id == "DKIM-SIG-21")
    assert "Subject: was 'demo run', now 'Is dinner ready?'" in z.evidence
    assert any("July 5, 2005 3:44:08 PM -0700" in e for e in z.evidence)


def test_no_signature():
    result = decode(MESSAGE)
    assert result.signatures == () and ids(result) == ["DKIM-SIG-01"]


def test_cap_on_many_signatures(sign):
    one = sign()
    header, _, _ = one.partition(b"From: ")
    raw = header * 500 + MESSAGE
    result = decode(raw)
    assert len(result.signatures) == 50 and result.total == 500
    assert result.cap is not None and result.cap.seen == 500
    assert any("Only the first 50 of 500" in f.title for f in result.findings)


def test_postfix_78_duplicate_signer():
    with open("/work/shared/data/bounces/lhost-postfix-78.eml", "rb") as f:
        text = f.read()
    returned = text.split(b"Content-Type: message/rfc822\n\n", 1)[1]
    result = decode(returned, now=datetime(2022, 8, 5, tzinfo=UTC))
    assert len(result.signatures) == 2
    assert "DKIM-SIG-20" in ids(result)
    assert all("DKIM-SIG-03" in [f.id for f in s.findings] for s in result.signatures)


_tag_values = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=30)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(list("vabcdhilqstxz") + ["bh", "cv", "zz"]), _tag_values),
                max_size=14),
       st.binary(max_size=60))
def test_random_tag_lists_never_raise(pairs, body):
    value = "; ".join(f"{k}={v}" for k, v in pairs)
    raw = ("DKIM-Signature: " + value + "\r\nFrom: a@example.com\r\n\r\n").encode("utf-8",
                                                                                  "surrogatepass")
    decode(raw + body)


@settings(max_examples=100, deadline=None)
@given(st.data())
def test_mutated_real_signature_never_raises(rsa_key, data):
    raw = bytearray(dkim.sign(MESSAGE, b"sel", b"example.com", rsa_key[0], length=True,
                              identity=b"@example.com") + MESSAGE)
    for _ in range(data.draw(st.integers(1, 6))):
        pos = data.draw(st.integers(0, len(raw) - 1))
        raw[pos] = data.draw(st.sampled_from(b";=: \t\r\nAZaz09+/\x00\xff"))
    decode(bytes(raw))
