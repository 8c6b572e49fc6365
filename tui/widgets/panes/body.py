"""The Body pane: what changed in the body after signing, proven by re-hashing."""
from __future__ import annotations

from textual.content import Content

from tui import safe
from tui.widgets.panes.base import Pane, inner


class BodyPane(Pane):
    """Body forensics for each signature whose body hash failed: the proven change and the
    diff, whitespace made visible by the engine (␍ CR, ␊ LF, ␉ TAB, · trailing space)."""

    def render_report(self) -> None:
        report = inner(self.state)
        parts: list[Content] = []
        for n, sig in enumerate(report.signatures if report else (), 1):
            body = sig.body
            if body is None:
                continue
            parts.append(safe.line(safe.label(f"[b reverse] Signature {n} [/] "),
                                   (f"d={sig.d or '?'} s={sig.s or '?'}", "bold")))
            # Labels padded to one width so the three hashes line up for comparing by eye.
            limit = f", l={body.length_limit}" if body.length_limit is not None else ""
            parts.append(safe.line(safe.label("[b]bh= in signature   [/b]"), body.expected_bh))
            parts.append(safe.line(safe.label("[b]bh of this body    [/b]"),
                                   (body.computed_bh, "green" if body.matches else "red"),
                                   (f"  ({body.canonicalization}{limit})", "dim")))
            if body.original_bh is not None:
                from wizard.guide.tree import original_verdict

                parts.append(safe.line(safe.label("[b]bh of the original [/b]"),
                                       (body.original_bh, "green" if body.original_matches else "red")))
                parts.append(safe.text(original_verdict(body),
                                       "bold green" if body.original_matches else "bold $warning"))
            change = body.proven_change
            if change is not None:
                parts.append(safe.line(safe.label("[b]Proven change: [/b]"), (f"{change.finding_id} ", "bold"),
                                       change.description))
                # With an original the diff below shows every changed line; repeating the
                # change's own evidence would push it off an 80×24 screen.
                for ev in () if body.diff else change.evidence:
                    style = "green" if ev.startswith("+") else "red" if ev.startswith("-") else ""
                    parts.append(safe.text(ev, style, one_line=True, limit=400))
            elif body.tried:
                parts.append(safe.line(safe.label("[b]Tried, none explained it: [/b]"), ", ".join(body.tried)))
            if body.original_bh is None and not body.matches:
                parts.append(safe.label("[dim]Have the sender's copy (their Sent folder)? [/dim][b]o [/b]"
                                        "[dim]compares with it and shows every changed line.[/dim]"))
            if body.diff:
                parts.append(safe.label("[b]Diff [/b][dim]as sent → received; ␍ CR ␊ LF ␉ TAB · trailing space[/dim]"))
                marks = {"added": ("+", "green"), "removed": ("-", "red"), "skip": ("…", "dim"), "same": (" ", "")}
                for line in body.diff:
                    mark, style = marks.get(line.kind, (" ", ""))
                    parts.append(safe.text(f"{mark} {line.text_visible}", style, one_line=True, limit=400))
            parts.append(Content(""))
        if not parts and report is not None and self.state.submission is not None and self.state.submission.original:
            # Forensics run only for a failed bh=: an intact body has nothing to diff.
            parts.append(safe.label("[dim]No body hash failed: the body arrived as it was signed, so there is "
                                    "nothing to compare with the original.[/dim]"))
        elif not parts:
            parts.append(safe.label("[dim]No body hash failed, so there is no body change to show.[/dim]"))
        self.body().update(Content("\n").join(parts))
