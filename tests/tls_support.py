"""The real TLS parts of the TLS tests: a throw-away CA, a STARTTLS SMTP server, an HTTPS
server for MTA-STS policies and a DNS stub that adds what BIND on loopback cannot (the AD
bit of a validating resolver, a bogus answer). Each server runs its own asyncio loop (or
http.server) in a thread, so the async engine tests and the synchronous CLI tests share them.

The leaf and intermediate keys are fixed (below) so tests/zones/tls.test.zone can publish
their TLSA digests; every certificate is made fresh per test session with those keys.
"""
from __future__ import annotations

import asyncio
import datetime as dt
import http.server
import ssl
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import dns.flags
import dns.message
import dns.query
import dns.rcode
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from dnsserver import free_port

# Test-only keys: their `3 1 1` / `2 1 1` digests are in tests/zones/tls.test.zone.
LEAF_KEY_PEM = b"""-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgEcoJuElkzh422i0i
+si/kpFWHuR81xHRM8T6NCXpTfChRANCAASQby/+oFyS4klEEp2RiSYevK8tdwcs
kpwcH/tRVeKkAiC3lCHltGmQWISZ0a8PGPMlbh2zK2CcaUz8KCi0qrI7
-----END PRIVATE KEY-----
"""
LEAF_311 = "141337561e2d50bafc2895d37c0d1dab6a355160e4c3d85087cda16c727d47b5"
INTERMEDIATE_KEY_PEM = b"""-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgEAg3mJJLL6Uw6IIj
kKZG2e/T3cdT37xA/ByyrLCbbs6hRANCAARZUy19Ad93DUAY9bxumKcwcT3wThxF
UD2Yc9oPzWlPbrifOqjmveejnCJEYI+tRf2Sy0AUO1/aUwYxp6I/2sZ8
-----END PRIVATE KEY-----
"""
INTERMEDIATE_211 = "f309b95d4b0f57b07d99a27a06cb451c4dc315d1ba367f51c94fe3a2b55e6bec"

HOST = "127.0.0.1"
_DAY = dt.timedelta(days=1)


def _key(pem: bytes | None) -> ec.EllipticCurvePrivateKey:
    if pem is None:
        return ec.generate_private_key(ec.SECP256R1())
    key = serialization.load_pem_private_key(pem, None)
    assert isinstance(key, ec.EllipticCurvePrivateKey)
    return key


def _pem(*certs: x509.Certificate) -> bytes:
    return b"".join(c.public_bytes(serialization.Encoding.PEM) for c in certs)


@dataclass
class Issued:
    """A server certificate and what to serve with it, as files for ssl.load_cert_chain."""

    chain_file: Path  # the leaf, then what the server sends after it
    key_file: Path
    leaf: x509.Certificate


class TestCA:
    """Root → intermediate (fixed key) → leaves. `ca_file` is the root: what --ca-file trusts."""

    __test__ = False  # not a pytest class

    def __init__(self, directory: Path) -> None:
        self.dir = directory
        self.now = dt.datetime.now(dt.UTC)
        self.root_key = _key(None)
        # The CAs reach a year back, so an expired leaf still has valid issuers.
        ca_dates = {"not_before": self.now - 365 * _DAY, "not_after": self.now + 365 * _DAY}
        self.root = self._cert("mailtriage test root", self.root_key, self.root_key, None,
                               ca=True, **ca_dates)
        self.int_key = _key(INTERMEDIATE_KEY_PEM)
        self.intermediate = self._cert("mailtriage test intermediate", self.int_key,
                                       self.root_key, self.root, ca=True, **ca_dates)
        self.ca_file = directory / "ca.pem"
        self.ca_file.write_bytes(_pem(self.root))
        self._count = 0

    def _cert(self, cn: str, key, signer_key, signer: x509.Certificate | None, *, ca: bool,
              names: tuple[str, ...] = (), not_before: dt.datetime | None = None,
              not_after: dt.datetime | None = None) -> x509.Certificate:
        subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])
        builder = (x509.CertificateBuilder()
                   .subject_name(subject)
                   .issuer_name(signer.subject if signer is not None else subject)
                   .public_key(key.public_key())
                   .serial_number(x509.random_serial_number())
                   .not_valid_before(not_before or self.now - _DAY)
                   .not_valid_after(not_after or self.now + 90 * _DAY)
                   .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
                   .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()),
                                  critical=False)
                   .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(
                       signer_key.public_key()), critical=False))
        if ca:
            builder = builder.add_extension(x509.KeyUsage(
                digital_signature=True, content_commitment=False, key_encipherment=False,
                data_encipherment=False, key_agreement=False, key_cert_sign=True, crl_sign=True,
                encipher_only=False, decipher_only=False), critical=True)
        else:
            builder = builder.add_extension(
                x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            if names:
                builder = builder.add_extension(
                    x509.SubjectAlternativeName([x509.DNSName(n) for n in names]), critical=False)
        return builder.sign(signer_key, hashes.SHA256())

    def issue(self, *names: str, fixed_key: bool = True, expired: bool = False,
              self_signed: bool = False, send_intermediate: bool = True) -> Issued:
        """A leaf for `names` (the fixed leaf key unless `fixed_key=False`: a re-keyed server)."""
        self._count += 1
        key = _key(LEAF_KEY_PEM if fixed_key else None)
        dates = {}
        if expired:
            dates = {"not_before": self.now - 100 * _DAY, "not_after": self.now - _DAY}
        if self_signed:
            leaf = self._cert(names[0], key, key, None, ca=False, names=names, **dates)
            chain = [leaf]
        else:
            leaf = self._cert(names[0], key, self.int_key, self.intermediate, ca=False,
                              names=names, **dates)
            chain = [leaf, self.intermediate] if send_intermediate else [leaf]
        chain_file = self.dir / f"chain{self._count}.pem"
        key_file = self.dir / f"key{self._count}.pem"
        chain_file.write_bytes(_pem(*chain))
        key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                               serialization.PrivateFormat.PKCS8,
                                               serialization.NoEncryption()))
        return Issued(chain_file, key_file, leaf)


class _Thread:
    """An asyncio loop in a daemon thread, serving until `stop()`."""

    def __init__(self) -> None:
        self.port = free_port()
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._server: asyncio.AbstractServer | None = None

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._loop.run_until_complete(self._open())
        self._ready.set()
        self._loop.run_forever()

    async def _open(self) -> None:
        raise NotImplementedError

    def __enter__(self):
        self._thread.start()
        self._ready.wait(5)
        return self

    def __exit__(self, *exc: object) -> None:
        async def close() -> None:
            if self._server is not None:
                self._server.close()
            # Sessions still open (a silent server's sleep) end here, not with the loop.
            tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
        asyncio.run_coroutine_threadsafe(close(), self._loop).result(5)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)
        self._loop.close()


@dataclass
class SmtpBehaviour:
    """How the loopback MX behaves; the defaults are a correct STARTTLS server."""

    issued: Issued | None = None  # None: no STARTTLS in the EHLO reply
    starttls_reply: str = "220 2.0.0 Ready to start TLS"
    silent: bool = False  # accept the connection, never greet
    sessions: list[str] = field(default_factory=list)  # "tls" per completed handshake


class SmtpServer(_Thread):
    """A small ESMTP server on 127.0.0.1 with STARTTLS (RFC 3207), enough for a sender's
    dialogue: greeting, EHLO, STARTTLS, EHLO again, QUIT."""

    def __init__(self, behaviour: SmtpBehaviour, host: str = HOST) -> None:
        super().__init__()
        self.behaviour = behaviour
        self.host = host  # "::1" for the IPv6-only MX
        self.context: ssl.SSLContext | None = None
        if behaviour.issued is not None:
            self.context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            self.context.load_cert_chain(behaviour.issued.chain_file, behaviour.issued.key_file)

    async def _open(self) -> None:
        self._server = await asyncio.start_server(self._serve, self.host, self.port)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        b = self.behaviour
        try:
            if b.silent:
                await asyncio.sleep(60)
                return
            writer.write(b"220 mx.loopback ESMTP test\r\n")
            secure = False
            while line := await reader.readline():
                verb = line.decode().strip().upper()
                if verb.startswith(("EHLO", "HELO")):
                    offer = self.context is not None and not secure
                    writer.write(b"250-mx.loopback\r\n" + (b"250-STARTTLS\r\n" if offer else b"")
                                 + b"250 8BITMIME\r\n")
                elif verb == "STARTTLS" and self.context is not None and not secure:
                    writer.write(b.starttls_reply.encode() + b"\r\n")
                    if not b.starttls_reply.startswith("220"):
                        continue
                    await writer.drain()
                    await writer.start_tls(self.context)
                    secure = True
                    b.sessions.append("tls")
                elif verb == "QUIT":
                    writer.write(b"221 2.0.0 Bye\r\n")
                    await writer.drain()
                    return
                else:
                    writer.write(b"502 5.5.2 Command not recognised\r\n")
                await writer.drain()
        except (OSError, ssl.SSLError, asyncio.CancelledError):
            return
        finally:
            writer.close()


@dataclass
class Page:
    status: int = 200
    body: bytes = b""
    headers: tuple[tuple[str, str], ...] = (("Content-Type", "text/plain"),)
    drip: float = 0.0  # seconds between body bytes: a server that never quite finishes


class HttpsServer:
    """http.server over TLS on 127.0.0.1, answering every GET with `page`."""

    def __init__(self, issued: Issued, page: Page) -> None:
        self.port = free_port()
        self.page = page
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                self.send_response(outer.page.status)
                for name, value in outer.page.headers:
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(outer.page.body)))
                self.end_headers()
                if not outer.page.drip:
                    self.wfile.write(outer.page.body)
                    return
                for byte in outer.page.body:
                    self.wfile.write(bytes([byte]))
                    self.wfile.flush()
                    time.sleep(outer.page.drip)

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = http.server.ThreadingHTTPServer((HOST, self.port), Handler)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(issued.chain_file, issued.key_file)
        self.httpd.socket = context.wrap_socket(self.httpd.socket, server_side=True)
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> HttpsServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


class DnsStub(_Thread):
    """Forwards UDP queries to BIND and plays a validating resolver: names in `secure` come
    back with AD set, names in `bogus` get SERVFAIL unless the query sets CD."""

    def __init__(self, upstream: tuple[str, int], secure: set[str] = frozenset(),
                 bogus: set[str] = frozenset()) -> None:
        super().__init__()
        self.upstream = upstream
        self.secure = {n.lower() for n in secure}
        self.bogus = {n.lower() for n in bogus}
        self._transport: asyncio.DatagramTransport | None = None

    @property
    def spec(self) -> str:
        return f"{HOST}:{self.port}"

    async def _open(self) -> None:
        stub = self

        class Protocol(asyncio.DatagramProtocol):
            def connection_made(self, transport) -> None:
                stub._transport = transport

            def datagram_received(self, data: bytes, addr) -> None:
                asyncio.get_running_loop().run_in_executor(None, stub._answer, data, addr)

        await asyncio.get_running_loop().create_datagram_endpoint(
            Protocol, local_addr=(HOST, self.port))

    def _answer(self, data: bytes, addr) -> None:
        query = dns.message.from_wire(data)
        name = query.question[0].name.to_text().rstrip(".").lower()
        if name in self.bogus and not query.flags & dns.flags.CD:
            response = dns.message.make_response(query)
            response.set_rcode(dns.rcode.SERVFAIL)
        else:
            response = dns.query.udp(query, self.upstream[0], timeout=3, port=self.upstream[1])
            if name in self.secure:
                response.flags |= dns.flags.AD
        assert self._transport is not None
        self._loop.call_soon_threadsafe(self._transport.sendto, response.to_wire(), addr)

    def __exit__(self, *exc: object) -> None:
        if self._transport is not None:
            self._loop.call_soon_threadsafe(self._transport.close)
        super().__exit__(*exc)
