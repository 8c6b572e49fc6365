"""Received fields as Postfix, Sendmail, Exim, qmail, Exchange and Gmail write them."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wizard.input.message import parse_message
from wizard.input.received import parse_received


def chain(*values: str):
    raw = "".join(f"Received: {v}\r\n" for v in values) + "From: a@example.com\r\n\r\nbody\r\n"
    return parse_received(parse_message(raw.encode()))


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (  # Postfix
            "from mbox.example.jp (ip-198-51-100-87.example.internal [198.51.100.87])\r\n"
            "\tby xp1.example.co.jp (Postfix) with ESMTPS id 0RFlldw6l7ztPdNS\r\n"
            "\tfor <neko@example.co.jp>; Fri,  5 Aug 2022 05:22:50 +0900 (JST)",
            ("mbox.example.jp", "ip-198-51-100-87.example.internal", "198.51.100.87",
             "xp1.example.co.jp", "ESMTPS", True),
        ),
        (  # Gmail
            "from mail-sor-f41.google.com (mail-sor-f41.google.com. [209.85.220.41]) by "
            "mx.google.com with SMTPS id x; Mon, 1 Jan 2024 00:00:00 -0800 (PST)",
            ("mail-sor-f41.google.com", "mail-sor-f41.google.com", "209.85.220.41",
             "mx.google.com", "SMTPS", True),
        ),
        (  # Exchange / Microsoft 365
            "from APC01-HK2-obe.outbound.protection.outlook.com (104.47.124.209) by "
            "BN3NAM04FT004.mail.protection.outlook.com (10.152.92.98) with Microsoft SMTP Server "
            "(version=TLS1_2, cipher=TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384_P384) id 15.20.1; "
            "Sat, 22 Nov 2014 07:11:04 +0900",
            ("APC01-HK2-obe.outbound.protection.outlook.com", None, "104.47.124.209",
             "BN3NAM04FT004.mail.protection.outlook.com", "Microsoft SMTP Server", True),
        ),
        (  # qmail: the HELO hint is a claim, the last address is the client
            "from unknown (HELO ?192.0.2.3?) (192.0.2.135 with plain) by "
            "applesmtp521.mail.example.co.jp with SMTP; 21 Nov 2014 22:11:03 -0000",
            ("?192.0.2.3?", None, "192.0.2.135", "applesmtp521.mail.example.co.jp", "SMTP", False),
        ),
        (  # Sendmail with an address literal HELO
            "from [172.31.127.64] (p25-nyaan.kyoto.example.ne.jp [203.0.113.25]) (authenticated "
            "bits=128) by neko.example.jp (V8/cf) with ESMTP id 01SLcdIF017306 for "
            "<libsisimai@googlegroups.com>; Thu, 29 Apr 2019 23:34:45 +0900",
            ("[172.31.127.64]", "p25-nyaan.kyoto.example.ne.jp", "203.0.113.25", "neko.example.jp",
             "ESMTP", False),
        ),
        (  # Exim
            "from mail.example.com ([192.0.2.1] helo=smtp.example.com) by mx.example.org with "
            "esmtps (TLS1.3) tls TLS_AES_256_GCM_SHA384 (Exim 4.96) (envelope-from <a@b>) id "
            "1abc-000 for x@y; Mon, 1 Jan 2024 00:00:00 +0000",
            ("smtp.example.com", "mail.example.com", "192.0.2.1", "mx.example.org", "esmtps", True),
        ),
        (  # IPv6 literal
            "from out.example.com (out.example.com [IPv6:2001:db8::25]) by mx.example.org "
            "(Postfix) with ESMTP id X; Mon, 1 Jan 2024 00:00:00 +0000",
            ("out.example.com", "out.example.com", "2001:db8::25", "mx.example.org", "ESMTP", False),
        ),
    ],
)
def test_layouts(value, expected):
    (hop,) = chain(value).hops
    assert (hop.from_helo, hop.from_rdns, hop.from_ip, hop.by, hop.with_protocol, hop.tls) == expected
    assert hop.timestamp is not None and hop.timestamp.tzinfo is not None


def test_local_hop_without_from():
    (hop,) = chain("by cat3.example.com (Postfix) id cf84Cn8h0Wzs7xNL; Thu,  5 Apr 2022 "
                   "18:30:22 +0900 (JST)").hops
    assert (hop.from_ip, hop.by, hop.id) == (None, "cat3.example.com", "cf84Cn8h0Wzs7xNL")
    assert hop.timestamp == datetime(2022, 4, 5, 9, 30, 22, tzinfo=UTC)


def test_minus_zero_zone_is_utc():
    (hop,) = chain("by x.example; 21 Nov 2014 22:11:03 -0000").hops
    assert hop.timestamp == datetime(2014, 11, 21, 22, 11, 3, tzinfo=UTC)


def test_delays_and_clock_skew():
    ch = chain(
        "from b (b [203.0.113.2]) by c.example; Mon, 1 Jan 2024 03:00:00 +0000",  # 3 h queued
        "from a (a [203.0.113.1]) by b.example; Mon, 1 Jan 2024 00:00:00 +0000",
        "from z (z [203.0.113.9]) by a.example; Mon, 1 Jan 2024 00:30:00 +0000",  # 30 min ahead
    )
    assert [h.delay_from_previous for h in ch.hops] == [10800.0, -1800.0, None]
    kinds = [(f.severity, f.title.split(":")[0]) for f in ch.findings]
    assert ("info", "The message waited 3.0 hours before hop 0 (c.example)") in [
        (f.severity, f.title) for f in ch.findings]
    assert ("warn", "Clock skew") in kinds


def test_unreadable_date_reported():
    ch = chain("from a (a [203.0.113.1]) by b.example; yesterday-ish")
    assert ch.hops[0].timestamp is None
    assert ch.findings[0].title == "Received field 0 has no readable date"


def test_client_is_newest_external_hop():
    ch = chain(
        "from internal (internal [10.0.0.5]) by mx2.example.org; Mon, 1 Jan 2024 00:00:05 +0000",
        "from out.sender.example (out.sender.example [198.51.100.20]) by mx1.example.org with "
        "ESMTPS; Mon, 1 Jan 2024 00:00:03 +0000",
        "from laptop (laptop [192.168.1.10]) by out.sender.example; Mon, 1 Jan 2024 00:00:00 +0000",
    )
    assert ch.client() == ("198.51.100.20", "out.sender.example")
    assert chain("by localhost; Mon, 1 Jan 2024 00:00:00 +0000").client() is None


def test_cap():
    ch = chain(*["from a (a [203.0.113.1]) by b; Mon, 1 Jan 2024 00:00:00 +0000"] * 150)
    assert len(ch.hops) == 100 and ch.cap is not None and ch.cap.seen == 150


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=120) | st.lists(st.sampled_from(
    ["from", "by", "with", "id", "for", "via", " ", "(", ")", "[", "]", "1.2.3.4", "IPv6:",
     "::1", "helo=", "HELO", ";", "Mon, 1 Jan 2024 00:00:00 +0000", "x.example", "-0000",
     "99 Foo 99999 99:99:99 +9999"]), max_size=20).map(" ".join))
def test_random_values_never_raise(value):
    value = value.replace("\r", " ").replace("\n", " ")
    ch = chain(value, value)
    for hop in ch.hops:
        assert hop.timestamp is None or hop.timestamp.tzinfo is not None
    ch.client()


def test_delay_uses_aware_times_across_zones():
    ch = chain("by b; Mon, 1 Jan 2024 09:00:00 +0900", "by a; Mon, 1 Jan 2024 00:00:00 +0000")
    assert ch.hops[0].delay_from_previous == 0.0
    assert ch.hops[0].timestamp - ch.hops[1].timestamp == timedelta(0)
