"""One SMTP connection to one MX: banner, EHLO, STARTTLS, the handshake (RFC 3207).

The handshake accepts any certificate so the chain can be read whatever is wrong with it;
wizard.tls.certs then judges the dates, the names and the trust one by one. Every step runs
under one deadline per connection, and replies are read with a size cap, so a silent or
babbling server cannot hold the check."""
from __future__ import annotations

import asyncio
import ssl
from dataclasses import dataclass, field

_MAX_REPLY = 16 * 1024  # bytes of one SMTP reply; EHLO replies are a few hundred
_ENCODING_DER = 2  # _ssl.ENCODING_DER: the private Certificate objects' DER form
_EHLO_NAME = "mailtriage.invalid"  # RFC 2606: a name that can never be someone's host


@dataclass
class Probe:
    """What the dialogue showed; `chain` is DER, leaf first."""

    connect: str = "ok"
    detail: str = ""
    banner: str = ""
    starttls_offered: bool | None = None
    starttls_reply: str = ""
    handshake_ok: bool | None = None
    protocol: str = ""
    cipher: str = ""
    chain: list[bytes] = field(default_factory=list)


class _Reply(Exception):
    """The server broke the dialogue (closed, or sent more than a reply may hold)."""


async def _read_reply(reader: asyncio.StreamReader) -> tuple[int, list[str]]:
    """One (possibly multi-line) reply: `250-…` lines until `250 …` (RFC 5321 §4.2.1)."""
    lines: list[str] = []
    total = 0
    while True:
        try:
            raw = await reader.readuntil(b"\n")
        except asyncio.IncompleteReadError as exc:
            raise _Reply("the server closed the connection") from exc
        except asyncio.LimitOverrunError as exc:
            raise _Reply("the server sent an over-long line") from exc
        total += len(raw)
        if total > _MAX_REPLY:
            raise _Reply(f"the server's reply exceeded {_MAX_REPLY} bytes")
        line = raw.decode("utf-8", "replace").rstrip("\r\n")
        lines.append(line)
        if len(line) < 4 or line[3] != "-":
            code = line[:3]
            return (int(code) if code.isdigit() else 0), lines


def _unverified_context() -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


def _served_chain(writer: asyncio.StreamWriter) -> list[bytes]:
    """The certificates as sent. Python 3.13 made `get_unverified_chain` public; on 3.11 and
    3.12 the same method is on the private `_sslobj` (the only stdlib way to see the
    intermediates, which TLS-05 and `2 1 1` TLSA records are about)."""
    sslobj = writer.get_extra_info("ssl_object")
    if sslobj is None:
        return []
    getter = getattr(sslobj, "get_unverified_chain", None) or getattr(
        getattr(sslobj, "_sslobj", None), "get_unverified_chain", None)
    if getter is None:
        leaf = sslobj.getpeercert(binary_form=True)
        return [leaf] if leaf else []
    out = []
    for cert in getter() or ():
        out.append(cert if isinstance(cert, bytes) else cert.public_bytes(_ENCODING_DER))
    return out


async def probe(host: str, address: str, port: int, timeout: float) -> Probe:
    """Connect to `address`:`port` as a sender would for MX `host` (its name as SNI)."""
    result = Probe()
    try:
        async with asyncio.timeout(timeout):
            await _dialogue(host, address, port, result)
    except TimeoutError:
        if not result.banner:
            result.connect = "timeout"  # a silent port: accepted or dropped, never greeted
        elif result.starttls_reply.startswith("220") and result.handshake_ok is None:
            result.handshake_ok = False
        result.detail = _where(result) + f"no answer within {timeout:g} s"
    except ConnectionRefusedError:
        result.connect, result.detail = "refused", f"{address} port {port} refused the connection"
    except _Reply as exc:
        result.detail = _where(result) + str(exc)
        if result.starttls_reply.startswith("220") and result.handshake_ok is None:
            result.handshake_ok = False
    except OSError as exc:
        if result.starttls_reply.startswith("220") and result.handshake_ok is None:
            result.handshake_ok = False
            result.detail = f"TLS handshake failed: {exc.strerror or exc}"
        else:
            result.connect = "unreachable" if not result.banner else result.connect
            result.detail = _where(result) + f"{exc.strerror or exc}"
    return result


def _where(result: Probe) -> str:
    if not result.banner:
        return "waiting for the greeting: "
    if result.starttls_offered is None:
        return "after EHLO: "
    if result.starttls_reply.startswith("220"):
        return "during the TLS handshake: "
    return "after STARTTLS: "


async def _dialogue(host: str, address: str, port: int, result: Probe) -> None:
    reader, writer = await asyncio.open_connection(address, port, limit=_MAX_REPLY)
    try:
        code, lines = await _read_reply(reader)
        result.banner = "\n".join(lines)
        if code != 220:
            result.detail = f"the greeting was not 220: {lines[-1]}"
            return
        writer.write(f"EHLO {_EHLO_NAME}\r\n".encode())
        code, lines = await _read_reply(reader)
        if code != 250:
            result.detail = f"EHLO was refused: {lines[-1]}"
            return
        # Each EHLO line after the first names one extension (RFC 5321 §4.1.1.1).
        result.starttls_offered = any(line[4:].strip().upper() == "STARTTLS" for line in lines[1:])
        if not result.starttls_offered:
            return
        writer.write(b"STARTTLS\r\n")
        code, lines = await _read_reply(reader)
        result.starttls_reply = lines[-1]
        if code != 220:
            result.handshake_ok = False
            result.detail = f"STARTTLS was answered {lines[-1]}"
            return
        try:
            await writer.start_tls(_unverified_context(), server_hostname=host)
        except ssl.SSLError as exc:
            result.handshake_ok = False
            result.detail = f"TLS handshake failed: {exc.reason or exc}"
            return
        except ValueError as exc:  # an MX name ssl will not send as SNI
            result.handshake_ok = False
            result.detail = f"TLS handshake not attempted: {exc}"
            return
        result.handshake_ok = True
        sslobj = writer.get_extra_info("ssl_object")
        result.protocol = sslobj.version() or ""
        result.cipher = (sslobj.cipher() or ("",))[0]
        result.chain = _served_chain(writer)
        writer.write(b"QUIT\r\n")
    finally:
        writer.close()
        try:
            await asyncio.wait_for(writer.wait_closed(), 1.0)
        except (OSError, TimeoutError, ssl.SSLError):
            pass
