"""`mailtriage record-check`: compare the DKIM record DNS publishes (at every server asked)
with the private key the signer uses. Exit statuses: 0 it matches everywhere, 1 it differs
or is missing, 2 usage error or an unreadable key."""
from __future__ import annotations

import argparse
import asyncio

from tui.cli.keytool import (
    add_domain_option,
    dns_session,
    indent,
    print_fixes,
    read_key,
    run_guarded,
    say,
)
from tui.cli.options import EXIT_FAILED, EXIT_OK, add_dns_options


def add_arguments(parser: argparse.ArgumentParser, name: str) -> None:
    add_domain_option(parser)
    parser.add_argument("--selector", required=True, help="the selector (s=) to check")
    parser.add_argument("--key", required=True, metavar="PRIVATE.pem",
                        help="the private key the signer uses (PEM or DER)")
    add_dns_options(parser)


def run(args: argparse.Namespace) -> int:
    return run_guarded(_record_check, args)


def _record_check(args: argparse.Namespace) -> int:
    from wizard import fixes
    from wizard.common.safe_text import sanitize
    from wizard.keys.match import check_record
    from wizard.model.findings import FixCommand
    from wizard.verdict.remedy import is_check

    fixes.dkim_key_name(args.domain, args.selector)
    key = read_key(args.key)
    dns = dns_session(args)
    result = asyncio.run(check_record(dns, args.domain, args.selector, key, args.resolver, args.key))
    say(f"Record: TXT at {result.expected.name}")
    say(f"Private key {args.key}: {'RSA' if key.key_type == 'rsa' else 'Ed25519'} {key.bits}-bit")
    published = result.published_key
    if published is not None:
        say(f"Published key: {published.label}")
    looks = [fixes.opendkim_testkey(result.domain, result.selector, args.key)]
    if key.key_type == "rsa":
        looks.insert(0, fixes.openssl_key_size(result.domain, result.selector))
    print_fixes(looks, args.resolver)
    say()
    for check in result.answers:
        verdict = "matches the private key" if check.matches else "DIFFERS"
        say(f"  {sanitize(check.answer.resolver, one_line=True)}: {verdict}")
        for diff in check.differences:
            say(f"      - {sanitize(diff.detail, one_line=True)}")
    for finding in result.findings:
        say()
        say(f"[{finding.severity.upper()}] {finding.id} {finding.title}")
        say(f"  {sanitize(finding.detail, one_line=True)}")
        for line in finding.evidence:
            say(f"    | {sanitize(line, one_line=True)}")
        if result.cases and finding.id == "DKIM-KEY-14":
            _print_cases(result.cases, args.resolver)
            print_fixes([f for f in finding.fixes if isinstance(f, FixCommand) and is_check(f)],
                        args.resolver)
        else:
            print_fixes(finding.fixes, args.resolver, "Fix:")
    if result.ok:
        say()
        say("The published record matches the private key everywhere it was asked.")
        return EXIT_OK
    if not result.cases:  # with another key published, which record depends on the case
        say()
        say("The record to publish (zone-file form):")
        say(indent(result.expected.zone_line))
    return EXIT_FAILED


def _print_cases(cases, resolvers: list[str]) -> None:
    """Another key is published: the fix depends on which key the signer uses, which only
    the user knows, so both cases are said (wizard.keys.match.KeyCase holds their words)."""
    say("  Which key does the signer use now? The fix depends on it:")
    for case in cases:
        say(f"  - {case.condition}: {case.then}")
        print_fixes(case.fixes, resolvers)
