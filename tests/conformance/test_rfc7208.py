"""The RFC 7208 SPF test suite (openspf.org, as pyspf ships it) through mailtriage's own SPF
path: `check_spf` on a DnsSession, so pyspf asks through the same bridge `check` uses.

Each scenario's zone data becomes zone files for the project's ZoneFileResolver (one zone per
top-level label, so a name the data lacks is NXDOMAIN, as the suite means); names marked
TIMEOUT are asked of the `silent_server` fixture, a port that never answers. The suite's own
driver (pyspf's test/testspf.py) publishes each SPF-type record as TXT when a name has no
TXT of its own; RFC 7208 retired type SPF, so only those TXT copies are served here."""
from __future__ import annotations

from pathlib import Path

import dns.name
import dns.rdataclass
import dns.rdatatype
import dns.rdtypes.ANY.TXT
import pytest
import yaml
from msgspec.structs import replace

from wizard.dns import DnsSession, ZoneFileResolver
from wizard.dns.types import DnsAnswer, Status
from wizard.spf.check import check_spf

SUITE = Path(__file__).parents[3] / "shared" / "data" / "suites" / "rfc7208-tests.yml"

# id → why it cannot pass here, with the RFC section (the suite's `spec`).
SKIPS: dict[str, str] = {}


def _scenarios() -> list[dict]:
    with SUITE.open("rb") as fh:
        return list(yaml.safe_load_all(fh))


def _label_text(name: str) -> str:
    """A zone-file owner for `name` exactly as written (any visible character, RFC 7208 §7.1)."""
    if name.rstrip(".") == "":
        return "."  # the root: MX 0 . (null MX)
    labels = [label.encode("utf-8") for label in name.rstrip(".").split(".")]
    return dns.name.Name([*labels, b""]).to_text()


def _rdata_text(rdtype: str, value) -> str:
    if rdtype == "TXT":
        strings = [value] if isinstance(value, str) else list(value) or [""]
        return dns.rdtypes.ANY.TXT.TXT(dns.rdataclass.IN, dns.rdatatype.TXT,
                                       [s.encode("utf-8") for s in strings]).to_text()
    if rdtype == "MX":
        return f"{value[0]} {_label_text(value[1])}"
    if rdtype in ("CNAME", "PTR"):
        return _label_text(value)
    return str(value)


def _world(zonedata: dict) -> tuple[dict[str, str], dict[str, set[str]]]:
    """{origin: zone text} for every top-level label in the data, and for each TIMEOUT name
    the types it does answer (the suite's driver times out only the others)."""
    lines: dict[str, list[str]] = {}
    timeouts: dict[str, set[str]] = {}
    for name, records in zonedata.items():
        served: set[str] = set()
        if "TIMEOUT" in records:
            timeouts[name.lower().rstrip(".")] = served
            records = [r for r in records if r != "TIMEOUT"]
        has_txt = any(isinstance(r, dict) and "TXT" in r for r in records)
        origin = name.rstrip(".").rsplit(".", 1)[-1].lower()
        zone = lines.setdefault(origin, [])
        for record in records:
            for rdtype, value in record.items():
                if value == "NONE" or (rdtype == "SPF" and has_txt):
                    continue
                shown = "TXT" if rdtype == "SPF" else rdtype
                served.add(shown)
                zone.append(f"{_label_text(name)} 300 IN {shown} {_rdata_text(shown, value)}")
    return ({origin: "\n".join([f"{origin}. 300 IN SOA ns.{origin}. h.{origin}. 1 1 1 1 60",
                                f"{origin}. 300 IN NS ns.{origin}.", *zone])
             for origin, zone in lines.items()}, timeouts)


class SuiteResolver:
    """The scenario's zones, except that TIMEOUT names go to a server that never answers.

    A name under no top-level label of the data is NXDOMAIN, as the root would say (the
    zone resolver alone answers REFUSED outside its zones, which SPF reads as temperror)."""

    label = "suite"

    def __init__(self, zones: ZoneFileResolver, silent, timeouts: dict[str, set[str]]) -> None:
        self.zones, self.silent, self.timeouts = zones, silent, timeouts

    async def query(self, name: str, rdtype: str) -> DnsAnswer:
        answers = self.timeouts.get(name.lower().rstrip("."))
        if answers is not None and rdtype not in answers:
            return await self.silent.query(name, rdtype)
        answer = await self.zones.query(name, rdtype)
        if answer.status == Status.REFUSED:
            return replace(answer, status=Status.NXDOMAIN)
        return answer


CASES = [(test_id, case, scenario["zonedata"])
         for scenario in _scenarios() for test_id, case in scenario["tests"].items()]


async def _mailtriage_result(case: dict, zonedata: dict, silent) -> str | None:
    zones, timeouts = _world(zonedata)
    zone_resolver = ZoneFileResolver(zones)
    assert not zone_resolver.load_errors, zone_resolver.load_errors
    session = DnsSession([SuiteResolver(zone_resolver, silent.resolver(timeout=0.2), timeouts)],
                         compare=False)
    report = await check_spf(ip=case["host"], mail_from=case["mailfrom"], helo=case["helo"],
                             lookup=session.lookup, sync_lookup=session.sync_lookup)
    return report.result


def _expected(case: dict) -> list[str]:
    result = case["result"]
    return [result] if isinstance(result, str) else list(result)


@pytest.mark.parametrize(("test_id", "case", "zonedata"), CASES, ids=[c[0] for c in CASES])
async def test_case(test_id, case, zonedata, silent_server):
    if test_id in SKIPS:
        pytest.skip(SKIPS[test_id])
    got = await _mailtriage_result(case, zonedata, silent_server)
    assert got in _expected(case), f"{test_id} (RFC 7208 §{case['spec']}): {got}"


async def test_agreement_count(silent_server, capsys):
    """The whole suite's agreement, printed: every case not skipped agrees."""
    agree = [test_id for test_id, case, zonedata in CASES
             if await _mailtriage_result(case, zonedata, silent_server) in _expected(case)]
    with capsys.disabled():
        print(f"\nRFC 7208 suite: mailtriage agrees {len(agree)}/{len(CASES)}, "
              f"{len(SKIPS)} skipped")
    assert len(agree) >= len(CASES) - len(SKIPS)
