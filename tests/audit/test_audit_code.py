"""`--download-code`: deployed packages fetched through the endpoint, extracted safely, analysed."""

from __future__ import annotations

import contextlib
import io
import json
import stat
import tempfile
import uuid
import zipfile
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from slsguard.audit.client import Endpoint
from slsguard.audit.collect import Scope
from slsguard.audit.package import Limits, PackageRefused, download_url, extract
from slsguard.audit.run import AuditOptions, AuditResult, audit

boto3 = pytest.importorskip("boto3")

REGION = "eu-west-1"
ESCAPE = f"slsguard-escape-{uuid.uuid4().hex}.py"
VULNERABLE = 'import os\n\n\ndef handler(event, context):\n    os.system("echo " + event["body"])\n'


def _zip(*entries: tuple[str, bytes, int | None]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data, mode in entries:
            info = zipfile.ZipInfo(name)
            if mode is not None:
                info.external_attr = mode << 16
            archive.writestr(info, data)
    return buffer.getvalue()


PACKAGES = {
    "exec": _zip(("app.py", VULNERABLE.encode(), None)),
    "traversal": _zip(("app.py", b"x = 1\n", None), (f"../../../{ESCAPE}", b"x = 1\n", None)),
    "bomb": _zip(("app.py", b"x = 1\n", None), ("zeros.bin", bytes(4_000_000), None)),
    "link": _zip(("app.py", b"x = 1\n", None), ("secrets", b"/etc/passwd", stat.S_IFLNK | 0o777)),
}


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


class Account:
    """boto3 clients for the test server, with dummy credentials."""

    def __init__(self, url: str) -> None:
        """The server at `url`."""
        self.url = url

    def client(self, service: str, region: str = REGION) -> Any:
        """A client for `service` in `region`."""
        return boto3.client(
            service,
            endpoint_url=self.url,
            region_name=region,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )


def _deploy(acct: Account, name: str, package: bytes, role: str) -> None:
    """Create the function, then put its package where `Code.Location` points (moto keeps
    the code but does not serve it there)."""
    lam = acct.client("lambda", REGION)
    lam.create_function(
        FunctionName=name,
        Runtime="python3.12",
        Role=role,
        Handler="app.handler",
        Code={"ZipFile": package},
    )
    location = urlsplit(lam.get_function(FunctionName=name)["Code"]["Location"])
    bucket = location.netloc.split(".s3.", 1)[0]
    s3 = acct.client("s3", REGION)
    with contextlib.suppress(s3.exceptions.BucketAlreadyOwnedByYou):
        s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION})
    s3.put_object(Bucket=bucket, Key=location.path[1:], Body=package, ACL="public-read")


@pytest.fixture(scope="module")
def result(moto_url: str) -> AuditResult:
    """An audit with `--download-code` of a region with one vulnerable and three hostile
    packages and a container-image function."""
    acct = Account(moto_url)
    iam = acct.client("iam", REGION)
    role: str = iam.create_role(RoleName="code-audit", AssumeRolePolicyDocument=json.dumps(TRUST))[
        "Role"
    ]["Arn"]
    for name, package in PACKAGES.items():
        _deploy(acct, name, package, role)
    acct.client("lambda", REGION).create_function(
        FunctionName="image",
        Role=role,
        PackageType="Image",
        Code={"ImageUri": "123456789012.dkr.ecr.eu-west-1.amazonaws.com/app:1"},
    )
    options = AuditOptions(
        endpoint=Endpoint(endpoint_url=moto_url),
        regions=(REGION,),
        download_code=True,
        limits=Limits(unpacked=1_000_000),
    )
    return audit(options)


def _arn(name: str) -> str:
    return f"arn:aws:lambda:{REGION}:123456789012:function:{name}"


def test_vulnerable_handler_in_the_deployed_zip(result: AuditResult) -> None:
    (injection,) = [f for f in result.report.findings if f.rule.id == "SLS601"]
    assert injection.location.kind == "cloud"
    assert injection.location.arn == _arn("exec")
    assert injection.location.key_path == ("Code", "app.py")
    assert injection.location.line == 5
    assert injection.function == "exec"


def test_hostile_packages_are_refused(result: AuditResult) -> None:
    refused = {
        f.function: f.message
        for f in result.report.findings
        if f.rule.id == "SLS004" and f.location.key_path == ("Code",)
    }
    assert set(refused) == {"traversal", "bomb", "link"}
    assert "outside the target folder" in refused["traversal"]
    assert "zip bomb" in refused["bomb"]
    assert "symbolic link" in refused["link"]
    assert not (Path(tempfile.gettempdir()) / ESCAPE).exists()
    assert not any(f.rule.id == "SLS601" and f.function != "exec" for f in result.report.findings)


def test_container_image_is_listed_as_not_analysed(result: AuditResult) -> None:
    notes = [f for f in result.report.findings if f.rule.id == "SLS004" and "image" in f.message]
    assert [f.location.arn for f in notes] == [_arn("image")]


def test_without_the_flag_no_package_is_fetched(moto_url: str, result: AuditResult) -> None:
    plain = audit(
        AuditOptions(
            endpoint=Endpoint(endpoint_url=moto_url),
            regions=(REGION,),
            scope=Scope(functions=("exec",)),
        )
    )
    assert not [f for f in plain.report.findings if f.rule.id == "SLS601"]


@pytest.mark.parametrize(
    ("entries", "reason"),
    [
        ([("/etc/cron.d/x", b"x", None)], "outside"),
        ([("a/../../x", b"x", None)], "outside"),
        ([("C:\\x", b"x", None)], "outside"),
        ([("l", b"../../..", stat.S_IFLNK | 0o777)], "symbolic link"),
        ([(f"f{i}", b"", None) for i in range(5)], "entries"),
    ],
)
def test_extract_refuses_and_writes_nothing(
    tmp_path: Path, entries: list[tuple[str, bytes, int | None]], reason: str
) -> None:
    with pytest.raises(PackageRefused, match=reason):
        extract(_zip(*entries), tmp_path / "pkg", Limits(files=4))
    assert list(tmp_path.iterdir()) == []


def test_extract_counts_real_bytes(tmp_path: Path, monkeypatch: Any) -> None:
    """A header that understates the size does not get past the limit."""
    monkeypatch.setattr("slsguard.archive.check", lambda entries, limits: None)
    with pytest.raises(PackageRefused, match="zip bomb"):
        extract(_zip(("z", bytes(50_000), None)), tmp_path / "pkg", Limits(unpacked=10_000))
    assert list(tmp_path.iterdir()) == []


def test_download_url_is_rewritten_onto_the_endpoint() -> None:
    location = "https://awslambda-eu-west-1-tasks.s3.eu-west-1.amazonaws.com/f-1?X-Amz-Signature=s"
    assert download_url(location, "http://127.0.0.1:5000/") == (
        "http://127.0.0.1:5000/awslambda-eu-west-1-tasks/f-1?X-Amz-Signature=s"
    )
    assert download_url(location, None) == location
