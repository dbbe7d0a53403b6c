"""The dependency part of the command line: audit flags, and `slsguard db update` / `db info`.

Kept here so `slsguard.cli` only wires it in: `add_flags` to `scan` and `inventory`,
`config_flags(args)` for the configuration file to be overridden by, `options(args, settings)`
for `ScanOptions`, `add_db_parser` and `run_db` for the `db` command.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from slsguard.config import Config, Settings
from slsguard.deps.options import (
    DEFAULT_API_URL,
    DEFAULT_ECOSYSTEMS,
    DEFAULT_EXPORT_URL,
    DependencyOptions,
    default_database,
)

EXIT_OK, EXIT_ERROR = 0, 2


def add_flags(parser: argparse.ArgumentParser) -> None:
    """`--audit-dependencies`, `--offline`, `--advisory-db PATH`, `--osv-api-url URL`."""
    group = parser.add_argument_group("dependency audit (off unless asked for)")
    group.add_argument(
        "--audit-dependencies",
        action=argparse.BooleanOptionalAction,
        help="check packages against the OSV API (sends package names and versions only)",
    )
    group.add_argument(
        "--offline",
        action=argparse.BooleanOptionalAction,
        help="never use the network: audit with the database `slsguard db update` downloads",
    )
    group.add_argument(
        "--advisory-db",
        type=Path,
        metavar="PATH",
        help="audit offline with OSV JSON files or all.zip exports under PATH",
    )
    group.add_argument(
        "--osv-api-url",
        default=DEFAULT_API_URL,
        metavar="URL",
        help=f"the OSV API (or a mirror) for --audit-dependencies (default {DEFAULT_API_URL})",
    )


def config_flags(args: argparse.Namespace) -> Config:
    """The audit flags given (None when not), to override the configuration file with."""
    return Config(
        audit_dependencies=getattr(args, "audit_dependencies", None),
        offline=getattr(args, "offline", None),
        advisory_db=getattr(args, "advisory_db", None),
    )


def options(args: argparse.Namespace, settings: Settings | None = None) -> DependencyOptions:
    """The dependency options: `settings` (flags over the configuration file) when given,
    else the flags alone."""
    chosen = settings if settings is not None else _flags_only(args)
    return DependencyOptions(
        audit=chosen.audit_dependencies,
        offline=chosen.offline,
        advisory_db=chosen.advisory_db,
        api_url=getattr(args, "osv_api_url", DEFAULT_API_URL),
    )


def _flags_only(args: argparse.Namespace) -> Settings:
    flags = config_flags(args)
    return Settings(
        audit_dependencies=bool(flags.audit_dependencies),
        offline=bool(flags.offline),
        advisory_db=flags.advisory_db,
    )


def add_db_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """`slsguard db update` and `slsguard db info`."""
    db = commands.add_parser("db", help="the offline advisory database (OSV exports)")
    actions = db.add_subparsers(dest="db_command", required=True)
    update = actions.add_parser("update", help="download the OSV exports (all.zip per ecosystem)")
    info = actions.add_parser("info", help="what the offline advisory database holds")
    for sub in (update, info):
        sub.add_argument("--dir", type=Path, default=default_database(), help="database directory")
    update.add_argument(
        "--ecosystems",
        default=",".join(DEFAULT_ECOSYSTEMS),
        help="comma-separated OSV ecosystems (default: PyPI,npm)",
    )
    update.add_argument("--url", default=DEFAULT_EXPORT_URL, help="where the exports are served")


def run_db(args: argparse.Namespace) -> int:
    """Run `db update` or `db info`; the exit code."""
    from slsguard.deps.sources import SourceError

    try:
        return _update(args) if args.db_command == "update" else _info(args.dir)
    except SourceError as error:
        print(f"slsguard: {error}", file=sys.stderr)
        return EXIT_ERROR


def _update(args: argparse.Namespace) -> int:
    from slsguard.deps.download import update

    ecosystems = tuple(part.strip() for part in args.ecosystems.split(",") if part.strip())
    for item in update(args.dir, ecosystems, args.url):
        size = item.size / (1024 * 1024)
        print(f"{item.ecosystem}: {item.advisories} advisories ({size:.1f} MiB) -> {item.path}")
    return EXIT_OK


def _info(directory: Path) -> int:
    from slsguard.deps.offline import OfflineDatabase

    database = OfflineDatabase.load(directory)
    ecosystems = ", ".join(sorted(database.ecosystems)) or "none"
    print(
        f"{directory}: {database.count} advisories ({ecosystems}), "
        f"newest modified {database.newest or 'unknown'}"
    )
    return EXIT_OK
