"""`mailtriage sweep`: many messages through `check`'s analysis, on every core, with one DNS
cache, grouped by outcome and root cause (walk → pool → groups; the cache is cache.py)."""
from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence

from wizard.dns.types import Resolver
from wizard.model.report import Report
from wizard.model.request import AnalysisRequest
from wizard.sweep.cache import Route, SharedCache, ViaCache, port_53
from wizard.sweep.groups import Result
from wizard.sweep.pool import Counts, analyse_raw, init_worker, run
from wizard.sweep.walk import Item, Unreadable, read_path


class Sweep:
    """One run's DNS set-up: offline, zone files (each worker loads them), or the chosen
    resolvers behind the shared cache, which lives as long as the `with` block.

        with Sweep(template, resolvers_for(template), jobs=4) as sweep:
            for result in sweep.results(walk(paths)): ...
            sweep.asked, sweep.forwarded
    """

    def __init__(self, template: AnalysisRequest, chosen: Sequence[Resolver], *,
                 jobs: int | None = None, route: Route = port_53) -> None:
        """`route`: where the zones' name servers are asked when the template compares
        with them (wizard.sweep.cache.Route; tests point it at their loopback servers)."""
        self.template = template
        self.jobs = jobs
        shared = not template.offline and not template.zone_paths
        self._cache = SharedCache(chosen, timeout=template.timeout, route=route,
                                  authorities=template.asks_authoritative) if shared else None
        self._counts = Counts()

    def __enter__(self) -> Sweep:
        if self._cache is not None:
            self._cache.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._cache is not None:
            self._cache.stop()

    @property
    def asked(self) -> int:
        """DNS questions the analyses asked (each message's own, as `check` would ask them)."""
        return self._counts.questions

    @property
    def forwarded(self) -> int:
        """DNS questions the shared cache sent to the chosen resolvers."""
        return self._cache.forwarded if self._cache else 0

    def results(self, items: Iterable[Item | Unreadable]) -> Iterator[Result | Unreadable]:
        return run(items, self.template, resolvers=self._worker_resolvers(), jobs=self.jobs,
                   counts=self._counts, authority=self._authority())

    def analyse(self, path: str) -> tuple[AnalysisRequest, list[Resolver], Report]:
        """One input again, in this process, as a worker analysed it (for its bundle): the
        request, the resolvers asked, the report. Raises OSError, UnreadableInput."""
        init_worker(self.template, self._worker_resolvers(), self._authority())
        return analyse_raw(read_path(path), path)

    def _authority(self) -> ViaCache | None:
        return self._cache.authority() if self._cache is not None else None

    def _worker_resolvers(self) -> list[Resolver] | None:
        resolvers: list[Resolver] | None
        if self.template.offline:
            resolvers = []
        elif self._cache is not None:
            resolvers = self._cache.resolvers()
        else:
            resolvers = None  # zone files: loaded in each worker
        return resolvers


__all__ = ["Item", "Result", "Sweep", "Unreadable"]
