#!/usr/bin/env python3
"""The long fuzz run (issue 12): >= 100,000 mutated real inputs through the whole analysis and
the three renderers, in parallel processes. The mutators and the checks are the ones the
short run in the test suite uses (tests/fuzz/fuzz_harness.py).

    nice python3 scripts/fuzz_long.py [--count 100000] [--jobs 2] [--seed 1] [--out DIR]
    python3 scripts/fuzz_long.py --replay DIR/NAME.eml      # run one saved reproducer again

Prints the count of inputs, of uncaught exceptions and of other problems (raw control
characters, an empty output, JSON not valid against schema/report.schema.json), and saves
each failing input with a note of what went wrong to DIR (default: $TMPDIR/mailtriage-fuzz,
outside the repository). The JSON Schema check costs as much as the analysis, so it runs on
every --schema-every'th input (default 4). An input still running after --hang seconds is
stopped and saved as a hang. Exit status 1 when anything was found.
"""
from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import random
import signal
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests" / "fuzz")]

import fuzz_harness as harness  # noqa: E402 — needs the paths above

CHUNK = 250  # inputs per task: small enough for steady progress lines


class Hang(BaseException):
    """Raised by the alarm; a BaseException so no `except Exception` in the code under test
    swallows it."""


def _alarm(signum, frame):
    raise Hang


def _key(problem: str) -> str:
    """A short name for a problem, to count alike ones together: an exception's last line."""
    if problem.startswith("exception"):
        return problem.rstrip().splitlines()[-1][:160]
    return problem[:160]


def run_chunk(task: tuple[int, int, int, float, int, Path]) -> dict:
    seed, start, count, hang, schema_every, out = task
    signal.signal(signal.SIGALRM, _alarm)
    stats: dict = {"inputs": 0, "unreadable": 0, "exceptions": 0, "problems": Counter(),
                   "failing": 0, "slowest": (0.0, ""), "seconds": 0.0, "saved": []}
    for index in range(start, start + count):
        rnd = random.Random(seed * 10**9 + index)
        case = harness.make_case(rnd)
        signal.setitimer(signal.ITIMER_REAL, hang)
        started = time.perf_counter()
        try:
            outcome = harness.run_case(case, schema=index % schema_every == 0)
        except Hang:
            outcome = harness.Outcome([f"hang: still running after {hang:.0f} s"])
            outcome.seconds = time.perf_counter() - started
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
        stats["inputs"] += 1
        stats["seconds"] += outcome.seconds
        stats["unreadable"] += outcome.unreadable
        if outcome.seconds > stats["slowest"][0]:
            stats["slowest"] = (outcome.seconds, f"input {index} ({case.seed.name}: "
                                f"{' '.join(case.steps)}; dns {case.dns})")
        if outcome.problems:
            stats["failing"] += 1
            stats["exceptions"] += sum(p.startswith("exception") for p in outcome.problems)
            stats["problems"].update(_key(p) for p in outcome.problems)
            stats["saved"].append(str(harness.save_reproducer(out, case, outcome)))
    return stats


def replay(path: Path) -> int:
    note = path.with_suffix(".txt").read_text(encoding="utf-8").splitlines()
    fields = dict(line.split(": ", 1) for line in note[:3] if ": " in line)
    seed = next(s for s in harness.seeds() if s.name == fields["seed"])
    original = path.with_name(path.stem + ".original.eml")
    zones = path.with_name(path.stem + ".zones.json")
    case = harness.Case(seed, path.read_bytes(), fields["dns"],
                        original.read_bytes() if original.exists() else None,
                        zones=tuple(json.loads(zones.read_text()).items()) if zones.exists()
                        else ())
    outcome = harness.run_case(case)
    print(f"{path.name}: {outcome.seconds:.2f} s, "
          f"{'unreadable (exit 2)' if outcome.unreadable else f'exit {outcome.exit_status}'}")
    for problem in outcome.problems:
        print(problem)
    return 1 if outcome.problems else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--jobs", type=int, default=min(2, os.cpu_count() or 1))
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--schema-every", type=int, default=4)
    parser.add_argument("--hang", type=float, default=60.0)
    parser.add_argument("--out", type=Path,
                        default=Path(tempfile.gettempdir()) / "mailtriage-fuzz")
    parser.add_argument("--replay", type=Path)
    args = parser.parse_args()
    if args.replay:
        return replay(args.replay)
    tasks = [(args.seed, start, min(CHUNK, args.count - start), args.hang,
              max(1, args.schema_every), args.out)
             for start in range(0, args.count, CHUNK)]
    total = {"inputs": 0, "unreadable": 0, "exceptions": 0, "failing": 0, "seconds": 0.0}
    problems: Counter = Counter()
    slowest = (0.0, "")
    began = time.perf_counter()
    print(f"fuzz: {args.count} inputs, {args.jobs} processes, seed {args.seed}, "
          f"{len(harness.seeds())} seed files, reproducers to {args.out}", flush=True)
    with multiprocessing.get_context("fork").Pool(args.jobs) as pool:
        for stats in pool.imap_unordered(run_chunk, tasks):
            for name in total:
                total[name] += stats[name]
            problems.update(stats["problems"])
            slowest = max(slowest, stats["slowest"])
            elapsed = time.perf_counter() - began
            print(f"{total['inputs']:>7} inputs  {total['exceptions']} exceptions  "
                  f"{total['failing']} failing  {total['inputs'] / elapsed:.1f}/s", flush=True)
    elapsed = time.perf_counter() - began
    print(f"\ninputs: {total['inputs']}  uncaught exceptions: {total['exceptions']}  "
          f"inputs with any problem: {total['failing']}  unreadable (exit 2, by design): "
          f"{total['unreadable']}")
    print(f"wall {elapsed:.0f} s; mean {total['seconds'] / max(total['inputs'], 1) * 1000:.0f} ms "
          f"per input; slowest {slowest[0]:.1f} s: {slowest[1]}")
    for problem, count in problems.most_common():
        print(f"{count:>6}  {problem}")
    return 1 if total["failing"] else 0


if __name__ == "__main__":
    sys.exit(main())
