"""The short fuzz run in the normal suite (~30-60 s): every seed as it is, then mutated real
inputs from a derandomized hypothesis run (no example database, so every run tries the same
inputs and nothing is written to the tree), each through the whole analysis and the text,
Markdown and JSON renderers. The long run is scripts/fuzz_long.py; both use fuzz_harness."""
from __future__ import annotations

import json
import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import fuzz_harness as harness


def _report(outcome: harness.Outcome) -> str:
    return "\n\n".join(outcome.problems)


@pytest.mark.parametrize("seed", harness.seeds(), ids=lambda s: s.name)
def test_every_seed_renders_cleanly(seed):
    dns = "zones" if seed.zone_paths else "refuse"
    outcome = harness.run_case(harness.Case(seed, seed.raw, dns))
    assert not outcome.unreadable and not outcome.problems, _report(outcome)


@settings(max_examples=400, derandomize=True, database=None, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st.randoms(use_true_random=False))
def test_mutated_inputs_never_crash_and_render_cleanly(rnd):
    case = harness.make_case(rnd)
    outcome = harness.run_case(case)
    assert not outcome.problems, f"{case.seed.name} {case.steps} dns={case.dns}\n" + _report(
        outcome)


def test_every_mutator_changes_real_input():
    rnd = random.Random(3)
    seed = next(s for s in harness.seeds() if s.name == "valid")
    for mutate in harness.MUTATORS:
        assert any(mutate(seed.raw, rnd) != seed.raw for _ in range(5)), mutate.__name__


# The checks themselves: a harness that cannot fail measures nothing.

def test_raw_control_characters_are_caught():
    assert harness.raw_controls("ok\tline\n") == []
    assert harness.raw_controls("a\x1b[31m \u202e \u2028 \x9b \U000e0041") == [
        "U+001B", "U+009B", "U+2028", "U+202E", "U+E0041"]


def test_json_that_breaks_the_schema_is_caught():
    seed = next(s for s in harness.seeds() if s.name == "valid")
    outcome = harness.run_case(harness.Case(seed, seed.raw, "zones"))
    assert not outcome.problems
    data = json.loads(_json_of(seed))
    data["dmarc"] = {"result": 3}
    assert list(harness._validator().iter_errors(data))


def _json_of(seed: harness.Seed) -> str:
    import asyncio

    from wizard.model.request import AnalysisRequest
    from wizard.output.json import report_to_json
    from wizard.pipeline.analyze import analyze

    request = AnalysisRequest(source="fuzz", raw=seed.raw, now=seed.now, offline=True)
    return report_to_json(asyncio.run(analyze(request, resolvers=[])))
