"""Read an aggregate report's XML: RFC 7489 Appendix C or RFC 9990, with or without the
namespace (RUA-02), row by row (RUA-03), hardened (RUA-15) and forgiving where reporters
are sloppy (RUA-16).

defusedxml refuses entity declarations and external references (billion laughs, XXE) on any
expat build; iterparse with each row cleared keeps memory to the report's size, not the
tree's. Elements are matched by local name: a parser that keeps `{ns}record` silently finds
no rows in a namespaced RFC 9990 report.
"""
from __future__ import annotations

import io
from datetime import UTC, datetime
from xml.etree.ElementTree import Element

# types-defusedxml is not among the test dependencies; the two names used here are plain.
import defusedxml.ElementTree as safe_et  # type: ignore[import-untyped]
from defusedxml import DefusedXmlException
from msgspec import Struct

from wizard.aggregate.archive import NotAReport
from wizard.common.safe_text import sanitize
from wizard.model.aggregate import (
    AggregateDkim,
    AggregateReport,
    AggregateSource,
    AggregateSpf,
    OverrideReason,
    PolicyPublished,
    Schema,
)
from wizard.model.findings import Cap, Finding, Severity

RFC9990_NS = "urn:ietf:params:xml:ns:dmarc-2.0"
MAX_ROWS = 100_000  # tens of thousands are real (RUA-16); the rest would only repeat them
MAX_RESULTS = 100  # per row and method: RFC 9990 says a row SHOULD carry at most 100
_FIELD = 512  # characters kept of any one value: an identifier, a comment


class ParsedReport(Struct, frozen=True):
    report: AggregateReport
    findings: tuple[Finding, ...]
    caps: tuple[Cap, ...]


_LOCAL: dict[str, str] = {}  # "{ns}record" → "record": a report repeats a dozen tags 100,000 times


def _local(tag: str) -> str:
    local = _LOCAL.get(tag)
    if local is None:
        local = tag.rpartition("}")[2]
        if len(_LOCAL) < 256:  # a hostile file's million distinct tags must not grow it
            _LOCAL[tag] = local
    return local


def _clean(value: str) -> str:
    # Most values are short printable ASCII, which sanitize() would return unchanged: a
    # report of 100,000 rows holds over a million of them.
    return value if value.isascii() and value.isprintable() else sanitize(value, one_line=True)


def _text(element: Element | None, name: str) -> str:
    if element is None:
        return ""
    for child in element:
        if _local(child.tag) == name:
            return _clean((child.text or "").strip()[:_FIELD])
    return ""


def _child(element: Element | None, name: str) -> Element | None:
    if element is None:
        return None
    return next((c for c in element if _local(c.tag) == name), None)


def _children(element: Element | None, name: str) -> list[Element]:
    return [] if element is None else [c for c in element if _local(c.tag) == name]


def _parts(element: Element | None) -> dict[str, list[Element]]:
    """The children by local name, gathered in one pass: a row's fields are read from
    these, not by a scan of the children per field."""
    out: dict[str, list[Element]] = {}
    for child in () if element is None else element:
        out.setdefault(_local(child.tag), []).append(child)
    return out


def _values(element: Element | None) -> dict[str, str]:
    """The text of the first child of each local name, cleaned."""
    out: dict[str, str] = {}
    for child in () if element is None else element:
        name = _local(child.tag)
        if name not in out:
            out[name] = _clean((child.text or "").strip()[:_FIELD])
    return out


def _first(parts: dict[str, list[Element]], name: str) -> Element | None:
    found = parts.get(name)
    return found[0] if found else None


def _iso(value: str) -> str:
    try:
        return datetime.fromtimestamp(int(value), UTC).isoformat()
    except (ValueError, OverflowError, OSError):
        return ""


def _utf8(xml: bytes, repairs: list[str]) -> bytes:
    """Invalid UTF-8 (RUA-16) would stop expat at the first bad byte; each one becomes U+FFFD
    and the report says so. A document declaring another encoding is left to expat."""
    head = xml[:200].lower()
    if b"encoding=" in head and b"utf-8" not in head and b"utf8" not in head:
        return xml
    try:
        xml.decode("utf-8")
    except UnicodeDecodeError as exc:
        repairs.append(f"invalid UTF-8 from byte {exc.start} on was replaced by U+FFFD")
        return xml.decode("utf-8", errors="replace").encode("utf-8")
    return xml


def parse_report(xml: bytes, form: str) -> ParsedReport:
    """The report in `xml` (which came as `form`). Raises NotAReport, in plain words, for
    anything that is not a well-formed aggregate report."""
    repairs: list[str] = []
    caps: list[Cap] = []
    xml = _utf8(xml, repairs)
    rows: list[AggregateSource] = []
    seen_rows = 0
    root_tag = ""
    metadata = policy = None
    try:
        for _, element in safe_et.iterparse(io.BytesIO(xml), events=("end",), forbid_dtd=False):
            root_tag = element.tag  # the last element to end is the root
            name = _local(root_tag)
            if name == "report_metadata":
                metadata = element
            elif name == "policy_published":
                policy = element
            elif name == "record":
                seen_rows += 1
                if len(rows) < MAX_ROWS:
                    rows.append(_row(element, repairs))
                element.clear()  # rows are kept as Structs; the tree must not grow with them
    except DefusedXmlException as exc:
        raise NotAReport(f"the XML declares entities or external references, which a report never "
                         f"needs and mailtriage refuses (billion laughs, XXE): {exc}") from None
    except safe_et.ParseError as exc:
        raise NotAReport(f"it is not well-formed XML ({exc})") from None
    if _local(root_tag) != "feedback":
        raise NotAReport(f"the XML's root is <{_local(root_tag)}>, not an aggregate report's <feedback>")
    if seen_rows > MAX_ROWS:
        caps.append(Cap("report rows read", MAX_ROWS, seen_rows))
        repairs.append(f"only the first {MAX_ROWS:,} of {seen_rows:,} rows were read")
    published = _policy(policy)
    schema, why = _schema(root_tag, metadata, policy, rows)
    date_range = _child(metadata, "date_range")
    begin, end = _iso(_text(date_range, "begin")), _iso(_text(date_range, "end"))
    if not (begin and end):
        repairs.append("the date range is missing or not a number of seconds")
    if not rows:
        repairs.append("the report holds no <record> rows")
    messages = sum(r.count for r in rows)
    passing = sum(r.count for r in rows if r.dmarc == "pass")
    report = AggregateReport(
        org_name=_text(metadata, "org_name"), report_id=_text(metadata, "report_id"),
        begin=begin, end=end, domain=published.domain, schema=schema, policy_published=published,
        messages=messages, passing=passing, failing=messages - passing, sources=tuple(rows),
    )
    findings = [_what_it_is(report, form, len(rows)), _schema_finding(schema, why, published)]
    if repairs:
        findings.append(Finding(
            "RUA-16", Severity.WARN, "The report needed repairs; what was read is shown",
            "; ".join(dict.fromkeys(repairs)) + ".", about=published.domain))
    return ParsedReport(report, tuple(findings), tuple(caps))


def _count(value: str, repairs: list[str]) -> int:
    try:
        count = int(value)
    except ValueError:
        repairs.append("a row's count is not a number (read as 0)")
        return 0
    return max(count, 0)


def _row(record: Element, repairs: list[str]) -> AggregateSource:
    parts = _parts(record)
    row = _first(parts, "row")
    fields = _values(row)
    evaluated = _first(_parts(row), "policy_evaluated")
    verdict = _values(evaluated)
    identifiers = _values(_first(parts, "identifiers"))
    auth = _parts(_first(parts, "auth_results"))
    dkim = tuple(
        AggregateDkim(v.get("domain", "").lower(), v.get("selector", ""), v.get("result", "").lower())
        for v in map(_values, auth.get("dkim", ())[:MAX_RESULTS]))
    spf = tuple(
        AggregateSpf(v.get("domain", "").lower(), v.get("scope", "").lower(), v.get("result", "").lower())
        for v in map(_values, auth.get("spf", ())[:MAX_RESULTS]))
    raw_dkim, raw_spf = verdict.get("dkim", ""), verdict.get("spf", "")
    policy_dkim, policy_spf = raw_dkim.lower(), raw_spf.lower()
    if raw_dkim != policy_dkim or raw_spf != policy_spf:
        repairs.append("result values in capitals (e.g. Pass) were read in lower case")
    reasons = tuple(OverrideReason(v.get("type", "").lower(), v.get("comment", ""))
                    for v in map(_values, _parts(evaluated).get("reason", ())))
    return AggregateSource(
        ip=fields.get("source_ip", ""), count=_count(fields.get("count") or "0", repairs), ptr=None,
        header_from=identifiers.get("header_from", "").lower(),
        disposition=verdict.get("disposition", "").lower(), dkim=dkim, spf=spf,
        dmarc="pass" if "pass" in (policy_dkim, policy_spf) else "fail",
        envelope_from=identifiers.get("envelope_from", "").lower(),
        policy_dkim=policy_dkim, policy_spf=policy_spf, reasons=reasons,
    )


def _policy(policy: Element | None) -> PolicyPublished:
    def opt(name: str) -> str | None:
        return _text(policy, name).lower() or None

    pct = _text(policy, "pct")
    return PolicyPublished(
        domain=_text(policy, "domain").lower().rstrip("."), adkim=opt("adkim"), aspf=opt("aspf"),
        p=opt("p"), sp=opt("sp"), np=opt("np"), pct=int(pct) if pct.isdigit() else None,
        fo=opt("fo"), testing=opt("testing"), discovery_method=opt("discovery_method"),
    )


def _schema(root_tag: str, metadata: Element | None, policy: Element | None,
            rows: list[AggregateSource]) -> tuple[Schema, str]:
    """RFC 9990 by its namespace, or by its fields, since reporters send 9990-shaped data
    without the namespace; RFC 7489 otherwise (RUA-02)."""
    if root_tag.startswith("{" + RFC9990_NS + "}"):
        return "rfc9990", f"the document is in the RFC 9990 namespace {RFC9990_NS}"
    new = [f for f in ("np", "testing", "discovery_method") if _child(policy, f) is not None]
    if _child(metadata, "generator") is not None:
        new.append("generator")
    if any(r.disposition == "pass" for r in rows):
        new.append("disposition pass")
    if any(reason.type == "policy_test_mode" for r in rows for reason in r.reasons):
        new.append("override policy_test_mode")
    if new and _child(policy, "pct") is None:
        return "rfc9990", f"it carries RFC 9990 fields ({', '.join(new)}) and no pct"
    if _child(policy, "pct") is not None:
        return "rfc7489", "policy_published carries pct, which RFC 9990 dropped"
    return "rfc7489", "it has neither the RFC 9990 namespace nor RFC 9990's fields"


def _what_it_is(report: AggregateReport, form: str, rows: int) -> Finding:
    schema = "RFC 9990" if report.schema == "rfc9990" else "RFC 7489"
    span = f"{report.begin[:16]}–{report.end[:16]} UTC" if report.begin and report.end else "no date range"
    return Finding(
        "RUA-01", Severity.INFO,
        f"DMARC aggregate report ({schema} schema) from {report.org_name or 'an unnamed receiver'} "
        f"for {report.domain or 'no domain'}, {span}: {rows} rows, {report.messages} messages",
        f"Read from a {form}. Each row says how many messages claiming the domain came from one "
        "IP and how they authenticated, as the receiver judged them.",
        about=report.domain)


_DISCOVERY = {"psl": "this receiver used the RFC 7489 rules (Public Suffix List)",
              "treewalk": "this receiver used the RFC 9989 rules (DNS tree walk)"}


def _schema_finding(schema: str, why: str, published: PolicyPublished) -> Finding:
    detail = f"Read as {'RFC 9990' if schema == 'rfc9990' else 'RFC 7489 Appendix C'}: {why}."
    if published.discovery_method:
        detail += " " + _DISCOVERY.get(published.discovery_method,
                                       f"discovery method {published.discovery_method!r}") + "."
    return Finding("RUA-02", Severity.INFO,
                   f"Report schema: {'RFC 9990' if schema == 'rfc9990' else 'RFC 7489'}", detail,
                   about=published.domain)
