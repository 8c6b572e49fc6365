"""wizard/fixes.py is the one place a `dig` or `openssl` command line is written (DESIGN.md
rule 5): any other engine module that spells one out by hand fails here, naming the line."""
from __future__ import annotations

import ast
from pathlib import Path

WIZARD = Path(__file__).resolve().parents[3] / "wizard"
# fixes.py builds the commands; model/findings.py defines FixCommand and RecordFix.
ALLOWED = {WIZARD / "fixes.py", WIZARD / "model" / "findings.py"}
TOOLS = {"dig", "openssl"}


def _first_word(node: ast.expr) -> str | None:
    """The program a FixCommand/RecordFix argument names: the first item of a literal argv
    tuple or list (or a literal string)."""
    if isinstance(node, (ast.Tuple, ast.List)) and node.elts:
        node = node.elts[0]
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value.split()[0] if node.value.split() else None
    return None


def _hand_built(path: Path, root: Path = WIZARD.parent) -> list[str]:
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
        if name not in ("FixCommand", "RecordFix"):
            continue
        args = [*node.args, *(k.value for k in node.keywords)]
        if any(_first_word(a) in TOOLS for a in args):
            out.append(f"{path.relative_to(root)}:{node.lineno}")
    return out


def test_only_fixes_py_writes_dig_or_openssl_command_lines():
    offenders = [hit for path in sorted(WIZARD.rglob("*.py")) if path not in ALLOWED
                 for hit in _hand_built(path)]
    assert offenders == [], "build these with wizard.fixes: " + ", ".join(offenders)


def test_the_check_sees_a_hand_built_command(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text('FixCommand(("dig", "+short", "TXT", name), "look")\n'
                      'FixCommand(("mailtriage", "keygen"), "fine")\n')
    assert _hand_built(sample, tmp_path) == ["sample.py:1"]
