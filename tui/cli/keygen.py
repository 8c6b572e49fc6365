"""`mailtriage keygen`: generate a DKIM key pair and print its DNS record in every form a DNS
panel asks for. Exit statuses: 0 done, 2 usage error (a bad name, an existing key file)."""
from __future__ import annotations

import argparse
from pathlib import Path

from tui.cli.keytool import add_domain_option, fail, indent, run_guarded, say
from tui.cli.options import EXIT_OK, add_dns_options


def add_arguments(parser: argparse.ArgumentParser, name: str) -> None:
    add_domain_option(parser)
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
    add_dns_options(parser)


def run(args: argparse.Namespace) -> int:
    return run_guarded(_keygen, args)


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
        return fail(f"{path} already exists; refusing to overwrite a key (it may be the one "
                     "signing mail now). Choose another --out or a new selector.")
    key = keygen.generate_key(args.type, args.bits)
    try:
        keygen.write_private_key(path, key)
    except FileExistsError:
        return fail(f"{path} already exists; refusing to overwrite it")
    forms = keygen.record_forms(domain, selector, key, args.ttl)
    label = "RSA" if key.key_type == "rsa" else "Ed25519"
    out = [f"Private key written to {path} (mode 0600). Keep it on the signing server only."]
    out += [f"Warning: {w}" for w in key.warnings]
    out += [
        "",
        f"DNS record: TXT at {forms.name} ({label} {key.bits}-bit)",
        "",
        "Zone file (BIND and other zone-file editors): strings of at most 255 characters",
        indent(forms.zone_line),
        "",
        'One field holding quoted strings (Route 53 and panels that ask for "…" "…"):',
        indent(forms.multi_string),
        "",
        "One unsplit value (web panels that split long values themselves; paste without quotes):",
        indent(forms.unsplit),
        "",
        "opendkim-genkey style (SELECTOR.txt; the name is relative to the zone):",
        indent(forms.opendkim_txt.rstrip("\n")),
        "",
        "Or make the key with OpenSSL on your own machine instead (not in addition):",
        *[indent(c.shell) + f"\n      # {c.purpose}"
          for c in keygen.openssl_equivalents(str(path), key.key_type, key.bits)],
        "",
        "After publishing, check it:",
        indent(FixCommand(("mailtriage", "record-check", "--domain", domain, "--selector", selector,
                            "--key", str(path)), "").shell),
    ]
    if args.print_private:
        out += ["", "Private key (you asked for it with --print-private):", key.private_pem.decode("ascii").rstrip()]
    say("\n".join(out))
    return EXIT_OK


def _ttl(value: str) -> int:
    if not value.isdigit() or int(value) > 2**31 - 1:
        raise argparse.ArgumentTypeError(f"a TTL is a number of seconds: {value!r}")
    return int(value)
