"""The architecture rules of ISSUE 10, checked by their tools: the import contracts in
pyproject.toml ([tool.importlinter]), ruff and mypy clean, and small rooms in wizard/."""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
WIZARD = ROOT / "wizard"
MAX_LINES = 700
# The loose modules wizard/ may hold beside its packages.
LOOSE_MODULES = {"__init__.py", "fixes.py"}


def _run(argv: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, timeout=600, check=False)


def _tool(name: str) -> str:
    path = shutil.which(name, path=str(Path(sys.executable).parent)) or shutil.which(name)
    if path is None:
        pytest.fail(f"{name} is not installed: `pip install -e '.[test]'` brings it")
    return path


def test_import_contracts_are_kept():
    # --no-cache: helpers move modules about; a stale graph would hide a broken contract.
    result = _run([_tool("lint-imports"), "--no-cache"])
    report = result.stdout.partition("Contracts\n---------")[2] or result.stdout
    assert result.returncode == 0, report[-6000:] + result.stderr[-2000:]


def test_ruff_is_clean():
    result = _run([sys.executable, "-m", "ruff", "check", "--no-cache", "."])
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]


def test_mypy_is_clean_on_the_engine():
    result = _run([sys.executable, "-m", "mypy", "wizard"])
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]


def test_no_engine_module_is_over_700_lines():
    sizes = {str(p.relative_to(ROOT)): len(p.read_text(encoding="utf-8").splitlines())
             for p in sorted(WIZARD.rglob("*.py"))}
    assert {path: n for path, n in sizes.items() if n > MAX_LINES} == {}


def test_the_engine_is_packages_and_a_handful_of_loose_modules():
    loose = sorted(p.name for p in WIZARD.glob("*.py") if p.name not in LOOSE_MODULES)
    assert loose == []
    folders = [p for p in WIZARD.iterdir() if p.is_dir() and p.name != "__pycache__"]
    assert folders, "wizard/ holds its packages"
    # A folder of code without __init__.py would be a namespace package the contracts and
    # the wheel do not see; scenarios/ and data folders hold no code of their own.
    unpackaged = sorted(str(p.relative_to(ROOT)) for p in folders
                        if any(p.glob("*.py")) and not (p / "__init__.py").exists())
    assert unpackaged == []
