"""An aggregate report is recognised by its content in every form it arrives in (RUA-01), read
in either schema (RUA-02), and hostile or broken files are refused with a plain reason and
`check`'s exit status 2, in bounded time and memory (RUA-15/16)."""
from __future__ import annotations

import functools
import gzip
import io
import subprocess
import sys
import time
import tracemalloc
import zipfile
import zlib
from email.message import EmailMessage
from pathlib import Path

import pytest

from wizard.aggregate.archive import MAX_XML_BYTES, NotAReport, extract_xml
from wizard.aggregate.parse import parse_report
from wizard.input.classify import classify

DATA = Path(__file__).resolve().parents[2] / "data" / "aggregate"
ROOT = Path(__file__).resolve().parents[3]
RFC7489 = (DATA / "rfc7489-classes.xml").read_bytes()
RFC9990 = (DATA / "rfc9990-ready.xml").read_bytes()
NAME = "receiver.example!rua.test!1764633600!1764719999"


def zipped(data: bytes, name: str = NAME + ".xml") -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(name, data)
    return out.getvalue()


def report_mail(attachment: bytes, *, filename: str, ctype: str, inline: bool = False) -> bytes:
    mail = EmailMessage()
    mail["From"] = "noreply-dmarc@receiver.example"
    mail["To"] = "dmarc@rua.test"
    mail["Subject"] = "Report Domain: rua.test Submitter: receiver.example Report-ID: 1"
    mail.set_content("This is an aggregate report from receiver.example.")
    maintype, subtype = ctype.split("/")
    mail.add_attachment(attachment, maintype=maintype, subtype=subtype, filename=filename,
                        disposition="inline" if inline else "attachment")
    return mail.as_bytes()


def forwarded(inner: bytes) -> bytes:
    mail = EmailMessage()
    mail["From"] = "postmaster@rua.test"
    mail["To"] = "me@rua.test"
    mail["Subject"] = "Fwd: Report Domain: rua.test"
    mail.set_content("Forwarding the report below.")
    mail.add_attachment(inner, maintype="message", subtype="rfc822")
    return mail.as_bytes()


FORMS = {
    "xml": RFC7489,
    "xml.gz": gzip.compress(RFC7489),
    "zip": zipped(RFC7489),
    "zip holding xml.gz": zipped(gzip.compress(RFC7489), NAME + ".xml.gz"),
    "mail with a gzip attachment": report_mail(gzip.compress(RFC7489), filename=NAME + ".xml.gz",
                                               ctype="application/gzip"),
    "mail with a zip labelled octet-stream": report_mail(zipped(RFC7489), filename=NAME + ".zip",
                                                         ctype="application/octet-stream"),
    "mail with inline XML": report_mail(RFC7489, filename=NAME + ".xml", ctype="text/xml", inline=True),
    "forwarded mail (message/rfc822)": forwarded(report_mail(zipped(RFC7489), filename=NAME + ".zip",
                                                             ctype="application/zip")),
}


@pytest.mark.parametrize("form", list(FORMS))
def test_every_form_is_recognised_and_read(form):
    raw = FORMS[form]
    assert classify(raw).kind == "dmarc_aggregate"
    xml, how = extract_xml(raw)
    parsed = parse_report(xml, how)
    assert parsed.report.domain == "rua.test" and len(parsed.report.sources) == 8
    assert parsed.report.messages == 965


def test_xml_pasted_into_a_forwarded_text_body_is_found():
    body = (b"From: me@rua.test\r\nTo: you@rua.test\r\nSubject: Fwd: report\r\n\r\n"
            b"---------- Forwarded message ---------\r\nHere it is:\r\n\r\n" + RFC7489 + b"\r\n-- \r\nme\r\n")
    assert classify(body).kind == "dmarc_aggregate"
    xml, how = extract_xml(body)
    assert "inline" in how and parse_report(xml, how).report.messages == 965


def test_a_report_is_not_a_bare_smtp_reply_and_an_ordinary_message_is_not_a_report():
    # Before issue 14 the RFC 9990 file was read as "a bare SMTP reply".
    assert classify(RFC9990).kind == "dmarc_aggregate"
    plain = b"From: a@example.com\r\nTo: b@example.com\r\nSubject: hi\r\n\r\nSee <feedback> below? no.\r\n"
    assert classify(plain).kind == "message"


def test_both_schemas_are_told_apart_and_shown():
    old = parse_report(RFC7489, "XML file")
    new = parse_report(RFC9990, "XML file")
    assert (old.report.schema, new.report.schema) == ("rfc7489", "rfc9990")
    assert old.report.policy_published.pct == 100
    assert new.report.policy_published.discovery_method == "treewalk"
    schema = next(f for f in new.findings if f.id == "RUA-02")
    assert "RFC 9989 rules (DNS tree walk)" in schema.detail
    first = next(f for f in new.findings if f.id == "RUA-01")
    assert first.title.startswith("DMARC aggregate report (RFC 9990 schema) from receiver9990.example for rua.test")
    assert "4 rows, 920 messages" in first.title


def test_9990_fields_without_the_namespace_still_read_as_9990():
    bare = RFC9990.replace(b' xmlns="urn:ietf:params:xml:ns:dmarc-2.0"', b"")
    parsed = parse_report(bare, "XML file")
    assert parsed.report.schema == "rfc9990" and len(parsed.report.sources) == 4


def test_sloppy_values_are_repaired_and_said():
    sloppy = RFC9990.replace(b"<dkim>pass</dkim>", b"<dkim>Pass</dkim>", 1).replace(
        b"receiver9990 dmarc", b"receiver\xff dmarc")
    parsed = parse_report(sloppy, "XML file")
    assert parsed.report.passing == 904
    repair = next(f for f in parsed.findings if f.id == "RUA-16")
    assert "invalid UTF-8" in repair.detail and "lower case" in repair.detail


BILLION_LAUGHS = (b'<?xml version="1.0"?><!DOCTYPE feedback [<!ENTITY a "aaaaaaaaaa">'
                  + b"".join(b'<!ENTITY %s "%s">' % (bytes([98 + i]), (b"&%s;" % bytes([97 + i])) * 10)
                             for i in range(8))
                  + b"]><feedback><report_metadata><org_name>&i;</org_name></report_metadata></feedback>")
XXE = (b'<?xml version="1.0"?><!DOCTYPE feedback [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
       b"<feedback><report_metadata><org_name>&x;</org_name></report_metadata></feedback>")


@functools.cache
def gzip_bomb() -> bytes:
    """256 MB of zeros behind an XML start (five times the cap), compressed to ~250 kB;
    made here, not stored."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)
    block = bytes(1 << 20)
    parts = [packer.compress(b"<?xml version='1.0'?><feedback><x>")]
    parts += [packer.compress(block) for _ in range(256)]
    return b"".join(parts) + packer.flush()


HOSTILE = {
    "billion laughs": (BILLION_LAUGHS, "entities"),
    "XXE": (XXE, "entities"),
    "gzip bomb": (None, "expands past 50 MB"),
    "truncated gzip": (gzip.compress(RFC7489)[:400], "truncated"),
    "truncated zip": (zipped(RFC7489)[:300], "zip"),
    "zip with many members": (None, "holds 40 files"),
    "not XML": (b"<feedback><report_metadata><org_name>a & b</org_name>unused", "not well-formed"),
}


def hostile(name: str) -> bytes:
    if name == "gzip bomb":
        return gzip_bomb()
    if name == "zip with many members":
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w") as archive:
            for i in range(40):
                archive.writestr(f"{i}.xml", RFC7489)
        return out.getvalue()
    return HOSTILE[name][0]


@pytest.mark.parametrize("name", list(HOSTILE))
def test_hostile_and_broken_files_are_refused_in_plain_words(name):
    raw = hostile(name)
    tracemalloc.start()
    started = time.perf_counter()
    with pytest.raises(NotAReport, match=HOSTILE[name][1]):
        xml, how = extract_xml(raw)
        parse_report(xml, how)
    elapsed = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert elapsed < 10 and peak < 3 * MAX_XML_BYTES  # the bomb never exists in memory whole


def test_check_exits_2_with_the_reason_and_no_traceback(tmp_path):
    bomb = tmp_path / "bomb.xml.gz"
    bomb.write_bytes(gzip_bomb())
    laughs = tmp_path / "laughs.xml"
    laughs.write_bytes(BILLION_LAUGHS)
    for path, words in ((bomb, "expands past 50 MB"), (laughs, "entities")):
        done = subprocess.run([sys.executable, "-m", "tui.cli", "check", "--offline", str(path)],
                              capture_output=True, text=True, cwd=ROOT, timeout=120)
        assert done.returncode == 2, done.stderr
        assert "not a readable DMARC aggregate report" in done.stderr and words in done.stderr
        assert "Traceback" not in done.stderr
