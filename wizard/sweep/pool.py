"""Run the analysis `check` runs on every input of a sweep, on every core.

A process pool, because the analysis is CPU-bound Python (parsing, canonicalisation, RSA)
and threads would share one interpreter lock. Inputs are handed out through a bounded window
of futures (at most WINDOW_PER_JOB per worker in flight), so a walk of a million files is
never queued whole: `multiprocessing.Pool.imap` would drain the generator into its task
queue as fast as it can.

Each message gets the request `check` builds from the same options (the caller passes that
request as the template; only `raw` and `source` change), its own DnsSession with the same
per-lookup timeout and total deadline, and resolvers that ask the sweep's shared cache
(wizard.sweep.cache) — or, with --zone, the zone files, which each worker loads itself.
When the request compares with the zones' name servers, as `check` would, they are asked
through the shared cache too (`authority`).
"""
from __future__ import annotations

import asyncio
import concurrent.futures
import multiprocessing
import os
from collections.abc import Iterable, Iterator, Sequence

from msgspec.structs import replace

from wizard.dns.types import Resolver
from wizard.model.report import Report
from wizard.model.request import AnalysisRequest
from wizard.sweep.cache import ViaCache
from wizard.sweep.groups import Result, result_of
from wizard.sweep.walk import Item, Unreadable

WINDOW_PER_JOB = 4

# The worker's state, set once per process by init_worker (a process pool passes no context).
_template: AnalysisRequest | None = None
_resolvers: list[Resolver] = []
_authority: ViaCache | None = None
# One event loop per worker for all its messages: asyncio.run() would make a loop and a
# thread pool (dkimpy and pyspf run in threads) per message and tear both down again, which
# cost a small message a third of its analysis time. (asyncio.Runner would also re-install
# its SIGINT handler on every run: a worker leaves Ctrl-C to the pool.)
_loop: asyncio.AbstractEventLoop | None = None


def init_worker(template: AnalysisRequest, resolvers: Sequence[Resolver] | None,
                authority: ViaCache | None = None) -> None:
    global _template, _resolvers, _authority, _loop
    _template = template
    _authority = authority
    if _loop is None:
        _loop = asyncio.new_event_loop()
    if resolvers is None:
        from wizard.dns import ZoneFileResolver

        # Zone files are the whole world: each worker answers from its own copy (offline).
        resolvers = [ZoneFileResolver(list(template.zone_paths))] if template.zone_paths else []
    _resolvers = list(resolvers)


def read_item(item: Item) -> bytes:
    """The bytes of one input (raises OSError)."""
    if item.raw is not None:
        return item.raw
    with open(item.path, "rb") as handle:
        return handle.read()


def analyse_raw(raw: bytes, source: str) -> tuple[AnalysisRequest, list[Resolver], Report]:
    """`raw` through `check`'s analysis in this process (after init_worker): the request,
    the resolvers it asked, the report. Raises UnreadableInput like `analyze`."""
    from wizard.pipeline.analyze import analyze

    assert _template is not None and _loop is not None, "init_worker sets the process up first"
    request = replace(_template, raw=raw, source=source)
    report = _loop.run_until_complete(analyze(request, resolvers=_resolvers, authority=_authority))
    return request, _resolvers, report


def analyse_one(item: Item) -> tuple[Result | Unreadable, int]:
    """One message's grouping record and how many DNS questions its analysis asked; never
    raises for the message's sake."""
    from wizard.input.classify import UnreadableInput
    from wizard.verdict import judge

    try:
        raw = read_item(item)
    except OSError as exc:
        return Unreadable(item.path, (exc.strerror or str(exc)).lower()), 0
    try:
        _request, _asked, report = analyse_raw(raw, item.path)
    except UnreadableInput as exc:
        return Unreadable(item.path, str(exc)), 0
    except Exception as exc:  # noqa: BLE001 (one message must not end a sweep of thousands)
        return Unreadable(item.path, f"the analysis failed: {type(exc).__name__}: {exc}"), 0
    questions = len(report.dns) + (len(report.returned.dns) if report.returned else 0)
    return result_of(item.path, report, judge(report)), questions


class Counts:
    """What a run's analyses asked of DNS, summed as their results arrive."""

    def __init__(self) -> None:
        self.questions = 0


def run(items: Iterable[Item | Unreadable], template: AnalysisRequest, *,
        resolvers: Sequence[Resolver] | None, jobs: int | None = None,
        counts: Counts | None = None, authority: ViaCache | None = None
        ) -> Iterator[Result | Unreadable]:
    """Every input's result, as they finish (not in input order). `resolvers`: what each
    worker asks (the shared cache's ports; [] offline), or None to load the template's zone
    files in each worker. `jobs`: processes (default: one per core); 1 runs in this process.
    `counts` adds up the DNS questions the analyses asked; `authority`, DnsSession's hook for
    the zones' name servers (the shared cache's), when the template compares with them."""
    jobs = jobs or os.cpu_count() or 1
    counts = counts or Counts()

    def counted(done: tuple[Result | Unreadable, int]) -> Result | Unreadable:
        assert counts is not None
        counts.questions += done[1]
        return done[0]

    if jobs == 1:
        init_worker(template, resolvers, authority)
        for item in items:
            yield item if isinstance(item, Unreadable) else counted(analyse_one(item))
        return
    # spawn, not fork: the shared cache's thread is running, and a forked child inherits
    # whatever locks that thread held at the moment of the fork.
    context = multiprocessing.get_context("spawn")
    with concurrent.futures.ProcessPoolExecutor(
            jobs, mp_context=context, initializer=init_worker, initargs=(template, resolvers, authority)) as pool:
        window: set[concurrent.futures.Future[tuple[Result | Unreadable, int]]] = set()
        for item in items:
            if isinstance(item, Unreadable):
                yield item
                continue
            if len(window) >= jobs * WINDOW_PER_JOB:
                done, window = concurrent.futures.wait(
                    window, return_when=concurrent.futures.FIRST_COMPLETED)
                yield from (counted(f.result()) for f in done)
            window.add(pool.submit(analyse_one, item))
        for future in concurrent.futures.as_completed(window):
            yield counted(future.result())
