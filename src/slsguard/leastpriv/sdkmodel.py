"""The AWS SDK's service models, as shipped in `data/sdk_operations.json`.

The file is generated from botocore by `scripts/refresh_sdk_operations.py` (botocore is not
a dependency and is never read at run time): per SDK service, its operation names, its IAM
signing name, its `serviceId`, the operation each waiter polls, the IAM actions each
operation's API reference text names, with botocore's version
and the date of the refresh (reported and aged by `slsguard.reference`). Nothing is read at
import time; the file is read once, on the first question.
"""

from __future__ import annotations

import functools
import json
import re
from importlib import resources
from typing import Any

_FIRST_CAP = re.compile(r"(.)([A-Z][a-z]+)")
_ALL_CAP = re.compile(r"([a-z0-9])([A-Z])")


@functools.cache
def _dataset() -> dict[str, Any]:
    text = resources.files("slsguard").joinpath("data/sdk_operations.json").read_text("utf-8")
    data = json.loads(text)
    return data if isinstance(data, dict) else {}


def _services() -> dict[str, dict[str, Any]]:
    found = _dataset().get("services", {})
    return found if isinstance(found, dict) else {}


def dataset_version() -> str:
    """The botocore version the operation data was generated from."""
    return str(_dataset().get("version", "unknown"))


def dataset_date() -> str:
    """The ISO date the operation data was generated."""
    return str(_dataset().get("date", "1970-01-01"))


@functools.cache
def services() -> tuple[str, ...]:
    """Every SDK service name (`s3`, `dynamodb`, `stepfunctions`, ...), sorted."""
    return tuple(sorted(_services()))


def xform_name(name: str) -> str:
    """botocore's operation-name to method-name transformation (`ListObjectsV2` →
    `list_objects_v2`), for the names the SDK uses."""
    step = _FIRST_CAP.sub(r"\1_\2", name)
    return _ALL_CAP.sub(r"\1_\2", step).lower()


@functools.cache
def operations(service: str) -> dict[str, str]:
    """The service's client methods mapped to their operation names."""
    found = _services().get(service, {}).get("operations", [])
    return {xform_name(op): op for op in found}


@functools.cache
def iam_prefix(service: str) -> str:
    """The SDK service's signing name (usually its IAM service prefix; `actionmap` corrects
    the few that differ)."""
    return str(_services().get(service, {}).get("prefix", service))


def service_id(service: str) -> str:
    """The model's `serviceId` (`Secrets Manager`), which names the JavaScript v3 package."""
    return str(_services().get(service, {}).get("serviceId", ""))


@functools.cache
def waiter_operation(service: str, waiter: str) -> str | None:
    """The operation a waiter polls (`table_exists` → `DescribeTable`)."""
    waiters = _services().get(service, {}).get("waiters", {})
    for name, operation in waiters.items():
        if xform_name(name) == waiter:
            return str(operation)
    return None


@functools.cache
def unsigned(service: str) -> frozenset[str]:
    """Operations the model marks as not signed with AWS credentials (anonymous or a bearer
    token, like Cognito's `InitiateAuth`): IAM never evaluates a policy for them."""
    return frozenset(_services().get(service, {}).get("unsigned", []))


@functools.cache
def documented(service: str) -> dict[str, tuple[str, ...]]:
    """Per operation, the IAM actions its AWS API Reference text names (the SDK model carries
    that text), e.g. `GetFindingV2` → `access-analyzer:GetFinding`."""
    found = _services().get(service, {}).get("documented", {})
    return {op: tuple(names) for op, names in found.items()}
