"""`mailtriage sweep` as a user runs it: groups that agree with `check --json` message by
message, the JSON's exact shape, CSV/Markdown/text, unreadable files listed, --jsonl/--merge."""
from __future__ import annotations

import csv
import gzip
import io
import json
import re
import sys
from collections import Counter
from pathlib import Path

from tui.cli import main

# The generated Maildir is shared with tests/wizard/sweep (pytest puts each test directory,
# not its neighbours, on sys.path).
sys.path.insert(0, str(Path(__file__).parents[1] / "wizard" / "sweep"))
from sweep_support import make_maildir

NOW = ["--now", "2026-11-24T00:00:00"]
ZONES = ["--zone", str(Path(__file__).parents[1] / "zones")]


def _run(capsys, *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    out = capsys.readouterr()
    return status, out.out, out.err


def _check(capsys, path: str, spec: str) -> tuple[str, str]:
    _status, out, _err = _run(capsys, "check", path, "--json", "--resolver", spec, *NOW)
    verdict = json.loads(out)["verdict"]
    return verdict["outcome"], (verdict["root_cause"] or {}).get("id", "")


def test_groups_agree_with_check_message_by_message(dns_server, tmp_path, capsys):
    box = make_maildir(tmp_path / "Maildir", 20)
    status, out, err = _run(capsys, "sweep", str(box), "--json", "--items", "--jobs", "2",
                            "--resolver", dns_server.spec, *NOW)
    assert status == 1 and err == ""  # some fail; stderr is no terminal here: no progress bar
    summary = json.loads(out)
    assert list(summary) == ["messages", "unreadable", "elapsed_s", "groups", "items"]
    assert summary["messages"] == 20 and summary["unreadable"] == []
    for group in summary["groups"]:
        assert list(group) == ["outcome", "root_cause", "signing_domain", "from_domain",
                               "source", "count", "examples"]
    items = {i["path"]: (i["outcome"], i["root_cause"]) for i in summary["items"]}
    assert len(items) == 20
    for path, seen in items.items():
        assert _check(capsys, path, dns_server.spec) == seen, path
    # The groups add the items up, largest first.
    counts = [g["count"] for g in summary["groups"]]
    assert counts == sorted(counts, reverse=True) and sum(counts) == 20
    grouped: Counter = Counter()
    for group in summary["groups"]:
        grouped[group["outcome"], group["root_cause"]] += group["count"]
    assert grouped == Counter(items.values())
    esp = [g for g in summary["groups"] if g["source"] == "Microsoft 365"]
    assert esp and esp[0]["signing_domain"] == "verify.test"


def test_unreadable_files_are_listed_and_every_format_prints(tmp_path, capsys):
    folder = tmp_path / "mail"
    folder.mkdir()
    (folder / "one.eml").write_bytes(b"From: a@example.com\r\nSubject: hi\r\n\r\nbody\r\n")
    (folder / "empty.eml").write_bytes(b"")
    status, out, _ = _run(capsys, "sweep", str(folder), str(tmp_path / "gone.eml"), "--offline",
                          "--json", "--jobs", "1", *NOW)
    summary = json.loads(out)
    assert status == 3 and summary["messages"] == 1  # unreadable files were never judged
    assert {u["path"] for u in summary["unreadable"]} == {str(folder / "empty.eml"),
                                                          str(tmp_path / "gone.eml")}
    _, text, _ = _run(capsys, "sweep", str(folder), "--offline", "--jobs", "1", *NOW)
    assert "1 messages in 1 groups, 1 unreadable" in text and f"unreadable: {folder / 'empty.eml'}" in text
    _, table, _ = _run(capsys, "sweep", str(folder), "--offline", "--csv", "--jobs", "1", *NOW)
    rows = list(csv.reader(io.StringIO(table)))
    assert rows[0][:3] == ["count", "outcome", "root_cause"] and rows[1][0] == "1"
    _, md, _ = _run(capsys, "sweep", str(folder), "--offline", "--markdown", "--jobs", "1", *NOW)
    assert "| count | outcome |" in md and "## Unreadable" in md


def test_markdown_cells_cannot_break_the_table(tmp_path, capsys):
    folder = tmp_path / "a|b`c"
    folder.mkdir()
    (folder / "x.eml").write_bytes(b"From: a@example.com\r\nSubject: hi\r\n\r\nbody\r\n")
    _, md, _ = _run(capsys, "sweep", str(folder), "--offline", "--markdown", "--jobs", "1", *NOW)
    row = next(line for line in md.splitlines() if line.startswith("| 1 |"))
    assert "a\\|b\\`c" in row and row.count(" | ") == 8


def test_paths_from_stdin(tmp_path, capsys, monkeypatch):
    mail = tmp_path / "x.eml"
    mail.write_bytes(b"From: a@example.com\r\nSubject: hi\r\n\r\nbody\r\n")
    monkeypatch.setattr("sys.stdin", io.StringIO(f"{mail}\n"))
    _, out, _ = _run(capsys, "sweep", "-", "--offline", "--json", "--jobs", "1", *NOW)
    assert json.loads(out)["groups"][0]["examples"] == [str(mail)]


def test_jsonl_parts_merge_into_the_same_groups(dns_server, tmp_path, capsys):
    box = make_maildir(tmp_path / "Maildir", 10)
    args = ["--resolver", dns_server.spec, "--jobs", "1", *NOW]
    _, whole, _ = _run(capsys, "sweep", str(box), "--json", *args)
    parts = []
    for part in ("cur", "new"):
        _, lines, _ = _run(capsys, "sweep", str(box / part), "--jsonl", *args)
        assert all(json.loads(line)["path"].startswith(str(box / part)) for line in lines.splitlines())
        parts.append(tmp_path / f"{part}.jsonl")
        parts[-1].write_text(lines)
    _, merged, _ = _run(capsys, "sweep", "--merge", *map(str, parts), "--json")

    def shape(text: str):
        return sorted((g["outcome"], g["root_cause"], g["signing_domain"], g["from_domain"],
                       g["source"], g["count"]) for g in json.loads(text)["groups"])

    assert shape(merged) == shape(whole)
    assert json.loads(merged)["messages"] == 10


def test_a_line_that_is_not_sweep_output_is_a_usage_error(tmp_path, capsys):
    bad = Path(tmp_path / "bad.jsonl")
    bad.write_text('{"path": "x"}\n')
    status, _, err = _run(capsys, "sweep", "--merge", str(bad))
    assert status == 2 and "line 1 is not a sweep --jsonl line" in err


def test_the_exit_status_is_checks_over_every_message(tmp_path, capsys):
    box = make_maildir(tmp_path / "Maildir", 10)
    passing, failing = box / "new" / "0.eml", box / "cur" / "1.eml"  # signed; a footer added
    for one, alone in ((passing, 0), (failing, 1)):
        check_status, _, _ = _run(capsys, "check", str(one), *ZONES, *NOW)
        sweep_status, _, _ = _run(capsys, "sweep", str(one), "--json", "--jobs", "1", *ZONES, *NOW)
        assert sweep_status == check_status == alone
    both = ["sweep", str(passing), str(failing), "--jobs", "1", *NOW]
    assert _run(capsys, *both, *ZONES)[0] == 1
    # Not judged: an inconclusive message (no DNS), an unreadable file, nothing at all.
    assert _run(capsys, "sweep", str(passing), "--offline", "--jobs", "1", *NOW)[0] == 3
    (tmp_path / "empty.eml").write_bytes(b"")
    with_unreadable = ["sweep", str(passing), str(tmp_path / "empty.eml"), "--jobs", "1"]
    assert _run(capsys, *with_unreadable, *ZONES, *NOW)[0] == 3
    (tmp_path / "nothing").mkdir()
    assert _run(capsys, "sweep", str(tmp_path / "nothing"), "--offline", "--jobs", "1")[0] == 3
    # A failure is the news even beside an unreadable file; --jsonl and --merge say the same.
    status, lines, _ = _run(capsys, "sweep", str(passing), str(failing), str(tmp_path / "empty.eml"),
                            "--jsonl", "--jobs", "1", *ZONES, *NOW)
    assert status == 1
    (tmp_path / "part.jsonl").write_text(lines)
    assert _run(capsys, "sweep", "--merge", str(tmp_path / "part.jsonl"))[0] == 1
    assert _run(capsys, "sweep", "--jobs", "1")[0] == 2  # no PATH: a usage error


def test_a_merged_line_with_an_unknown_outcome_is_a_usage_error(tmp_path, capsys):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"path": "x", "outcome": "great"}\n')
    status, _, err = _run(capsys, "sweep", "--merge", str(bad))
    assert status == 2 and "no outcome is called 'great'" in err


# A TLS-RPT report (RFC 8460 §4) whose enforced MTA-STS policy saw failed sessions.
TLS_REPORT = {
    "organization-name": "Company-X", "report-id": "r1", "contact-info": "tls@company-x.example",
    "date-range": {"start-datetime": "2026-11-20T00:00:00Z", "end-datetime": "2026-11-20T23:59:59Z"},
    "policies": [{
        "policy": {"policy-type": "sts", "policy-domain": "Company-Y.example",
                   "policy-string": ["version: STSv1", "mode: enforce", "mx: mx1.company-y.example",
                                     "max_age: 86400"],
                   "mx-host": ["mx1.company-y.example"]},
        "summary": {"total-successful-session-count": 10, "total-failure-session-count": 5},
        "failure-details": [{"result-type": "certificate-expired", "sending-mta-ip": "192.0.2.1",
                             "receiving-mx-hostname": "mx1.company-y.example",
                             "failed-session-count": 5}],
    }],
}


def test_report_files_are_one_item_each_grouped_by_domain_and_reporter(tmp_path, capsys):
    folder = tmp_path / "reports"
    folder.mkdir()
    aggregate = (Path(__file__).parents[1] / "data" / "aggregate" / "rfc7489-classes.xml").read_bytes()
    (folder / "google.xml").write_bytes(aggregate)
    (folder / "google-again.xml.gz").write_bytes(gzip.compress(aggregate))
    (folder / "tls.json").write_text(json.dumps(TLS_REPORT))
    status, out, _ = _run(capsys, "sweep", str(folder), "--offline", "--json", "--items",
                          "--jobs", "1", *NOW)
    summary = json.loads(out)
    assert status == 1 and summary["messages"] == 3 and summary["unreadable"] == []
    for item in summary["items"]:  # each report as check judges it
        _, checked, _ = _run(capsys, "check", item["path"], "--offline", "--json", *NOW)
        verdict = json.loads(checked)["verdict"]
        assert (item["outcome"], item["root_cause"]) == (verdict["outcome"], verdict["root_cause"]["id"])
    groups = {(g["root_cause"], g["from_domain"], g["source"]): g["count"] for g in summary["groups"]}
    assert groups == {("RUA-06", "rua.test", "receiver.example"): 2,
                      ("TLS-18", "company-y.example", "Company-X"): 1}
    _, text, _ = _run(capsys, "sweep", str(folder), "--offline", "--jobs", "1", *NOW)
    assert "2025-12-02" in text and "2026-11-20" in text  # the periods the reports cover


def test_a_bounce_is_grouped_by_the_message_it_carried_back(tmp_path, capsys):
    bounce = Path(__file__).resolve().parents[3] / "shared" / "data" / "bounces" / "lhost-exim-05.eml"
    _, out, _ = _run(capsys, "sweep", str(bounce), "--offline", "--json", "--jobs", "1", *NOW)
    (group,) = json.loads(out)["groups"]
    _, checked, _ = _run(capsys, "check", str(bounce), "--offline", "--json", *NOW)
    report = json.loads(checked)
    assert (group["outcome"], group["root_cause"]) == ("rejected", report["verdict"]["root_cause"]["id"])
    # Whose mail bounced: the returned message's From domain, not an empty column.
    assert group["from_domain"] == report["returned"]["message"]["from_domain"] == "example.org"


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_on_a_terminal_stderr_only(dns_server, tmp_path, capsys, monkeypatch):
    box = make_maildir(tmp_path / "Maildir", 5)
    terminal = _Terminal()
    monkeypatch.setattr("sys.stderr", terminal)
    status = main(["sweep", str(box), "--resolver", dns_server.spec, "--jobs", "1", *NOW])
    out = capsys.readouterr().out
    assert status == 1 and "5/5" in terminal.getvalue() and "ETA" in terminal.getvalue()
    assert "ETA" not in out
    counts = re.search(r"DNS: (\d+) questions asked, (\d+) sent to the resolver", out)
    assert counts and int(counts[1]) > int(counts[2]) > 0  # five messages, one cache


def test_bundles_for_every_group_example_replay_to_the_group(dns_server, tmp_path, capsys):
    box = make_maildir(tmp_path / "Maildir", 10)
    out_dir = tmp_path / "bundles"
    _, out, _ = _run(capsys, "sweep", str(box), "--json", "--bundles", str(out_dir),
                     "--resolver", dns_server.spec, "--jobs", "2", *NOW)
    groups = json.loads(out)["groups"]
    written = sorted(p.name for p in out_dir.iterdir())
    assert len(written) == sum(len(g["examples"]) for g in groups)
    for rank, group in enumerate(groups, 1):
        name = f"{rank:03d}-{group['outcome']}-{group['root_cause'] or 'none'}-1.tar.gz"
        assert name in written
        _, replayed, _ = _run(capsys, "replay", str(out_dir / name), "--json")
        verdict = json.loads(replayed)["verdict"]
        assert verdict["outcome"] == group["outcome"]
        assert (verdict["root_cause"] or {}).get("id", "") == group["root_cause"]


async def test_the_sweep_screen_fills_in_and_drills_down_to_one_message(tmp_path):
    from tui.screens.guided import GuidedScreen
    from tui.screens.sweep import GroupScreen, SweepApp, SweepScreen
    from tui_support import NOW as APP_NOW
    from tui_support import screen_text
    from wizard.model.request import AnalysisRequest

    box = make_maildir(tmp_path / "Maildir", 10)
    zones = str(Path(__file__).parents[1] / "zones")
    template = AnalysisRequest(source="sweep", zone_paths=(zones,), now=APP_NOW)
    sweep = SweepScreen(template, [], [str(box)], jobs=1)
    app = SweepApp(sweep, options=template, clock=lambda: APP_NOW, system_clipboard=lambda _v: None)
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        text = screen_text(app)
        assert "10 messages in" in text and "(done)" in text
        table = sweep.query_one("#sweep-groups")
        counts = [int(str(table.get_row_at(i)[0])) for i in range(table.row_count)]
        assert counts == sorted(counts, reverse=True) and sum(counts) == 10
        assert "Microsoft 365" in text  # the ESP behind the cname selector, as a source
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, GroupScreen)
        first = app.screen.members[0]
        # A long path is cut at its start: its file name is what must show.
        assert Path(first.path).name in screen_text(app)
        await pilot.press("enter")
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(app.screen, GuidedScreen)
        assert app.submission.source == first.path
        assert app.verdict.outcome == first.outcome
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, GroupScreen)


async def test_the_sweep_screen_cuts_long_values_with_a_mark_and_shows_them_whole_below(tmp_path):
    from signing import message
    from tui.screens.sweep import GroupScreen, SweepApp, SweepScreen
    from tui_support import NOW as APP_NOW
    from tui_support import screen_text
    from wizard.model.request import AnalysisRequest

    folder = tmp_path / "mail"
    folder.mkdir()
    long_domain = "very-long-marketing-subdomain.newsletters.example-corporation.com"
    (folder / "long.eml").write_bytes(message(from_addr=f"news@{long_domain}"))
    zones = str(Path(__file__).parents[1] / "zones")
    template = AnalysisRequest(source="sweep", zone_paths=(zones,), now=APP_NOW)
    sweep = SweepScreen(template, [], [str(folder)], jobs=1)
    app = SweepApp(sweep, options=template, clock=lambda: APP_NOW, system_clipboard=lambda _v: None)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        text = screen_text(app)
        assert "1 message in 1 group" in text
        row = next(line for line in text.splitlines() if "very-long" in line)
        assert "…" in row and len(row.rstrip()) <= 80 and long_domain not in text
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, GroupScreen)
        assert long_domain in screen_text(app).replace("\n", "")


SWEEP_APP_WITH_A_POOL = """
import asyncio, sys
from datetime import UTC, datetime
from tui.screens.sweep import SweepApp, SweepScreen
from wizard.model.request import AnalysisRequest

async def main() -> None:
    template = AnalysisRequest(source="sweep", zone_paths=(sys.argv[2],),
                               now=datetime(2026, 11, 24, tzinfo=UTC))
    sweep = SweepScreen(template, [], [sys.argv[1]], jobs=2)
    async with SweepApp(sweep, options=template).run_test(size=(80, 24)) as pilot:
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        print(sweep.groups.messages, sweep.finished)

if __name__ == "__main__":  # the pool's spawned workers import this file again
    asyncio.run(main())
"""


def test_the_sweep_screen_runs_its_process_pool_inside_the_app(tmp_path):
    """In a fresh process, as `mailtriage sweep DIR` runs it: the pool's first spawn inside
    the running app (whose stderr is Textual's capture) must not fail."""
    import subprocess

    box = make_maildir(tmp_path / "Maildir", 4)
    script = tmp_path / "sweep_app.py"
    script.write_text(SWEEP_APP_WITH_A_POOL)
    zones = str(Path(__file__).parents[1] / "zones")
    done = subprocess.run([sys.executable, str(script), str(box), zones], capture_output=True,
                          text=True, timeout=120, cwd=Path(__file__).parents[2])
    assert done.stdout.split() == ["4", "True"], done.stderr[-2000:]


def test_the_sweep_screen_exits_with_the_sweeps_status(tmp_path, monkeypatch):
    """`mailtriage sweep DIR` in a terminal: the status of what the screen judged, and 3 when
    the person left before the end (the rest was never judged)."""
    from tui.screens.sweep import SweepApp
    from wizard.sweep.groups import Result

    (tmp_path / "m.eml").write_bytes(b"From: a@example.com\r\n\r\nhi\r\n")
    for stream in ("stdin", "stdout"):
        monkeypatch.setattr(f"sys.{stream}.isatty", lambda: True)
    argv = ["sweep", str(tmp_path), "--offline", "--jobs", "1"]

    def left_early(app):
        pass

    def judged_one_failing(app):
        app._sweep_screen.groups.add(Result(path="m.eml", outcome="fail", root_cause="DKIM-SIG-01"))
        app._sweep_screen.finished = True

    monkeypatch.setattr(SweepApp, "run", left_early)
    assert main(argv) == 3
    monkeypatch.setattr(SweepApp, "run", judged_one_failing)
    assert main(argv) == 1
