"""`mailtriage [FILE|-]` and `mailtriage demo` outside the app: arguments, errors, listing."""
from __future__ import annotations

import argparse

from tui.cli import app as launcher
from tui.cli import demo
from wizard.scenarios import list_scenarios


def demo_args(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    demo.add_arguments(parser, "demo")
    return parser.parse_args(argv)


def test_demo_lists_every_scenario_with_its_title(capsys):
    assert demo.run(demo_args("--list")) == 0
    out = capsys.readouterr().out
    for scenario in list_scenarios():
        assert scenario.name in out and scenario.title in out


def test_demo_names_the_known_scenarios_when_one_is_unknown(capsys):
    assert demo.run(demo_args("no-such-thing")) == 2
    err = capsys.readouterr().err
    assert "no-such-thing" in err and "dmarc-reject-bounce" in err


def test_app_command_reports_a_missing_file_without_starting(tmp_path, capsys):
    assert launcher.main([str(tmp_path / "missing.eml")]) == 2  # unreadable input
    assert "missing.eml" in capsys.readouterr().err


def test_app_command_builds_the_app_from_its_options(tmp_path):
    zone = next(p for s in list_scenarios() for p in s.zone_paths)
    args = launcher.build_parser().parse_args(
        ["--resolver", "192.0.2.1", "--resolver", "198.51.100.2:5353", "--timeout", "1.5",
         "--zone", str(zone), "--now", "2026-11-20T12:00:00"]
    )
    app = launcher.make_app(args)
    assert app.resolver_specs == ("192.0.2.1", "198.51.100.2:5353")
    assert app.timeout == 1.5
    assert app.clock().isoformat() == "2026-11-20T12:00:00+00:00"
