"""Enumerate what runs in one region: Lambda functions and everything that shapes their risk.

For each function: its configuration, resource policy, URL, event source mappings, event
invoke configs, code-signing config and tags; then the IAM roles they run as (inline,
attached and the default version of customer-managed policies), the CloudWatch alarms and
the function log groups. Calls about one function run in a bounded thread pool.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

from slsguard.audit.client import Client, Session

Json = dict[str, Any]
WORKERS = 8
RegionProgress = Callable[[str, int, int], None]
"""Told (region, functions read so far, functions listed) after each function is read."""


@dataclass(frozen=True, slots=True)
class LiveFunction:
    """One deployed function as the Lambda API describes it."""

    arn: str
    config: Json
    tags: dict[str, str] = field(default_factory=dict)
    concurrency: int | None = None
    policy: Json | None = None
    url: Json | None = None
    mappings: tuple[Json, ...] = ()
    invoke_configs: tuple[Json, ...] = ()
    code_signing: str | None = None
    code_location: str | None = None

    @property
    def name(self) -> str:
        """The function name."""
        return str(self.config.get("FunctionName", self.arn.rsplit(":", 1)[-1]))


@dataclass(frozen=True, slots=True)
class LiveRole:
    """An execution role with its inline and attached policies."""

    arn: str
    name: str
    role: Json
    inline: tuple[tuple[str, Json], ...] = ()
    """(policy name, document)."""
    attached: tuple[tuple[str, Json | None], ...] = ()
    """(policy ARN, default-version document; None for AWS managed or unreadable ones)."""


@dataclass(frozen=True, slots=True)
class RegionSnapshot:
    """Everything collected in one region."""

    region: str
    functions: tuple[LiveFunction, ...]
    roles: dict[str, LiveRole]
    alarms: tuple[Json, ...]
    log_groups: dict[str, Json]
    extra: dict[str, Any] = field(default_factory=dict)
    """Optional collections (API Gateway) by name."""


@dataclass(frozen=True, slots=True)
class Scope:
    """Which functions to audit: names (or ARNs), and a CloudFormation stack."""

    functions: tuple[str, ...] = ()
    stack: str | None = None

    def wants(self, config: Json, tags: dict[str, str] | None = None) -> bool:
        """Whether a function is in scope (the stack is checked once tags are known)."""
        if self.functions:
            names = {config.get("FunctionName"), config.get("FunctionArn")}
            if not names & set(self.functions):
                return False
        if self.stack is not None and tags is not None:
            return tags.get("aws:cloudformation:stack-name") == self.stack
        return True


def collect_region(
    session: Session, region: str, scope: Scope, progress: RegionProgress | None = None
) -> RegionSnapshot:
    """Collect one region (denied calls are recorded by the session and skipped)."""
    lam = session.client("lambda", region)
    service = f"arn:aws:lambda:{region}"
    configs = [c for c in lam.pages("list_functions", "Functions", service) if scope.wants(c)]
    done = itertools.count(1)

    def read(config: Json) -> LiveFunction:
        fn = _function(lam, config)
        if progress is not None:
            progress(region, next(done), len(configs))
        return fn

    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        found = list(pool.map(read, configs))
    functions = tuple(fn for fn in found if scope.wants(fn.config, fn.tags))
    role_arns = sorted({str(fn.config.get("Role")) for fn in functions if fn.config.get("Role")})
    iam = session.client("iam", region)
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        roles = {role.arn: role for role in pool.map(lambda arn: _role(iam, arn), role_arns)}
    return RegionSnapshot(
        region=region,
        functions=functions,
        roles=roles,
        alarms=_alarms(session.client("cloudwatch", region), region),
        log_groups=_log_groups(session.client("logs", region), region, functions),
        extra=_extra(session, region, functions),
    )


def _extra(session: Session, region: str, functions: tuple[LiveFunction, ...]) -> dict[str, Any]:
    """API Gateway and the functions' S3/SQS/SNS sources (only when functions were found)."""
    from slsguard.audit.apigw import collect_apis
    from slsguard.audit.sources import collect_sources

    if not functions:
        return {}
    return {
        "apis": collect_apis(session, region),
        "sources": collect_sources(session, region, functions),
    }


def _function(lam: Client, config: Json) -> LiveFunction:
    arn = str(config["FunctionArn"])
    name = str(config["FunctionName"])
    detail = lam.call("get_function", arn, FunctionName=name) or {}
    tags = detail.get("Tags")
    if tags is None:
        tags = (lam.call("list_tags", arn, Resource=arn) or {}).get("Tags", {})
    policy = lam.call("get_policy", arn, FunctionName=name)
    signing = lam.call("get_function_code_signing_config", arn, FunctionName=name) or {}
    url = lam.call("get_function_url_config", arn, FunctionName=name)
    mappings = lam.pages(
        "list_event_source_mappings", "EventSourceMappings", arn, FunctionName=name
    )
    invoke = lam.pages(
        "list_function_event_invoke_configs", "FunctionEventInvokeConfigs", arn, FunctionName=name
    )
    concurrency = (detail.get("Concurrency") or {}).get("ReservedConcurrentExecutions")
    return LiveFunction(
        arn=arn,
        config=detail.get("Configuration") or config,
        tags=dict(tags or {}),
        concurrency=concurrency,
        policy=document(policy.get("Policy")) if policy else None,
        url=url,
        mappings=tuple(mappings),
        invoke_configs=tuple(invoke),
        code_signing=signing.get("CodeSigningConfigArn"),
        code_location=(detail.get("Code") or {}).get("Location"),
    )


def _role(iam: Client, arn: str) -> LiveRole:
    name = arn.rsplit("/", 1)[-1]
    role = (iam.call("get_role", arn, RoleName=name) or {}).get("Role") or {}
    inline = []
    for policy_name in iam.pages("list_role_policies", "PolicyNames", arn, RoleName=name):
        response = iam.call("get_role_policy", arn, RoleName=name, PolicyName=policy_name)
        if response is not None:
            inline.append((str(policy_name), document(response.get("PolicyDocument"))))
    attached = []
    for item in iam.pages("list_attached_role_policies", "AttachedPolicies", arn, RoleName=name):
        policy_arn = str(item.get("PolicyArn"))
        attached.append((policy_arn, _managed_document(iam, policy_arn)))
    return LiveRole(arn, name, role, tuple(inline), tuple(attached))


def _managed_document(iam: Client, arn: str) -> Json | None:
    """The default version of a customer-managed policy (AWS managed ones are known by name)."""
    if ":iam::aws:policy/" in arn:
        return None
    policy = (iam.call("get_policy", arn, PolicyArn=arn) or {}).get("Policy") or {}
    version = policy.get("DefaultVersionId")
    if not version:
        return None
    response = iam.call("get_policy_version", arn, PolicyArn=arn, VersionId=version) or {}
    found = (response.get("PolicyVersion") or {}).get("Document")
    return document(found) if found is not None else None


def document(value: object) -> Json:
    """A policy document: IAM returns it URL-encoded or decoded, Lambda as JSON text."""
    if isinstance(value, dict):
        return value
    if isinstance(value, str):
        for text in (value, unquote(value)):
            try:
                loaded = json.loads(text)
            except ValueError:
                continue
            if isinstance(loaded, dict):
                return loaded
    return {}


def _alarms(cloudwatch: Client, region: str) -> tuple[Json, ...]:
    service = f"arn:aws:cloudwatch:{region}"
    return tuple(cloudwatch.pages("describe_alarms", "MetricAlarms", service))


def _log_groups(logs: Client, region: str, functions: tuple[LiveFunction, ...]) -> dict[str, Json]:
    """The log groups of the functions, by name (prefix queries, one per custom group)."""
    service = f"arn:aws:logs:{region}"
    wanted = {_log_group_name(fn) for fn in functions}
    prefixes = {"/aws/lambda/"} | {name for name in wanted if not name.startswith("/aws/lambda/")}
    found: dict[str, Json] = {}
    for prefix in sorted(prefixes):
        if not functions:
            break
        for group in logs.pages(
            "describe_log_groups", "logGroups", service, logGroupNamePrefix=prefix
        ):
            if group.get("logGroupName") in wanted:
                found[str(group["logGroupName"])] = group
    return found


def _log_group_name(fn: LiveFunction) -> str:
    logging: Json = fn.config.get("LoggingConfig") or {}
    return str(logging.get("LogGroup") or f"/aws/lambda/{fn.name}")
