"""Key generation and the record forms: what a user pastes must give back exactly the key,
the private key must never be overwritten or readable by others, and the OpenSSL commands
shown must make the same p= as mailtriage does."""
from __future__ import annotations

import os
import stat
import subprocess
from pathlib import Path

import dns.rdata
import dns.rdataclass
import dns.rdatatype
import dns.zone
import pytest
from cryptography.hazmat.primitives import serialization

from wizard.keys import keygen

KEYS = Path(__file__).parents[2] / "keys"


def _key(name: str) -> keygen.DkimKey:
    return keygen.load_private_key((KEYS / f"{name}.pem").read_bytes())


def _txt_strings(text: str) -> list[bytes]:
    return list(dns.rdata.from_text(dns.rdataclass.IN, dns.rdatatype.TXT, text).strings)


def test_private_key_file_is_0600_and_never_overwritten(tmp_path):
    path = tmp_path / "sel.private"
    first = keygen.generate_key("ed25519")
    keygen.write_private_key(path, first)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert path.read_bytes() == first.private_pem
    with pytest.raises(FileExistsError):
        keygen.write_private_key(path, keygen.generate_key("ed25519"))
    assert path.read_bytes() == first.private_pem


def test_private_key_mode_ignores_a_permissive_umask(tmp_path):
    old = os.umask(0)
    try:
        keygen.write_private_key(tmp_path / "k", keygen.generate_key("ed25519"))
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "k").stat().st_mode) == 0o600


def test_private_key_is_not_in_repr():
    key = keygen.generate_key("ed25519")
    assert "PRIVATE" not in repr(key)


@pytest.mark.parametrize("name", ["rsa1024", "rsa2048a", "rsa4096", "ed25519"])
def test_every_form_gives_back_the_exact_value(name):
    key = _key(name)
    forms = keygen.record_forms("Example.com", "Sel2026", key, ttl=600)
    value = forms.value
    assert value == f"v=DKIM1; k={key.key_type}; p={key.public_b64}"
    assert forms.name == "sel2026._domainkey.example.com"
    assert forms.unsplit == value

    # BIND line, read by dnspython's zone parser: same name, TTL and value, strings ≤ 255.
    zone = dns.zone.from_text(
        "@ 600 IN SOA ns. h. 1 1 1 1 1\n@ 600 IN NS ns.\n" + forms.zone_line + "\n",
        origin="example.com.", relativize=False,
    )
    rdataset = zone.find_rdataset("sel2026._domainkey.example.com.", "TXT")
    assert rdataset.ttl == 600
    (rdata,) = rdataset
    assert all(len(s) <= 255 for s in rdata.strings)
    assert b"".join(rdata.strings).decode() == value

    strings = _txt_strings(forms.multi_string)
    assert all(len(s) <= 255 for s in strings)
    assert b"".join(strings).decode() == value


def test_a_4096_bit_key_needs_three_strings():
    forms = keygen.record_forms("example.com", "big", _key("rsa4096"))
    strings = _txt_strings(forms.multi_string)
    assert len(strings) == 3 and [len(s) for s in strings[:2]] == [255, 255]
    assert len(_key("rsa4096").public_b64) == 736  # diagnoses.md DKIM-KEY-07


def test_opendkim_txt_form_reads_like_opendkim_genkey_output():
    key = _key("rsa2048a")
    text = keygen.record_forms("example.com", "s1", key).opendkim_txt
    assert text.startswith('s1._domainkey\tIN\tTXT\t( "v=DKIM1; k=rsa; "\n\t  "p=')
    assert text.endswith("; ----- DKIM key s1 for example.com\n")
    # opendkim-genkey's .txt is a zone-file fragment relative to the domain: load it as one.
    zone = dns.zone.from_text("$TTL 300\n@ IN SOA ns. h. 1 1 1 1 1\n@ IN NS ns.\n" + text,
                              origin="example.com.", relativize=False)
    (rdata,) = zone.find_rdataset("s1._domainkey.example.com.", "TXT")
    assert b"".join(rdata.strings).decode() == f"v=DKIM1; k=rsa; p={key.public_b64}"
    assert [len(s) for s in rdata.strings] == [16, 252, 142]  # the layout opendkim-genkey writes


def test_ed25519_record_holds_the_raw_32_byte_key():
    key = keygen.generate_key("ed25519")
    assert key.bits == 256 and len(key.public_b64) == 44
    assert keygen.record_forms("example.com", "ed", key).value.startswith("v=DKIM1; k=ed25519; p=")


def test_default_is_rsa_2048_and_weak_or_invalid_sizes_are_said():
    key = keygen.generate_key()
    assert (key.key_type, key.bits, len(key.public_b64)) == ("rsa", 2048, 392)
    assert key.warnings == ()
    assert "weak" in _key("rsa1024").warnings[0]
    assert "EDNS0" in _key("rsa4096").warnings[0]
    assert "RSA key too" in _key("ed25519").warnings[0]
    for bits in (512, 768, 8192):
        with pytest.raises(keygen.KeyProblem, match="1024"):
            keygen.generate_key("rsa", bits)
    with pytest.raises(keygen.KeyProblem):
        keygen.generate_key("dsa")


def _run(argv, cwd):
    return subprocess.run(argv, cwd=cwd, capture_output=True, text=True, timeout=60, check=True)


@pytest.mark.parametrize("key_type", ["rsa", "ed25519"])
def test_openssl_commands_print_the_same_p_as_mailtriage(tmp_path, key_type):
    """Both directions: OpenSSL's p= for our key file, and our p= for OpenSSL's key file."""
    ours = keygen.generate_key(key_type)
    keygen.write_private_key(tmp_path / "ours.private", ours)
    generate, public = keygen.openssl_equivalents("ours.private", key_type)
    assert _run(public.argv, tmp_path).stdout.strip() == ours.public_b64

    generate, public = keygen.openssl_equivalents("theirs.private", key_type)
    _run(generate.argv, tmp_path)
    theirs = keygen.load_private_key((tmp_path / "theirs.private").read_bytes())
    assert theirs.key_type == key_type
    assert theirs.bits == (2048 if key_type == "rsa" else 256)
    assert _run(public.argv, tmp_path).stdout.strip() == theirs.public_b64


def test_load_private_key_reads_the_formats_signers_use(tmp_path):
    key = _key("rsa2048a")
    from cryptography.hazmat.primitives.serialization import load_pem_private_key

    private = load_pem_private_key(key.private_pem, None)
    pkcs1 = private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
                                  serialization.NoEncryption())
    der = private.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    assert keygen.load_private_key(pkcs1).public_b64 == key.public_b64
    assert keygen.load_private_key(der).public_b64 == key.public_b64

    encrypted = private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                      serialization.BestAvailableEncryption(b"pw"))
    with pytest.raises(keygen.KeyProblem, match="encrypted"):
        keygen.load_private_key(encrypted)
    public = private.public_key().public_bytes(serialization.Encoding.PEM,
                                               serialization.PublicFormat.SubjectPublicKeyInfo)
    with pytest.raises(keygen.KeyProblem, match="public key"):
        keygen.load_private_key(public)
    with pytest.raises(keygen.KeyProblem):
        keygen.load_private_key(b"v=DKIM1; k=rsa; p=MIIB")
