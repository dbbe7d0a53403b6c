"""Committed deployment zips are read through the safe archive reader: their handler code and
dependency files are analysed and named `<zip>!/<entry>`; a zip that cannot be read says why."""

from __future__ import annotations

import zipfile
from pathlib import Path

from slsguard.deps.options import DependencyOptions
from slsguard.findings import Finding
from slsguard.scan import ScanOptions, scan

OSV_FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "osv"
HANDLER = """\
import os


def handler(event, context):
    folder = event["queryStringParameters"]["folder"]
    os.system("du -sh " + folder)
"""
TERRAFORM = """
resource "aws_lambda_function" "zip" {
  function_name = "zip"
  role          = "arn:aws:iam::123456789012:role/x"
  runtime       = "python3.12"
  handler       = "z.handler"
  filename      = "${path.module}/dist/z.zip"
}
"""
SAM = """\
Transform: AWS::Serverless-2016-10-31
Resources:
  Report:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: app.handler
      CodeUri: build/report.zip
      Events:
        Api:
          Type: HttpApi
          Properties: { Path: /report, Method: GET }
"""
SERVERLESS = """\
service: reports
provider:
  name: aws
  runtime: python3.12
package:
  artifact: artifacts/reports.zip
functions:
  report:
    handler: app.handler
    events:
      - httpApi: GET /report
"""


def _zip(path: Path, entries: dict[str, str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w") as archive:
        for name, text in entries.items():
            archive.writestr(name, text)


def _places(findings: list[Finding], rule: str) -> set[str]:
    return {f"{f.location.file}:{f.location.line}" for f in findings if f.rule.id == rule}


def test_terraform_filename_zip_is_analysed_inside(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(TERRAFORM)
    _zip(tmp_path / "dist" / "z.zip", {"z.py": HANDLER})
    report = scan([tmp_path], ScanOptions(select=("SLS004", "SLS601")))
    assert _places(report.findings, "SLS601") == {"dist/z.zip!/z.py:6"}
    assert not [f for f in report.findings if f.message.startswith("the handler of")]


def test_sam_code_uri_zip_ships_its_requirements(tmp_path: Path) -> None:
    (tmp_path / "template.yaml").write_text(SAM)
    entries = {"app.py": HANDLER, "requirements.txt": "requests==2.19.0\n"}
    _zip(tmp_path / "build" / "report.zip", entries)
    options = ScanOptions(dependencies=DependencyOptions(advisory_db=OSV_FIXTURES))
    report = scan([tmp_path], options)
    assert _places(report.findings, "SLS601") == {"build/report.zip!/app.py:6"}
    vulnerable = {f.location.file for f in report.findings if f.rule.id == "SLS701"}
    assert vulnerable == {"build/report.zip!/requirements.txt"}


def test_serverless_package_artifact_is_what_is_read(tmp_path: Path) -> None:
    (tmp_path / "serverless.yml").write_text(SERVERLESS)
    (tmp_path / "app.py").write_text("def handler(event, context):\n    return 1\n")
    metadata = "Metadata-Version: 2.1\nName: requests\nVersion: 2.19.0\n"
    entries = {"app.py": HANDLER, "requests-2.19.0.dist-info/METADATA": metadata}
    _zip(tmp_path / "artifacts" / "reports.zip", entries)
    options = ScanOptions(dependencies=DependencyOptions(advisory_db=OSV_FIXTURES))
    report = scan([tmp_path], options)
    assert _places(report.findings, "SLS601") == {"artifacts/reports.zip!/app.py:6"}
    vulnerable = {f.location.file for f in report.findings if f.rule.id == "SLS701"}
    assert vulnerable == {"artifacts/reports.zip!/requests-2.19.0.dist-info/METADATA"}


def test_an_artifact_built_in_ci_leaves_the_sources_as_the_code(tmp_path: Path) -> None:
    (tmp_path / "serverless.yml").write_text(SERVERLESS)
    (tmp_path / "app.py").write_text(HANDLER)
    report = scan([tmp_path], ScanOptions(select=("SLS004", "SLS601")))
    assert _places(report.findings, "SLS601") == {"app.py:6"}


def test_a_hostile_zip_is_refused_with_the_reason(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(TERRAFORM)
    _zip(tmp_path / "dist" / "z.zip", {"../escape.py": HANDLER, "z.py": HANDLER})
    report = scan([tmp_path], ScanOptions(select=("SLS004", "SLS601")))
    messages = [f.message for f in report.findings if f.message.startswith("the handler of")]
    assert messages == [
        "the handler of zip is a package committed as dist/z.zip, which is not read: it is "
        "refused: entry `../escape.py` would be written outside the target folder: its code "
        "is not analysed"
    ]
    assert not (tmp_path / "escape.py").exists() and not (tmp_path.parent / "escape.py").exists()


def test_a_zip_without_the_handler_module_says_so(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(TERRAFORM)
    _zip(tmp_path / "dist" / "z.zip", {"other.py": HANDLER})
    report = scan([tmp_path], ScanOptions(select=("SLS004",)))
    messages = [f.message for f in report.findings if f.message.startswith("the handler of")]
    assert messages == [
        "the handler of zip is a package committed as dist/z.zip that holds no `z` module: its "
        "code is not analysed"
    ]
