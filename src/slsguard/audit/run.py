"""The audit from start to end: regions, collection, model, rules, report.

The audit enumerates each region (`collect`), groups functions into applications by their
CloudFormation stack and mirrors them as templates (`template`), builds the usual model and
runs the rules with cloud locations (`engine`). boto3 is imported only here, when an audit
runs; every call goes through `client`, which records it and turns an access-denied error
into an SLS008 finding.
"""

from __future__ import annotations

import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timezone
from pathlib import Path

from slsguard import __version__, reference
from slsguard.audit.client import Calls, Credentials, Endpoint, Session
from slsguard.audit.collect import (
    LiveFunction,
    RegionProgress,
    RegionSnapshot,
    Scope,
    collect_region,
)
from slsguard.audit.dependencies import package_dependencies
from slsguard.audit.engine import (
    denial_findings,
    model_of,
    package_findings,
    run_rules,
    summary,
)
from slsguard.audit.package import Limits, download_all
from slsguard.audit.template import LiveApp, applications
from slsguard.deps.options import DependencyOptions
from slsguard.findings import AppSummary, Finding, ReferenceData, Report, Severity
from slsguard.model import Application
from slsguard.rules import Context, Rule, all_rules
from slsguard.scan import ScanOptions, select_rules

REGION_WORKERS = 4


@dataclass(frozen=True, slots=True)
class AuditOptions:
    """What to audit and how: credentials, regions, scope and the rule selection."""

    endpoint: Endpoint = field(default_factory=Endpoint)
    credentials: Credentials | None = field(default=None, repr=False)
    """An assumed role's credentials (an organization's member); None: the profile's."""
    regions: tuple[str, ...] = ()
    """Empty: the profile's default region."""
    all_regions: bool = False
    scope: Scope = field(default_factory=Scope)
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    enable: tuple[str, ...] = ()
    severity: tuple[tuple[str, Severity], ...] = ()
    today: date | None = None
    trusted_accounts: tuple[str, ...] = ()
    download_code: bool = False
    """Fetch each function's package and run code analysis on it (`--download-code`)."""
    limits: Limits = field(default_factory=Limits)
    dependencies: DependencyOptions = field(default_factory=DependencyOptions)
    """How the packages of downloaded code are audited (`--advisory-db`, ...)."""
    progress: RegionProgress | None = None
    """Told (region, functions read, functions listed) as each function is read."""


@dataclass(frozen=True, slots=True)
class AuditResult:
    """The report, and the calls the audit made (for the auditor's own policy)."""

    report: Report
    actions: frozenset[str]
    unsupported: frozenset[str]
    functions: tuple[LiveFunction, ...] = ()
    """Every audited function as collected (for `--compare`)."""
    regions: tuple[str, ...] = ()
    """The regions audited."""
    account: str = ""
    """The audited account (from the functions' ARNs; empty when none was found)."""


def audit(options: AuditOptions) -> AuditResult:
    """Audit the account the credentials reach; AuditError when it cannot start."""
    started = time.perf_counter()
    started_at = datetime.now(timezone.utc)
    calls = Calls()
    session = Session(options.endpoint, calls, options.credentials)
    regions = _regions(session, options)
    with ThreadPoolExecutor(max_workers=REGION_WORKERS) as pool:
        snapshots = list(
            pool.map(lambda r: collect_region(session, r, options.scope, options.progress), regions)
        )
    scan_options = ScanOptions(select=options.select, ignore=options.ignore, enable=options.enable)
    rules = select_rules(scan_options)
    context = Context(
        today=options.today or date.today(), trusted_accounts=options.trusted_accounts
    )
    with tempfile.TemporaryDirectory(prefix="slsguard-code-") as scratch:
        packages = _packages(snapshots, options, Path(scratch))
        models = _models(snapshots, packages, scratch)
        datasets: tuple[ReferenceData, ...] = ()
        if packages:
            facts = package_dependencies(
                [app for _, app in models],
                Path(scratch),
                frozenset(rule.id for rule in rules),
                options.dependencies,
            )
            context = replace(context, dependencies=facts)
            datasets = facts.datasets
        findings, apps, owners = _evaluate(models, rules, context)
    if "SLS004" in {rule.id for rule in rules}:
        findings.extend(package_findings(packages, owners))
    if "SLS008" in {rule.id for rule in rules}:
        findings.extend(denial_findings(calls.denials, owners))
    severities = {key.upper(): value for key, value in options.severity}
    findings = [_override(f, severities) for f in findings]
    report = Report(
        findings=tuple(sorted(findings, key=_order)),
        apps=tuple(apps),
        reference_data=(*reference.datasets(None), *datasets),
        files_scanned=0,
        duration_seconds=time.perf_counter() - started,
        tool_version=__version__,
        rules=tuple(rule.info for rule in all_rules()),
        started_at=started_at,
    )
    functions = tuple(fn for snapshot in snapshots for fn in snapshot.functions)
    return AuditResult(
        report,
        frozenset(calls.actions),
        frozenset(calls.unsupported),
        functions,
        tuple(regions),
        _account(functions, report),
    )


def _account(functions: tuple[LiveFunction, ...], report: Report) -> str:
    """The account of the audited functions, else of any finding's location."""
    for fn in functions:
        return fn.arn.split(":")[4]
    accounts = sorted({f.location.account for f in report.findings if f.location.account})
    return accounts[0] if accounts else ""


def _regions(session: Session, options: AuditOptions) -> list[str]:
    if options.all_regions:
        return session.all_regions()
    return list(options.regions) or [session.default_region()]


def _packages(
    snapshots: list[RegionSnapshot], options: AuditOptions, root: Path
) -> dict[str, Path | str]:
    """The extracted package of each zip function (or why not), with `--download-code`."""
    if not options.download_code:
        return {}
    functions = [
        (fn.arn, fn.name, fn.code_location) for snapshot in snapshots for fn in snapshot.functions
    ]
    return download_all(functions, options.endpoint.endpoint_url, root, options.limits)


def _models(
    snapshots: list[RegionSnapshot], packages: dict[str, Path | str], scratch: str
) -> list[tuple[LiveApp, Application]]:
    """Every live application with its model (`scratch`: where packages were extracted)."""
    models = []
    for snapshot in snapshots:
        for live in applications(snapshot, packages):
            account = snapshot.functions[0].arn.split(":")[4]
            models.append((live, model_of(live, account, scratch if packages else None)))
    return models


def _evaluate(
    models: list[tuple[LiveApp, Application]],
    rules: tuple[Rule, ...],
    context: Context,
) -> tuple[list[Finding], list[AppSummary], dict[str, str]]:
    """Findings and summaries of every live application, and which app owns each ARN."""
    rules_run = frozenset(rule.id for rule in rules)
    findings: list[Finding] = []
    apps: list[AppSummary] = []
    owners: dict[str, str] = {}
    for live, app in models:
        found = run_rules(live, app, rules, context)
        findings.extend(found)
        apps.append(summary(app, found, rules_run))
        owners.update({arn: live.name for arn, _ in live.places.values()})
    return findings, apps, owners


def _override(finding: Finding, severities: dict[str, Severity]) -> Finding:
    wanted = severities.get(finding.rule.id) or severities.get(finding.rule.name.upper())
    return replace(finding, severity=wanted) if wanted else finding


def _order(finding: Finding) -> tuple[str, str, str, str]:
    location = finding.location
    return (finding.app, location.arn or location.file or "", finding.rule.id, finding.subject)
