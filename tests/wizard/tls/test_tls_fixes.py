"""The TLS checks' commands and records (wizard.fixes): argv lists, names checked first."""
from __future__ import annotations

import pytest

from wizard.fixes import (
    InvalidName,
    curl_mta_sts,
    dig_tlsa,
    openssl_starttls,
    publish_mta_sts_txt,
    publish_tlsa,
    publish_tlsrpt,
    tlsa_digest,
)


def test_commands_are_the_documented_lines():
    assert openssl_starttls("mx.example.com").shell == (
        "openssl s_client -connect mx.example.com:25 -starttls smtp -servername mx.example.com "
        "-showcerts")
    assert dig_tlsa("mx.example.com").shell == "dig +dnssec TLSA _25._tcp.mx.example.com"
    assert curl_mta_sts("example.com").shell == (
        "curl -sS https://mta-sts.example.com/.well-known/mta-sts.txt")
    # The MX travels as "$1": the script text is constant.
    argv = tlsa_digest("mx.example.com").argv
    assert argv[:2] == ("sh", "-c") and argv[-1] == "mx.example.com"
    assert "mx.example.com" not in argv[2]


def test_records_to_publish():
    assert publish_tlsa("mx.example.com", "AB" * 32).zone_line == (
        "_25._tcp.mx.example.com. 3600 IN TLSA 3 1 1 " + "ab" * 32)
    assert publish_mta_sts_txt("example.com", "20261203T1530Z").zone_line == (
        '_mta-sts.example.com. 3600 IN TXT "v=STSv1; id=20261203T1530Z"')
    assert publish_tlsrpt("example.com").value == "v=TLSRPTv1; rua=mailto:tls-reports@example.com"


@pytest.mark.parametrize("build", [
    lambda: openssl_starttls("mx.example.com; rm -rf ~"),
    lambda: dig_tlsa("-oops"),
    lambda: curl_mta_sts("exa mple.com"),
    lambda: tlsa_digest("$(reboot)"),
])
def test_names_that_are_not_dns_names_never_reach_a_command(build):
    with pytest.raises(InvalidName):
        build()


def test_bad_values_are_refused():
    with pytest.raises(ValueError):
        publish_tlsa("mx.example.com", "not-hex")
    with pytest.raises(ValueError):
        publish_mta_sts_txt("example.com", "2026-12-03")
