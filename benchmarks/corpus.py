#!/usr/bin/env python3
"""Benchmark slsguard (and optionally checkov) on the real-world template corpus.

Each tool runs as a separate process, timed from spawn to exit (so interpreter start-up and
imports are included), and its peak resident set size is read from the rusage that
``os.wait4`` returns for that one child. While it runs, its whole process tree (worker
processes included, whoever their parent) is sampled from ``/proc``: the largest peak RSS of
any one process (``VmHWM``) and the largest sum of RSS over the tree. slsguard runs once per
``--jobs`` value (serial and parallel), each with one warm-up run and then ``--runs`` timed
runs; checkov, which is much slower, gets ``--checkov-runs`` timed runs and an optional
warm-up. ``--against REV`` also times a git revision of the repository (its ``src`` put
first on ``PYTHONPATH``), alternating run by run with this version so both see the same
load, and prints the cost ratio (median of ``--runs``). Template and function counts come
from slsguard's JSON report (``summary.apps``, ``summary.functions``,
``summary.files_scanned``), and the same template count is used for both tools'
throughput, since both scan the same directory.

Standard library only; Linux (``ru_maxrss`` is read as KiB). Exits 2 if slsguard itself
fails (exit code 2 or any code other than 0 and 1); exit code 1 only means findings.

Usage::

    python benchmarks/corpus.py [--corpus PATH] [--runs 5] [--jobs 1,2] [--checkov PATH] [--json]
    python benchmarks/corpus.py --against HEAD~1 --no-checkov   # a change's cost, same run
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

DEFAULT_CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
"""The shared corpus, a sibling of the repository (``../shared/corpus`` from the repo root)."""

SLSGUARD_OK = (0, 1)
"""slsguard exit codes that are a successful scan (1: findings at or above ``--fail-on``)."""

CHECKOV_OK = (0, 1)
"""checkov exit codes that are a successful scan (1: some checks failed)."""


@dataclass
class Run:
    """One timed child process."""

    seconds: float
    """Wall time from spawn to exit."""
    max_rss_kib: int
    """Peak resident set size of the child (the largest of it and its reaped descendants)."""
    returncode: int
    """Exit code; negative for a signal, as in :mod:`subprocess`."""
    process_peak_kib: int = 0
    """Largest peak RSS of any one process of the tree, sampled from ``/proc`` (``VmHWM``)."""
    tree_peak_kib: int = 0
    """Largest sum of RSS over the whole process tree at one sample (workers included)."""
    cpu_seconds: float = 0.0
    """CPU time (user + system) of the whole process tree, from ``/proc/<pid>/stat``."""
    main_cpu_seconds: float = 0.0
    """CPU time of the measured process alone (what a pool cannot spread)."""


@dataclass
class ToolResult:
    """The timed runs of one tool and what is derived from them."""

    tool: str
    version: str
    command: list[str]
    runs: list[Run] = field(default_factory=list)
    warmup: bool = False

    @property
    def median_s(self) -> float:
        """Median wall time over the timed runs."""
        return statistics.median(r.seconds for r in self.runs)

    @property
    def min_s(self) -> float:
        """Fastest wall time over the timed runs."""
        return min(r.seconds for r in self.runs)

    @property
    def peak_rss_mib(self) -> float:
        """Highest peak RSS over the timed runs, in MiB."""
        return max(r.max_rss_kib for r in self.runs) / 1024

    @property
    def process_peak_mib(self) -> float:
        """Highest peak RSS of any one process over the timed runs, in MiB (sampled)."""
        return max(max(r.process_peak_kib, r.max_rss_kib) for r in self.runs) / 1024

    @property
    def cpu_s(self) -> float:
        """Median CPU time of the whole process tree over the timed runs."""
        return statistics.median(r.cpu_seconds for r in self.runs)

    @property
    def main_cpu_s(self) -> float:
        """Median CPU time of the measured process alone over the timed runs."""
        return statistics.median(r.main_cpu_seconds for r in self.runs)

    @property
    def tree_peak_mib(self) -> float:
        """Highest total RSS of the process tree over the timed runs, in MiB (sampled)."""
        return max(max(r.tree_peak_kib, r.max_rss_kib) for r in self.runs) / 1024

    def to_dict(self, templates: int, functions: int) -> dict[str, Any]:
        """Machine-readable summary, with throughput computed from the corpus counts."""
        return {
            "tool": self.tool,
            "version": self.version,
            "command": self.command,
            "warmup": self.warmup,
            "runs": [asdict(r) for r in self.runs],
            "median_s": round(self.median_s, 4),
            "min_s": round(self.min_s, 4),
            "peak_rss_mib": round(self.peak_rss_mib, 1),
            "process_peak_mib": round(self.process_peak_mib, 1),
            "tree_peak_mib": round(self.tree_peak_mib, 1),
            "cpu_s": round(self.cpu_s, 2),
            "main_cpu_s": round(self.main_cpu_s, 2),
            "templates_per_s": round(templates / self.median_s, 1),
            "functions_per_s": round(functions / self.median_s, 1),
        }


class TreeSampler(threading.Thread):
    """Samples the memory of a process and all its descendants every ``interval`` seconds.

    Descendants are found through ``/proc/<pid>/task/<tid>/children``, so a worker whose
    parent is a fork server (not the measured process itself) is still counted.
    """

    def __init__(self, pid: int, interval: float = 0.02) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.interval = interval
        self.process_peak_kib = 0
        self.tree_peak_kib = 0
        self.cpu_ticks: dict[int, int] = {}
        self._done = threading.Event()

    def run(self) -> None:
        """Sample until :meth:`stop`."""
        while not self._done.wait(self.interval):
            total = 0
            for pid in descendants(self.pid):
                status = proc_status(pid)
                total += status.get("VmRSS", 0)
                self.process_peak_kib = max(self.process_peak_kib, status.get("VmHWM", 0))
                self.cpu_ticks[pid] = max(self.cpu_ticks.get(pid, 0), cpu_ticks(pid))
            self.tree_peak_kib = max(self.tree_peak_kib, total)

    def cpu_seconds(self, pid: int | None = None) -> float:
        """CPU time seen of one process, or of the whole tree (the last sample of each)."""
        ticks = self.cpu_ticks.get(pid, 0) if pid else sum(self.cpu_ticks.values())
        return ticks / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        """End the sampling and wait for the last sample."""
        self._done.set()
        self.join()


def descendants(pid: int) -> list[int]:
    """``pid`` and every living descendant of it."""
    found, queue = [], [pid]
    while queue:
        current = queue.pop()
        found.append(current)
        try:
            tasks = os.listdir(f"/proc/{current}/task")
        except OSError:
            continue
        for task in tasks:
            try:
                with open(f"/proc/{current}/task/{task}/children", encoding="ascii") as file:
                    queue.extend(int(child) for child in file.read().split())
            except OSError:
                continue
    return found


def cpu_ticks(pid: int) -> int:
    """User plus system time of a process so far, in clock ticks (0 when it is gone)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as file:
            fields = file.read().rpartition(")")[2].split()
    except OSError:
        return 0
    return int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of stat)


def proc_status(pid: int) -> dict[str, int]:
    """The ``kB`` fields of ``/proc/<pid>/status`` (empty when the process is gone)."""
    fields: dict[str, int] = {}
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as file:
            for line in file:
                key, _, value = line.partition(":")
                if value.strip().endswith("kB"):
                    fields[key] = int(value.split()[0])
    except (OSError, ValueError):
        pass
    return fields


def run_once(
    cmd: list[str],
    stdout_path: Path | None = None,
    stderr_path: Path | None = None,
    env: dict[str, str] | None = None,
) -> Run:
    """Run ``cmd`` to completion, returning its wall time, peak RSS and exit code.

    The child's stdout and stderr go to the given files (or ``/dev/null``), so a large
    report never blocks on a pipe. The child is reaped with ``os.wait4`` so that the rusage
    is that child's alone.
    """
    with (
        open(stdout_path or os.devnull, "wb") as out,
        open(stderr_path or os.devnull, "wb") as err,
    ):
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=out, stderr=err, env=env)
        sampler = TreeSampler(proc.pid)
        sampler.start()
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - start
        sampler.stop()
    proc.returncode = os.waitstatus_to_exitcode(status)  # keep Popen from reaping again
    return Run(
        seconds=seconds,
        max_rss_kib=usage.ru_maxrss,
        returncode=proc.returncode,
        process_peak_kib=sampler.process_peak_kib,
        tree_peak_kib=sampler.tree_peak_kib,
        cpu_seconds=max(sampler.cpu_seconds(), usage.ru_utime + usage.ru_stime),
        main_cpu_seconds=sampler.cpu_seconds(proc.pid),
    )


def tail(path: Path, limit: int = 2000) -> str:
    """The last ``limit`` characters of a text file, or ``""`` if it is missing."""
    try:
        return path.read_text(encoding="utf-8", errors="replace")[-limit:]
    except OSError:
        return ""


def bench_slsguard(
    corpus: Path, runs: int, report: Path, jobs: int
) -> tuple[ToolResult, dict[str, Any]]:
    """Time ``slsguard scan --jobs N`` on the corpus; returns the result and the last report.

    Raises :class:`RuntimeError` when slsguard fails: an exit code other than 0 or 1, or no
    valid JSON report (an uncaught exception also exits with 1).
    """
    cmd = _scan_command(corpus, report, jobs)
    result = ToolResult(tool=f"slsguard --jobs {jobs}", version="?", command=cmd, warmup=True)
    data: dict[str, Any] = {}
    for i in range(runs + 1):
        run, data = _scan_once(cmd, report)
        if i > 0:  # run 0 is the warm-up (page cache, .pyc files)
            result.runs.append(run)
    result.version = str(data.get("tool", {}).get("version", "?"))
    return result, data


def bench_against(corpus: Path, runs: int, tmp: Path, revision: str) -> list[ToolResult]:
    """This version and `revision` (its ``src`` first on ``PYTHONPATH``), ``--jobs 1``, timed
    in alternation after one warm-up each, so that both see the same machine load."""
    source = checkout(revision, tmp / "against")
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(source), env.get("PYTHONPATH")]))
    report = tmp / "pair.json"
    cmd = _scan_command(corpus, report, 1)
    pair = [
        (ToolResult("slsguard (this version) --jobs 1", "?", cmd, warmup=True), None),
        (ToolResult(f"slsguard {revision} --jobs 1", "?", cmd, warmup=True), env),
    ]
    for i in range(runs + 1):
        for result, environment in pair:
            run, data = _scan_once(cmd, report, environment)
            result.version = str(data.get("tool", {}).get("version", "?"))
            if i > 0:
                result.runs.append(run)
    return [result for result, _ in pair]


def _scan_command(corpus: Path, report: Path, jobs: int) -> list[str]:
    return [
        sys.executable,
        "-m",
        "slsguard",
        "scan",
        str(corpus),
        "--format",
        "json",
        "--output",
        str(report),
        "--jobs",
        str(jobs),
    ]


def _scan_once(
    cmd: list[str], report: Path, env: dict[str, str] | None = None
) -> tuple[Run, dict[str, Any]]:
    """One timed scan and its report; RuntimeError when slsguard failed."""
    errors = report.with_suffix(".stderr")
    report.unlink(missing_ok=True)
    run = run_once(cmd, stderr_path=errors, env=env)
    if run.returncode not in SLSGUARD_OK:
        raise RuntimeError(f"slsguard exited with {run.returncode}:\n{tail(errors)}")
    try:
        data: dict[str, Any] = json.loads(report.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise RuntimeError(f"slsguard wrote no valid report ({exc}):\n{tail(errors)}") from exc
    return run, data


def checkout(revision: str, into: Path) -> Path:
    """The ``src`` folder of a git revision of this repository, extracted into `into`."""
    root = Path(__file__).resolve().parents[1]
    into.mkdir(parents=True)
    archive = subprocess.run(
        ["git", "-C", str(root), "archive", revision, "src"], capture_output=True, check=True
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    return into / "src"


def checkov_version(exe: str) -> str:
    """Return ``checkov --version`` output, or ``"?"``."""
    try:
        proc = subprocess.run(
            [exe, "--version"], capture_output=True, text=True, check=False, timeout=300
        )
    except (OSError, subprocess.TimeoutExpired):
        return "?"
    return proc.stdout.strip().splitlines()[-1] if proc.stdout.strip() else "?"


def bench_checkov(exe: str, corpus: Path, runs: int, warmup: bool, out: Path) -> ToolResult:
    """Time ``checkov -d`` on the corpus for the serverless and cloudformation frameworks.

    A run that exits with anything but 0 or 1 is reported on stderr and still counted,
    since checkov is only the point of comparison.
    """
    cmd = [
        exe,
        "-d",
        str(corpus),
        "--framework",
        "serverless",
        "cloudformation",
        "--quiet",
        "-o",
        "json",
        "--skip-download",
    ]
    result = ToolResult(tool="checkov", version=checkov_version(exe), command=cmd, warmup=warmup)
    for i in range(runs + (1 if warmup else 0)):
        run = run_once(cmd, stdout_path=out)
        if run.returncode not in CHECKOV_OK:
            print(f"warning: checkov exited with {run.returncode}", file=sys.stderr)
        if i > 0 or not warmup:
            result.runs.append(run)
    return result


def markdown_table(results: list[ToolResult], templates: int) -> str:
    """The results as a Markdown table for the README."""
    lines = [
        "| tool | median s | min s | largest process MiB | total RSS MiB | templates/s |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        lines.append(
            f"| {r.tool} {r.version} | {r.median_s:.2f} | {r.min_s:.2f} "
            f"| {r.process_peak_mib:.0f} | {r.tree_peak_mib:.0f} | {templates / r.median_s:.0f} |"
        )
    return "\n".join(lines)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """Parse the command line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--corpus",
        type=Path,
        default=DEFAULT_CORPUS,
        help=f"directory to scan (default: {DEFAULT_CORPUS})",
    )
    parser.add_argument(
        "--runs", type=int, default=5, help="timed slsguard runs after one warm-up (default: 5)"
    )
    parser.add_argument(
        "--jobs",
        type=lambda text: [int(n) for n in text.split(",")],
        default=[1, 2],
        metavar="N,N",
        help="slsguard --jobs values to measure, comma-separated (default: 1,2)",
    )
    parser.add_argument(
        "--checkov", metavar="PATH", help="checkov executable (default: `checkov` on PATH, if any)"
    )
    parser.add_argument(
        "--no-checkov", action="store_true", help="skip checkov even when it is on PATH"
    )
    parser.add_argument(
        "--checkov-runs", type=int, default=1, help="timed checkov runs (default: 1, it is slow)"
    )
    parser.add_argument(
        "--checkov-warmup", action="store_true", help="do one untimed checkov run first"
    )
    parser.add_argument(
        "--against",
        metavar="REV",
        help="also time the git revision REV (e.g. HEAD~1, the parent commit) in the same run, "
        "with --jobs 1, and print how much slower or faster this version is",
    )
    parser.add_argument(
        "--json", action="store_true", help="print machine-readable results instead of text"
    )
    args = parser.parse_args(argv)
    if args.runs < 1 or args.checkov_runs < 1 or min(args.jobs) < 1:
        parser.error("--runs, --checkov-runs and --jobs must be at least 1")
    if not args.corpus.is_dir():
        parser.error(f"corpus not found: {args.corpus}")
    return args


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print the results; returns the exit code."""
    args = parse_args(argv)
    corpus: Path = args.corpus.resolve()
    checkov: str | None = None
    if not args.no_checkov:
        checkov = args.checkov or shutil.which("checkov")
        if args.checkov and not (Path(args.checkov).is_file() or shutil.which(args.checkov)):
            print(f"error: checkov not found: {args.checkov}", file=sys.stderr)
            return 2

    paired: list[ToolResult] = []
    with tempfile.TemporaryDirectory(prefix="slsguard-bench-") as tmp:
        results: list[ToolResult] = []
        try:
            for jobs in args.jobs:
                sls, report = bench_slsguard(corpus, args.runs, Path(tmp) / "slsguard.json", jobs)
                results.append(sls)
            if args.against:
                paired = bench_against(corpus, args.runs, Path(tmp), args.against)
        except (RuntimeError, OSError, ValueError, subprocess.CalledProcessError) as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        summary: dict[str, Any] = report.get("summary", {})
        templates = int(summary.get("apps", 0))
        functions = int(summary.get("functions", 0))
        files = int(summary.get("files_scanned", report.get("files_scanned", 0)))
        serial = results[0]
        if checkov:
            results.append(
                bench_checkov(
                    checkov,
                    corpus,
                    args.checkov_runs,
                    args.checkov_warmup,
                    Path(tmp) / "checkov.json",
                )
            )

    ratios: dict[str, float] = {}
    if checkov:
        ratios = {
            "time": round(results[-1].median_s / serial.median_s, 2),
            "rss": round(results[-1].peak_rss_mib / serial.peak_rss_mib, 2),
        }
    speedups = {
        r.tool: {
            "speedup": round(serial.median_s / r.median_s, 2),
            "total_rss_over_serial": round(r.tree_peak_mib / serial.tree_peak_mib, 2),
        }
        for r in results
        if r.tool.startswith("slsguard")
    }

    if args.json:
        print(
            json.dumps(
                {
                    "corpus": str(corpus),
                    "files_scanned": files,
                    "templates": templates,
                    "functions": functions,
                    "cpus": os.cpu_count(),
                    "python": sys.version.split()[0],
                    "results": [r.to_dict(templates, functions) for r in results],
                    "checkov_over_slsguard": ratios or None,
                    "over_first_jobs_value": speedups,
                    "against": [r.to_dict(templates, functions) for r in paired] or None,
                    "loadavg": os.getloadavg(),
                    "affinity": sorted(os.sched_getaffinity(0)),
                },
                indent=2,
            )
        )
        return 0

    print(f"corpus: {corpus}")
    if paired:
        mine, theirs = paired
        print(
            f"{mine.tool}: median {mine.median_s:.3f} s; {theirs.tool}: median "
            f"{theirs.median_s:.3f} s (alternating runs): this version costs "
            f"x{mine.median_s / theirs.median_s:.3f}, CPU x{mine.cpu_s / theirs.cpu_s:.3f}, "
            f"total memory x{mine.tree_peak_mib / theirs.tree_peak_mib:.3f}"
        )
    print(f"files scanned: {files}, templates: {templates}, functions: {functions}")
    for r in results:
        warm = "1 warm-up + " if r.warmup else ""
        print(
            f"{r.tool} {r.version}: {warm}{len(r.runs)} run(s), median {r.median_s:.3f} s, "
            f"min {r.min_s:.3f} s, largest process {r.process_peak_mib:.1f} MiB, "
            f"total {r.tree_peak_mib:.1f} MiB, CPU {r.cpu_s:.1f} s "
            f"(main process {r.main_cpu_s:.1f} s), "
            f"{templates / r.median_s:.0f} templates/s, {functions / r.median_s:.0f} functions/s"
        )
    for tool, ratio in speedups.items():
        print(
            f"{tool}: x{ratio['speedup']} faster than {serial.tool}, total memory "
            f"x{ratio['total_rss_over_serial']} of its"
        )
    if ratios:
        print(f"checkov / {serial.tool}: time x{ratios['time']}, peak RSS x{ratios['rss']}")
    print(f"load average at the end: {os.getloadavg()}, CPUs allowed: {os.sched_getaffinity(0)}")
    print()
    print(markdown_table(results, templates))
    return 0


if __name__ == "__main__":
    sys.exit(main())
