"""`mailtriage domain DOMAIN [--selector S …]`: DKIM keys, DMARC, SPF and propagation."""
from __future__ import annotations

import argparse
import asyncio
import sys

from tui.cli import EXIT_FAILED, EXIT_OK, EXIT_USAGE, add_dns_options, add_output_options, add_zone_option


def add_arguments(parser: argparse.ArgumentParser, name: str) -> None:
    parser.add_argument("domain", help="the domain to check, e.g. example.com")
    parser.add_argument("--selector", "-s", action="append", default=[], metavar="S",
                        help="DKIM selector to check (repeatable; default: try the common ones)")
    add_output_options(parser)
    add_dns_options(parser)
    add_zone_option(parser)


def run(args: argparse.Namespace) -> int:
    from datetime import datetime, timezone

    from tui.cmd_check import emit
    from wizard.dns import ZoneFileResolver, resolvers_from_specs
    from wizard.pipeline.domain import analyze_domain
    from wizard.common.safe_text import sanitize

    try:
        resolvers = [ZoneFileResolver(args.zone)] if args.zone else resolvers_from_specs(args.resolver, args.timeout)
    except (OSError, ValueError) as exc:
        print(f"mailtriage: {sanitize(str(exc), one_line=True)}", file=sys.stderr)
        return EXIT_USAGE
    report = asyncio.run(
        analyze_domain(args.domain, args.selector, resolvers=resolvers,
                       now=datetime.now(timezone.utc), timeout=args.timeout,
                       compare=not args.no_authoritative)
    )
    emit(report, args)
    return EXIT_FAILED if report.failed else EXIT_OK
