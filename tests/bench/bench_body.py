"""Benchmark: the engine's body path in-process on a validly signed 20 MB message, against
dkimpy's own verify in the same process and run (no interpreter start on either side).

Run: python3 tests/bench/bench_body.py   (prints both timings and the ratio)

The whole command (`mailtriage check` against `dkimverify`, interpreter start included) is
tests/bench/bench_check.py, which holds the issue's target; this one isolates the body work
(parse, canonicalisation and hash, forensics' header check) from start-up, so a change to
wizard.dkim.canon or wizard.transit (body, headers) shows here undiluted. dkimpy gets a dnsfunc serving the
test key.
"""
from __future__ import annotations

import base64
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

import dkim
from wizard.dkim.signature import parse_signatures
from wizard.input.message import parse_message
from wizard.transit.body import analyze_body
from wizard.transit.headers import analyze_headers


def body_path(raw: bytes, public_key: bytes) -> bool:
    """What we time: parse, body hash (with forensics), header signature."""
    msg = parse_message(raw)
    sig = parse_signatures(msg)[0]
    body = analyze_body(msg, sig)
    headers = analyze_headers(msg, sig, public_key=public_key)
    return body.matches and bool(headers.header_ok)


SIZE = 20 << 20
RUNS = 3


def make_message(pem: bytes, canon: tuple[bytes, bytes]) -> bytes:
    line = b"Quarterly figures:  revenue\t12,345  costs 6,789 -- see the attached notes for details. \r\n"
    body = line * (SIZE // len(line))
    raw = (b"From: Alice <alice@example.com>\r\nTo: bob@example.net\r\nSubject: big report\r\n"
           b"Date: Mon, 23 Nov 2026 10:00:00 +0000\r\nMessage-ID: <big@example.com>\r\n"
           b"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n" + body)
    return dkim.sign(raw, b"sel", b"example.com", pem, canonicalize=canon) + raw


def best(fn) -> float:
    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        ok = fn()
        times.append(time.perf_counter() - start)
        assert ok, "the benchmark message must verify"
    return min(times)


def main() -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
                            serialization.NoEncryption())
    p = base64.b64encode(key.public_key().public_bytes(serialization.Encoding.DER,
                                                       serialization.PublicFormat.SubjectPublicKeyInfo))
    def dnsfunc(name, timeout=5):
        return b"v=DKIM1; k=rsa; p=" + p

    # relaxed/relaxed is dkimpy's slow spot (its relaxed body canonicalisation); simple/simple
    # is printed too, so nobody reads the ratio as universal.
    for canon in ((b"relaxed", b"relaxed"), (b"simple", b"simple")):
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "big.eml")
            Path(path).write_bytes(make_message(pem, canon))
            raw = Path(path).read_bytes()
        label = b"/".join(canon).decode()
        print(f"message: {len(raw) / (1 << 20):.1f} MB, c={label}, rsa-sha256 2048-bit; best of {RUNS}")
        baseline = best(lambda: dkim.verify(raw, dnsfunc=dnsfunc))
        ours = best(lambda: body_path(raw, p))
        print(f"  dkimpy verify      {baseline * 1000:8.1f} ms")
        print(f"  mailtriage body    {ours * 1000:8.1f} ms")
        print(f"  ratio              {ours / baseline:8.3f}")


if __name__ == "__main__":
    main()
