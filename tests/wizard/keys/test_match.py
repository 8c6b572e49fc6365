"""wizard.keys.match.compare on records no zone file in tests/zones holds (the live tests in
tests/dns/test_recordcheck_live.py cover the ones BIND serves)."""
from __future__ import annotations

from pathlib import Path

from wizard.keys import keygen
from wizard.keys.match import Kind, compare

KEYS = Path(__file__).parents[2] / "keys"
KEY = keygen.load_private_key((KEYS / "rsa2048a.pem").read_bytes())
VALUE = f"v=DKIM1; k=rsa; p={KEY.public_b64}"


def _only(strings) -> tuple[Kind, str]:
    (diff,) = compare(KEY, strings)
    return diff.kind, diff.detail


def test_the_right_record_in_any_split_matches():
    for size in (255, 100, 7):
        assert compare(KEY, [VALUE[i : i + size] for i in range(0, len(VALUE), size)]) == ()
    assert compare(KEY, ["v=DKIM1; h=sha256; k=rsa; s=email; p=" + KEY.public_b64]) == ()


def test_repeated_characters_at_a_hand_made_split():
    kind, detail = _only([VALUE[:255], VALUE[253:]])
    assert kind is Kind.SPLIT
    assert "2 character(s) of the key are repeated" in detail
    assert "inside a group of four base64 characters" in detail


def test_escapes_kept_as_data():
    kinds = {d.kind for d in compare(KEY, [VALUE.replace("; ", "\\; ")])}
    assert kinds == {Kind.ESCAPES}


def test_quotes_around_the_whole_value():
    kind, detail = _only(['"' + VALUE + '"'])
    assert kind is Kind.QUOTES and "literal quote characters (first at character 1)" in detail


def test_extra_text_after_the_key():
    kind, detail = _only([VALUE + "IDAQAB"])
    assert kind is Kind.EXTRA and "6 extra characters" in detail


def test_pem_header_pasted_in():
    kinds = {d.kind: d.detail for d in compare(KEY, ["v=DKIM1; k=rsa; p=-----BEGIN PUBLIC KEY-----" + KEY.public_b64])}
    assert "PEM header" in kinds[Kind.CORRUPT]


def test_key_type_mismatch_and_not_a_key():
    assert {d.kind for d in compare(KEY, ["v=DKIM1; k=ed25519; p=" + KEY.public_b64])} == {Kind.KEY_TYPE}
    kind, detail = _only(["v=spf1 -all"])
    assert kind is Kind.NO_KEY_TAG and "v=spf1 -all" in detail


def test_control_characters_in_a_record_are_shown_escaped():
    _kind, detail = _only(["v=spf1 \x1b]52;c;aGk=\x07"])
    assert "\x1b" not in detail and "\\x1b" in detail
