"""`mailtriage demo [NAME]`: list the bundled training scenarios, or open one in the app.

Scenarios answer DNS from their own zone files, so they work with no network."""
from __future__ import annotations

import argparse
import sys

from tui.cli.options import EXIT_OK, EXIT_USAGE


def add_arguments(parser: argparse.ArgumentParser, name: str) -> None:
    parser.add_argument("scenario", nargs="?", metavar="NAME", help="the scenario to open (omit to list them)")
    parser.add_argument("--list", action="store_true", help="only list the scenarios")


def run(args: argparse.Namespace) -> int:
    from wizard.common.safe_text import sanitize
    from wizard.scenarios import get_scenario, list_scenarios

    if args.list or not args.scenario:
        scenarios = list_scenarios()
        width = max((len(s.name) for s in scenarios), default=0)
        for s in scenarios:
            print(f"{s.name:<{width}}  {sanitize(s.title, one_line=True)}")
        if not args.list:
            print("\nmailtriage demo NAME opens one in the app.")
        return EXIT_OK
    try:
        scenario = get_scenario(args.scenario)
    except KeyError as exc:
        print(f"mailtriage demo: {sanitize(str(exc.args[0]), one_line=True)}", file=sys.stderr)
        return EXIT_USAGE
    if not sys.__stdout__.isatty():
        print("mailtriage demo: the app needs a terminal; `mailtriage demo --list` lists them", file=sys.stderr)
        return EXIT_USAGE
    from tui.app import MailTriageApp
    from tui.request import request_from_args, scenario_request

    options = request_from_args(args)
    app = MailTriageApp(options=options, initial=scenario_request(scenario, options))
    app.run()
    return EXIT_OK
