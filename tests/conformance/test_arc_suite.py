"""The public ARC validation suite (../shared/data/suites/arc-draft-validation-tests.yml)
through mailtriage's own ARC path: parse_message → verify_arc, the suite's txt-records
served as zones by the zone resolver behind a DnsSession, as `check --zone` would."""
from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
import yaml

from wizard.arc.verify import verify_arc
from wizard.dns.resolvers import ZoneFileResolver
from wizard.dns.session import DnsSession
from wizard.input.message import parse_message

SUITE = Path(__file__).resolve().parents[3] / "shared" / "data" / "suites" / "arc-draft-validation-tests.yml"

# Cases the suite expects that mailtriage deliberately answers otherwise: {name: reason + RFC section}.
# Empty: every case agrees; a future disagreement must be argued here, not hidden.
SKIP: dict[str, str] = {}


def _zone(value: str) -> str:
    # A TXT string holds at most 255 octets (RFC 1035 §3.3.14): split long keys as DNS does.
    chunks = " ".join(f'"{value[i:i + 255]}"' for i in range(0, len(value), 255))
    return f"@ 300 IN SOA ns. hostmaster. 1 3600 600 86400 300\n@ 300 IN NS ns.\n@ 300 IN TXT {chunks}\n"


def _cases():
    if not SUITE.exists():
        return []
    out = []
    for n, doc in enumerate(yaml.safe_load_all(SUITE.read_text(encoding="utf-8"))):
        records = {name: _zone(str(value).replace("\n", "")) for name, value in (doc.get("txt-records") or {}).items()}
        for name, case in doc["tests"].items():
            marks = [pytest.mark.skip(reason=SKIP[name])] if name in SKIP else []
            out.append(pytest.param(case, records, id=f"{n}-{name}", marks=marks))
    return out


CASES = _cases()


def _expected(cv: str) -> str:
    # Three cases (a seal that itself says cv=fail) leave cv blank; RFC 8617 §5.2 step 2
    # ends such a chain as "fail", which is what a person must be told.
    return {"pass": "pass", "none": "none"}.get(cv, "fail")


def test_the_suite_is_here_and_whole():
    assert len(CASES) >= 171


@pytest.mark.parametrize(("case", "records"), CASES)
def test_arc_case(case, records):
    raw = case["message"].replace("\r\n", "\n").replace("\n", "\r\n").encode()
    session = DnsSession([ZoneFileResolver(records)], timeout=2.0, compare=False)
    report = asyncio.run(verify_arc(parse_message(raw), session))
    expected = _expected(str(case["cv"]).strip().lower())
    assert report.result == expected, report.reason
