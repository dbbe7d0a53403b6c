"""The command line: exit codes, formats, rule selection, and SARIF from a real scan."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from slsguard.cli import main

SCHEMAS = Path(__file__).resolve().parent / "schemas"

WILDCARD = """\
service: orders
provider:
  name: aws
  runtime: python3.12
  iam:
    role:
      statements:
        - Effect: Allow
          Action: "*"
          Resource: "*"
functions:
  create:
    handler: handler.create
"""
CLEAN = """\
service: orders
plugins:
  - serverless-plugin-aws-alerts
custom:
  alerts:
    alarms:
      - functionErrors
provider:
  name: aws
  runtime: python3.12
  logRetentionInDays: 400
  tracing:
    lambda: true
functions:
  create:
    handler: handler.create
"""


@pytest.fixture()
def project(tmp_path: Path) -> Path:
    (tmp_path / "serverless.yml").write_text(WILDCARD)
    return tmp_path


def test_exit_code_is_1_with_findings_and_0_without(project: Path, tmp_path: Path) -> None:
    assert main(["scan", str(project), "--format", "json", "-o", str(tmp_path / "r.json")]) == 1
    clean = tmp_path / "clean"
    clean.mkdir()
    (clean / "serverless.yml").write_text(CLEAN)
    assert main(["scan", str(clean), "-o", str(tmp_path / "r.txt")]) == 0


def test_fail_on_raises_the_threshold(project: Path, tmp_path: Path) -> None:
    out = str(tmp_path / "r.txt")
    assert (
        main(["scan", str(project), "--select", "SLS101", "--fail-on", "critical", "-o", out]) == 1
    )
    assert (
        main(["scan", str(project), "--select", "SLS104,SLS108", "--fail-on", "high", "-o", out])
        == 0
    )


def test_select_and_ignore(project: Path, tmp_path: Path) -> None:
    out = tmp_path / "r.json"
    main(
        [
            "scan",
            str(project),
            "--format",
            "json",
            "-o",
            str(out),
            "--select",
            "SLS1",
            "--ignore",
            "wildcard-iam-resource,SLS105",
        ]
    )
    rules = {finding["rule_id"] for finding in json.loads(out.read_text())["findings"]}
    assert rules == {"SLS101"}


def test_usage_errors_exit_2(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["scan", str(project), "--select", "SLS999"]) == 2
    assert "unknown rule" in capsys.readouterr().err
    assert main(["scan", "/does/not/exist"]) == 2
    assert main(["scan", str(project), "--fail-on", "severe"]) == 2
    assert main(["frobnicate"]) == 2


def test_rules_list_and_explain(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rules"]) == 0
    listing = capsys.readouterr().out
    assert "SLS101  wildcard-iam-action" in listing
    assert main(["rules", "--explain", "wildcard-iam-resource"]) == 0
    explained = capsys.readouterr().out
    assert explained.startswith("SLS102 wildcard-iam-resource (medium)")
    assert "## Why is this bad?" in explained
    assert main(["rules", "--explain", "SLS000"]) == 2


def test_text_output_masks_secrets(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    secret = "Zq8" + "vN2pLx7Rt"
    (tmp_path / "serverless.yml").write_text(
        CLEAN + f"    environment:\n      DB_PASSWORD: {secret}\n"
    )
    main(["scan", str(tmp_path), "--color", "never"])
    out = capsys.readouterr().out
    assert "DB_PASSWORD" in out
    assert secret not in out


def test_sarif_of_a_real_scan_validates(project: Path, tmp_path: Path) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    schema_path = SCHEMAS / "sarif-2.1.0.schema.json"
    out = tmp_path / "r.sarif"
    main(["scan", str(project), "--format", "sarif", "-o", str(out)])
    sarif = json.loads(out.read_text())
    jsonschema.Draft7Validator(json.loads(schema_path.read_text())).validate(sarif)
    results = sarif["runs"][0]["results"]
    assert {result["ruleId"] for result in results} >= {"SLS101", "SLS105"}
    region = next(r for r in results if r["ruleId"] == "SLS101")["locations"][0]["physicalLocation"]
    assert region["region"]["startLine"] == 9


def test_module_entry_point_runs(project: Path) -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "slsguard", "scan", str(project), "--select", "SLS101"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode == 1
    assert "SLS101 wildcard-iam-action" in completed.stdout
