"""Judging applications on a pool of processes (`slsguard scan --jobs N`).

The engine loads every application in this process (loading links stacks across templates
and reads dependency files for the whole scan), then hands the applications, in chunks, to
worker processes that run the rules; the judgements come back in the order the
applications were given, so the report is the one a serial scan writes.

Workers start with the `forkserver` method where the platform has it, `spawn` elsewhere,
never `fork`: a forked worker would inherit this process whole (every loaded template,
any lock held by another thread at that instant), while the fork server is a small clean
process that imports the engine once, so each worker forks from it ready to judge, sharing
those pages and holding nothing of the scan but the chunk it is sent. Workers only ever
receive parsed data (applications and rule IDs): they never import, run or package anything
from the scanned project, and they never load user rules (a scan with user rules is judged
here, serially).
"""

from __future__ import annotations

import gc
import math
import multiprocessing
import os
import sys
from collections.abc import Iterator
from multiprocessing.context import BaseContext
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the engine is imported by the workers, not by whoever counts CPUs
    from slsguard.model import Application
    from slsguard.rules import Context, Rule
    from slsguard.scan import Judgement

CHUNKS_PER_JOB = 8
"""Chunks each worker gets on average: enough to even out large and small applications."""


def available_cpus(cgroup: Path = Path("/sys/fs/cgroup")) -> int:
    """The CPUs this process may use: its affinity, capped by its cgroup v2 `cpu.max`."""
    try:
        cpus = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # not Linux
        cpus = os.cpu_count() or 1
    quota = cgroup_quota(cgroup / "cpu.max")
    if quota is not None:
        cpus = min(cpus, quota)
    return max(cpus, 1)


def cgroup_quota(cpu_max: Path) -> int | None:
    """The CPUs a cgroup v2 `cpu.max` (`QUOTA PERIOD`, or `max PERIOD`) allows, rounded up."""
    try:
        fields = cpu_max.read_text(encoding="ascii").split()
    except (OSError, UnicodeDecodeError):
        return None
    if len(fields) != 2 or fields[0] == "max":
        return None
    try:
        quota, period = int(fields[0]), int(fields[1])
    except ValueError:
        return None
    return max(math.ceil(quota / period), 1) if quota > 0 and period > 0 else None


def start_method() -> BaseContext:
    """The `forkserver` context where available (see the module docstring), else `spawn`.

    The fork server imports the slsguard modules this process has imported by now (the
    engine and the selected rules, none of the scanned project), so workers need not.
    """
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    context = multiprocessing.get_context("forkserver")
    engine = sorted(name for name in sys.modules if name.partition(".")[0] == "slsguard")
    context.set_forkserver_preload(engine)
    return context


def judge_in_pool(
    apps: list[Application], rule_ids: tuple[str, ...], context: Context, jobs: int
) -> Iterator[Judgement]:
    """Each application judged by `jobs` worker processes, yielded in the given order."""
    jobs = min(jobs, len(apps))
    chunk = max(1, math.ceil(len(apps) / (jobs * CHUNKS_PER_JOB)))
    chunks = [apps[start : start + chunk] for start in range(0, len(apps), chunk)]
    setup = (rule_ids, context, gc.get_threshold())
    with start_method().Pool(jobs, _start_worker, setup) as pool:
        for judged in pool.imap(_judge_chunk, chunks):
            yield from judged


_rules: tuple[Rule, ...] = ()
_context: Context | None = None


def _start_worker(
    rule_ids: tuple[str, ...], context: Context, gc_threshold: tuple[int, int, int]
) -> None:
    """A worker's state for the whole scan: the selected rules, their context, and the
    garbage collector's thresholds of the process that started it (the CLI raises them)."""
    global _rules, _context
    gc.set_threshold(*gc_threshold)
    from slsguard.scan import all_rules_by_id

    by_id = all_rules_by_id()
    _rules = tuple(by_id[rule_id] for rule_id in rule_ids)
    _context = context


def _judge_chunk(apps: list[Application]) -> list[Judgement]:
    """One chunk of applications, judged by this worker."""
    from slsguard.scan import judge_app

    assert _context is not None, "the worker was not started by judge_in_pool"
    active = {rule.id: rule for rule in _rules}
    return [judge_app(app, _rules, _context, active) for app in apps]
