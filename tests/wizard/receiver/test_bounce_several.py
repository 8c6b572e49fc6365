"""DSN-21: several notifications in one file, each read on its own."""
from __future__ import annotations

from pathlib import Path

from wizard.receiver.bounce import analyze_bounce

CORPUS = Path(__file__).parents[4] / "shared/data/bounces"


def _mbox(*names: str) -> bytes:
    out = b""
    for name in names:
        raw = (CORPUS / name).read_bytes()
        out += b"From MAILER-DAEMON Thu Dec  3 08:00:00 2026\n" + raw.rstrip(b"\n") + b"\n\n"
    return out


def test_mbox_of_two_bounces_reports_each() -> None:
    analysis = analyze_bounce(_mbox("lhost-postfix-04.eml", "lhost-qmail-01.eml"))
    b = analysis.bounce
    first = analyze_bounce((CORPUS / "lhost-postfix-04.eml").read_bytes()).bounce
    second = analyze_bounce((CORPUS / "lhost-qmail-01.eml").read_bytes()).bounce
    assert (b.status, b.recipients) == (first.status, first.recipients)
    assert [(n.layout, n.status, n.recipients) for n in b.more_notifications] == [
        (second.layout, second.status, second.recipients)]
    several = next(f for f in analysis.findings if f.id == "DSN-21")
    assert several.title == "File holds 2 notifications"
    assert len(several.evidence) == 2 and "kijitora@example.ne.jp" in several.evidence[1]


def test_a_from_line_in_a_body_does_not_split_the_message() -> None:
    raw = (CORPUS / "lhost-qmail-01.eml").read_bytes()
    head, body = raw.split(b"\n\n", 1)
    raw = b"From MAILER-DAEMON Thu Dec  3 08:00:00 2026\n" + head + b"\n\n" + body + \
        b"\n\nFrom the desk of the postmaster: sorry.\n"
    assert analyze_bounce(raw).bounce.more_notifications == ()


def test_two_dsns_one_after_another_are_two_results() -> None:
    """rfc3464-28: a second complete DSN after the first one's closing boundary."""
    one = (CORPUS / "lhost-amazonses-08.eml").read_bytes()
    two = (CORPUS / "lhost-amazonses-17.eml").read_bytes()
    b = analyze_bounce(one.rstrip(b"\n") + b"\n" + two).bounce
    alone = analyze_bounce(two).bounce
    assert (b.status, b.recipients) == ("5.7.9", ("e@neko.nyaan.example.org",))
    assert [(n.kind, n.status, n.recipients) for n in b.more_notifications] == [
        (alone.kind, alone.status, ("kijitora@example.com",))]
