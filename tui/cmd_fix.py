"""`mailtriage keygen | record-check | rotate`: make a key, check what DNS holds for it, and
walk a rotation. Exit codes: 0 ok, 1 a check failed, 2 usage error or unreadable input.

Nothing here changes DNS or a signer: the commands print what to run and what to publish.
"""
from __future__ import annotations

import argparse
import asyncio
import sys
from datetime import UTC, datetime
from pathlib import Path

from tui.cli import EXIT_FAILED, EXIT_OK, EXIT_USAGE, add_dns_options


def add_arguments(parser: argparse.ArgumentParser, name: str) -> None:
    parser.add_argument("--domain", required=True, help="the signing domain (d=)")
    if name == "keygen":
        parser.add_argument("--selector", required=True, help="the selector (s=) for the new key")
        parser.add_argument("--type", choices=("rsa", "ed25519"), default="rsa",
                            help="key type (default rsa; many receivers cannot verify ed25519 alone)")
        parser.add_argument("--bits", type=int, default=2048,
                            help="RSA key size (default 2048; 1024 is weak and receivers flag it)")
        parser.add_argument("--out", metavar="PATH",
                            help="where to write the private key (default SELECTOR.private); "
                            "an existing file is never overwritten")
        parser.add_argument("--ttl", type=_ttl, default=3600, help="TTL of the printed record")
        parser.add_argument("--print-private", action="store_true",
                            help="also print the private key (it is otherwise only written to the file)")
        return
    if name == "record-check":
        parser.add_argument("--selector", required=True, help="the selector (s=) to check")
        parser.add_argument("--key", required=True, metavar="PRIVATE.pem",
                            help="the private key the signer uses (PEM or DER)")
    elif name == "rotate":
        parser.add_argument("--old", required=True, metavar="SELECTOR", help="the selector in use now")
        parser.add_argument("--new", required=True, metavar="SELECTOR", help="the new selector")
        parser.add_argument("--key", metavar="NEW.private",
                            help="the new private key: the published record must match it")
        parser.add_argument("--message", metavar="FILE",
                            help="a message sent after switching the signer (- for stdin)")
        parser.add_argument("--switched-at", metavar="ISO-TIME", type=_iso_time,
                            help="when the signer was switched (default: the fresh message's t=)")
        parser.add_argument("--now", metavar="ISO-TIME", type=_iso_time,
                            help="judge the grace period as of this time (default: now)")
    else:
        raise ValueError(f"tui.cmd_fix has no subcommand {name!r}")
    add_dns_options(parser)


def _fail(message: str) -> int:
    from wizard.common.safe_text import sanitize

    print(f"mailtriage: {sanitize(message, one_line=True)}", file=sys.stderr)
    return EXIT_USAGE


def _iso_time(value: str) -> datetime:
    """argparse type: an ISO 8601 time, UTC when no offset is given."""
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an ISO 8601 time such as 2026-11-23T12:00: {value!r}") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _ttl(value: str) -> int:
    if not value.isdigit() or int(value) > 2**31 - 1:
        raise argparse.ArgumentTypeError(f"a TTL is a number of seconds: {value!r}")
    return int(value)


def _say(text: str = "") -> None:
    """Print to the terminal with control characters made visible (DESIGN.md rule 4): paths
    and DNS data reach these lines, and an ESC in them must not reach the terminal."""
    from wizard.common.safe_text import sanitize

    print(sanitize(text))


def _indent(text: str, prefix: str = "    ") -> str:
    return "\n".join(prefix + line for line in text.splitlines())


def run(args: argparse.Namespace) -> int:
    from wizard.common.dnsname import InvalidName
    from wizard.keys.keygen import KeyProblem

    try:
        if args.command == "keygen":
            return _keygen(args)
        if args.command == "record-check":
            return _record_check(args)
        return _rotate(args)
    except (InvalidName, KeyProblem) as exc:
        return _fail(str(exc))
    except OSError as exc:
        return _fail(f"{exc.filename or ''}: {exc.strerror or exc}".lstrip(": "))


def _keygen(args: argparse.Namespace) -> int:
    from wizard.common.dnsname import check_name
    from wizard.fixes import dkim_key_name
    from wizard.keys import keygen
    from wizard.model.findings import FixCommand

    # Names first: a bad name must stop us before a key file is created.
    dkim_key_name(args.domain, args.selector)
    domain, selector = check_name(args.domain), check_name(args.selector)
    path = Path(args.out or f"{selector}.private")
    if path.exists():
        return _fail(f"{path} already exists; refusing to overwrite a key (it may be the one "
                     "signing mail now). Choose another --out or a new selector.")
    key = keygen.generate_key(args.type, args.bits)
    try:
        keygen.write_private_key(path, key)
    except FileExistsError:
        return _fail(f"{path} already exists; refusing to overwrite it")
    forms = keygen.record_forms(domain, selector, key, args.ttl)
    label = "RSA" if key.key_type == "rsa" else "Ed25519"
    out = [f"Private key written to {path} (mode 0600). Keep it on the signing server only."]
    out += [f"Warning: {w}" for w in key.warnings]
    out += [
        "",
        f"DNS record: TXT at {forms.name} ({label} {key.bits}-bit)",
        "",
        "Zone file (BIND and other zone-file editors): strings of at most 255 characters",
        _indent(forms.zone_line),
        "",
        'One field holding quoted strings (Route 53 and panels that ask for "…" "…"):',
        _indent(forms.multi_string),
        "",
        "One unsplit value (web panels that split long values themselves; paste without quotes):",
        _indent(forms.unsplit),
        "",
        "opendkim-genkey style (SELECTOR.txt; the name is relative to the zone):",
        _indent(forms.opendkim_txt.rstrip("\n")),
        "",
        "Or make the key with OpenSSL on your own machine instead (not in addition):",
        *[_indent(c.shell) + f"\n      # {c.purpose}"
          for c in keygen.openssl_equivalents(str(path), key.key_type, key.bits)],
        "",
        "After publishing, check it:",
        _indent(FixCommand(("mailtriage", "record-check", "--domain", domain, "--selector", selector,
                            "--key", str(path)), "").shell),
    ]
    if args.print_private:
        out += ["", "Private key (you asked for it with --print-private):", key.private_pem.decode("ascii").rstrip()]
    _say("\n".join(out))
    return EXIT_OK


def _session(args: argparse.Namespace):
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


def _read_key(path: str):
    from wizard.keys.keygen import load_private_key

    with open(path, "rb") as handle:
        return load_private_key(handle.read())


def _print_fix(fix) -> None:
    from wizard.model.findings import RecordFix

    if isinstance(fix, RecordFix):
        _say(f"      publish: {fix.zone_line}")
    else:
        _say(f"      $ {fix.shell}")
        _say(f"        # {fix.purpose}")


def _record_check(args: argparse.Namespace) -> int:
    from wizard import fixes
    from wizard.common.safe_text import sanitize
    from wizard.keys.match import check_record

    fixes.dkim_key_name(args.domain, args.selector)
    key = _read_key(args.key)
    session = _session(args)
    result = asyncio.run(check_record(session, args.domain, args.selector, key, args.resolver))
    _say(f"Record: TXT at {result.expected.name}")
    _say(f"Private key {args.key}: {'RSA' if key.key_type == 'rsa' else 'Ed25519'} {key.bits}-bit")
    published = result.published_key
    if published is not None:
        _say(f"Published key: {published.label}")
    if key.key_type == "rsa":
        size = fixes.openssl_key_size(result.domain, result.selector, args.resolver[0] if args.resolver else None)
        _say(f"  $ {size.shell}")
    _say(f"  $ {fixes.opendkim_testkey(result.domain, result.selector, args.key).shell}")
    _say()
    for check in result.answers:
        verdict = "matches the private key" if check.matches else "DIFFERS"
        _say(f"  {sanitize(check.answer.resolver, one_line=True)}: {verdict}")
        for diff in check.differences:
            _say(f"      - {sanitize(diff.detail, one_line=True)}")
    for finding in result.findings:
        _say()
        _say(f"[{finding.severity.upper()}] {finding.id} {finding.title}")
        _say(f"  {sanitize(finding.detail, one_line=True)}")
        for line in finding.evidence:
            _say(f"    | {sanitize(line, one_line=True)}")
        _say("  Fix:")
        for fix in finding.fixes:
            _print_fix(fix)
    if result.ok:
        _say()
        _say("The published record matches the private key everywhere it was asked.")
        return EXIT_OK
    _say()
    _say("The record to publish (zone-file form):")
    _say(_indent(result.expected.zone_line))
    return EXIT_FAILED


def _rotate(args: argparse.Namespace) -> int:
    from wizard.keys import rotation

    now = args.now or datetime.now(UTC)
    key = _read_key(args.key) if args.key else None
    message = None
    if args.message:
        if args.message == "-":
            message = sys.stdin.buffer.read()
        else:
            with open(args.message, "rb") as handle:
                message = handle.read()
    session = _session(args)
    facts = asyncio.run(rotation.gather(
        session, args.domain, args.old, args.new, now=now, new_key=key, new_key_path=args.key, message=message,
        switched_at=args.switched_at, resolvers=args.resolver,
    ))
    result = rotation.plan(facts)
    _print_plan(result)
    return EXIT_FAILED if result.has_problem else EXIT_OK


_MARK = {
    "done": "[done]   ", "to do": "[to do]  ", "waiting": "[waiting]", "problem": "[PROBLEM]",
    "not yet": "[not yet]",
}


def _print_plan(result) -> None:
    from wizard.common.safe_text import sanitize

    current = result.current
    for step in result.steps:
        here = "  <- you are here" if step is current else ""
        _say(f"{_MARK[step.state.value]} {step.number}. {step.title}{here}")
        _say(f"    done when: {step.done_when}")
        for line in step.found:
            _say(f"    found: {sanitize(line, one_line=True)}")
        if step.state.value != "done":
            _say("    run:")
            for fix in step.run:
                _print_fix(fix)
        _say()
    if current is None:
        _say("Rotation complete. Delete the revoked record some weeks from now.")
