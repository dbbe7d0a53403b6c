"""The scan pipeline: discover → load → rules → findings → report.

The only place that turns rule violations into findings: it attaches the rule, the
location, the application and the fingerprint, turns a crashing rule into an
internal-error finding (and lets the rest of the scan go on), and applies the user's rule
selection.
"""

from __future__ import annotations

import time
import traceback
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timezone
from pathlib import Path

from slsguard import __version__, dialects, reference, suppress
from slsguard.analysis.stacks import link_stacks
from slsguard.code.facts import code_notes
from slsguard.config import excluded
from slsguard.deps.audit import analyse as analyse_dependencies
from slsguard.deps.facts import DependencyFacts, app_key, refused_notes
from slsguard.deps.options import DependencyOptions
from slsguard.deps.summary import stale_databases, with_packages
from slsguard.discovery import Candidate, discover
from slsguard.findings import (
    AppSummary,
    Confidence,
    Finding,
    FunctionSummary,
    KeyPath,
    Location,
    Report,
    Severity,
    Violation,
    number_occurrences,
)
from slsguard.fixes import FreeText
from slsguard.inventory import describe, with_monitoring
from slsguard.loading import LoadOptions, Progress, load_all
from slsguard.model import AppKind, Application, Note
from slsguard.project import Project
from slsguard.project import find as find_project
from slsguard.rules import Context, Rule, all_rules, find_rule
from slsguard.secrets.detect import mask_text


@dataclass(frozen=True, slots=True)
class ScanOptions:
    """What the user asked for: which rules, which stage, how verbose."""

    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    enable: tuple[str, ...] = ()
    verbose: bool = False
    load: LoadOptions = field(default_factory=LoadOptions)
    today: date | None = None
    runtimes_file: Path | None = None
    progress: Progress | None = None
    """Told how loading goes (the CLI shows it on a terminal, never when output is piped)."""
    trusted_accounts: tuple[str, ...] = ()
    severity: tuple[tuple[str, Severity], ...] = ()
    """Per-rule severity overrides: (rule ID, name or prefix, severity)."""
    exclude: tuple[str, ...] = ()
    """Glob patterns of paths to skip, relative to the project root."""
    inline_ignores: bool = True
    """Whether `slsguard: ignore` comments suppress findings (CI may disregard them)."""
    project: Project | None = None
    """Where the files live (the CLI finds it once, for `--root`); None: found from the paths."""
    dependencies: DependencyOptions = field(default_factory=DependencyOptions)
    """How packages are audited (off by default: the scan never uses the network alone)."""
    notes: tuple[Note, ...] = ()
    """Findings about the run itself that its caller knows of (configuration values that were
    ignored, a configuration file changed since `--diff-base`), reported when active."""
    rule_problems: tuple[Violation, ...] = ()
    """User rules that could not be loaded (`slsguard.user_rules`): reported as SLS003."""
    min_confidence: Confidence = Confidence.LOW
    """Findings below this confidence are left out of the report."""
    jobs: int | None = 1
    """Processes that load and judge applications (`--jobs`); 1: this process alone; None:
    the CPUs this process may use, when the scan is large enough to pay for them."""
    edits: bool = False
    """Whether each finding carries the exact edits of its fixes (the formats that show
    them: SARIF `fixes`, Markdown diffs)."""


class UnknownRuleError(ValueError):
    """A rule ID or name on the command line that matches no rule."""


def select_rules(options: ScanOptions) -> tuple[Rule, ...]:
    """The rules that run: defaults (plus `enable`), narrowed by `select`, minus `ignore`."""
    overridden = tuple(key for key, _ in options.severity)
    for key in (*options.select, *options.ignore, *options.enable, *overridden):
        if not _matching(key):
            raise UnknownRuleError(f"unknown rule {key!r} (see `slsguard rules`)")
    enabled = {rule.id for key in options.enable for rule in _matching(key)}
    chosen = []
    for rule in all_rules():
        if options.select and not any(rule in _matching(key) for key in options.select):
            continue
        if not options.select and not rule.info.default_enabled and rule.id not in enabled:
            continue
        if any(rule in _matching(key) for key in options.ignore):
            continue
        if rule.id == "SLS002" and not options.verbose:
            continue
        chosen.append(rule)
    return tuple(chosen)


def _matching(key: str) -> tuple[Rule, ...]:
    """Rules named by an ID, a name, or an ID prefix (`SLS1` is every IAM rule)."""
    exact = find_rule(key)
    if exact is not None:
        return (exact,)
    prefix = key.upper()
    if prefix.startswith("SLS"):
        return tuple(rule for rule in all_rules() if rule.id.startswith(prefix))
    return ()


def scan(paths: list[Path], options: ScanOptions | None = None) -> Report:
    """Scan files and folders and return the report (never raises on bad input; a path
    outside the project root is a ProjectError)."""
    return _scan(paths, options or ScanOptions())[0]


def scan_apps(
    paths: list[Path], options: ScanOptions | None = None
) -> tuple[Report, tuple[Application, ...]]:
    """`scan` in this process, also returning the loaded applications (`slsguard fix`
    edits through them)."""
    report, results = _scan(paths, replace(options or ScanOptions(), jobs=1))
    return report, tuple(results.app(index) for index in range(len(results.judgements)))


def _scan(paths: list[Path], options: ScanOptions) -> tuple[Report, ScanResults]:
    """The report, and the applications' results it was made of."""
    started = time.perf_counter()
    started_at = datetime.now(timezone.utc)
    rules = select_rules(options)
    if options.jobs != 1 and all(rule.origin == "built-in" for rule in rules):
        from slsguard import parallel  # multiprocessing only when it may be used

        parallel.warm_up(paths, options.jobs)
    active = {rule.id: rule for rule in rules}
    context = Context(
        today=options.today or date.today(),
        runtimes_file=options.runtimes_file,
        trusted_accounts=options.trusted_accounts,
    )
    project = options.project or find_project(paths)
    root = project.root
    found = discover(paths, project=project)
    candidates = [c for c in found if not excluded(c.path, root, options.exclude)]
    results = _load_and_judge(paths, candidates, root, options, rules, context)
    dependencies = results.dependencies
    context = replace(context, dependencies=dependencies)
    findings: list[Finding] = []
    findings.extend(_notes(results.file_notes, active, app=None))
    findings.extend(_notes(options.notes, active, app=None))
    internal_error = all_rules_by_id()["SLS003"]
    findings.extend(_finding(internal_error, problem, None) for problem in options.rule_problems)
    for judged in results.judgements:
        findings.extend(judged.findings)
    datasets = (*reference.datasets(context.runtimes_file), *dependencies.datasets)
    if "SLS009" in active:
        stale = reference.stale(context.today, context.runtimes_file)
        findings.extend(_finding(active["SLS009"], v, None) for v in stale)
        stale_db = stale_databases(dependencies, context.today)
        findings.extend(_finding(active["SLS009"], v, None) for v in stale_db)
    rules_run = frozenset(active)
    findings = number_occurrences(_once(findings))
    findings = [f for f in findings if f.confidence.rank >= options.min_confidence.rank]
    findings = _overridden(findings, options)
    suppressed: list[Finding] = []
    if options.inline_ignores:
        findings, suppressed = _suppress(findings, results, active, root)
    by_app: dict[str, list[Finding]] = {}  # Summaries look at their own app's findings only.
    for finding in findings:
        by_app.setdefault(finding.app, []).append(finding)
    report = Report(
        findings=tuple(sorted(findings, key=_order)),
        suppressed=tuple(sorted(suppressed, key=_order)),
        apps=tuple(
            _summary(judged, by_app.get(judged.outline.name, []), rules_run, dependencies)
            for judged in results.judgements
        ),
        reference_data=datasets,
        files_scanned=results.files,
        duration_seconds=time.perf_counter() - started,
        tool_version=__version__,
        rules=tuple(rule.info for rule in all_rules()),
        started_at=started_at,
        source_prefix=_source_prefix(project),
    )
    return report, results


@dataclass(frozen=True, slots=True)
class AppOutline:
    """What the report needs of an application once its rules ran (the application itself
    may live in another process): its names, the files it was read from (for inline
    ignores) and its key in the dependency facts."""

    name: str
    kind: AppKind
    file: str
    functions: tuple[str, ...]
    documents: tuple[str, ...]
    key: str

    @classmethod
    def of(cls, app: Application) -> AppOutline:
        """The outline of `app`."""
        names = tuple(fn.name for fn in app.functions)
        documents = tuple(doc.file for doc in app.documents)
        return cls(app.name, app.kind, app.file, names, documents, app_key(app))


@dataclass(frozen=True, slots=True)
class Judgement:
    """What the rules found in one application, its functions at a glance, its outline."""

    findings: tuple[Finding, ...]
    described: tuple[FunctionSummary, ...]
    outline: AppOutline


def judge_app(
    app: Application,
    rules: tuple[Rule, ...],
    context: Context,
    active: dict[str, Rule],
    edits_root: Path | None = None,
) -> Judgement:
    """Every selected rule over one application, with its notes and its inventory; with
    `edits_root`, each finding carries the exact edits of its fixes (files relative to it)."""
    findings = _notes(app.notes, active, app)
    findings.extend(_notes(code_notes(app, frozenset(active)), active, app))
    if context.dependencies is not None:
        findings.extend(_notes(refused_notes(context.dependencies.of_app(app)), active, app))
    for rule in rules:
        if rule.check is not None:
            findings.extend(run_rule(rule, app, context, active))
    if edits_root is not None:
        from slsguard.fixing.changes import with_changes  # planning edits costs start-up time

        findings = with_changes(findings, app, edits_root)
    # Described while the analyses the rules used are still cached for it.
    return Judgement(tuple(findings), describe(app), AppOutline.of(app))


@dataclass(frozen=True, slots=True)
class ScanResults:
    """Every application loaded and judged, in the order a serial load gives them, with
    the notes about files that are no application's and the dependency facts."""

    judgements: tuple[Judgement, ...]
    file_notes: tuple[Note, ...]
    files: int
    dependencies: DependencyFacts
    app: Callable[[int], Application]
    """The application of `judgements[i]` (loaded again when another process judged it)."""


def _load_and_judge(
    paths: list[Path],
    candidates: list[Candidate],
    root: Path,
    options: ScanOptions,
    rules: tuple[Rule, ...],
    context: Context,
) -> ScanResults:
    """Every application loaded, linked across stacks and judged, with the dependency facts:
    here, or on a process pool (`slsguard.parallel`) when the scan asks for one, every rule is
    built in (workers never load user rules), no advisory source must first be asked about
    the packages of every application, and the scan is large enough to pay."""
    auditing = bool({"SLS701", "SLS703"} & {rule.id for rule in rules})
    if options.jobs != 1 and len(candidates) > 1 and all(r.origin == "built-in" for r in rules):
        from slsguard import parallel  # multiprocessing only when it may be used

        jobs = options.jobs or parallel.automatic_jobs(len(candidates))
        status = parallel.status_without_packages(options.dependencies, auditing)
        if jobs > 1 and status is not None:
            return parallel.load_and_judge(
                paths, candidates, root, options, rules, context, jobs, status
            )
    loaded = load_all(candidates, options.load, root, options.progress)
    apps = link_stacks(loaded.apps)  # nested stacks and exports, across templates
    dependencies = analyse_dependencies(apps, paths, options.dependencies, root, audit=auditing)
    context = replace(context, dependencies=dependencies)
    active = {rule.id: rule for rule in rules}
    edits_root = root if options.edits else None
    judgements = tuple(judge_app(app, rules, context, active, edits_root) for app in apps)
    return ScanResults(
        judgements, tuple(loaded.file_notes), loaded.files, dependencies, apps.__getitem__
    )


def _source_prefix(project: Project) -> str:
    """The project root relative to the git top level, for SARIF."""
    if project.git_top is None or project.git_top == project.root:
        return ""
    return project.root.relative_to(project.git_top).as_posix()


def _once(findings: list[Finding]) -> list[Finding]:
    """Each finding once: a file two apps share (a manifest, a handler) is judged by both."""
    seen: set[tuple[object, ...]] = set()
    kept = []
    for finding in findings:
        location = finding.location
        key = (
            finding.rule.id,
            location.kind,
            location.file,
            location.line,
            location.column,
            location.arn,
            finding.subject,
            finding.message,
        )
        if key not in seen:
            seen.add(key)
            kept.append(finding)
    return kept


def run_rule(
    rule: Rule, app: Application, context: Context, active: dict[str, Rule]
) -> list[Finding]:
    """One rule over one application; an exception becomes an internal-error finding."""
    assert rule.check is not None
    try:
        return [_finding(rule, violation, app) for violation in rule.check(app, context)]
    except Exception as error:
        frame = traceback.extract_tb(error.__traceback__)[-1]
        message = (
            f"rule {rule.id} ({rule.name}) raised {type(error).__name__}: {error} "
            f"at {Path(frame.filename).name}:{frame.lineno}"
        )
        violation = Violation(app.origin, message, "report this to the slsguard developers")
        return [_finding(all_rules_by_id()["SLS003"], violation, app)]


def all_rules_by_id() -> dict[str, Rule]:
    """Every rule by ID (the internal-error rule is needed even when not selected)."""
    return {rule.id: rule for rule in all_rules()}


def _notes(
    notes: Iterable[Note], active: dict[str, Rule], app: Application | None
) -> list[Finding]:
    return [
        _finding(active[note.rule_id], _advice(note.violation), app)
        for note in notes
        if note.rule_id in active
    ]


def _advice(violation: Violation) -> Violation:
    """A note's advice as a free-text intent: loaders and the suppression pass write it in
    words, and like every fix it is then rendered in the syntax of the place it is about."""
    if not violation.fix or violation.intents:
        return violation
    return replace(violation, fix="", intents=(FreeText(violation.fix),))


def _finding(rule: Rule, violation: Violation, app: Application | None) -> Finding:
    location = violation.location or Location.of(violation.origin)
    fix = violation.fix
    if app is not None:
        location = native_location(app, location, violation)
        if violation.intents and not fix:
            fix = dialects.render_fix(app, violation.intents, violation.origin)
    elif violation.intents and not fix:
        fix = dialects.render_advice(violation.intents)
    confidence, reason = _confidence(rule, violation)
    functions = tuple(dict.fromkeys(violation.functions)) or (
        (violation.function,) if violation.function else ()
    )
    return Finding(
        rule=rule.info,
        severity=violation.severity or rule.info.severity,
        # Every string taken from the scanned files that reaches an output passes here.
        message=mask_text(violation.message),
        location=_masked_location(location),
        fix=mask_text(fix),
        intents=violation.intents,
        app=mask_text(app.name) if app else "",
        # A finding about exactly one function names it, however the rule said so.
        function=_masked_name(
            violation.function or (functions[0] if len(functions) == 1 else None)
        ),
        subject=mask_text(violation.subject),
        functions=tuple(mask_text(name) for name in functions),
        flow=tuple(
            replace(step, text=mask_text(step.text), file=mask_text(step.file))
            for step in violation.flow
        ),
        confidence=confidence,
        confidence_reason=mask_text(reason),
    )


def _masked_name(name: str | None) -> str | None:
    return mask_text(name) if name else name


def _masked_location(location: Location) -> Location:
    """`location` with every text taken from the scanned files masked: a key, a file or a
    function named with a token pasted in the wrong place shows it in no output. (The
    snippet is never output, only hashed into the fingerprint: it stays as it is.)"""

    def path(keys: KeyPath) -> KeyPath:
        return tuple(mask_text(key) if isinstance(key, str) else key for key in keys)

    return replace(
        location,
        file=_masked_name(location.file),
        key_path=path(location.key_path),
        legacy_path=path(location.legacy_path),
        symbol=_masked_name(location.symbol),
        address=mask_text(location.address),
    )


def _confidence(rule: Rule, violation: Violation) -> tuple[Confidence, str]:
    """The rule's confidence, lowered (never raised) by the violation's, with its reason."""
    declared = rule.info.confidence
    lowered = violation.confidence
    if lowered is None or lowered.rank >= declared.rank:
        return declared, ""
    return lowered, violation.confidence_reason


def native_location(app: Application, location: Location, violation: Violation) -> Location:
    """A template location named by its dialect (a Terraform place by its address, never by
    the CloudFormation shape it was translated into)."""
    if location.kind != "template" or location.file is None or violation.location is not None:
        return location
    dialect = dialects.for_place(app, violation.origin)
    address = dialect.name_of(app, violation.origin)
    if dialect.name == "terraform":
        legacy = location.key_path
        return replace(
            location, key_path=(), address=address, dialect=dialect.name, legacy_path=legacy
        )
    return replace(location, address=address, dialect=dialect.name)


def _overridden(findings: list[Finding], options: ScanOptions) -> list[Finding]:
    """Findings with the user's per-rule severities (the last override of a rule wins)."""
    severities = {rule.id: sev for key, sev in options.severity for rule in _matching(key)}
    return [
        replace(f, severity=severities[f.rule.id]) if f.rule.id in severities else f
        for f in findings
    ]


def _suppress(
    findings: list[Finding], results: ScanResults, active: dict[str, Rule], cwd: Path
) -> tuple[list[Finding], list[Finding]]:
    """(kept, suppressed) by inline ignores, plus SLS006/SLS007 findings about the ignores."""
    app_of = {
        doc: index
        for index, judged in enumerate(results.judgements)
        for doc in judged.outline.documents
    }
    names = set(app_of) | {f.location.file for f in findings if f.location.file}
    files = {name: Path(name) if Path(name).is_absolute() else cwd / name for name in names}
    outcome = suppress.apply(findings, files, active)
    kept = list(outcome.kept)
    for rule_id, violation in outcome.problems:
        index = app_of.get(violation.origin.file)
        app = results.app(index) if index is not None else None
        kept.append(_finding(active[rule_id], _advice(violation), app))
    suppressed = [replace(f, changes=()) if f.changes else f for f in outcome.suppressed]
    return kept, suppressed  # a suppressed finding offers no fix


def _order(finding: Finding) -> tuple[str, str, int, int, str]:
    location = finding.location
    return (finding.app, location.file or "", location.line, location.column, finding.rule.id)


def _summary(
    judged: Judgement,
    findings: list[Finding],
    rules_run: frozenset[str],
    dependencies: DependencyFacts,
) -> AppSummary:
    app = judged.outline
    names = tuple(mask_text(name) for name in app.functions)
    details = with_monitoring(judged.described, app.name, findings, rules_run)
    details = with_packages(details, dependencies, dependencies.of_key(app.key))
    masked = tuple(_masked(detail) for detail in details)
    return AppSummary(mask_text(app.name), app.kind, app.file, names, masked)


def _masked(detail: FunctionSummary) -> FunctionSummary:
    """A function's summary with every text taken from the scanned files masked (a role
    or a name can be a token pasted in the wrong place)."""
    return replace(
        detail,
        name=mask_text(detail.name),
        runtime=mask_text(detail.runtime) if detail.runtime else detail.runtime,
        triggers=tuple(mask_text(trigger) for trigger in detail.triggers),
        role=mask_text(detail.role),
        role_shared_with=tuple(mask_text(name) for name in detail.role_shared_with),
        secrets=tuple(mask_text(name) for name in detail.secrets),
    )
