"""Judging applications on a pool of processes (`slsguard scan --jobs N`).

The engine loads every application in this process and hands each, as soon as it is loaded
and in batches, to worker processes that run the rules (and find its dependency files); the
judgements come back in the order the applications were loaded, so the report is the one a
serial scan writes. Linking stacks across templates needs every application: one that it
changes is judged again. When the dependency audit asks an advisory source about the
packages of every application at once, loading and that audit come first, then judging.

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
from dataclasses import dataclass, replace
from multiprocessing.context import BaseContext
from multiprocessing.pool import AsyncResult
from pathlib import Path
from typing import TYPE_CHECKING

from slsguard.analysis.stacks import link_stacks
from slsguard.deps.audit import analyse, open_source
from slsguard.deps.facts import NOT_RUN, AppDependencies, AuditStatus, DependencyFacts, app_key
from slsguard.deps.options import DependencyOptions
from slsguard.discovery import Candidate
from slsguard.loading import LoadResult, load_all
from slsguard.model import Application
from slsguard.rules import Context, Rule
from slsguard.scan import Judgement, all_rules_by_id, judge_app

if TYPE_CHECKING:
    from slsguard.scan import ScanOptions

FILES_PER_PROCESS = 50
"""Without `--jobs`, a worker process is started only for every this many files to load
(about one application each): the fork server's start (importing the engine) and the
transfer of each application cost more than judging a few dozen small ones (a scan of the
four example apps takes twice as long on two processes as on one)."""

BATCH = 16
"""Applications sent to a worker at once: few enough that work starts while loading goes
on and large and small applications even out, enough that each transfer is worth it."""


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


def automatic_jobs(files: int) -> int:
    """The processes a scan of `files` files to load uses when `--jobs` is not given."""
    return max(1, min(available_cpus(), files // FILES_PER_PROCESS))


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


def load_and_judge(
    paths: list[Path],
    candidates: list[Candidate],
    root: Path,
    options: ScanOptions,
    rules: tuple[Rule, ...],
    context: Context,
    jobs: int,
) -> tuple[LoadResult, DependencyFacts, list[Judgement]]:
    """Load, link and judge every application, judging on `jobs` worker processes.

    When the dependency facts need no global step (no advisory source to ask about the
    packages of every application at once), the pool starts first and judges each
    application while the next ones load; an application that linking across stacks then
    changes is judged again. Otherwise the pool starts once loading and the dependency
    analysis are done.
    """
    auditing = bool({"SLS701", "SLS703"} & {rule.id for rule in rules})
    status = _status_without_packages(options.dependencies, auditing)
    rule_ids = tuple(rule.id for rule in rules)
    if status is None:
        loaded = load_all(candidates, options.load, root, options.progress)
        loaded.apps = link_stacks(loaded.apps)
        dependencies = analyse(loaded.apps, paths, options.dependencies, root, audit=auditing)
        with _Judges(rule_ids, replace(context, dependencies=dependencies), jobs) as judges:
            for app in loaded.apps:
                judges.submit(app)
            return loaded, dependencies, [judged for judged, _ in judges.results()]
    plan = _DependencyPlan(tuple(paths), options.dependencies, root, status)
    with _Judges(rule_ids, context, jobs, plan) as judges:
        loaded = load_all(candidates, options.load, root, options.progress, judges.submit)
        linked = link_stacks(loaded.apps)
        for index, (before, after) in enumerate(zip(loaded.apps, linked, strict=True)):
            if after is not before:
                judges.judge_again(index, after)
        loaded.apps = linked
        results = judges.results()
    attributed = {app_key(app): facts for app, (_, facts) in zip(linked, results, strict=True)}
    dependencies = DependencyFacts(attributed, status)
    return loaded, dependencies, [judged for judged, _ in results]


def _status_without_packages(options: DependencyOptions, auditing: bool) -> AuditStatus | None:
    """The audit status when it asks no advisory source (None when it would: the packages
    of every application are then needed before any is judged)."""
    if not auditing:
        return NOT_RUN
    if options.advisory_db is not None or options.offline or options.audit:
        return None
    source, reason = open_source(options)  # no database, no network: only the reason
    return AuditStatus(False, reason=reason) if source is None else None


@dataclass(frozen=True, slots=True)
class _DependencyPlan:
    """How a worker attributes one application's packages as the whole scan would."""

    paths: tuple[Path, ...]
    options: DependencyOptions
    root: Path
    status: AuditStatus


Judged = tuple["Judgement", AppDependencies]


class _Judges:
    """A pool of workers judging applications in batches; results in submission order."""

    def __init__(
        self,
        rule_ids: tuple[str, ...],
        context: Context,
        jobs: int,
        plan: _DependencyPlan | None = None,
    ) -> None:
        setup = (rule_ids, context, plan, gc.get_threshold())
        self._pool = start_method().Pool(jobs, _start_worker, setup)
        self._batch: list[tuple[int, Application]] = []
        self._pending: list[AsyncResult[list[tuple[int, Judged]]]] = []
        self._count = 0

    def __enter__(self) -> _Judges:
        return self

    def __exit__(self, *exc: object) -> None:
        self._pool.terminate()

    def submit(self, app: Application) -> None:
        """Judge the next application."""
        self._batch.append((self._count, app))
        self._count += 1
        if len(self._batch) >= BATCH:
            self._flush()

    def judge_again(self, index: int, app: Application) -> None:
        """Judge the application submitted at `index` again, as it now is."""
        self._batch.append((index, app))

    def results(self) -> list[Judged]:
        """Every submitted application's judgement (the last one asked for), in order."""
        self._flush()
        latest: dict[int, Judged] = {}
        for pending in self._pending:  # a judgement asked for again comes later and wins
            latest.update(pending.get())
        return [latest[index] for index in range(self._count)]

    def _flush(self) -> None:
        if self._batch:
            self._pending.append(self._pool.apply_async(_judge_batch, (self._batch,)))
            self._batch = []


_rules: tuple[Rule, ...] = ()
_context: Context | None = None
_plan: _DependencyPlan | None = None


def _start_worker(
    rule_ids: tuple[str, ...],
    context: Context,
    plan: _DependencyPlan | None,
    gc_threshold: tuple[int, int, int],
) -> None:
    """A worker's state for the whole scan: the selected rules, their context, how to find
    an application's dependencies (None: they are in the context), and the garbage
    collector's thresholds of the process that started it (the CLI raises them)."""
    global _rules, _context, _plan
    gc.set_threshold(*gc_threshold)
    by_id = all_rules_by_id()
    _rules = tuple(by_id[rule_id] for rule_id in rule_ids)
    _context = context
    _plan = plan


def _judge_batch(batch: list[tuple[int, Application]]) -> list[tuple[int, Judged]]:
    """One batch of applications, judged by this worker."""
    assert _context is not None, "the worker was not started by _Judges"
    active = {rule.id: rule for rule in _rules}
    judged = []
    for index, app in batch:
        context = _context
        if _plan is not None:
            facts = analyse([app], list(_plan.paths), _plan.options, _plan.root, audit=False)
            context = replace(context, dependencies=replace(facts, status=_plan.status))
        assert context.dependencies is not None
        judgement = judge_app(app, _rules, context, active)
        judged.append((index, (judgement, context.dependencies.of_app(app))))
    return judged
