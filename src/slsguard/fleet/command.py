"""`slsguard fleet scan` and `slsguard fleet report`: the command line of the fleet."""

from __future__ import annotations

import argparse
import sys
from datetime import datetime, timezone
from pathlib import Path

DEFAULT_STORE = "slsguard-fleet.sqlite"


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register `slsguard fleet scan` and `slsguard fleet report`."""
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
    from slsguard.fleet.execute import SchedulerError
    from slsguard.fleet.store import StoreError

    try:
        if args.fleet_command == "report":
            return _report(args)
        return _scan(args)
    except (SchedulerError, StoreError, OSError) as error:
        print(f"slsguard fleet: {error}", file=sys.stderr)
        return 2


def _scan(args: argparse.Namespace) -> int:
    """Every target, then one write of the run to the store. Exit 1 when a task failed."""
    from slsguard.fleet.execute import Scheduler, check, run_locally, run_on_cluster
    from slsguard.fleet.store import open_store
    from slsguard.fleet.targets import accounts, repositories
    from slsguard.fleet.task import TaskSettings
    from slsguard.parallel import available_cpus

    targets = repositories(args.repositories, args.repositories_file) + accounts(args.account)
    if not targets:
        print("slsguard fleet: no repository or account to run", file=sys.stderr)
        return 2
    settings = TaskSettings(args.as_of, args.endpoint_url, tuple(args.region))
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
