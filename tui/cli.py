"""The `mailtriage` command line.

`mailtriage` alone or `mailtriage FILE|-` opens the Textual app; subcommands run the same
engine without a UI. Each subcommand lives in its own module exposing `add_arguments(parser)`
and `run(args) -> int`, imported only when chosen so `check` never pays for Textual's import.
"""
from __future__ import annotations

import argparse
import importlib
import sys

# name -> (module, one-line help)
COMMANDS: dict[str, tuple[str, str]] = {
    "check": ("tui.cmd_check", "analyse a message, headers, bounce or status line; print a report"),
    "domain": ("tui.cmd_domain", "check a domain's DKIM keys, DMARC and SPF without a message"),
    "demo": ("tui.cmd_demo", "list the bundled training scenarios, or open one in the app"),
    "keygen": ("tui.cmd_fix", "generate a DKIM key pair and print its DNS record in every form"),
    "record-check": ("tui.cmd_fix", "compare a published DKIM record with a private key"),
    "rotate": ("tui.cmd_fix", "walk the five-step DKIM key rotation, checking each step live"),
    "schema": ("tui.cmd_schema", "print the JSON Schema of `check --json` (generated from the model)"),
}

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def add_dns_options(parser: argparse.ArgumentParser) -> None:
    """The DNS options every command that looks things up shares."""
    parser.add_argument(
        "--resolver",
        action="append",
        default=[],
        metavar="HOST[:PORT]",
        help="ask this DNS server (repeatable; default: the system resolver)",
    )
    parser.add_argument(
        "--timeout", type=float, default=3.0, metavar="SECONDS",
        help="time limit for each DNS lookup (default 3)",
    )
    parser.add_argument(
        "--no-authoritative", action="store_true",
        help="ask only the chosen resolvers, not the zone's own name servers "
        "(for networks that block direct queries to them)",
    )


def add_output_options(parser: argparse.ArgumentParser) -> None:
    """--json / --markdown (plain text by default), shared by the commands that print reports."""
    fmt = parser.add_mutually_exclusive_group()
    fmt.add_argument("--json", action="store_true", help="print the report as JSON (shape in the README)")
    fmt.add_argument("--markdown", action="store_true", help="print the report as Markdown, for a ticket")


def add_zone_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--zone", action="append", default=[], metavar="ZONEFILE",
                        help="answer DNS from this zone file instead of the network (repeatable)")


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The parser; with `command`, only that subcommand's module is imported."""
    parser = argparse.ArgumentParser(
        prog="mailtriage",
        description="Why did this message fail DKIM, SPF or DMARC, and what fixes it? "
        "Run without a command (or with a FILE) to open the interactive app.",
        epilog="commands:\n" + "\n".join(f"  {n:<13} {h}" for n, (_, h) in COMMANDS.items()),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (module_name, help_text) in COMMANDS.items():
        if command is not None and name != command:
            continue
        parser_for = sub.add_parser(name, help=help_text, description=help_text)
        parser_for.set_defaults(_module=module_name)
        _module(module_name).add_arguments(parser_for, name)
    return parser


def _module(name: str):
    return importlib.import_module(name)


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] in ("-h", "--help"):
        build_parser(command="").print_help()
        return EXIT_OK
    if not argv or argv[0] not in COMMANDS:
        # No subcommand: the interactive app, optionally opened on a file or stdin.
        return _module("tui.cmd_app").main(argv)
    args = build_parser(argv[0]).parse_args(argv)
    try:
        return int(_module(args._module).run(args) or 0)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
