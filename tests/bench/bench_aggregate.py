"""Benchmark of a DMARC aggregate report's triage (issue 14), printed as ratios measured in
one run (never a timed unit test).

    python3 tests/bench/bench_aggregate.py          # 5,000 rows, 2,000 distinct IPs
    BENCH_ROWS=50000 BENCH_IPS=10000 python3 tests/bench/bench_aggregate.py

The report is generated here: ROWS rows from IPS distinct source IPs, each IP with a PTR,
in every class the triage tells apart (own servers aligned, an ESP signing with its own d=,
a missing SPF include, a broken selector, forwarders, spoofing). Its DNS is a real BIND on
loopback serving zones written here (the PTRs of 10.79.0.0/16, the policy domain's SPF and
keys, an ESP's SPF), so every PTR, SPF tree and key is really asked.

Target: ≥ 10,000 rows/s read and classified (`analyze` in process: archive sniff, parse,
PTRs, SPF trees, keys, classification, findings) with DNS answered by loopback, and the
report's verdict judged. Printed beside it, measured in the same run:
* offline: the same analysis without DNS (what parse + classification cost alone);
* the floors: defusedxml's iterparse of the same XML doing nothing with the elements (no
  parse of ours can go under it), and the distinct PTR questions asked straight through
  dnspython's async UDP query, MAX_CONCURRENT at a time (the one-by-one path's floor);
* the PTRs through wizard.dns.bulk (the triage's path), beside its parts: dnspython building
  the queries, one blocking socket exchanging the wires, dnspython reading the answers;
* peak memory (tracemalloc) of the live analysis, against the XML's size.
"""
from __future__ import annotations

import asyncio
import ipaddress
import os
import statistics
import sys
import tempfile
import time
import tracemalloc
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from dnsserver import BindServer  # noqa: E402

ROWS = int(os.environ.get("BENCH_ROWS", "5000"))
IPS = int(os.environ.get("BENCH_IPS", "2000"))
TARGET = 10_000  # rows/s
RUNS = 5
DOMAIN = "ruabench.test"
NOW = datetime(2026, 12, 3, tzinfo=UTC)

# The good key of selector s1 (the one tests/zones/rua.test.zone publishes).
KEY = ('s1._domainkey TXT ' + (ROOT / "tests" / "zones" / "rua.test.zone").read_text()
       .split("s1._domainkey   TXT     ")[1].split("\n")[0] + "\n")

# The shares of IPs per kind (the rest spoof): own servers, the ESP's, forwarders.
OWN, ESP, FORWARDER = 0.4, 0.3, 0.15


def kind_of(index: int) -> str:
    share = index / IPS
    if share < OWN:
        return "own"
    if share < OWN + ESP:
        return "esp"
    return "forwarder" if share < OWN + ESP + FORWARDER else "spoof"


# Each kind's IPs in its own quarter of 10.79.0.0/16, so the SPF records can name them.
BLOCKS = {"own": "10.79.0.0/18", "esp": "10.79.64.0/18", "forwarder": "10.79.128.0/18", "spoof": "10.79.192.0/18"}


def ip_of(index: int) -> str:
    return str(ipaddress.ip_network(BLOCKS[kind_of(index)])[index + 1])


def ptr_of(index: int) -> str:
    return {"own": f"mail{index}.{DOMAIN}.", "esp": f"o{index}.ptr.sendgrid.net.",
            "forwarder": f"relay{index}.lists.example.", "spoof": f"host{index}.dsl.example."}[kind_of(index)]


def zones(directory: Path) -> None:
    """The bench's zones: the policy domain, the ESP stand-in, every source IP's PTR."""
    soa = "$TTL 300\n@ SOA ns1.{0}. hostmaster.{0}. 1 3600 600 86400 60\n@ NS ns1.{0}.\nns1 A 127.0.0.1\n"
    (directory / f"{DOMAIN}.zone").write_text(
        soa.format(DOMAIN) +
        f'@ TXT "v=spf1 ip4:{BLOCKS["own"]} ~all"\n'
        '_dmarc TXT "v=DMARC1; p=none"\n'
        + KEY +
        "broken._domainkey CNAME broken.domainkey.u1.wl.sendgrid.net.\n")
    (directory / "sendgrid.net.zone").write_text(
        soa.format("sendgrid.net") +
        f'@ TXT "v=spf1 ip4:{BLOCKS["esp"]} -all"\n')
    ptrs = "".join(f"{'.'.join(reversed(ip_of(i).split('.')[2:]))} PTR {ptr_of(i)}\n" for i in range(IPS))
    (directory / "79.10.in-addr.arpa.zone").write_text(soa.format("79.10.in-addr.arpa") + ptrs)


def _auth(dkim: list[tuple[str, str, str]], spf: list[tuple[str, str]]) -> str:
    return ("".join(f"<dkim><domain>{d}</domain><selector>{s}</selector><result>{r}</result></dkim>"
                    for d, s, r in dkim)
            + "".join(f"<spf><domain>{d}</domain><scope>mfrom</scope><result>{r}</result></spf>" for d, r in spf))


def row(index: int, variant: int) -> str:
    """One row for IP `index`; `variant` picks among the results that kind of IP shows."""
    kind = kind_of(index)
    evaluated, envelope = ("pass", "pass"), DOMAIN
    if kind == "own":
        auth = [_auth([(DOMAIN, "s1", "pass")], [(DOMAIN, "pass")]),
                _auth([], [(DOMAIN, "pass")]),
                _auth([(DOMAIN, "broken", "fail")], [(DOMAIN, "softfail")])][variant % 3]
        evaluated = ("pass" if "s1" in auth else "fail", "fail" if "softfail" in auth else "pass")
    elif kind == "esp":
        if variant % 2:
            auth = _auth([("sendgrid.net", "s1", "pass")], [("sendgrid.net", "pass")])
            envelope = "sendgrid.net"
        else:
            auth = _auth([], [(DOMAIN, "fail")])
        evaluated = ("fail", "fail")
    elif kind == "forwarder":
        auth = _auth([(DOMAIN, "s1", "pass")], [(DOMAIN, "fail")]) if variant % 2 else \
            _auth([(DOMAIN, "s1", "fail")], [(DOMAIN, "fail")])
        evaluated = ("pass" if variant % 2 else "fail", "fail")
    else:
        auth = _auth([], [(DOMAIN, "fail" if variant % 2 else "none")])
        evaluated = ("fail", "fail")
    return (f"<record><row><source_ip>{ip_of(index)}</source_ip><count>{1 + (index * 7 + variant) % 40}</count>"
            f"<policy_evaluated><disposition>none</disposition><dkim>{evaluated[0]}</dkim>"
            f"<spf>{evaluated[1]}</spf></policy_evaluated></row>"
            f"<identifiers><header_from>{DOMAIN}</header_from><envelope_from>{envelope}</envelope_from>"
            f"</identifiers><auth_results>{auth}</auth_results></record>\n")


def report_xml() -> bytes:
    rows = "".join(row(i % IPS, i // IPS) for i in range(ROWS))
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<feedback><report_metadata><org_name>bench.example'
            f"</org_name><email>dmarc@bench.example</email><report_id>bench-{ROWS}</report_id><date_range>"
            f"<begin>1764633600</begin><end>1764719999</end></date_range></report_metadata>"
            f"<policy_published><domain>{DOMAIN}</domain><adkim>r</adkim><aspf>r</aspf><p>none</p>"
            f"<pct>100</pct></policy_published>\n{rows}</feedback>\n").encode()


def analysis(xml: bytes, resolvers: list, *, every_ptr: bool = True) -> float:
    """Seconds for one analysis and its verdict; checks every row was classified."""
    from wizard.common.runner import run_to_end
    from wizard.model.request import AnalysisRequest
    from wizard.pipeline.analyze import analyze
    from wizard.verdict import judge

    start = time.perf_counter()
    request = AnalysisRequest(raw=xml, source="bench.xml", now=NOW, timeout=30.0)
    report = run_to_end(analyze(request, resolvers=resolvers))  # as `check` runs it
    verdict = judge(report)
    elapsed = time.perf_counter() - start
    assert report.aggregate is not None and len(report.aggregate.sources) == ROWS
    assert all(s.finding is not None for s in report.aggregate.sources)
    if resolvers and every_ptr:
        assert sum(1 for s in report.aggregate.sources if s.ptr) == ROWS, "every IP has a PTR"
    assert verdict.outcome == "fail"
    return elapsed


def median(fn) -> float:
    fn()  # warm-up: imports and lazy patterns compiled
    return statistics.median(fn() for _ in range(RUNS))


def bare_parse(xml: bytes) -> float:
    import io

    import defusedxml.ElementTree as safe_et

    start = time.perf_counter()
    for _, element in safe_et.iterparse(io.BytesIO(xml), events=("end",), forbid_dtd=False):
        if element.tag == "record":
            element.clear()
    return time.perf_counter() - start


def bare_ptrs(server: BindServer) -> float:
    """Every distinct PTR through dnspython alone, MAX_CONCURRENT in flight."""
    import dns.asyncquery
    import dns.message
    import dns.reversename

    from wizard.aggregate.triage import MAX_CONCURRENT

    async def run() -> None:
        gate = asyncio.Semaphore(MAX_CONCURRENT)

        async def one(ip: str) -> None:
            async with gate:
                query = dns.message.make_query(dns.reversename.from_address(ip), "PTR")
                answer = await dns.asyncquery.udp(query, server.host, port=server.port, timeout=5)
                assert answer.answer

        await asyncio.gather(*(one(ip_of(i)) for i in range(IPS)))

    start = time.perf_counter()
    asyncio.run(run())
    return time.perf_counter() - start


def bulk_ptrs(server: BindServer) -> float:
    """Every distinct PTR through wizard.dns.bulk, the path the triage takes."""
    from wizard.dns import bulk

    questions = [(ipaddress.ip_address(ip_of(i)).reverse_pointer, "PTR") for i in range(IPS)]
    start = time.perf_counter()
    answers = asyncio.run(bulk.ask_server(server.resolver(timeout=5.0), questions, within=None))
    elapsed = time.perf_counter() - start
    assert all(a is not None and a.strings for a in answers)
    return elapsed


def wire_costs(server: BindServer) -> tuple[float, float, float]:
    """What the bulk path cannot go under, in three parts: dnspython building the queries
    (make_query + to_wire), one blocking socket exchanging them with BIND a window at a time
    (no parsing), and dnspython reading the answers (from_wire)."""
    import socket

    import dns.message
    import dns.rdatatype

    from wizard.dns import bulk

    names = [ipaddress.ip_address(ip_of(i)).reverse_pointer for i in range(IPS)]
    start = time.perf_counter()
    wires = [dns.message.make_query(n, dns.rdatatype.PTR, use_edns=0, payload=1232).to_wire() for n in names]
    build = time.perf_counter() - start
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 * 2**20)
        sock.connect((server.host, server.port))
        sock.settimeout(5)
        answers = []
        start = time.perf_counter()
        for at in range(0, len(wires), bulk.WINDOW):  # all at once, BIND's own buffer drops some
            for wire in wires[at:at + bulk.WINDOW]:
                sock.send(wire)
            answers += [sock.recv(4096) for _ in wires[at:at + bulk.WINDOW]]
        exchange = time.perf_counter() - start
    start = time.perf_counter()
    for answer in answers:
        dns.message.from_wire(answer)
    return build, exchange, time.perf_counter() - start


def repr_cost(xml: bytes) -> float:
    """What CPython 3.11's asyncio.run would add on the main thread: on exit it formats the
    main task's repr, with its result, twice (signal.getsignal → enum's ValueError message);
    `check` runs the analysis through wizard.common.runner.run_to_end, which does not."""
    from wizard.model.request import AnalysisRequest
    from wizard.pipeline.analyze import analyze

    report = asyncio.run(analyze(AnalysisRequest(raw=xml, source="bench.xml", now=NOW), resolvers=[]))
    start = time.perf_counter()
    repr(report)
    return 2 * (time.perf_counter() - start)


def peak_memory(xml: bytes, resolvers: list) -> int:
    tracemalloc.start()
    # tracemalloc slows Python several times over: a PTR may miss its deadline, which
    # changes nothing about the memory the analysis holds.
    analysis(xml, resolvers, every_ptr=False)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak


def main() -> None:
    xml = report_xml()
    with tempfile.TemporaryDirectory() as tmp:
        zones(Path(tmp))
        with BindServer(zone_dir=Path(tmp)) as server:
            resolvers = [server.resolver(timeout=5.0)]
            live = median(lambda: analysis(xml, resolvers))
            offline = median(lambda: analysis(xml, []))
            parse_floor = median(lambda: bare_parse(xml))
            ptr_floor = median(lambda: bare_ptrs(server))
            ptr_bulk = median(lambda: bulk_ptrs(server))
            build, exchange, read = wire_costs(server)
            peak = peak_memory(xml, resolvers)
            formatting = repr_cost(xml)
    print(f"aggregate report: {ROWS:,} rows, {IPS:,} distinct IPs with a PTR, {len(xml) / 2**20:.1f} MB of XML")
    print(f"live (loopback BIND): median {live * 1000:.0f} ms → {ROWS / live:,.0f} rows/s "
          f"→ ratio to the target {ROWS / live / TARGET:.2f} (target ≥ 1.0: {TARGET:,} rows/s)")
    print(f"offline (no DNS): median {offline * 1000:.0f} ms → {ROWS / offline:,.0f} rows/s "
          f"→ ratio {ROWS / offline / TARGET:.2f}")
    print(f"  floor, defusedxml iterparse alone: {parse_floor * 1000:.0f} ms ({ROWS / parse_floor:,.0f} rows/s)")
    print(f"  floor, {IPS:,} PTRs through dnspython alone: {ptr_floor * 1000:.0f} ms "
          f"({IPS / ptr_floor:,.0f} questions/s); live minus offline: {(live - offline) * 1000:.0f} ms")
    print(f"  {IPS:,} PTRs through wizard.dns.bulk (the triage's path): {ptr_bulk * 1000:.0f} ms "
          f"({IPS / ptr_bulk:,.0f} questions/s), of which dnspython building the queries "
          f"{build * 1000:.0f} ms, reading the answers {read * 1000:.0f} ms; one blocking socket "
          f"exchanging the same wires with BIND {exchange * 1000:.0f} ms")
    print(f"  saved by run_to_end (asyncio.run would format repr(report) twice on exit): {formatting * 1000:.0f} ms")
    print(f"peak memory (tracemalloc, live): {peak / 2**20:.1f} MB for {len(xml) / 2**20:.1f} MB of XML "
          f"→ ratio {peak / len(xml):.1f}")


if __name__ == "__main__":
    main()
