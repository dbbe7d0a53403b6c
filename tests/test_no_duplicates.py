"""A file two apps share is reported once; code findings carry a subject for fingerprints."""

from __future__ import annotations

from pathlib import Path

from slsguard.scan import ScanOptions, scan

TEMPLATE = """\
AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Resources:
  Validate:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: nodejs20.x
      Handler: app.handler
      CodeUri: {code}
"""


def test_manifest_shared_by_two_apps_is_reported_once(tmp_path: Path) -> None:
    code = tmp_path / "validator" / "code"
    code.mkdir(parents=True)
    (code / "app.js").write_text("exports.handler = async () => ({ statusCode: 200 });\n")
    (code / "package.json").write_text('{"dependencies": {"left-pad": "^1.3.0"}}\n')
    (tmp_path / "validator" / "template.yaml").write_text(TEMPLATE.format(code="code/"))
    core = tmp_path / "core"
    core.mkdir()
    (core / "template.yaml").write_text(TEMPLATE.format(code="../validator/code/"))
    report = scan([tmp_path], ScanOptions(select=("SLS702",)))
    assert len(report.findings) == 1


def test_logged_fields_are_subjects(tmp_path: Path) -> None:
    folder = Path(__file__).parent / "fixtures" / "rules" / "sensitive-data-logged" / "python-api"
    report = scan([folder], ScanOptions(select=("SLS609",)))
    fingerprints = [finding.fingerprint for finding in report.findings]
    assert len(fingerprints) == len(set(fingerprints))
    assert all(finding.subject for finding in report.findings if finding.flow)
