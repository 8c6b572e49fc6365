"""Header forensics: the header signature re-verified by dkimpy with the test key (no DNS),
after the header damage relays really do; the reversal that makes b= verify is the proof."""
from __future__ import annotations

from tests.wizard.signing_helpers import keypair, parsed, plain, sign, sign_with_z, text_body
from wizard.dkim.signature import parse_signatures
from wizard.input.classify import classify
from wizard.input.message import parse_message
from wizard.transit.headers import analyze_headers

KEY = keypair()[1]
LONG_TO = (b"To: Bob Example <bob@example.net>, Carol Example <carol@example.net>, "
           b"Dave Example <dave@example.net>")


def ids(r) -> list[str]:
    return [f.id for f in r.findings]


def check(raw: bytes, **kw):
    msg, sig = parsed(raw)
    return analyze_headers(msg, sig, public_key=kw.pop("key", KEY), **kw)


def test_intact_headers_pass():
    r = check(sign(plain(text_body())))
    assert r.header_ok is True and r.proven_change is None
    assert "subject" in r.signed_headers


def test_external_subject_tag_is_found_and_proven():
    raw = sign(plain(text_body())).replace(b"Subject: Invoice 42", b"Subject: [EXTERNAL] Invoice 42")
    r = check(raw)
    assert r.header_ok is False
    assert r.proven_change.kind == "subject-tag" and r.proven_change.header == "Subject"
    assert r.proven_change.original_bytes == b"Subject: Invoice 42"
    assert r.proven_change.received_bytes == b"Subject: [EXTERNAL] Invoice 42"
    assert {"CANON-13", "CAUSE-07"} <= set(ids(r))


def test_spam_stars_tag():
    raw = sign(plain(text_body())).replace(b"Subject: Invoice 42", b"Subject: *** SPAM *** Invoice 42")
    r = check(raw)
    assert r.proven_change.kind == "subject-tag" and "*** SPAM ***" in r.proven_change.description


def test_list_subject_tag_is_blamed_on_the_list():
    raw = sign(plain(text_body())).replace(b"Subject: Invoice 42", b"Subject: [team] Invoice 42")
    r = check(b"List-Id: Team <team.lists.example.org>\r\n" + raw)
    assert r.proven_change.kind == "subject-tag"
    assert "CAUSE-01" in ids(r)


def test_refolded_header_breaks_simple_and_is_found():
    raw = sign(plain(text_body()).replace(b"To: bob@example.net", LONG_TO), canon=(b"simple", b"simple"))
    refolded = raw.replace(b">, Dave", b">,\r\n Dave")
    r = check(refolded)
    assert r.header_ok is False
    assert r.proven_change.kind == "refolded" and r.proven_change.header == "To"
    assert "␍␊" in r.proven_change.evidence[-1]
    assert {"CANON-02", "CAUSE-09"} <= set(ids(r))


def test_refolding_survives_relaxed():
    base = plain(text_body()).replace(b"To: bob@example.net", LONG_TO)
    raw = sign(base, canon=(b"relaxed", b"relaxed")).replace(b">, Dave", b">,\r\n\tDave")
    assert check(raw).header_ok is True


def test_header_name_case_changed_under_simple():
    raw = sign(plain(text_body()), canon=(b"simple", b"simple")).replace(b"\r\nSubject:", b"\r\nSUBJECT:")
    r = check(raw)
    assert r.proven_change.kind == "header-case" and r.proven_change.original_bytes.startswith(b"Subject:")


def test_added_header_covered_by_h():
    # Reply-To is oversigned (listed in h= though absent); a list then adds one.
    include = [b"from", b"to", b"subject", b"date", b"reply-to"]
    raw = sign(plain(text_body()), include=include)
    r = check(b"Reply-To: team@lists.example.org\r\n" + raw)
    assert r.proven_change.kind == "header-added"
    assert r.proven_change.received_bytes == b"Reply-To: team@lists.example.org"
    assert "CAUSE-10" in ids(r)


def test_z_tag_copy_explains_the_change_and_is_diffed():
    raw = sign_with_z(plain(text_body()), b"From:Alice=20<alice@example.com>|Subject:Invoice=2042")
    damaged = raw.replace(b"Subject: Invoice 42", b"Subject: Invoice 42 (reviewed)")
    r = check(damaged)
    assert r.z_diff == (("Subject", "Invoice 42", "Invoice 42 (reviewed)"),)
    assert "DKIM-SIG-21" in ids(r)
    assert r.proven_change.finding_id == "DKIM-SIG-21"


def test_original_names_the_changed_header():
    sent = sign(plain(text_body()))
    received = sent.replace(b"From: Alice <alice@example.com>", b'From: "Alice via Team" <team@lists.example.org>')
    msg, sig = parsed(received)
    r = analyze_headers(msg, sig, public_key=KEY, original=parse_message(sent))
    assert r.proven_change.kind == "header-changed" and r.proven_change.header == "From"
    assert r.proven_change.original_bytes == b"From: Alice <alice@example.com>"


def test_wrong_key_is_not_blamed_on_a_header():
    other = sign(plain(text_body()))
    # A key of the right shape that did not sign: the body is intact, no header change helps.
    wrong = KEY[:-40] + b"A" * 36 + KEY[-4:]
    r = check(other, key=wrong)
    assert r.header_ok is not True and r.proven_change is None


def test_no_key_means_not_checked():
    r = check(sign(plain(text_body())), key=None)
    assert r.header_ok is None and "no public key" in r.error


def test_duplicate_subject_is_cause10():
    raw = sign(plain(text_body()))
    r = check(b"Subject: Second subject\r\n" + raw)
    assert any(f.id == "CAUSE-10" and "2 Subject headers" in f.title for f in r.findings)


def test_pasted_headers_say_save_the_eml():
    # Copied out of a mail client: folding gone, the encoded-word shown decoded, a UI line.
    raw = sign(plain(text_body(), subject=b"=?utf-8?q?Gr=C3=BC=C3=9Fe?="))
    head, body = raw.split(b"\r\n\r\n", 1)
    pasted = head.replace(b"\r\n ", b" ").replace(b"\r\n\t", b" ").replace(b"=?utf-8?q?Gr=C3=BC=C3=9Fe?=",
                                                                        "Grüße".encode())
    pasted += b"\r\nShow original\r\n\r\n" + body
    r = check(pasted)
    assert r.header_ok is False and r.proven_change is None and r.paste_damage
    assert not any(f.id in ("EVID-03", "CANON-13") for f in r.findings)  # the input stage says it, once
    evid = [f for f in classify(pasted).findings if f.id == "EVID-03"]
    assert len(evid) == 1 and "save the original .eml" in evid[0].title


from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from([b"Subject: [X] y", b"From: a@b", b" folded", b"Subject:", b"To: c", b"bad line",
                                 b"DKIM-Signature: v=1; h=from:subject; bh=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSu"
                                 b"FU=; b=AAAA; d=example.com; s=sel; a=rsa-sha256",
                                 b"DKIM-Signature: h=from; bh=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=; "
                                 b"z=Subject:a|x"]),
                max_size=12))
def test_header_side_never_raises(lines):
    msg = parse_message(b"\r\n".join(lines) + b"\r\n\r\nbody\r\n")
    for sig in parse_signatures(msg):
        r = analyze_headers(msg, sig, public_key=KEY)
        assert isinstance(r.findings, tuple)


def test_refolded_dkim_signature_header_under_simple():
    raw = sign(plain(text_body()), canon=(b"simple", b"simple"))
    sig_header = raw.split(b"\r\nFrom:")[0]
    r = check(raw.replace(sig_header, sig_header.replace(b"\r\n", b"")))
    assert r.proven_change.kind == "refolded" and r.proven_change.finding_id == "DKIM-SIG-22"
    assert r.proven_change.original_bytes == sig_header
    assert "CAUSE-09" in ids(r)
