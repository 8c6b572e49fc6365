"""URL wrapper decoding and intermediary recognition (CAUSE-01…08, CANON-12)."""
from __future__ import annotations

import pytest

from tests.wizard.signing_helpers import WRAP, plain, text_body
from wizard.input.message import parse_message
from wizard.transit.intermediaries import (
    WRAPPERS,
    find_wrapped,
    recognise_intermediaries,
    strip_subject_tag,
    unwrap,
)

BY_NAME = {w.name: w for w in WRAPPERS}
URLS = ["https://example.org/", "https://example.org/a/b-c_d?x=1&y=two+three#frag",
        "http://sub.example.net:8080/p%20q?u=%C3%A9"]


@pytest.mark.parametrize("name", sorted(WRAP))
@pytest.mark.parametrize("url", URLS)
def test_each_wrapper_round_trips(name, url):
    text = f"See {WRAP[name](url)} today.\r\n".encode()
    assert find_wrapped(text) == {name: 1}
    result = unwrap(text, BY_NAME[name])
    assert result is not None and result.count == 1
    assert result.body == f"See {url} today.\r\n".encode()


def test_proofpoint_v3_published_example():
    # The example from Proofpoint's own decoder documentation: '*' carries '+' via "Kw".
    wrapped = ("https://urldefense.com/v3/__https://google.com:443/search?q=a*test&gs=ps__;Kw!-612Flbf0JvQ3kN"
               "JkRi5Jg!Ue6tQudNKaShHg93trcdjqDP8se2ySE65jyCIe2K1D_uNjZ1Lnf6YLQERujngZv9UWf66ujQIQ$")
    out = unwrap(wrapped.encode(), BY_NAME["Proofpoint URL Defense v3"])
    assert out.body == b"https://google.com:443/search?q=a+test&gs=ps"


def test_proofpoint_v2_published_example():
    wrapped = b"https://urldefense.proofpoint.com/v2/url?u=http-3A__www.example.com_&d=DwMFAg&c=abc&r=def&m=g&s=h&e="
    assert unwrap(wrapped, BY_NAME["Proofpoint URL Defense v2"]).body == b"http://www.example.com/"


def test_mimecast_links_are_recognised_but_not_reversible():
    body = b"Go to https://protect-eu.mimecast.com/s/AbCdEfGhIj?domain=example.org now\r\n"
    assert find_wrapped(body) == {"Mimecast URL Protect": 1}
    assert unwrap(body, BY_NAME["Mimecast URL Protect"]) is None


def test_html_ampersands_in_safe_links_are_consumed():
    url = "https://example.org/x?a=1"
    wrapped = WRAP["Microsoft Safe Links"](url).replace("&", "&amp;")
    out = unwrap(f'<a href="{wrapped}">x</a>'.encode(), BY_NAME["Microsoft Safe Links"])
    assert out.body == f'<a href="{url}">x</a>'.encode()


def _causes(raw: bytes, **kw) -> dict[str, object]:
    return {i.cause: i for i in recognise_intermediaries(parse_message(raw), **kw)}


def test_mailing_list_is_recognised():
    raw = plain(text_body(), extra=b"List-Id: Team <team.lists.example.org>\r\nX-Mailman-Version: 3.3.8\r\n")
    found = _causes(raw)
    assert "CAUSE-01" in found and "List-Id: Team <team.lists.example.org>" in found["CAUSE-01"].evidence


def test_google_groups_is_recognised():
    raw = plain(text_body(), extra=b"X-Google-Group-Id: 12345\r\nMailing-list: list team@googlegroups.com\r\n")
    assert _causes(raw)["CAUSE-02"].name == "Google Groups"


def test_gateway_hop_above_the_signature_is_after_signing():
    raw = (b"Received: from mx1.example.net by mx0a-001.pphosted.com with ESMTP; Mon, 23 Nov 2026\r\n"
           b"DKIM-Signature: v=1; d=example.com; s=s; h=from; bh=x; b=y\r\n"
           b"Received: from app.example.com by out.example.com; Mon, 23 Nov 2026\r\n" + plain(text_body()))
    msg = parse_message(raw)
    sig = msg.get("DKIM-Signature")
    found = {i.cause: i for i in recognise_intermediaries(msg, signature_index=sig.index)}
    assert found["CAUSE-03"].after_signing is True


def test_exchange_and_mimecast_headers():
    raw = plain(text_body(), extra=b"X-MS-Exchange-Organization-SCL: 1\r\nX-Mimecast-Spam-Score: 2\r\n")
    found = _causes(raw)
    assert found["CAUSE-08"].name.startswith("Microsoft Exchange")
    assert found["CAUSE-05"].name == "Mimecast"


@pytest.mark.parametrize("subject,tag,rest", [
    (" [EXTERNAL] Invoice", "[EXTERNAL]", " Invoice"),
    (" *** SPAM *** Invoice", "*** SPAM ***", " Invoice"),
    (" Re: [team] Lunch", "[team]", " Re: Lunch"),
    (" Invoice [SUSPICIOUS]", "[SUSPICIOUS]", " Invoice"),
    (" EXTERNAL: Invoice", "EXTERNAL:", " Invoice"),
])
def test_subject_tags_are_stripped(subject, tag, rest):
    assert any(t == tag and v == rest for _, t, v in strip_subject_tag(subject))
