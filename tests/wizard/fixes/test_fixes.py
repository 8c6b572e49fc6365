"""The fix-command builders: the commands a user copies must ask what they say, and no value
from a message may ever reach a command line unless it is a valid DNS name (DESIGN.md rule 5)."""
from __future__ import annotations

import re
import subprocess

import dns.rdata
import dns.rdataclass
import dns.rdatatype
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wizard import fixes
from wizard.common.dnsname import InvalidName

HOSTILE = [
    "example.com;rm -rf ~",
    "$(reboot)",
    "`reboot`",
    "example.com `id`",
    "exa mple.com",
    "example.com\nrm -rf ~",
    "example.com\x1b]52;c;aGk=\x07",
    "-oProxyCommand=x",
    "example.com|sh",
    "a..b",
    "",
]

# Every builder that takes a name, called with the hostile value in each name position.
BUILDERS = [
    lambda bad: fixes.dig_txt(bad),
    lambda bad: fixes.dig_txt(bad, ["127.0.0.1:5353"]),
    lambda bad: fixes.dig_short(bad, "A"),
    lambda bad: fixes.dig_answer(bad),
    lambda bad: fixes.dig_trace(bad),
    lambda bad: fixes.dig_authoritative(bad, "example.com"),
    lambda bad: fixes.dig_authoritative("s._domainkey.example.com", bad),
    lambda bad: fixes.dig_dnssec_compare(bad),
    lambda bad: fixes.opendkim_testkey(bad, "sel"),
    lambda bad: fixes.opendkim_testkey("example.com", bad),
    lambda bad: fixes.openssl_key_size(bad, "sel"),
    lambda bad: fixes.openssl_key_size("example.com", bad),
    lambda bad: fixes.spf_check(bad),
    lambda bad: fixes.dmarc_check(bad),
    lambda bad: fixes.fcrdns("192.0.2.1", bad),
    lambda bad: fixes.publish_dkim_key(bad, "sel", "QUJD"),
    lambda bad: fixes.publish_dkim_key("example.com", bad, "QUJD"),
    lambda bad: fixes.revoke_dkim_key(bad, "sel"),
    lambda bad: fixes.publish_dmarc(bad),
]


@pytest.mark.parametrize("bad", HOSTILE)
@pytest.mark.parametrize("build", BUILDERS)
def test_hostile_names_are_refused_with_a_message(build, bad):
    with pytest.raises(InvalidName) as refused:
        build(bad)
    assert "not" in str(refused.value)  # a sentence saying what is wrong, not a bare repr


@pytest.mark.parametrize("spec", ["127.0.0.1:53;id", "$(reboot)", "ns1.example.com", "1.2.3.4:99999"])
def test_hostile_resolver_specs_are_refused(spec):
    with pytest.raises(InvalidName):
        fixes.dig_txt("example.com", [spec])


_SAFE_ARG = re.compile(r"^[A-Za-z0-9_.:@+\-/=\[\] ]*$")


def _all_commands(name: str):
    return [
        *fixes.dig_txt(name, ["127.0.0.1:5353", "system"]),
        fixes.dig_answer(name), fixes.dig_trace(name), fixes.dig_authoritative(name, name),
        *fixes.dig_dnssec_compare(name), fixes.opendkim_testkey(name, "sel"),
        fixes.openssl_key_size(name, "sel", "127.0.0.1:5353"), fixes.spf_check(name), fixes.dmarc_check(name),
    ]


@settings(max_examples=150, deadline=None)
@given(st.text(min_size=0, max_size=40))
def test_any_text_is_refused_or_becomes_one_plain_argument(text):
    """Whatever a message holds: either refused, or it lands in argv as a plain DNS name in
    its own element (the sh -c scripts are constants: only "$1"... carry values)."""
    try:
        commands = _all_commands(text)
    except InvalidName:
        return
    for command in commands:
        if command.argv[:2] == ("sh", "-c"):
            values = command.argv[3:]
        else:
            values = command.argv
        for arg in values:
            assert _SAFE_ARG.match(arg), arg
            assert not arg.startswith("-") or arg in {"-p", "-x", "-d", "-s", "-vvv"}


def test_scripts_do_not_change_with_the_name():
    a = fixes.dig_authoritative("s1._domainkey.example.com", "example.com")
    b = fixes.dig_authoritative("s2._domainkey.other.example", "other.example")
    assert a.argv[2] == b.argv[2]
    assert a.argv[4:] == ("s1._domainkey.example.com", "example.com", "TXT")
    assert "example.com" not in a.argv[2]


def test_dig_txt_one_command_per_resolver():
    commands = fixes.dig_txt("S1._domainkey.Example.COM.", ["127.0.0.1:5353", "[::1]:53", "9.9.9.9", "system"])
    assert [c.argv for c in commands] == [
        ("dig", "+short", "TXT", "s1._domainkey.example.com", "@127.0.0.1", "-p", "5353"),
        ("dig", "+short", "TXT", "s1._domainkey.example.com", "@::1"),
        ("dig", "+short", "TXT", "s1._domainkey.example.com", "@9.9.9.9"),
        ("dig", "+short", "TXT", "s1._domainkey.example.com"),
    ]
    assert commands[0].shell == "dig +short TXT s1._domainkey.example.com @127.0.0.1 -p 5353"
    assert fixes.dig_txt("example.com")[0].argv == ("dig", "+short", "TXT", "example.com")


def test_other_commands_match_the_reference_forms():
    assert fixes.dig_trace("_dmarc.example.com").shell == "dig +trace TXT _dmarc.example.com"
    assert fixes.opendkim_testkey("example.com", "sel").shell == "opendkim-testkey -d example.com -s sel -vvv"
    assert fixes.dmarc_check("mail.example.com").shell == "dig +short TXT _dmarc.mail.example.com"
    assert [c.shell for c in fixes.dig_dnssec_compare("_dmarc.example.com")] == [
        "dig TXT _dmarc.example.com", "dig +cd TXT _dmarc.example.com"]
    assert [c.shell for c in fixes.fcrdns("2001:db8::25", "mail.example.com")] == [
        "dig +short -x 2001:db8::25", "dig +short AAAA mail.example.com"]
    with pytest.raises(InvalidName):
        fixes.fcrdns("192.0.2.1;id")


def test_authoritative_loop_runs_in_sh_with_the_name_as_an_argument(tmp_path):
    """Run the loop with a stand-in `dig` on PATH that logs its argv: the shell passes the
    name through untouched, one argument, even though it was never spliced into the script."""
    fake = tmp_path / "dig"
    fake.write_text('#!/bin/sh\nif [ "$2" = NS ]; then echo ns1.example.net.; else printf "%s|" "$@" >> "$LOG"; fi\n')
    fake.chmod(0o755)
    log = tmp_path / "log"
    command = fixes.dig_authoritative("s1._domainkey.example.com", "example.com")
    out = subprocess.run(command.argv, capture_output=True, text=True, timeout=10,
                         env={"PATH": f"{tmp_path}:/usr/bin:/bin", "LOG": str(log)})
    assert out.stdout == "== ns1.example.net.\n"
    assert log.read_text() == "+short|TXT|s1._domainkey.example.com|@ns1.example.net.|"


def test_publish_records():
    record = fixes.publish_dkim_key("Example.com", "sel2026", "QUJD REVG\n", "rsa")
    assert record.name == "sel2026._domainkey.example.com"
    assert record.value == "v=DKIM1; k=rsa; p=QUJDREVG"
    assert record.zone_line == 'sel2026._domainkey.example.com. 3600 IN TXT "v=DKIM1; k=rsa; p=QUJDREVG"'
    assert fixes.revoke_dkim_key("example.com", "old").value == "v=DKIM1; p="
    with pytest.raises(ValueError):
        fixes.publish_dkim_key("example.com", "s", '"QUJD"')
    with pytest.raises(ValueError):
        fixes.publish_dkim_key("example.com", "s", "QUJD", "dsa")


def test_publish_dmarc():
    assert fixes.publish_dmarc("example.com").value == "v=DMARC1; p=none"
    record = fixes.publish_dmarc("example.com", "reject", "mailto:DMARC@Reports.Example.com")
    assert record.name == "_dmarc.example.com"
    assert record.value == "v=DMARC1; p=reject; rua=mailto:DMARC@reports.example.com"
    rdata = dns.rdata.from_text(dns.rdataclass.IN, dns.rdatatype.TXT, record.zone_line.split(" IN TXT ")[1])
    assert b"".join(rdata.strings).decode() == record.value
    for bad in ("a;p=none@example.com", "x@exa mple.com", "nobody", "a,b@example.com"):
        with pytest.raises(InvalidName):
            fixes.publish_dmarc("example.com", rua=bad)
    with pytest.raises(ValueError):
        fixes.publish_dmarc("example.com", "block")


def test_openssl_commands_refuse_option_like_paths():
    assert fixes.openssl_generate_key("-new.pem").argv == ("openssl", "genrsa", "-out", "./-new.pem", "2048")
    assert fixes.openssl_public_key_b64("-k.pem").argv[-1] == "./-k.pem"
    with pytest.raises(ValueError):
        fixes.openssl_public_key_b64("a\nb")


def test_opendkim_testkey_with_the_private_key():
    command = fixes.opendkim_testkey("example.com", "sel", "keys/sel.private")
    assert command.shell == "opendkim-testkey -d example.com -s sel -k keys/sel.private -vvv"


@pytest.mark.parametrize("bad", HOSTILE + ["_dmarc." + "a" * 63 + ("." + "b" * 63) * 3])
def test_finding_builders_offer_nothing_for_a_name_dns_cannot_hold(bad):
    # A finding about such a name still appears; it just carries no command to copy.
    assert fixes.dig_query(bad, purpose="look") == ()
    assert fixes.txt_record(bad, "v=spf1 -all", "publish") == ()
    assert fixes.dig_command(None, bad, "TXT") is None


def test_finding_builders_ask_what_they_say():
    (cname,) = fixes.dig_query("_dmarc.example.com", "TXT", "+noall", "+answer", purpose="chain")
    assert cname.shell == "dig +noall +answer TXT _dmarc.example.com"
    (mx,) = fixes.dig_query("example.com", "MX", purpose="show the MX")
    assert (mx.shell, mx.purpose) == ("dig +short MX example.com", "show the MX")
    (record,) = fixes.txt_record("example.com", "v=spf1 ip4:192.0.2.1 ~all", "starter")
    assert record.zone_line == 'example.com. 3600 IN TXT "v=spf1 ip4:192.0.2.1 ~all"'
