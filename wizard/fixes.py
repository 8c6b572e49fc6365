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

from msgspec import Struct
from msgspec.structs import replace

from wizard.common.dnsname import InvalidName, check_name, is_valid_name
from wizard.dns.resolvers import format_spec, parse_spec
from wizard.dns.types import Resolver
from wizard.model.findings import Finding, FixCommand, RecordFix
from wizard.model.report import Report

__all__ = [
    "InvalidName",
    "aim_fixes",
    "aim_report",
    "curl_mta_sts",
    "dig_answer",
    "dig_authoritative",
    "dig_command",
    "dig_commands",
    "dig_dnssec_compare",
    "dig_query",
    "dig_reverse",
    "dig_short",
    "dig_tlsa",
    "dig_trace",
    "dig_txt",
    "dkim_key_name",
    "dkimverify",
    "dmarc_check",
    "fcrdns",
    "mailtriage_rotate",
    "mailtriage_tls",
    "opendkim_testkey",
    "openssl_generate_key",
    "openssl_key_size",
    "openssl_public_key_b64",
    "openssl_starttls",
    "publish_dkim_key",
    "publish_dmarc",
    "publish_mta_sts_txt",
    "publish_tlsa",
    "publish_tlsrpt",
    "revoke_dkim_key",
    "spf_check",
    "tlsa_digest",
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


_SYSTEM = "the system resolver"


def _dig_server(spec: str) -> tuple[tuple[str, ...], str]:
    """`--resolver` spec → dig's server arguments; "system" → none (dig asks the system's).
    Specs are parsed by the DNS layer's own parser so the commands ask exactly the servers
    the tool asked."""
    if spec.strip().lower() == "system":
        return (), _SYSTEM
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


def mailtriage_rotate(domain: str, old: str, new: str, key_path: str | None = None) -> FixCommand:
    """`mailtriage rotate`: the five-step move from selector `old` to `new`, checked live."""
    d, o, n = check_name(domain), check_name(old), check_name(new)
    key = ("--key", _path_arg(key_path)) if key_path else ()
    return FixCommand(("mailtriage", "rotate", "--domain", d, "--old", o, "--new", n, *key),
                      f"walk the rotation from selector {o} to {n}, checking each step")


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


# Commands that follow the user's choice of resolver. The engine's lookups are built as plain
# `dig` (the system resolver); a user who chose `--resolver 127.0.0.1:5353` must be shown the
# same question asked there, or told plainly that a command asks someone else.

# Tools that resolve through the system resolver and take no server argument.
_SYSTEM_ONLY_TOOLS = ("opendkim-testkey", "dkimverify")


def _asks_dns_elsewhere(argv: tuple[str, ...]) -> bool:
    """A command that resolves names but cannot be pointed at a server."""
    script = argv[2] if argv[:2] == ("sh", "-c") and len(argv) > 2 else ""
    return argv[0] in _SYSTEM_ONLY_TOOLS or any(f"{tool} " in script for tool in (*_SYSTEM_ONLY_TOOLS, "dig"))


def _aim(fix: FixCommand, servers: Sequence[tuple[tuple[str, ...], str]], elsewhere: str) -> list[FixCommand]:
    argv = fix.argv
    if argv[0] == "dig":
        if "+trace" in argv or any(a.startswith("@") for a in argv):
            return [fix]  # already aimed, or starts from the root servers whoever asks
        return [FixCommand(argv + server, f"{fix.purpose} (asking {where})") for server, where in servers]
    if argv[:3] == ("sh", "-c", _KEY_SIZE):
        if len(argv) > 5:
            return [fix]  # already asks a server
        # The key-size pipeline hands its extra arguments to dig: one command per server.
        return [FixCommand(argv + server, fix.purpose.replace(_SYSTEM, where))
                for server, where in servers]
    if argv[:3] == ("sh", "-c", _AUTH_LOOP) or not _asks_dns_elsewhere(argv) or ((), _SYSTEM) in servers:
        return [fix]  # asks the zone's own servers, no DNS at all, or a resolver the user chose
    return [FixCommand(argv, f"{fix.purpose} (asks the system resolver, not {elsewhere})")]


def aim_fixes(fixes: Sequence[FixCommand | RecordFix], resolvers: Sequence[str]
              ) -> tuple[FixCommand | RecordFix, ...]:
    """`fixes` as the user would run them after choosing `resolvers` (the report's resolver
    labels: "system", "zone", or HOST[:PORT]): each plain `dig` once per chosen server,
    "system" as plain `dig`, and a command that cannot be pointed at a server says that it
    asks the system resolver. Duplicates (the same command line or record) are dropped."""
    servers: list[tuple[tuple[str, ...], str]] = []
    for label in resolvers:
        if label == "zone":
            continue
        try:
            servers.append(_dig_server(label))
        except InvalidName:
            continue  # a label that names no server (a test's own resolver)
    named = [where for server, where in servers if server]
    elsewhere = " or ".join(named) if named else "the zone files this check answered from"
    aimed: list[FixCommand | RecordFix] = []
    for fix in fixes:
        if isinstance(fix, RecordFix) or not (named or "zone" in resolvers):
            aimed.append(fix)  # a record, or the system resolver: what plain commands ask
        elif named:
            aimed += _aim(fix, servers, elsewhere)
        elif fix.argv[0] == "dig" or _asks_dns_elsewhere(fix.argv):
            aimed.append(FixCommand(fix.argv, f"{fix.purpose} (asks the system resolver, not {elsewhere})"))
        else:
            aimed.append(fix)
    # The same command line (or record) twice is one entry: the first one's words win.
    out: dict[object, FixCommand | RecordFix] = {}
    for fix in aimed:
        out.setdefault(fix.argv if isinstance(fix, FixCommand) else fix.zone_line, fix)
    return tuple(out.values())


def aim_report(report: Report) -> Report:
    """`report` with every finding's fixes aimed at the resolvers it asked (aim_fixes),
    wherever the finding sits (a signature's, the SPF tree's, a returned message's), so the
    verdict, the guide and every format show the same commands."""
    if not report.resolvers:
        return report  # offline: nothing was asked, nothing to follow
    return _aimed(report, tuple(report.resolvers), {})


def _aimed(value, resolvers: tuple[str, ...], seen: dict[int, object]):
    # Findings are shared between places (a signature's finding is also in report.findings):
    # `seen` keeps one aimed copy per original, so they stay the same object.
    if isinstance(value, Finding):
        if id(value) not in seen:
            fixes = aim_fixes(value.fixes, resolvers)
            seen[id(value)] = value if fixes == value.fixes else replace(value, fixes=fixes)
        return seen[id(value)]
    if isinstance(value, tuple):
        items = tuple(_aimed(v, resolvers, seen) for v in value)
        return value if all(a is b for a, b in zip(items, value)) else items
    if isinstance(value, Struct):
        changed = {}
        for name in value.__struct_fields__:
            old = getattr(value, name)
            new = _aimed(old, resolvers, seen)
            if new is not old:
                changed[name] = new
        return replace(value, **changed) if changed else value
    return value


# TLS delivery (diagnoses.md §14). The MX or policy host is a name the finding is about; each
# builder checks it, so a name that is not a DNS name raises InvalidName like the others.


def openssl_starttls(mx: str, port: int = 25) -> FixCommand:
    """What the MX presents after STARTTLS: the dialogue, the chain, the verify result."""
    host = check_name(mx)
    return FixCommand(
        ("openssl", "s_client", "-connect", f"{host}:{int(port)}", "-starttls", "smtp",
         "-servername", host, "-showcerts"),
        f"show the certificate chain {host} presents after STARTTLS",
    )


def dig_tlsa(mx: str, port: int = 25) -> FixCommand:
    """The TLSA records of an MX with their signatures (a validating resolver sets `ad`)."""
    name = check_name(f"_{int(port)}._tcp.{check_name(mx)}")
    return FixCommand(("dig", "+dnssec", "TLSA", name),
                      f"show the TLSA records at {name} and whether they are DNSSEC-signed")


def curl_mta_sts(domain: str) -> FixCommand:
    """The policy file as a sender fetches it (no -L: a redirect is itself the fault)."""
    host = check_name(f"mta-sts.{check_name(domain)}")
    return FixCommand(("curl", "-sS", f"https://{host}/.well-known/mta-sts.txt"),
                      f"show the MTA-STS policy of {check_name(domain)} as senders fetch it")


def mailtriage_tls(domain: str) -> FixCommand:
    """`mailtriage tls DOMAIN`: every check of a TLS bounce at once (each MX's STARTTLS and
    certificate, MTA-STS, DANE, TLS-RPT)."""
    d = check_name(domain)
    return FixCommand(("mailtriage", "tls", d),
                      f"check every MX of {d}: STARTTLS, certificate, MTA-STS policy and DANE")


# The served key's `3 1 1` digest (diagnoses.md TLS-13): the MX arrives as "$1", never
# spliced into the script.
_TLSA_311 = ('openssl s_client -connect "$1:25" -starttls smtp -servername "$1" </dev/null '
             '2>/dev/null | openssl x509 -noout -pubkey | openssl pkey -pubin -outform DER '
             '| openssl dgst -sha256 -binary | xxd -p -c 64')


def tlsa_digest(mx: str) -> FixCommand:
    host = check_name(mx)
    return FixCommand(("sh", "-c", _TLSA_311, "sh", host),
                      f"compute the 3 1 1 TLSA digest of the key {host} serves now")


def publish_tlsa(mx: str, digest: str, port: int = 25) -> RecordFix:
    """A `3 1 1` record (DANE-EE, public key, SHA-256): keeps matching across renewals that
    reuse the key."""
    if len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest.lower()):
        raise ValueError("a 3 1 1 digest is 64 hex digits")
    name = check_name(f"_{int(port)}._tcp.{check_name(mx)}")
    return RecordFix(name, "TLSA", f"3 1 1 {digest.lower()}",
                     f"publish the digest of the key {check_name(mx)} serves now")


def publish_mta_sts_txt(domain: str, policy_id: str) -> RecordFix:
    """`v=STSv1; id=…`; the id is letters and digits only (RFC 8461 §3.1)."""
    if not (0 < len(policy_id) <= 32 and policy_id.isascii() and policy_id.isalnum()):
        raise ValueError("an MTA-STS id is 1 to 32 letters and digits")
    d = check_name(domain)
    return RecordFix(f"_mta-sts.{d}", "TXT", f"v=STSv1; id={policy_id}",
                     f"announce the MTA-STS policy of {d} (a new id makes senders re-fetch it)")


def publish_tlsrpt(domain: str) -> RecordFix:
    """`v=TLSRPTv1; rua=mailto:tls-reports@DOMAIN` (RFC 8460 §3): senders then report
    failures instead of failing unseen."""
    d = check_name(domain)
    return RecordFix(f"_smtp._tls.{d}", "TXT", f"v=TLSRPTv1; rua=mailto:tls-reports@{d}",
                     f"ask senders to mail TLS reports for {d}")
