"""The `mailtriage` command line.

`mailtriage` alone or `mailtriage FILE|-` opens the Textual app; subcommands run the same
engine without a UI. Each subcommand lives in its own module here (tui/cli/NAME.py) exposing
`add_arguments(parser, name)` and `run(args) -> int`, imported only when chosen so `check`
never pays for Textual's import; tui.cli.options holds what they share.
"""
from __future__ import annotations

import argparse
import difflib
import importlib
import importlib.metadata
import os
import sys

from tui.cli.options import EXIT_OK, EXIT_USAGE
from wizard.common.safe_text import sanitize

# name -> (module, one-line help)
COMMANDS: dict[str, tuple[str, str]] = {
    "check": ("tui.cli.check", "analyse a message, headers, bounce or status line; print a report"),
    "domain": ("tui.cli.domain", "check a domain's DKIM keys, DMARC and SPF without a message"),
    "demo": ("tui.cli.demo", "list the bundled training scenarios, or open one in the app"),
    "keygen": ("tui.cli.keygen", "generate a DKIM key pair and print its DNS record in every form"),
    "record-check": ("tui.cli.record_check", "compare a published DKIM record with a private key"),
    "rotate": ("tui.cli.rotate", "walk the five-step DKIM key rotation, checking each step live"),
    "sweep": ("tui.cli.sweep", "analyse every message in Maildirs, mbox files and folders; group them by cause"),
    "replay": ("tui.cli.replay", "replay an evidence bundle (check --bundle) offline: the same verdict"),
    "schema": ("tui.cli.schema", "print the JSON Schema of `check --json` (generated from the model)"),
    "completion": ("tui.cli.completion", "print the bash or zsh completion script (README: Shell completion)"),
    "tls": ("tui.cli.tls", "check how senders reach a domain's MX hosts over TLS (STARTTLS, MTA-STS, DANE)"),
}


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
        module = _module(module_name)
        # A module's EPILOG (check's exit statuses) is printed as written.
        parser_for = sub.add_parser(name, help=help_text, description=help_text,
                                    epilog=getattr(module, "EPILOG", None),
                                    formatter_class=argparse.RawDescriptionHelpFormatter)
        parser_for.set_defaults(_module=module_name)
        module.add_arguments(parser_for, name)
    return parser


def _module(name: str):
    return importlib.import_module(name)


def _mistyped(word: str) -> bool:
    """A word that is no file but close to a command name is a typo, not a file to open."""
    if word in COMMANDS or word.startswith("-") or os.path.exists(word):
        return False
    near = difflib.get_close_matches(word, COMMANDS, n=1)
    if not near:
        return False
    print(f"mailtriage: unknown command {sanitize(word)!r}; did you mean {near[0]!r}?",
          file=sys.stderr)
    return True


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] in ("-h", "--help"):
        build_parser(command="").print_help()
        return EXIT_OK
    if argv == ["--version"]:
        # Checked before dispatch: anything that is not a command opens the app.
        print(f"mailtriage {importlib.metadata.version('mailtriage')}")
        return EXIT_OK
    if argv[:1] == ["help"]:
        # `help COMMAND` is `COMMAND --help`; a word that names no command gets the overview.
        topic = argv[1] if len(argv) > 1 and argv[1] in COMMANDS else None
        if topic is None:
            build_parser(command="").print_help()
        else:
            build_parser(topic).parse_args([topic, "--help"])
        return EXIT_OK
    if argv and _mistyped(argv[0]):
        return EXIT_USAGE
    if not argv or argv[0] not in COMMANDS:
        # No subcommand: the interactive app, optionally opened on a file or stdin.
        return _module("tui.cli.app").main(argv)
    args = build_parser(argv[0]).parse_args(argv)
    try:
        return int(_module(args._module).run(args) or 0)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return EXIT_OK

