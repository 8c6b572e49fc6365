"""Shared fixtures. DNS tests talk to a real BIND on loopback (DESIGN.md rule 8): see
tests/dnsserver.py for what the servers hold, and drop zone files into tests/zones/ (named
`<origin>.zone`) to have them served."""
from __future__ import annotations

import pytest

from dnsserver import BindServer, NamedMissing, SilentServer


@pytest.fixture(scope="session")
def dns_server():
    """A running BIND serving every tests/zones/*.zone: `.host`, `.port`, `.spec`
    ("127.0.0.1:PORT"), `.resolver()` → ServerResolver, `.authority` for DnsSession."""
    try:
        server = BindServer().start()
    except NamedMissing as exc:
        pytest.fail(str(exc))
    yield server
    server.stop()


@pytest.fixture(scope="session")
def silent_server():
    """A loopback UDP+TCP port that never answers: `.spec`, `.resolver(timeout=…)`."""
    with SilentServer() as server:
        yield server
