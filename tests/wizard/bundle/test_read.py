"""A bundle is untrusted: it is read, never extracted, and refused when a member is not one
of its known regular files, escapes the archive, or is bigger than a bundle may hold."""
from __future__ import annotations

import io
import tarfile

import msgspec
import pytest

from wizard.bundle import replay
from wizard.bundle.replay import BundleError, read_bundle
from wizard.bundle.write import FORMAT, zone_files
from wizard.model.dns import DnsAnswer, Status

REQUEST = msgspec.json.encode({"format": FORMAT, "source": "x.eml", "now": "2026-11-24T00:00:00+00:00",
                               "ip": None, "mail_from": None, "helo": None, "timeout": 3.0,
                               "offline": True, "resolvers": []})
DNS = msgspec.json.encode({"asked_at": "2026-11-24T00:00:00+00:00", "written_at": 0.0, "answers": []})
GOOD = {"message.eml": b"From: a@example.com\r\n\r\nhi\r\n", "request.json": REQUEST, "dns.json": DNS}


def _tar(path, files: dict[str, bytes], *, extra: tarfile.TarInfo | None = None):
    with tarfile.open(path, "w:gz") as tar:
        for name, data in files.items():
            member = tarfile.TarInfo(name)
            member.size = len(data)
            tar.addfile(member, io.BytesIO(data))
        if extra is not None:
            tar.addfile(extra)
    return str(path)


def test_a_good_bundle_reads(tmp_path):
    bundle = read_bundle(_tar(tmp_path / "b.tar.gz", {**GOOD, "zones/test.zone": b"$ORIGIN test.\n"}))
    assert bundle.message == GOOD["message.eml"] and bundle.zones == {"test": "$ORIGIN test.\n"}


@pytest.mark.parametrize("name", ["../message.eml", "/etc/passwd", "zones/../../x.zone", "notes.txt"])
def test_names_outside_the_bundle_layout_are_refused(tmp_path, name):
    with pytest.raises(BundleError, match=r"refused a bundle member|no bundle holds"):
        read_bundle(_tar(tmp_path / "b.tar.gz", {**GOOD, name: b"x"}))


def test_links_are_refused(tmp_path):
    link = tarfile.TarInfo("VERSION")
    link.type = tarfile.SYMTYPE
    link.linkname = "/etc/passwd"
    with pytest.raises(BundleError):
        read_bundle(_tar(tmp_path / "b.tar.gz", GOOD, extra=link))


def test_members_over_their_cap_are_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(replay, "MEMBER_CAP", 10)
    with pytest.raises(BundleError, match=r"request\.json is bigger than a bundle may hold"):
        read_bundle(_tar(tmp_path / "b.tar.gz", GOOD))


def test_missing_parts_and_other_formats_are_refused(tmp_path):
    with pytest.raises(BundleError, match=r"dns\.json missing"):
        read_bundle(_tar(tmp_path / "a.tar.gz", {k: v for k, v in GOOD.items() if k != "dns.json"}))
    newer = {**GOOD, "request.json": REQUEST.replace(b'"format":1', b'"format":99')}
    with pytest.raises(BundleError, match="bundle format 99"):
        read_bundle(_tar(tmp_path / "b.tar.gz", newer))


def test_zone_files_say_records_cnames_and_nodata():
    answers = [
        DnsAnswer("r", "a._domainkey.example.com", "TXT", Status.OK, strings=(("v=DKIM1; ", 'p="x"'),),
                  cname_chain=("a.esp.example.net",), ttl=60),
        DnsAnswer("r", "example.com", "TXT", Status.NODATA),
        DnsAnswer("r", "_dmarc.example.com", "TXT", Status.NXDOMAIN),
        DnsAnswer("r", "slow.example.com", "TXT", Status.TIMEOUT),
    ]
    zones = zone_files(answers)
    assert set(zones) == {"com", "net"}
    assert "a._domainkey.example.com. 60 IN CNAME a.esp.example.net." in zones["com"]
    assert 'a.esp.example.net. 60 IN TXT "v=DKIM1; " "p=\\"x\\""' in zones["net"]
    assert "_dmarc" not in zones["com"] and "slow" not in zones["com"]
    assert "_exists.example.com." in zones["com"]
