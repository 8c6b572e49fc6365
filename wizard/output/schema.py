"""The JSON Schema of `check --json`, generated from the model (committed as
schema/report.schema.json; `mailtriage schema` writes it, a test fails when it is stale).

msgspec describes each Struct's fields; the same rules wizard.output.json applies are then
applied here, so the schema describes the JSON as printed: `__json_hidden__` fields are left
out, `__json_extra__` properties are added (typed by their return annotations), bytes are
text rather than base64, every Finding carries `severity_in_context`, and the top level
carries `schema`, `warnings`, `verdict` (wizard.verdict.model, field for field) and `result`.
"""
from __future__ import annotations

import re
import typing
from typing import Any

import msgspec

from wizard.model.aggregate import AggregateSource
from wizard.model.findings import Finding, Severity
from wizard.model.report import Report
from wizard.model.tls_report import TlsRptPolicy
from wizard.output.json import SCHEMA_VERSION, json_key, json_plan
from wizard.verdict import Verdict
from wizard.verdict.model import EXIT_STATUS

SCHEMA_ID = "https://mailtriage.invalid/schema/report.schema.json"


def _structs(root: type) -> list[type]:
    """Every Struct class reachable from `root`'s fields, and from its computed properties."""
    seen: dict[type, None] = {}
    todo: list[msgspec.inspect.Type] = [msgspec.inspect.type_info(root)]
    while todo:
        info = todo.pop()
        if isinstance(info, msgspec.inspect.StructType):
            if info.cls in seen:
                continue
            seen[info.cls] = None
            todo += [f.type for f in info.fields]
            todo += [msgspec.inspect.type_info(t) for t in _extra_types(info.cls).values()]
        for attr in ("item_type", "key_type", "value_type"):
            if hasattr(info, attr):
                todo.append(getattr(info, attr))
        for attr in ("types", "item_types"):
            todo += list(getattr(info, attr, ()))
    return list(seen)


def _extra_types(cls: type) -> dict[str, Any]:
    """The return type of each computed property the JSON adds to `cls`."""
    return {name: typing.get_type_hints(getattr(cls, name).fget)["return"]
            for name in json_plan(cls)[1]}


def _component_name(cls: type, defs: dict[str, Any]) -> str:
    # msgspec's naming: the class name, or its full import path when two types share it
    # (wizard.model.dkim.Verdict, an enum, and wizard.verdict.model.Verdict).
    full = re.sub(r"[^a-zA-Z0-9.\-_]", "_", f"{cls.__module__}.{cls.__qualname__}")
    return full if full in defs else cls.__name__


def _as_printed(node: Any) -> Any:
    """Raw bytes are printed as (cut) text, so their schema is a plain string; the JSON
    carries no union tags (model.findings.Fix), so no discriminator names one."""
    if isinstance(node, dict):
        return {k: _as_printed(v) for k, v in node.items()
                if k not in ("contentEncoding", "discriminator")}
    if isinstance(node, list):
        return [_as_printed(v) for v in node]
    return node


def report_schema() -> dict[str, Any]:
    structs = _structs(Report) + _structs(Verdict)
    extras = {cls: _extra_types(cls) for cls in structs}
    extra_types = [t for by_name in extras.values() for t in by_name.values()]
    schemas, defs = msgspec.json.schema_components([Report, Verdict, *extra_types],
                                                   ref_template="#/$defs/{name}")
    extra_schemas = iter(schemas[2:])
    severity = {"enum": [s.value for s in Severity]}
    for cls in structs:
        node = defs[_component_name(cls, defs)]
        shown = {json_key(cls, name) for name in json_plan(cls)[0]}
        props = {k: v for k, v in node["properties"].items() if k in shown}
        required = [k for k in node.get("required", ()) if k in shown]
        for name in extras[cls]:
            props[name] = next(extra_schemas)
            required.append(name)
        if cls is Finding:
            # The verdict's reading of it (wizard.output.json); `severity` is the catalogue's.
            props["severity_in_context"] = severity
            required.append("severity_in_context")
        if cls is AggregateSource or cls is TlsRptPolicy:
            # Its verdict, added by wizard.output.json (wizard.verdict.aggregate, .tls).
            props["verdict"] = {"$ref": f"#/$defs/{_component_name(Verdict, defs)}"}
            required.append("verdict")
        node["properties"] = props
        node["required"] = required
        node["additionalProperties"] = False  # a key the schema does not name is a stale schema
    top = {
        "schema": {"const": SCHEMA_VERSION},
        "warnings": {"type": "array", "items": {"type": "string"}},
        "verdict": {"$ref": f"#/$defs/{_component_name(Verdict, defs)}"},
        "result": {
            "type": "object",
            "properties": {"outcome": {"enum": list(EXIT_STATUS)},
                           "failed": {"type": "boolean"},
                           "worst": {"anyOf": [severity, {"type": "null"}]}},
            "required": ["outcome", "failed", "worst"],
            "additionalProperties": False,
        },
    }
    report = defs["Report"]
    root = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "mailtriage check --json",
        "description": "One analysis: what the input was, every check's result, the DNS "
        "answers they rest on, and the findings worst first (README.md, 'The JSON shape').",
        "type": "object",
        "properties": {**report["properties"], **top},
        "required": [*report["required"], *top],
        "additionalProperties": False,
        "$defs": _as_printed(defs),
    }
    return root


def schema_json() -> str:
    """The schema as committed: sorted keys, two-space indents, a final newline."""
    return msgspec.json.format(msgspec.json.encode(report_schema(), order="sorted"), indent=2).decode() + "\n"
