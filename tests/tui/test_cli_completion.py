"""`mailtriage completion bash|zsh`: the script a user evals in their shell rc completes
commands, each command's options, file arguments and scenario names — run in a real bash
and a real zsh (scripts/setup installs zsh)."""
from __future__ import annotations

import shlex
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# c WORD…: complete the last word as Tab would, print the candidates one a line.
_HARNESS = """
c() { %(local)s COMP_WORDS=("$@"); COMP_CWORD=$(( $# - 1 )); COMPREPLY=(); _mailtriage
      printf '%%s\\n' "${COMPREPLY[@]}"; echo ---; }
"""


def complete(shell: str, *lines: tuple[str, ...]) -> list[list[str]]:
    script = subprocess.run([sys.executable, "-m", "tui.cli", "completion", shell], cwd=ROOT,
                            capture_output=True, text=True, check=True).stdout
    # zsh's bash layer runs completion functions with ksh-style (0-based) arrays.
    local = "setopt localoptions ksharrays;" if shell == "zsh" else ""
    calls = "\n".join("c " + shlex.join(words) for words in lines)
    argv = [shell, "-f"] if shell == "zsh" else [shell, "--norc", "--noprofile"]
    with tempfile.TemporaryDirectory() as home:  # zsh's compinit writes ~/.zcompdump
        out = subprocess.run([*argv, "-c", script + _HARNESS % {"local": local} + calls], cwd=ROOT,
                             capture_output=True, text=True, timeout=60,
                             env={"HOME": home, "PATH": "/usr/bin:/bin"})
    assert out.returncode == 0, out.stderr
    return [block.split() for block in out.stdout.split("---\n")[:-1]]


def test_bash_completes_commands_options_files_and_scenarios() -> None:
    got = complete("bash",
                   ("mailtriage", "che"),
                   ("mailtriage", "check", "--re"),
                   ("mailtriage", "check", "--zone", "wizard/scenarios/val"),
                   ("mailtriage", "demo", "dmarc"),
                   ("mailtriage", "help", "rec"),
                   ("mailtriage", "record-check", "--key", "tests/keys/ed"),
                   ("mailtriage", "check", "--resolver", ""),
                   ("mailtriage", "--ver"))
    assert got == [["check"], ["--resolver"], ["wizard/scenarios/valid"], ["dmarc-reject-bounce"],
                   ["record-check"], ["tests/keys/ed25519.pem"], [], ["--version"]]


@pytest.mark.skipif(shutil.which("zsh") is None, reason="zsh is not installed (scripts/setup installs it)")
def test_zsh_loads_the_script_and_offers_the_same_candidates() -> None:
    # zsh filters the candidates by the typed prefix itself, so each list holds the match.
    commands, options, scenarios = complete("zsh", ("mailtriage", "che"), ("mailtriage", "check", "--re"),
                                            ("mailtriage", "demo", "dmarc"))
    assert "check" in commands and "--resolver" in options and "dmarc-reject-bounce" in scenarios
    assert "README.md" not in options  # an option was asked for, not a file
