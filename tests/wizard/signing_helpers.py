"""Real DKIM signing for the forensics tests: an RSA key made in the test session with
`cryptography`, messages signed by dkimpy's dkim.sign, and the relay damage applied after."""
from __future__ import annotations

import base64
import functools

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

import dkim
from wizard.dkim.signature import Signature, parse_signatures
from wizard.input.message import Message, parse_message

SELECTOR = b"sel"
DOMAIN = b"example.com"


@functools.cache
def keypair() -> tuple[bytes, bytes]:
    """(private key PEM, public key p= base64)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
                            serialization.NoEncryption())
    der = key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return pem, base64.b64encode(der)


def dnsfunc(name, timeout=5):
    return b"v=DKIM1; k=rsa; p=" + keypair()[1]


def sign(raw: bytes, *, canon=(b"relaxed", b"relaxed"), length=False, include=None) -> bytes:
    """The message with a DKIM-Signature header prepended (dkimpy)."""
    pem, _ = keypair()
    kwargs = {"include_headers": include} if include else {}
    header = dkim.sign(raw, SELECTOR, DOMAIN, pem, canonicalize=canon, length=length, **kwargs)
    return header + raw


def parsed(raw: bytes) -> tuple[Message, Signature]:
    """The message and its top-most DKIM-Signature, parsed once (wizard.dkim.signature)."""
    msg = parse_message(raw)
    return msg, parse_signatures(msg)[0]


def plain(body: bytes, *, subject: bytes = b"Invoice 42", extra: bytes = b"",
          ctype: bytes = b"text/plain; charset=utf-8", cte: bytes = b"7bit") -> bytes:
    return (b"From: Alice <alice@example.com>\r\nTo: bob@example.net\r\nSubject: " + subject + b"\r\n"
            b"Date: Mon, 23 Nov 2026 10:00:00 +0000\r\nMessage-ID: <m1@example.com>\r\n"
            b"MIME-Version: 1.0\r\nContent-Type: " + ctype + b"\r\nContent-Transfer-Encoding: " + cte + b"\r\n"
            + extra + b"\r\n" + body)


def text_body(lines: int = 12) -> bytes:
    return b"".join(b"Line %d of the message, with some words in it.\r\n" % i for i in range(lines))


# --- how gateways wrap links (the inverse of wizard.transit.intermediaries' decoders) -------------------

def _pp_v2(url: str) -> str:
    out = "".join(c if c.isalnum() or c in "./" else f"%{ord(c):02X}" for c in url)
    return "https://urldefense.proofpoint.com/v2/url?u=" + out.replace("%", "-").replace("/", "_") + \
        "&d=DwMFAg&c=euGZstcaTDllvimEN8b7jXrwqOf-v5A_CdpgnVfiiMM&r=abc&m=def&s=ghi&e="


def _pp_v3(url: str) -> str:
    kept, taken = [], []
    for c in url:
        if c in "+&":
            kept.append("*")
            taken.append(c)
        else:
            kept.append(c)
    enc = base64.urlsafe_b64encode("".join(taken).encode()).decode().rstrip("=")
    return f"https://urldefense.com/v3/__{''.join(kept)}__;{enc}!!ABCDEFG!HIJKLMN-op_q$"


def _q(url: str) -> str:
    from urllib.parse import quote
    return quote(url, safe="")


WRAP = {
    "Proofpoint URL Defense v2": _pp_v2,
    "Proofpoint URL Defense v3": _pp_v3,
    "Microsoft Safe Links": lambda u: f"https://nam12.safelinks.protection.outlook.com/?url={_q(u)}"
                                      "&data=05%7C02%7C%7Cabc%7C0&sdata=xYz%2Babc%3D&reserved=0",
    "Barracuda Link Protection": lambda u: f"https://linkprotect.cudasvc.com/url?a={_q(u)}&c=E,1,AbC&typo=1",
    "Cisco Secure Email (URL rewriting)": lambda u: f"https://secure-web.cisco.com/1AbC-dEf_GhI/{_q(u)}",
    "Sophos Time-of-Click": lambda u: "https://eu-west-1.protection.sophos.com?d=example.org&u="
                                      f"{base64.b64encode(u.encode()).decode()}&i=NWQ&t=cXk&h=a1b2",
    "Trend Micro Time-of-Click": lambda u: "https://imsva91-ctp.trendmicro.com:443/wis/clicktime/v1/query?url="
                                           f"{_q(u)}&umid=1A2B-3C&auth=deadbeef-cafe",
    "Symantec Click-time URL Protection": lambda u: f"https://clicktime.symantec.com/3AbCdEf?u={_q(u)}",
}


def sign_with_z(raw: bytes, z: bytes) -> bytes:
    """dkim.sign has no z= option; build the same tag list it does, plus z=, and let
    dkimpy's own DKIM.gen_header hash and sign it."""
    import hashlib

    from dkim.canonicalization import CanonicalizationPolicy
    from dkim.crypto import parse_pem_private_key

    d = dkim.DKIM(raw)
    policy = CanonicalizationPolicy.from_c_value(b"relaxed/relaxed")
    include = (b"from", b"to", b"subject", b"date")
    bh = base64.b64encode(hashlib.sha256(policy.canonicalize_body(d.body)).digest())
    fields = [(b"v", b"1"), (b"a", b"rsa-sha256"), (b"c", b"relaxed/relaxed"), (b"d", DOMAIN), (b"s", SELECTOR),
              (b"h", b" : ".join(include)), (b"z", z), (b"bh", bh), (b"b", b"0" * 60)]
    pk = parse_pem_private_key(keypair()[0])
    d.signature_algorithm = b"rsa-sha256"
    d.hasher = dkim.HASH_ALGORITHMS[b"rsa-sha256"]
    return b"DKIM-Signature: " + d.gen_header(fields, include, policy, b"DKIM-Signature", pk) + raw


_PERL_SIGNER = r"""
use Mail::DKIM::Signer;
my $dkim = Mail::DKIM::Signer->new(Algorithm => "rsa-sha256", Method => $ARGV[1], Domain => "example.com",
                                   Selector => "sel", KeyFile => $ARGV[0]);
binmode STDIN; local $/; my $message = <STDIN>;
$dkim->PRINT($message); $dkim->CLOSE;
print $dkim->signature->as_string, "\015\012";
"""


def sign_with_mail_dkim(raw: bytes, method: str) -> bytes:
    """Sign with Perl's Mail::DKIM (a second, independent implementation of the hashes)."""
    import subprocess
    import tempfile

    with tempfile.NamedTemporaryFile(suffix=".pem") as key:
        key.write(keypair()[0])
        key.flush()
        out = subprocess.run(["perl", "-e", _PERL_SIGNER, key.name, method], input=raw, capture_output=True,
                             check=True, timeout=60).stdout
    return out.rstrip(b"\r\n") + b"\r\n" + raw
