"""Authentication-Results as real receivers write them (Gmail, Microsoft 365, OpenDKIM),
Received-SPF, and the trace headers around them."""
from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wizard.input.message import parse_message
from wizard.receiver.auth_results import parse_auth_results

CORPUS = Path(__file__).parents[4] / "shared/data/bounces"
TAIL = b"From: a@example.com\r\nSubject: x\r\n\r\nbody\r\n"
GMAIL = (
    "mx.google.com;\r\n"
    "       dkim=pass header.i=@example.com header.s=20230601 header.b=AbCdEfGh;\r\n"
    "       spf=pass (google.com: domain of bounce@example.com designates 209.85.220.41 as "
    "permitted sender) smtp.mailfrom=bounce@example.com;\r\n"
    "       dmarc=pass (p=REJECT sp=REJECT dis=NONE) header.from=example.com;\r\n"
    "       arc=pass (i=1 spf=pass spfdomain=example.com dkim=pass dkdomain=example.com "
    "dmarc=pass fromdomain=example.com)"
)
MICROSOFT = (
    "spf=pass (sender IP is 40.107.22.54)\r\n smtp.mailfrom=example.com; dkim=pass (signature "
    "was verified)\r\n header.d=example.com;dmarc=pass action=none\r\n header.from=example.com;"
    "compauth=fail reason=001"
)


def parse(*fields: tuple[str, str], tail: bytes = TAIL):
    raw = b"".join(f"{name}: {value}\r\n".encode() for name, value in fields) + tail
    return parse_auth_results(parse_message(raw))


def one(result_set, method):
    (r,) = [r for r in result_set.results if r.method == method]
    return r


def test_gmail():
    rs = parse(("Authentication-Results", GMAIL))
    (field,) = rs.fields
    assert field.authserv_id == "mx.google.com" and field.trusted and field.repairs == ()
    assert [r.method for r in rs.results] == ["dkim", "spf", "dmarc", "arc"]
    assert rs.trusted_authserv_id == "mx.google.com"
    spf = one(rs, "spf")
    assert spf.prop("smtp.mailfrom") == "bounce@example.com"
    assert "designates 209.85.220.41" in spf.comment  # authres drops comments; we keep them
    assert one(rs, "dmarc").comment == "p=REJECT sp=REJECT dis=NONE"
    arc = one(rs, "arc")
    assert arc.prop("arc.dkdomain") == "example.com" and arc.prop("arc.i") == "1"
    assert any(f.id == "ARC-08" for f in rs.findings)
    assert [f.id for f in rs.findings if f.id == "AR-02"] == []


def test_microsoft_without_authserv_id_and_missing_space():
    rs = parse(("Authentication-Results", MICROSOFT))
    (field,) = rs.fields
    assert field.authserv_id is None and field.trusted
    assert [(r.method, r.result) for r in rs.results] == [
        ("spf", "pass"), ("dkim", "pass"), ("dmarc", "pass"), ("compauth", "fail")]
    assert one(rs, "dmarc").prop("action") == "none"
    assert one(rs, "spf").hints[0].meaning == "the SPF client address (40.107.22.54)"
    compauth = one(rs, "compauth")
    assert compauth.reason == "001" and "not verified" in compauth.note
    ar07 = [f for f in rs.findings if f.id == "AR-07" and "compauth" in f.title]
    assert ar07 and ar07[0].title == "Microsoft compauth=fail reason=001"
    assert "not verified" in ar07[0].detail
    assert any(f.id == "AR-02" and "no authserv-id" in f.detail for f in rs.findings)


def test_hardfail_normalised_raw_kept():
    rs = parse(("Authentication-Results", "mx.example.org; spf=hardfail smtp.mailfrom=a@example.com"))
    spf = one(rs, "spf")
    assert (spf.result, spf.raw_result) == ("fail", "hardfail")
    assert any(f.id == "AR-03" for f in rs.findings)


def test_opendkim_postfix_78_missing_semicolon():
    text = (CORPUS / "lhost-postfix-78.eml").read_bytes()
    returned = text.split(b"Content-Type: message/rfc822\n\n", 1)[1]
    rs = parse_auth_results(parse_message(returned))
    assert rs.trusted_authserv_id == "xp1.example.co.jp"
    dkims = [r for r in rs.results if r.method == "dkim"]
    assert len(dkims) == 2  # authres alone would merge them into one
    assert dkims[0].comment == "2048-bit key; unprotected"
    assert {h.ids for h in dkims[0].hints} == {("DKIM-KEY-08",), ("DNS-08",)}
    assert any(f.id == "AR-02" and "';' missing" in f.detail for f in rs.findings)


def test_arf_19_comments_map_to_diagnoses():
    text = (CORPUS / "arf-19.eml").read_bytes()
    part = next(p for p in text.split(b"--===============00000000002222200==") if b"Feedback-Type" in p)
    report = part.split(b"\n\n", 1)[1]
    rs = parse_auth_results(parse_message(report))
    fail, permerror = [r for r in rs.results if r.method == "dkim"]
    assert fail.prop("header.d") == "ietf.org" and "DKIM-KEY-14" in fail.hints[0].ids
    assert permerror.hints[0].ids == ("CANON-01",)
    assert one(rs, "spf").result == "pass"


@pytest.mark.parametrize(
    ("comment", "expected"),
    [
        ("body hash did not verify", "CANON-01"),
        ("signature verify error: message body does not hash to bh value", "CANON-01"),
        ("signature did not verify", "DKIM-KEY-14"),
        ("bad signature", "CANON-13"),
        ("signature verification failed", "DKIM-KEY-14"),
        ("no key for signature", "DKIM-KEY-01"),
        ("key not found", "DKIM-KEY-01"),
        ("key syntax error", "DKIM-KEY-05"),
        ("bad key", "DKIM-KEY-05"),
        ("signature expired", "DKIM-SIG-16"),
        ("1024-bit key", "DKIM-KEY-08"),
        ("2048-bit key; unprotected", "DNS-08"),
        ("message not signed", "DKIM-SIG-01"),
        ("sender IP is 192.0.2.1", "EVID-07"),
    ],
)
def test_comment_table(comment, expected):
    rs = parse(("Authentication-Results", f"mx.example.org; dkim=fail ({comment}) header.d=example.com"))
    r = one(rs, "dkim")
    assert any(expected in h.ids for h in r.hints)
    assert any(f.id == "AR-06" and expected in f.detail for f in rs.findings)


def test_policy_and_neutral():
    rs = parse(("Authentication-Results",
                "mx.example.org; dkim=policy header.d=a.example; dkim=neutral (body hash did not "
                "verify) header.d=b.example"))
    ids = [f.id for f in rs.findings]
    assert "AR-04" in ids and "AR-05" in ids
    assert any(f.id == "AR-06" and "CANON-01" in f.detail for f in rs.findings)


def test_header_b_picks_the_signature():
    rs = parse(("Authentication-Results",
                "mx.example.org; dkim=pass header.d=example.com header.b=AbCdEfGh; "
                "dkim=fail header.d=example.com header.b=XyZ12345"))
    (match,) = rs.for_signature("example.com", "XyZ12345restofsig==")
    assert match.result == "fail"
    (match,) = rs.for_signature("example.com", "AbCdEfGh\r\n more")
    assert match.result == "pass"
    assert rs.for_signature("other.example", "zzz") == ()


def test_forged_lower_result_with_receivers_name_ignored():
    rs = parse(
        ("Authentication-Results", "mx.google.com; dkim=fail header.d=example.com"),
        ("Received", "from a (a [203.0.113.1]) by mx.google.com; Mon, 1 Jan 2024 00:00:00 +0000"),
        ("Authentication-Results", "mx.google.com; dkim=pass header.d=example.com"),
    )
    assert [r.trusted for r in rs.results] == [True, False]
    assert [r.result for r in rs.trusted] == ["fail"]
    assert any(f.id == "AR-01" and f.severity == "warn" for f in rs.findings)


def test_same_hop_fields_all_trusted():
    rs = parse(
        ("Authentication-Results", "neko.example.jp; dmarc=none (p=none dis=none) header.from=x.example"),
        ("Authentication-Results", "neko.example.jp; spf=fail smtp.helo=x.example"),
        ("Received", "by x.example (Postfix) id 1; Thu, 5 Apr 2022 18:30:22 +0900"),
    )
    assert [r.trusted for r in rs.results] == [True, True]


def test_no_authentication_results():
    rs = parse()
    assert [f.id for f in rs.findings] == ["AR-11"]


def test_received_spf():
    rs = parse(("Received-SPF", 'softfail (example.org: domain of transitioning a@example.com does '
                                'not designate 192.0.2.1 as permitted sender) client-ip=192.0.2.1; '
                                'envelope-from="a@example.com"; helo=mx.example.com;'))
    (spf,) = rs.received_spf
    assert (spf.result, spf.client_ip, spf.envelope_from, spf.helo) == (
        "softfail", "192.0.2.1", "a@example.com", "mx.example.com")
    assert any(f.id == "SPF-21" for f in rs.findings)


def test_received_spf_microsoft_without_client_ip_key():
    rs = parse(("Received-SPF", "Pass (protection.outlook.com: domain of example.com designates "
                                "104.47.124.209 as permitted sender) receiver=protection.outlook.com;"))
    assert rs.received_spf[0].client_ip == "104.47.124.209"
    assert rs.received_spf[0].raw_result == "Pass" and rs.received_spf[0].result == "pass"


def test_original_results_from_a_forwarder():
    rs = parse(
        ("Authentication-Results", "mx.example.org; dkim=fail header.d=example.com"),
        ("X-Original-Authentication-Results", "mx.google.com; dkim=pass header.i=@example.com; "
                                              "spf=pass smtp.mailfrom=a@example.com"),
    )
    assert [(r.method, r.result, r.trusted) for r in rs.original] == [
        ("dkim", "pass", False), ("spf", "pass", False)]
    assert any(f.id == "AR-10" and "dkim=pass" in f.detail for f in rs.findings)


def test_arc_fail_points_at_arc_04():
    rs = parse(("Authentication-Results", "mx.example.org; arc=fail (signature failed)"))
    arc = one(rs, "arc")
    assert any("ARC-04" in h.ids for h in arc.hints)
    assert any(f.id == "ARC-08" and "ARC-04" in f.detail for f in rs.findings)


def test_yahoo_legacy_layout_read():
    rs = parse(("Authentication-Results", "mta508.mail.kks.y.example.co.jp  from=y.example.co.jp; "
                                          "domainkeys=pass (ok); dkim=pass (ok); header.i=@y.example.co.jp"))
    assert [(r.method, r.result) for r in rs.results] == [("domainkeys", "pass"), ("dkim", "pass")]
    assert rs.fields[0].authserv_id == "mta508.mail.kks.y.example.co.jp"


_chunk = st.sampled_from(["mx.example.org", ";", "; ", " ", "dkim", "spf", "=", "pass", "fail",
                          "(", ")", "(comment)", "header.d", "header.b=abc", "smtp.mailfrom=a@b",
                          '"', "reason=", '"quoted"', "\\", "none", "1", "/", "compauth", "."])


@settings(max_examples=300, deadline=None)
@given(st.lists(_chunk, max_size=25).map("".join) | st.text(max_size=80))
def test_random_values_never_raise(value):
    value = value.replace("\r", " ").replace("\n", " ")
    parse(("Authentication-Results", value), ("Received-SPF", value),
          ("X-Original-Authentication-Results", value))
