"""What `keygen`, `record-check` and `rotate` share: the --domain and DNS options, running a
command with its errors said in one line, safe printing, the DNS session and key files.

Nothing these commands do changes DNS or a signer: they print what to run and what to publish.
"""
from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from datetime import UTC, datetime

from tui.cli.options import EXIT_USAGE, file_problem


def add_domain_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--domain", required=True, help="the signing domain (d=)")


def run_guarded(command: Callable[[argparse.Namespace], int], args: argparse.Namespace) -> int:
    """`command(args)`, with a bad name, an unusable key or an unreadable file said in one
    line and the usage exit status instead of a traceback."""
    from wizard.common.dnsname import InvalidName
    from wizard.keys.keygen import KeyProblem

    try:
        return command(args)
    except (InvalidName, KeyProblem) as exc:
        return fail(str(exc))
    except OSError as exc:
        return fail(file_problem(exc))


def fail(message: str) -> int:
    from wizard.common.safe_text import sanitize

    print(f"mailtriage: {sanitize(message, one_line=True)}", file=sys.stderr)
    return EXIT_USAGE


def iso_time(value: str) -> datetime:
    """argparse type: an ISO 8601 time, UTC when no offset is given."""
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an ISO 8601 time such as 2026-11-23T12:00: {value!r}") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def say(text: str = "") -> None:
    """Print to the terminal with control characters made visible (DESIGN.md rule 4): paths
    and DNS data reach these lines, and an ESC in them must not reach the terminal."""
    from wizard.common.safe_text import sanitize

    print(sanitize(text))


def indent(text: str, prefix: str = "    ") -> str:
    return "\n".join(prefix + line for line in text.splitlines())


def dns_session(args: argparse.Namespace):
    # The request `domain` would build for the same options: the same resolvers and the
    # same rule for asking the zone's own name servers (AnalysisRequest.asks_authoritative).
    from tui.request import request_from_args, resolvers_for
    from wizard.dns.session import DnsSession

    request = request_from_args(args)
    try:
        resolvers = resolvers_for(request)
    except ValueError as exc:
        from wizard.common.dnsname import InvalidName

        raise InvalidName(str(exc)) from exc
    return DnsSession(resolvers, timeout=request.timeout, compare=request.asks_authoritative)


def read_key(path: str):
    from wizard.keys.keygen import load_private_key

    with open(path, "rb") as handle:
        return load_private_key(handle.read())


def print_fixes(fixes, resolvers: list[str], heading: str = "", indent: str = "  ") -> None:
    """Changes first, then the lookups under "Check (changes nothing):". Each command asks the
    resolvers the user chose (wizard.fixes.aim_fixes); a record to publish is not a shell
    command, so it gets no `$` prompt."""
    from wizard.fixes import aim_fixes
    from wizard.model.findings import RecordFix
    from wizard.verdict.remedy import is_check

    aimed = aim_fixes(tuple(fixes), resolvers)
    changes = [f for f in aimed if isinstance(f, RecordFix) or not is_check(f)]
    checks = [f for f in aimed if f not in changes]
    for title, group in ((heading, changes), ("Check (changes nothing):", checks)):
        if group and title:
            say(f"{indent}{title}")
        for fix in group:
            if isinstance(fix, RecordFix):
                say(f"      publish: {fix.zone_line}")
            else:
                say(f"      $ {fix.shell}")
                say(f"        # {fix.purpose}")
