"""Commands follow the user's choice of resolver (wizard.fixes.aim_fixes / aim_report): a
lookup asks the server the user named, or says plainly that it asks the system resolver."""
from __future__ import annotations

from datetime import UTC, datetime

from msgspec.structs import replace

from wizard import fixes
from wizard.model.findings import Finding, Severity
from wizard.model.report import InputInfo, Report

KEY = "s1._domainkey.example.com"


def shells(commands) -> list[str]:
    return [c.shell for c in commands if hasattr(c, "shell")]


def test_a_plain_dig_asks_the_chosen_server() -> None:
    aimed = fixes.aim_fixes((fixes.dig_answer(KEY),), ["127.0.0.1:5353"])
    assert shells(aimed) == [f"dig +noall +answer TXT {KEY} @127.0.0.1 -p 5353"]
    assert aimed[0].purpose.endswith("(asking 127.0.0.1:5353)")


def test_one_command_per_chosen_resolver_and_system_stays_plain() -> None:
    aimed = fixes.aim_fixes(fixes.dig_query(KEY, purpose="show the key"), ["system", "192.0.2.1"])
    assert shells(aimed) == [f"dig +short TXT {KEY}", f"dig +short TXT {KEY} @192.0.2.1"]


def test_a_tool_without_a_server_option_says_whom_it_asks() -> None:
    (testkey,) = fixes.aim_fixes((fixes.opendkim_testkey("example.com", "s1"),), ["127.0.0.1:5353"])
    assert testkey.argv == fixes.opendkim_testkey("example.com", "s1").argv
    assert "asks the system resolver, not 127.0.0.1:5353" in testkey.purpose


def test_zone_files_cannot_be_asked_so_the_command_says_so() -> None:
    (dig,) = fixes.aim_fixes((fixes.dig_answer(KEY),), ["zone"])
    assert dig.shell == f"dig +noall +answer TXT {KEY}"
    assert "asks the system resolver" in dig.purpose


def test_the_key_size_pipeline_asks_the_chosen_server() -> None:
    (size,) = fixes.aim_fixes((fixes.openssl_key_size("example.com", "s1"),), ["127.0.0.1:5353"])
    assert size.argv[-3:] == ("@127.0.0.1", "-p", "5353")
    assert size.purpose.endswith("(asking 127.0.0.1:5353)")


def test_records_commands_that_need_no_dns_and_aimed_commands_are_kept() -> None:
    kept = (fixes.publish_dmarc("example.com"), fixes.openssl_generate_key("k.pem"),
            *fixes.dig_txt(KEY, ["127.0.0.1:5353"]), fixes.dig_trace(KEY))
    assert fixes.aim_fixes(kept, ["127.0.0.1:5353"]) == kept


def test_no_duplicate_commands_in_one_list() -> None:
    same = (*fixes.dig_txt(KEY, ["127.0.0.1:5353"]), fixes.dig_short(KEY)[0])
    # the plain one, once aimed, is the command already in the list
    assert len(fixes.aim_fixes(same, ["127.0.0.1:5353"])) == 1
    assert len(fixes.aim_fixes((fixes.dig_answer(KEY),) * 2, ["system"])) == 1


def test_aim_report_reaches_every_finding_and_keeps_them_shared() -> None:
    finding = Finding("DKIM-KEY-01", Severity.ERROR, "DKIM key not found", "…", about=KEY,
                      fixes=(fixes.dig_answer(KEY),))
    info = InputInfo("message", "a full message", "m.eml", 10, "crlf", True)
    inner = Report(info, datetime(2026, 11, 20, tzinfo=UTC), findings=(finding,),
                   resolvers=("127.0.0.1:5353",))
    report = replace(inner, returned=inner)
    aimed = fixes.aim_report(report)
    assert shells(aimed.findings[0].fixes) == [f"dig +noall +answer TXT {KEY} @127.0.0.1 -p 5353"]
    assert aimed.returned is not None and aimed.returned.findings[0] is aimed.findings[0]
    offline = replace(report, resolvers=())
    assert fixes.aim_report(offline) is offline
