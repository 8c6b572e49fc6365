"""run_to_end hands the analysis' result out without asyncio.run formatting it (CPython 3.11
calls repr() on the main task's result twice on exit: for a Report of thousands of rows that
was a tenth of a second of every `check`)."""
from __future__ import annotations

from wizard.common.runner import run_to_end


class Counted:
    formatted = 0

    def __repr__(self) -> str:
        Counted.formatted += 1
        return "Counted()"


async def _make() -> Counted:
    return Counted()


def test_the_result_comes_back_unformatted():
    result = run_to_end(_make())
    assert isinstance(result, Counted) and Counted.formatted == 0
