"""The command line: `slsguard scan`, `slsguard rules`; the only place that exits.

Exit codes: 0 when no finding is at or above `--fail-on` (default `low`, so info never
fails a build), 1 otherwise, 2 on a usage error or any internal error (which wins).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from datetime import date
from pathlib import Path

from slsguard import __version__
from slsguard.findings import Report, Severity
from slsguard.formats import FORMATS

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


def _ids(text: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in text.split(",") if part.strip())


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
    commands = parser.add_subparsers(dest="command", required=True)

    scan = commands.add_parser("scan", help="scan templates under the given paths")
    scan.add_argument("paths", nargs="+", type=Path, metavar="PATH")
    scan.add_argument("--format", choices=tuple(FORMATS), default="text")
    scan.add_argument("--output", "-o", type=Path, help="write the report to a file")
    scan.add_argument(
        "--fail-on",
        default="low",
        type=Severity.parse,
        metavar="SEVERITY",
        help="lowest severity that fails the run (critical, high, medium, low, info)",
    )
    scan.add_argument("--select", type=_ids, default=(), help="only these rules (IDs, names)")
    scan.add_argument("--ignore", type=_ids, default=(), help="skip these rules")
    scan.add_argument("--enable", type=_ids, default=(), help="turn on opt-in rules")
    scan.add_argument("--stage", help="Serverless stage for ${opt:stage} and params")
    scan.add_argument("--region", help="region for ${opt:region}")
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
        type=_ids,
        default=(),
        metavar="IDS",
        help="AWS account IDs whose layers are trusted (comma-separated)",
    )
    scan.add_argument("--color", choices=("auto", "always", "never"), default="auto")

    inventory = commands.add_parser(
        "inventory", help="every function with its triggers, role, secrets and findings"
    )
    inventory.add_argument("paths", nargs="+", type=Path, metavar="PATH")
    inventory.add_argument("--format", choices=("table", "json"), default="table")
    inventory.add_argument("--output", "-o", type=Path, help="write the inventory to a file")
    inventory.add_argument("--stage", help="Serverless stage for ${opt:stage} and params")

    rules = commands.add_parser("rules", help="list the rules, or explain one")
    rules.add_argument("--explain", metavar="ID", help="show one rule's documentation")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:
        return EXIT_ERROR if exit_.code not in (0, None) else EXIT_OK
    if args.command == "rules":
        return _rules(args.explain)
    if args.command == "inventory":
        return _inventory(args)
    return _scan(args)


def _inventory(args: argparse.Namespace) -> int:
    from slsguard.inventory import render_json, render_table
    from slsguard.loading import LoadOptions
    from slsguard.scan import ScanOptions, scan

    missing = [str(path) for path in args.paths if not path.exists()]
    if missing:
        print(f"slsguard: no such file or directory: {', '.join(missing)}", file=sys.stderr)
        return EXIT_ERROR
    report = scan(list(args.paths), ScanOptions(load=LoadOptions(stage=args.stage)))
    if args.format == "json":
        text = render_json(report)
    else:
        text = render_table(report, color=args.output is None and sys.stdout.isatty())
    if args.output is not None:
        args.output.write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return EXIT_OK


def _scan(args: argparse.Namespace) -> int:
    from slsguard.formats import render
    from slsguard.loading import LoadOptions
    from slsguard.scan import ScanOptions, UnknownRuleError, scan

    missing = [str(path) for path in args.paths if not path.exists()]
    if missing:
        print(f"slsguard: no such file or directory: {', '.join(missing)}", file=sys.stderr)
        return EXIT_ERROR
    options = ScanOptions(
        select=args.select,
        ignore=args.ignore,
        enable=args.enable,
        verbose=args.verbose,
        today=args.as_of,
        runtimes_file=args.runtimes_file,
        trusted_accounts=args.trusted_accounts,
        load=LoadOptions(
            stage=args.stage,
            region=args.region,
            environ=dict(os.environ) if args.use_environment else None,
        ),
    )
    try:
        report = scan(list(args.paths), options)
    except UnknownRuleError as error:
        print(f"slsguard: {error}", file=sys.stderr)
        return EXIT_ERROR
    color = args.color == "always" or (
        args.color == "auto" and args.output is None and sys.stdout.isatty()
    )
    text = render(args.format, report, color=color)
    if args.output is not None:
        args.output.write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return exit_code(report, args.fail_on)


def exit_code(report: Report, fail_on: Severity) -> int:
    """2 if any internal error, else 1 if any finding at or above `fail_on`, else 0."""
    if any(finding.rule.id == "SLS003" for finding in report.findings):
        return EXIT_ERROR
    if any(finding.severity.rank >= fail_on.rank for finding in report.findings):
        return EXIT_FINDINGS
    return EXIT_OK


def _rules(explain: str | None) -> int:
    from slsguard.rules import all_rules, find_rule

    if explain:
        rule = find_rule(explain)
        if rule is None:
            print(f"slsguard: unknown rule {explain!r}", file=sys.stderr)
            return EXIT_ERROR
        info = rule.info
        controls = ", ".join(f"{key} {value}" for key, value in info.mappings)
        print(f"{info.id} {info.name} ({info.severity.value})\n{controls}\n\n{info.doc}")
        return EXIT_OK
    for rule in all_rules():
        info = rule.info
        optional = "" if info.default_enabled else "  (opt-in)"
        print(f"{info.id}  {info.name:<36} {info.severity.value:<8} {info.summary}{optional}")
    return EXIT_OK
