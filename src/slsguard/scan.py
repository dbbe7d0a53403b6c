"""The scan pipeline: discover → load → rules → findings → report.

The only place that turns rule violations into findings: it attaches the rule, the
location, the application and the fingerprint, turns a crashing rule into an
internal-error finding (and lets the rest of the scan go on), and applies the user's rule
selection.
"""

from __future__ import annotations

import time
import traceback
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from slsguard import __version__, reference
from slsguard.discovery import discover
from slsguard.findings import AppSummary, Finding, Location, Report, Violation
from slsguard.inventory import summarize
from slsguard.loading import LoadOptions, load_all
from slsguard.model import Application, Note
from slsguard.rules import Context, Rule, all_rules, find_rule


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
    trusted_accounts: tuple[str, ...] = ()


class UnknownRuleError(ValueError):
    """A rule ID or name on the command line that matches no rule."""


def select_rules(options: ScanOptions) -> tuple[Rule, ...]:
    """The rules that run: defaults (plus `enable`), narrowed by `select`, minus `ignore`."""
    for key in (*options.select, *options.ignore, *options.enable):
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
    """Scan files and folders and return the report (never raises on bad input)."""
    options = options or ScanOptions()
    started = time.perf_counter()
    rules = select_rules(options)
    active = {rule.id: rule for rule in rules}
    context = Context(
        today=options.today or date.today(),
        runtimes_file=options.runtimes_file,
        trusted_accounts=options.trusted_accounts,
    )
    cwd = Path.cwd()
    loaded = load_all(discover(paths, cwd), options.load, cwd)
    findings: list[Finding] = []
    findings.extend(_notes(loaded.file_notes, active, app=None))
    for app in loaded.apps:
        findings.extend(_notes(app.notes, active, app))
        for rule in rules:
            if rule.check is not None:
                findings.extend(run_rule(rule, app, context, active))
    datasets = reference.datasets()
    if "SLS009" in active:
        findings.extend(_finding(active["SLS009"], v, None) for v in reference.stale(context.today))
    rules_run = frozenset(active)
    return Report(
        findings=tuple(sorted(findings, key=_order)),
        apps=tuple(_summary(app, findings, rules_run) for app in loaded.apps),
        reference_data=datasets,
        files_scanned=loaded.files,
        duration_seconds=time.perf_counter() - started,
        tool_version=__version__,
        rules=tuple(rule.info for rule in all_rules()),
    )


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
        _finding(active[note.rule_id], note.violation, app)
        for note in notes
        if note.rule_id in active
    ]


def _finding(rule: Rule, violation: Violation, app: Application | None) -> Finding:
    return Finding(
        rule=rule.info,
        severity=violation.severity or rule.info.severity,
        message=violation.message,
        location=Location.of(violation.origin),
        fix=violation.fix,
        app=app.name if app else "",
        function=violation.function,
        subject=violation.subject,
        functions=violation.functions or ((violation.function,) if violation.function else ()),
    )


def _order(finding: Finding) -> tuple[str, str, int, int, str]:
    location = finding.location
    return (finding.app, location.file or "", location.line, location.column, finding.rule.id)


def _summary(app: Application, findings: list[Finding], rules_run: frozenset[str]) -> AppSummary:
    names = tuple(fn.name for fn in app.functions)
    return AppSummary(app.name, app.kind, app.file, names, summarize(app, findings, rules_run))
