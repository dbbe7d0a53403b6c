#!/usr/bin/env python3
"""Time a pull-request scan (`--diff-base`) against a full scan on a 100-app monorepo.

Builds a git repository in a temporary folder with `--apps` copies of the Serverless demo
app (`examples/orders-api`, handler code included) under `services/app-NNN/`, commits it on
`main`, changes one handler on a branch, and times, as separate processes (start-up
included, median of `--runs`):

* `slsguard scan .` (every app),
* `slsguard scan . --diff-base main` (the changed app, now and at the merge base).

Usage::

    python benchmarks/diff_base.py [--apps 100] [--runs 3]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
APP = ROOT / "examples" / "orders-api"
SLSGUARD = [sys.executable, "-m", "slsguard"]


def _git(cwd: Path, *args: str) -> None:
    env = {**os.environ, "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}
    identity = ("-c", "user.name=bench", "-c", "user.email=bench@example.invalid")
    subprocess.run(("git", *identity, *args), cwd=cwd, env=env, check=True, capture_output=True)


def build(folder: Path, apps: int) -> Path:
    """The monorepo, with one handler changed on branch `feature` (uncommitted)."""
    repo = folder / "monorepo"
    for number in range(apps):
        shutil.copytree(APP, repo / "services" / f"app-{number:03d}")
    _git(repo, "init", "-q", "-b", "main")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", "monorepo")
    _git(repo, "checkout", "-q", "-b", "feature")
    handler = next((repo / "services" / "app-007").rglob("*.py"))
    handler.write_text(handler.read_text() + "\n\ndef extra(event, context):\n    return {}\n")
    return repo


def timed(command: list[str], cwd: Path, runs: int) -> float:
    """Median wall time of `runs` runs (exit code 0 or 1 is a successful scan)."""
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        result = subprocess.run(command, cwd=cwd, capture_output=True, check=False)
        times.append(time.perf_counter() - started)
        if result.returncode not in (0, 1):
            raise SystemExit(f"{' '.join(command)} failed: {result.stderr.decode()[-2000:]}")
    return statistics.median(times)


def main() -> None:
    """Build the monorepo and print both timings."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--apps", type=int, default=100)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="slsguard-monorepo-") as folder:
        repo = build(Path(folder), args.apps)
        full = timed([*SLSGUARD, "scan", ".", "--format", "json"], repo, args.runs)
        diff = timed(
            [*SLSGUARD, "scan", ".", "--diff-base", "main", "--format", "json"], repo, args.runs
        )
    print(f"{args.apps} apps, one handler changed (median of {args.runs} runs):")
    print(f"  full scan           {full:6.2f} s")
    print(f"  --diff-base main    {diff:6.2f} s")


if __name__ == "__main__":
    main()
