"""The command line: `slsguard scan`, `report`, `inventory`, `rules`; the only place that exits.

Exit codes: 0 when no finding is at or above `--fail-on` (default `low`, so info never
fails a build), 1 otherwise, 2 on a usage error or any internal error (which wins).
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from slsguard import __version__
from slsguard.audit import command as audit_cli
from slsguard.baseline import BaselineError
from slsguard.deps import cli as dependency_cli
from slsguard.findings import Confidence, Report, Severity, Violation
from slsguard.fixing import command as fix_cli
from slsguard.fleet import command as fleet_cli
from slsguard.formats import FORMATS
from slsguard.leastpriv import command as policy_cli
from slsguard.output import OutputError, emit, silence_stdout, to_stdout, write_file

if TYPE_CHECKING:
    from slsguard.config import FailOn, Settings
    from slsguard.diff_scan import BaseTree
    from slsguard.model import Note
    from slsguard.project import Project
    from slsguard.scan import ScanOptions

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2
_DEBUG_HELP = "show the traceback of an internal error"


def _ids(text: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in text.split(",") if part.strip())


class _Accumulate(argparse.Action):
    """A repeatable flag whose values add up; each value may be a comma-separated list."""

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: str | Sequence[object] | None,
        option_string: str | None = None,
    ) -> None:
        previous = getattr(namespace, self.dest) or ()
        setattr(namespace, self.dest, (*previous, *_ids(str(values))))


def _fail_on(text: str) -> FailOn:
    from slsguard.config import parse_fail_on

    try:
        return parse_fail_on(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _jobs(text: str) -> int:
    """`--jobs N`: a whole number of processes, at least 1."""
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"expected a number of processes (1 or more): {text!r}")
    return int(text)


def _extra_report(text: str) -> tuple[str, Path]:
    """`sarif=out.sarif` -> ("sarif", Path("out.sarif")): one more report from the same run."""
    name, separator, file = text.partition("=")
    if not separator or not file or name not in FORMATS:
        names = ", ".join(FORMATS)
        raise argparse.ArgumentTypeError(f"expected FORMAT=FILE with FORMAT one of: {names}")
    return name, Path(file)


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


def build_parser() -> argparse.ArgumentParser:
    """The argument parser for every subcommand."""
    parser = argparse.ArgumentParser(
        prog="slsguard", description="Security scanner for serverless applications."
    )
    parser.add_argument("--version", action="version", version=f"slsguard {__version__}")
    parser.add_argument("--debug", action="store_true", help=_DEBUG_HELP)
    commands = parser.add_subparsers(dest="command", required=True)

    scan = commands.add_parser("scan", help="scan templates under the given paths")
    scan.add_argument("paths", nargs="+", type=Path, metavar="PATH")
    _add_root_flag(scan)
    scan.add_argument("--format", choices=tuple(FORMATS), help="output format (default: text)")
    scan.add_argument("--output", "-o", type=Path, help="write the report to a file")
    scan.add_argument(
        "--aws-account-id",
        metavar="ID",
        help="the AWS account of the findings, for --format asff (with --region)",
    )
    scan.add_argument(
        "--to-security-hub",
        action="store_true",
        help="import the findings into the caller's Security Hub (BatchImportFindings) and "
        "archive the ones this scan no longer produces; account and region from STS and the "
        "profile unless --aws-account-id and --region are given",
    )
    scan.add_argument(
        "--diff-base",
        metavar="REF",
        help="report only findings new against the merge base with REF (a pull request's "
        "target branch); the apps the change touches are scanned whole",
    )
    scan.add_argument(
        "--also",
        type=_extra_report,
        action="append",
        default=[],
        metavar="FORMAT=FILE",
        help="also write the same report in another format to FILE (repeatable)",
    )
    scan.add_argument(
        "--fail-on",
        type=_fail_on,
        metavar="SEVERITY",
        help="lowest severity that fails the run (critical, high, medium, low, info, or never; "
        "default low)",
    )
    scan.add_argument(
        "--jobs",
        "-j",
        type=_jobs,
        metavar="N",
        help="processes that load and judge applications (default: one per 50 files to load, up to "
        "the CPUs this process may use; 1: serial)",
    )
    scan.add_argument(
        "--min-confidence",
        type=Confidence.parse,
        default=Confidence.LOW,
        metavar="CONFIDENCE",
        help="leave out findings below this confidence (high, medium, low; default low: all)",
    )
    repeatable = "repeatable, or comma-separated"
    scan.add_argument(
        "--select", action=_Accumulate, help=f"only these rules (IDs, names; {repeatable})"
    )
    scan.add_argument("--ignore", action=_Accumulate, help=f"skip these rules ({repeatable})")
    scan.add_argument("--enable", action=_Accumulate, help=f"turn on opt-in rules ({repeatable})")
    scan.add_argument("--quiet", "-q", action="store_true", help="print only findings and errors")
    scan.add_argument(
        "--no-inline-ignores",
        dest="inline_ignores",
        action="store_false",
        help="disregard `slsguard: ignore` comments (a baseline still applies)",
    )
    _add_workflow_flags(scan)
    add_user_rule_flags(scan)
    dependency_cli.add_flags(scan)
    scan.add_argument("--stage", help="Serverless stage for ${opt:stage} and params")
    scan.add_argument("--region", help="region for ${opt:region}")
    scan.add_argument(
        "--var-file",
        action="append",
        type=Path,
        default=[],
        metavar="FILE",
        help="Terraform variables file (repeatable; later files win)",
    )
    scan.add_argument(
        "--use-environment",
        action="store_true",
        help="let ${env:X} read this process's environment (off by default)",
    )
    scan.add_argument("--verbose", "-v", action="store_true", help="also show unresolved values")
    scan.add_argument(
        "--as-of",
        type=_date,
        metavar="YYYY-MM-DD",
        help="judge dates (runtime deprecations, data freshness) as of this day, not today",
    )
    scan.add_argument(
        "--runtimes-file",
        type=Path,
        metavar="PATH",
        help="a newer Lambda runtime table (JSON, same format as the bundled one)",
    )
    scan.add_argument(
        "--trusted-accounts",
        action=_Accumulate,
        default=(),
        metavar="IDS",
        help="AWS account IDs whose layers are trusted (comma-separated)",
    )
    scan.add_argument(
        "--color",
        choices=("auto", "always", "never"),
        default="auto",
        help="auto: on a terminal, unless NO_COLOR is set; FORCE_COLOR forces it",
    )

    inventory = commands.add_parser(
        "inventory", help="every function with its triggers, role, secrets and findings"
    )
    inventory.add_argument("paths", nargs="+", type=Path, metavar="PATH")
    _add_root_flag(inventory)
    inventory.add_argument("--format", choices=("table", "json"), default="table")
    inventory.add_argument("--output", "-o", type=Path, help="write the inventory to a file")
    inventory.add_argument("--stage", help="Serverless stage for ${opt:stage} and params")
    dependency_cli.add_flags(inventory)

    _add_report_parser(commands)
    dependency_cli.add_db_parser(commands)
    audit_cli.add_parser(commands)
    policy_cli.add_parser(commands)
    fix_cli.add_parser(commands)
    fleet_cli.add_parser(commands)

    rules = commands.add_parser("rules", help="list the rules, or explain one")
    rules.add_argument("--explain", metavar="ID", help="show one rule's documentation")
    add_user_rule_flags(rules)
    rules.add_argument(
        "--write-docs", type=Path, metavar="DIR", help="write one Markdown page per rule to DIR"
    )
    for command in commands.choices.values():  # `slsguard scan . --debug` reads naturally
        command.add_argument("--debug", action="store_true", help=_DEBUG_HELP)
    return parser


def _add_root_flag(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--root",
        type=Path,
        metavar="DIR",
        help="the project root file names are relative to (default: the nearest folder with "
        ".slsguard.yml or [tool.slsguard], else the git top level, else the first path)",
    )


def add_user_rule_flags(parser: argparse.ArgumentParser) -> None:
    """`--rules-dir` and `--trust-project-rules`: rules of the user's own (custom-rules.md)."""
    parser.add_argument(
        "--rules-dir",
        type=Path,
        action="append",
        default=[],
        metavar="DIR",
        help="load the rule modules in DIR too (repeatable; runs their Python code)",
    )
    parser.add_argument(
        "--trust-project-rules",
        action="store_true",
        help="allow a --rules-dir inside the scanned project (you have reviewed its code)",
    )


def _with_user_rules(args: argparse.Namespace, run: Callable[[argparse.Namespace], int]) -> int:
    """Run a command with the installed and `--rules-dir` user rules active."""
    from slsguard import user_rules
    from slsguard.project import ProjectError
    from slsguard.project import find as find_project
    from slsguard.rules import user_rules_active

    paths = list(getattr(args, "paths", None) or [])
    try:
        # A missing path is the command's to report ("no such file"), not the root's.
        known = paths and all(path.exists() for path in paths)
        found = find_project(paths, getattr(args, "root", None)) if known else None
        loaded = user_rules.load(
            args.rules_dir,
            project_root=(found.git_top or found.root) if found else None,
            trust_project_rules=args.trust_project_rules,
        )
    except (ProjectError, user_rules.UntrustedRulesError) as error:
        print(f"slsguard: {error}", file=sys.stderr)
        return EXIT_ERROR
    args.rule_problems = loaded.problems
    with user_rules_active(loaded.rules):
        return run(args)


def _add_workflow_flags(scan: argparse.ArgumentParser) -> None:
    """Configuration, suppression, baseline and grouping flags of `scan` (see workflow.md)."""
    from slsguard.formats.grouping import GROUP_KEYS

    scan.add_argument("--config", type=Path, metavar="FILE", help="configuration file to use")
    scan.add_argument(
        "--exclude",
        action=_Accumulate,
        metavar="GLOBS",
        help="paths to skip (globs relative to the project root; repeatable, or comma-separated)",
    )
    scan.add_argument("--baseline", type=Path, metavar="FILE", help="report only new findings")
    scan.add_argument(
        "--write-baseline", type=Path, metavar="FILE", help="accept today's findings into FILE"
    )
    scan.add_argument(
        "--show-suppressed", action="store_true", help="also list findings ignored inline"
    )
    scan.add_argument(
        "--report-unused-ignores",
        action="store_true",
        default=None,
        help="report inline ignores that suppress nothing (SLS007)",
    )
    scan.add_argument(
        "--group-by", choices=GROUP_KEYS, help="group findings by practice or framework control"
    )


def _add_report_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from slsguard.frameworks import REPORTABLE

    report = commands.add_parser(
        "report", help="per control of a compliance framework: findings, none, or not covered"
    )
    report.add_argument("paths", nargs="+", type=Path, metavar="PATH")
    _add_root_flag(report)
    report.add_argument("--framework", choices=REPORTABLE, required=True)
    report.add_argument("--format", dest="report_format", choices=("text", "json"), default="text")
    report.add_argument("--output", "-o", type=Path, help="write the statement to a file")
    report.add_argument("--config", type=Path, metavar="FILE", help="configuration file to use")
    report.add_argument("--stage", help="Serverless stage for ${opt:stage} and params")
    report.add_argument("--region", help="region for ${opt:region}")
    report.add_argument("--as-of", type=_date, metavar="YYYY-MM-DD", help="judge dates as of")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code (2 for any internal error, never a raise).

    An unexpected exception anywhere becomes one line on stderr naming the problem and a
    hint; `--debug` adds the traceback. A closed output pipe ends the run quietly.
    """
    arguments = list(sys.argv[1:] if argv is None else argv)
    try:
        return _main(arguments)
    except OutputError as error:
        print(f"slsguard: {error}", file=sys.stderr)
        return EXIT_ERROR
    except BrokenPipeError:
        silence_stdout()
        return EXIT_OK
    except KeyboardInterrupt:
        print("slsguard: interrupted", file=sys.stderr)
        return 130
    except Exception as error:  # RecursionError and MemoryError included
        return _internal_error(error, debug="--debug" in arguments)


def _internal_error(error: BaseException, *, debug: bool) -> int:
    """Say what went wrong in one line (the traceback with `--debug`); exit code 2."""
    import traceback

    if debug:
        traceback.print_exception(error)
    frames = traceback.extract_tb(error.__traceback__)
    where = f" at {Path(frames[-1].filename).name}:{frames[-1].lineno}" if frames else ""
    from slsguard.secrets.detect import mask_text

    text = mask_text(str(error))[:300]
    hint = (
        "rerun with --debug for the traceback"
        if not debug
        else "please report this traceback to the slsguard developers"
    )
    name = type(error).__name__
    print(f"slsguard: internal error: {name}: {text}{where} ({hint})", file=sys.stderr)
    return EXIT_ERROR


def _main(argv: list[str]) -> int:
    # A scan builds many small objects and frees almost none until it ends; the default
    # collector thresholds make it traverse that growing heap over and over (a third of a
    # corpus scan). Collect young objects less often: memory use barely changes.
    gc.set_threshold(100_000, 50, 100)
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:
        return EXIT_ERROR if exit_.code not in (0, None) else EXIT_OK
    if args.command == "rules":
        if args.write_docs:
            return _write_docs(args.write_docs)
        return _with_user_rules(args, lambda parsed: _rules(parsed.explain, parsed.rule_problems))
    if args.command == "report":
        return _report(args)
    if args.command == "inventory":
        return _inventory(args)
    if args.command == "db":
        return dependency_cli.run_db(args)
    if args.command == "audit":
        return audit_cli.run(args)
    if args.command == "policy":
        return policy_cli.run(args)
    if args.command == "fix":
        return fix_cli.run(args)
    if args.command == "fleet":
        return fleet_cli.run(args)
    return _with_user_rules(args, _scan)


def _inventory(args: argparse.Namespace) -> int:
    from slsguard.config import resolve
    from slsguard.inventory import render_json, render_table
    from slsguard.loading import LoadOptions
    from slsguard.project import find as find_project
    from slsguard.scan import ScanOptions, scan

    if not paths_exist(args.paths):
        return EXIT_ERROR
    try:
        project = find_project(args.paths, args.root)
        settings = resolve(args.paths, dependency_cli.config_flags(args), root=project.root)
    except ValueError as error:  # ConfigError, ProjectError
        print(f"slsguard: {error}", file=sys.stderr)
        return EXIT_ERROR
    dependencies = dependency_cli.options(args, settings)
    options = ScanOptions(
        load=LoadOptions(stage=args.stage),
        dependencies=dependencies,
        notes=ignored_settings(settings),
        project=project,
    )
    report = scan(list(args.paths), options)
    if args.format == "json":
        text = render_json(report)
    else:
        text = render_table(report, color=use_color("auto", to_stdout(args.output)))
    emit(text, args.output)
    return EXIT_OK


def _scan(args: argparse.Namespace) -> int:
    from slsguard.project import find as find_project

    if not paths_exist(args.paths):
        return EXIT_ERROR
    with contextlib.ExitStack() as cleanup:
        try:
            project = find_project(args.paths, args.root)
            base = _diff_base(args, project, cleanup)
            root = base.project.root if base else project.root
            settings = _settings(_on_base(args, project, base), root)
        except ValueError as error:  # Config/Project/DiffBaseError, or a bad --group-by
            print(f"slsguard: {error}", file=sys.stderr)
            return EXIT_ERROR
        return _scan_with(args, project, settings, base)


def _scan_with(
    args: argparse.Namespace, project: Project, settings: Settings, base: BaseTree | None
) -> int:
    """`scan` once the project, the settings and (with `--diff-base`) the base are known."""
    from slsguard.formats import render
    from slsguard.loading import LoadOptions
    from slsguard.scan import ScanOptions, UnknownRuleError

    options = ScanOptions(
        select=_selected(settings),
        ignore=settings.ignore,
        enable=_enabled(settings),
        severity=settings.severity,
        exclude=settings.exclude,
        verbose=args.verbose,
        rule_problems=args.rule_problems,
        today=args.as_of,
        runtimes_file=args.runtimes_file,
        trusted_accounts=args.trusted_accounts,
        progress=None if args.quiet else _progress_on_terminal(),
        inline_ignores=args.inline_ignores,
        project=project,
        load=LoadOptions(
            stage=args.stage,
            region=args.region,
            environ=dict(os.environ) if args.use_environment else None,
            var_files=tuple(args.var_file),
        ),
        dependencies=dependency_cli.options(args, settings),
        min_confidence=args.min_confidence,
        notes=ignored_settings(settings),
        jobs=args.jobs,
    )
    try:
        if base is None:
            report = _scanned(_apps_of_files(args.paths, project), options, settings.format)
        else:
            report = _scanned_changes(args, options, settings, base)
        report = _baselined(report, settings, args.write_baseline, quiet=args.quiet)
    except (UnknownRuleError, BaselineError) as error:
        print(f"slsguard: {error}", file=sys.stderr)
        return EXIT_ERROR
    where = (args.aws_account_id or "", args.region or "", project.root.name)
    if args.to_security_hub:
        whole = base is None and [p.resolve() for p in args.paths] == [project.root.resolve()]
        sent = _to_security_hub(report, where, options, whole)
        if sent is None:
            return EXIT_ERROR
        report, where = sent
    color = use_color(args.color, to_stdout(args.output))
    display = {
        "group_by": args.group_by,
        "show_suppressed": args.show_suppressed,
        "aws_account_id": where[0],
        "region": where[1],
        "scope": where[2],
    }
    text = render(settings.format, report, color=color, **_quiet(display, args, settings.format))
    emit(text, args.output)
    # One scan, several reports (the GitHub Action derives SARIF, the job summary and the
    # pull-request comment from one run): files only, never coloured.
    for name, file in args.also:
        emit(render(name, report, color=False, **_quiet(display, args, name)), file)
    return exit_code(report, settings.fail_on)


def _to_security_hub(
    report: Report, where: tuple[str, str, str], options: ScanOptions, whole: bool
) -> tuple[Report, tuple[str, str, str]] | None:
    """`--to-security-hub`: the report (with any SLS008 refusal) and the account, region and
    scope used; None (after saying why) when no AWS credentials work."""
    from slsguard.audit.securityhub import export_scan
    from slsguard.scan import select_rules

    rules_run = frozenset(rule.id for rule in select_rules(options))
    try:
        report, done, where = export_scan(report, where, rules_run, whole)
    except Exception as error:  # botocore: no credentials, unknown profile, endpoint down
        if type(error).__module__.startswith(("botocore", "slsguard.audit")):
            print(f"slsguard: --to-security-hub: {error}", file=sys.stderr)
            return None
        raise
    for line in done.summary():
        print(f"slsguard: {line}", file=sys.stderr)
    return report, where


def _quiet(display: dict[str, object], args: argparse.Namespace, name: str) -> dict[str, object]:
    """The display options, with `quiet` for the formats that have it (`--quiet`)."""
    from slsguard.formats import accepts

    return {**display, "quiet": True} if args.quiet and accepts(name, "quiet") else display


def _apps_of_files(paths: Sequence[Path], project: Project) -> list[Path]:
    """The paths to scan: a named file that is not itself a template, CI file or Terraform
    module (a handler, a lockfile, an include, a `.tfvars`, as pre-commit passes them) stands
    for the apps whose folder holds it, scanned whole; a file in no app's folder for none."""
    from slsguard import diff_scan
    from slsguard.discovery import discover

    loose = [path for path in paths if path.is_file() and not discover([path], project=project)]
    if not loose:
        return list(paths)
    kept = [path for path in paths if path not in loose]
    names = [project.name_of(path) for path in loose]
    apps = diff_scan.app_folders([project.root], project)
    folders = diff_scan.owners(names, apps, shared_means_all=False)
    return [*kept, *(project.root / folder for folder in folders)]


def _diff_base(
    args: argparse.Namespace, project: Project, cleanup: contextlib.ExitStack
) -> BaseTree | None:
    """With `--diff-base REF`: the merge base, materialised until the scan ends."""
    from slsguard import diff_scan

    if not args.diff_base:
        return None
    folder = Path(cleanup.enter_context(diff_scan.temporary_folder()))
    return diff_scan.materialise(project, args.diff_base, folder)


def _on_base(
    args: argparse.Namespace, project: Project, base: BaseTree | None
) -> argparse.Namespace:
    """The arguments with configuration and baseline files read from the base revision
    (under `--diff-base`, a pull request must not change its own gate)."""
    if base is None:
        return args
    moved = argparse.Namespace(**vars(args))
    moved.paths = [base.path_of(project, path) for path in args.paths]
    for name in ("config", "baseline"):
        value = getattr(args, name)
        if value is not None and Path(os.path.abspath(value)).is_relative_to(project.root):
            setattr(moved, name, base.path_of(project, value))
    return moved


def _scanned_changes(
    args: argparse.Namespace, options: ScanOptions, settings: Settings, base: BaseTree
) -> Report:
    """Only the findings the change introduces: the touched apps scanned now and at base."""
    from slsguard import diff_scan

    project = options.project
    assert project is not None
    changed = diff_scan.changed_files(project, base)
    folders = diff_scan.touched_folders(args.paths, project, base, changed)
    now = [project.root / folder for folder in folders if (project.root / folder).exists()]
    then = [base.project.root / folder for folder in folders]
    gates = _changed_gate_files(args, project, base, changed)
    options = replace(options, notes=(*options.notes, *gates))
    current = _scanned(now, options, settings.format) if now else _empty(options)
    existing = [path for path in then if path.exists()]
    base_options = replace(options, project=base.project, rule_problems=(), notes=())
    before = _scanned(existing, base_options, "json") if existing else _empty(base_options)
    return diff_scan.new_findings(current, before)


def _empty(options: ScanOptions) -> Report:
    """The report of a scan of nothing (no app was touched): reference data, no findings."""
    from slsguard.scan import scan

    assert options.project is not None
    return scan([], options)


def _changed_gate_files(
    args: argparse.Namespace, project: Project, base: BaseTree, changed: frozenset[str]
) -> tuple[Note, ...]:
    """SLS004 for a configuration or baseline file the change touches (the base's was used)."""
    from slsguard.findings import Origin, Severity
    from slsguard.model import Note
    from slsguard.project import CONFIG_NAMES

    gates = [project.root / name for name in (*CONFIG_NAMES, "pyproject.toml")]
    gates += [Path(value) for value in (args.config, args.baseline) if value is not None]
    notes = []
    for path in gates:
        absolute = Path(os.path.abspath(path))
        if not absolute.is_relative_to(project.root):
            continue
        name = absolute.relative_to(project.root).as_posix()
        if name not in changed or (name == "pyproject.toml" and not _slsguard_table(project, base)):
            continue
        message = (
            f"{name} changed since the merge base ({base.commit[:12]}): the base revision's "
            "version was used for this scan, so a change cannot widen its own gate"
        )
        fix = "review the change to this file; it takes effect once merged"
        violation = Violation(Origin(name), message, fix, Severity.LOW, subject=name)
        notes.append(Note("SLS004", violation))
    return tuple(notes)


def _slsguard_table(project: Project, base: BaseTree) -> bool:
    """Whether `pyproject.toml` holds slsguard settings now or at the base."""
    from slsguard.project import has_config

    return has_config(project.root) or has_config(base.project.root)


FORMATS_WITH_EDITS = ("sarif", "markdown")
"""Formats that show each fix's exact edit (SARIF `fixes`, Markdown ```diff blocks)."""


def _scanned(paths: Sequence[Path], options: ScanOptions, format_name: str) -> Report:
    """The scan's report; with each fix's exact edit for the formats that show them."""
    from slsguard.scan import scan

    return scan(list(paths), replace(options, edits=format_name in FORMATS_WITH_EDITS))


def _settings(args: argparse.Namespace, root: Path) -> Settings:
    """Command-line flags over the configuration file (ValueError on a bad one)."""
    from slsguard.config import Config, resolve
    from slsguard.formats import accepts

    flags = Config(
        select=args.select,
        ignore=args.ignore,
        enable=args.enable,
        exclude=args.exclude,
        fail_on=args.fail_on,
        format=args.format,
        report_unused_ignores=args.report_unused_ignores,
        baseline=args.baseline,
    ).over(dependency_cli.config_flags(args))
    settings = resolve(args.paths, flags, args.config, root)
    asff = settings.format == "asff" or any(name == "asff" for name, _ in args.also)
    if asff and not (args.aws_account_id and args.region) and not args.to_security_hub:
        raise ValueError("the asff format needs --aws-account-id and --region")
    if args.group_by and not accepts(settings.format, "group_by"):
        raise ValueError(f"the {settings.format} format cannot group findings (--group-by)")
    return settings


def ignored_settings(settings: Settings) -> tuple[Note, ...]:
    """SLS004 (low) at the configuration file for each of its values that was not used;
    SLS001 at each file that may hold configuration but was not read (a FIFO)."""
    from slsguard.discovery import display_name
    from slsguard.findings import Origin, Violation
    from slsguard.model import Note

    cwd = Path.cwd().resolve()
    fix = "replace it with a regular file, or remove it"
    unread = tuple(
        Note("SLS001", Violation(Origin(display_name(path.resolve(), cwd), (), 1, 1), why, fix))
        for path, why in settings.unread
    )
    if settings.source is None:
        return unread
    origin = Origin(display_name(settings.source.resolve(), cwd), (), 1, 1)
    fix = "pass the setting on the command line, where the person running the scan decides"
    return unread + tuple(
        Note("SLS004", Violation(origin, reason, fix, Severity.LOW)) for reason in settings.ignored
    )


def _selected(settings: Settings) -> tuple[str, ...]:
    # Asking for unused ignores keeps SLS007 in a narrowed selection.
    wanted = settings.report_unused_ignores and settings.select
    return (*settings.select, "SLS007") if wanted else settings.select


def _enabled(settings: Settings) -> tuple[str, ...]:
    unused = ("SLS007",) if settings.report_unused_ignores else ()
    return (*settings.enable, *unused)


def _baselined(
    report: Report, settings: Settings, write_to: Path | None, *, quiet: bool = False
) -> Report:
    """The report without baselined findings; `--write-baseline` accepts all of today's."""
    from slsguard import baseline

    if write_to is not None:
        write_file(write_to, baseline.render(report.findings), what="the baseline")
        if not quiet:
            print(f"slsguard: wrote {len(report.findings)} findings to {write_to}", file=sys.stderr)
        return baseline.apply(report, baseline.load(write_to))
    if settings.baseline is not None:
        return baseline.apply(report, baseline.load(settings.baseline))
    return report


def _report(args: argparse.Namespace) -> int:
    """`slsguard report --framework KEY PATH`: coverage of each control of the framework."""
    from slsguard import compliance, frameworks
    from slsguard.config import Config, resolve
    from slsguard.loading import LoadOptions
    from slsguard.project import find as find_project
    from slsguard.scan import ScanOptions, UnknownRuleError, scan, select_rules

    if not paths_exist(args.paths):
        return EXIT_ERROR
    try:
        project = find_project(args.paths, args.root)
        settings = resolve(args.paths, Config(), args.config, project.root)
        options = ScanOptions(
            select=_selected(settings),
            ignore=settings.ignore,
            enable=_enabled(settings),
            severity=settings.severity,
            exclude=settings.exclude,
            today=args.as_of,
            load=LoadOptions(stage=args.stage, region=args.region),
            project=project,
        )
        ran = {rule.id for rule in select_rules(options)}
        report = scan(list(args.paths), options)
    except (ValueError, UnknownRuleError) as error:
        print(f"slsguard: {error}", file=sys.stderr)
        return EXIT_ERROR
    framework = frameworks.load(args.framework)
    statuses = compliance.coverage(framework, report, report.rules, ran)
    scope = ", ".join(str(path) for path in args.paths)
    renderer = compliance.render_json if args.report_format == "json" else compliance.render_text
    text = renderer(framework, statuses, scope)
    emit(text, args.output)
    return EXIT_ERROR if any(f.rule.id == "SLS003" for f in report.findings) else EXIT_OK


def _write_docs(directory: Path) -> int:
    from slsguard.docs import write

    changed = write(directory)
    print(f"{len(changed)} rule documentation files changed in {directory}")
    return EXIT_OK


def _progress_on_terminal() -> Callable[[int, int], None] | None:
    """A one-line counter on stderr for long scans, only when stderr is a terminal."""
    if not sys.stderr.isatty():
        return None

    def show(done: int, total: int) -> None:
        if total < 200:
            return  # Short scans finish before a counter would help.
        if done % 50 == 0 or done == total - 1:
            end = "\r" if done < total - 1 else "\r\033[K"
            print(f"slsguard: reading files {done + 1}/{total}", end=end, file=sys.stderr)

    return show


def use_color(choice: str, to_stdout: bool) -> bool:
    """Whether to colour the output: `--color always/never` wins; with `auto`, never into a
    file, never when NO_COLOR is set (no-color.org), always when FORCE_COLOR is set (and not
    0), else only on a terminal."""
    if choice != "auto":
        return choice == "always"
    if not to_stdout or os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR", "0") not in ("", "0"):
        return True
    return sys.stdout.isatty()


def paths_exist(paths: Sequence[Path]) -> bool:
    """True when every path exists; otherwise says which do not, on stderr."""
    missing = [str(path) for path in paths if not path.exists()]
    if missing:
        print(f"slsguard: no such file or directory: {', '.join(missing)}", file=sys.stderr)
    return not missing


def exit_code(report: Report, fail_on: FailOn) -> int:
    """2 if any internal error, else 1 if any finding at or above `fail_on` (never, with
    `never`), else 0."""
    if any(finding.rule.id == "SLS003" for finding in report.findings):
        return EXIT_ERROR
    if not isinstance(fail_on, Severity):  # `never`
        return EXIT_OK
    if any(finding.severity.rank >= fail_on.rank for finding in report.findings):
        return EXIT_FINDINGS
    return EXIT_OK


def _rules(explain: str | None, problems: Sequence[Violation] = ()) -> int:
    from slsguard.rules import all_rules, find_rule

    for problem in problems:  # User rules that cannot be loaded: said, never dropped.
        print(f"slsguard: {problem.message}", file=sys.stderr)
    if explain:
        rule = find_rule(explain)
        if rule is None:
            print(f"slsguard: unknown rule {explain!r}", file=sys.stderr)
            return EXIT_ERROR
        info = rule.info
        controls = ", ".join(f"{key} {value}" for key, value in info.mappings)
        origin = "" if rule.origin == "built-in" else f"\nfrom {rule.origin}"
        print(f"{info.id} {info.name} ({info.severity.value}){origin}\n{controls}\n\n{info.doc}")
        return EXIT_ERROR if problems else EXIT_OK
    for rule in all_rules():
        info = rule.info
        optional = "" if info.default_enabled else "  (opt-in)"
        origin = "" if rule.origin == "built-in" else f"  [{rule.origin}]"
        print(
            f"{info.id}  {info.name:<36} {info.severity.value:<8} {info.summary}{optional}{origin}"
        )
    return EXIT_ERROR if problems else EXIT_OK
