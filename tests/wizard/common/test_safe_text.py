"""Invisible and reordering characters from a message are shown, never passed through raw.

U+061C (Arabic letter mark), U+2060 (word joiner), U+2028/U+2029 (line and paragraph
separators), U+00AD (soft hyphen) and the tag characters U+E0000–E007F are invisible on
screen, so a value could read differently from what it is. They reach a person through the
text, Markdown and JSON reports and the app; each shows them as a visible escape."""
from __future__ import annotations

import json
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest

from wizard.common.safe_text import sanitize
from wizard.scenarios import get_scenario

ROOT = Path(__file__).resolve().parents[3]
HIDDEN = "\u061c\u2060\u2028\u2029\u00ad\U000e0041\U000e007f\U000e0001"


def test_every_format_and_separator_character_is_escaped():
    raw = [chr(c) for c in range(0x110000) if unicodedata.category(chr(c)) in ("Cf", "Zl", "Zp")]
    raw += [chr(c) for c in range(0xE0000, 0xE0080)]
    left = [f"U+{ord(ch):04X}" for ch in raw if sanitize(f"a{ch}b") == f"a{ch}b"]
    assert not left


def test_the_escape_names_the_code_point():
    assert sanitize("pay\u00adpal \u2060x \U000e0041") == "pay\\xadpal \\u2060x \\U000e0041"
    assert sanitize("tab\tand\nline") == "tab\tand\nline"  # layout a person sees stays


def _check(fmt: list[str], tmp_path: Path) -> str:
    s = get_scenario("list-footer")
    raw = s.message_path.read_bytes().replace(
        b"Subject: [team]", ("Subject: [te" + HIDDEN + "am]").encode())
    path = tmp_path / "m.eml"
    path.write_bytes(raw)
    args = [str(path), "--now", s.now.isoformat(), *fmt]
    for zone in s.zone_paths:
        args += ["--zone", str(zone)]
    proc = subprocess.run([sys.executable, "-m", "tui.cli", "check", "-v", *args], cwd=ROOT,
                          capture_output=True, timeout=120)
    assert proc.returncode == 1, proc.stderr
    return proc.stdout.decode("utf-8")


@pytest.mark.parametrize("fmt", [[], ["--markdown"], ["--json"]])
def test_no_report_carries_them_raw(fmt, tmp_path):
    out = _check(fmt, tmp_path)
    assert not [f"U+{ord(ch):04X}" for ch in HIDDEN if ch in out]
    if fmt == ["--json"]:
        # JSON escapes them as JSON: a reader parsing it still gets the exact value.
        assert "te" + HIDDEN + "am" in json.dumps(json.loads(out), ensure_ascii=False)
    else:
        assert "te\\u061c\\u2060" in out.replace("\\\\", "\\")  # the subject's tag, escaped
