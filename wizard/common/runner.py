"""Running one analysis to its end from synchronous code."""
from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


def run_to_end(main: Coroutine[Any, Any, T]) -> T:
    """`asyncio.run(main)`, with the result handed out past the task: on exit CPython 3.11's
    asyncio.run formats the main task's result with repr() twice, and a Report of a
    5,000-row aggregate report takes ~90 ms to format (tests/bench/bench_aggregate.py)."""
    done: list[T] = []

    async def keep() -> None:
        done.append(await main)

    asyncio.run(keep())
    return done[0]
