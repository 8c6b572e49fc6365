"""p= read with dkimpy's ASN.1 reader gives what `cryptography` gives: the same keys accepted,
the same sizes, the same fingerprints; and `check`'s modules do not import `cryptography`."""
from __future__ import annotations

import base64
import hashlib
import subprocess
import sys
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from hypothesis import given, settings
from hypothesis import strategies as st

from wizard.dkim.pubkey import describe_public_key, rsa_key
from wizard.keys import keygen

KEYS = Path(__file__).parents[2] / "keys"
RSA_FILES = ("rsa512", "rsa768", "rsa1024", "rsa2048a", "rsa4096")


def _spki(name: str) -> bytes:
    return base64.b64decode(keygen.load_private_key((KEYS / f"{name}.pem").read_bytes()).public_b64)


def _cryptography_view(der: bytes) -> tuple[int, str] | None:
    """What the previous reader (cryptography) made of `der`: SPKI, else bare PKCS#1."""
    try:
        key = serialization.load_der_public_key(der)
    except (ValueError, TypeError):
        pem = b"-----BEGIN RSA PUBLIC KEY-----\n" + base64.encodebytes(der) + b"-----END RSA PUBLIC KEY-----\n"
        try:
            key = serialization.load_pem_public_key(pem)
        except (ValueError, TypeError):
            return None
    if not isinstance(key, rsa.RSAPublicKey):
        return None
    spki = key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return key.key_size, hashlib.sha256(spki).hexdigest()


def _view(der: bytes) -> tuple[int, str] | None:
    key = rsa_key(der)
    return None if key is None else (key.bits, key.fingerprint)


def test_describe_public_key_sizes():
    for name, bits in (("rsa1024", 1024), ("rsa2048a", 2048), ("rsa4096", 4096)):
        assert describe_public_key(base64.b64encode(_spki(name)).decode()).bits == bits
    assert describe_public_key(base64.b64encode(_spki("rsa2048a")).decode()[:255]) is None
    assert describe_public_key("fS6maloPdeBAVeS3VK1EApVoHBDGaVDlAETarQjcCqQ=", "ed25519").label == "Ed25519 256-bit"


def test_spki_and_bare_pkcs1_keys_have_the_same_size_and_fingerprint():
    for name in RSA_FILES:
        spki = _spki(name)
        pkcs1 = serialization.load_der_public_key(spki).public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.PKCS1)
        assert _view(spki) == _view(pkcs1) == _cryptography_view(spki)


def test_lenient_reads_are_refused():
    spki = _spki("rsa2048a")
    assert rsa_key(spki + b"\0") is None  # trailing data dkimpy's reader would ignore
    ec_oid = spki.replace(bytes.fromhex("2a864886f70d010101"), bytes.fromhex("2a8648ce3d0201ffff"), 1)
    assert rsa_key(ec_oid) is None  # not rsaEncryption


@settings(max_examples=400, deadline=None)
@given(st.sampled_from(RSA_FILES), st.integers(0, 2**16), st.integers(0, 255), st.sampled_from("flip cut add"))
def test_damaged_keys_are_judged_as_cryptography_judged_them(name, where, byte, how):
    der = bytearray(_spki(name))
    where %= len(der)
    if how == "flip":
        der[where] = byte
    elif how == "cut":
        der = der[:where]
    else:
        der.insert(where, byte)
    assert _view(bytes(der)) == _cryptography_view(bytes(der))


def test_the_check_modules_do_not_import_cryptography():
    code = ("import sys, wizard.dkim.keyrecord, wizard.dkim.tags, wizard.arc.tags, wizard.keys.match, "
            "wizard.keys.rotation; print(sorted(m for m in sys.modules if m.startswith('cryptography')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=Path(__file__).parents[3])
    assert out.stdout.strip() == "[]"
