"""What the subcommands share: the exit statuses and the options several of them take."""
from __future__ import annotations

import argparse
import errno

from wizard.common.safe_text import sanitize

# `check`'s statuses (its --help and README.md list them): 0 the message passes, 1 it fails
# or the receiver rejected or deferred it (or, for the other commands, a check failed),
# 2 unreadable input or a usage error, 3 inconclusive (DNS or evidence missing).
EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_INCONCLUSIVE = 0, 1, 2, 3


def file_problem(exc: OSError, path: str | None = None) -> str:
    """One line for a file that cannot be read, naming it as the user typed it, without
    Python's "[Errno 2] No such file or directory: '...'" (which repr()s the name). The name
    is shown with control characters escaped: it came from the command line and may hold an
    ESC that would otherwise drive the terminal."""
    name = sanitize(str(path if path is not None else exc.filename or ""), one_line=True)
    if exc.errno == errno.ENOENT:
        return f"no such file: {name}"
    if exc.errno == errno.EISDIR:
        return f"cannot read {name}: it is a directory"
    if exc.errno == errno.EACCES:
        return f"cannot read {name}: permission denied"
    reason = (exc.strerror or str(exc)).lower()
    return f"cannot read {name}: {reason}" if name else f"cannot read the input: {reason}"


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
    """--json / --markdown (plain text by default) and -v, shared by the commands that print reports."""
    fmt = parser.add_mutually_exclusive_group()
    fmt.add_argument("--json", action="store_true", help="print the report as JSON (shape in the README)")
    fmt.add_argument("--markdown", action="store_true", help="print the report as Markdown, for a ticket")
    parser.add_argument("-v", "--verbose", action="store_true",
                        help="also show INFO findings (text and Markdown; the JSON holds every finding)")


def add_zone_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--zone", action="append", default=[], metavar="ZONEFILE",
                        help="answer DNS from this zone file instead of the network (repeatable)")
