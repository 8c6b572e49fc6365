"""Sign test messages with real signers: dkimpy (dkim.sign, dkim.arc_sign) and Mail::DKIM.

The keys in tests/keys/ were made once with `openssl genrsa` / `openssl genpkey -algorithm
ed25519` (512 and 768 bits too: `cryptography` refuses to generate keys under 1024 bits, and
weak keys are exactly what DKIM-KEY-08 needs). They are test keys only; their public halves
are published in tests/zones/verify.test.zone and the zones next to it.

Mail::DKIM is used where dkimpy cannot produce the signature: dkimpy always sets t= to the
current time and never writes x=, while Mail::DKIM::Signer takes both (expired / future
signatures, DKIM-SIG-15/16). opendkim-testmsg (OpenDKIM 2.11) was tried and left out: it
signs with rsa-sha1 only and its output repeats the tail of b=, so its signatures are broken.
"""
from __future__ import annotations

import base64
import subprocess
from functools import cache
from pathlib import Path
from unittest import mock

from cryptography.hazmat.primitives import serialization

import dkim

KEYS = Path(__file__).parent / "keys"
DOMAIN = "verify.test"


@cache
def private_pem(key: str) -> bytes:
    return (KEYS / f"{key}.pem").read_bytes()


@cache
def public_b64(key: str) -> str:
    """The p= value: DER SubjectPublicKeyInfo for RSA, the raw 32 bytes for Ed25519 (RFC 8463)."""
    private = serialization.load_pem_private_key(private_pem(key), password=None)
    public = private.public_key()
    if key.startswith("ed25519"):
        raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    else:
        raw = public.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return base64.b64encode(raw).decode()


def _ed25519_seed(key: str) -> bytes:
    """dkimpy wants an Ed25519 private key as the base64 of its 32-byte seed."""
    private = serialization.load_pem_private_key(private_pem(key), password=None)
    raw = private.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw,
                                serialization.NoEncryption())
    return base64.b64encode(raw)


def message(body: str = "Hello,\r\n\r\nthe report is attached.\r\n", *, subject: str = "Quarterly report",
            from_addr: str = f"alice@{DOMAIN}", extra: str = "") -> bytes:
    """A small plain message with CRLF line ends; `extra` holds further header lines."""
    head = (
        f"From: Alice <{from_addr}>\r\n"
        "To: bob@example.com\r\n"
        f"Subject: {subject}\r\n"
        "Date: Mon, 23 Nov 2026 10:00:00 +0000\r\n"
        f"Message-ID: <20261123100000.1@{DOMAIN}>\r\n"
        "MIME-Version: 1.0\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n"
    ) + extra
    return (head + "\r\n" + body).encode()


def sign(msg: bytes, selector: str, key: str, *, domain: str = DOMAIN, algorithm: str = "rsa-sha256",
         canon: str = "relaxed/relaxed", identity: str | None = None, length: bool = False,
         headers: tuple[str, ...] = ("from", "to", "subject", "date", "message-id"),
         timestamp: int | None = None) -> bytes:
    """`msg` with a dkimpy DKIM-Signature prepended. `timestamp` fixes t= (dkimpy reads the
    clock itself, so the clock is held still while it signs)."""
    privkey = _ed25519_seed(key) if algorithm == "ed25519-sha256" else private_pem(key)
    header, body = canon.split("/")
    kwargs = {
        "selector": selector.encode(), "domain": domain.encode(), "privkey": privkey,
        "identity": identity.encode() if identity else None,
        "canonicalize": (header.encode(), body.encode()),
        "include_headers": [h.encode() for h in headers], "length": length,
        "signature_algorithm": algorithm.encode(),
    }
    if timestamp is None:
        signature = dkim.sign(msg, **kwargs)
    else:
        with mock.patch("dkim.time.time", return_value=float(timestamp)):
            signature = dkim.sign(msg, **kwargs)
    return signature + msg


# Mail::DKIM::Signer with an explicit t= and x=; the message arrives on stdin.
_PERL_SIGN = r"""
use strict; use Mail::DKIM::Signer; use Mail::DKIM::TextWrap;
my ($alg, $method, $domain, $sel, $keyfile, $t, $x) = @ARGV;
my $s = Mail::DKIM::Signer->new(Algorithm => $alg, Method => $method, Domain => $domain,
  Selector => $sel, KeyFile => $keyfile, Timestamp => $t, ($x ? (Expiration => $x) : ()));
binmode STDIN; local $/; my $m = <STDIN>; $m =~ s/\r?\n/\015\012/g; $s->PRINT($m); $s->CLOSE;
print $s->signature->as_string, "\015\012";
"""


def sign_mail_dkim(msg: bytes, selector: str, key: str, *, timestamp: int, expiration: int | None = None,
                   domain: str = DOMAIN, algorithm: str = "rsa-sha256", method: str = "relaxed") -> bytes:
    """`msg` signed by Perl's Mail::DKIM (Debian libmail-dkim-perl) with t= and x= chosen."""
    out = subprocess.run(
        ["perl", "-e", _PERL_SIGN, algorithm, method, domain, selector, str(KEYS / f"{key}.pem"),
         str(timestamp), str(expiration or "")],
        input=msg, capture_output=True, check=True, timeout=30,
    )
    return out.stdout.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n") + msg


def arc_seal(msg: bytes, selector: str, key: str, *, domain: str, srv_id: str, results: str,
             timestamp: int | None = None) -> bytes:
    """One ARC hop: add the hop's Authentication-Results (what it saw), then dkimpy's ARC set
    for it, as a list server or forwarder does (RFC 8617 §5.1)."""
    stamped = f"Authentication-Results: {srv_id}; {results}\r\n".encode() + msg
    arc_set = dkim.arc_sign(stamped, selector.encode(), domain.encode(), private_pem(key), srv_id.encode(),
                            timestamp=timestamp)
    return b"".join(arc_set) + stamped


# Mail::DKIM's ARC sealer takes the cv= to write as an argument (Chain), where dkimpy derives
# it; that lets a test write a wrong cv= (ARC-03).
_PERL_ARC = r"""
use strict; use Mail::DKIM::ARC::Signer; use Mail::DKIM::TextWrap;
my ($domain, $sel, $keyfile, $chain) = @ARGV;
my $s = Mail::DKIM::ARC::Signer->new(Algorithm => 'rsa-sha256', Chain => $chain, Domain => $domain,
  SrvId => $domain, Selector => $sel, KeyFile => $keyfile);
binmode STDIN; local $/; my $m = <STDIN>; $m =~ s/\r?\n/\015\012/g; $s->PRINT($m); $s->CLOSE;
die $s->result_detail() unless $s->result() eq 'sealed';
print $s->as_string;
"""


def arc_seal_mail_dkim(msg: bytes, selector: str, key: str, *, domain: str, results: str, chain: str) -> bytes:
    """One ARC hop sealed by Perl's Mail::DKIM with cv=`chain` (none|pass|fail) as given."""
    stamped = f"Authentication-Results: {domain}; {results}\r\n".encode() + msg
    out = subprocess.run(["perl", "-e", _PERL_ARC, domain, selector, str(KEYS / f"{key}.pem"), chain],
                         input=stamped, capture_output=True, check=True, timeout=30)
    return out.stdout.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n") + stamped
