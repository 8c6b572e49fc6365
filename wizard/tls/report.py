"""TLS-RPT reports (RFC 8460 §4): JSON, gzip-compressed JSON, or a mail carrying either
(`multipart/report; report-type=tlsrpt`). `looks_like_tls_report(raw)` is the classifier's
cheap test; `parse_tls_report(data)` reads one into a TlsRptReport (the JSON key
`tls_report`) with a TLS-17 summary and, per failing policy, a TLS-18 finding mapping each
result type to its diagnosis, with the checks to run against the MX hosts that failed.

Every size is capped before the work it would cost: the input, the inflated gzip, the
number of policies and of failure rows kept."""
from __future__ import annotations

import email
import email.policy
import gzip
import io
import json
import zlib
from email.message import Message

from wizard.fixes import curl_mta_sts, dig_tlsa, mailtriage_tls, openssl_starttls
from wizard.model.findings import Finding, Fix, Severity
from wizard.model.tls_report import TlsRptFailure, TlsRptPolicy, TlsRptReport

MAX_INPUT = 10 * 1024 * 1024  # bytes read at all
MAX_JSON = 20 * 1024 * 1024  # bytes of JSON after inflating (a gzip bomb stops here)
MAX_POLICIES = 1000
MAX_FAILURES = 1000  # per policy

# RFC 8460 §4.3 result types (IANA "STARTTLS Validation Result Types") → diagnosis (TLS-18).
RESULT_TYPES = {
    "starttls-not-supported": "TLS-01",
    "certificate-expired": "TLS-03",
    "certificate-host-mismatch": "TLS-04",
    "certificate-not-trusted": "TLS-05",
    "validation-failure": "TLS-05",
    "tlsa-invalid": "TLS-13",
    "dnssec-invalid": "TLS-15",
    "dane-required": "TLS-15",
    "sts-policy-fetch-error": "TLS-07",
    "sts-webpki-invalid": "TLS-07",
    "sts-policy-invalid": "TLS-08",
}
_TLSRPT_TYPES = ("application/tlsrpt+json", "application/tlsrpt+gzip", "application/gzip",
                 "application/json", "application/x-gzip", "application/octet-stream")


_SNIFF = 64 * 1024  # bytes looked at (inflated, for gzip) to recognise a report
# Keys only RFC 8460 reports have (a DMARC aggregate report is XML; SES notifications are
# JSON without them); the mail headers and media types of the mail form.
_JSON_KEYS = (b'"date-range"', b'"policies"', b'"organization-name"')
_MAIL_SIGNS = (b"report-type=tlsrpt", b'report-type="tlsrpt"', b"application/tlsrpt",
               b"tls-report-domain:")


class NotTlsReport(ValueError):
    """The input is no TLS-RPT report; the message says why, for the user."""


def parse_tls_report(data: bytes) -> TlsRptReport:
    """Read a report from JSON, gzip or a mail; raises NotTlsReport when it is none."""
    if len(data) > MAX_INPUT:
        raise NotTlsReport(f"the input is larger than {MAX_INPUT} bytes")
    document = _json_document(data, depth=0)
    return _report(document)


def looks_like_tls_report(raw: bytes) -> bool:
    """Is `raw` a TLS-RPT report, gzip or not, or a mail carrying one? A magic number, a
    64 KB inflate at most, and one scan: cheap for everything else."""
    head = raw[:_SNIFF]
    if head[:2] == b"\x1f\x8b":
        try:
            head = zlib.decompressobj(wbits=31).decompress(raw[:_SNIFF], _SNIFF)
        except zlib.error:
            return False
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if text[:1] == b"{":
        return sum(k in text for k in _JSON_KEYS) >= 2
    # The mail form's header block says it (RFC 8460 §5.3: multipart/report;
    # report-type=tlsrpt, TLS-Report-Domain:); the parts after it need not be read here.
    lowered = head.lower()
    return any(sign in lowered for sign in _MAIL_SIGNS)


def _inflate(data: bytes) -> bytes:
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(data)) as stream:
            out = stream.read(MAX_JSON + 1)
    except (OSError, EOFError, zlib.error) as exc:
        raise NotTlsReport(f"the gzip data cannot be read: {exc}") from None
    if len(out) > MAX_JSON:
        raise NotTlsReport(f"the report inflates to more than {MAX_JSON} bytes")
    return out


def _json_document(data: bytes, depth: int) -> dict:
    """JSON by content, not by label: gzip magic, a `{`, else a mail whose parts are tried."""
    if data[:2] == b"\x1f\x8b":
        return _json_document(_inflate(data), depth)
    text = data.lstrip(b"\xef\xbb\xbf \t\r\n")
    if text[:1] == b"{":
        try:
            document = json.loads(text)
        except (ValueError, RecursionError) as exc:
            raise NotTlsReport(f"the report is not valid JSON: {str(exc)[:200]}") from None
        if not isinstance(document, dict):
            raise NotTlsReport("the report's JSON is not an object")
        return document
    if depth > 0:
        raise NotTlsReport("no TLS report found in the part")
    message = email.message_from_bytes(data, policy=email.policy.compat32)
    for part in _report_parts(message):
        payload = part.get_payload(decode=True)
        if isinstance(payload, bytes) and payload:
            try:
                return _json_document(payload, depth + 1)
            except NotTlsReport:
                continue
    raise NotTlsReport("neither TLS-RPT JSON (RFC 8460) nor a mail carrying one")


def _report_parts(message: Message) -> list[Message]:
    """The parts that may hold the report: TLS-RPT or gzip/JSON media types, or a file name
    ending .json / .json.gz / .gz; labelled ones first."""
    labelled, named = [], []
    for part in message.walk():
        if part.is_multipart():
            continue
        kind = part.get_content_type()
        name = (part.get_filename() or "").lower()
        if kind in _TLSRPT_TYPES:
            labelled.append(part)
        elif name.endswith((".json", ".json.gz", ".gz")):
            named.append(part)
    return labelled + named


def _obj(value: object) -> dict:
    return value if isinstance(value, dict) else {}


def _strings(value: object) -> tuple[str, ...]:
    """A string or an array of strings (reporters send `mx-host` both ways)."""
    if isinstance(value, str):
        return (value,)
    return tuple(v for v in value if isinstance(v, str)) if isinstance(value, list) else ()


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""


def _count(value: object) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else 0


def _report(doc: dict) -> TlsRptReport:
    policies_raw = doc.get("policies")
    if not isinstance(policies_raw, list):
        raise NotTlsReport('"policies" is missing or not an array (RFC 8460 §4: it MUST be one)')
    dates = _obj(doc.get("date-range"))
    policies = tuple(_policy(p) for p in policies_raw[:MAX_POLICIES] if isinstance(p, dict))
    report = TlsRptReport(
        org_name=_text(doc.get("organization-name")), report_id=_text(doc.get("report-id")),
        begin=_text(dates.get("start-datetime")), end=_text(dates.get("end-datetime")),
        policies=policies, contact_info=_text(doc.get("contact-info")))
    findings = [_summary(report, dropped=len(policies_raw) - len(policies))]
    findings += [_verdict(p) for p in policies if p.failed]
    return TlsRptReport(**{f: getattr(report, f) for f in report.__struct_fields__
                           if f != "findings"}, findings=tuple(findings))


def _policy(raw: dict) -> TlsRptPolicy:
    policy, summary = _obj(raw.get("policy")), _obj(raw.get("summary"))
    details = raw.get("failure-details")
    details = details if isinstance(details, list) else []
    failures = tuple(_failure(d) for d in details[:MAX_FAILURES] if isinstance(d, dict))
    return TlsRptPolicy(
        policy_type=_text(policy.get("policy-type")),
        policy_domain=_text(policy.get("policy-domain")),
        mx_hosts=_strings(policy.get("mx-host")),
        successful=_count(summary.get("total-successful-session-count")),
        failed=_count(summary.get("total-failure-session-count")),
        failures=failures,
        policy_string=_strings(policy.get("policy-string")))


def _failure(raw: dict) -> TlsRptFailure:
    result = _text(raw.get("result-type"))
    return TlsRptFailure(
        result_type=result, sending_mta_ip=_text(raw.get("sending-mta-ip")),
        receiving_mx_hostname=_text(raw.get("receiving-mx-hostname")),
        count=_count(raw.get("failed-session-count")), finding=RESULT_TYPES.get(result, ""),
        receiving_ip=_text(raw.get("receiving-ip")),
        failure_reason_code=_text(raw.get("failure-reason-code")),
        additional_information=_text(raw.get("additional-information")))


def _summary(report: TlsRptReport, dropped: int) -> Finding:
    ok = sum(p.successful for p in report.policies)
    failed = sum(p.failed for p in report.policies)
    lines = tuple(f"{p.policy_type or '?'} policy for {p.policy_domain or '?'}: {p.successful} "
                  f"successful, {p.failed} failed session(s)" for p in report.policies)
    more = f" ({dropped} further policies not read)" if dropped > 0 else ""
    return Finding("TLS-17", Severity.INFO,
                   f"TLS report from {report.org_name or '(unnamed reporter)'}: {ok} successful, "
                   f"{failed} failed session(s)",
                   f"Report {report.report_id or '(no id)'}, {report.begin} to {report.end}, "
                   f"{len(report.policies)} polic{'y' if len(report.policies) == 1 else 'ies'}"
                   f"{more}. Reports count only when their mail carries a valid DKIM signature of "
                   "the reporter (RFC 8460 §3).", lines)


def _verdict(policy: TlsRptPolicy) -> Finding:
    """One finding per failing policy: which rows failed and what each means."""
    mode = policy.mode
    if policy.policy_type == "no-policy-found":
        severity, consequence = Severity.INFO, "no policy applied: the failures were opportunistic-only"
    elif policy.policy_type == "sts" and mode != "enforce":
        severity, consequence = Severity.WARN, (f"MTA-STS mode {mode or '?'}: mail was still delivered; "
                                                "under enforce these sessions would fail")
    else:
        severity, consequence = Severity.ERROR, "senders bound by the policy could not deliver"
    rows = tuple(f"{f.receiving_mx_hostname or '?'}: {f.result_type} × {f.count} from "
                 f"{f.sending_mta_ip or '?'} → {f.finding or 'unmapped'}"
                 + (f" ({f.failure_reason_code})" if f.failure_reason_code else "")
                 for f in policy.failures)
    causes = sorted({f.finding for f in policy.failures if f.finding})
    total = policy.failed + policy.successful
    return Finding("TLS-18", severity,
                   f"{policy.failed} of {total} TLS sessions to {policy.policy_domain or '?'} "
                   f"failed ({policy.policy_type or '?'} policy)",
                   f"{consequence}. Diagnoses: {', '.join(causes) or 'none named'}. The receiving "
                   f"domain {policy.policy_domain or ''} must fix its MX hosts, certificates or "
                   "policy; `mailtriage tls DOMAIN` checks them live.", rows, _checks(policy),
                   about=f"domain {policy.policy_domain}")


def _checks(policy: TlsRptPolicy) -> tuple[Fix, ...]:
    """What to run against the failing MX hosts (three at most) and the policy domain; names
    that are not DNS names (a reporter's typo, a hostile report) get none."""
    hosts = list(dict.fromkeys(f.receiving_mx_hostname.rstrip(".") for f in policy.failures
                               if f.receiving_mx_hostname))[:3]
    builders: list = [lambda h=h: openssl_starttls(h) for h in hosts]
    if policy.policy_type == "tlsa":
        builders += [lambda h=h: dig_tlsa(h) for h in hosts]
    if policy.policy_type == "sts":
        builders.append(lambda: curl_mta_sts(policy.policy_domain))
    builders.append(lambda: mailtriage_tls(policy.policy_domain))
    out: list[Fix] = []
    for build in builders:
        try:
            out.append(build())
        except ValueError:  # InvalidName is a ValueError
            continue
    return tuple(out)
