"""What kind of evidence the user gave, and whether the copy can be trusted (EVID-01…04)."""
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wizard.input.classify import UnreadableInput, classify
from wizard.input.message import parse_message

MESSAGE = (
    b"Received: from mail.example.com (mail.example.com [192.0.2.10])\r\n\tby mx.example.org; "
    b"Fri, 20 Nov 2026 09:30:04 +0000\r\nFrom: Alice <alice@example.com>\r\nTo: bob@example.org\r\n"
    b"Subject: hi\r\nDate: Fri, 20 Nov 2026 09:30:00 +0000\r\n\r\nHello Bob\r\n"
)


@pytest.mark.parametrize(
    "raw, kind",
    [
        (b"example.com\n", "domain"),
        (b"550 5.7.26 Unauthenticated email from example.com is not accepted", "smtp_reply"),
        (b"550-5.7.26 Unauthenticated email\r\n550 5.7.26 https://support.google.com\r\n", "smtp_reply"),
        (b"421 4.7.0 Try again later", "smtp_reply"),
        (b"DKIM-Signature: v=1; a=rsa-sha256; d=example.com; s=s1;\r\n h=from; bh=AAAA; b=BBBB", "dkim_signature"),
        (b"v=1; a=rsa-sha256; d=example.com; s=s1; h=from; bh=AAAA; b=BBBB", "dkim_signature"),
        (b"Authentication-Results: mx.google.com; dkim=pass header.i=@example.com", "auth_results"),
        (b"spf=pass (sender IP is 192.0.2.1) smtp.mailfrom=example.com; dkim=pass header.d=example.com",
         "auth_results"),
        (MESSAGE.split(b"\r\n\r\n")[0] + b"\r\n", "headers"),
        (MESSAGE, "message"),
    ],
)
def test_each_kind_of_input_is_recognised(raw, kind):
    assert classify(raw).kind == kind


@pytest.mark.parametrize("raw", [b"", b"   \n\n", b"\x00\x01\x02binary\xff" * 100])
def test_empty_and_binary_input_get_a_plain_reason(raw):
    with pytest.raises(UnreadableInput) as info:
        classify(raw)
    assert "input" in str(info.value)


def test_lf_file_is_converted_and_said_so():
    evidence = classify(MESSAGE.replace(b"\r\n", b"\n"))
    assert evidence.message.canonical.count(b"\r\n") > 5
    assert any(f.id == "EVID-02" for f in evidence.findings)


def test_pasted_copy_with_lost_folding_is_flagged_as_damaged():
    pasted = MESSAGE.replace(b"\r\n\tby mx", b"\r\nby mx") + b""
    signed = b"DKIM-Signature: v=1; a=rsa-sha256; d=example.com;\r\nh=from:to; bh=x; b=y\r\n" + pasted
    evidence = classify(signed)
    damage = [f for f in evidence.findings if f.id == "EVID-03"]
    assert damage and "by mx.example.org" in " ".join(damage[0].evidence)


def test_headers_only_says_body_hash_cannot_be_checked():
    evidence = classify(MESSAGE.split(b"\r\n\r\n")[0] + b"\r\n")
    assert any(f.id == "EVID-04" for f in evidence.findings)


def test_header_without_colon_is_kept_as_evidence_not_an_error():
    msg = parse_message(b"Subject: x\r\nthis line has no colon\r\nFrom: a@example.com\r\n\r\nbody")
    assert [h.name for h in msg.headers] == ["Subject", "From"]
    assert msg.bad_lines == ((2, "this line has no colon"),)


def test_huge_input_is_capped_to_its_headers():
    raw = MESSAGE.split(b"\r\n\r\n")[0] + b"\r\n\r\n" + b"A" * 70 * 1024 * 1024
    evidence = classify(raw)
    assert evidence.caps and evidence.caps[0].seen == len(raw)
    assert len(evidence.raw) < 10_000


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=2000))
def test_classify_never_raises_anything_but_unreadable(raw):
    try:
        classify(raw)
    except UnreadableInput:
        pass


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from([b"\r\n", b"\n", b"\r", b" ", b"\t", b":", b"From ", b"X-A", b"=?", b"\x1b]52;c;",
                                 b"\xc2\x9b", b"\xff"]), max_size=60))
def test_parse_message_survives_mutated_structure(parts):
    raw = MESSAGE + b"".join(parts)
    msg = parse_message(b"".join(parts) + MESSAGE)
    assert msg.canonical.count(b"\n") == msg.canonical.count(b"\r\n")
    parse_message(raw)
