"""One producer per finding id (ISSUE 10): every id the engine emits is a diagnosis in
../shared/reference/diagnoses.md, has its entry in the finding catalogue, and is emitted from
exactly one module.

"Emitted" is read from the source, not from a run, so an id on a rare path counts too: a
string literal shaped like an id (`DKIM-SIG-14`, `EVID-02`) passed as the id of a finding
constructor. A constructor is `Finding` or any function or class in wizard/ whose parameter
or field at that position is named `id`, `id_`, `fid` or `finding_id` (`finding(fid, ...)`,
`Report.find(id_, ...)`, a pattern row `_p(fid, ...)`, a body-search hit `_Hit(kind,
finding_id, ...)`); a helper taking only `*args` forwards them to `Finding`, so its first
argument counts. Ids in lookup tables (the guide's orderings, the receivers' reason codes)
are readers, not producers.
"""
from __future__ import annotations

import ast
import re
from collections import defaultdict
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
WIZARD = ROOT / "wizard"
DIAGNOSES = ROOT.parent / "shared" / "reference" / "diagnoses.md"

ID = re.compile(r"^[A-Z]+(?:-[A-Z]+)?-\d\d$")
ID_PARAMS = {"id", "id_", "fid", "finding_id"}
# `### DKIM-SIG-14 · Title · SEVERITY`; a severity may carry a note ("ERROR (for
# re-verification)"), a cause (CAUSE-nn) has none.
HEADING = re.compile(r"^### ([A-Z]+(?:-[A-Z]+)?-\d\d) · (.+)$", re.M)


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _id_positions(node: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) -> set[int]:
    """The positional indexes at which this constructor takes a finding id."""
    if isinstance(node, ast.ClassDef):
        fields = [s.target.id for s in node.body
                  if isinstance(s, ast.AnnAssign) and isinstance(s.target, ast.Name)]
        return {i for i, name in enumerate(fields) if name in ID_PARAMS}
    params = [a.arg for a in node.args.posonlyargs + node.args.args]
    if params[:1] in (["self"], ["cls"]):
        params = params[1:]
    if not params and node.args.vararg is not None:
        return {0}  # forwards *args to Finding
    return {i for i, name in enumerate(params) if name in ID_PARAMS}


def _constructors(trees: dict[str, ast.Module]) -> tuple[dict, dict]:
    """Constructor name -> id positions, per module (what a call there resolves to first)
    and across wizard/ (for imported helpers)."""
    local: dict[str, dict[str, set[int]]] = defaultdict(dict)
    shared: dict[str, set[int]] = {"Finding": {0}}
    for module, tree in trees.items():
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                positions = _id_positions(node)
                local[module][node.name] = positions
                if positions:
                    shared.setdefault(node.name, set()).update(positions)
    return local, shared


def emitted_ids() -> dict[str, set[str]]:
    """Finding id -> the wizard modules that emit it."""
    trees = {_module_name(p): ast.parse(p.read_text(encoding="utf-8"), str(p))
             for p in sorted(WIZARD.rglob("*.py"))}
    local, shared = _constructors(trees)
    found: dict[str, set[str]] = defaultdict(set)
    for module, tree in trees.items():
        for call in ast.walk(tree):
            if not isinstance(call, ast.Call):
                continue
            func = call.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
            if name is None:
                continue
            positions = local[module].get(name, shared.get(name, set())) or shared.get(name, set())
            args = [a for i, a in enumerate(call.args) if i in positions]
            args += [k.value for k in call.keywords if k.arg in ID_PARAMS]
            for arg in args:
                if isinstance(arg, ast.Constant) and isinstance(arg.value, str) and ID.match(arg.value):
                    found[arg.value].add(module)
    return dict(found)


def diagnoses() -> dict[str, tuple[str, str]]:
    """diagnoses.md id -> (title, severity)."""
    entries = {}
    for match in HEADING.finditer(DIAGNOSES.read_text(encoding="utf-8")):
        title, _, severity = match[2].partition(" · ")
        entries[match[1]] = (title.strip(), severity.split(" ")[0] if severity else "")
    return entries


@pytest.fixture(scope="module")
def emitted() -> dict[str, set[str]]:
    ids = emitted_ids()
    assert len(ids) > 100, "the scan no longer recognises the engine's finding constructors"
    return ids


def test_every_emitted_id_is_a_diagnosis_in_the_reference(emitted):
    if not DIAGNOSES.exists():
        pytest.skip(f"{DIAGNOSES} is not beside the project")
    missing = sorted(set(emitted) - set(diagnoses()))
    assert missing == [], f"emitted but not in diagnoses.md: {missing}"


def test_every_emitted_id_is_in_the_catalogue(emitted):
    from wizard.model.catalogue import CATALOGUE

    assert sorted(set(emitted) - set(CATALOGUE)) == []


def test_each_id_has_one_producer_module(emitted):
    shared = {fid: sorted(modules) for fid, modules in sorted(emitted.items()) if len(modules) > 1}
    assert shared == {}, "each finding id is emitted by one module (the earlier stage owns it)"
