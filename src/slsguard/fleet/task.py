"""One fleet task: scan one repository or audit one account, wherever it runs.

The function runs on a local worker process or a Dask worker; it returns plain data (an
`Outcome`) and writes nothing: only the client writes the findings store. A git URL is cloned
by `slsguard.git.clone` (bare and shallow, files written from git's objects: no checkout,
hook or filter of the repository runs) into a scratch folder removed afterwards. A failure is
data: the outcome says why, and the other tasks go on.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from slsguard.fleet.targets import Outcome, Target, is_git_url

if TYPE_CHECKING:
    from slsguard.audit.organization import OrganizationOptions


@dataclass(frozen=True, slots=True)
class Organization:
    """How the run enters the accounts of an organization (`fleet scan --organization`)."""

    profile: str | None
    """The AWS profile of the management (or delegated administrator) account, on the
    machine that runs the task (None: the standard credential chain)."""
    caller: str
    """That account's id: audited with its own credentials, the others through the role."""
    options: OrganizationOptions


@dataclass(frozen=True, slots=True)
class TaskSettings:
    """What every task of a run shares."""

    today: date | None = None
    """The day runtime dates are judged against (`--as-of`)."""
    endpoint_url: str | None = None
    """Another AWS endpoint for the audits (a moto server in tests)."""
    regions: tuple[str, ...] = ()
    """Regions to audit (default: the profile's region)."""
    organization: Organization | None = None
    """How to enter the accounts of the organization (the `member` targets)."""


def run_target(target: Target, settings: TaskSettings) -> Outcome:
    """Scan or audit `target`; never raises (a failure is the outcome's `error`)."""
    from slsguard.secrets.detect import mask_text

    try:
        if target.kind == "account":
            return _audit(target, settings)
        return _scan(target, settings)
    except Exception as error:  # one broken repository or account never stops the fleet
        return Outcome(target, None, f"{type(error).__name__}: {mask_text(str(error))[:500]}")


def _scan(target: Target, settings: TaskSettings) -> Outcome:
    """A repository: cloned first when it is a git URL."""
    from slsguard.git import clone

    if not is_git_url(target.name):
        return _scan_folder(Path(target.name), target, settings)
    with tempfile.TemporaryDirectory(prefix="slsguard-fleet-") as scratch:
        return _scan_folder(clone(target.name, Path(scratch)), target, settings)


def _scan_folder(folder: Path, target: Target, settings: TaskSettings) -> Outcome:
    """One serial scan of `folder` as its own project (file names relative to it)."""
    from slsguard.audit.history import entry_of
    from slsguard.project import find as find_project
    from slsguard.scan import ScanOptions, scan

    if not folder.is_dir():
        return Outcome(target, None, f"no such folder: {folder}")
    project = find_project([folder], root=folder)
    report = scan([folder], ScanOptions(project=project, today=settings.today))
    return Outcome(target, entry_of(report, target.name, ()))


def _audit(target: Target, settings: TaskSettings) -> Outcome:
    """An account, through an AWS profile of the machine that runs the task."""
    from slsguard.audit.client import Endpoint
    from slsguard.audit.history import entry_of
    from slsguard.audit.run import AuditOptions, audit

    if target.member and settings.organization is not None:
        return _audit_member(target, settings, settings.organization)
    endpoint = Endpoint(target.name, settings.endpoint_url)
    options = AuditOptions(endpoint=endpoint, regions=settings.regions, today=settings.today)
    result = audit(options)
    return Outcome(target, entry_of(result.report, result.account, result.regions))


def _audit_member(target: Target, settings: TaskSettings, organization: Organization) -> Outcome:
    """An account of the organization, entered as `audit --organization` enters it; an
    account whose role cannot be assumed is a failed task (SLS008 in `audit`), so its
    findings are neither new nor fixed."""
    from slsguard.audit.client import Calls, Endpoint, Session
    from slsguard.audit.history import entry_of
    from slsguard.audit.organization import audit_account
    from slsguard.audit.run import AuditOptions

    endpoint = Endpoint(organization.profile, settings.endpoint_url)
    options = AuditOptions(endpoint=endpoint, regions=settings.regions, today=settings.today)
    session = Session(endpoint, Calls())
    done = audit_account(session, target.name, organization.caller, options, organization.options)
    if done.result is None:
        reason = done.refusal.message if done.refusal else "not audited"
        return Outcome(target, None, f"SLS008: {reason}")
    return Outcome(target, entry_of(done.result.report, target.name, done.result.regions))
