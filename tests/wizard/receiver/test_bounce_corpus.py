"""Every real-world bounce in the shared corpus (sisimai set-of-emails) yields the status and
recipients its manifest expects. One test per file, so a regression names the layout."""
from __future__ import annotations

import csv
from pathlib import Path

import pytest

from wizard.receiver.bounce import analyze_bounce

CORPUS = Path(__file__).parents[4] / "shared/data/bounces"


def _rows() -> list[dict[str, str]]:
    manifest = CORPUS / "manifest.csv"
    if not manifest.is_file():
        return []
    with manifest.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


ROWS = _rows()
pytestmark = pytest.mark.skipif(not ROWS, reason=f"bounce corpus not found at {CORPUS}")


def _split(value: str) -> list[str]:
    return [v.strip() for v in value.split("|") if v.strip()]


@pytest.mark.parametrize("row", ROWS, ids=[r["file"] for r in ROWS])
def test_corpus_file(row: dict[str, str]) -> None:
    analysis = analyze_bounce((CORPUS / row["file"]).read_bytes())
    assert analysis is not None, "a bounce or report must be recognised"
    bounce = analysis.bounce
    expected_status = _split(row["expected_status"])
    if not expected_status:
        # ARF reports and auto-replies: not a bounce (EVID-01).
        assert bounce.kind == "not_a_bounce"
    elif row["expected_status_is_sisimai_internal"] != "true":
        got = [r.status for r in bounce.per_recipient]
        if len(expected_status) == 1:
            assert bounce.status == expected_status[0]
        else:  # one value per recipient
            assert sorted(got) == sorted(expected_status)
    expected_rcpts = sorted(r.lower() for r in _split(row["recipient"]))
    assert sorted(r.lower() for r in bounce.recipients) == expected_rcpts


@pytest.mark.parametrize("eol", [b"\r\n", b"\r"], ids=["crlf", "cr"])
@pytest.mark.parametrize("row", ROWS, ids=[r["file"] for r in ROWS])
def test_line_endings_do_not_change_the_result(row: dict[str, str], eol: bytes) -> None:
    """Saved or pasted with CRLF (Windows) or CR (classic Mac) line ends: same diagnosis."""
    raw = (CORPUS / row["file"]).read_bytes().replace(b"\r\n", b"\n")
    lf = analyze_bounce(raw).bounce
    other = analyze_bounce(raw.replace(b"\n", eol)).bounce
    assert (other.kind, other.status, other.recipients, other.reply_code, other.stage) == (
        lf.kind, lf.status, lf.recipients, lf.reply_code, lf.stage)


@pytest.mark.parametrize(
    "name, layout",
    [
        ("lhost-exchange2007-04.eml", "Exchange / Office 365"),
        ("lhost-qmail-14.eml", "qmail"),
        ("lhost-exim-29.eml", "Exim"),
        ("lhost-postfix-70.eml", "Postfix"),
        ("lhost-dragonfly-01.eml", "DragonFly"),
        ("lhost-gmail-04.eml", "Gmail"),
        ("lhost-courier-03.eml", "Courier"),
    ],
)
def test_layout_recognised(name: str, layout: str) -> None:
    """DSN-09: the layout name is shown so engineers can check the parser's choice."""
    if not (CORPUS / name).is_file():
        pytest.skip(f"{name} not in corpus")
    bounce = analyze_bounce((CORPUS / name).read_bytes()).bounce
    assert bounce.layout.startswith(layout)


def _load(name: str):
    if not (CORPUS / name).is_file():
        pytest.skip(f"{name} not in corpus")
    return analyze_bounce((CORPUS / name).read_bytes())


def _ids(analysis) -> set[str]:
    return {f.id for f in analysis.findings}


def test_courier_status_less_specific_than_reply() -> None:
    """DSN-03: Status 5.0.0 shown, diagnosis based on the remote's 5.7.1."""
    analysis = _load("lhost-courier-03.eml")
    assert (analysis.bounce.dsn_status, analysis.bounce.status) == ("5.0.0", "5.7.1")
    assert analysis.bounce.enhanced_from == "reply"
    assert "DSN-03" in _ids(analysis)


@pytest.mark.parametrize("name", ["lhost-dragonfly-01.eml", "rhost-google-04.eml"])
def test_multiline_gmail_reply_joined(name: str) -> None:
    """DSN-04: one joined Gmail message, code 5.7.26, no continuation markers left."""
    bounce = _load(name).bounce
    assert bounce.status == "5.7.26"
    assert bounce.reply_text and "550-5.7.26" not in bounce.reply_text
    assert "550 5.7.26" not in bounce.reply_text


@pytest.mark.parametrize(
    "name, finding",
    [
        ("lhost-postfix-70.eml", "DMARC-16"),
        ("lhost-dragonfly-01.eml", "DMARC-16"),
        ("lhost-qmail-14.eml", "DMARC-16"),
        ("rhost-microsoft-04.eml", "DMARC-16"),
        ("lhost-dragonfly-02.eml", "DMARC-16"),
        ("lhost-postfix-71.eml", "DMARC-16"),
        ("lhost-postfix-73.eml", "DMARC-16"),
        ("rhost-tencent-03.eml", "DMARC-16"),
        ("rhost-google-04.eml", "PROV-02"),
        ("rhost-google-04.eml", "DSN-15"),
        ("rhost-google-04.eml", "SPF-13"),
        ("lhost-exim-29.eml", "SPF-13"),
        ("lhost-office365-03.eml", "SPF-13"),
        ("lhost-courier-03.eml", "SPF-13"),
        ("rhost-google-08.eml", "PROV-07"),
        ("lhost-postfix-28.eml", "PROV-07"),
        ("lhost-postfix-78.eml", "PROV-07"),
        ("lhost-dragonfly-06.eml", "DNS-13"),
        ("lhost-opensmtpd-14.eml", "DNS-13"),
        ("lhost-exim-32.eml", "DNS-13"),
        ("rhost-yahooinc-02.eml", "DSN-17"),
        ("rhost-microsoft-05.eml", "DSN-17"),
        ("rhost-yahooinc-01.eml", "PROV-03"),
        ("lhost-exchange2007-04.eml", "CAUSE-20"),
        ("lhost-postfix-65.eml", "CAUSE-20"),
        ("lhost-postfix-78.eml", "DSN-11"),
    ],
)
def test_corpus_findings(name: str, finding: str) -> None:
    analysis = _load(name)
    matches = [f for f in analysis.findings if f.id == finding]
    assert matches, f"{finding} expected, got {sorted(_ids(analysis))}"
    assert all(f.evidence for f in matches if f.id != "DSN-12")


@pytest.mark.parametrize("name", ["lhost-exchange2007-04.eml", "lhost-postfix-65.eml"])
def test_smtp_auth_bounces_get_no_dns_advice(name: str) -> None:
    """CAUSE-20: SMTP AUTH is not SPF/DKIM; no DNS record fixes it."""
    analysis = _load(name)
    exp = analysis.bounce.explanation
    assert exp is not None and exp.is_smtp_auth
    assert not any("dig " in step for step in exp.next_steps)
    assert not _ids(analysis) & {"SPF-13", "DKIM-SIG-01", "DMARC-16", "DSN-15"}


@pytest.mark.parametrize(
    "name, kind",
    [
        ("rfc3464-07.eml", "delayed"),
        ("lhost-sendmail-12.eml", "gave_up"),
        ("lhost-postfix-70.eml", "permanent"),
        ("rfc3834-01.eml", "not_a_bounce"),
        ("arf-19.eml", "not_a_bounce"),
    ],
)
def test_classification(name: str, kind: str) -> None:
    """DSN-01 / EVID-01."""
    assert _load(name).bounce.kind == kind


def test_arf_auth_failure_report_returns_headers() -> None:
    analysis = _load("arf-19.eml")
    assert "6591" in analysis.bounce.layout
    assert analysis.returned_message and analysis.returned_message.startswith(b"Received:")
    assert analysis.returned_headers_only


def test_returned_message_is_the_bytes_in_the_file() -> None:
    """DSN-12: the returned original is cut from the input, not re-serialised."""
    raw = (CORPUS / "lhost-postfix-70.eml").read_bytes() if (CORPUS / "lhost-postfix-70.eml").is_file() else None
    if raw is None:
        pytest.skip("corpus file missing")
    analysis = analyze_bounce(raw)
    assert analysis.returned_message and analysis.returned_message in raw
    assert not analysis.returned_headers_only


@pytest.mark.parametrize(
    "name, provider",
    [
        ("rhost-microsoft-04.eml", "Microsoft"),
        ("lhost-postfix-70.eml", "Gmail"),
        ("rhost-yahooinc-01.eml", "Yahoo"),
        ("lhost-postfix-71.eml", "Apple iCloud"),
        ("rhost-mimecast-01.eml", "Mimecast"),
    ],
)
def test_provider(name: str, provider: str) -> None:
    """DSN-10."""
    assert _load(name).bounce.provider == provider


def test_yahoo_579_is_policy_not_smtp_auth() -> None:
    """DSN-07: Yahoo's 5.7.9 is a policy rejection, not the registry's SMTP AUTH code."""
    exp = _load("rhost-yahooinc-01.eml").bounce.explanation
    assert exp.code == "5.7.9" and not exp.is_smtp_auth
    assert exp.provider_meaning and "Yahoo" in exp.provider_meaning
