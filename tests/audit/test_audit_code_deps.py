"""Dependency scanning of packages downloaded with `--download-code` (offline advisories)."""

from __future__ import annotations

import contextlib
import io
import json
import zipfile
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from slsguard.audit.client import Endpoint
from slsguard.audit.run import AuditOptions, AuditResult, audit
from slsguard.deps.options import DependencyOptions

boto3 = pytest.importorskip("boto3")

REGION = "eu-central-1"
TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"Service": "lambda.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }
    ],
}
HANDLER = "def handler(event, context):\n    return 1\n"
LOCK = {
    "name": "web",
    "lockfileVersion": 3,
    "packages": {
        "": {"name": "web", "dependencies": {"lodash": "4.17.4"}},
        "node_modules/lodash": {"version": "4.17.4"},
    },
}


def _advisory(ident: str, ecosystem: str, name: str, fixed: str) -> dict[str, Any]:
    return {
        "id": ident,
        "modified": "2024-01-01T00:00:00Z",
        "summary": f"a flaw in {name}",
        "affected": [
            {
                "package": {"ecosystem": ecosystem, "name": name},
                "ranges": [
                    {"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": fixed}]}
                ],
            }
        ],
    }


def _zip(files: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    return buffer.getvalue()


def _client(url: str, service: str) -> Any:
    return boto3.client(
        service,
        endpoint_url=url,
        region_name=REGION,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


def _deploy(url: str, name: str, runtime: str, handler: str, package: bytes, role: str) -> None:
    """Create the function and serve its package where `Code.Location` points."""
    lam = _client(url, "lambda")
    lam.create_function(
        FunctionName=name, Runtime=runtime, Role=role, Handler=handler, Code={"ZipFile": package}
    )
    location = urlsplit(lam.get_function(FunctionName=name)["Code"]["Location"])
    bucket = location.netloc.split(".s3.", 1)[0]
    s3 = _client(url, "s3")
    with contextlib.suppress(s3.exceptions.BucketAlreadyOwnedByYou):
        s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION})
    s3.put_object(Bucket=bucket, Key=location.path[1:], Body=package, ACL="public-read")


@pytest.fixture(scope="module")
def advisories(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A local OSV directory: one advisory for requests, one for lodash."""
    directory = tmp_path_factory.mktemp("osv")
    for advisory in (
        _advisory("GHSA-test-requests", "PyPI", "requests", "2.20.0"),
        _advisory("GHSA-test-lodash", "npm", "lodash", "4.17.21"),
    ):
        (directory / f"{advisory['id']}.json").write_text(json.dumps(advisory))
    return directory


@pytest.fixture(scope="module")
def deployed(moto_url: str) -> str:
    """A Python function pinning requests 2.19.0 and a Node.js one locking lodash 4.17.4."""
    iam = _client(moto_url, "iam")
    role: str = iam.create_role(RoleName="deps-audit", AssumeRolePolicyDocument=json.dumps(TRUST))[
        "Role"
    ]["Arn"]
    python = _zip({"app.py": HANDLER, "requirements.txt": "requests==2.19.0\n"})
    node = _zip(
        {
            "index.js": "exports.handler = async () => 1;\n",
            "package.json": json.dumps({"name": "web", "dependencies": {"lodash": "4.17.4"}}),
            "package-lock.json": json.dumps(LOCK),
        }
    )
    _deploy(moto_url, "deps-py", "python3.12", "app.handler", python, role)
    _deploy(moto_url, "deps-js", "nodejs20.x", "index.handler", node, role)
    return moto_url


def _audit(url: str, dependencies: DependencyOptions, download: bool = True) -> AuditResult:
    options = AuditOptions(
        endpoint=Endpoint(endpoint_url=url),
        regions=(REGION,),
        download_code=download,
        dependencies=dependencies,
        select=("SLS701", "SLS703"),
    )
    return audit(options)


def _arn(name: str) -> str:
    return f"arn:aws:lambda:{REGION}:123456789012:function:{name}"


def test_vulnerable_packages_in_the_deployed_zips(deployed: str, advisories: Path) -> None:
    result = _audit(deployed, DependencyOptions(advisory_db=advisories))
    found = {
        (f.location.arn, f.location.key_path, f.function)
        for f in result.report.findings
        if f.rule.id == "SLS701"
    }
    assert found == {
        (_arn("deps-py"), ("Code", "requirements.txt"), "deps-py"),
        (_arn("deps-js"), ("Code", "package-lock.json"), "deps-js"),
    }
    (requests,) = [f for f in result.report.findings if f.location.arn == _arn("deps-py")]
    assert "GHSA-test-requests" in requests.message and requests.location.line == 1
    assert requests.location.kind == "cloud"
    assert "2.20.0" in requests.fix and "slsguard-code-" not in requests.fix + requests.message
    assert "OSV advisories" in {data.name for data in result.report.reference_data}


def test_without_advisories_the_packages_are_not_audited(deployed: str) -> None:
    result = _audit(deployed, DependencyOptions())
    rules = {(f.rule.id, f.location.arn) for f in result.report.findings}
    assert ("SLS703", _arn("deps-py")) in rules
    assert all(rule != "SLS701" for rule, _ in rules)


def test_without_download_no_dependency_finding(deployed: str, advisories: Path) -> None:
    result = _audit(deployed, DependencyOptions(advisory_db=advisories), download=False)
    assert [f for f in result.report.findings if (f.function or "").startswith("deps-")] == []
