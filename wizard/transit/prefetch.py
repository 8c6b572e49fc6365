"""Body hashes of a big message, computed by a forked child while the command goes on.

Profiling `check` on a 20 MB message shows two halves of similar size: starting Python and
importing the libraries (asyncio, dnspython, dkimpy, cryptography, pyspf), and canonicalising
and hashing the body. Both hold the GIL (`bytes.replace` does not release it), so a thread
cannot overlap them; a second process can. The command line forks right after reading its
input, before any thread exists: forking a process that runs threads can deadlock the child,
which is why the Textual app never does this. The child parses the input with the same
`classify` the analysis uses, so its body is the analysed body byte for byte, and sends back
only digests. Anything it cannot answer is computed by verification as usual.

The child needs only wizard's own parser and canonicalisation, imported here before the
fork (the analysis needs them too, so nothing is imported twice). It reads c=, a= and l= from
wizard.dkim.signature, the parse verification and forensics use, whose module imports no
dkimpy (dkimpy pulls in all of dnspython: the fork would come 80 ms later). The child is
another process, so it parses its own copy; a key it reads differently from verification
(dkimpy's view decides there) is simply not found, and verification hashes that body itself,
so the answer never depends on the child.
"""
from __future__ import annotations

import json
import os
import signal
import threading

from wizard.dkim.canon import body_digest, hash_factory
from wizard.dkim.signature import Signature, parse_signatures
from wizard.input.classify import UnreadableInput, classify

MIN_SIZE = 4 << 20  # below this the fork costs more than the overlap saves
KEYS = 8  # distinct (canonicalisation, a=, l=) digests computed ahead; the rest as usual


def start(raw: bytes, *, min_size: int = MIN_SIZE) -> BodyPrefetch | None:
    """Fork a child hashing `raw`'s body for its DKIM signatures, or None when not worth it.
    Call only while the process has no other thread."""
    if len(raw) < min_size or not hasattr(os, "fork"):
        return None
    read_end, write_end = os.pipe()
    try:
        pid = os.fork()
    except OSError:  # out of processes or memory: verification hashes the body itself
        os.close(read_end)
        os.close(write_end)
        return None
    if pid == 0:  # the child: compute, write, leave without running the parent's cleanup
        status = 1
        try:
            os.close(read_end)
            data = json.dumps(_digests(raw)).encode()
            view = memoryview(data)
            while view:
                view = view[os.write(write_end, view):]
            status = 0
        finally:
            os._exit(status)
    os.close(write_end)
    return BodyPrefetch(pid, read_end)


class BodyPrefetch:
    """The child's answer, read once on first use: a wizard.dkim.canon.BodyDigests callable."""

    def __init__(self, pid: int, read_end: int) -> None:
        self._pid = pid
        self._read_end = read_end
        self._lock = threading.Lock()  # verification asks from a worker thread
        self._answer: dict[tuple[str, bytes, int | None], bytes] | None = None

    def __call__(self, algorithm: str, a_tag: bytes, length: int | None) -> bytes | None:
        with self._lock:
            if self._answer is None:
                self._answer = self._collect()
        return self._answer.get((algorithm, a_tag, length))

    def close(self) -> None:
        """Stop the child if nobody asked for its answer, and reap it (no zombie left)."""
        with self._lock:
            if self._answer is None:
                os.kill(self._pid, signal.SIGKILL)
                self._answer = self._collect()

    def _collect(self) -> dict[tuple[str, bytes, int | None], bytes]:
        chunks = []
        with os.fdopen(self._read_end, "rb") as pipe:
            while chunk := pipe.read(65536):
                chunks.append(chunk)
        _, status = os.waitpid(self._pid, 0)
        if status != 0:
            return {}
        try:
            rows = json.loads(b"".join(chunks))
            return {(alg, a.encode(), length): bytes.fromhex(digest)
                    for alg, a, length, digest in rows}
        except (ValueError, TypeError):
            return {}


def _digests(raw: bytes) -> list[tuple[str, str, int | None, str]]:
    """[(canonicalisation, a=, l=, digest hex)] for the input's first KEYS distinct keys."""
    try:
        msg = classify(raw).message
    except UnreadableInput:
        return []
    if msg is None or msg.body is None:
        return []
    body = msg.body
    return [(alg, a, length, body_digest(body, alg, hash_factory(a), length).hex())
            for alg, a, length in body_keys(parse_signatures(msg))]


def body_keys(signatures: tuple[Signature, ...]) -> list[tuple[str, str, int | None]]:
    """The first KEYS distinct (canonicalisation, a=, l=) the signatures' body hashes need."""
    keys: list[tuple[str, str, int | None]] = []
    for sig in signatures:
        key = sig.body_key
        if key is not None and key not in keys:
            keys.append(key)
        if len(keys) == KEYS:
            break
    return keys
