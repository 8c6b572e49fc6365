"""`mailtriage check FILE|-`: the engine without a UI, for scripts and tickets. Every format
opens with the verdict (wizard.verdict), and the exit status is the verdict's outcome."""
from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from tui.cli.options import (
    EXIT_FAILED,
    EXIT_INCONCLUSIVE,
    EXIT_OK,
    EXIT_USAGE,
    add_dns_options,
    add_output_options,
    add_zone_option,
    file_problem,
)

if TYPE_CHECKING:
    from wizard.model.report import Report
    from wizard.model.request import AnalysisRequest
    from wizard.transit.prefetch import BodyPrefetch
    from wizard.verdict import Verdict

EPILOG = f"""exit status (the verdict's outcome, printed first in every format):
  {EXIT_OK}  pass: DMARC passes (or, with no DMARC policy, SPF or DKIM passes)
  {EXIT_FAILED}  fail, or the receiver rejected or deferred it (a bounce)
  {EXIT_USAGE}  unreadable input or a usage error
  {EXIT_INCONCLUSIVE}  inconclusive: DNS failed or timed out, or evidence is missing (--offline)"""


def add_arguments(parser: argparse.ArgumentParser, name: str) -> None:
    parser.add_argument("file", metavar="FILE", help="message, headers, bounce or status line; - for stdin")
    add_output_options(parser)
    add_dns_options(parser)
    add_zone_option(parser)
    parser.add_argument("--offline", action="store_true",
                        help="make no DNS lookups at all (results that need DNS stay 'none')")
    parser.add_argument("--original", metavar="FILE",
                        help="the message as sent, to show exactly what changed in transit")
    parser.add_argument("--ip", help="SPF client IP (default: from the Received headers)")
    parser.add_argument("--mail-from", help="SPF MAIL FROM address (default: Return-Path)")
    parser.add_argument("--helo", help="SPF HELO name (default: from the Received headers)")
    parser.add_argument("--now", metavar="ISO-TIME",
                        help="judge expiry and dates as of this time (default: now)")
    parser.add_argument("--bundle", metavar="OUT.tar.gz",
                        help="also write an evidence bundle (message, every DNS answer, report) "
                        "that `mailtriage replay` reproduces offline")


def read_input(path: str) -> bytes:
    """Read FILE or stdin; raise OSError with a plain message when that fails."""
    if path == "-":
        return sys.stdin.buffer.read()
    with open(path, "rb") as handle:
        return handle.read()


def usage_error(exc: Exception | str) -> int:
    """Say what was wrong with the command's input in one line; the usage exit code."""
    from wizard.common.safe_text import sanitize

    words = file_problem(exc) if isinstance(exc, OSError) else sanitize(str(exc), one_line=True)
    print(f"mailtriage: {words}", file=sys.stderr)
    return EXIT_USAGE


def run(args: argparse.Namespace) -> int:
    from tui.request import input_source, request_from_args
    from wizard.transit import prefetch as body_prefetch

    try:
        raw = read_input(args.file)
        request = request_from_args(args, raw=raw, source=input_source(args.file))
    except (OSError, ValueError) as exc:
        return usage_error(exc)
    # Before the engine's imports and before any thread: a big body is hashed by a forked
    # child meanwhile (wizard.transit.prefetch says why).
    prefetch = body_prefetch.start(raw)
    try:
        return _check(args, request, prefetch)
    finally:
        if prefetch is not None:
            prefetch.close()


def _check(args: argparse.Namespace, request: AnalysisRequest, prefetch: BodyPrefetch | None) -> int:
    from tui.request import resolvers_for
    from wizard.common.runner import run_to_end  # after the fork, which never needs it
    from wizard.input.classify import UnreadableInput
    from wizard.pipeline.analyze import analyze

    try:
        resolvers = resolvers_for(request)
    except (OSError, ValueError) as exc:
        return usage_error(exc)
    if request.offline and _is_domain(request.raw):
        return usage_error(f"{request.raw.decode().strip()} is a domain, and checking a domain is "
                           "nothing but DNS lookups: drop --offline (or use `mailtriage domain`)")
    try:
        report = run_to_end(analyze(request, resolvers=resolvers, body_digests=prefetch))
    except UnreadableInput as exc:
        return usage_error(f"cannot analyse {args.file}: {exc}")
    if getattr(args, "bundle", None):
        from wizard.bundle.write import write_bundle

        try:
            write_bundle(args.bundle, request.raw, request, resolvers, report)
        except OSError as exc:
            return usage_error(exc)
    return emit(report, args)


def _is_domain(raw: bytes) -> bool:
    """Whether the engine will read `raw` as a domain name to look up. Only a short input can
    be one (a DNS name is at most 253 characters), so a big message is never classified twice."""
    from wizard.input.classify import classify

    return len(raw) <= 300 and classify(raw).kind == "domain"


def emit(report: Report, args: argparse.Namespace) -> int:
    """Print the report in the format the flags chose; the verdict's exit status. Its
    commands ask the resolvers the user chose (wizard.fixes.aim_report), in every format."""
    from wizard.fixes import aim_report
    from wizard.verdict import judge

    report = aim_report(report)
    verdict = judge(report)
    sys.stdout.write(_render(report, verdict, args))
    return verdict.exit_status


def _render(report: Report, verdict: Verdict, args: argparse.Namespace) -> str:
    # Each renderer is imported only when chosen: --json never needs wizard.output.sections.
    verbose = bool(getattr(args, "verbose", False))
    if args.json:
        from wizard.output.json import report_to_json

        out = report_to_json(report, verdict)
    elif args.markdown:
        from wizard.output.markdown import render_markdown

        out = render_markdown(report, verdict, verbose=verbose)
    else:
        from wizard.output.text import render_text

        out = render_text(report, verdict, verbose=verbose)
    return out if out.endswith("\n") else out + "\n"
