"""The README's first command, `bash scripts/demo`, as on a fresh machine: it installs into
the project's own .venv (never the system Python, which Debian 12 and Ubuntu 24.04 refuse:
PEP 668), installs no Debian package (BIND, OpenDKIM and Perl are for the tests), and starts
`mailtriage demo`. Offline here: the .venv is made beforehand on the machine's packages and
pip is told to use no index, as a fresh machine's PyPI would serve the same packages."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
_SKIP = shutil.ignore_patterns(".git", ".venv", "__pycache__", "*.pyc", ".*_cache", ".hypothesis",
                               "tests", "screenshots", ".benchmarks")


def test_demo_installs_into_the_project_venv_only(tmp_path: Path) -> None:
    checkout = tmp_path / "mailtriage"
    shutil.copytree(ROOT, checkout, ignore=_SKIP)
    # Anything that would install system-wide leaves a mark and fails.
    fake = tmp_path / "bin"
    fake.mkdir()
    for tool in ("apt-get", "apt", "sudo", "dpkg-query", "pip", "pip3"):
        (fake / tool).write_text(f'#!/bin/sh\necho "{tool} $*" >> "{tmp_path}/called"\nexit 1\n')
        (fake / tool).chmod(0o755)
    made = subprocess.run([sys.executable, "-m", "venv", "--without-pip", "--system-site-packages",
                           checkout / ".venv"], capture_output=True, text=True)
    assert made.returncode == 0, made.stderr
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env.update(PATH=f"{fake}:{Path(sys.executable).parent}:/usr/bin:/bin", HOME=str(tmp_path),
               PIP_NO_INDEX="1", PIP_NO_BUILD_ISOLATION="0")

    for _ in range(2):  # the second run finds everything in place
        out = subprocess.run(["bash", "scripts/demo", "--list"], cwd=checkout, env=env,
                             capture_output=True, text=True, timeout=300)
        assert out.returncode == 0, out.stdout + out.stderr
        assert "dmarc-reject-bounce" in out.stdout and "Gmail bounce" in out.stdout
    assert not (tmp_path / "called").exists(), (tmp_path / "called").read_text()
    installed = subprocess.run([checkout / ".venv" / "bin" / "python", "-c", "import wizard; print(wizard.__file__)"],
                               cwd=tmp_path, env=env, capture_output=True, text=True)
    assert installed.stdout.startswith(str(checkout)), installed.stdout + installed.stderr
    assert (checkout / ".venv" / ".gitignore").read_text() == "*\n"
