#!/usr/bin/env python3
"""Build the bundled training scenarios under wizard/scenarios/.

Each scenario is a folder: message.eml (or bounce.eml), zone files named <origin>.zone
served by the zone-file resolver, and scenario.json (title, summary, the clock and SPF
inputs to use). Messages are signed for real with dkimpy; only the damage done "in transit"
is applied afterwards, the way a relay would. Re-run after changing a scenario:

    python3 scripts/build_scenarios.py
"""
from __future__ import annotations

import base64
import hashlib
import json
import quopri
import shutil
from datetime import UTC, datetime
from email.utils import format_datetime
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

import dkim

OUT = Path(__file__).resolve().parents[1] / "wizard" / "scenarios"
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
SENT = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)
T = int(SENT.timestamp())
SIGNED = (b"from", b"to", b"subject", b"date", b"message-id", b"mime-version", b"content-type")


def rsa_key(bits: int = 2048) -> tuple[bytes, str]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=bits)
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    )
    der = key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return pem, base64.b64encode(der).decode()


def sign(message: bytes, *, d: str, s: str, pem: bytes, t: int = T, x: int | None = None,
         c: bytes = b"relaxed/relaxed", headers=SIGNED) -> bytes:
    """Sign with dkimpy, with a fixed t= (and optional x=), which dkim.sign cannot set."""
    signer = dkim.DKIM(message)
    signer.signature_algorithm = b"rsa-sha256"
    signer.hasher = hashlib.sha256
    canon = dkim.CanonicalizationPolicy.from_c_value(c)
    body_hash = base64.b64encode(hashlib.sha256(canon.canonicalize_body(signer.body)).digest())
    fields = [(b"v", b"1"), (b"a", b"rsa-sha256"), (b"c", c), (b"d", d.encode()),
              (b"s", s.encode()), (b"t", str(t).encode())]
    if x is not None:
        fields.append((b"x", str(x).encode()))
    fields += [(b"h", b":".join(headers)), (b"bh", body_hash), (b"b", b"0" * 60)]
    header = signer.gen_header(fields, headers, canon, b"DKIM-Signature",
                               dkim.parse_pem_private_key(pem))
    return b"DKIM-Signature: " + header + message


def txt(value: str) -> str:
    return " ".join(f'"{value[i:i + 255]}"' for i in range(0, len(value), 255))


def zone(origin: str, records: list[str]) -> str:
    return "\n".join([
        f"$ORIGIN {origin}.", "$TTL 3600",
        f"@ IN SOA ns1.{origin}. hostmaster.{origin}. 2026112001 3600 600 604800 300",
        f"@ IN NS ns1.{origin}.", "ns1 IN A 192.0.2.53", *records, "",
    ])


SPF_OK = 'example.com. IN TXT "v=spf1 ip4:192.0.2.0/24 -all"'
DMARC_REJECT = '_dmarc IN TXT "v=DMARC1; p=reject; rua=mailto:dmarc-reports@example.com"'
PARENTS = {  # so tree walks up to the TLD get NXDOMAIN, as on the Internet, not REFUSED
    "com": zone("com", []), "net": zone("net", []), "org": zone("org", []),
    "2.0.192.in-addr.arpa": zone("2.0.192.in-addr.arpa", ["10 IN PTR mail.example.com."]),
}


def base_message(*, body: str = "Hi Bob,\r\n\r\nThe invoice for November is attached to our portal:\r\n"
                 "https://portal.example.com/invoices/2026-11\r\n\r\nRegards,\r\nAlice\r\n",
                 subject: str = "Invoice November 2026", ctype: str = "text/plain; charset=utf-8",
                 cte: str = "7bit", sender: str = "Alice Example <alice@example.com>",
                 extra: str = "") -> bytes:
    head = (
        f"From: {sender}\r\nTo: Bob <bob@example.org>\r\nSubject: {subject}\r\n"
        f"Date: {format_datetime(SENT)}\r\nMessage-ID: <20261120093000.4711@mail.example.com>\r\n"
        f"MIME-Version: 1.0\r\nContent-Type: {ctype}\r\nContent-Transfer-Encoding: {cte}\r\n{extra}"
    )
    return (head + "\r\n" + body).encode()


def delivered(signed: bytes, *, ip: str = "192.0.2.10", helo: str = "mail.example.com",
              mail_from: str = "alice@example.com", ar: str, hops: str = "") -> bytes:
    """What the receiver stores: its trace headers on top of the signed message."""
    stamp = format_datetime(datetime(2026, 11, 20, 9, 30, 4, tzinfo=UTC))
    top = (
        f"Return-Path: <{mail_from}>\r\n"
        f"Authentication-Results: mx.example.org; {ar}\r\n"
        f"Received: from {helo} ({helo} [{ip}])\r\n\tby mx.example.org (Postfix) with ESMTPS id 4QxYz1;\r\n\t{stamp}\r\n"
    )
    return top.encode() + hops.encode() + signed


def write(name: str, meta: dict, files: dict[str, str | bytes]) -> None:
    folder = OUT / name
    folder.mkdir(parents=True)
    for filename, content in {**{f"{o}.zone": z for o, z in PARENTS.items()}, **files}.items():
        (folder / filename).write_bytes(content if isinstance(content, bytes) else content.encode())
    defaults = {"now": NOW.isoformat(), "ip": None, "mail_from": None, "helo": None}
    (folder / "scenario.json").write_text(json.dumps({"name": name, **defaults, **meta}, indent=2) + "\n")


def example_zone(extra: list[str], spf: str = SPF_OK, dmarc: str = DMARC_REJECT) -> str:
    return zone("example.com", [spf, dmarc, "mail IN A 192.0.2.10", "@ IN MX 10 mail", *extra])


def build() -> None:
    if OUT.exists():
        for child in OUT.iterdir():
            if child.is_dir() and (child / "scenario.json").exists():
                shutil.rmtree(child)
    pem, pub = rsa_key()
    key_record = f"sel2026._domainkey IN TXT {txt('v=DKIM1; k=rsa; p=' + pub)}"
    ok_ar = "spf=pass smtp.mailfrom=example.com; dkim=pass header.d=example.com header.s=sel2026; dmarc=pass header.from=example.com"

    signed = sign(base_message(), d="example.com", s="sel2026", pem=pem)
    write("valid", {"title": "Everything passes (baseline)",
                    "summary": "A correctly signed message from a domain with SPF, DKIM and DMARC in order. Start here to see what 'good' looks like."},
          {"message.eml": delivered(signed, ar=ok_ar), "example.com.zone": example_zone([key_record])})

    # A bounce: a new server (198.51.100.7) sent unsigned mail; Gmail rejected it on DMARC.
    returned = (
        "Return-Path: <alice@example.com>\r\n"
        "Received: from app01.example.com (app01.example.com [198.51.100.7])\r\n\tby mail.example.com (Postfix) with ESMTP id 9A1B2C;\r\n\t"
        f"{format_datetime(SENT)}\r\n"
    ).encode() + base_message(subject="Your order 4711 has shipped").split(b"\r\n\r\n")[0] + b"\r\n"
    dsn = (
        "From: MAILER-DAEMON@mail.example.com (Mail Delivery System)\r\nTo: alice@example.com\r\n"
        "Subject: Undelivered Mail Returned to Sender\r\n"
        f"Date: {format_datetime(SENT)}\r\nMIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="BOUNDARY"\r\n\r\n'
        "--BOUNDARY\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n"
        "This is the mail system at host mail.example.com.\r\n\r\n"
        "I'm sorry to have to inform you that your message could not\r\nbe delivered to one or more recipients.\r\n\r\n"
        "<customer@gmail.com>: host gmail-smtp-in.l.google.com[142.250.102.27] said:\r\n"
        "    550-5.7.26 Unauthenticated email from example.com is not accepted due to\r\n"
        "    550-5.7.26 domain's DMARC policy. Please contact the administrator of\r\n"
        "    550-5.7.26 example.com domain if this was a legitimate mail. To learn about\r\n"
        "    550-5.7.26 the DMARC initiative, go to\r\n"
        "    550 5.7.26  https://support.google.com/mail/?p=DmarcRejection (in reply to end of DATA command)\r\n\r\n"
        "--BOUNDARY\r\nContent-Type: message/delivery-status\r\n\r\n"
        "Reporting-MTA: dns; mail.example.com\r\nX-Postfix-Queue-ID: 9A1B2C\r\n"
        f"Arrival-Date: {format_datetime(SENT)}\r\n\r\n"
        "Final-Recipient: rfc822; customer@gmail.com\r\nOriginal-Recipient: rfc822;customer@gmail.com\r\n"
        "Action: failed\r\nStatus: 5.7.26\r\nRemote-MTA: dns; gmail-smtp-in.l.google.com\r\n"
        "Diagnostic-Code: smtp; 550-5.7.26 Unauthenticated email from example.com is not\r\n"
        "    accepted due to domain's DMARC policy. Please contact the administrator of\r\n"
        "    example.com domain if this was a legitimate mail.\r\n\r\n"
        "--BOUNDARY\r\nContent-Type: text/rfc822-headers\r\n\r\n"
    ).encode() + returned + b"\r\n--BOUNDARY--\r\n"
    write("dmarc-reject-bounce", {"title": "Gmail bounce: 550 5.7.26 DMARC reject",
                                  "summary": "A new application server sends unsigned mail from an IP that SPF does not list; Gmail rejects it under the domain's p=reject policy.",
                                  "ip": "198.51.100.7", "mail_from": "alice@example.com", "helo": "app01.example.com"},
          {"bounce.eml": dsn, "example.com.zone": example_zone([key_record])})

    signed = sign(base_message(), d="example.com", s="mail2026", pem=pem)
    write("selector-missing", {"title": "Selector not published",
                               "summary": "The signer uses selector mail2026, but no key was ever published under that name: the key lookup answers NXDOMAIN."},
          {"message.eml": delivered(signed, ar="spf=pass smtp.mailfrom=example.com; dkim=permerror (no key for signature) header.d=example.com header.s=mail2026; dmarc=pass header.from=example.com"),
           "example.com.zone": example_zone([key_record])})

    new_pem, _new_pub = rsa_key()
    signed = sign(base_message(), d="example.com", s="sel2026", pem=new_pem)
    write("key-rotated-unpublished", {"title": "Key rotated without publishing",
                                      "summary": "The signer was switched to a new private key, but DNS still holds the old public key under the same selector: the body is intact and the header signature fails."},
          {"message.eml": delivered(signed, ar="spf=pass smtp.mailfrom=example.com; dkim=fail (signature did not verify) header.d=example.com header.s=sel2026; dmarc=pass header.from=example.com"),
           "example.com.zone": example_zone([key_record])})

    signed = sign(base_message(), d="example.com", s="sel2024", pem=pem)
    write("revoked-key", {"title": "Revoked key still in use",
                          "summary": "The old selector sel2024 was revoked (empty p=) but one server still signs with it."},
          {"message.eml": delivered(signed, ar="spf=pass smtp.mailfrom=example.com; dkim=permerror (key revoked) header.d=example.com header.s=sel2024; dmarc=pass header.from=example.com"),
           "example.com.zone": example_zone([key_record, 'sel2024._domainkey IN TXT "v=DKIM1; k=rsa; p="'])})

    weak_pem, weak_pub = rsa_key(1024)
    signed = sign(base_message(), d="example.com", s="legacy", pem=weak_pem)
    write("weak-1024-key", {"title": "1024-bit key",
                            "summary": "Signatures verify, but with a 1024-bit RSA key: allowed by RFC 8301, below its 2048-bit recommendation. Time to rotate."},
          {"message.eml": delivered(signed, ar="spf=pass smtp.mailfrom=example.com; dkim=pass (1024-bit key) header.d=example.com header.s=legacy; dmarc=pass header.from=example.com"),
           "example.com.zone": example_zone([f"legacy._domainkey IN TXT {txt('v=DKIM1; k=rsa; p=' + weak_pub)}"])})

    signed = sign(base_message(), d="example.com", s="sel2026", pem=pem, x=T + 3600)
    write("expired-signature", {"title": "Signature expired (x=)",
                                "summary": "The signer sets a one-hour x= expiry; the message was deferred and checked later, after the signature had expired.",
                                "now": datetime(2026, 11, 22, 8, 0, tzinfo=UTC).isoformat()},
          {"message.eml": delivered(signed, ar="spf=pass smtp.mailfrom=example.com; dkim=fail (signature expired) header.d=example.com header.s=sel2026; dmarc=pass header.from=example.com"),
           "example.com.zone": example_zone([key_record])})

    original = base_message(subject="Agenda for the meetup")
    signed = sign(original, d="example.com", s="sel2026", pem=pem)
    head, body = signed.split(b"\r\n\r\n", 1)
    head = head.replace(b"Subject: Agenda for the meetup", b"Subject: [team] Agenda for the meetup")
    listed = (
        head + b"\r\nList-Id: Team discussion <team.lists.example.org>\r\n"
        b"List-Unsubscribe: <mailto:team-leave@lists.example.org>\r\nPrecedence: list\r\n"
        b"Sender: team-bounces@lists.example.org\r\nX-Mailman-Version: 3.3.9\r\n\r\n" + body
        + b"_______________________________________________\r\nteam mailing list -- team@lists.example.org\r\n"
        b"To unsubscribe send an email to team-leave@lists.example.org\r\n"
    )
    write("list-footer", {"title": "Mailing list added a footer",
                          "summary": "A mailing list tagged the subject with [team] and appended its footer after the author signed: the body hash and the header signature both fail.",
                          "ip": "203.0.113.25", "mail_from": "team-bounces@lists.example.org", "helo": "lists.example.org"},
          {"message.eml": delivered(listed, ip="203.0.113.25", helo="lists.example.org", mail_from="team-bounces@lists.example.org",
                                    ar="spf=pass smtp.mailfrom=lists.example.org; dkim=fail (body hash did not verify) header.d=example.com header.s=sel2026; dmarc=fail (p=REJECT) header.from=example.com",
                                    hops=""), "example.com.zone": example_zone([key_record]),
           "lists.example.org.zone": zone("lists.example.org", ['@ IN TXT "v=spf1 ip4:203.0.113.25 -all"', "@ IN A 203.0.113.25"])})

    original = base_message()
    signed = sign(original, d="example.com", s="sel2026", pem=pem)
    wrapped = signed.replace(
        b"https://portal.example.com/invoices/2026-11",
        b"https://urldefense.com/v3/__https://portal.example.com/invoices/2026-11__;!!Ab3Cd4Ef!x9YzQw1_abcDEF$",
    )
    write("gateway-rewrote-links", {"title": "Links rewritten by a security gateway",
                                    "summary": "Proofpoint URL Defense on the receiving side rewrote the link in the body after the message was signed."},
          {"message.eml": delivered(wrapped, ar="spf=pass smtp.mailfrom=example.com; dkim=fail (body hash did not verify) header.d=example.com header.s=sel2026; dmarc=pass header.from=example.com",
                                    hops="X-Proofpoint-Spam-Details: rule=notspam\r\n"),
           "example.com.zone": example_zone([key_record])})

    text8 = "Grüße aus München,\r\n\r\ndie Rechnung für November liegt im Portal bereit.\r\n\r\nAlice\r\n"
    original = base_message(body=text8, cte="8bit", subject="Rechnung November")
    signed = sign(original, d="example.com", s="sel2026", pem=pem)
    head, body = signed.split(b"\r\n\r\n", 1)
    qp = quopri.encodestring(body.replace(b"\r\n", b"\n")).replace(b"\n", b"\r\n")
    head = head.replace(b"Content-Transfer-Encoding: 8bit", b"Content-Transfer-Encoding: quoted-printable")
    exch = (b"X-MS-Exchange-Organization-AuthSource: EX01.corp.example.com\r\nX-MS-Has-Attach:\r\n" + head + b"\r\n\r\n" + qp)
    hop = ("Received: from EX01.corp.example.com (192.0.2.20) by mail.example.com\r\n\t(192.0.2.10) with Microsoft SMTP Server id 15.2.1544.4;\r\n\t"
           f"{format_datetime(SENT)}\r\n")
    write("exchange-reencoded", {"title": "Exchange re-encoded the body",
                                 "summary": "An application signed an 8bit body; an Exchange hop after the signer converted it to quoted-printable, so the body hash no longer matches."},
          {"message.eml": delivered(hop.encode() + exch, ar="spf=pass smtp.mailfrom=example.com; dkim=fail (body hash did not verify) header.d=example.com header.s=sel2026; dmarc=pass header.from=example.com"),
           "example.com.zone": example_zone([key_record])})

    esp_pem, esp_pub = rsa_key()
    signed = sign(base_message(sender="Example News <news@example.com>", subject="Our November newsletter"),
                  d="mailer.example.net", s="esp1", pem=esp_pem)
    write("third-party-unaligned", {"title": "Third-party sender not aligned",
                                    "summary": "A newsletter service sends as example.com but signs with its own domain and uses its own bounce address: SPF and DKIM pass, DMARC fails.",
                                    "ip": "198.51.100.50", "mail_from": "bounce-4711@mailer.example.net", "helo": "out.mailer.example.net"},
          {"message.eml": delivered(signed, ip="198.51.100.50", helo="out.mailer.example.net", mail_from="bounce-4711@mailer.example.net",
                                    ar="spf=pass smtp.mailfrom=mailer.example.net; dkim=pass header.d=mailer.example.net header.s=esp1; dmarc=fail (p=REJECT) header.from=example.com"),
           "example.com.zone": example_zone([key_record]),
           "mailer.example.net.zone": zone("mailer.example.net", ['@ IN TXT "v=spf1 ip4:198.51.100.0/24 -all"',
                                                                 f"esp1._domainkey IN TXT {txt('v=DKIM1; k=rsa; p=' + esp_pub)}"])})

    includes = [f'spf{i} IN TXT "v=spf1 include:spf{i + 1}.vendors.example.net ~all"' for i in range(1, 11)]
    includes.append('spf11 IN TXT "v=spf1 ip4:203.0.113.0/24 ~all"')
    big_spf = 'example.com. IN TXT "v=spf1 ip4:192.0.2.0/24 include:spf1.vendors.example.net -all"'
    unsigned = base_message()
    write("spf-too-many-lookups", {"title": "SPF needs more than 10 DNS lookups",
                                   "summary": "A chain of vendor includes pushes the SPF record past the limit of 10 DNS lookups: receivers answer permerror and SPF cannot count for DMARC.",
                                   "ip": "203.0.113.80"},
          {"message.eml": delivered(unsigned, ip="203.0.113.80", helo="relay.vendors.example.net",
                                    ar="spf=permerror (too many DNS lookups) smtp.mailfrom=example.com; dkim=none; dmarc=fail (p=REJECT) header.from=example.com"),
           "example.com.zone": example_zone([key_record], spf=big_spf),
           "vendors.example.net.zone": zone("vendors.example.net", includes)})

    signed = sign(base_message(), d="example.com", s="s1", pem=esp_pem)
    write("cname-selector-stale", {"title": "CNAME-delegated selector gone stale",
                                   "summary": "s1._domainkey points by CNAME to an email provider's key that no longer exists (the account was closed or never verified)."},
          {"message.eml": delivered(signed, ar="spf=pass smtp.mailfrom=example.com; dkim=permerror (no key for signature) header.d=example.com header.s=s1; dmarc=pass header.from=example.com"),
           "example.com.zone": example_zone([key_record, "s1._domainkey IN CNAME s1.domainkey.u4711.wl042.sendgrid.example.net."]),
           "sendgrid.example.net.zone": zone("sendgrid.example.net", ["u1234.wl001 IN A 192.0.2.99"])})


if __name__ == "__main__":
    build()
    print("\n".join(sorted(p.name for p in OUT.iterdir() if (p / "scenario.json").exists())))
