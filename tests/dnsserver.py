"""A real BIND 9 on loopback for the DNS tests (DESIGN.md rule 8), and a port that never answers.

Used by tests/conftest.py (the `dns_server` and `silent_server` fixtures) and by the
benchmarks in tests/bench/, which start it themselves with `with BindServer() as server:`.

Three `named` processes on 127.0.0.1, each on its own free port (BIND only listens on
addresses an interface has, and loopback has just 127.0.0.1, so servers differ by port):

* main — every `tests/zones/*.zone` (origin = file name without `.zone`). Point a zone's NS
  at `ns1.<zone>` with `A 127.0.0.1`; `server.authority` maps that address to this server,
  so DnsSession's authoritative comparison asks it.
* alt — only `tests/zones/alt/*.zone`: a second authoritative server, reached for NS
  addresses 127.0.0.2, whose copy of a zone differs (DNS-05) or which does not serve a zone
  it is listed for (REFUSED, DNS-10).
* small-udp — the same zones as main with `max-udp-size 512`, so any answer over 512 bytes
  comes back truncated over UDP and needs TCP (DNS-09), while main keeps BIND's usual
  1232-byte limit and other tests see plain `ok` answers.

A zone file that fails to load (tests/zones/servfail-dns.test.zone has a broken SOA) stays
configured, and BIND answers SERVFAIL for names in it; a name in no zone gets REFUSED
(`recursion no`).
"""
from __future__ import annotations

import re
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import dns.message
import dns.query

from wizard.dns.resolvers import ServerResolver

ZONE_DIR = Path(__file__).parent / "zones"
HOST = "127.0.0.1"
ALT_ADDRESS = "127.0.0.2"  # the address alt's NS records use; served on HOST:alt_port
_RUNNING = re.compile(r" running$", re.M)  # named -g's last start-up line
_START_LIMIT = 10.0  # seconds; start-up is normally well under one


class NamedMissing(RuntimeError):
    pass


def free_port(host: str = HOST) -> int:
    """A port free for both UDP and TCP on `host` (checked, then released)."""
    for _ in range(50):
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
            udp.bind((host, 0))
            port = udp.getsockname()[1]
            try:
                with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as tcp:
                    tcp.bind((host, port))
            except OSError:
                continue
        return port
    raise RuntimeError("no free port found on loopback")


def _zones(directory: Path) -> dict[str, Path]:
    return {p.name[: -len(".zone")]: p.resolve() for p in sorted(directory.glob("*.zone"))}


class _Named:
    """One `named -g` process serving `zones` on HOST:port."""

    def __init__(self, name: str, zones: dict[str, Path], workdir: Path, extra: str = "") -> None:
        self.name = name
        self.zones = zones
        self.port = free_port()
        self.dir = workdir / name
        self.dir.mkdir()
        self.log = self.dir / "named.log"
        zone_lines = "\n".join(
            f'zone "{origin}" {{ type primary; file "{path}"; }};' for origin, path in zones.items())
        conf = self.dir / "named.conf"
        conf.write_text(f"""
options {{
    directory "{self.dir}";
    listen-on port {self.port} {{ {HOST}; }};
    listen-on-v6 {{ none; }};
    recursion no;
    dnssec-validation no;
    pid-file none;
    session-keyfile none;
    notify no;
    {extra}
}};
controls {{ }};
{zone_lines}
""")
        named = shutil.which("named") or "/usr/sbin/named"
        if not Path(named).exists():
            raise NamedMissing("BIND's named is not installed: apt-get install bind9")
        with open(self.log, "wb") as log:
            # -g: foreground, log to stderr; -4: no IPv6 sockets; -n 1: one worker thread
            # (the machine is shared, and loopback tests need no parallel query processing).
            self.proc = subprocess.Popen(
                [named, "-g", "-4", "-n", "1", "-c", str(conf)],
                stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            )

    def log_text(self) -> str:
        try:
            return self.log.read_text(errors="replace")
        except OSError:
            return ""

    def wait_ready(self, deadline: float) -> None:
        """Until named logs "running" (all zones loaded) and answers a query."""
        while not _RUNNING.search(self.log_text()):
            if self.proc.poll() is not None:
                raise RuntimeError(
                    f"named ({self.name}) exited with code {self.proc.returncode}:\n{self.log_text()}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"named ({self.name}) did not start in time:\n{self.log_text()}")
            time.sleep(0.01)
        query = dns.message.make_query("version.bind", "TXT", "CH")
        while True:
            try:
                dns.query.udp(query, HOST, timeout=0.2, port=self.port)
                return
            except Exception:  # noqa: BLE001 - not answering yet; any reply at all means it is up
                if time.monotonic() > deadline:
                    raise RuntimeError(f"named ({self.name}) does not answer:\n{self.log_text()}") from None

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


@dataclass
class BindServer:
    """The three named processes; use as a context manager (or start()/stop())."""

    zone_dir: Path = ZONE_DIR
    host: str = HOST
    _named: dict[str, _Named] = field(default_factory=dict)
    _workdir: Path | None = None

    @property
    def port(self) -> int:
        return self._named["main"].port

    @property
    def alt_port(self) -> int:
        return self._named["alt"].port

    @property
    def small_udp_port(self) -> int:
        return self._named["small-udp"].port

    @property
    def zones(self) -> dict[str, Path]:
        """origin → zone file, as loaded by the main server at start-up."""
        return dict(self._named["main"].zones)

    @property
    def spec(self) -> str:
        """The `--resolver` value for the main server: "127.0.0.1:PORT"."""
        return f"{self.host}:{self.port}"

    def resolver(self, *, port: int | None = None, timeout: float = 2.0,
                 label: str | None = None) -> ServerResolver:
        """A ServerResolver that asks the main server (or the one on `port`)."""
        return ServerResolver(self.host, port or self.port, timeout=timeout, label=label)

    def authority(self, ns_name: str, address: str, chase=None, *, timeout: float = 2.0
                  ) -> ServerResolver:
        """DnsSession's `authority` hook: NS addresses in the test zones are 127.0.0.1 (main)
        and 127.0.0.2 (alt); both really live on 127.0.0.1 at their own ports."""
        port = self.alt_port if address == ALT_ADDRESS else self.port
        return ServerResolver(self.host, port, timeout=timeout, label=f"{ns_name} (auth)",
                              chase=chase)

    def start(self) -> BindServer:
        self._workdir = Path(tempfile.mkdtemp(prefix="mailtriage-named-"))
        try:
            zones = _zones(self.zone_dir)
            self._named["main"] = _Named("main", zones, self._workdir)
            self._named["alt"] = _Named("alt", _zones(self.zone_dir / "alt"), self._workdir)
            self._named["small-udp"] = _Named("small-udp", zones, self._workdir, "max-udp-size 512;")
            deadline = time.monotonic() + _START_LIMIT
            for named in self._named.values():
                named.wait_ready(deadline)
        except Exception:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        for named in self._named.values():
            named.stop()
        self._named.clear()
        if self._workdir is not None:
            shutil.rmtree(self._workdir, ignore_errors=True)
            self._workdir = None

    def __enter__(self) -> BindServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


@dataclass
class SilentServer:
    """A UDP socket and a TCP listener on one loopback port that never answer: queries
    time out (the TCP handshake completes in the kernel, but nothing is ever read or sent)."""

    host: str = HOST
    port: int = 0
    _socks: list[socket.socket] = field(default_factory=list)

    @property
    def spec(self) -> str:
        return f"{self.host}:{self.port}"

    def resolver(self, *, timeout: float = 0.3) -> ServerResolver:
        return ServerResolver(self.host, self.port, timeout=timeout)

    def start(self) -> SilentServer:
        self.port = free_port(self.host)
        udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        udp.bind((self.host, self.port))
        tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        tcp.bind((self.host, self.port))
        tcp.listen(16)
        self._socks = [udp, tcp]
        return self

    def stop(self) -> None:
        for s in self._socks:
            s.close()
        self._socks = []

    def __enter__(self) -> SilentServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
