"""The one provider table: every provider the engine refers to is a record in it, and the
name a bounce reports is always one of its records."""
from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path

import msgspec
import pytest

import wizard
from wizard.receiver.bounce import analyze_bounce
from wizard.receiver.providers import PROVIDERS, Provider, identify
from wizard.receiver.status_codes import explain_code

CORPUS = Path(__file__).parents[4] / "shared/data/bounces"


def _providers_in(value: object, seen: set[int]) -> list[Provider]:
    """Provider records reachable from a module-level value (tables of tuples and Structs)."""
    if id(value) in seen:
        return []
    seen.add(id(value))
    if isinstance(value, Provider):
        return [value]
    if isinstance(value, (tuple, list, frozenset, set)):
        items: list[object] = list(value)
    elif isinstance(value, dict):
        items = list(value.keys()) + list(value.values())
    elif isinstance(value, msgspec.Struct):
        items = [getattr(value, f) for f in value.__struct_fields__]
    else:
        return []
    return [p for item in items for p in _providers_in(item, seen)]


def test_every_provider_referenced_in_the_engine_is_in_the_table() -> None:
    referenced: dict[str, list[Provider]] = {}
    for info in pkgutil.walk_packages(wizard.__path__, "wizard."):
        module = importlib.import_module(info.name)
        seen: set[int] = set()
        found = [p for value in vars(module).values() for p in _providers_in(value, seen)]
        if found:
            referenced[info.name] = found
    # The text patterns and the status-code explanations both point at records.
    assert "wizard.receiver.findings" in referenced
    for module, providers in referenced.items():
        strays = [p.name for p in providers if not any(p is q for q in PROVIDERS)]
        assert not strays, f"{module} refers to providers outside the table: {strays}"


def test_names_are_unique_and_each_record_carries_its_code_meanings() -> None:
    names = [p.name for p in PROVIDERS]
    assert len(names) == len(set(names))
    by_name = {p.name: p for p in PROVIDERS}
    # A provider's own meaning comes from its record, and only for that provider.
    for code, name, topic in (("4.7.30", "Gmail", "dkim"), ("5.7.515", "Microsoft", "multiple_auth"),
                              ("5.7.9", "Yahoo", "policy"), ("5.7.9", "Amazon SES", "policy")):
        exp = explain_code(code, provider=by_name[name], text="")
        assert (exp.provider, exp.topic) == (name, topic) and exp.provider_meaning
        assert not explain_code(code, provider=by_name["Zoho"], text="").provider_meaning


@pytest.mark.parametrize(
    "source, name",
    [
        ("mx.google.com", "Gmail"),
        ("550 5.7.26 ... - gsmtp", "Gmail"),
        ("BN8NAM12FT053.eop-nam12.prod.outlook.com", "Microsoft"),
        ("mta7.am0.yahoodns.net", "Yahoo"),
        ("feedback-smtp.us-east-1.amazonses.com", "Amazon SES"),
        ("mx1.example.net", None),
    ],
)
def test_hosts_identify_a_record(source: str, name: str | None) -> None:
    found = identify(source)
    assert (found[0].name if found else None) == name
    if found:
        assert found[1] in source


def test_corpus_bounces_name_only_table_providers() -> None:
    names = {p.name for p in PROVIDERS}
    reported = set()
    for path in sorted(CORPUS.glob("*.eml")):
        analysis = analyze_bounce(path.read_bytes())
        if analysis is not None and analysis.bounce.provider is not None:
            reported.add(analysis.bounce.provider)
    assert reported and reported <= names
