"""Command palette provider: the actions of the screen the palette was opened from.

Built from the screen's own bindings (their description and tooltip), so the palette, the
footer and the help screen can never disagree about what a screen can do.
"""
from __future__ import annotations

from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider

from tui import safe


class ScreenActions(Provider):
    def _actions(self) -> list[tuple[str, str, str, object]]:
        """(title, help, action, namespace) for every enabled binding of the screen and
        the focused widget's chain, app-wide system bindings excluded."""
        seen: set[str] = set()
        out = []
        from textual.app import App
        from textual.screen import Screen

        for active in self.screen.active_bindings.values():
            binding = active.binding
            if not isinstance(active.node, (Screen, App)):
                continue  # a focused widget's editing keys are not this screen's actions
            if binding.system or not binding.description or not active.enabled:
                continue
            if binding.action == "command_palette":  # the palette is already open
                continue
            if binding.action in seen:
                continue
            seen.add(binding.action)
            out.append((binding.description, binding.tooltip or "", binding.action, active.node))
        return out

    def _run(self, action: str, node) -> None:
        self.app.call_later(self.app.run_action, action, node)

    async def discover(self) -> Hits:
        for title, help_text, action, node in self._actions():
            yield DiscoveryHit(safe.text(title), partial(self._run, action, node), text=title, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, help_text, action, node in self._actions():
            score = matcher.match(title)
            if score > 0:
                yield Hit(score, matcher.highlight(title), partial(self._run, action, node), text=title, help=help_text)
