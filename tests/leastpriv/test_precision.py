"""Least privilege on small apps written inline: what each function needs, and the
SLS109/SLS110 findings that follow (no finding a correct app would not deserve)."""

from __future__ import annotations

from pathlib import Path

from slsguard.discovery import discover
from slsguard.leastpriv.needs import function_needs
from slsguard.loading import LoadOptions, load_all
from slsguard.scan import ScanOptions, scan


def write(root: Path, files: dict[str, str]) -> Path:
    """Write an app's files under `root`."""
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def needs(root: Path) -> dict[str, set[tuple[str, str]]]:
    """Each analysed function's (action, resource) needs from the code (triggers excluded)."""
    cwd = Path.cwd()
    app = load_all(list(discover([root], cwd)), LoadOptions(), cwd).apps[0]
    return {
        name: {(n.action, n.target.cfn or n.target.arn) for n in found.needs if not n.implied}
        for name, found in function_needs(app).items()
    }


def findings(root: Path, rule: str) -> list[str]:
    """`file:line` of each finding of `rule`."""
    found = scan([root], ScanOptions(select=(rule,))).findings
    return sorted(f"{f.location.file}:{f.location.line}" if f.location else "-" for f in found)


def serverless(statements: str, functions: str) -> str:
    """A serverless.yml with the given role statements and functions."""
    return (
        "service: app\nprovider:\n  name: aws\n  runtime: python3.12\n  iam:\n    role:\n"
        f"      statements:\n{statements}functions:\n{functions}"
    )


UPLOAD = """import boto3

s3 = boto3.client("s3")


def handler(event, context):
    s3.upload_file("/tmp/report.csv", "reports-bucket", "daily.csv")
"""


def test_a_managed_upload_needs_only_put_object(tmp_path: Path) -> None:
    grants = (
        "        - Effect: Allow\n          Action: [s3:PutObject]\n"
        "          Resource: arn:aws:s3:::reports-bucket/*\n"
    )
    root = write(
        tmp_path,
        {
            "handler.py": UPLOAD,
            "serverless.yml": serverless(grants, "  up:\n    handler: handler.handler\n"),
        },
    )
    assert findings(root, "SLS110") == []
    assert needs(root)["up"] >= {("s3:PutObject", "arn:aws:s3:::reports-bucket/daily.csv")}


TRANSFERS = """import boto3

s3 = boto3.client("s3")
bucket = boto3.resource("s3").Bucket("media-bucket")


def handler(event, context):
    s3.download_file("raw-bucket", "in/photo.jpg", "/tmp/photo.jpg")
    bucket.download_file("in/video.mp4", "/tmp/video.mp4")
    bucket.upload_file("/tmp/thumb.jpg", "out/thumb.jpg")
"""


def test_transfer_arguments_are_read_in_the_sdk_order(tmp_path: Path) -> None:
    functions = "  fn:\n    handler: handler.handler\n"
    root = write(tmp_path, {"handler.py": TRANSFERS, "serverless.yml": serverless("", functions)})
    assert needs(root)["fn"] == {
        ("s3:GetObject", "arn:aws:s3:::raw-bucket/in/photo.jpg"),
        ("s3:GetObject", "arn:aws:s3:::media-bucket/in/video.mp4"),
        ("s3:PutObject", "arn:aws:s3:::media-bucket/out/thumb.jpg"),
        ("s3:AbortMultipartUpload", "arn:aws:s3:::media-bucket/out/thumb.jpg"),
    }
