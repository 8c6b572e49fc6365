"""One budget of DNS questions per message for SPF (tree and verdict together): a hostile
include tree of many mx terms with many hosts each costs a bounded number of questions,
counted where they leave for the DNS layer's resolver."""
from __future__ import annotations

from wizard.dns import DnsSession, ZoneFileResolver
from wizard.spf.check import check_spf
from wizard.spf.record import LOOKUP_LIMIT, QUESTION_BUDGET, VOID_LIMIT


def _hostile_zone() -> str:
    """r: 10 includes; each included record: 10 mx terms; each MX name: 10 hosts."""
    lines = ["$TTL 300", "@ SOA ns1.big.test. h.big.test. 1 3600 600 86400 60",
             "@ NS ns1.big.test.", "ns1 A 127.0.0.1",
             'r TXT "v=spf1 ' + " ".join(f"include:i{i}.big.test" for i in range(10)) + ' -all"']
    for i in range(10):
        lines.append(f'i{i} TXT "v=spf1 '
                     + " ".join(f"mx:m{i}-{j}.big.test" for j in range(10)) + ' -all"')
        for j in range(10):
            for k in range(10):
                lines.append(f"m{i}-{j} MX 10 h{i}-{j}-{k}.big.test.")
                lines.append(f"h{i}-{j}-{k} A 198.51.100.{k + 1}")
    return "\n".join(lines) + "\n"


class CountingResolver:
    label = "counting"

    def __init__(self, inner) -> None:
        self.inner, self.count = inner, 0

    async def query(self, name, rdtype):
        self.count += 1
        return await self.inner.query(name, rdtype)


async def test_a_hostile_tree_costs_one_bounded_budget_of_questions():
    resolver = CountingResolver(ZoneFileResolver({"big.test": _hostile_zone()}))
    session = DnsSession([resolver], compare=False)
    report = await check_spf(ip="192.0.2.1", mail_from="a@r.big.test", helo="mta.big.test",
                             lookup=session.lookup, sync_lookup=session.sync_lookup)
    # before: 419 questions for this one message; now the budget (a few times the 10
    # lookups + 2 voids a receiver spends) plus the envelope domain's own TXT and MX
    assert QUESTION_BUDGET == 4 * (LOOKUP_LIMIT + VOID_LIMIT)
    assert resolver.count <= QUESTION_BUDGET + 2
    assert report.result == "permerror"
    stopped = [f for f in report.findings if f.id == "SPF-05" and "stopped" in f.title]
    assert stopped and f"at most {QUESTION_BUDGET} DNS questions" in stopped[0].detail
    assert any(f.id == "SPF-05" and "More than 10" in f.title for f in report.findings)
