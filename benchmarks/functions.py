#!/usr/bin/env python3
"""CPU time and peak memory of one scan of a Serverless service with many functions.

The service is the scale case of the hostile-input suite: N functions sharing the provider's
one role (a wildcard) and one handler module, each with its own HTTP API route and handler
function reading a DynamoDB table (so the least-privilege rules judge N functions' calls).
Each size is scanned through the CLI (`--format json`) in a fresh child process, so imports
are included and the peak RSS is the child's own; the CPU time (user + system) depends
little on how busy the machine is, the wall time does. `--profile` prints the top functions
of a cProfile run of the largest size instead.

Usage::

    python benchmarks/functions.py [--sizes 1000,5000,10000] [--runs 1] [--profile]

With `--profile`, `SORT=tottime` and `TOP=60` in the environment choose the order and length.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SERVICE_HEAD = """\
service: scale
provider:
  name: aws
  runtime: python3.12
  iam:
    role:
      statements:
        - Effect: Allow
          Action: "*"
          Resource: "*"
functions:
"""


def write_service(folder: Path, count: int) -> None:
    """A service of `count` functions, each with a route, sharing one handler module."""
    body = "".join(
        f"  fn{i}:\n    handler: handler.fn{i}\n    events:\n      - httpApi: GET /fn{i}\n"
        for i in range(count)
    )
    (folder / "serverless.yml").write_text(SERVICE_HEAD + body, encoding="utf-8")
    handlers = "".join(
        f"def fn{i}(event, context):\n    return table.get_item(Key={{'id': {i}}})\n"
        for i in range(count)
    )
    head = "import boto3\ntable = boto3.resource('dynamodb').Table('t')\n"
    (folder / "handler.py").write_text(head + handlers, encoding="utf-8")


def measure(folder: Path) -> tuple[float, float, float, int]:
    """(CPU seconds, wall seconds, peak RSS MiB, exit code) of one scan in a child."""
    report = folder.parent / "report.json"
    argv = [sys.executable, "-m", "slsguard", "scan", str(folder), "--format", "json"]
    started = time.perf_counter()
    child = subprocess.Popen([*argv, "--output", str(report)], stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - started
    code = os.waitstatus_to_exitcode(status)
    return usage.ru_utime + usage.ru_stime, wall, usage.ru_maxrss / 1024, code


def profile(folder: Path) -> None:
    """The 30 functions with the most cumulative time in one in-process scan."""
    import cProfile
    import pstats

    from slsguard.cli import main

    profiler = cProfile.Profile()
    report = folder.parent / "report.json"
    profiler.runcall(main, ["scan", str(folder), "--format", "json", "--output", str(report)])
    pstats.Stats(profiler).sort_stats(os.environ.get("SORT", "cumulative")).print_stats(
        int(os.environ.get("TOP", "30"))
    )


def main() -> None:
    """Print one line per size: functions, CPU s, wall s, peak RSS."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="1000,5000,10000")
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    sizes = [int(size) for size in args.sizes.split(",")]
    with tempfile.TemporaryDirectory() as temporary:
        for size in sizes:
            folder = Path(temporary) / f"n{size}" / "project"
            folder.mkdir(parents=True)
            write_service(folder, size)
            if args.profile:
                if size == sizes[-1]:
                    profile(folder)
                continue
            runs = [measure(folder) for _ in range(args.runs)]
            cpu, wall, rss, code = min(runs)
            print(
                f"{size:>6} functions: {cpu:6.2f} s CPU {wall:6.2f} s wall "
                f"{rss:6.0f} MiB (exit {code})"
            )


if __name__ == "__main__":
    main()
