"""The AWS SDK's own service models (botocore's JSON files), read lazily and cached.

Nothing is read at import time: the first question about a service reads that service's
newest `service-2.json(.gz)` (and `waiters-2.json` when a waiter is used). botocore itself is
never imported; its data directory is found with `importlib.util.find_spec`. botocore is a
declared dependency: when it is missing, `SdkModelsUnavailableError` says so (the rule that
needed it becomes an internal-error finding) rather than least privilege finding nothing.
This is the one place that reads botocore (issue 16 replaces it with a generated data file).
"""

from __future__ import annotations

import functools
import gzip
import importlib.util
import json
import re
from pathlib import Path
from typing import Any

_FIRST_CAP = re.compile(r"(.)([A-Z][a-z]+)")
_ALL_CAP = re.compile(r"([a-z0-9])([A-Z])")


class SdkModelsUnavailableError(RuntimeError):
    """botocore's service models are not installed: least privilege cannot be judged."""


@functools.cache
def data_dir() -> Path:
    """botocore's `data` directory; SdkModelsUnavailableError when botocore is missing."""
    spec = importlib.util.find_spec("botocore")
    for location in list(spec.submodule_search_locations or ()) if spec else []:
        candidate = Path(location) / "data"
        if candidate.is_dir():
            return candidate
    raise SdkModelsUnavailableError(
        "the AWS SDK service models (botocore's data files) are not installed, so SDK calls "
        "cannot be turned into IAM actions; install slsguard with its dependencies "
        "(pip install botocore)"
    )


@functools.cache
def services() -> tuple[str, ...]:
    """Every SDK service name (`s3`, `dynamodb`, `stepfunctions`, ...), sorted."""
    root = data_dir()
    return tuple(sorted(p.name for p in root.iterdir() if p.is_dir() and _newest(p) is not None))


def _newest(service_dir: Path) -> Path | None:
    versions = sorted(
        (v for v in service_dir.iterdir() if v.is_dir() and _model_file(v, "service-2")),
        key=lambda v: v.name,
    )
    return versions[-1] if versions else None


def _model_file(version_dir: Path, stem: str) -> Path | None:
    for name in (f"{stem}.json", f"{stem}.json.gz"):
        if (version_dir / name).is_file():
            return version_dir / name
    return None


def _read(path: Path) -> Any:
    data = path.read_bytes()
    return json.loads(gzip.decompress(data) if path.suffix == ".gz" else data)


@functools.cache
def _service_model(service: str) -> dict[str, Any]:
    root = data_dir()
    if not (root / service).is_dir():
        return {}
    version = _newest(root / service)
    path = _model_file(version, "service-2") if version else None
    model = _read(path) if path else {}
    return model if isinstance(model, dict) else {}


def xform_name(name: str) -> str:
    """botocore's operation-name to method-name transformation (`ListObjectsV2` →
    `list_objects_v2`), for the names the SDK uses."""
    step = _FIRST_CAP.sub(r"\1_\2", name)
    return _ALL_CAP.sub(r"\1_\2", step).lower()


@functools.cache
def operations(service: str) -> dict[str, str]:
    """The service's client methods mapped to their operation names."""
    found = _service_model(service).get("operations", {})
    return {xform_name(op): op for op in found} if isinstance(found, dict) else {}


@functools.cache
def iam_prefix(service: str) -> str:
    """The IAM service prefix of an SDK service (its signing name, else endpoint prefix)."""
    metadata = _service_model(service).get("metadata", {})
    prefix = metadata.get("signingName") or metadata.get("endpointPrefix") or service
    return str(prefix)


def service_id(service: str) -> str:
    """The model's `serviceId` (`Secrets Manager`), which names the JavaScript v3 package."""
    return str(_service_model(service).get("metadata", {}).get("serviceId", ""))


@functools.cache
def waiter_operation(service: str, waiter: str) -> str | None:
    """The operation a waiter polls (`table_exists` → `DescribeTable`)."""
    root = data_dir()
    version = _newest(root / service) if (root / service).is_dir() else None
    path = _model_file(version, "waiters-2") if version else None
    if path is None:
        return None
    waiters = _read(path).get("waiters", {})
    for name, spec in waiters.items():
        if xform_name(name) == waiter and isinstance(spec, dict):
            operation = spec.get("operation")
            return str(operation) if operation else None
    return None
