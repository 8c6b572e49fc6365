"""ARC sets sealed by dkimpy's arc_sign, then broken by hand for the structural checks."""
from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from hypothesis import given, settings
from hypothesis import strategies as st

import dkim
from wizard.arc.tags import decode_arc
from wizard.dkim.taglist import Verdict
from wizard.input.message import parse_message

T0 = 1704067200
MESSAGE = (b"From: alice@example.com\r\nTo: team@lists.example.org\r\nSubject: hi\r\n"
           b"Date: Mon, 01 Jan 2024 00:00:00 +0000\r\n\r\nHello\r\n")


@pytest.fixture(scope="module")
def pem() -> bytes:
    key = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
                             serialization.NoEncryption())


def hop(message: bytes, pem: bytes, authserv: bytes, ar: bytes, t: int) -> bytes:
    """One forwarding hop: it verifies (writes its A-R), then seals with dkimpy."""
    message = b"Authentication-Results: " + authserv + b"; " + ar + b"\r\n" + message
    return b"".join(dkim.arc_sign(message, b"arc", authserv, pem, authserv, timestamp=t)) + message


@pytest.fixture(scope="module")
def two_hops(pem) -> bytes:
    one = hop(MESSAGE, pem, b"lists.example.org",
              b"spf=pass smtp.mailfrom=alice@example.com; dkim=pass header.d=example.com", T0)
    return hop(one, pem, b"relay.example.net", b"arc=pass; dkim=fail header.d=example.com", T0 + 60)


def findings(raw: bytes):
    return decode_arc(parse_message(raw)).findings


def test_two_sets_decoded(two_hops):
    arc = decode_arc(parse_message(two_hops))
    assert arc.structure_ok
    assert [i.i for i in arc.instances] == [1, 2]
    first, second = arc.instances
    assert (first.cv, second.cv) == ("none", "pass")
    assert first.seal.d == "lists.example.org" and second.seal.d == "relay.example.net"
    assert first.seal.t == datetime.fromtimestamp(T0, tz=UTC)
    assert first.auth_results.authserv_id == "lists.example.org"
    assert first.summary() == "spf=pass (alice@example.com) dkim=pass (example.com)"
    assert all(t.verdict is Verdict.OK for t in first.message_signature.tags)
    d_tag = next(t for t in first.seal.tags if t.name == "d")
    assert "not used for DMARC alignment" in d_tag.meaning
    (summary,) = [f for f in arc.findings if f.id == "ARC-01"]
    assert "i=1: sealer d=lists.example.org s=arc cv=none" in summary.evidence[0]


def test_missing_member(two_hops):
    broken = re.sub(rb"ARC-Message-Signature: i=2;.*?(?=\r\n\S)\r\n", b"", two_hops, count=1, flags=re.S)
    arc = decode_arc(parse_message(broken))
    assert not arc.structure_ok
    assert any(f.id == "ARC-02" and f.title == "i=2 has no ARC-Message-Signature" for f in arc.findings)


def test_gap_in_instances(two_hops):
    renumbered = two_hops.replace(b"i=2;", b"i=3;")
    titles = [f.title for f in findings(renumbered) if f.id == "ARC-02"]
    assert "ARC instance i=2 is missing" in titles


def test_duplicate_member(two_hops):
    seal = re.search(rb"ARC-Seal: i=1;.*?\r\n(?=\S)", two_hops, re.S).group(0)
    titles = [f.title for f in findings(seal + two_hops)]
    assert "i=1 has 2 ARC-Seal fields" in titles


@pytest.mark.parametrize(
    ("old", "new", "title"),
    [
        (b"i=2; cv=pass", b"i=2; cv=none", "i=2 has cv=none"),
        (b"i=1; cv=none", b"i=1; cv=pass", "i=1 has cv=pass"),
        (b"i=2; cv=pass", b"i=2; cv=fail", "The chain was already broken at i=2 (cv=fail)"),
    ],
)
def test_cv_rules(two_hops, old, new, title):
    assert old in two_hops
    arc = decode_arc(parse_message(two_hops.replace(old, new)))
    assert not arc.structure_ok
    assert title in [f.title for f in arc.findings if f.id == "ARC-03"]


def test_seal_with_h_and_wrong_algorithm(two_hops):
    edited = two_hops.replace(b"i=2; cv=pass; a=rsa-sha256", b"i=2; cv=pass; a=rsa-sha1; h=from", 1)
    titles = [f.title for f in findings(edited)]
    assert "ARC-Seal carries h=" in titles and "ARC-Seal uses a=rsa-sha1" in titles


def test_more_than_fifty_instances(pem):
    sets = []
    for i in range(1, 53):
        sets.append(f"ARC-Seal: i={i}; cv={'none' if i == 1 else 'pass'}; a=rsa-sha256; "
                    f"d=x.example; s=s; t={T0}; b=AAAA\r\n"
                    f"ARC-Message-Signature: i={i}; a=rsa-sha256; d=x.example; s=s; h=from; "
                    f"bh=AAAA; b=AAAA\r\n"
                    f"ARC-Authentication-Results: i={i}; x.example; arc=pass\r\n")
    arc = decode_arc(parse_message("".join(sets).encode() + MESSAGE))
    assert len(arc.instances) == 50
    assert "ARC chain longer than 50 sets" in [f.title for f in arc.findings]


def test_no_arc():
    arc = decode_arc(parse_message(MESSAGE))
    assert arc.instances == () and arc.findings == () and arc.structure_ok


def test_googlegroups_sample():
    with open("/work/shared/data/bounces/lhost-googlegroups-01.eml", "rb") as f:
        text = f.read()
    returned = text.split(b"----- Original message -----\n\n", 1)[1]
    arc = decode_arc(parse_message(returned))
    (inst,) = arc.instances
    assert inst.seal.d == "google.com" and inst.cv == "none"
    assert inst.auth_results.authserv_id == "gmr-mx.google.com"
    assert inst.summary() == "spf=pass (kijitora@example.jp)"


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["ARC-Seal", "ARC-Message-Signature",
                                           "ARC-Authentication-Results"]),
                          st.text(max_size=60)), max_size=8))
def test_random_arc_headers_never_raise(fields):
    raw = "".join(f"{n}: {v.replace(chr(13), ' ').replace(chr(10), ' ')}\r\n" for n, v in fields)
    decode_arc(parse_message(raw.encode("utf-8", "surrogatepass") + MESSAGE))
