"""`mailtriage replay BUNDLE`: the analysis an evidence bundle (`check --bundle`) holds, run
again with no network, as of the bundle's time: the same verdict, in check's formats."""
from __future__ import annotations

import argparse

from tui.cli.check import EPILOG as EPILOG
from tui.cli.options import add_output_options


def add_arguments(parser: argparse.ArgumentParser, name: str) -> None:
    parser.add_argument("bundle", metavar="BUNDLE.tar.gz", help="written by check --bundle or sweep --bundles")
    add_output_options(parser)


def run(args: argparse.Namespace) -> int:
    from tui.cli.check import emit, usage_error
    from wizard.bundle.replay import BundleError, read_bundle, replay_request
    from wizard.common.runner import run_to_end
    from wizard.input.classify import UnreadableInput
    from wizard.pipeline.analyze import analyze

    try:
        bundle = read_bundle(args.bundle)
    except (OSError, BundleError) as exc:
        return usage_error(exc)
    request, resolvers = replay_request(bundle)
    try:
        report = run_to_end(analyze(request, resolvers=resolvers))
    except UnreadableInput as exc:
        return usage_error(f"cannot analyse the bundle's message: {exc}")
    return emit(report, args)
