"""`mailtriage sweep PATH…`: every message in Maildirs, mbox files and folders through
`check`'s analysis, on every core with one DNS cache, grouped by outcome × root cause ×
signing domain × From domain × source (wizard.sweep)."""
from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Iterator
from typing import TextIO

from tui.cli.options import (
    EXIT_FAILED,
    EXIT_INCONCLUSIVE,
    EXIT_OK,
    EXIT_USAGE,
    add_dns_options,
    add_zone_option,
)

EPILOG = f"""exit status (`check`'s, over every message):
  {EXIT_OK}  every message passes
  {EXIT_FAILED}  at least one message fails, or its receiver rejected or deferred it
  {EXIT_USAGE}  a usage error (no PATH, a --merge line that is not --jsonl output)
  {EXIT_INCONCLUSIVE}  none fails, but some could not be judged: inconclusive, an unreadable file,
     no input found at all, or the sweep screen was left before the end
Unreadable files are counted and listed (never fatal): a sweep that had one is not a pass.

Past one machine: split the paths across machines, run `sweep --jsonl PATH… > part.jsonl`
on each, and `sweep --merge part*.jsonl` gives the same groups (and exit status) as one
sweep of them all."""


def add_arguments(parser: argparse.ArgumentParser, name: str) -> None:
    parser.add_argument("paths", metavar="PATH", nargs="*",
                        help="Maildir folders, mbox files, directories (recursively), files; "
                        "- reads paths from stdin, one per line")
    fmt = parser.add_mutually_exclusive_group()
    fmt.add_argument("--json", action="store_true", help="print the groups as JSON")
    fmt.add_argument("--csv", action="store_true", help="print the groups as CSV")
    fmt.add_argument("--markdown", action="store_true", help="print the groups as Markdown, for a ticket")
    fmt.add_argument("--jsonl", action="store_true",
                     help="print one JSON line per message (merge them with --merge)")
    parser.add_argument("--items", action="store_true",
                        help="with --json: also list every message's outcome and root cause")
    parser.add_argument("--merge", action="store_true",
                        help="the PATHs are --jsonl outputs: merge them into one set of groups")
    parser.add_argument("--bundles", metavar="DIR",
                        help="write an evidence bundle (see check --bundle) for every group's examples")
    parser.add_argument("--jobs", type=int, default=None, metavar="N",
                        help="worker processes (default: one per core)")
    add_dns_options(parser)
    add_zone_option(parser)
    parser.add_argument("--offline", action="store_true", help="make no DNS lookups at all")
    parser.add_argument("--now", metavar="ISO-TIME",
                        help="judge expiry and dates as of this time (default: now)")


def _usage(words: str) -> int:
    print(f"mailtriage: {words}", file=sys.stderr)
    return EXIT_USAGE


def run(args: argparse.Namespace) -> int:
    if not args.paths:
        return _usage("sweep needs at least one PATH (or - to read paths from stdin)")
    if args.jobs is not None and args.jobs < 1:
        return _usage("--jobs must be at least 1")
    if args.items and not args.json:
        return _usage("--items goes with --json")
    if args.merge:
        if args.bundles:
            return _usage("--bundles needs the messages: it cannot go with --merge")
        return _merge(args)
    return _sweep(args)


def _paths(args: argparse.Namespace) -> Iterator[str]:
    from wizard.sweep.walk import paths_from

    for path in args.paths:
        if path == "-":
            yield from paths_from(sys.stdin)
        else:
            yield path


def _sweep(args: argparse.Namespace) -> int:
    from tui.request import request_from_args, resolvers_for
    from wizard.sweep import Sweep
    from wizard.sweep.walk import walk

    try:
        template = request_from_args(args, source="sweep")
        chosen = resolvers_for(template)
    except (OSError, ValueError) as exc:
        return _usage(str(exc))
    if _interactive(args):
        return _open_app(args, template, chosen)
    total = _count(args)
    started = time.monotonic()
    collect = _Collector(args, started, total)
    with Sweep(template, chosen, jobs=args.jobs) as sweep:
        for outcome in sweep.results(walk(_paths(args))):
            collect.add(outcome)
        if args.bundles:
            _bundles(sweep, collect.groups, args.bundles)
    return collect.finish(sweep.asked, sweep.forwarded)


def _bundles(sweep, groups, directory: str) -> None:
    """One bundle per example path of every group, named by group rank, outcome and cause.
    An example that cannot be analysed again (moved, unreadable) is said, and skipped."""
    import os

    from wizard.bundle.write import write_bundle
    from wizard.common.safe_text import sanitize
    from wizard.input.classify import UnreadableInput

    os.makedirs(directory, exist_ok=True)
    for rank, group in enumerate(groups.ordered(), 1):
        for number, path in enumerate(group.examples, 1):
            name = f"{rank:03d}-{group.outcome}-{group.root_cause or 'none'}-{number}.tar.gz"
            try:
                request, resolvers, report = sweep.analyse(path)
                write_bundle(os.path.join(directory, name), request.raw, request, resolvers, report)
            except (OSError, UnreadableInput) as exc:
                print(f"mailtriage: no bundle for {sanitize(path, one_line=True)}: {exc}",
                      file=sys.stderr)


def _interactive(args: argparse.Namespace) -> bool:
    """A person at a terminal asking for no file format: the sweep screen, not a table."""
    chosen_format = args.json or args.csv or args.markdown or args.jsonl or args.bundles
    return not chosen_format and sys.stdout.isatty() and sys.stdin.isatty() and "-" not in args.paths


def _open_app(args: argparse.Namespace, template, chosen) -> int:
    from tui.screens.sweep import SweepApp, SweepScreen
    from wizard.sweep.groups import exit_status

    screen = SweepScreen(template, chosen, args.paths, jobs=args.jobs)
    SweepApp(screen, options=template).run()
    if not screen.finished:
        return EXIT_INCONCLUSIVE  # left before the end: the rest was never judged
    return exit_status(screen.groups.outcomes, len(screen.unreadable))


def _count(args: argparse.Namespace) -> int | None:
    """How many inputs there are, for the progress bar's ETA: only when one is shown, and
    not for paths on stdin (they can be read once)."""
    if not sys.stderr.isatty() or "-" in args.paths:
        return None
    from wizard.sweep.walk import walk

    return sum(1 for _ in walk(args.paths))


class _Collector:
    """Adds each result to the groups (or prints its --jsonl line) and draws the progress."""

    def __init__(self, args: argparse.Namespace, started: float, total: int | None) -> None:
        from wizard.sweep.groups import Groups

        self.args = args
        self.started = started
        self.total = total
        self.groups = Groups()
        self.unreadable: list = []
        self.items: list | None = [] if args.items else None
        self.progress: TextIO | None = sys.stderr if sys.stderr.isatty() else None
        self.done = 0
        self.drawn = 0.0

    def add(self, outcome) -> None:
        import msgspec

        from wizard.sweep.walk import Unreadable

        self.done += 1
        if self.args.jsonl:
            line = ({"path": outcome.path, "unreadable": outcome.reason}
                    if isinstance(outcome, Unreadable) else outcome)
            sys.stdout.write(msgspec.json.encode(line).decode() + "\n")
        # Grouped with --jsonl too: the exit status is the groups' (they stay small).
        if isinstance(outcome, Unreadable):
            self.unreadable.append(outcome)
        else:
            self.groups.add(outcome)
            if self.items is not None:
                self.items.append(outcome)
        self._draw()

    def _draw(self, final: bool = False) -> None:
        if self.progress is None:
            return
        now = time.monotonic()
        if not final and now - self.drawn < 0.2:
            return
        self.drawn = now
        elapsed = max(now - self.started, 1e-9)
        rate = self.done / elapsed
        line = f"{self.done} messages  {rate:.0f}/s"
        if self.total:
            width = 30
            filled = min(width, int(width * self.done / self.total))
            eta = (self.total - self.done) / rate if rate else 0.0
            line = f"[{'#' * filled}{'.' * (width - filled)}] {self.done}/{self.total}  {rate:.0f}/s  ETA {eta:.0f} s"
        self.progress.write("\r" + line + ("\n" if final else ""))
        self.progress.flush()

    def finish(self, asked: int, forwarded: int) -> int:
        """Print the groups (unless --jsonl printed every line); the exit status."""
        from wizard.sweep.groups import exit_status

        self._draw(final=True)
        if not self.args.jsonl:
            _print(self.args, self.groups, self.unreadable, time.monotonic() - self.started,
                   self.items, asked, forwarded)
        return exit_status(self.groups.outcomes, len(self.unreadable))


def _print(args: argparse.Namespace, groups, unreadable: list, elapsed: float, items: list | None,
           asked: int = 0, forwarded: int = 0) -> None:
    from wizard.sweep import render

    summary = render.Summary(messages=groups.messages, unreadable=unreadable, elapsed_s=elapsed,
                             groups=groups.ordered(), items=items, dns_asked=asked,
                             dns_forwarded=forwarded)
    if args.json:
        out = render.to_json(summary)
    elif args.csv:
        out = render.to_csv(summary)
    elif args.markdown:
        out = render.to_markdown(summary)
    else:
        out = render.to_text(summary)
    sys.stdout.write(out)


def _merge(args: argparse.Namespace) -> int:
    """--jsonl files from several runs → one set of groups."""
    import msgspec

    from wizard.sweep.groups import Groups, Result, exit_status
    from wizard.sweep.walk import Unreadable
    from wizard.verdict import EXIT_STATUS

    started = time.monotonic()
    groups, unreadable = Groups(), []
    items: list | None = [] if args.items else None
    for name in _paths(args):
        try:
            handle = open(name, "rb")  # noqa: SIM115 (closed by the with below)
        except OSError as exc:
            from tui.cli.options import file_problem

            return _usage(file_problem(exc, name))
        with handle:
            for number, line in enumerate(handle, 1):
                if not line.strip():
                    continue
                try:
                    entry = msgspec.json.decode(line, type=dict[str, str])
                    if "unreadable" in entry:
                        unreadable.append(Unreadable(entry["path"], entry["unreadable"]))
                        continue
                    result = msgspec.convert(entry, Result)
                    if result.outcome not in EXIT_STATUS:
                        raise ValueError(f"no outcome is called {result.outcome!r}")
                except (msgspec.ValidationError, msgspec.DecodeError, KeyError, ValueError) as exc:
                    from wizard.common.safe_text import sanitize

                    return _usage(f"{sanitize(name, one_line=True)} line {number} is not a "
                                  f"sweep --jsonl line: {exc}")
                groups.add(result)
                if items is not None:
                    items.append(result)
    _print(args, groups, unreadable, time.monotonic() - started, items)
    return exit_status(groups.outcomes, len(unreadable))
