"""`mailtriage domain DOMAIN [--selector S …]`: DKIM keys, DMARC, SPF and propagation."""
from __future__ import annotations

import argparse
import asyncio

from tui.cli.options import (
    EXIT_USAGE,
    add_dns_options,
    add_output_options,
    add_zone_option,
)


def add_arguments(parser: argparse.ArgumentParser, name: str) -> None:
    parser.add_argument("domain", help="the domain to check, e.g. example.com")
    parser.add_argument("--selector", "-s", action="append", default=[], metavar="S",
                        help="DKIM selector to check (repeatable; default: try the common ones)")
    add_output_options(parser)
    add_dns_options(parser)
    add_zone_option(parser)


def run(args: argparse.Namespace) -> int:
    from tui.cli.check import emit, usage_error
    from tui.request import request_from_args, resolvers_for
    from wizard.pipeline.analyze import analyze

    request = request_from_args(args)
    try:
        resolvers = resolvers_for(request)
    except (OSError, ValueError) as exc:
        return usage_error(exc)
    report = asyncio.run(analyze(request, resolvers=resolvers))
    status = emit(report, args)
    # A name DNS cannot hold (EVID-01: nothing was looked up) is a usage error, not a verdict.
    return EXIT_USAGE if any(f.id == "EVID-01" for f in report.findings) else status
