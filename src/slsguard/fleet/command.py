"""`slsguard fleet scan` and `slsguard fleet report`: the command line of the fleet."""

from __future__ import annotations

import argparse
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from slsguard.fleet.targets import Target
    from slsguard.fleet.task import Organization

DEFAULT_STORE = "slsguard-fleet.sqlite"


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register `slsguard fleet scan` and `slsguard fleet report`."""
    from slsguard.audit.command import add_organization_flags

    fleet = commands.add_parser(
        "fleet", help="scan many repositories and audit many accounts into one findings store"
    )
    actions = fleet.add_subparsers(dest="fleet_command", required=True)
    scan = actions.add_parser("scan", help="run every repository and account, record the run")
    scan.add_argument("repositories", nargs="*", metavar="REPOSITORY", help="folder or git URL")
    scan.add_argument(
        "--repositories-file", type=Path, metavar="FILE", help="repositories, one per line"
    )
    scan.add_argument(
        "--account",
        action="append",
        default=[],
        metavar="PROFILE",
        help="audit the account of this AWS profile (repeatable)",
    )
    scan.add_argument(
        "--profile",
        metavar="PROFILE",
        help="with --organization: the profile of the management (or delegated administrator) "
        "account (default: the standard credential chain)",
    )
    add_organization_flags(scan)
    scan.add_argument("--region", action="append", default=[], metavar="R", help="repeatable")
    scan.add_argument("--endpoint-url", help="send every AWS call to this endpoint (a test server)")
    scan.add_argument("--as-of", type=_day, metavar="DATE", help="judge runtime dates as of DATE")
    _add_store(scan)
    scan.add_argument(
        "--jobs", type=int, metavar="N", help="local processes (default: the CPUs allowed)"
    )
    scan.add_argument(
        "--scheduler", metavar="tls://HOST:PORT", help="run the tasks on this Dask cluster"
    )
    scan.add_argument("--tls-ca", type=Path, metavar="FILE", help="the cluster's CA certificate")
    scan.add_argument("--tls-cert", type=Path, metavar="FILE", help="this client's certificate")
    scan.add_argument("--tls-key", type=Path, metavar="FILE", help="this client's private key")
    scan.add_argument(
        "--insecure",
        action="store_true",
        help="accept a plain tcp:// scheduler off loopback (anyone on the path can run code)",
    )
    report = actions.add_parser("report", help="the store's latest run: new, fixed, open")
    _add_store(report)
    report.add_argument("--format", choices=("markdown", "json", "html"), default="markdown")
    report.add_argument("--output", "-o", type=Path, help="write the report to a file")


def _add_store(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--store",
        default=DEFAULT_STORE,
        metavar="PATH|URL",
        help=f"SQLite file or postgresql:// URL (default: {DEFAULT_STORE})",
    )


def _day(text: str) -> object:
    from datetime import date

    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


def run(args: argparse.Namespace) -> int:
    """Run `slsguard fleet ...`; returns the exit code."""
    from slsguard.audit.client import AuditError
    from slsguard.fleet.execute import SchedulerError
    from slsguard.fleet.store import StoreError

    try:
        if args.fleet_command == "report":
            return _report(args)
        return _scan(args)
    except (SchedulerError, StoreError, AuditError, OSError) as error:
        print(f"slsguard fleet: {error}", file=sys.stderr)
        return 2
    except Exception as error:  # botocore: no credentials, unknown profile, endpoint down
        if not type(error).__module__.startswith("botocore"):
            raise
        print(f"slsguard fleet: cannot list the organization: {error}", file=sys.stderr)
        return 2


def _scan(args: argparse.Namespace) -> int:
    """Every target, then one write of the run to the store. Exit 1 when a task failed."""
    from slsguard.audit.command import organization_problem
    from slsguard.fleet.execute import Scheduler, check, run_locally, run_on_cluster
    from slsguard.fleet.store import open_store
    from slsguard.fleet.targets import accounts, repositories
    from slsguard.fleet.task import TaskSettings
    from slsguard.parallel import available_cpus

    problem = organization_problem(args) or (
        "--profile needs --organization" if args.profile and not args.organization else ""
    )
    if problem:
        print(f"slsguard fleet: {problem}", file=sys.stderr)
        return 2
    targets = repositories(args.repositories, args.repositories_file) + accounts(args.account)
    organization, members = _organization(args) if args.organization else (None, [])
    targets += members
    if not targets:
        print("slsguard fleet: no repository or account to run", file=sys.stderr)
        return 2
    settings = TaskSettings(args.as_of, args.endpoint_url, tuple(args.region), organization)
    started = datetime.now(timezone.utc).isoformat(timespec="seconds")
    if args.scheduler:
        scheduler = Scheduler(
            args.scheduler, args.tls_ca, args.tls_cert, args.tls_key, args.insecure
        )
        check(scheduler, targets)  # before opening the store: a refusal changes nothing
        store = open_store(args.store)
        outcomes = run_on_cluster(targets, settings, scheduler)
    else:
        store = open_store(args.store)
        outcomes = run_locally(targets, settings, args.jobs or available_cpus())
    try:
        run = store.record(started, outcomes)
    finally:
        store.close()
    failed = [o for o in outcomes if o.error]
    for outcome in failed:
        print(f"slsguard fleet: {outcome.target.name}: {outcome.error}", file=sys.stderr)
    found = sum(len(o.entry.findings) for o in outcomes if o.entry)
    print(f"run {run}: {len(outcomes)} targets, {found} findings, {len(failed)} failed")
    return 1 if failed else 0


def _organization(args: argparse.Namespace) -> tuple[Organization, list[Target]]:
    """How to enter the organization's accounts, and one target per account to audit,
    listed here through the same code as `audit --organization`."""
    from slsguard.audit.client import Calls, Endpoint, Session
    from slsguard.audit.command import organization_options
    from slsguard.audit.organization import organization_accounts
    from slsguard.fleet.targets import members
    from slsguard.fleet.task import Organization

    options = organization_options(args)
    session = Session(Endpoint(args.profile, args.endpoint_url), Calls())
    caller, chosen = organization_accounts(session, options, sys.stderr)
    return Organization(args.profile, caller, options), members(chosen)


def _report(args: argparse.Namespace) -> int:
    from slsguard.fleet.report import render
    from slsguard.fleet.store import open_store
    from slsguard.output import emit

    store = open_store(args.store)
    try:
        text = render(store.runs(), args.format)
    finally:
        store.close()
    emit(text, args.output)
    return 0
