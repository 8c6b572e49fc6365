"""TLS bounces (issue 15, diagnoses.md §14): a delivery that failed between the MTAs gets a
TLS-xx root cause, names the side that must act, carries the checks to run, and is never
explained as DKIM — in the text, the JSON and the Markdown that `mailtriage check` writes."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from tui.cli import main
from wizard.receiver.bounce import analyze_bounce
from wizard.receiver.status_codes import explain_code

CORPUS = Path(__file__).parents[4] / "shared/data/bounces"

POSTFIX_LOG = (b"Dec  2 10:00:00 mx postfix/smtp[123]: 4F1A2B3C: to=<bob@example.net>, "
               b"relay=mx.example.net[192.0.2.1]:25, delay=0.2, delays=0.1/0/0.1/0, dsn=4.7.5, "
               b"status=deferred (no TLSA records found)\n")
POSTFIX_DSN = b"""\
From: MAILER-DAEMON@mail.example.org (Mail Delivery System)
To: alice@example.org
Subject: Delayed Mail (still being retried)
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="B"

--B
Content-Type: text/plain

This is the mail system at host mail.example.org.

####################################################################
# THIS IS A WARNING ONLY.  YOU DO NOT NEED TO RESEND YOUR MESSAGE. #
####################################################################

<bob@example.net>: no TLSA records found

--B
Content-Type: message/delivery-status

Reporting-MTA: dns; mail.example.org
Arrival-Date: Wed,  2 Dec 2026 10:00:00 +0000 (UTC)

Final-Recipient: rfc822; bob@example.net
Action: delayed
Status: 4.7.5
Diagnostic-Code: X-Postfix; no TLSA records found
Will-Retry-Until: Wed,  7 Dec 2026 10:00:00 +0000 (UTC)

--B--
""".replace(b"\n", b"\r\n")  # as delivered (an LF-only file gets an EVID note about DKIM hashing)

# (input, root cause, failing side, a check the fix must offer or None, outcome)
BOUNCES = [
    (b"450 4.7.5 Remote certificate failed MTA-STS validation\n", "TLS-05", "recipient", None,
     "deferred"),
    (b"450 4.7.5 Remote certificate failed MTA-STS validation. Reason: CertificateHostMismatch\n",
     "TLS-04", "recipient", None, "deferred"),
    # Postfix says these only at dane-only: the sender's own policy, so either side can end it.
    (POSTFIX_LOG, "TLS-12", "either", "dig +dnssec TLSA _25._tcp.mx.example.net", "deferred"),
    (POSTFIX_DSN, "TLS-12", "either", "mailtriage tls example.net", "deferred"),
    (b"550 5.7.321 starttls-not-supported: Destination mail server must support TLS to receive "
     b"mail.\n", "TLS-01", "recipient", None, "rejected"),
    (b"451 4.7.322 certificate-expired: Destination mail server's certificate is expired.\n",
     "TLS-03", "recipient", None, "deferred"),
    (b"550 5.7.323 tlsa-invalid: The domain failed DANE validation\n", "TLS-13", "recipient",
     None, "rejected"),
    (b"550 5.7.324 dnssec-invalid: Destination domain returned invalid DNSSEC records\n",
     "TLS-15", "recipient", None, "rejected"),
    (b"550 5.7.325 certificate-host-mismatch: Remote certificate MUST have a common name or "
     b"subject alternative name matching the hostname (DANE)\n", "TLS-04", "recipient", None,
     "rejected"),
    (b"550 5.4.8 MX hosts of example.net failed MTA-STS validation\n", "TLS-09", "recipient",
     "curl -sS https://mta-sts.example.net/.well-known/mta-sts.txt", "rejected"),
    (b"538 5.7.10 STARTTLS is required to send mail\n", "TLS-19", "sender", None, "rejected"),
    (b"451 5.7.3 STARTTLS is required to send mail\n", "TLS-19", "sender", None, "deferred"),
    (b"530 5.7.0 Must issue a STARTTLS command first. - gsmtp\n", "TLS-22", "sender", None,
     "rejected"),
]
IDS = [b[1] + ":" + b[0][:40].decode(errors="replace").strip() for b in BOUNCES]
_SIDES = {"recipient": "the recipient domain's mail administrator", "sender": "the sender's mail administrator",
          "either": "the sender's mail administrator (its TLS policy for this destination), or the recipient domain's"}


def _check(tmp_path: Path, capsys, raw: bytes, *options: str) -> tuple[int, str]:
    path = tmp_path / "bounce.txt"
    path.write_bytes(raw)
    code = main(["check", str(path), "--offline", *options])
    return code, capsys.readouterr().out


@pytest.mark.parametrize(("raw", "root", "side", "check", "outcome"), BOUNCES, ids=IDS)
def test_a_tls_bounce_has_a_tls_root_cause_and_no_dkim_words(tmp_path, capsys, raw, root, side,
                                                              check, outcome):
    code, out = _check(tmp_path, capsys, raw, "--json")
    report = json.loads(out)
    verdict = report["verdict"]
    assert code == 1 and verdict["outcome"] == outcome
    assert verdict["root_cause"]["id"] == root and verdict["root_cause"]["confidence"] == "confirmed"
    assert verdict["primary_fix"]["kind"] == "advice"
    assert verdict["primary_fix"]["who"].startswith(_SIDES[side])
    assert report["bounce"]["explanation"]["topic"] == "tls"
    if check is not None:
        shells = [" ".join(f["argv"]) for f in report["findings"] if f["id"] == root
                  for f in f["fixes"]]
        assert check in shells
    texts = [out, _check(tmp_path, capsys, raw, "-v")[1], _check(tmp_path, capsys, raw, "--markdown")[1]]
    for text in texts:
        assert "dkim" not in text.lower() and "domainkey" not in text.lower()


def test_the_verdict_says_who_must_act_and_shows_the_checks(tmp_path, capsys):
    code, out = _check(tmp_path, capsys, POSTFIX_LOG, "--markdown")
    assert code == 1
    # No receiver said a word: the sending Postfix's dane-only policy deferred it.
    assert "Deferred by the sending server's own policy (4.7.5)" in out
    assert "TLS-12" in out and "set its policy to dane instead" in out  # dane-only is the sender's own
    assert "publishing TLSA records for its MX" in out
    assert ("openssl s_client -connect mx.example.net:25 -starttls smtp -servername "
            "mx.example.net -showcerts") in out
    code, out = _check(tmp_path, capsys, b"530 5.7.0 Must issue a STARTTLS command first. - gsmtp\n")
    assert "the sender's mail administrator" in out and "STARTTLS" in out


def test_x75_with_dkim_words_stays_a_dkim_bounce():
    exp = explain_code("5.7.5", provider=None, text="DKIM signature verification failed")
    assert exp.topic == "dkim"
    analysis = analyze_bounce(b"550 5.7.5 DKIM signature verification failed\n")
    assert not [f for f in analysis.findings if f.id.startswith("TLS-")]


def test_x75_without_words_is_tls_not_dkim():
    exp = explain_code("4.7.5", provider=None, text="")
    assert exp.topic == "tls" and "DKIM" not in exp.plain + " ".join(exp.next_steps)


@pytest.mark.skipif(not CORPUS.is_dir(), reason="bounce corpus not found")
def test_no_bounce_of_the_corpus_is_taken_for_a_tls_failure():
    # None of these is a TLS failure, though several quote "TLS" in their Received lines.
    for path in sorted(CORPUS.glob("*.eml")):
        analysis = analyze_bounce(path.read_bytes())
        tls = [f.id for f in analysis.findings if f.id.startswith("TLS-")] if analysis else []
        assert not tls, path.name
