"""The wheel carries everything the tool needs: built from this checkout, installed into a
fresh virtual environment outside it, `mailtriage` runs from the installed files alone.
(Offline: the build uses the installed hatchling, the venv sees the machine's packages.)"""
from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _run(*argv: str | Path, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([str(a) for a in argv], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=180)


def _data_files() -> set[str]:
    """Every file of the two packages that is not Python source: scenarios, registries, CSS."""
    out = set()
    for package in ("wizard", "tui"):
        for path in (ROOT / package).rglob("*"):
            if path.is_file() and path.suffix not in (".py", ".pyc") and "__pycache__" not in path.parts:
                out.add(path.relative_to(ROOT).as_posix())
    return out


def test_the_wheel_installs_and_runs_outside_the_checkout(tmp_path: Path) -> None:
    built = _run(sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index",
                 "-w", tmp_path / "dist", ROOT, cwd=tmp_path)
    assert built.returncode == 0, built.stderr
    (wheel,) = (tmp_path / "dist").glob("mailtriage-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert _data_files() - names == set()
    assert any(n.startswith("wizard/scenarios/valid/") and n.endswith(".zone") for n in names)

    venv = tmp_path / "venv"
    # Without its own pip (ensurepip costs ~20 s here): this pip installs into it (--python).
    assert _run(sys.executable, "-m", "venv", "--without-pip", "--system-site-packages", venv,
                cwd=tmp_path).returncode == 0
    python, mailtriage = venv / "bin" / "python", venv / "bin" / "mailtriage"
    installed = _run(sys.executable, "-m", "pip", "--python", python, "install", "--no-deps", "--no-index",
                     "-q", wheel, cwd=tmp_path)
    assert installed.returncode == 0, installed.stderr

    # Away from the checkout, with nothing of it on the path: only the installed files answer.
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["HOME"] = str(tmp_path)
    where = _run(python, "-c", "import wizard, tui; print(wizard.__file__); print(tui.__file__)",
                 cwd=tmp_path, env=env)
    assert all(line.startswith(str(venv)) for line in where.stdout.split()), where.stdout + where.stderr
    version = _run(mailtriage, "--version", cwd=tmp_path, env=env)
    assert version.returncode == 0 and version.stdout.startswith("mailtriage "), version.stderr
    listed = _run(mailtriage, "demo", "--list", cwd=tmp_path, env=env)
    assert "dmarc-reject-bounce" in listed.stdout, listed.stderr

    # A bundled scenario, checked from the installed package data (its zone files answer DNS).
    scenario = _run(python, "-c", "from wizard.scenarios import get_scenario as g; s = g('selector-missing');"
                    "print(s.message_path); print(s.now.isoformat());"
                    "[print(z) for z in s.zone_paths]", cwd=tmp_path, env=env)
    message, now, *zones = scenario.stdout.split()
    assert message.startswith(str(venv))
    zone_args = [arg for zone in zones for arg in ("--zone", zone)]
    checked = _run(mailtriage, "check", message, "--now", now, *zone_args, cwd=tmp_path, env=env)
    # DMARC passes on SPF alone; the unpublished selector is the finding
    assert checked.returncode == 0 and "DKIM-KEY-01 DKIM key not found" in checked.stdout, checked.stderr
    # the enhanced-status registry (package data) names a bare status line's code
    status = subprocess.run([mailtriage, "check", "-", "--offline"], cwd=tmp_path, env=env, timeout=60,
                            input="550 5.1.1 no such user\n", capture_output=True, text=True)
    assert status.returncode == 1 and "Bad destination mailbox address" in status.stdout, status.stderr
