"""`--to-security-hub`: the findings into each account's Security Hub, fixed ones archived.

The records are those of `--format asff`. Each account's findings are imported with that
account's own credentials, because the default product
(`arn:aws:securityhub:<region>:<account>:product/<account>/default`) accepts findings of the
calling account only: a record whose `AwsAccountId` is not the caller's is never sent.
`BatchImportFindings` takes at most 100 findings (and 6 MB) per request.

A finding this run no longer produces is archived, not left active forever: the ACTIVE
findings of this product and scope (`GetFindings` filtered on `ProductArn`, `RecordState` and
`ProductFields["slsguard/scope"]`) that are not among this run's records are re-imported with
`RecordState: ARCHIVED` and a newer `UpdatedAt`. Only findings of rules that ran are
archived, and only when the run covered its whole scope. `Workflow` is never sent (only the
customer sets it, with `BatchUpdateFindings`); a provider's severity and types go in
`FindingProviderFields`.

Every call goes through `audit.client`, so a refused call (access denied, or Security Hub not
enabled: `InvalidAccessException`) is a `Denial` that becomes an SLS008 finding for that
account, never an abort.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone
from typing import Any

from slsguard.audit.client import Calls, Denial, Endpoint, Session
from slsguard.audit.engine import cloud
from slsguard.findings import Finding, Report
from slsguard.formats.asff import records as asff_records
from slsguard.rules import find_rule

BATCH_SIZE = 100
"""`BatchImportFindings` takes at most 100 findings per request..."""
BATCH_BYTES = 5 * 1024 * 1024
"""...and at most 6 MB: a margin is left for the envelope."""
SCOPE_FIELD = "slsguard/scope"
_KEPT = (
    *("SchemaVersion", "Id", "ProductArn", "GeneratorId", "AwsAccountId", "Types"),
    *("CreatedAt", "Severity", "Title", "Description", "Resources", "Remediation"),
    "Compliance",
)
"""What an archived re-import repeats of the finding Security Hub holds: the fields a
provider owns, never `Workflow`, `Note` or what Security Hub adds itself."""


@dataclass(frozen=True, slots=True)
class Hub:
    """One account's Security Hub in one region, reached with that account's credentials."""

    session: Session
    account: str
    """The account the credentials belong to (STS), never merely the one claimed."""
    region: str


@dataclass(frozen=True, slots=True)
class Delivery:
    """What one export did in one account, region and scope."""

    account: str
    region: str
    scope: str
    imported: int
    archived: int
    failed: tuple[str, ...] = ()
    """Why Security Hub refused single findings (`Id: message`)."""
    withheld: int = 0
    """Records of another account than the caller's: never sent."""


@dataclass(frozen=True, slots=True)
class Export:
    """What `--to-security-hub` did: one delivery per account, region and scope, and an
    SLS008 finding for each account and region whose Security Hub refused the findings."""

    deliveries: tuple[Delivery, ...]
    refusals: tuple[Finding, ...]

    def summary(self) -> list[str]:
        """One line per delivery, for stderr."""
        lines = []
        for item in self.deliveries:
            line = (
                f"Security Hub {item.account} {item.region} [{item.scope}]: "
                f"{item.imported} imported, {item.archived} archived"
            )
            if item.withheld:
                line += f", {item.withheld} not sent (no credentials of account {item.account})"
            lines.append(line)
            lines.extend(f"  refused {failure}" for failure in item.failed)
        return lines


def export(
    report: Report,
    hub_of: Callable[[str, str], Hub | None],
    where: tuple[str, str, str],
    rules_run: frozenset[str],
    covered: Sequence[tuple[str, str, str]] = (),
) -> Export:
    """Send the report's findings to the hub of each account and region (`hub_of(account,
    region)`: None when no credentials of that account are at hand); `where`: the account,
    region and scope of findings that are not about a deployed resource; `covered`: the
    (account, region, scope) the run covered whole, where stale findings are archived even
    when nothing is left to import (empty: the run was partial, nothing is archived)."""
    groups: dict[tuple[str, str, str], list[dict[str, Any]]] = {key: [] for key in covered}
    for record in asff_records(report, *where):
        key = (record["AwsAccountId"], record["Resources"][0]["Region"], _scope_of(record))
        groups.setdefault(key, []).append(record)
    deliveries, refusals = [], []
    for (account, region, scope), found in sorted(groups.items()):
        hub = hub_of(account, region)
        if hub is None:
            deliveries.append(Delivery(account, region, scope, 0, 0, (), len(found)))
            continue
        archive = (account, region, scope) in covered
        deliveries.append(deliver(hub, found, scope, rules_run, archive))
        refusals.extend(_refusals(hub, len(found)))
    return Export(tuple(deliveries), tuple(refusals))


def _scope_of(record: dict[str, Any]) -> str:
    return str(record["ProductFields"][SCOPE_FIELD])


def _refusals(hub: Hub, count: int) -> list[Finding]:
    """One SLS008 finding when the hub refused a call (access denied, not enabled)."""
    denials: list[Denial] = list(hub.session.calls.denials)
    if not denials:
        return []
    rule = find_rule("SLS008")
    assert rule is not None
    actions = sorted({denial.action for denial in denials})
    named = ", ".join(f"`{action}`" for action in actions)
    return [
        Finding(
            rule=rule.info,
            severity=rule.info.severity,
            message=f"Security Hub of account {hub.account} in {hub.region} refused {named} "
            f"({denials[0].message}): {count} findings were not imported or archived",
            location=cloud(_hub_arn(hub), (actions[0],)),
            fix=f"enable Security Hub in {hub.region} of account {hub.account} and allow "
            "`securityhub:BatchImportFindings` and `securityhub:GetFindings` "
            "(docs/securityhub-policy.json), then run again",
            subject=actions[0],
        )
    ]


def _hub_arn(hub: Hub) -> str:
    return f"arn:aws:securityhub:{hub.region}:{hub.account}:hub/default"


def hub_for(session: Session) -> Callable[[str, str], Hub | None]:
    """`hub_of` for one set of credentials: its own account's hubs, None for any other."""
    caller = session.caller_account()
    return lambda account, region: (
        Hub(session.fresh(), caller, region) if account == caller else None
    )


def deliver(
    hub: Hub,
    records: Sequence[dict[str, Any]],
    scope: str,
    rules_run: frozenset[str],
    archive: bool = True,
    now: datetime | None = None,
) -> Delivery:
    """Import the scope's records into the hub, then archive what this run did not produce
    (`archive`: False when the run did not cover the whole scope). A finding already active
    keeps its `CreatedAt`: when slsguard first saw the problem."""
    client = hub.session.client("securityhub", hub.region)
    resource = _hub_arn(hub)
    active = _active(client, _product(hub), scope, resource)
    first_seen = {str(f["Id"]): f["CreatedAt"] for f in active if "CreatedAt" in f}
    own = [
        {**r, "CreatedAt": first_seen.get(str(r["Id"]), r["CreatedAt"])}
        for r in records
        if r["AwsAccountId"] == hub.account
    ]
    imported, failed = _import(client, own, resource)
    archived = 0
    if archive:
        produced = {str(r["Id"]) for r in own}
        stale = [f for f in active if f.get("GeneratorId") in rules_run and f["Id"] not in produced]
        later = now or datetime.now(timezone.utc)
        archived, refused = _import(client, [_archived(f, later) for f in stale], resource)
        failed.extend(refused)
    withheld = len(records) - len(own)
    return Delivery(hub.account, hub.region, scope, imported, archived, tuple(failed), withheld)


def batches(records: Sequence[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    """The records in requests of at most `BATCH_SIZE` findings and `BATCH_BYTES` bytes."""
    batch: list[dict[str, Any]] = []
    size = 0
    for record in records:
        length = len(json.dumps(record, ensure_ascii=False).encode())
        if batch and (len(batch) == BATCH_SIZE or size + length > BATCH_BYTES):
            yield batch
            batch, size = [], 0
        batch.append(record)
        size += length
    if batch:
        yield batch


def _import(client: Any, records: Sequence[dict[str, Any]], resource: str) -> tuple[int, list[str]]:
    """Send the records: how many Security Hub took, and why it refused single ones (a
    refused call is a denial the client remembers)."""
    taken, failed = 0, list[str]()
    for batch in batches(records):
        answer = client.call("batch_import_findings", resource, Findings=batch)
        if answer is None:
            continue
        refused = answer.get("FailedFindings") or []
        taken += len(batch) - len(refused)
        failed.extend(
            f"{item.get('Id', '?')}: {item.get('ErrorMessage') or item.get('ErrorCode')}"
            for item in refused
        )
    return taken, failed


def _product(hub: Hub) -> str:
    return f"arn:aws:securityhub:{hub.region}:{hub.account}:product/{hub.account}/default"


def filters(product_arn: str, scope: str) -> dict[str, Any]:
    """The `GetFindings` filters for the active findings of this product and scope."""
    return {
        "ProductArn": [{"Value": product_arn, "Comparison": "EQUALS"}],
        "RecordState": [{"Value": "ACTIVE", "Comparison": "EQUALS"}],
        "ProductFields": [{"Key": SCOPE_FIELD, "Value": scope, "Comparison": "EQUALS"}],
    }


def _active(client: Any, product_arn: str, scope: str, resource: str) -> list[dict[str, Any]]:
    """The active findings of the product and scope. The filters are checked again here: a
    finding of another scope is never touched, even by a server that ignores them."""
    found = client.pages(
        "get_findings", "Findings", resource, Filters=filters(product_arn, scope), MaxResults=100
    )
    return [
        finding
        for finding in found
        if finding.get("ProductArn") == product_arn
        and finding.get("RecordState", "ACTIVE") == "ACTIVE"
        and (finding.get("ProductFields") or {}).get(SCOPE_FIELD) == scope
        and "Id" in finding
    ]


def _archived(finding: dict[str, Any], now: datetime) -> dict[str, Any]:
    """The finding again, archived, with an `UpdatedAt` later than the one it has."""
    record = {key: finding[key] for key in _KEPT if key in finding}
    record["ProductFields"] = {
        key: value
        for key, value in (finding.get("ProductFields") or {}).items()
        if key.startswith("slsguard/")
    }
    record["RecordState"] = "ARCHIVED"
    record["UpdatedAt"] = _stamp(max(now, _parsed(finding.get("UpdatedAt")) + _TICK))
    return record


_TICK = timedelta(milliseconds=1)


def _parsed(stamp: object) -> datetime:
    try:
        moment = datetime.fromisoformat(str(stamp).replace("Z", "+00:00"))
    except ValueError:
        return datetime.fromtimestamp(0, timezone.utc)
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def _stamp(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def with_refusals(report: Report, done: Export) -> Report:
    """The report with the export's SLS008 findings."""
    if not done.refusals:
        return report
    return replace(report, findings=(*report.findings, *done.refusals))


def export_scan(
    report: Report, where: tuple[str, str, str], rules_run: frozenset[str], whole: bool
) -> tuple[Report, Export, tuple[str, str, str]]:
    """`scan --to-security-hub`: the findings into the caller's own Security Hub (`where`:
    the account and region given, empty to take them from STS and the profile, and the
    scope; `whole`: the scan covered the whole repository, so stale findings are archived).
    Returns the report with any SLS008 refusal, the export, and the account and region used."""
    session = Session(Endpoint(), Calls())
    account, region, scope = where
    place = (account or session.caller_account(), region or session.default_region(), scope)
    done = export(report, hub_for(session), place, rules_run, [place] if whole else [])
    return with_refusals(report, done), done, place
