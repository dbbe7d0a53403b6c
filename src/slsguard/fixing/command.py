"""`slsguard fix PATH... [--diff] [--unsafe-fixes] [--select ...] [--ignore ...] [--fail-on ...]`.

Scans, turns each finding's fix intents into located edits through the dialect of the
place they change, applies the safe ones (and the unsafe ones with `--unsafe-fixes`), and
says for every other fix why it was not applied. `--diff` prints what would change (as a
unified diff, secrets masked) and writes nothing. After writing, the paths are scanned
again: what remains at or above `--fail-on` is listed and decides the exit code, as for
`scan` (0 clean, 1 findings remain, 2 usage or internal error). With `--diff` the exit
code is 1 when something would change.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path, PurePath
from typing import TYPE_CHECKING, TextIO

from slsguard.findings import Finding, Report, Severity
from slsguard.fixing.plan import Outcome, Plan, Proposal, plan

if TYPE_CHECKING:
    from slsguard.config import Settings
    from slsguard.model import Application
    from slsguard.scan import ScanOptions


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register `slsguard fix` and its flags."""
    from slsguard.cli import _date, _ids

    fix = commands.add_parser("fix", help="apply the fixes of the findings to the files")
    fix.add_argument("paths", nargs="+", type=Path, metavar="PATH")
    fix.add_argument("--diff", action="store_true", help="print the changes; write nothing")
    fix.add_argument(
        "--unsafe-fixes",
        action="store_true",
        help="also apply fixes that change behaviour or can fail a deploy",
    )
    fix.add_argument("--select", type=_ids, help="only the fixes of these rules (IDs, names)")
    fix.add_argument("--ignore", type=_ids, help="not the fixes of these rules")
    fix.add_argument(
        "--fail-on",
        type=Severity.parse,
        metavar="SEVERITY",
        help="lowest severity of a remaining finding that fails the run (default low)",
    )
    fix.add_argument("--config", type=Path, metavar="FILE", help="configuration file to use")
    fix.add_argument("--stage", help="Serverless stage for ${opt:stage} and params")
    fix.add_argument("--region", help="region for ${opt:region}")
    fix.add_argument("--var-file", action="append", type=Path, default=[], metavar="FILE")
    fix.add_argument("--as-of", type=_date, metavar="YYYY-MM-DD", help="judge dates as of")


def run(args: argparse.Namespace) -> int:
    """Fix, or show the diff; the exit code as described in the module docstring."""
    from slsguard.cli import EXIT_ERROR, EXIT_FINDINGS, exit_code, paths_exist
    from slsguard.config import Config, resolve, scan_root
    from slsguard.scan import UnknownRuleError

    if not paths_exist(args.paths):
        return EXIT_ERROR
    try:
        flags = Config(select=args.select, ignore=args.ignore, fail_on=args.fail_on)
        settings = resolve(args.paths, flags, args.config)
        options = _options(args, settings)
        report, apps = _scan(args.paths, options)
    except (ValueError, UnknownRuleError) as error:  # ConfigError, an unknown rule
        print(f"slsguard: {error}", file=sys.stderr)
        return EXIT_ERROR
    root = scan_root(args.paths)  # the project root: file names are relative to it
    result = plan(proposals(report.findings, apps), root, root, args.unsafe_fixes)
    if args.diff:
        sys.stdout.write(render_diff(result))
        _summary(result, sys.stderr, would=True)
        if any(f.rule.id == "SLS003" for f in report.findings):
            return EXIT_ERROR
        return EXIT_FINDINGS if result.changed else exit_code(report, settings.fail_on)
    write_all(result, root)
    _summary(result, sys.stdout, would=False)
    after, _ = _scan(args.paths, options) if result.changed else (report, apps)
    if isinstance(settings.fail_on, Severity):  # nothing to list with `--fail-on never`
        _remaining(after, report, settings.fail_on)
    return exit_code(after, settings.fail_on)


def _options(args: argparse.Namespace, settings: Settings) -> ScanOptions:
    from slsguard.loading import LoadOptions
    from slsguard.scan import ScanOptions

    load = LoadOptions(stage=args.stage, region=args.region, var_files=tuple(args.var_file))
    return ScanOptions(
        select=settings.select,
        ignore=settings.ignore,
        enable=settings.enable,
        severity=settings.severity,
        exclude=settings.exclude,
        today=args.as_of,
        load=load,
    )


def _scan(paths: Sequence[Path], options: ScanOptions) -> tuple[Report, tuple[Application, ...]]:
    from slsguard.scan import scan_apps

    return scan_apps(list(paths), options)


def proposals(findings: Sequence[Finding], apps: Sequence[Application]) -> list[Proposal]:
    """Every fix intent of every finding, as its dialect proposes to apply it."""
    from slsguard.fixing.proposals import proposals_of

    by_name: dict[str, list[Application]] = {}
    for app in apps:
        by_name.setdefault(app.name, []).append(app)
    result: list[Proposal] = []
    for finding in findings:
        owner = _app_of(finding, by_name.get(finding.app, []))
        if owner is not None:
            result.extend(proposals_of(finding, owner))
    return result


def _app_of(finding: Finding, named: list[Application]) -> Application | None:
    """The application a finding is about: apps in different folders can share a name
    (two `sam.yaml` templates), so the one whose file, else whose folder, holds the place."""
    if len(named) <= 1:
        return named[0] if named else None
    file = finding.location.file or ""
    for app in named:
        if app.origin.file == file:
            return app
    folders = [(str(PurePath(app.origin.file).parent), app) for app in named]
    inside = [
        (folder, app)
        for folder, app in folders
        if folder in ("", ".") or file.startswith(folder + "/")
    ]
    return max(inside, key=lambda pair: len(pair[0]))[1] if inside else None


def write_all(result: Plan, root: Path) -> None:
    """Write every changed file; a file that cannot be written turns its fixes unapplied."""
    from slsguard.fixing.files import write_atomically
    from slsguard.fixing.text import EditError

    for file_plan in result.changed:
        try:
            write_atomically(file_plan.path, root, file_plan.original, file_plan.new_bytes())
        except EditError as error:
            result.outcomes = [
                Outcome(o.proposal, False, str(error), o.file)
                if o.applied and o.file == file_plan.display
                else o
                for o in result.outcomes
            ]


def render_diff(result: Plan) -> str:
    """The unified diff of every file the fixes change, secrets masked."""
    from slsguard.fixing.diffs import mask_secrets

    return "".join(mask_secrets(file_plan.diff()) for file_plan in result.changed)


def _summary(result: Plan, out: TextIO, *, would: bool) -> None:
    verb = "would fix" if would else "fixed"
    for outcome in result.applied:
        out.write(f"{verb}: {_describe(outcome)}\n")
    for outcome in result.not_applied:
        out.write(f"not applied: {_describe(outcome)}: {outcome.reason}\n")
    files = len(result.changed)
    applied, skipped = len(result.applied), len(result.not_applied)
    out.write(
        f"{applied} fix{'es' if applied != 1 else ''} {'would be ' if would else ''}applied "
        f"in {files} file{'s' if files != 1 else ''}, {skipped} not applied\n"
    )


def _describe(outcome: Outcome) -> str:
    finding = outcome.proposal.finding
    return f"{finding.location.display} {finding.rule.id} {outcome.proposal.title}"


def _remaining(after: Report, before: Report, fail_on: Severity) -> None:
    """List what remains at or above `fail_on`, and anything the fixes made appear.

    A finding is new only when the scan before had none of its rule, app and subject (or
    message): a fix can move where one points (a new `Globals.Api` section) or narrow what
    it says (execution logging added, access logging still missing); neither is new.
    """
    known = {_identity(finding) for finding in before.findings}
    for finding in after.findings:
        if finding.severity.rank >= fail_on.rank:
            label = "new" if _identity(finding) not in known else "remaining"
            print(
                f"{label}: {finding.location.display} {finding.rule.id} "
                f"[{finding.severity.value}] {finding.message}"
            )


def _identity(finding: Finding) -> tuple[str, str, str]:
    return finding.rule.id, finding.app, finding.subject or finding.message
