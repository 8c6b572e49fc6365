"""The authoritative comparison in a sweep: with the system resolver `check` also asks the
zones' own name servers (DNS-04/05/14); a sweep does the same through its shared cache, so
each message comes out as `check` judges it, and each authoritative question is asked once
per run. --no-authoritative turns it off in both."""
from __future__ import annotations

import asyncio
from collections import Counter
from datetime import UTC, datetime

import pytest
from msgspec.structs import replace

from dnsproxy import DelayProxy
from dnsserver import ALT_ADDRESS
from signing import message, sign
from sweep_support import make_maildir
from wizard.model.request import AnalysisRequest
from wizard.pipeline.analyze import analyze
from wizard.sweep import Sweep
from wizard.sweep.walk import walk
from wizard.verdict import judge

NOW = datetime(2026, 11, 24, tzinfo=UTC)


def _mailbox(root):
    box = make_maildir(root, 10)
    # fixalt.test's second name server still serves an older key (DNS-05): only a
    # comparison with the authoritative servers sees it.
    for key in ("rsa2048a", "rsa2048b"):
        signed = sign(message(from_addr="alice@fixalt.test"), "s1", key, domain="fixalt.test")
        (box / "cur" / f"fixalt-{key}.eml").write_bytes(signed)
    return box


def _as_check(dns_server, template: AnalysisRequest, path: str):
    """What `check` makes of one file with the same options (its DnsSession's authority
    hook points at the test's name servers, as `route` does for the sweep)."""
    with open(path, "rb") as handle:
        request = replace(template, raw=handle.read(), source=path)
    report = asyncio.run(analyze(request, resolvers=[dns_server.resolver()],
                                 authority=dns_server.authority))
    verdict = judge(report)
    ids = {f.id for f in report.all_findings}
    return (verdict.outcome, verdict.root_cause.id if verdict.root_cause else ""), ids


@pytest.mark.parametrize("authoritative", [True, False])
def test_a_sweep_judges_every_message_as_check_does_with_the_authoritative_servers(
        dns_server, tmp_path, authoritative):
    box = _mailbox(tmp_path / "Maildir")
    # No --resolver: the system resolver's rule, under which check compares (or, with
    # --no-authoritative, does not).
    template = AnalysisRequest(source="sweep", now=NOW, authoritative=authoritative)
    assert template.asks_authoritative is authoritative
    with DelayProxy(dns_server.host, dns_server.port) as ns1, \
            DelayProxy(dns_server.host, dns_server.alt_port) as ns2:
        servers = {"127.0.0.1": (ns1.host, ns1.port), ALT_ADDRESS: (ns2.host, ns2.port)}
        with Sweep(template, [dns_server.resolver()], jobs=2, route=servers.__getitem__) as sweep:
            swept = {r.path: (r.outcome, r.root_cause) for r in sweep.results(walk([str(box)]))}
        asked = Counter((p.port, q.name.lower(), q.rdtype)
                        for p in (ns1, ns2) for q in p.queries if q.transport == "udp")
    assert len(swept) == 12
    seen: set[str] = set()
    for path, result in swept.items():
        judged, ids = _as_check(dns_server, template, path)
        assert result == judged, path
        seen |= ids
    if authoritative:
        assert "DNS-05" in seen  # the comparison happened, and found fixalt's old key
        # Twelve messages, two workers: each server was asked each question once.
        assert asked and max(asked.values()) == 1, asked.most_common(3)
    else:
        assert "DNS-05" not in seen and not asked


def test_a_domain_in_a_sweep_asks_the_name_servers_through_the_cache_too(dns_server, tmp_path):
    # A file holding just a domain is checked as `mailtriage domain` checks it, compared with
    # the zone's own servers: those questions go through the sweep's cache as a message's do.
    (tmp_path / "domain.txt").write_text("fixalt.test\n")
    template = AnalysisRequest(source="sweep", now=NOW, authoritative=True)
    with DelayProxy(dns_server.host, dns_server.port) as ns1, \
            DelayProxy(dns_server.host, dns_server.alt_port) as ns2:
        servers = {"127.0.0.1": (ns1.host, ns1.port), ALT_ADDRESS: (ns2.host, ns2.port)}
        with Sweep(template, [dns_server.resolver()], jobs=1, route=servers.__getitem__) as sweep:
            swept = list(sweep.results(walk([str(tmp_path / "domain.txt")])))
        asked = [q for p in (ns1, ns2) for q in p.queries]
    assert len(swept) == 1 and asked
