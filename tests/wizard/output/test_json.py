"""`check --json`: the README's shape, with the computed keys a script reads and without
what only the engine uses."""
import json

from wizard.dns import ZoneFileResolver
from wizard.model.findings import FixCommand, RecordFix
from wizard.model.request import AnalysisRequest
from wizard.output.json import report_to_json, to_data
from wizard.pipeline.analyze import analyze
from wizard.scenarios import get_scenario


def test_fixes_carry_their_shell_line_and_zone_line():
    command = FixCommand(("dig", "+short", "TXT", "s1._domainkey.example.com"), "look")
    record = RecordFix("s1._domainkey.example.com", "TXT", "v=DKIM1; p=" + "A" * 300, "publish")
    assert to_data(command) == {"argv": list(command.argv), "purpose": "look",
                                "shell": "dig +short TXT s1._domainkey.example.com"}
    data = to_data(record)
    assert data["zone_line"].startswith('s1._domainkey.example.com. 3600 IN TXT "v=DKIM1; p=')
    assert data["zone_line"].count('"') == 4  # 255-octet strings


async def test_a_report_keeps_its_documented_keys_and_hides_raw_bytes():
    s = get_scenario("list-footer")
    request = AnalysisRequest(source=s.name, raw=s.read(), now=s.now, ip=s.ip, mail_from=s.mail_from,
                              helo=s.helo, zone_paths=tuple(str(p) for p in s.zone_paths))
    data = json.loads(report_to_json(await analyze(request, resolvers=[ZoneFileResolver(s.zone_paths)])))
    assert {"input", "result", "message", "signatures", "dmarc", "spf", "dns", "findings", "schema",
            "warnings"} <= set(data)
    assert "pending" not in data
    sig = data["signatures"][0]
    assert "raw" not in sig["decoded"]["header"] and sig["decoded"]["header"]["value"]
    assert data["dmarc"]["result"] == data["dmarc"]["rfc9989"]["result"]
    assert all(a["values"] == ["".join(s) for s in a["strings"]] for a in data["dns"])
    assert isinstance(sig["body"]["unsigned_tail"], str)  # bytes as text, not base64
