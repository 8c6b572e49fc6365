"""`mailtriage rotate`: walk the five-step DKIM key rotation, checking each step live.
The exit status says where the rotation stands (EPILOG), so a script can wait for it."""
from __future__ import annotations

import argparse
import asyncio
import sys
from datetime import UTC, datetime

from tui.cli.keytool import (
    add_domain_option,
    dns_session,
    iso_time,
    print_fixes,
    read_key,
    run_guarded,
    say,
)
from tui.cli.options import EXIT_FAILED, EXIT_INCONCLUSIVE, EXIT_OK, EXIT_USAGE, add_dns_options

# Not finished is not a success: `rotate && delete-old-key` must not run at step 4. It shares
# `check`'s 3 (neither passed nor failed) so 1 keeps meaning "something is wrong".
EXIT_STEPS_REMAIN = EXIT_INCONCLUSIVE

EPILOG = f"""exit status:
  {EXIT_OK}  every step is done: the rotation is complete
  {EXIT_FAILED}  a step has a problem (e.g. the old key was removed during the grace period)
  {EXIT_USAGE}  usage error or an unreadable file
  {EXIT_STEPS_REMAIN}  no problem, but steps remain (to do, or waiting for the grace period)"""


def add_arguments(parser: argparse.ArgumentParser, name: str) -> None:
    add_domain_option(parser)
    parser.add_argument("--old", required=True, metavar="SELECTOR", help="the selector in use now")
    parser.add_argument("--new", required=True, metavar="SELECTOR", help="the new selector")
    parser.add_argument("--key", metavar="NEW.private",
                        help="the new private key: the published record must match it")
    parser.add_argument("--message", metavar="FILE",
                        help="a message sent after switching the signer (- for stdin)")
    parser.add_argument("--switched-at", metavar="ISO-TIME", type=iso_time,
                        help="when the signer was switched (default: the fresh message's t=)")
    parser.add_argument("--now", metavar="ISO-TIME", type=iso_time,
                        help="judge the grace period as of this time (default: now)")
    add_dns_options(parser)


def run(args: argparse.Namespace) -> int:
    return run_guarded(_rotate, args)


def _rotate(args: argparse.Namespace) -> int:
    from wizard.keys import rotation

    now = args.now or datetime.now(UTC)
    key = read_key(args.key) if args.key else None
    message = None
    if args.message:
        if args.message == "-":
            message = sys.stdin.buffer.read()
        else:
            with open(args.message, "rb") as handle:
                message = handle.read()
    dns = dns_session(args)
    facts = asyncio.run(rotation.gather(
        dns, args.domain, args.old, args.new, now=now, new_key=key, new_key_path=args.key, message=message,
        switched_at=args.switched_at, resolvers=args.resolver,
    ))
    result = rotation.plan(facts)
    _print_plan(result, args.resolver)
    if result.has_problem:
        return EXIT_FAILED
    return EXIT_OK if result.current is None else EXIT_STEPS_REMAIN


_MARK = {
    "done": "[done]   ", "to do": "[to do]  ", "waiting": "[waiting]", "problem": "[PROBLEM]",
    "not yet": "[not yet]",
}


def _print_plan(result, resolvers: list[str]) -> None:
    from wizard.common.safe_text import sanitize

    current = result.current
    for step in result.steps:
        here = "  <- you are here" if step is current else ""
        say(f"{_MARK[step.state.value]} {step.number}. {step.title}{here}")
        say(f"    done when: {step.done_when}")
        for line in step.found:
            say(f"    found: {sanitize(line, one_line=True)}")
        if step.state.value != "done":
            print_fixes(step.run, resolvers, "run:", "    ")
        say()
    if current is None:
        say("Rotation complete. Delete the revoked record some weeks from now.")
