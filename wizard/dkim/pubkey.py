"""What a key record's p= holds: key type, size and fingerprint (DKIM-KEY-07/08/14).

The RSA key is read with dkimpy's own ASN.1 reader (`dkim.crypto.parse_public_key`), the one
its verifier uses, instead of `cryptography`: importing `cryptography` costs `check` more than
the rest of the key analysis, and only key generation and private keys need it
(wizard.keys.keygen). dkimpy's reader is lenient (it ignores trailing bytes and the algorithm
OID), so a key is accepted only when its bytes are exactly the DER encoding of what was read:
a SubjectPublicKeyInfo as RFC 6376 §3.6.1 specifies, or a bare PKCS#1 RSAPublicKey, which
dkimpy and OpenDKIM also accept. The fingerprint is the SHA-256 of the SubjectPublicKeyInfo
DER, the same bytes `cryptography` would encode for the key.
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import re

from dkim.crypto import UnparsableKeyError, parse_public_key
from msgspec import Struct

_RSA_ALGORITHM = bytes.fromhex("300d06092a864886f70d0101010500")  # rsaEncryption, NULL
_ED25519_SPKI = bytes.fromhex("302a300506032b6570032100")  # RFC 8410 prefix of the 32 key bytes
_WHITESPACE = re.compile(r"\s+")


class PublishedKey(Struct, frozen=True):
    """A p= value that decodes to a key a verifier can use."""

    key_type: str  # "rsa" or "ed25519"
    bits: int
    der: bytes = b""  # DER SubjectPublicKeyInfo

    @property
    def label(self) -> str:
        return f"{'RSA' if self.key_type == 'rsa' else 'Ed25519'} {self.bits}-bit"

    @property
    def fingerprint(self) -> str:
        """SHA-256 hex of the DER SubjectPublicKeyInfo (DKIM-KEY-14 comparisons)."""
        return hashlib.sha256(self.der).hexdigest()


def strict_b64(text: str) -> bytes | None:
    """RFC 6376 base64: letters, digits, + / and = padding, with folding whitespace allowed."""
    try:
        return base64.b64decode(_WHITESPACE.sub("", text), validate=True)
    except (binascii.Error, ValueError):
        return None


def _der(tag: int, body: bytes) -> bytes:
    size = len(body)
    if size < 0x80:
        return bytes((tag, size)) + body
    length = size.to_bytes((size.bit_length() + 7) // 8, "big")
    return bytes((tag, 0x80 | len(length))) + length + body


def _der_int(n: int) -> bytes:
    return _der(0x02, n.to_bytes(n.bit_length() // 8 + 1, "big"))  # the sign bit stays 0


def rsa_key(raw: bytes) -> PublishedKey | None:
    """The RSA public key in DER `raw` (SubjectPublicKeyInfo or PKCS#1), or None."""
    try:
        numbers = parse_public_key(raw)
    except (UnparsableKeyError, AssertionError):  # its NULL check is an assert
        return None
    modulus, exponent = numbers["modulus"], numbers["publicExponent"]
    pkcs1 = _der(0x30, _der_int(modulus) + _der_int(exponent))
    spki = _der(0x30, _RSA_ALGORITHM + _der(0x03, b"\0" + pkcs1))
    if raw not in (spki, pkcs1):
        return None
    return PublishedKey("rsa", modulus.bit_length(), spki)


def ed25519_key(raw: bytes) -> PublishedKey | None:
    """An Ed25519 p= is the raw 32-byte key (RFC 8463)."""
    return PublishedKey("ed25519", 256, _ED25519_SPKI + raw) if len(raw) == 32 else None


def describe_public_key(p_b64: str, key_type: str = "rsa") -> PublishedKey | None:
    """Key type and size of a p= value (DKIM-KEY-08), or None when it is not a usable key.
    Under k=rsa an Ed25519 SubjectPublicKeyInfo is named as what it is, so a report can say
    "a different key (Ed25519 256-bit)" rather than "not a key"."""
    raw = strict_b64(p_b64)
    if raw is None:
        return None
    if key_type == "ed25519":
        return ed25519_key(raw)
    if raw.startswith(_ED25519_SPKI):
        return ed25519_key(raw[len(_ED25519_SPKI):])
    return rsa_key(raw)
