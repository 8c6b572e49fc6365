"""A Markdown ticket shows what came from the message as text, whatever the message holds.

`check --markdown --original` puts the body diff, the evidence and the findings in a ticket;
a body line of three backticks (or tildes) must not close a fence, so HTML and links from the
message never render. The ticket is parsed with a CommonMark parser, as a ticket system would."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from markdown_it import MarkdownIt

from wizard.scenarios import get_scenario

ROOT = Path(__file__).resolve().parents[3]
FENCE_BREAKERS = ["```", "~~~", "````", "  ```", "   ~~~~~", "``` html", "~~~"]
EVIL = ["<img src=x onerror=alert(1)>", "[click](https://evil.example/)", "<script>alert(2)</script>",
        "<https://evil.example/auto>"]


def _ticket(tmp_path: Path) -> str:
    s = get_scenario("list-footer")
    original = s.message_path.read_bytes()
    head, body = original.split(b"\r\n\r\n", 1)
    hostile = "\r\n".join(line for pair in zip(FENCE_BREAKERS, EVIL * 2) for line in pair) + "\r\n"
    received = tmp_path / "received.eml"
    received.write_bytes(head + b"\r\n\r\n" + body + hostile.encode())
    (tmp_path / "original.eml").write_bytes(original)
    args = [str(received), "--markdown", "--original", str(tmp_path / "original.eml"),
            "--now", s.now.isoformat()]
    for zone in s.zone_paths:
        args += ["--zone", str(zone)]
    proc = subprocess.run([sys.executable, "-m", "tui.cli", "check", *args], cwd=ROOT,
                          capture_output=True, timeout=120)
    assert proc.returncode == 1, proc.stderr
    return proc.stdout.decode()


def _tokens(tokens):
    for token in tokens:
        yield token
        yield from _tokens(token.children or [])


def test_message_text_never_renders_as_html_or_links(tmp_path):
    ticket = _ticket(tmp_path)
    assert "onerror" in ticket  # the added lines are in the ticket, as text
    tokens = list(_tokens(MarkdownIt("commonmark").parse(ticket)))
    rendered = [t for t in tokens if t.type in ("html_block", "html_inline", "link_open")]
    leaked = [t.content or str(t.attrs) for t in rendered
              if any(word in (t.content + str(t.attrs)) for word in ("evil", "onerror", "script"))]
    assert not leaked
    # Every added body line is inside a code block or an inline code span.
    code = "\n".join(t.content for t in tokens if t.type in ("fence", "code_block", "code_inline"))
    for line in EVIL:
        assert line in code
