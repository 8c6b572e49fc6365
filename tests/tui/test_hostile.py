"""Nothing from a message, a bounce, a DNS answer or a file name is interpreted.

Each hostile string goes into every field that reaches a widget: headers (From, Subject,
Received, Authentication-Results), DKIM tags, the bounce text, DNS TXT answers and the file
name. Then every guided step and every inspect pane is shown. Nothing may run an action
(`[@click=app.quit]`), change the terminal (OSC 2 title), set the clipboard (OSC 52), or
raise; the strings must be *visible* as text instead."""
from __future__ import annotations

import pytest
from rich.text import Text
from textual.content import Content

from tui import safe
from tui_support import make_app, screen_text, settle
from wizard.model.request import AnalysisRequest

CLICK = "[@click=app.quit]x[/]"
HOSTILE = (
    CLICK,
    "[/foo]",
    "[link=https://evil.example/]l[/link]",
    "\x1b]52;c;cm0gLXJmIH4=\x07",  # OSC 52: set the clipboard
    "\x1b]2;pwned\x07",  # OSC 2: set the window title
    "\x9b31m",  # C1 CSI
    "cr\ronly\rlines",
    "A" * 10_000,
)
JOINED = " ".join(HOSTILE)


def hostile_message() -> bytes:
    one_line = JOINED.replace("\r", " ")
    lines = [
        "Return-Path: <bounce@example.com>",
        f"Authentication-Results: mx.example.org; dkim=fail reason=\"{one_line}\" header.d=example.com",
        f"Received: from {CLICK} (evil [192.0.2.66]) by mx.example.org with ESMTP id {one_line}; "
        "Fri, 20 Nov 2026 09:30:04 +0000",
        f"DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=example.com; s=evil; t=1795167000;"
        f" h=from:subject; z=From:{CLICK}; x-evil={one_line}; bh=AAAA; b=AAAA",
        f"From: {CLICK} <alice@example.com>",
        f"Subject: {JOINED}",
        "Date: Fri, 20 Nov 2026 09:30:00 +0000",
        "Message-ID: <x@example.com>",
        "",
        JOINED,
        "",
    ]
    return "\r\n".join(lines).encode("utf-8")


def hostile_zone() -> dict[str, str]:
    # Zone-file TXT strings with \DDD escapes: ESC (027), BEL (007) and C1 CSI bytes.
    evil = r'"[@click=app.quit]x[/] \027]52;c;cm0gLXJmIH4=\007 \027]2;pwned\007 [link=https://evil.example/]l[/link]"'
    return {
        "example.com": "\n".join([
            "$TTL 300",
            "@ IN SOA ns1 hostmaster 1 3600 600 604800 300",
            "@ IN NS ns1",
            "ns1 IN A 192.0.2.53",
            f"@ IN TXT {evil}",
            f"evil._domainkey IN TXT \"v=DKIM1; p=\" {evil}",
            f"_dmarc IN TXT {evil}",
        ]),
    }


def assert_nothing_happened(app) -> None:
    assert app.is_running and app.return_code is None  # no action quit it
    assert app.clipboard == ""  # nothing set the clipboard
    assert app.title == "mailtriage"  # nothing retitled it
    text = screen_text(app)
    assert "\x1b" not in text and "\x9b" not in text and "\x07" not in text


async def walk_everything(pilot, seen: list[str]) -> None:
    """Every guided step, every inspect pane, and the all-panes view."""
    app = pilot.app
    for _ in range(8):
        seen.append(screen_text(app))
        assert_nothing_happened(app)
        await pilot.press("right")
        await pilot.pause()
    await pilot.press("i")
    await pilot.pause()
    for key in "1234567890":
        await pilot.press(key)
        await pilot.pause()
        # Walk each table's rows so every detail pane renders its value.
        for _ in range(3):
            await pilot.press("tab", "down")
            await pilot.pause()
        seen.append(screen_text(app))
        assert_nothing_happened(app)
    await pilot.press("a")
    await pilot.pause()
    seen.append(screen_text(app))
    assert_nothing_happened(app)


def test_safe_renders_hostile_text_as_visible_plain_text():
    for value in HOSTILE:
        content = safe.text(value)
        assert isinstance(content, Content) and not content.spans
        assert "\x1b" not in content.plain and "\x9b" not in content.plain
        cell = safe.cell(value)
        assert isinstance(cell, Text) and not cell.spans
    assert safe.text(CLICK).plain == CLICK
    assert "\\x1b]52;c;" in safe.text(HOSTILE[3]).plain
    assert "\\x9b" in safe.text(HOSTILE[5]).plain


@pytest.mark.parametrize("line_end", [b"\r\n", b"\r"], ids=["crlf", "cr-only"])
async def test_hostile_message_and_dns_change_nothing(line_end):
    from wizard.dns import ZoneFileResolver

    app = make_app(resolvers=[ZoneFileResolver(hostile_zone())])
    seen: list[str] = []
    async with app.run_test(size=(80, 24)) as pilot:
        app.analyse(AnalysisRequest(source="paste", raw=hostile_message().replace(b"\r\n", line_end)))
        await settle(pilot)
        assert app.error is None and app.report.dns  # analysed whole, TXT answers included
        await walk_everything(pilot, seen)
    everything = "\n".join(seen)
    assert CLICK in everything  # shown literally, not parsed as markup
    assert "\\x1b]2;pwned" in everything  # the escape is visible, not obeyed
    assert "\\x1b]52;c;" in everything


async def test_hostile_bounce_text_changes_nothing():
    raw = ("550 5.7.1 " + JOINED + "\n").encode()
    seen: list[str] = []
    async with make_app().run_test(size=(80, 24)) as pilot:
        pilot.app.analyse(AnalysisRequest(source="paste", raw=raw))
        await settle(pilot)
        assert pilot.app.error is None and pilot.app.report.bounce is not None
        await walk_everything(pilot, seen)
    assert CLICK in "\n".join(seen)


async def test_hostile_file_name_changes_nothing(tmp_path):
    name = "\x1b]2;pwned\x07[@click=app.quit]x[b]\x9b.eml"  # no "/": it is a file name
    path = tmp_path / name
    path.write_bytes(b"550 5.7.26 DMARC policy reject\n")
    async with make_app().run_test(size=(80, 24)) as pilot:
        await pilot.press("ctrl+o")
        pilot.app.focused.value = str(path)
        await pilot.press("enter")
        await settle(pilot)
        assert_nothing_happened(pilot.app)
        assert "[@click=app.quit]x[b]" in screen_text(pilot.app)  # in the header, as text
        await pilot.press("s")
        await pilot.pause()
        assert_nothing_happened(pilot.app)


async def test_hostile_text_in_a_copied_fix_is_copied_as_shown():
    """A command the engine built from message values is copied exactly as displayed:
    control characters stay visible escapes and never reach the user's shell raw."""
    from tui import clipboard

    async with make_app().run_test(size=(80, 24)) as pilot:
        clipboard.copy(pilot.app, "dig +short TXT x\x1b]52;c;AAAA\x07")
        assert pilot.app.clipboard == "dig +short TXT x\\x1b]52;c;AAAA\\x07"
        assert pilot.app.system_clipboard.copied == [pilot.app.clipboard]


INVISIBLE = "\u061c\u2060\u2028\u2029\u00ad\U000e0041\U000e007f"


def test_invisible_and_separator_characters_are_shown_as_escapes_on_screen():
    # Each would be invisible (or break the line) in a widget, so the value would read
    # differently from what it is.
    shown = [safe.text(f"pay{INVISIBLE}pal").plain, safe.cell(f"pay{INVISIBLE}pal").plain,
             safe.clean(f"pay{INVISIBLE}pal"), safe.line(("x" + INVISIBLE, "bold")).plain]
    for out in shown:
        assert not [f"U+{ord(ch):04X}" for ch in INVISIBLE if ch in out]
        assert "\\u2060" in out and "\\U000e0041" in out
