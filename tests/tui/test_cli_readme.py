"""What README.md promises about installing and exit statuses stays true: its first command
is the demo script, its test command is what CI runs, and its exit-status tables are the
ones the commands print in --help."""
from __future__ import annotations

import re
from pathlib import Path

from tui.cli import check, rotate

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text()


def _blocks() -> list[str]:
    return re.findall(r"```sh\n(.*?)```", README, flags=re.S)


def test_the_first_command_is_the_demo_and_needs_no_root() -> None:
    first = _blocks()[0].split("#")[0].strip()
    assert first == "bash scripts/demo"
    code = "\n".join(line for name in ("demo", "venv.sh")
                     for line in (ROOT / "scripts" / name).read_text().splitlines()
                     if not line.lstrip().startswith("#"))
    assert "apt-get" not in code and "scripts/setup" not in code
    assert "sudo" not in code.replace("sudo apt install python3-venv", "")  # only advised, in words
    assert "pip install" not in code.replace(".venv/bin/python -m pip install", "")


def test_the_readme_test_command_is_what_ci_runs() -> None:
    assert any(b.startswith("bash scripts/test") for b in _blocks())
    assert "bash scripts/test" in (ROOT / ".ci" / "run").read_text()


def test_pipx_and_uv_install_from_the_checkout() -> None:
    assert "pipx install ." in README and "uv tool install ." in README


def test_exit_status_tables_match_the_commands() -> None:
    for line in check.EPILOG.splitlines()[1:]:
        status = line.split()[0]
        assert re.search(rf"^\| {status} \|", README, flags=re.M), line
    row = next(r for r in README.splitlines() if r.startswith("| `rotate` |"))
    assert row.split("|")[2:6] == [" every step is done ", " a step has a problem ",
                                   " usage error, unreadable file ",
                                   " steps remain (to do, or waiting for the grace period) "]
    assert f"{rotate.EXIT_STEPS_REMAIN}  no problem, but steps remain" in rotate.EPILOG


def test_the_completion_commands_are_the_ones_that_exist() -> None:
    from tui.cli.completion import SHELLS

    for shell in SHELLS:
        assert f'eval "$(mailtriage completion {shell})"' in README
