"""`mailtriage tls DOMAIN`: how senders reach DOMAIN's mail servers securely — every MX over
SMTP with STARTTLS (certificate dates, names, chain, protocol), MTA-STS, DANE and TLS-RPT
(diagnoses.md §14). The engine is wizard.tls.check; this module prints what it returns."""
from __future__ import annotations

import argparse
import json
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
)
from wizard.common.safe_text import sanitize
from wizard.model.findings import FixCommand

if TYPE_CHECKING:
    from wizard.model.findings import Finding
    from wizard.tls.model import MxTls, TlsReport

EPILOG = f"""exit status:
  {EXIT_OK}  every MX is reachable over TLS and nothing fails
  {EXIT_FAILED}  a check failed (an ERROR or CRITICAL finding)
  {EXIT_USAGE}  a usage error (not a domain name, a --ca-file that cannot be read)
  {EXIT_INCONCLUSIVE}  inconclusive: the MX lookup failed or no MX host has an address"""


def add_arguments(parser: argparse.ArgumentParser, name: str) -> None:
    parser.add_argument("domain", help="the recipient domain, e.g. example.com")
    add_output_options(parser)
    add_dns_options(parser)
    add_zone_option(parser)
    parser.add_argument("--smtp-port", type=int, default=25, metavar="PORT",
                        help="connect to the MX hosts on this port (default 25; for tests)")
    parser.add_argument("--https-port", type=int, default=443, metavar="PORT",
                        help="fetch the MTA-STS policy on this port (default 443; for tests)")
    parser.add_argument("--ca-file", metavar="PEM",
                        help="trust these CA certificates instead of the system's")
    parser.add_argument("--connect-timeout", type=float, default=10.0, metavar="SECONDS",
                        help="time limit for each SMTP connection and policy fetch (default 10)")


def run(args: argparse.Namespace) -> int:
    import asyncio

    from tui.cli.check import usage_error
    from tui.request import request_from_args, resolvers_for
    from wizard.common.dnsname import InvalidName, check_name
    from wizard.dns import DnsSession
    from wizard.tls.check import Options, check_tls

    request = request_from_args(args)
    try:
        domain = check_name(args.domain)
        if args.ca_file:
            with open(args.ca_file, "rb"):
                pass
        for port in (args.smtp_port, args.https_port):
            if not 0 < port < 65536:
                raise ValueError(f"port {port} is not between 1 and 65535")
        resolvers = resolvers_for(request)
        session = DnsSession(resolvers, timeout=request.timeout, compare=False)
    except (OSError, ValueError, InvalidName) as exc:
        return usage_error(exc)
    options = Options(smtp_port=args.smtp_port, https_port=args.https_port,
                      ca_file=args.ca_file, connect_timeout=args.connect_timeout)
    report = asyncio.run(check_tls(domain, session, options))
    if args.json:
        from wizard.output.json import to_data

        # ensure_ascii: C1 controls and invisible characters from a banner or a certificate
        # reach the terminal as \u escapes, never raw.
        sys.stdout.write(json.dumps({"tls": to_data(report)}, indent=2, ensure_ascii=True) + "\n")
    else:
        sys.stdout.write(render(report, markdown=args.markdown, verbose=args.verbose))
    return exit_status(report)


def exit_status(report: TlsReport) -> int:
    if report.mx_status not in ("ok", "truncated→tcp", "nxdomain", "nodata") or not any(
            m.address for m in report.mx):
        return EXIT_INCONCLUSIVE
    return EXIT_FAILED if any(f.severity.is_failure for f in report.findings) else EXIT_OK


def _s(text: str) -> str:
    return sanitize(text, one_line=True)


def _mx_lines(mx: MxTls) -> list[str]:
    head = _s(f"{mx.host} (preference {mx.preference}, {mx.address or 'no address'} port {mx.port})")
    lines = [head]
    if mx.connect != "ok":
        lines.append(f"  connection: {mx.connect} — {_s(mx.detail)}")
        return lines
    offered = {True: "offered", False: "NOT offered", None: "not reached"}[mx.starttls_offered]
    lines.append(f"  STARTTLS: {offered}")
    if mx.handshake_ok:
        lines.append(f"  TLS: {mx.protocol}, {mx.cipher}")
    elif mx.handshake_ok is False:
        lines.append(f"  TLS: failed — {_s(mx.detail)}")
    if mx.chain:
        leaf = mx.chain[0]
        lines += [f"  certificate: {_s(leaf.subject)}, issued by {_s(leaf.issuer)}",
                  f"    names: {_s(', '.join(leaf.san)) or '(none)'}"
                  f" — {'match' if mx.name_matches else 'do NOT match'} {_s(mx.host)}",
                  f"    valid {leaf.not_before} to {leaf.not_after} ({leaf.days_left} days left)",
                  f"    chain: {len(mx.chain)} certificate(s) sent, "
                  + ("trusted" if mx.trusted else f"NOT trusted ({_s(mx.trust_error)})")]
    if mx.tlsa:
        for record in mx.tlsa:
            lines.append(f"  TLSA {record.text}: {'matches' if record.matched else 'does NOT match'}")
    if mx.dnssec:
        lines.append(f"  DNSSEC of the TLSA answer: {mx.dnssec}")
    return lines


def _finding_lines(f: Finding, markdown: bool) -> list[str]:
    mark = "- " if markdown else "  "
    lines = [f"{mark}[{f.severity.value.upper()}] {f.id} {_s(f.title)}"]
    if f.detail:
        lines.append(f"    {_s(f.detail)}")
    for fix in f.fixes:
        if isinstance(fix, FixCommand):
            lines.append(f"    `{_s(fix.shell)}`" if markdown else f"    $ {_s(fix.shell)}")
        else:
            lines.append(f"    publish: {_s(fix.zone_line)}")
    return lines


def render(report: TlsReport, *, markdown: bool = False, verbose: bool = False) -> str:
    h1, h2 = ("# ", "## ") if markdown else ("", "")
    out = [f"{h1}TLS delivery to {report.domain}", ""]
    out.append(f"{h2}MX hosts")
    if not report.mx:
        out.append(f"  none: the MX lookup answered {report.mx_status}")
    for mx in report.mx:
        out += _mx_lines(mx)
    sts = report.mta_sts
    out += ["", f"{h2}MTA-STS"]
    if not sts.txt:
        out.append("  no _mta-sts record")
    else:
        out += [f"  TXT: {_s(t)}" for t in sts.txt]
        if sts.policy is not None:
            p = sts.policy
            out.append(f"  policy {sts.url}: version {_s(p.version)}, mode {_s(p.mode)}, "
                       f"max_age {p.max_age}, mx {_s(', '.join(p.mx))}")
        elif sts.fetch_error:
            out.append(f"  policy: {_s(sts.fetch_error)}")
    out += ["", f"{h2}TLS-RPT"]
    out += [f"  {_s(r)}" for r in report.tlsrpt] or ["  no _smtp._tls record"]
    shown = [f for f in report.findings if verbose or f.severity.value != "info"]
    out += ["", f"{h2}Findings"]
    for finding in shown:
        out += _finding_lines(finding, markdown)
    if not shown:
        out.append("  nothing fails" + ("" if verbose else " (-v shows the INFO findings)"))
    return "\n".join(out) + "\n"
