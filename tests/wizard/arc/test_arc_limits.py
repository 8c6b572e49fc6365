"""Hostile ARC chains (issue 12 §5): a chain over RFC 8617's 50 sets is refused before any
signature is checked, quickly, and the finding names the limit."""
from __future__ import annotations

import asyncio
import re
import time

from tests.signing import arc_seal, message, sign
from wizard.arc.tags import decode_arc
from wizard.arc.verify import verify_arc
from wizard.dns.resolvers import ZoneFileResolver
from wizard.dns.session import DnsSession
from wizard.input.message import parse_message


def _long_chain(sets: int) -> bytes:
    """One real dkimpy ARC set, repeated with i= renumbered: what a mail loop builds."""
    one = arc_seal(sign(message(), "rsa2048", "rsa2048a"), "arc", "rsa2048a", domain="lists.verify.test",
                   srv_id="lists.verify.test", results="spf=pass smtp.mailfrom=verify.test")
    arc_set, _, rest = one.partition(b"\r\nAuthentication-Results:")  # the three ARC fields, i=1
    copies = b"".join(re.sub(rb"\bi=1;", b"i=%d;" % n, arc_set) + b"\r\n" for n in range(sets, 0, -1))
    return copies + b"Authentication-Results:" + rest


def test_a_chain_over_fifty_sets_is_refused_unverified_and_fast():
    msg = parse_message(_long_chain(1600))
    session = DnsSession([ZoneFileResolver({})], timeout=1.0, compare=False)
    start = time.monotonic()
    report = asyncio.run(verify_arc(msg, session))
    elapsed = time.monotonic() - start
    assert report.result == "fail" and report.instances == ()
    assert "50" in report.reason and "1600" in report.reason
    assert elapsed < 2.0, f"{elapsed:.1f} s"
    assert any(f.id == "ARC-02" and "50" in f.title for f in decode_arc(msg).findings)


def test_fifty_sets_are_still_verified():
    msg = parse_message(_long_chain(50))
    session = DnsSession([ZoneFileResolver({})], timeout=1.0, compare=False)
    report = asyncio.run(verify_arc(msg, session))
    assert len(report.instances) == 50
