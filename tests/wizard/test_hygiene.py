"""DESIGN.md rule 1: the engine never imports the UI toolkit."""
import json
import pkgutil
import subprocess
import sys
from pathlib import Path

import wizard

ROOT = Path(__file__).resolve().parents[2]


def test_every_wizard_module_imports_without_textual_or_rich():
    modules = sorted(m.name for m in pkgutil.walk_packages(wizard.__path__, "wizard."))
    assert "wizard.pipeline.analyze" in modules
    script = (
        "import importlib, json, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'rich'))))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert json.loads(out.stdout.strip().splitlines()[-1]) == []
