"""Scanning on a pool of processes (`slsguard scan --jobs N`).

This process only finds the files to load. The workers load the applications themselves,
link their stacks, run the rules, and send back only what the report needs: findings,
function summaries, each application's outline and dependency facts. Parsed templates
never cross between processes: that transfer cost as much as the workers saved.

Files are loaded in groups: each file alone, except that the Terraform modules under one
scan root make their applications together. What ties files of different groups is known only
once they are loaded: a Serverless config including another candidate, a nested stack, an
`Fn::ImportValue` of another template's export. So each group's worker also reports those
ties (`stacks.stack_links`), and groups that turn out to be tied are loaded and judged again,
together, as one group. Every application and file note then takes the place a serial load
gives it, so the report is the serial one, byte for byte.

On Linux, when this process runs no other thread, workers are forked once the files are
found: they start with the engine already imported and share its pages, and since nothing
of the scan is loaded yet they inherit only the list of files; with no other thread, no lock
can be held mid-operation at the fork. Elsewhere (or with other threads) workers start with
the `forkserver` method where the platform has it, `spawn` otherwise: the fork server is a
small clean process that imports the engine once, started early (`warm_up`) so that it does
so while this process finds the files. Workers only ever read the scanned files as data,
like a serial scan: they never import, run or package anything from the scanned project,
and they never load user rules (a scan with user rules runs serially).
"""

from __future__ import annotations

import gc
import math
import multiprocessing
import multiprocessing.forkserver
import os
import sys
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from multiprocessing.context import BaseContext
from multiprocessing.pool import Pool
from pathlib import Path
from typing import TYPE_CHECKING

from slsguard.analysis.stacks import link_stacks, stack_links
from slsguard.deps.audit import analyse, open_source
from slsguard.deps.facts import NOT_RUN, AppDependencies, AuditStatus, DependencyFacts
from slsguard.deps.options import DependencyOptions
from slsguard.discovery import Candidate
from slsguard.loading import LOAD_ORDER, LoadOptions, LoadResult, Progress, load_all
from slsguard.model import Application, Note
from slsguard.project import Project
from slsguard.rules import Context, Rule
from slsguard.scan import Judgement, ScanResults, all_rules_by_id, judge_app

if TYPE_CHECKING:
    from slsguard.scan import ScanOptions

FILES_PER_PROCESS = 50
"""Without `--jobs`, a worker process is started only for every this many files to load
(about one application each): starting the fork server (importing the engine) costs more
than judging a few dozen small applications."""

BATCH = 8
"""Files a worker is given at once: few enough that the workers even out, enough that each
exchange is worth it."""


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
    """`fork` on Linux when this process runs no other thread, else `forkserver` where
    available, else `spawn` (see the module docstring).

    The fork server imports the slsguard modules this process has imported by now (the
    engine and the selected rules, none of the scanned project), so workers need not.
    """
    if sys.platform == "linux" and threading.active_count() == 1:
        return multiprocessing.get_context("fork")
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    context = multiprocessing.get_context("forkserver")
    engine = sorted(name for name in sys.modules if name.partition(".")[0] == "slsguard")
    context.set_forkserver_preload(engine)
    return context


def warm_up(paths: Sequence[Path], jobs: int | None) -> None:
    """Start the fork server now when the scan will likely use a pool (`jobs` above 1, or
    automatic with several CPUs and a folder to scan): it imports the engine while this
    process finds the files, so the pool, when it starts, need not wait for it."""
    if jobs == 1 or (jobs is None and (available_cpus() < 2 or not any(map(Path.is_dir, paths)))):
        return
    if start_method().get_start_method() == "forkserver":
        multiprocessing.forkserver.ensure_running()


def status_without_packages(options: DependencyOptions, auditing: bool) -> AuditStatus | None:
    """The dependency audit's status when it asks no advisory source; None when it would
    (the packages of every application are then needed at once: the scan runs serially)."""
    if not auditing:
        return NOT_RUN
    if options.advisory_db is not None or options.offline or options.audit:
        return None
    source, reason = open_source(options)  # no database, no network: only the reason
    return AuditStatus(False, reason=reason) if source is None else None


Entry = tuple[int, int, Candidate]
"""A file to load: its index among the scan's candidates, the number of its project (sent
once to each worker, not with every file) and the candidate without its project."""
Group = tuple[Entry, ...]
Order = tuple[int, int, int, int]
"""Where a serial load puts an application or note: Terraform applications last, then the
load order of the file's kind, the file's index, the place among that file's results."""


@dataclass(frozen=True, slots=True)
class _Setup:
    """What every worker needs for the whole scan, sent once when it starts."""

    rule_ids: tuple[str, ...]
    context: Context
    load: LoadOptions
    root: Path
    paths: tuple[Path, ...]
    dependencies: DependencyOptions
    status: AuditStatus
    projects: tuple[Project | None, ...]
    edits: bool
    gc_threshold: tuple[int, int, int]


@dataclass(frozen=True, slots=True)
class _Judged:
    """One application's results, and where a serial load puts it."""

    order: Order
    judgement: Judgement
    dependencies: AppDependencies


@dataclass(frozen=True, slots=True)
class _GroupResult:
    """One group's results, and what may tie it to other groups."""

    apps: tuple[_Judged, ...]
    notes: tuple[tuple[Order, Note], ...]
    files: frozenset[str]
    """The files it loaded, as includes and nested stacks name them."""
    wants: frozenset[str]
    """The files its Serverless configs include and its templates nest."""
    imports: frozenset[str]
    exports: frozenset[str]


def load_and_judge(
    paths: list[Path],
    candidates: list[Candidate],
    root: Path,
    options: ScanOptions,
    rules: tuple[Rule, ...],
    context: Context,
    jobs: int,
    status: AuditStatus,
) -> ScanResults:
    """Load, link and judge every candidate on `jobs` worker processes (`status`: the
    dependency audit's, known without asking about any package)."""
    projects = list({id(c.project): c.project for c in candidates}.values())
    number = {id(project): index for index, project in enumerate(projects)}
    entries = [
        (index, number[id(c.project)], replace(c, project=None))
        for index, c in enumerate(candidates)
    ]
    setup = _Setup(
        tuple(rule.id for rule in rules),
        context,
        options.load,
        root,
        tuple(paths),
        options.dependencies,
        status,
        tuple(projects),
        options.edits,
        gc.get_threshold(),
    )
    groups = _first_groups(entries)
    gc.freeze()  # a forked worker's collections then never touch (and copy) inherited pages
    try:
        pool = start_method().Pool(jobs, _start_worker, (setup,))
    finally:
        gc.unfreeze()
    with pool:
        results = _run(pool, groups, options.progress, len(candidates))
        tied = _tied(results)
        if tied:
            joined = [tuple(sorted(e for i in indexes for e in groups[i])) for indexes in tied]
            again = _run(pool, joined, None, len(candidates))
            untied = set(range(len(groups))) - {i for indexes in tied for i in indexes}
            groups = [groups[i] for i in sorted(untied)] + joined
            results = [results[i] for i in sorted(untied)] + again
    return _assembled(groups, results, setup, len(candidates))


def _first_groups(entries: list[Entry]) -> list[Group]:
    """Each file alone, but the Terraform modules of one scan root together (in the place
    of the first)."""
    groups: list[list[Entry]] = []
    terraform: dict[Path, list[Entry]] = {}
    for entry in entries:
        candidate = entry[2]
        if candidate.kind != "terraform":
            groups.append([entry])
        elif candidate.root in terraform:
            terraform[candidate.root].append(entry)
        else:
            terraform[candidate.root] = [entry]
            groups.append(terraform[candidate.root])
    return [tuple(group) for group in groups]


def _run(
    pool: Pool, groups: list[Group], progress: Progress | None, total: int
) -> list[_GroupResult]:
    """Every group's results, in order, loaded and judged on the pool."""
    batches: list[list[Group]] = [[]]
    for group in groups:
        if sum(len(g) for g in batches[-1]) >= BATCH:
            batches.append([])
        batches[-1].append(group)
    results: list[_GroupResult] = []
    done = 0
    for batch, judged in zip(batches, pool.imap(_run_batch, batches), strict=True):
        results.extend(judged)
        done += sum(len(group) for group in batch)
        if progress is not None:
            progress(min(done, total), total)
    return results


def _tied(results: list[_GroupResult]) -> list[list[int]]:
    """The groups (by index) whose applications link across them, each set of tied groups
    as one list; groups tied to no other are left out."""
    parent = list(range(len(results)))

    def leader(index: int) -> int:
        while parent[index] != index:
            parent[index] = parent[parent[index]]
            index = parent[index]
        return index

    owners: dict[str, list[int]] = {}
    exporters: dict[str, list[int]] = {}
    for index, result in enumerate(results):
        for file in result.files:
            owners.setdefault(file, []).append(index)
        for name in result.exports:
            exporters.setdefault(name, []).append(index)
    for index, result in enumerate(results):
        wanted = [owners.get(file, []) for file in result.wants]
        imported = [exporters.get(name, []) for name in result.imports]
        for other in (i for found in (*wanted, *imported) for i in found):
            parent[leader(other)] = leader(index)
    together: dict[int, list[int]] = {}
    for index in range(len(results)):
        together.setdefault(leader(index), []).append(index)
    return [indexes for indexes in together.values() if len(indexes) > 1]


def _assembled(
    groups: list[Group], results: list[_GroupResult], setup: _Setup, files: int
) -> ScanResults:
    """The groups' results in the order of a serial scan."""
    placed = sorted(
        ((judged.order, g, judged) for g, result in enumerate(results) for judged in result.apps),
        key=lambda item: item[0],
    )
    notes = sorted((note for result in results for note in result.notes), key=lambda n: n[0])
    attributed = {judged.judgement.outline.key: judged.dependencies for _, _, judged in placed}
    reload = _Reloader(groups, setup, [(g, judged.order[3]) for _, g, judged in placed])
    return ScanResults(
        tuple(judged.judgement for _, _, judged in placed),
        tuple(note for _, note in notes),
        files,
        DependencyFacts(attributed, setup.status),
        reload.app,
    )


class _Reloader:
    """An application judged by a worker, loaded again here (rarely needed: to write a
    finding about an inline ignore in one of its templates)."""

    def __init__(self, groups: list[Group], setup: _Setup, places: list[tuple[int, int]]):
        self._groups = groups
        self._setup = setup
        self._places = places
        self._loaded: tuple[int, list[Application]] = (-1, [])

    def app(self, index: int) -> Application:
        """The application judged `index`-th."""
        group, position = self._places[index]
        if self._loaded[0] != group:
            self._loaded = (group, _load(self._groups[group], self._setup)[1])
        return self._loaded[1][position]


def _load(group: Group, setup: _Setup) -> tuple[LoadResult, list[Application]]:
    """One group's files loaded, and its applications linked across its stacks."""
    candidates = [replace(c, project=setup.projects[project]) for _, project, c in group]
    loaded = load_all(candidates, setup.load, setup.root)
    return loaded, link_stacks(loaded.apps)


_setup: _Setup | None = None
_rules: tuple[Rule, ...] = ()


def _start_worker(setup: _Setup) -> None:
    """A worker's state for the whole scan, and the garbage collector's thresholds of the
    process that started it (the CLI raises them)."""
    global _setup, _rules
    gc.set_threshold(*setup.gc_threshold)
    by_id = all_rules_by_id()
    _setup = setup
    _rules = tuple(by_id[rule_id] for rule_id in setup.rule_ids)


def _run_batch(groups: list[Group]) -> list[_GroupResult]:
    """Some groups, each loaded and judged by this worker."""
    return [_run_group(group) for group in groups]


def _run_group(group: Group) -> _GroupResult:
    """One group loaded, linked and judged, as a serial scan would, on its own."""
    setup = _setup
    assert setup is not None, "the worker was not started by load_and_judge"
    loaded, apps = _load(group, setup)
    facts = analyse(apps, list(setup.paths), setup.dependencies, setup.root, audit=False)
    context = replace(setup.context, dependencies=replace(facts, status=setup.status))
    active = {rule.id: rule for rule in _rules}
    edits_root = setup.root if setup.edits else None
    judged = []
    for position, (app, source) in enumerate(zip(apps, loaded.sources, strict=True)):
        judgement = judge_app(app, _rules, context, active, edits_root)
        order = _order(group[source], position)
        judged.append(_Judged(order, judgement, facts.of_app(app)))
    notes = tuple(
        (_order(group[source], position, phase=0), note)
        for position, (note, source) in enumerate(
            zip(loaded.file_notes, loaded.note_sources, strict=True)
        )
    )
    links = [stack_links(app) for app in apps]
    return _GroupResult(
        tuple(judged),
        notes,
        frozenset({str(c.path) for _, _, c in group} | {link.file for link in links}),
        frozenset(loaded.included).union(*(link.nests for link in links)),
        _union(link.imports for link in links),
        _union(link.exports for link in links),
    )


def _order(entry: Entry, position: int, phase: int | None = None) -> Order:
    index, _, candidate = entry
    if phase is None:
        phase = 1 if candidate.kind == "terraform" else 0
    return (phase, LOAD_ORDER[candidate.kind], index, position)


def _union(sets: Iterable[frozenset[str]]) -> frozenset[str]:
    return frozenset().union(*sets)
