"""`mailtriage check` answers first (ISSUE 11): on every bundled scenario the verdict, its root
cause, the finding its fix addresses and the exit status; the text opens with a VERDICT block
of at most six lines that fit 80 columns; a Markdown ticket reads in 40 lines before its
<details>; record lines are never dressed as shell commands; INFO findings only with -v."""
from __future__ import annotations

import json
import re

import pytest

from tests.tui.test_cmd_check import scenario_args
from tui.cli import main
from wizard.scenarios import list_scenarios

# name: (outcome, root-cause id, primary-fix finding, exit status)
TABLE = {
    "valid": ("pass", None, None, 0),
    "weak-1024-key": ("pass", None, None, 0),
    "dmarc-reject-bounce": ("rejected", "SPF-13", "SPF-13", 1),
    "list-footer": ("fail", "CANON-11", "CANON-11", 1),
    "third-party-unaligned": ("fail", "DMARC-06", "DMARC-06", 1),
    "spf-too-many-lookups": ("fail", "SPF-05", "SPF-05", 1),
    # Passing on SPF alone while the aligned DKIM signature fails: exit 0, and the verdict
    # names what breaks DKIM (it fails the first time the message is forwarded).
    "selector-missing": ("pass", "DKIM-KEY-01", "DKIM-KEY-01", 0),
    "cname-selector-stale": ("pass", "DKIM-KEY-01", "DKIM-KEY-01", 0),
    "key-rotated-unpublished": ("pass", "DKIM-KEY-14", "DKIM-KEY-14", 0),
    "revoked-key": ("pass", "DKIM-KEY-06", "DKIM-KEY-06", 0),
    "expired-signature": ("pass", "DKIM-SIG-16", "DKIM-SIG-16", 0),
    "gateway-rewrote-links": ("pass", "CANON-12", "CANON-12", 0),
    "exchange-reencoded": ("pass", "CANON-08", "CANON-08", 0),
}
NAMES = sorted(TABLE)
# A command line as the writers print it, or a DNS record in zone-file form: allowed to be wide.
COMMAND = re.compile(r"^\s*\$ ")
RECORD = re.compile(r"^\s*\S+\.\s+\d+\s+IN\s+[A-Z]+\s")


def check(capsys, name: str, *flags: str) -> tuple[int, str]:
    code = main(["check", *scenario_args(name), *flags])
    return code, capsys.readouterr().out


def test_every_bundled_scenario_is_in_the_table():
    assert {s.name for s in list_scenarios()} == set(TABLE)


@pytest.mark.parametrize("name", NAMES)
def test_the_verdict_and_exit_status_of_every_scenario(capsys, name):
    outcome, root, fix_finding, status = TABLE[name]
    code, out = check(capsys, name, "--json")
    data = json.loads(out)
    verdict = data["verdict"]
    assert (verdict["outcome"], code) == (outcome, status), verdict["headline"]
    assert (verdict["root_cause"] or {}).get("id") == root
    assert (verdict["primary_fix"] or {}).get("finding") == fix_finding
    assert data["result"]["outcome"] == outcome
    assert data["result"]["failed"] is (outcome in ("fail", "rejected", "deferred"))
    ids = {f["id"] for f in data["findings"]} | {f["id"] for f in (data["returned"] or {}).get("findings", [])}
    named = {link["id"] for link in verdict["chain"]} | {n["id"] for n in verdict["not_the_cause"]}
    assert named <= ids  # the verdict names only findings the report holds


def test_spf_at_the_list_is_not_the_cause_and_is_not_shown_as_critical(capsys):
    _, out = check(capsys, "list-footer", "--json")
    data = json.loads(out)
    assert "DMARC-06" in {n["id"] for n in data["verdict"]["not_the_cause"]}
    dmarc06 = next(f for f in data["findings"] if f["id"] == "DMARC-06")
    assert dmarc06["severity_in_context"] in ("info", "warn")
    assert data["verdict"]["primary_fix"]["kind"] == "advice"
    assert data["verdict"]["primary_fix"]["who"] == "the mailing list's owner"


def _verdict_block(text: str) -> list[str]:
    return text.split("\n\n", 1)[0].splitlines()


@pytest.mark.parametrize("name", NAMES)
def test_text_opens_with_the_verdict_and_fits_80_columns(capsys, name):
    outcome, root, _, _ = TABLE[name]
    _, out = check(capsys, name)
    block = _verdict_block(out)
    assert block[0].startswith(f"VERDICT: {outcome.upper()}. ")
    assert len(block) <= 6
    if root is not None:
        assert any(line.startswith(f"Cause: {root}, ") for line in block)
        assert any(line.startswith("Fix (") for line in block)
    wide = [line for line in out.splitlines()
            if len(line) > 80 and not COMMAND.match(line) and not RECORD.match(line)]
    assert wide == []
    assert "FAILED:" not in out and "OK:" not in out  # the old count line is gone


def test_the_text_verdict_of_the_bounce_shows_the_record_to_publish(capsys):
    _, out = check(capsys, "dmarc-reject-bounce")
    block = _verdict_block(out)
    assert block[0].startswith("VERDICT: REJECTED. Rejected by Gmail (550 5.7.26)")
    record = next(line for line in block if RECORD.match(line))
    assert "ip4:198.51.100.7" in record and "$" not in record


def _outside_details(markdown: str) -> list[str]:
    out, depth = [], 0
    for line in markdown.splitlines():
        if line.startswith("<details>"):
            depth += 1
        elif line.startswith("</details>"):
            depth -= 1
        elif depth == 0:
            out.append(line)
    return out


def _fenced_blocks(markdown: str) -> list[tuple[str, list[str]]]:
    """(info string, lines) of every fenced block."""
    blocks, fence, info, body = [], None, "", []
    for line in markdown.splitlines():
        if fence is None:
            m = re.match(r"^(`{3,})(.*)$", line)
            if m:
                fence, info, body = m.group(1), m.group(2).strip(), []
        elif line == fence:
            blocks.append((info, body))
            fence = None
        else:
            body.append(line)
    return blocks


@pytest.mark.parametrize("name", NAMES)
def test_a_markdown_ticket_reads_in_40_lines_and_never_runs_a_record(capsys, name):
    outcome, root, _, _ = TABLE[name]
    _, out = check(capsys, name, "--markdown")
    opening = _outside_details(out)
    assert opening[0] == f"# mailtriage: {outcome.upper()}"
    assert len(opening) <= 40, "\n".join(opening)
    if root is not None:
        assert any(line.startswith("**Root cause**") and root in line for line in opening)
        assert "## How to confirm" in opening
    for info, body in _fenced_blocks(out):
        if info == "sh":
            assert not any(RECORD.match(line) for line in body), body
            assert not any(line.startswith("$") for line in body), body


def test_the_bounce_ticket_puts_its_record_in_a_zone_fence(capsys):
    _, out = check(capsys, "dmarc-reject-bounce", "--markdown")
    zone = [body for info, body in _fenced_blocks(out) if info == "dns-zone"]
    assert zone and "ip4:198.51.100.7" in zone[0][0]


@pytest.mark.parametrize("fmt", [[], ["--markdown"]])
def test_info_findings_only_with_verbose(capsys, fmt):
    _, data = check(capsys, "list-footer", "--json")
    info = [f["id"] for f in json.loads(data)["findings"] if f["severity_in_context"] == "info"]
    assert info
    _, quiet = check(capsys, "list-footer", *fmt)
    _, verbose = check(capsys, "list-footer", *fmt, "-v")
    assert "INFO" not in quiet.replace("INFO findings not shown", "")
    assert "(-v shows them)" in quiet
    assert all(finding_id in verbose for finding_id in info)
    assert "[INFO]" in verbose or "### INFO" in verbose


def test_check_help_lists_the_exit_statuses(capsys):
    with pytest.raises(SystemExit):
        main(["check", "--help"])
    out = capsys.readouterr().out
    for line in ("0  pass", "1  fail, or the receiver rejected or deferred it", "2  unreadable input",
                 "3  inconclusive"):
        assert line in out


def test_offline_is_inconclusive_and_says_why(capsys):
    code, out = check(capsys, "valid", "--offline")
    assert code == 3
    assert out.startswith("VERDICT: INCONCLUSIVE. ") and "offline" in _verdict_block(out)[0] + out
