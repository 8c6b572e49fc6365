"""`mailtriage --version` prints the installed version instead of opening the app."""
from __future__ import annotations

import importlib.metadata

from tui.cli import main


def test_version_prints_installed_version(capsys) -> None:
    assert main(["--version"]) == 0
    assert capsys.readouterr().out == f"mailtriage {importlib.metadata.version('mailtriage')}\n"


def test_mistyped_command_suggests_nearest(capsys, tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["chek", "x.eml"]) == 2
    assert "did you mean 'check'?" in capsys.readouterr().err


def test_help_command_shows_that_commands_options(capsys) -> None:
    try:
        main(["help", "check"])
    except SystemExit as exit_:
        assert exit_.code == 0
    assert "usage: mailtriage check" in capsys.readouterr().out
    assert main(["help"]) == 0
    assert "commands:" in capsys.readouterr().out
