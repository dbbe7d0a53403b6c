"""The `slsguard audit` command line: flags, running the audit, rendering the report."""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from slsguard.audit import DEFAULT_ROLE
from slsguard.findings import Severity
from slsguard.output import emit, to_stdout

if TYPE_CHECKING:
    from slsguard.audit.organization import AccountAudit, OrganizationOptions
    from slsguard.audit.run import AuditOptions, AuditResult


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register `slsguard audit` and its flags."""
    from slsguard.deps import cli as dependency_cli
    from slsguard.formats import FORMATS

    audit = commands.add_parser("audit", help="audit the Lambda functions of a live AWS account")
    audit.add_argument("--profile", help="AWS profile (default: the standard credential chain)")
    where = audit.add_mutually_exclusive_group()
    where.add_argument("--region", action="append", default=[], metavar="R", help="repeatable")
    where.add_argument("--all-regions", action="store_true", help="every Lambda region")
    audit.add_argument("--function", action="append", default=[], metavar="NAME")
    audit.add_argument("--stack", metavar="NAME", help="only this CloudFormation stack")
    audit.add_argument(
        "--download-code",
        action="store_true",
        help="fetch each function's package and analyse its handler code",
    )
    audit.add_argument(
        "--compare",
        type=Path,
        metavar="PATH",
        help="report drift from the templates under PATH (text, markdown or json output)",
    )
    audit.add_argument(
        "--history",
        type=Path,
        metavar="FILE",
        help="append this audit's summary to a JSON-lines history file",
    )
    audit.add_argument(
        "--show",
        action="store_true",
        help="with --history: print how findings evolved between audits (no audit is run)",
    )
    audit.add_argument(
        "--to-security-hub",
        action="store_true",
        help="import the findings into Security Hub of each audited account and archive the "
        "ones this audit no longer produces",
    )
    audit.add_argument("--endpoint-url", help="send every call to this endpoint (a test server)")
    audit.add_argument("--format", choices=tuple(FORMATS), default="text")
    audit.add_argument("--output", "-o", type=Path, help="write the report to a file")
    audit.add_argument("--fail-on", type=Severity.parse, default=Severity.LOW, metavar="SEVERITY")
    audit.add_argument("--select", type=_ids, default=(), help="only these rules (IDs, names)")
    audit.add_argument("--ignore", type=_ids, default=(), help="skip these rules")
    audit.add_argument("--enable", type=_ids, default=(), help="turn on opt-in rules")
    audit.add_argument("--trusted-accounts", type=_ids, default=(), metavar="IDS")
    audit.add_argument("--color", choices=("auto", "always", "never"), default="auto")
    add_organization_flags(audit)
    dependency_cli.add_flags(audit)  # Used on the packages --download-code fetches.


def add_organization_flags(audit: argparse.ArgumentParser) -> None:
    """`--organization` and the flags that shape it (`audit` and `fleet scan`)."""
    group = audit.add_argument_group("organization (audit every account of an AWS Organization)")
    group.add_argument(
        "--organization",
        action="store_true",
        help="audit the calling account and every member account, through a role in each",
    )
    group.add_argument(
        "--role-name",
        metavar="NAME",
        help=f"the role to assume in each member account (default {DEFAULT_ROLE})",
    )
    group.add_argument("--accounts", type=_ids, default=(), metavar="IDS", help="only these")
    group.add_argument("--exclude-accounts", type=_ids, default=(), metavar="IDS")
    group.add_argument(
        "--ou", type=_ids, default=(), metavar="OU_IDS", help="only these OUs (and child OUs)"
    )
    group.add_argument("--external-id", metavar="ID", help="the external id the role requires")
    group.add_argument(
        "--session-name", metavar="NAME", help="role session name (default slsguard-audit)"
    )


_SESSION_NAME = re.compile(r"[\w+=,.@-]{2,64}", re.ASCII)
"""What `sts:AssumeRole` accepts as a role session name."""
_ORGANIZATION_FLAGS = ("role_name", "accounts", "exclude_accounts", "ou", "external_id")


def organization_problem(args: argparse.Namespace) -> str:
    """What is wrong with the organization flags (empty when nothing is)."""
    if args.session_name and not _SESSION_NAME.fullmatch(args.session_name):
        return "--session-name: 2 to 64 of A-Z a-z 0-9 _+=,.@-"
    given = [flag for flag in (*_ORGANIZATION_FLAGS, "session_name") if getattr(args, flag)]
    if given and not args.organization:
        return f"{', '.join('--' + flag.replace('_', '-') for flag in given)} needs --organization"
    return ""


def organization_options(args: argparse.Namespace) -> OrganizationOptions:
    """The organization flags as options."""
    from slsguard.audit.organization import OrganizationOptions

    return OrganizationOptions(
        role_name=args.role_name or DEFAULT_ROLE,
        accounts=args.accounts,
        exclude_accounts=args.exclude_accounts,
        ous=args.ou,
        external_id=args.external_id,
        session_name=args.session_name or "slsguard-audit",
    )


def _ids(text: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in text.split(",") if part.strip())


DRIFT_FORMATS = ("text", "markdown", "json")
"""The formats that carry a drift section (`--compare`)."""


def run(args: argparse.Namespace) -> int:
    """Run `slsguard audit`; returns the exit code (2 when the audit cannot start)."""
    from slsguard.audit.client import AuditError, Endpoint
    from slsguard.audit.collect import Scope
    from slsguard.audit.progress import on_terminal
    from slsguard.audit.run import AuditOptions
    from slsguard.cli import exit_code
    from slsguard.deps import cli as dependency_cli
    from slsguard.scan import UnknownRuleError

    if args.show:
        return _show_history(args)
    if args.compare is not None and args.format not in DRIFT_FORMATS:
        print(f"slsguard: --compare needs --format {', '.join(DRIFT_FORMATS)}", file=sys.stderr)
        return 2
    if args.compare is not None and not args.compare.exists():
        print(f"slsguard: --compare: no such path {args.compare}", file=sys.stderr)
        return 2
    problem = organization_problem(args)
    if problem:
        print(f"slsguard: {problem}", file=sys.stderr)
        return 2
    progress = on_terminal(sys.stderr)
    options = AuditOptions(
        endpoint=Endpoint(args.profile, args.endpoint_url),
        regions=tuple(args.region),
        all_regions=args.all_regions,
        scope=Scope(tuple(args.function), args.stack),
        select=args.select,
        ignore=args.ignore,
        enable=args.enable,
        trusted_accounts=args.trusted_accounts,
        download_code=args.download_code,
        dependencies=dependency_cli.options(args),
        progress=progress,
    )
    try:
        result, accounts = _audited(args, options)
    except (AuditError, UnknownRuleError) as error:
        print(f"slsguard: {error}", file=sys.stderr)
        return 2
    except Exception as error:  # botocore: no credentials, unknown profile, endpoint down
        if type(error).__module__.startswith("botocore"):
            print(f"slsguard: cannot audit: {error}", file=sys.stderr)
            return 2
        raise
    finally:
        if progress is not None:
            progress.close()
    if args.history is not None and not _record(args.history, accounts):
        return 2
    if args.to_security_hub:
        try:
            result = _to_security_hub(options, result, accounts)
        except Exception as error:  # botocore: the credentials no longer work
            if type(error).__module__.startswith("botocore"):
                print(f"slsguard: --to-security-hub: {error}", file=sys.stderr)
                return 2
            raise
    text = _rendered(args, result)
    emit(text, args.output)
    return exit_code(result.report, args.fail_on)


def _audited(
    args: argparse.Namespace, options: AuditOptions
) -> tuple[AuditResult, list[AccountAudit]]:
    """The audit of the account, or of the organization (`--organization`), and each
    account's own audit."""
    from slsguard.audit.organization import AccountAudit, audit_organization
    from slsguard.audit.run import audit

    if not args.organization:
        result = audit(options)
        return result, [AccountAudit(result.account, result)]
    done = audit_organization(options, organization_options(args))
    return done.result, list(done.accounts)


def _to_security_hub(
    options: AuditOptions, result: AuditResult, accounts: list[AccountAudit]
) -> AuditResult:
    """The audit's findings into Security Hub of each audited account (with that account's
    own credentials), in each audited region; the result with an SLS008 finding where
    Security Hub refused them."""
    from dataclasses import replace

    from slsguard.audit.client import Calls, Session
    from slsguard.audit.securityhub import Hub, export, with_refusals
    from slsguard.scan import ScanOptions, select_rules

    sessions = [
        Session(options.endpoint, Calls(), item.credentials)
        for item in accounts
        if item.result is not None
    ]
    # Keyed by the account STS names for the credentials: a record only ever reaches the
    # Security Hub of the account whose credentials send it.
    by_account = {session.caller_account(): session for session in sessions}

    def hub_of(account: str, region: str) -> Hub | None:
        session = by_account.get(account)
        return Hub(session.fresh(), account, region) if session else None

    account = result.account or next(iter(by_account), "")
    regions = result.regions or (Session(options.endpoint, Calls()).default_region(),)
    scan_options = ScanOptions(select=options.select, ignore=options.ignore, enable=options.enable)
    rules_run = frozenset(rule.id for rule in select_rules(scan_options))
    whole = not options.scope.functions and options.scope.stack is None
    covered = [(a, r, f"{a}/{r}") for a in by_account for r in regions] if whole else []
    done = export(result.report, hub_of, (account, regions[0], ""), rules_run, covered)
    for line in done.summary():
        print(f"slsguard: {line}", file=sys.stderr)
    return replace(result, report=with_refusals(result.report, done))


def _record(path: Path, accounts: list[AccountAudit]) -> bool:
    """Append each account's audit to the history file (an account that was not audited
    is left out); False (after saying why) when it cannot."""
    from slsguard.audit.history import HistoryError, append, entry_of

    try:
        for item in accounts:
            if item.result is not None:
                append(path, entry_of(item.result.report, item.account, item.result.regions))
    except HistoryError as error:
        print(f"slsguard: {error}", file=sys.stderr)
        return False
    return True


def _show_history(args: argparse.Namespace) -> int:
    """`--history FILE --show`: the evolution of findings between the recorded audits."""
    from slsguard.audit.history import HistoryError, evolution, load, render_json, render_text

    if args.history is None:
        print("slsguard: --show needs --history FILE", file=sys.stderr)
        return 2
    try:
        steps = evolution(load(args.history))
    except HistoryError as error:
        print(f"slsguard: {error}", file=sys.stderr)
        return 2
    text = render_json(steps) if args.format == "json" else render_text(steps)
    emit(text, args.output)
    return 0


def _rendered(args: argparse.Namespace, result: AuditResult) -> str:
    """The report in the chosen format, with the drift section when `--compare` asks."""
    from slsguard.formats import render
    from slsguard.formats.json_format import document

    color = args.color == "always" or (
        args.color == "auto" and to_stdout(args.output) and sys.stdout.isatty()
    )
    where = {"aws_account_id": result.account, "region": (*result.regions, "")[0]}
    if args.compare is None:
        return render(args.format, result.report, color=color, **where)
    from slsguard.audit.drift import compare

    drift = compare(args.compare, result.functions)
    if args.format == "json":
        data = document(result.report)
        data["drift"] = drift.to_json()
        return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    heading = "\n## " if args.format == "markdown" else "\n"
    return render(args.format, result.report, color=color) + heading + drift.to_text()
