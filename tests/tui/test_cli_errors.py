"""What `mailtriage check` and `mailtriage FILE` say when the input cannot be used: one plain
line on stderr and the usage status 2, never a traceback or Python's `[Errno 2]`."""
from __future__ import annotations

import io
import sys

import pytest

from tui.cli import main


@pytest.mark.parametrize("command", [["check"], []], ids=["check", "app"])
def test_missing_file_says_no_such_file(command, tmp_path, capsys) -> None:
    path = tmp_path / "missing.eml"
    assert main([*command, str(path)]) == 2
    assert capsys.readouterr().err == f"mailtriage: no such file: {path}\n"


@pytest.mark.parametrize("command", [["check"], []], ids=["check", "app"])
def test_directory_is_named_as_unreadable(command, tmp_path, capsys) -> None:
    assert main([*command, str(tmp_path)]) == 2
    assert capsys.readouterr().err == f"mailtriage: cannot read {tmp_path}: it is a directory\n"


@pytest.mark.parametrize("command", [["check"], []], ids=["check", "app"])
def test_escape_in_a_file_name_never_reaches_the_terminal(command, tmp_path, capsys) -> None:
    path = f"{tmp_path}/a\x1b[31mred.eml"
    assert main([*command, path]) == 2
    err = capsys.readouterr().err
    assert "\x1b" not in err
    assert err == f"mailtriage: no such file: {tmp_path}/a\\x1b[31mred.eml\n"


def test_missing_original_and_zone_file_are_named(tmp_path, capsys) -> None:
    message = tmp_path / "m.eml"
    message.write_bytes(b"From: a@example.test\r\n\r\nhi\r\n")
    assert main(["check", "--original", str(tmp_path / "sent.eml"), str(message)]) == 2
    assert capsys.readouterr().err == f"mailtriage: no such file: {tmp_path / 'sent.eml'}\n"
    assert main(["check", "--zone", str(tmp_path / "z.zone"), str(message)]) == 2
    assert capsys.readouterr().err == f"mailtriage: no such file: {tmp_path / 'z.zone'}\n"


def test_missing_key_file_is_named(tmp_path, capsys) -> None:
    key = tmp_path / "k.pem"
    assert main(["record-check", "--domain", "example.test", "--selector", "s", "--key", str(key),
                 "--resolver", "127.0.0.1:9"]) == 2
    assert capsys.readouterr().err == f"mailtriage: no such file: {key}\n"


def test_domain_on_stdin_offline_is_a_usage_error(monkeypatch, capsys) -> None:
    # It used to crash: a domain check made with no resolver at all.
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"example.test\n")))
    assert main(["check", "-", "--offline"]) == 2
    captured = capsys.readouterr()
    assert captured.err.startswith("mailtriage: example.test is a domain")
    assert "drop --offline" in captured.err and "Traceback" not in captured.err
