"""`mailtriage domain DOMAIN [--selector S …] [--reports DIR]`: DKIM keys, DMARC, SPF and
propagation; with DIR, what the DMARC aggregate reports in it say about moving the policy."""
from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from tui.cli.options import (
    EXIT_USAGE,
    add_dns_options,
    add_output_options,
    add_zone_option,
)

if TYPE_CHECKING:
    from wizard.model.report import Report


def add_arguments(parser: argparse.ArgumentParser, name: str) -> None:
    parser.add_argument("domain", help="the domain to check, e.g. example.com")
    parser.add_argument("--selector", "-s", action="append", default=[], metavar="S",
                        help="DKIM selector to check (repeatable; default: try the common ones)")
    parser.add_argument("--reports", metavar="DIR", type=Path,
                        help="a directory of DMARC aggregate reports (.xml, .xml.gz, .zip, or mails "
                             "carrying one): adds whether the policy can move, and what to fix first")
    add_output_options(parser)
    add_dns_options(parser)
    add_zone_option(parser)


def run(args: argparse.Namespace) -> int:
    from tui.cli.check import emit, usage_error
    from tui.request import request_from_args, resolvers_for
    from wizard.common.runner import run_to_end
    from wizard.pipeline.analyze import analyze

    request = request_from_args(args)
    try:
        resolvers = resolvers_for(request)
    except (OSError, ValueError) as exc:
        return usage_error(exc)
    if args.reports is not None and not args.reports.is_dir():
        return usage_error(ValueError(f"--reports {args.reports}: not a directory"))

    async def both() -> Report:
        report = await analyze(request, resolvers=resolvers)
        if args.reports is not None and not any(f.id == "EVID-01" for f in report.findings):
            from wizard.pipeline.aggregate import add_reports

            report = await add_reports(report, args.reports, resolvers, request.timeout)
        return report

    report = run_to_end(both())
    status = emit(report, args)
    # A name DNS cannot hold (EVID-01: nothing was looked up) is a usage error, not a verdict.
    return EXIT_USAGE if any(f.id == "EVID-01" for f in report.findings) else status
