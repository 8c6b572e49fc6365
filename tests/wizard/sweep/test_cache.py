"""One DNS cache across a sweep: every worker asks the loopback forwarder, and each
(name, type) reaches the resolver once, however many messages and processes ask it."""
from __future__ import annotations

import asyncio
from collections import Counter
from datetime import UTC, datetime

import dns.message
import dns.query

from dnsproxy import DelayProxy
from sweep_support import make_maildir
from wizard.model.request import AnalysisRequest
from wizard.sweep import Sweep
from wizard.sweep.cache import SharedCache
from wizard.sweep.groups import Result
from wizard.sweep.walk import walk

NOW = datetime(2026, 11, 24, tzinfo=UTC)


def test_a_sweep_asks_each_name_once_upstream(dns_server, tmp_path):
    box = make_maildir(tmp_path / "Maildir", 30)
    with DelayProxy(dns_server.host, dns_server.port, delay_ms=20) as proxy:
        template = AnalysisRequest(source="sweep", resolver_specs=(proxy.spec,), now=NOW, timeout=3.0)
        with Sweep(template, [proxy.resolver()], jobs=2) as sweep:
            results = list(sweep.results(walk([str(box)])))
            asked, forwarded = sweep.asked, sweep.forwarded
        upstream = Counter((q.name.lower(), q.rdtype) for q in proxy.queries if q.transport == "udp")
    assert len(results) == 30 and all(isinstance(r, Result) for r in results)
    assert {r.outcome for r in results} >= {"pass", "fail"}
    assert max(upstream.values()) == 1, upstream.most_common(3)
    assert forwarded == sum(upstream.values())
    assert asked >= 10 * forwarded  # 30 messages ask the same few names


def test_answers_keep_the_upstream_name_and_big_ones_go_over_tcp(dns_server):
    with SharedCache([dns_server.resolver()], timeout=2.0) as cache:
        worker = cache.resolvers()[0]
        assert (worker.label, worker.spec) == (dns_server.spec, dns_server.spec)
        query = dns.message.make_query("txt.dns.test", "TXT", use_edns=0, payload=1232)
        first = dns.query.udp(query, worker.host, port=worker.port, timeout=2)
        again = dns.query.udp(query, worker.host, port=worker.port, timeout=2)
        small = dns.message.make_query("medium.dns.test", "TXT")  # no EDNS: 512 bytes at most
        cut = dns.query.udp(small, worker.host, port=worker.port, timeout=2)
        whole = dns.query.tcp(small, worker.host, port=worker.port, timeout=2)
        assert (cache.asked, cache.forwarded) == (4, 2)
    assert first.answer == again.answer and again.id == query.id
    assert cut.flags & dns.flags.TC and not cut.answer
    assert whole.answer and not whole.flags & dns.flags.TC


def test_a_zone_name_server_is_asked_through_the_cache_and_named_as_check_names_it(dns_server):
    with SharedCache([dns_server.resolver()], timeout=2.0, authorities=True,
                     route=lambda _address: (dns_server.host, dns_server.port)) as cache:
        via = cache.authority()
        assert via is not None
        server = via("ns1.dns.test", "192.0.2.53", None)
        query = dns.message.make_query("medium.dns.test", "TXT")  # no EDNS: the FORMERR retry's form
        plain = asyncio.run(server._exchange(query))[0]
        answers = [asyncio.run(via("ns1.dns.test", "192.0.2.53", None).query("txt.dns.test", "TXT"))
                   for _ in range(2)]
        forwarded = cache.forwarded
    assert (server.label, server.spec) == ("ns1.dns.test (auth)", "192.0.2.53")
    assert plain.edns < 0 and plain.answer  # asked upstream without EDNS, answered over TCP
    assert answers[0] == answers[1] and answers[0].resolver == "ns1.dns.test (auth)"
    assert forwarded == 2  # the second ask of txt.dns.test never left the worker
