"""MTA-STS (RFC 8461): the `_mta-sts` TXT record, the policy file over HTTPS, its syntax and
the MX patterns. No regular expressions: every line is split with str methods."""
from __future__ import annotations

import http.client
import socket
import ssl
import threading
from dataclasses import dataclass

from wizard.tls.model import StsPolicy

MAX_POLICY = 64 * 1024  # bytes; real policies are a few hundred (RFC 8461 §3.3 asks for a cap)
MAX_AGE = 31557600  # RFC 8461 §3.2
MODES = ("enforce", "testing", "none")


@dataclass
class TxtRecord:
    records: list[str]  # the records that begin with v=STSv1
    id: str = ""
    problem: str = ""  # why senders would ignore it; "" when usable


def parse_txt(values: tuple[str, ...]) -> TxtRecord:
    """"Records that do not begin with "v=STSv1;" are discarded"; exactly one must remain,
    and its id is 1*32 letters and digits (RFC 8461 §3.1)."""
    records = [v for v in values if v.startswith("v=STSv1")]
    out = TxtRecord(records)
    if not records:
        out.problem = "no record begins with v=STSv1"
        return out
    if len(records) > 1:
        out.problem = f"{len(records)} records begin with v=STSv1; senders treat this as no policy"
        return out
    fields = {}
    for part in records[0].split(";"):
        key, eq, value = part.strip().partition("=")
        if eq:
            fields[key.strip()] = value.strip()
    if fields.get("v") != "STSv1":
        out.problem = "the record does not begin with exactly v=STSv1;"
    ident = fields.get("id", "")
    out.id = ident
    if not ident:
        out.problem = out.problem or "the record has no id="
    elif len(ident) > 32 or not (ident.isascii() and ident.isalnum()):
        out.problem = out.problem or (f"id={ident} is not 1 to 32 letters and digits "
                                      "(RFC 8461 §3.1), so senders discard the record")
    return out


@dataclass
class Fetched:
    status: int | None = None
    content_type: str = ""
    location: str = ""
    body: bytes = b""
    error: str = ""  # "" when a 200 with a body came back
    reason: str = ""  # "unreachable", "certificate", "http-status", "redirect", "too-large"


class _PinnedHTTPS(http.client.HTTPSConnection):
    """HTTPS to the address our DNS layer resolved, with the policy host as SNI and as the
    name the certificate must carry (http.client alone would ask the system resolver)."""

    def __init__(self, host: str, address: str, port: int, context: ssl.SSLContext,
                 timeout: float) -> None:
        super().__init__(host, port, context=context, timeout=timeout)
        self._address = address
        self._tls = context

    def connect(self) -> None:
        raw = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._held = self._tls.wrap_socket(raw, server_hostname=self.host)

    def abort(self) -> None:
        """End the exchange from the watchdog thread: the blocked read returns at once.
        `_held`, because http.client drops `sock` once a `Connection: close` response
        starts (the response reads on through its own file object)."""
        held = getattr(self, "_held", None)
        if held is not None:
            try:
                held.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


def fetch(host: str, address: str, port: int, timeout: float, ca_file: str | None) -> Fetched:
    """GET /.well-known/mta-sts.txt; redirects are not followed (RFC 8461 §3.3). Blocking:
    the caller runs it in a thread."""
    context = ssl.create_default_context(cafile=ca_file)
    conn = _PinnedHTTPS(host, address, port, context, timeout)
    out = Fetched()
    # `timeout` bounds each socket operation; the watchdog bounds the whole fetch, so a
    # server sending a byte at a time cannot hold the check for longer.
    watchdog = threading.Timer(timeout, conn.abort)
    watchdog.start()
    try:
        conn.request("GET", "/.well-known/mta-sts.txt", headers={"Host": host, "Connection": "close"})
        response = conn.getresponse()
        out.status = response.status
        out.content_type = response.getheader("Content-Type", "") or ""
        out.location = response.getheader("Location", "") or ""
        out.body = response.read(MAX_POLICY + 1)
        if watchdog.finished.is_set():  # read(n) returns what came before the cut, silently
            raise TimeoutError("cut off by the watchdog")
    except ssl.SSLCertVerificationError as exc:
        out.reason = "certificate"
        out.error = f"the certificate of {host} is not valid: {exc.verify_message}"
        return out
    except (OSError, http.client.HTTPException) as exc:
        out.reason = "unreachable"
        why = (f"no complete answer within {timeout:g} s" if watchdog.finished.is_set()
               else getattr(exc, "strerror", None) or exc)
        out.error = f"could not fetch the policy from {host} port {port}: {why}"
        return out
    finally:
        watchdog.cancel()
        conn.close()
    if 300 <= out.status < 400:
        out.reason = "redirect"
        out.error = (f"HTTP {out.status} redirect to {out.location or '?'}; senders do not follow "
                     "redirects (RFC 8461 §3.3)")
    elif out.status != 200:
        out.reason = "http-status"
        out.error = f"HTTP {out.status} instead of 200"
    elif len(out.body) > MAX_POLICY:
        out.reason = "too-large"
        out.error = f"the policy is larger than {MAX_POLICY} bytes"
    return out


@dataclass
class Parsed:
    policy: StsPolicy
    errors: list[str]  # "line N: …"


def parse_policy(body: bytes) -> Parsed:
    """`key: value` lines (RFC 8461 §3.2); unknown keys are ignored, as senders do."""
    text = body.decode("utf-8", "replace")
    lines = text.split("\n")
    lf_only = "\n" in text and "\r\n" not in text
    errors: list[str] = []
    fields: dict[str, str] = {}
    mx: list[str] = []
    for number, line in enumerate(lines, 1):
        line = line.removesuffix("\r")
        if not line.strip():
            continue
        key, colon, value = line.partition(":")
        key, value = key.strip(), value.strip()
        if not colon or not key or " " in key or "<" in key:
            errors.append(f"line {number}: {line[:80]!r} is not a `key: value` line")
            continue
        if key == "mx":
            if "," in value or " " in value:
                errors.append(f"line {number}: each MX needs its own `mx:` line, not {value[:80]!r}")
                mx.extend(v.strip() for v in value.replace(",", " ").split() if v.strip())
            else:
                mx.append(value)
        elif key in fields and key in ("version", "mode", "max_age"):
            errors.append(f"line {number}: `{key}` appears twice")
        else:
            fields[key] = value
    version, mode, age_text = fields.get("version", ""), fields.get("mode", ""), fields.get("max_age", "")
    if version != "STSv1":
        errors.append("version: " + (f"{version!r} is not STSv1" if version else "missing (must be STSv1)"))
    if mode not in MODES:
        errors.append("mode: " + (f"{mode!r} is not enforce, testing or none" if mode else "missing"))
    max_age = int(age_text) if age_text.isascii() and age_text.isdigit() else None
    if max_age is None:
        errors.append("max_age: " + (f"{age_text!r} is not a number of seconds" if age_text else "missing"))
    elif max_age > MAX_AGE:
        errors.append(f"max_age: {max_age} is above the maximum {MAX_AGE}")
    if mode in ("enforce", "testing") and not mx:
        errors.append("no `mx:` line: the policy allows no MX host at all")
    policy = StsPolicy(version=version, mode=mode, max_age=max_age, mx=tuple(mx), lf_only=lf_only)
    return Parsed(policy, errors)

