"""`mailtriage` / `mailtriage FILE|-`: open the interactive app, optionally on an input.

With `-` the message is read from stdin first; the terminal is then reopened as stdin so
the app can read keys (`cat bounce.eml | mailtriage -` works like `mailtriage bounce.eml`).
"""
from __future__ import annotations

import argparse
import os
import sys
from typing import TYPE_CHECKING

from tui.cli.options import (
    EXIT_FAILED,
    EXIT_OK,
    EXIT_USAGE,
    add_dns_options,
    add_zone_option,
    file_problem,
)

if TYPE_CHECKING:
    from tui.app import MailTriageApp
    from wizard.model.request import AnalysisRequest

MAX_INPUT_BYTES = 64 * 1024 * 1024  # the same cap the engine applies (wizard.input.classify)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mailtriage",
        description="Open the interactive troubleshooter, optionally on a message, bounce or "
        "headers (FILE, or - for stdin). Subcommands: check, domain, demo, keygen, "
        "record-check, rotate, schema (mailtriage COMMAND --help).",
    )
    parser.add_argument("file", nargs="?", metavar="FILE", help="message, headers, bounce or status line; - for stdin")
    add_dns_options(parser)
    add_zone_option(parser)
    parser.add_argument("--now", metavar="ISO-TIME", help="judge expiry and dates as of this time")
    return parser


def _reopen_tty_as_stdin() -> bool:
    """Point fd 0 at the controlling terminal (stdin was the piped message)."""
    try:
        fd = os.open("/dev/tty", os.O_RDWR)
    except OSError:
        return False
    os.dup2(fd, 0)
    os.close(fd)
    sys.stdin = sys.__stdin__ = open(0, closefd=False)  # noqa: SIM115 - lives as long as the process
    return True


def main(argv: list[str]) -> int:
    from tui.request import request_from_args

    args = build_parser().parse_args(argv)
    try:
        request_from_args(args)
    except ValueError as exc:  # a --now that is not an ISO time
        print(f"mailtriage: {exc}", file=sys.stderr)
        return EXIT_USAGE
    try:
        initial = initial_request(args)
    except OSError as exc:
        print(f"mailtriage: {file_problem(exc, args.file)}", file=sys.stderr)
        return EXIT_USAGE
    if args.file == "-" and not sys.stdin.isatty() and not _reopen_tty_as_stdin():
        print("mailtriage: no terminal to run the app in (use `mailtriage check -`)", file=sys.stderr)
        return EXIT_USAGE
    if not sys.__stdout__.isatty():
        print("mailtriage: the app needs a terminal; `mailtriage check FILE` prints a report", file=sys.stderr)
        return EXIT_USAGE
    app = make_app(args, initial)
    app.run()
    return EXIT_OK if app.return_code in (None, 0) else EXIT_FAILED


def initial_request(args: argparse.Namespace) -> AnalysisRequest | None:
    """The request for FILE (or - for stdin), named as `check` names it, so the app and
    `check --json` give the same report; None without a FILE. Raises OSError when the file
    cannot be read."""
    from tui.request import input_source, request_from_args

    if not args.file:
        return None
    if args.file == "-":
        raw = sys.stdin.buffer.read(MAX_INPUT_BYTES + 1)
    else:
        with open(args.file, "rb") as handle:
            raw = handle.read(MAX_INPUT_BYTES + 1)
    return request_from_args(args, raw=raw, source=input_source(args.file))


def make_app(args: argparse.Namespace, initial: AnalysisRequest | None = None) -> MailTriageApp:
    """The app with the request the options describe (tui.request), as `check` builds it."""
    from tui.app import MailTriageApp
    from tui.request import request_from_args

    options = request_from_args(args)
    moment = options.now
    if moment is None:
        return MailTriageApp(options=options, initial=initial)
    return MailTriageApp(options=options, initial=initial, clock=lambda: moment)
