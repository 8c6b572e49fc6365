"""A DNS label with a line break in it is not a name, and never reaches a `dig` command."""
from __future__ import annotations

import pytest

from wizard import fixes
from wizard.common.dnsname import InvalidName, check_name, is_valid_name


@pytest.mark.parametrize("name", ["sel\n._domainkey.example.com", "example\n.com", "a.b\n\n.example.com"])
def test_a_label_ending_in_a_newline_is_refused(name):
    assert not is_valid_name(name)
    with pytest.raises(InvalidName):
        check_name(name)
    with pytest.raises(InvalidName):
        fixes.dig_short(name)
    assert fixes.txt_record(name, "v=spf1 -all", "publish") == ()


def test_ordinary_names_still_pass():
    assert check_name("Sel2026._domainkey.Example.COM.") == "sel2026._domainkey.example.com"
    assert [c.argv for c in fixes.dig_short("example.com")] == [("dig", "+short", "TXT", "example.com")]
