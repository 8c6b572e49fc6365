"""A generated Maildir of dkimpy-signed messages of several kinds, for the sweep tests and
the benchmark: each kind is a different verdict (pass, a broken body, a revoked key, an ESP
key reached through a CNAME, no signature), served by the BIND fixture's verify.test zone."""
from __future__ import annotations

from pathlib import Path

from signing import message, sign

STAMP = 1_795_000_000  # 2026-11-18: t= in the past of every test's --now


def _kind(i: int) -> bytes:
    body = f"Hello,\r\n\r\nreport number {i}.\r\n"
    msg = message(body, subject=f"Report {i}", extra=f"Received: from mx{i % 3}.verify.test "
                  f"(mx{i % 3}.verify.test [192.0.2.{10 + i % 3}]) by mx.example.com; "
                  "Mon, 23 Nov 2026 10:00:01 +0000\r\n")
    kind = i % 5
    if kind == 0:
        return sign(msg, "rsa2048", "rsa2048a", timestamp=STAMP)
    if kind == 1:  # a footer appended after signing
        return sign(msg, "rsa2048", "rsa2048a", timestamp=STAMP) + b"--\r\nSent by a list\r\n"
    if kind == 2:
        return sign(msg, "revoked", "rsa2048a", timestamp=STAMP)
    if kind == 3:
        return sign(msg, "cname", "rsa2048a", timestamp=STAMP)
    return msg


def make_maildir(root: Path, count: int) -> Path:
    """`root` as a Maildir holding `count` messages (in cur/ and new/); returns it."""
    for part in ("cur", "new", "tmp"):
        (root / part).mkdir(parents=True, exist_ok=True)
    signed = [_kind(k) for k in range(10)]  # signing is slow: ten bodies, reused
    for i in range(count):
        part = "new" if i % 4 == 0 else "cur"
        (root / part / f"{i}.eml").write_bytes(signed[i % 10])
    return root
