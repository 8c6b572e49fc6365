"""`check --json` (and the app's .json save): the Report in the shape README.md documents.

Why a walk before msgspec encodes: msgspec encodes a Struct's fields and nothing else, while
the shape also carries computed properties a reader needs (a command's shell line, a record's
zone line, DMARC's verdict at the top: each class's `__json_extra__`), leaves out what only the
engine uses (a header's raw bytes, a partial report's pending stages: `__json_hidden__`), shows
raw bytes as cut text rather than base64, and times as Python's isoformat. So `to_data` maps
each Struct to a dict by a plan made once per class, and msgspec does the encoding.
wizard.output.schema describes the same shape from the same rules.

The report's verdict (wizard.verdict) sits at the top, and every finding carries, beside its
catalogue `severity`, the `severity_in_context` the verdict gives it: SPF failing at a
forwarder is CRITICAL in the catalogue and INFO on a message whose DKIM carries DMARC.
"""
from __future__ import annotations

import enum
import re
from collections.abc import Callable
from datetime import datetime
from typing import Any

import msgspec

from wizard.common.safe_text import FORMAT_CHARACTERS, decode, shorten
from wizard.model.findings import Finding
from wizard.model.report import Report
from wizard.verdict import Verdict, judge

SCHEMA_VERSION = 1
BYTES_SHOWN = 4000  # raw bytes inside a report (tails, returned parts) are shown cut to this

# JSON escapes C0 controls itself; C1 controls and the invisible format characters sanitize()
# shows would reach a terminal raw as UTF-8 (U+009B acts as CSI on some terminals), so they are
# escaped too, as JSON escapes: the parsed values stay exact.
_JSON_UNSAFE = re.compile(f"[\x7f-\x9f{FORMAT_CHARACTERS}]")


def _json_escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    if code < 0x10000:
        return f"\\u{code:04x}"
    code -= 0x10000  # tag characters are astral: JSON spells them as a surrogate pair
    return f"\\u{0xd800 + (code >> 10):04x}\\u{0xdc00 + (code & 0x3ff):04x}"

_PLANS: dict[type, tuple[tuple[str, ...], tuple[str, ...]]] = {}
_KEYS: dict[type, dict[str, str]] = {}


def json_key(cls: type, name: str) -> str:
    """The JSON key of field `name`: msgspec's rename when the class has one (an aggregate
    source's `class` cannot be a Python attribute name), else the name."""
    keys = _KEYS.get(cls)
    if keys is None:
        names = getattr(cls, "__struct_fields__", ())
        keys = _KEYS[cls] = dict(zip(names, getattr(cls, "__struct_encode_fields__", names)))
    return keys.get(name, name)


def json_plan(cls: type) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(fields shown, computed properties added) for a Struct class, in output order."""
    plan = _PLANS.get(cls)
    if plan is None:
        hidden = getattr(cls, "__json_hidden__", ())
        names: tuple[str, ...] = getattr(cls, "__struct_fields__", ())
        fields = tuple(n for n in names if n not in hidden and not n.startswith("_"))
        plan = _PLANS[cls] = (fields, tuple(getattr(cls, "__json_extra__", ())))
    return plan


def to_data(obj: Any, in_context: Callable[[Finding], Any] | None = None) -> Any:
    """`obj` as JSON data; with `in_context`, every Finding also gets `severity_in_context`."""
    if obj is None or isinstance(obj, (bool, int, float, str)):
        return obj.value if isinstance(obj, enum.Enum) else obj
    if isinstance(obj, msgspec.Struct):
        fields, extra = json_plan(type(obj))
        out = {json_key(type(obj), name): to_data(getattr(obj, name), in_context) for name in fields}
        for name in extra:
            out[name] = to_data(getattr(obj, name), in_context)
        if in_context is not None and isinstance(obj, Finding):
            out["severity_in_context"] = to_data(in_context(obj))
        return out
    if isinstance(obj, (list, tuple, set, frozenset)):
        return [to_data(v, in_context) for v in obj]
    if isinstance(obj, enum.Enum):
        return obj.value
    if isinstance(obj, datetime):
        return obj.isoformat()
    if isinstance(obj, (bytes, bytearray)):
        return shorten(decode(bytes(obj)), BYTES_SHOWN)
    if isinstance(obj, dict):
        return {str(k): to_data(v, in_context) for k, v in obj.items()}
    return str(obj)


def report_to_data(report: Report, verdict: Verdict | None = None) -> dict[str, Any]:
    """The report's JSON data, with what only the top level carries: the shape's version,
    the signatures' warnings together, the verdict, and the result behind `check`'s exit
    status (`failed` is the verdict's: the outcome is fail, rejected or deferred)."""
    verdict = verdict if verdict is not None else judge(report)
    data: dict[str, Any] = to_data(report, verdict.severity_in_context)
    data["schema"] = SCHEMA_VERSION
    data["warnings"] = list(report.warnings)
    data["verdict"] = to_data(verdict)
    if report.aggregate is not None:
        # Each source's verdict is the verdict package's reading of its facts (as the
        # report's is), so it is added here rather than held in the model.
        from wizard.verdict.aggregate import source_verdict

        for source, shown in zip(report.aggregate.sources, data["aggregate"]["sources"]):
            shown["verdict"] = to_data(source_verdict(source, report.aggregate.domain))
    if report.readiness is not None:  # `domain --reports`: the sources to fix first, as above
        from wizard.verdict.aggregate import source_verdict

        for source, shown in zip(report.readiness.fix_first, data["readiness"]["fix_first"]):
            shown["verdict"] = to_data(source_verdict(source, report.readiness.domain))
    if report.tls_report is not None:
        from wizard.verdict.tls import policy_verdict  # each policy's, as for aggregate sources

        for policy, shown in zip(report.tls_report.policies, data["tls_report"]["policies"]):
            shown["verdict"] = to_data(policy_verdict(policy, report.findings))
    data["result"] = {"outcome": verdict.outcome, "failed": verdict.failed,
                      "worst": report.worst.value if report.worst else None}
    return data


def report_to_json(report: Report, verdict: Verdict | None = None) -> str:
    data = report_to_data(report, verdict)
    text = msgspec.json.format(msgspec.json.encode(data), indent=2).decode("utf-8")
    return _JSON_UNSAFE.sub(_json_escape, text)
