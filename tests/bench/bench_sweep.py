"""Benchmark of `mailtriage sweep`, printed as ratios measured in one run (never a unit test).

    python3 tests/bench/bench_sweep.py            # small: 500 messages, memory 1,000 vs 100
    BENCH_SWEEP_FULL=1 python3 tests/bench/bench_sweep.py   # the issue's 10,000 vs 1,000

A generated Maildir of dkimpy-signed messages (tests/wizard/sweep/sweep_support.py: a pass,
a footer added after signing, a revoked key, an ESP key behind a CNAME, no signature) is
swept against the real BIND test server on loopback.

1. Throughput (target ≥ 20×): sweep's messages/s against a loop of dkimpy's `dkimverify`
   command over the same files (one process per file, as a shell loop runs it; timed on
   the first LOOP_FILES files). A loop of dkimpy's `dkim.verify()` in one process is
   printed beside it, for what the library alone costs.
   And (target ≥ 2×) against a loop of `mailauth report FILE` (node, postalsys/mailauth:
   DKIM, SPF, DMARC, ARC, BIMI — the nearest tool to ours), over the same files. mailauth
   has no resolver option; node's own resolver is pointed at the same loopback BIND by a
   `--require`d script calling dns.setServers. Found as $MAILAUTH or `mailauth` on PATH
   (`npm install --prefix /tmp/mailauth mailauth`, then
   MAILAUTH=/tmp/mailauth/node_modules/.bin/mailauth); skipped, saying why, without node
   or mailauth. Most of one `mailauth report` is node starting and loading mailauth, so
   its `authenticate()` in one node process over every file is printed beside it.
2. Memory (target ≤ 1.5): the peak RSS of the largest process of the sweep (the parent or
   a worker) for the big Maildir against the small one.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT), str(ROOT / "tests"), str(ROOT / "tests" / "wizard" / "sweep")]

from bench_check import DKIMVERIFY  # noqa: E402 — the same baseline: dkimverify against the loopback BIND
from dnsserver import BindServer  # noqa: E402
from sweep_support import make_maildir  # noqa: E402

FULL = os.environ.get("BENCH_SWEEP_FULL") == "1"
THROUGHPUT_N = 10_000 if FULL else 500
MEMORY_N = (10_000, 1_000) if FULL else (1_000, 100)
LOOP_FILES = 50
NOW = "2026-11-24T00:00:00"


# Runs a command and prints the largest peak RSS (KiB) among it and its descendants. The
# sweep exits 1 when a message fails (some of these do, on purpose): only 2 and 3 (a usage
# error, or messages that could not be judged) would make the measurement meaningless.
PEAK = """
import resource, subprocess, sys
status = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL).returncode
assert status in (0, 1), f"sweep exited {status}"
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
"""

# node's resolver, pointed at the loopback BIND for mailauth (which takes no resolver).
MAILAUTH_DNS = """
const dns = require('node:dns');
dns.setServers([process.env.BENCH_DNS]);
dns.promises.setServers([process.env.BENCH_DNS]);
"""

# mailauth's library in one node process, as `mailauth report` calls it: messages/s.
MAILAUTH_LIBRARY = """
const fs = require('node:fs');
const { authenticate } = require(process.env.BENCH_MAILAUTH);
(async () => {
    const files = process.argv.slice(1);
    const start = process.hrtime.bigint();
    for (const file of files) {
        await authenticate(fs.readFileSync(file), { trustReceived: true });
    }
    console.log(files.length / (Number(process.hrtime.bigint() - start) / 1e9));
})();
"""


def sweep_argv(box: Path, server: BindServer) -> list[str]:
    return [sys.executable, "-m", "tui.cli", "sweep", str(box), "--json",
            "--resolver", server.spec, "--now", NOW]


def files_of(box: Path) -> list[Path]:
    return sorted(p for part in ("cur", "new") for p in (box / part).iterdir())


def mailauth_loop(server: BindServer, files: list[Path], everything: list[Path], tmp: Path
                  ) -> tuple[float, float] | None:
    """messages/s of `mailauth report FILE` run once per file, and of mailauth's library in
    one process over `everything`; None (said) without node or mailauth."""
    node = shutil.which("node")
    mailauth = os.environ.get("MAILAUTH") or shutil.which("mailauth")
    if node is None or mailauth is None or not os.access(mailauth, os.X_OK):
        print("  mailauth baseline skipped: " + ("node is not installed" if node is None else
              "mailauth not found (set MAILAUTH=…/node_modules/.bin/mailauth)"))
        return None
    preload = tmp / "mailauth-dns.js"
    preload.write_text(MAILAUTH_DNS)
    env = dict(os.environ, BENCH_DNS=server.spec,
               NODE_OPTIONS=f"--require {preload}")
    # One message first: a mailauth that cannot reach the loopback DNS would time out and
    # make the ratio look better than it is.
    passing = next(p for p in files if int(p.stem) % 5 == 0)  # sweep_support's signed kind
    first = subprocess.run([mailauth, "report", str(passing)], env=env, capture_output=True,
                           text=True, timeout=60, check=True)
    assert '"result": "pass"' in first.stdout, "mailauth did not verify the passing message"
    start = time.perf_counter()
    for path in files:
        subprocess.run([mailauth, "report", str(path)], env=env, capture_output=True, check=False)
    loop = len(files) / (time.perf_counter() - start)
    package = Path(os.path.realpath(mailauth)).parents[1]  # node_modules/mailauth/bin/… → the package
    out = subprocess.run([node, "-e", MAILAUTH_LIBRARY, *map(str, everything)], capture_output=True,
                         text=True, check=True, env=dict(env, BENCH_MAILAUTH=str(package)))
    return loop, float(out.stdout.split()[-1])


def throughput(server: BindServer, box: Path) -> None:
    start = time.perf_counter()
    status = subprocess.run(sweep_argv(box, server), cwd=ROOT, capture_output=True).returncode
    ours = THROUGHPUT_N / (time.perf_counter() - start)
    assert status in (0, 1), f"sweep exited {status}"  # 1: some messages fail, on purpose

    files = files_of(box)[:LOOP_FILES]
    start = time.perf_counter()
    for path in files:
        subprocess.run([sys.executable, "-c", DKIMVERIFY, str(server.port)],
                       input=path.read_bytes(), capture_output=True, check=False)
    loop = len(files) / (time.perf_counter() - start)

    import dns.resolver

    import dkim

    resolver = dns.resolver.Resolver(configure=False)
    resolver.nameservers, resolver.port = ["127.0.0.1"], server.port
    dns.resolver.default_resolver = resolver
    everything = files_of(box)
    start = time.perf_counter()
    for path in everything:
        try:
            dkim.verify(path.read_bytes())
        except dkim.DKIMException:
            pass
    library = len(everything) / (time.perf_counter() - start)
    print(f"throughput, {THROUGHPUT_N} messages, {os.cpu_count()} cores: sweep {ours:.0f} msg/s; "
          f"dkimverify loop {loop:.1f} msg/s → ratio {ours / loop:.1f} (target ≥ 20)")
    print(f"  dkim.verify() in one process (DKIM only, no SPF/DMARC): {library:.0f} msg/s "
          f"→ ratio {ours / library:.2f}")
    node = mailauth_loop(server, files, everything[:2000], box.parent)  # argv stays small
    if node is not None:
        print(f"  mailauth report loop {node[0]:.1f} msg/s → ratio {ours / node[0]:.1f} (target ≥ 2)")
        print(f"  mailauth authenticate() in one node process: {node[1]:.0f} msg/s "
              f"→ ratio {ours / node[1]:.2f}")


def peak_kib(server: BindServer, box: Path) -> int:
    out = subprocess.run([sys.executable, "-c", PEAK, *sweep_argv(box, server)], cwd=ROOT,
                         check=True, capture_output=True, text=True)
    return int(out.stdout.split()[-1])


def memory(server: BindServer, tmp: Path) -> None:
    big_n, small_n = MEMORY_N
    big = peak_kib(server, make_maildir(tmp / f"m{big_n}", big_n))
    small = peak_kib(server, make_maildir(tmp / f"m{small_n}", small_n))
    print(f"peak memory: {big_n} messages {big / 1024:.1f} MiB, {small_n} messages "
          f"{small / 1024:.1f} MiB → ratio {big / small:.2f} (target ≤ 1.5)")


def main() -> None:
    with BindServer() as server, tempfile.TemporaryDirectory() as tmp:
        box = make_maildir(Path(tmp) / "throughput", THROUGHPUT_N)
        throughput(server, box)
        memory(server, Path(tmp))


if __name__ == "__main__":
    main()
