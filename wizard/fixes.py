"""Builders for the commands and records a finding offers as its fix (diagnoses.md §12).

Every module that attaches a fix to a Finding calls these instead of writing argv by hand, so
there is one place where values from a message become command lines (DESIGN.md rule 5):

* names go through `check_name` first; anything else raises `InvalidName` with a plain
  message the caller shows instead of the command;
* commands are argv tuples; where a pipeline or loop is needed the script is a constant
  `sh -c` string and every value travels as a positional argument ("$1", "$2"), never
  spliced into the script text.
"""
from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable, Sequence

from wizard.common.dnsname import InvalidName, check_name, is_valid_name
from wizard.dns.resolvers import format_spec, parse_spec
from wizard.dns.types import Resolver
from wizard.model.findings import FixCommand, RecordFix

__all__ = [
    "InvalidName",
    "dig_answer",
    "dig_authoritative",
    "dig_command",
    "dig_commands",
    "dig_dnssec_compare",
    "dig_query",
    "dig_reverse",
    "dig_short",
    "dig_trace",
    "dig_txt",
    "dkim_key_name",
    "dkimverify",
    "dmarc_check",
    "fcrdns",
    "opendkim_testkey",
    "openssl_generate_key",
    "openssl_key_size",
    "openssl_public_key_b64",
    "publish_dkim_key",
    "publish_dmarc",
    "revoke_dkim_key",
    "spf_check",
    "txt_record",
]

# Record types a fix may ask dig for; anything else is a programming error, not user input.
_RDTYPES = frozenset({"TXT", "A", "AAAA", "MX", "NS", "CNAME", "SOA", "PTR"})
_BASE64 = re.compile(r"^[A-Za-z0-9+/]*={0,2}$")
_KEY_TYPES = frozenset({"rsa", "ed25519"})
_DMARC_POLICIES = frozenset({"none", "quarantine", "reject"})
# A mailbox local part we are willing to put into a rua= URI: dot-atom characters minus the
# ones that mean something inside a DMARC record (`;`, `,`, `!`) or a URI.
_LOCAL_PART = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._+-]{0,63}$")


def _rdtype(rdtype: str) -> str:
    value = rdtype.upper()
    if value not in _RDTYPES:
        raise ValueError(f"record type {rdtype!r} is not one mailtriage builds commands for")
    return value


def _dig_server(spec: str) -> tuple[tuple[str, ...], str]:
    """`--resolver` spec → dig's server arguments; "system" → none (dig asks the system's).
    Specs are parsed by the DNS layer's own parser so the commands ask exactly the servers
    the tool asked."""
    if spec.strip().lower() == "system":
        return (), "the system resolver"
    try:
        host, port = parse_spec(spec)
    except ValueError as exc:
        raise InvalidName(str(exc)) from exc
    args = (f"@{host}",) if port == 53 else (f"@{host}", "-p", str(port))
    return args, format_spec(host, port)


def dkim_key_name(domain: str, selector: str) -> str:
    """`selector._domainkey.domain`, both parts checked (a selector may hold dots)."""
    return check_name(f"{check_name(selector)}._domainkey.{check_name(domain)}")


def dig_short(name: str, rdtype: str = "TXT", resolvers: Sequence[str] = ()) -> tuple[FixCommand, ...]:
    """`dig +short RDTYPE name [@host -p port]`, one command per resolver spec; with no
    resolvers, one command asking the system resolver."""
    qname, qtype = check_name(name), _rdtype(rdtype)
    base = ("dig", "+short", qtype, qname)
    if not resolvers:
        return (FixCommand(base, f"look up the {qtype} record of {qname}"),)
    commands = []
    for spec in resolvers:
        server, where = _dig_server(spec)
        commands.append(FixCommand(base + server, f"ask {where} for the {qtype} record of {qname}"))
    return tuple(commands)


def dig_txt(name: str, resolvers: Sequence[str] = ()) -> tuple[FixCommand, ...]:
    """The TXT record of `name` as each resolver sees it (DNS-04/05/14)."""
    return dig_short(name, "TXT", resolvers)


def dig_answer(name: str, rdtype: str = "TXT") -> FixCommand:
    """`dig +noall +answer`: shows TTLs and any CNAME chain, which `+short` hides (DNS-03)."""
    qname, qtype = check_name(name), _rdtype(rdtype)
    return FixCommand(
        ("dig", "+noall", "+answer", qtype, qname),
        f"show the {qtype} answer for {qname} with TTLs and any CNAME chain",
    )


def dig_trace(name: str, rdtype: str = "TXT") -> FixCommand:
    """Follow the delegation from the root: finds lame delegations and stale caches (DNS-10)."""
    qname, qtype = check_name(name), _rdtype(rdtype)
    return FixCommand(
        ("dig", "+trace", qtype, qname),
        f"follow the delegation from the root to the servers that answer for {qname}",
    )


# The §12 loop over every authoritative server. Constant text: the name, zone and type arrive
# as "$1" "$2" "$3", so nothing from a message is ever parsed by the shell.
_AUTH_LOOP = 'for ns in $(dig +short NS "$2"); do echo "== $ns"; dig +short "$3" "$1" @"$ns"; done'


def dig_authoritative(name: str, zone: str, rdtype: str = "TXT") -> FixCommand:
    """Ask each of `zone`'s authoritative servers for `name` (propagation, DNS-04/05)."""
    qname, qzone, qtype = check_name(name), check_name(zone), _rdtype(rdtype)
    return FixCommand(
        ("sh", "-c", _AUTH_LOOP, "sh", qname, qzone, qtype),
        f"ask every authoritative server of {qzone} for the {qtype} record of {qname}",
    )


def dig_dnssec_compare(name: str, rdtype: str = "TXT") -> tuple[FixCommand, FixCommand]:
    """The same query with and without DNSSEC checking: if only the first fails, the zone's
    signatures are bogus (DNS-08)."""
    qname, qtype = check_name(name), _rdtype(rdtype)
    return (
        FixCommand(("dig", qtype, qname), f"query {qname} with DNSSEC validation (the normal way)"),
        FixCommand(("dig", "+cd", qtype, qname), f"query {qname} with DNSSEC checking disabled"),
    )


# The commands and records DNS, SPF and DMARC findings offer. These describe a name the
# finding is already about, so they never raise: a name that is not a DNS name (an over-long
# `_dmarc.` name, say) gets no command, and the finding's own text says what is wrong.


def dig_command(resolver: Resolver | None, name: str, rdtype: str, *options: str,
                purpose: str = "") -> FixCommand | None:
    """`dig +short TYPE name @server -p port` asking `resolver` (None or a system resolver:
    plain `dig`), with `options` in place of `+short`; None when the resolver is not a server
    (zone files, whose `spec` is None) or the name is not a DNS name."""
    spec = "system" if resolver is None else getattr(resolver, "spec", "system")
    if spec is None or not is_valid_name(name) or not rdtype.isalnum():
        return None
    server, _ = _dig_server(spec)
    label = resolver.label if resolver is not None else "the system's resolver"
    return FixCommand(("dig", *(options or ("+short",)), rdtype, name, *server),
                      purpose or f"ask {label} again")


def dig_commands(name: str, rdtype: str, resolvers: Iterable[Resolver | None], *options: str,
                 purpose: str = "") -> tuple[FixCommand, ...]:
    """One `dig_command` per resolver that can be asked, without duplicates."""
    out: list[FixCommand] = []
    for resolver in resolvers:
        command = dig_command(resolver, name, rdtype, *options, purpose=purpose)
        if command is not None and command.argv not in [c.argv for c in out]:
            out.append(command)
    return tuple(out)


def dig_query(name: str, rdtype: str = "TXT", *options: str, purpose: str) -> tuple[FixCommand, ...]:
    """The question as the user's own resolver answers it: `dig +short TYPE name` (or with
    `options`); empty when `name` is not a DNS name."""
    return dig_commands(name, rdtype, (None,), *options, purpose=purpose)


def dig_reverse(ip: str, purpose: str) -> tuple[FixCommand, ...]:
    """`dig +short -x ip`: the PTR name of an address; empty when `ip` is not an IP address."""
    try:
        address = ipaddress.ip_address(ip.strip())
    except ValueError:
        return ()
    return (FixCommand(("dig", "+short", "-x", str(address)), purpose),)


def txt_record(name: str, value: str, purpose: str) -> tuple[RecordFix, ...]:
    """The TXT record to publish at `name` (a whole SPF or DMARC record the caller built);
    empty when `name` is not a DNS name."""
    return (RecordFix(name, "TXT", value, purpose),) if is_valid_name(name) else ()


def opendkim_testkey(domain: str, selector: str, private_key_path: str | None = None) -> FixCommand:
    """OpenDKIM's own check of a published key (Debian package opendkim-tools); with the
    private key file it also checks that the published key is that key's public half."""
    d, s = check_name(domain), check_name(selector)
    key = ("-k", _path_arg(private_key_path)) if private_key_path else ()
    return FixCommand(
        ("opendkim-testkey", "-d", d, "-s", s, *key, "-vvv"),
        f"let OpenDKIM fetch and check the key {s}._domainkey.{d}"
        + (" against the private key" if key else ""),
    )


# §12's key-size pipeline, made to skip CNAME lines (`dig +short` prints the chain before the
# TXT strings, and those lines start without a quote) so delegated selectors work too. The
# name is "$1"; any further arguments are dig's server arguments.
_KEY_SIZE = (
    'name=$1; shift; dig +short TXT "$name" "$@" | grep "^\\"" | sed -e "s/.*p=//" -e "s/;.*//" '
    '| tr -d "\\" \\n" | base64 -d | openssl pkey -pubin -inform DER -noout -text | head -1'
)


def openssl_key_size(domain: str, selector: str, resolver: str | None = None) -> FixCommand:
    """Print the size of a published RSA key, e.g. `Public-Key: (2048 bit)` (DKIM-KEY-08),
    asking `resolver` (a --resolver spec) or the system resolver. Ed25519 keys are always
    256 bits and are raw keys, not DER, so this is for RSA."""
    name = dkim_key_name(domain, selector)
    server, where = _dig_server(resolver) if resolver else ((), "the system resolver")
    return FixCommand(
        ("sh", "-c", _KEY_SIZE, "sh", name, *server),
        f"show the size of the RSA key published at {name} (asking {where})",
    )


def _path_arg(path: str) -> str:
    """A file name as an argument: a leading `-` would be read as an option."""
    if not path or "\0" in path or "\n" in path:
        raise ValueError("a file name must be non-empty and hold no NUL or newline")
    return f"./{path}" if path.startswith("-") else path


def openssl_generate_key(private_path: str, key_type: str = "rsa", bits: int = 2048) -> FixCommand:
    """Generate a DKIM private key on the user's own machine (CAUSE-13/14)."""
    path = _path_arg(private_path)
    if key_type == "rsa":
        return FixCommand(
            ("openssl", "genrsa", "-out", path, str(int(bits))),
            f"generate a {int(bits)}-bit RSA private key in {path}",
        )
    if key_type == "ed25519":
        return FixCommand(
            ("openssl", "genpkey", "-algorithm", "ed25519", "-out", path),
            f"generate an Ed25519 private key in {path}",
        )
    raise ValueError(f"key type {key_type!r} is not rsa or ed25519")


# RSA: p= is the base64 of the DER SubjectPublicKeyInfo. Ed25519 (RFC 8463): p= is the raw
# 32-byte key, which is the last 32 bytes of the 44-byte DER SubjectPublicKeyInfo.
_PUBLIC_B64 = {
    "rsa": 'openssl rsa -in "$1" -pubout -outform DER | base64 -w0; echo',
    "ed25519": 'openssl pkey -in "$1" -pubout -outform DER | tail -c 32 | base64 -w0; echo',
}


def openssl_public_key_b64(private_path: str, key_type: str = "rsa") -> FixCommand:
    """Print the `p=` value for a private key file."""
    if key_type not in _PUBLIC_B64:
        raise ValueError(f"key type {key_type!r} is not rsa or ed25519")
    path = _path_arg(private_path)
    return FixCommand(
        ("sh", "-c", _PUBLIC_B64[key_type], "sh", path),
        f"print the p= value (public key, base64) for {path}",
    )


def dkimverify(message_path: str) -> FixCommand:
    """Verify a saved message with dkimpy's `dkimverify` (reads the message on stdin)."""
    path = _path_arg(message_path)
    return FixCommand(("sh", "-c", 'dkimverify < "$1"', "sh", path), f"verify the DKIM signatures in {path}")


def spf_check(domain: str) -> FixCommand:
    """The SPF record of a domain — give it the MAIL FROM (Return-Path) domain, not From."""
    d = check_name(domain)
    return FixCommand(
        ("sh", "-c", 'dig +short TXT "$1" | grep -i "\\"v=spf1"', "sh", d),
        f"show the SPF record of {d}",
    )


def dmarc_check(domain: str) -> FixCommand:
    """The DMARC record of a domain (call again with the organisational domain for the
    fallback, DMARC-08)."""
    d = check_name(domain)
    return FixCommand(("dig", "+short", "TXT", f"_dmarc.{d}"), f"show the DMARC record of {d}")


def fcrdns(ip: str, hostname: str | None = None) -> tuple[FixCommand, ...]:
    """Forward-confirmed reverse DNS (DNS-13): the PTR of `ip`, then the A/AAAA of the name
    it should point back from."""
    try:
        address = ipaddress.ip_address(ip.strip())
    except ValueError as exc:
        raise InvalidName(f"{ip!r} is not an IP address") from exc
    commands = [FixCommand(("dig", "+short", "-x", str(address)), f"show the reverse DNS name of {address}")]
    if hostname is not None:
        host = check_name(hostname)
        rdtype = "AAAA" if address.version == 6 else "A"
        commands.append(
            FixCommand(("dig", "+short", rdtype, host), f"{host} must resolve back to {address}")
        )
    return tuple(commands)


def publish_dkim_key(domain: str, selector: str, public_key_b64: str, key_type: str = "rsa",
                     ttl: int = 3600) -> RecordFix:
    """The key record to publish under `selector._domainkey.domain`."""
    if key_type not in _KEY_TYPES:
        raise ValueError(f"key type {key_type!r} is not rsa or ed25519")
    key = "".join(public_key_b64.split())
    if not key or not _BASE64.match(key):
        raise ValueError("the public key must be base64 (A-Z a-z 0-9 + / and = padding)")
    name = dkim_key_name(domain, selector)
    return RecordFix(name, "TXT", f"v=DKIM1; k={key_type}; p={key}",
                     f"publish the DKIM key for selector {check_name(selector)}", ttl)


def revoke_dkim_key(domain: str, selector: str, ttl: int = 3600) -> RecordFix:
    """An empty p= revokes a key (RFC 6376 §3.6.1): verifiers then say "key revoked" rather
    than "no key", which tells anyone debugging old mail what happened."""
    name = dkim_key_name(domain, selector)
    return RecordFix(name, "TXT", "v=DKIM1; p=", f"revoke the DKIM key for selector {check_name(selector)}", ttl)


def publish_dmarc(domain: str, policy: str = "none", rua: str | None = None, ttl: int = 3600) -> RecordFix:
    """A DMARC record at `_dmarc.domain`; `rua` is a mailbox for aggregate reports."""
    d = check_name(domain)
    if policy not in _DMARC_POLICIES:
        raise ValueError(f"DMARC policy {policy!r} is not none, quarantine or reject")
    value = f"v=DMARC1; p={policy}"
    if rua is not None:
        address = rua.strip().removeprefix("mailto:")
        local, at, mail_domain = address.rpartition("@")
        if not at or not _LOCAL_PART.match(local):
            raise InvalidName(f"{rua!r} is not a plain mailbox address usable in rua=")
        value += f"; rua=mailto:{local}@{check_name(mail_domain)}"
    return RecordFix(f"_dmarc.{d}", "TXT", value, f"publish a DMARC policy ({policy}) for {d}", ttl)
