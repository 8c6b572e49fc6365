"""The forked body-hash child (wizard.transit.prefetch) answers exactly what verification would
compute itself, misses rather than guesses, and never leaves a process behind."""
from __future__ import annotations

import os

import pytest
from dkim.canonicalization import CanonicalizationPolicy
from dkim.crypto import HASH_ALGORITHMS
from dkim.util import parse_tag_value

from signing import message, sign
from wizard.dkim.canon import body_digest
from wizard.input.message import parse_message
from wizard.transit import prefetch as body_prefetch

BODY = "Figures:  revenue\t12,345  costs 6,789 \r\n\r\nsee the notes.   \r\n\r\n\r\n"


def several_signatures() -> bytes:
    """Four signatures asking for four different body digests."""
    raw = message(body=BODY * 50)
    raw = sign(raw, "rsa2048", "rsa2048a", canon="relaxed/relaxed")
    raw = sign(raw, "rsa2048", "rsa2048a", canon="relaxed/simple")
    raw = sign(raw, "rsa2048", "rsa2048a", canon="simple/relaxed", algorithm="rsa-sha1")
    return sign(raw, "rsa2048", "rsa2048a", canon="relaxed/relaxed", length=True)


def asked(raw: bytes) -> list[tuple[tuple[str, bytes, int | None], bytes]]:
    """What wizard.dkim.verify asks for each signature, with the digest it would compute."""
    msg = parse_message(raw)
    out = []
    for header in msg.get_all("DKIM-Signature"):
        tags = parse_tag_value(header.raw[header.raw.index(b":") + 1:])
        algorithm = CanonicalizationPolicy.from_c_value(tags[b"c"]).body_algorithm.name.decode()
        length = int(tags[b"l"]) if b"l" in tags else None
        key = (algorithm, tags[b"a"], length)
        out.append((key, body_digest(msg.body, algorithm, HASH_ALGORITHMS[tags[b"a"]], length)))
    return out


def reaped(prefetch: body_prefetch.BodyPrefetch) -> bool:
    try:
        os.waitpid(prefetch._pid, os.WNOHANG)
    except ChildProcessError:
        return True
    return False


def test_the_child_answers_every_signature_with_verifications_own_digest():
    raw = several_signatures()
    prefetch = body_prefetch.start(raw, min_size=0)
    expected = asked(raw)
    assert len({key for key, _ in expected}) == 4
    for key, digest in expected:
        assert prefetch(*key) == digest
    assert reaped(prefetch)


def test_a_key_the_child_did_not_compute_is_a_miss_not_a_guess():
    prefetch = body_prefetch.start(several_signatures(), min_size=0)
    assert prefetch("relaxed", b"rsa-sha256", 1) is None
    assert prefetch("simple", b"ed25519-sha256", None) is None


@pytest.mark.parametrize("raw", [
    b"\x00\x01binary" * 100,  # unreadable: the child answers nothing
    message(),  # no signature
    b"DKIM-Signature: v=1; a=rsa-sha256; c=relaxed; l=12x; d=x.test; s=s; h=from; bh=; b=\r\n\r\nbody\r\n",
])
def test_inputs_with_nothing_to_hash_answer_nothing(raw):
    prefetch = body_prefetch.start(raw, min_size=0)
    assert prefetch("relaxed", b"rsa-sha256", None) is None
    assert prefetch("simple", b"rsa-sha256", None) is None
    assert reaped(prefetch)


def test_small_inputs_are_hashed_in_process():
    assert body_prefetch.start(message()) is None


def test_closing_unasked_stops_and_reaps_the_child():
    prefetch = body_prefetch.start(several_signatures(), min_size=0)
    prefetch.close()
    assert reaped(prefetch)
    prefetch.close()  # twice is harmless
