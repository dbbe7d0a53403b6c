"""`slsguard audit --organization`: every account of an AWS Organization, in parallel.

From the management account (or a delegated administrator), the member accounts are listed
through Organizations (`ListAccounts`, or with `--ou` the accounts under those OUs and, by
recursion, their child OUs), narrowed by `--accounts` and `--exclude-accounts`. The calling
account is audited with its own credentials; in every other account the audit assumes a
role (`slsguard-audit` by default: the read-only role of `docs/slsguard-audit-role.yaml`) and
audits with the role's credentials. Accounts are audited in parallel by a bounded pool; each
account has its own clients, so the SDK's adaptive retry mode backs off per account when one
is throttled. A role that cannot be assumed is an SLS008 finding for that account, and the
other accounts are still audited.

Applications are named after their account (`123456789012 › orders (us-east-1)`), so every
report groups findings by account; each finding's location carries the account id.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from typing import TextIO

from slsguard import __version__, reference
from slsguard.audit import DEFAULT_ROLE
from slsguard.audit.client import AuditError, Calls, Client, Credentials, Session
from slsguard.audit.engine import cloud
from slsguard.audit.run import AuditOptions, AuditResult, audit
from slsguard.findings import AppSummary, Finding, Report
from slsguard.rules import all_rules, find_rule

ACCOUNT_WORKERS = 4
"""Accounts audited at once (each also reads up to 4 regions at once)."""
ADMIN_ROLE = "OrganizationAccountAccessRole"
ORGANIZATIONS_REGION = "us-east-1"
"""Organizations is a global service whose endpoint is in us-east-1."""


@dataclass(frozen=True, slots=True)
class OrganizationOptions:
    """Which accounts of the organization to audit, and how to enter them."""

    role_name: str = DEFAULT_ROLE
    accounts: tuple[str, ...] = ()
    """Only these accounts (empty: every active account)."""
    exclude_accounts: tuple[str, ...] = ()
    ous: tuple[str, ...] = ()
    """Only the accounts under these OUs or roots (and their child OUs)."""
    external_id: str | None = None
    session_name: str = "slsguard-audit"


@dataclass(frozen=True, slots=True)
class AccountAudit:
    """One account's audit, or why it could not be audited."""

    account: str
    result: AuditResult | None
    credentials: Credentials | None = field(default=None, repr=False)
    """The assumed role's credentials (None: the caller's own)."""
    refusal: Finding | None = None


@dataclass(frozen=True, slots=True)
class OrganizationResult:
    """The merged audit of every account, and each account's own."""

    result: AuditResult
    accounts: tuple[AccountAudit, ...]
    caller: str


def audit_organization(
    options: AuditOptions, organization: OrganizationOptions, warnings: TextIO | None = None
) -> OrganizationResult:
    """Audit the calling account and the organization's member accounts; AuditError when
    the organization cannot be listed (`warnings`: where to warn, standard error by default)."""
    warnings = warnings or sys.stderr
    started = datetime.now(timezone.utc)
    calls = Calls()
    session = Session(options.endpoint, calls)
    caller, members = organization_accounts(session, organization, warnings)

    def audit_one(account: str) -> AccountAudit:
        return audit_account(session, account, caller, options, organization)

    with ThreadPoolExecutor(max_workers=ACCOUNT_WORKERS) as pool:
        audits = list(pool.map(audit_one, members))
    for item in audits:
        if item.refusal is not None:
            print(f"slsguard: warning: {item.refusal.message}", file=warnings)
    merged = _merged(audits, calls, caller, started, _reports_sls008(options))
    return OrganizationResult(merged, tuple(audits), caller)


def organization_accounts(
    session: Session, organization: OrganizationOptions, warnings: TextIO
) -> tuple[str, list[str]]:
    """The calling account, and the accounts to audit (the caller first) as the options
    narrow the organization's; warns about the administrator role and unknown `--accounts`
    (AuditError when the organization cannot be listed)."""
    if organization.role_name == ADMIN_ROLE:
        print(
            f"slsguard: warning: {ADMIN_ROLE} has AdministratorAccess; prefer the read-only "
            f"{DEFAULT_ROLE} role (docs/slsguard-audit-role.yaml)",
            file=warnings,
        )
    caller = session.caller_account()
    listed = member_accounts(session, organization.ous)
    unknown = sorted(set(organization.accounts) - {caller, *listed})
    if unknown:
        print(
            f"slsguard: warning: --accounts {', '.join(unknown)}: not an active account of "
            "the organization (or of the --ou given), not audited",
            file=warnings,
        )
    return caller, _chosen(listed, caller, organization)


def _reports_sls008(options: AuditOptions) -> bool:
    """Whether SLS008 is among the selected rules (as for a single account's denials)."""
    from slsguard.scan import ScanOptions, select_rules

    chosen = ScanOptions(select=options.select, ignore=options.ignore, enable=options.enable)
    return any(rule.id == "SLS008" for rule in select_rules(chosen))


def member_accounts(session: Session, ous: tuple[str, ...]) -> list[str]:
    """The active accounts of the organization, or of the given OUs (recursively)."""
    client = session.client("organizations", ORGANIZATIONS_REGION)
    resource = "arn:aws:organizations::organization"
    if client.call("describe_organization", resource) is None:
        raise AuditError(
            "cannot describe the organization (not in an organization, or "
            "organizations:DescribeOrganization denied)"
        )
    if not ous:
        found = client.pages("list_accounts", "Accounts", resource)
    else:
        found = (a for ou in ous for a in _under(client, ou, resource, depth=0))
    accounts = {str(a["Id"]) for a in found if a.get("Status", "ACTIVE") == "ACTIVE"}
    return sorted(accounts)


def _under(client: Client, parent: str, resource: str, depth: int) -> Iterator[dict[str, str]]:
    """The accounts under an OU or root and its child OUs (at most 5 levels deep, as in AWS)."""
    yield from client.pages("list_accounts_for_parent", "Accounts", resource, ParentId=parent)
    if depth >= 5:
        return
    for child in client.pages(
        "list_organizational_units_for_parent", "OrganizationalUnits", resource, ParentId=parent
    ):
        yield from _under(client, str(child["Id"]), resource, depth + 1)


def _chosen(members: list[str], caller: str, organization: OrganizationOptions) -> list[str]:
    """The accounts to audit: the caller first, then the members, as the options narrow."""
    wanted = set(organization.accounts)
    unwanted = set(organization.exclude_accounts)
    ordered = [caller, *(account for account in members if account != caller)]
    return [
        account
        for account in ordered
        if (not wanted or account in wanted) and account not in unwanted
    ]


def audit_account(
    session: Session,
    account: str,
    caller: str,
    options: AuditOptions,
    organization: OrganizationOptions,
) -> AccountAudit:
    """One account's audit: the caller (`session`'s own account) with its own credentials,
    a member through its role; a role that cannot be assumed is the audit's `refusal`."""
    if account == caller:
        return AccountAudit(account, _named(audit(replace(options, progress=None)), account))
    role = f"arn:aws:iam::{account}:role/{organization.role_name}"
    credentials = assume(session, role, organization)
    if isinstance(credentials, str):
        return AccountAudit(account, None, None, _refusal(account, role, credentials))
    entered = replace(options, credentials=credentials, progress=None)
    try:
        return AccountAudit(account, _named(audit(entered), account), credentials)
    except Exception as error:  # botocore: the role's credentials stopped working
        if not type(error).__module__.startswith("botocore"):
            raise
        return AccountAudit(account, None, None, _refusal(account, role, str(error)))


def assume(session: Session, role: str, organization: OrganizationOptions) -> Credentials | str:
    """The role's temporary credentials, or why it could not be assumed."""
    extra = {"ExternalId": organization.external_id} if organization.external_id else {}
    calls = Calls()
    client = session.fresh(calls).client("sts", session.default_region())
    answer = client.call(
        "assume_role", role, RoleArn=role, RoleSessionName=organization.session_name, **extra
    )
    session.calls.record("sts:AssumeRole")
    if answer is None:
        return calls.denials[0].message if calls.denials else "the role could not be assumed"
    given = answer["Credentials"]
    return Credentials(given["AccessKeyId"], given["SecretAccessKey"], given["SessionToken"])


def _refusal(account: str, role: str, reason: str) -> Finding:
    """SLS008 for an account whose role could not be assumed."""
    rule = find_rule("SLS008")
    assert rule is not None
    return Finding(
        rule=rule.info,
        severity=rule.info.severity,
        message=f"account {account} was not audited through {role} ({reason})",
        location=cloud(role, ("sts:AssumeRole",)),
        fix=f"deploy the read-only role to account {account} (docs/slsguard-audit-role.yaml, "
        "as a StackSet across the organization), trusting the auditing account, and audit again",
        app=account,
        subject="sts:AssumeRole",
    )


def _named(result: AuditResult, account: str) -> AuditResult:
    """The result with its applications named after the account, and its account set."""
    report = result.report
    findings = tuple(replace(f, app=_label(account, f.app)) for f in report.findings)
    apps = tuple(replace(app, name=_label(account, app.name)) for app in report.apps)
    named = replace(report, findings=findings, apps=apps)
    return replace(result, report=named, account=result.account or account)


def _label(account: str, app: str) -> str:
    return f"{account} › {app}" if app else account


def _merged(
    audits: list[AccountAudit], calls: Calls, caller: str, started: datetime, refusals: bool
) -> AuditResult:
    """One result for the whole organization (findings in account order; `refusals`: with
    the SLS008 findings of accounts that were not audited)."""
    results = [item.result for item in audits if item.result is not None]
    refused = [item.refusal for item in audits if item.refusal is not None and refusals]
    findings = [f for result in results for f in result.report.findings]
    apps: list[AppSummary] = [app for result in results for app in result.report.apps]
    first = results[0].report if results else None
    report = Report(
        findings=(*findings, *refused),
        apps=tuple(apps),
        reference_data=first.reference_data if first else tuple(reference.datasets(None)),
        duration_seconds=(datetime.now(timezone.utc) - started).total_seconds(),
        tool_version=__version__,
        rules=tuple(rule.info for rule in all_rules()),
        started_at=started,
    )
    actions = frozenset(calls.actions).union(*(r.actions for r in results))
    unsupported = frozenset(calls.unsupported).union(*(r.unsupported for r in results))
    regions = tuple(dict.fromkeys(region for r in results for region in r.regions))
    functions = tuple(fn for r in results for fn in r.functions)
    return AuditResult(report, actions, unsupported, functions, regions, caller)
