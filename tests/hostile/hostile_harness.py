"""Runs one hostile case in its own process, with limits, and measures what it cost.

Each case is a folder the case builds and a `slsguard` command run on it. The child runs
with a 1 GiB address-space limit and is killed after 30 s: those are only a safety net so
that a regression cannot take the machine down. The tests assert the promise itself (a
finding within 10 s, a peak RSS under 512 MiB) from what `wait4` reports.
"""

from __future__ import annotations

import json
import os
import resource
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

KILL_AFTER_SECONDS = 30.0
ADDRESS_SPACE_BYTES = 1 << 30
PROMISED_SECONDS = 10.0
PROMISED_RSS_MIB = 512.0

_CHILD = """
import resource, sys
resource.setrlimit(resource.RLIMIT_AS, ({limit}, {limit}))
from slsguard.cli import main
try:
    code = main(sys.argv[1:])
finally:
    with open("/proc/self/status") as status, open({peak!r}, "w") as peak:
        peak.write(next(line for line in status if line.startswith("VmHWM:")).split()[1])
sys.exit(code)
"""
# The child's own high-water mark (VmHWM) is its peak RSS. `ru_maxrss` from `wait4` would be
# the same but for one Linux detail: a process forked from a large parent (pytest, hundreds
# of MiB into a full run) starts with the parent's maximum, kept across `exec`. The smaller of
# the two is the child's true peak.


@dataclass(frozen=True, slots=True)
class Case:
    """A named hostile input: `build` writes it under a folder and returns extra arguments."""

    name: str
    build: Callable[[Path], list[str]]
    rule: str | None
    """The rule ID the report must contain (None: only that the scan ends well)."""
    says: str = ""
    """Text the finding's message must contain (case-insensitive)."""
    exit_codes: tuple[int, ...] = (0, 1)
    stderr_says: str = ""
    also: tuple[str, ...] = ()
    """Other rule IDs that must still be reported (the rest of the scan is intact)."""
    command: tuple[str, ...] = ("scan",)
    root_can_read: bool = True
    """False for cases that only mean something without root (permissions)."""
    tags: frozenset[str] = field(default_factory=frozenset)


@dataclass(frozen=True, slots=True)
class Outcome:
    """What one run of a case did."""

    exit_code: int
    seconds: float
    """Wall-clock time (it includes waiting for a CPU on a busy machine)."""
    cpu_seconds: float
    """User and system time of the child: the scan's own cost, whatever the machine's load."""
    rss_mib: float
    findings: tuple[dict[str, Any], ...]
    stderr: str
    killed: bool

    def has(self, rule: str, says: str = "") -> bool:
        """Whether a finding of `rule` whose message contains `says` was reported."""
        return any(
            f["rule_id"] == rule and says.lower() in f["message"].lower() for f in self.findings
        )


def run(case: Case, folder: Path, kill_after: float = KILL_AFTER_SECONDS) -> Outcome:
    """Build the case under `folder` and run slsguard on it in a limited child process."""
    project = folder / "project"
    project.mkdir(parents=True, exist_ok=True)
    extra = case.build(project)
    report = folder / "report.json"
    argv = [*case.command, ".", "--format", "json", "--output", str(report), *extra]
    return run_command(argv, project, report, kill_after)


def run_command(
    argv: list[str], cwd: Path, report: Path | None, kill_after: float = KILL_AFTER_SECONDS
) -> Outcome:
    """Run `slsguard argv` in `cwd` under the limits; the JSON report is read from `report`.
    The child is killed after `kill_after` seconds of wall time (a safety net)."""
    errors = cwd.parent / "stderr.txt"
    peak = cwd.parent / "peak-kib.txt"
    code = _CHILD.format(limit=ADDRESS_SPACE_BYTES, peak=str(peak))
    started = time.perf_counter()
    with errors.open("wb") as stderr:
        child = subprocess.Popen(
            [sys.executable, "-c", code, *argv],
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
            start_new_session=True,
        )
        status, usage, killed = _wait(child.pid, kill_after)
    seconds = time.perf_counter() - started
    findings: tuple[dict[str, Any], ...] = ()
    if report is not None and report.is_file() and report.stat().st_size:
        try:
            findings = tuple(json.loads(report.read_text(encoding="utf-8"))["findings"])
        except ValueError:  # cut off by the kill
            findings = ()
    return Outcome(
        exit_code=os.waitstatus_to_exitcode(status),
        seconds=seconds,
        cpu_seconds=usage.ru_utime + usage.ru_stime,
        rss_mib=min(usage.ru_maxrss, _kib(peak)) / 1024,
        findings=findings,
        stderr=errors.read_text(encoding="utf-8", errors="replace"),
        killed=killed,
    )


def _kib(path: Path) -> int:
    """The peak the child wrote (KiB), or a huge number when it could not write it."""
    try:
        return int(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return 1 << 40


def _wait(pid: int, kill_after: float) -> tuple[int, resource.struct_rusage, bool]:
    """Wait for the child (killing it at the deadline) and return its own resource usage."""
    deadline = time.monotonic() + kill_after
    killed = False
    while True:
        done, status, usage = os.wait4(pid, os.WNOHANG)
        if done:
            return status, usage, killed
        if time.monotonic() > deadline and not killed:
            os.killpg(pid, signal.SIGKILL)
            killed = True
        time.sleep(0.02)
