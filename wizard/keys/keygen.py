"""DKIM key pairs and the DNS record for them in every form a user meets (CAUSE-12/13/14).

Keys come from `cryptography`, imported only when a key is generated or a private key is read:
its import costs more than the rest of `check`, and record-check and rotation need only
`DkimKey`. The record value is what RFC 6376 §3.6.1 (RSA: base64 of the DER
SubjectPublicKeyInfo) and RFC 8463 (Ed25519: base64 of the raw 32-byte key) define.
The private key is written with O_CREAT|O_EXCL and mode 0600 so an existing key (perhaps the
one currently signing mail) is never overwritten and the new one is never world-readable.
"""
from __future__ import annotations

import base64
import os

from msgspec import Struct

from wizard import fixes
from wizard.common.dnsname import check_name
from wizard.model.findings import FixCommand, RecordFix, quote_txt_chunks

DEFAULT_BITS = 2048
MIN_BITS = 1024  # RFC 8301 §3.2: signers MUST use at least 1024 bits
MAX_BITS = 4096  # verifiers need only handle up to 4096 (RFC 8301 §3.2)
# opendkim-genkey puts 250 base64 characters in each string after the tag string; we copy
# its layout so scripts that read its .txt files read ours.
_OPENDKIM_CHUNK = 250


class KeyProblem(ValueError):
    """A key that cannot be used: unreadable file content, wrong type, bad size. The message
    is plain and can be shown as is."""


class DkimKey(Struct, frozen=True):
    """A DKIM key pair. `private_pem` is PKCS#8 PEM (what opendkim-genkey and OpenSSL 3
    write); it is excluded from repr so a key never lands in a log by accident."""

    key_type: str  # "rsa" or "ed25519"
    bits: int  # RSA modulus size; 256 for Ed25519
    public_b64: str  # the p= value
    private_pem: bytes = b""

    def __repr__(self) -> str:
        return f"DkimKey(key_type={self.key_type!r}, bits={self.bits}, public_b64={self.public_b64!r})"

    @property
    def warnings(self) -> tuple[str, ...]:
        """Plain-language notes about this key's size (DKIM-KEY-08, DKIM-KEY-16)."""
        if self.key_type == "ed25519":
            return (
                "Many receivers cannot verify Ed25519 signatures yet (DKIM-SIG-06): sign with an "
                "RSA key too, under its own selector, and never with Ed25519 alone.",
            )
        if self.bits < 2048:
            return (
                f"{self.bits}-bit RSA is weak: RFC 8301 asks for at least 2048 bits and receivers "
                "flag smaller keys (DKIM-KEY-08). Use --bits 2048.",
            )
        if self.bits > 2048:
            return (
                f"A {self.bits}-bit key makes the DNS answer large; resolvers then need EDNS0 or "
                "TCP, which some networks block (DKIM-KEY-16). 2048 bits is the usual choice.",
            )
        return ()


def _public_b64(public_key) -> str:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ed25519

    if isinstance(public_key, ed25519.Ed25519PublicKey):
        raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    else:
        raw = public_key.public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    return base64.b64encode(raw).decode("ascii")


def _from_private(private_key) -> DkimKey:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

    pem = private_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    if isinstance(private_key, ed25519.Ed25519PrivateKey):
        return DkimKey("ed25519", 256, _public_b64(private_key.public_key()), pem)
    if isinstance(private_key, rsa.RSAPrivateKey):
        return DkimKey("rsa", private_key.key_size, _public_b64(private_key.public_key()), pem)
    raise KeyProblem("DKIM keys are RSA or Ed25519; this private key is neither")


def generate_key(key_type: str = "rsa", bits: int = DEFAULT_BITS) -> DkimKey:
    """A new key pair. RSA sizes outside 1024–4096 are refused (RFC 8301)."""
    from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

    if key_type == "ed25519":
        return _from_private(ed25519.Ed25519PrivateKey.generate())
    if key_type != "rsa":
        raise KeyProblem(f"key type {key_type!r} is not rsa or ed25519")
    if not MIN_BITS <= bits <= MAX_BITS:
        raise KeyProblem(
            f"{bits} bits is outside what DKIM verifiers accept ({MIN_BITS}–{MAX_BITS}, RFC 8301); "
            f"use {DEFAULT_BITS}"
        )
    return _from_private(rsa.generate_private_key(public_exponent=65537, key_size=bits))


def load_private_key(data: bytes) -> DkimKey:
    """Read a private key in PEM (PKCS#8 or PKCS#1, as opendkim-genkey and `openssl genrsa`
    write) or DER. Encrypted keys are refused: signers read them unencrypted too."""
    from cryptography.exceptions import UnsupportedAlgorithm
    from cryptography.hazmat.primitives import serialization

    loader = serialization.load_pem_private_key if b"-----BEGIN" in data else serialization.load_der_private_key
    try:
        private_key = loader(data, password=None)
    except TypeError as exc:  # cryptography's way of saying "this one needs a password"
        raise KeyProblem("the private key is encrypted; DKIM signers read unencrypted keys") from exc
    except UnsupportedAlgorithm as exc:
        raise KeyProblem("DKIM keys are RSA or Ed25519; this private key is neither") from exc
    except ValueError:
        private_key = None
    if private_key is not None:
        return _from_private(private_key)
    if b"PUBLIC KEY" in data:
        raise KeyProblem("this is a public key; record-check needs the private key the signer uses")
    raise KeyProblem("not a PEM or DER private key")


def write_private_key(path: str | os.PathLike, key: DkimKey) -> None:
    """Create `path` with mode 0600 and write the key. An existing file raises
    FileExistsError: the file may be the key currently signing mail."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        # The umask can only remove bits, but an explicit chmod keeps the promise even on
        # filesystems that ignore the create mode.
        os.fchmod(fd, 0o600)
        os.write(fd, key.private_pem)
    finally:
        os.close(fd)


class RecordForms(Struct, frozen=True):
    """One DKIM record in each form a DNS provider asks for (CAUSE-12). All of them carry
    exactly `value` once the strings are joined (RFC 6376 §3.6.2.2)."""

    record: RecordFix
    zone_line: str  # BIND / zone file: name TTL IN TXT "…" "…"
    multi_string: str  # one field holding "…" "…" (Route 53, Cloudflare API, many panels)
    unsplit: str  # the bare value, for panels that split long values themselves
    opendkim_txt: str  # the selector-relative stub opendkim-genkey writes to SELECTOR.txt

    @property
    def name(self) -> str:
        return self.record.name

    @property
    def value(self) -> str:
        return self.record.value


def record_forms(domain: str, selector: str, key: DkimKey, ttl: int = 3600) -> RecordForms:
    record = fixes.publish_dkim_key(domain, selector, key.public_b64, key.key_type, ttl)
    return RecordForms(
        record=record,
        zone_line=record.zone_line,
        multi_string=" ".join(quote_txt_chunks(record.value)),
        unsplit=record.value,
        opendkim_txt=_opendkim_txt(check_name(domain), check_name(selector), key),
    )


def _opendkim_txt(domain: str, selector: str, key: DkimKey) -> str:
    tags = f"v=DKIM1; k={key.key_type}; "
    p = "p=" + key.public_b64
    # First string "p=" + 250 characters, then 250 a string, as opendkim-genkey does.
    pieces = [p[: _OPENDKIM_CHUNK + 2]] + [
        p[i : i + _OPENDKIM_CHUNK] for i in range(_OPENDKIM_CHUNK + 2, len(p), _OPENDKIM_CHUNK)
    ]
    strings = "\n\t  ".join(f'"{piece}"' for piece in pieces)
    return (
        f'{selector}._domainkey\tIN\tTXT\t( "{tags}"\n\t  {strings} )  '
        f"; ----- DKIM key {selector} for {domain}\n"
    )


def openssl_equivalents(private_path: str, key_type: str = "rsa", bits: int = DEFAULT_BITS) -> tuple[FixCommand, ...]:
    """The same key made with OpenSSL on the user's own machine: generate, then print p=."""
    return (
        fixes.openssl_generate_key(private_path, key_type, bits),
        fixes.openssl_public_key_b64(private_path, key_type),
    )
