"""The ASFF format: every record Security Hub would accept, checked against a JSON schema
written from AWS's ASFF syntax reference (required fields, formats and limits)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from slsguard.cli import main

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
ACCOUNT, REGION = "123456789012", "eu-west-1"

PRODUCT_ARN = r"^arn:aws:securityhub:[a-z0-9-]+:\d{12}:product/\d{12}/default$"
LABELS = ["INFORMATIONAL", "LOW", "MEDIUM", "HIGH", "CRITICAL"]

# From the AWS Security Finding Format syntax reference (Security Hub user guide): the
# attributes BatchImportFindings requires, and the limits it enforces.
ASFF_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": [
        "SchemaVersion", "Id", "ProductArn", "GeneratorId", "AwsAccountId", "Types",
        "CreatedAt", "UpdatedAt", "Severity", "Title", "Description", "Resources",
    ],
    "properties": {
        "SchemaVersion": {"const": "2018-10-08"},
        "Id": {"type": "string", "minLength": 1, "maxLength": 512},
        "ProductArn": {"type": "string", "pattern": PRODUCT_ARN},
        "GeneratorId": {"type": "string", "minLength": 1, "maxLength": 512},
        "AwsAccountId": {"type": "string", "pattern": r"^\d{12}$"},
        "Types": {
            "type": "array", "minItems": 1, "maxItems": 50,
            "items": {"type": "string", "pattern": r"^[^/]+(/[^/]+){0,2}$"},
        },
        "CreatedAt": {"type": "string", "pattern": r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$"},
        "UpdatedAt": {"type": "string", "pattern": r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$"},
        "Severity": {
            "type": "object", "required": ["Label"],
            "properties": {"Label": {"enum": LABELS}},
        },
        "Title": {"type": "string", "minLength": 1, "maxLength": 256},
        "Description": {"type": "string", "minLength": 1, "maxLength": 1024},
        "Resources": {
            "type": "array", "minItems": 1, "maxItems": 32,
            "items": {
                "type": "object", "required": ["Type", "Id"],
                "properties": {
                    "Type": {"type": "string"},
                    "Id": {"type": "string", "maxLength": 512},
                },
            },
        },
        "Remediation": {
            "type": "object",
            "properties": {
                "Recommendation": {
                    "type": "object",
                    "properties": {"Text": {"type": "string", "maxLength": 512}},
                }
            },
        },
        "Compliance": {
            "type": "object",
            "properties": {
                "Status": {"enum": ["PASSED", "WARNING", "FAILED", "NOT_AVAILABLE"]},
                "RelatedRequirements": {
                    "type": "array", "maxItems": 32, "items": {"type": "string", "maxLength": 256},
                },
            },
        },
        "ProductFields": {
            "type": "object", "maxProperties": 50,
            "propertyNames": {"maxLength": 128},
            "additionalProperties": {"type": "string", "maxLength": 2048},
        },
        "RecordState": {"enum": ["ACTIVE", "ARCHIVED"]},
        "FindingProviderFields": {
            "type": "object",
            "properties": {
                "Severity": {
                    "type": "object", "properties": {"Label": {"enum": LABELS}},
                },
                "Types": {"type": "array", "maxItems": 50, "items": {"type": "string"}},
            },
        },
        "Workflow": False,  # only customers set it (BatchUpdateFindings)
    },
}  # fmt: skip


def _asff(path: Path, tmp_path: Path, *extra: str) -> tuple[int, list[dict[str, Any]]]:
    out = tmp_path / "findings.asff.json"
    args = ["scan", str(path), "--format", "asff", "-o", str(out)]
    code = main([*args, "--aws-account-id", ACCOUNT, "--region", REGION, *extra])
    return code, json.loads(out.read_text()) if out.exists() else []


def test_every_record_is_valid_asff(tmp_path: Path) -> None:
    code, records = _asff(EXAMPLES, tmp_path)
    assert code == 1 and records
    for record in records:
        jsonschema.validate(record, ASFF_SCHEMA)
        assert len(json.dumps(record).encode()) < 240 * 1024
        assert record["Id"].startswith("slsguard/") and record["Id"].endswith(record["Id"][-32:])
        assert record["ProductFields"]["slsguard/scope"]
    ids = [record["Id"] for record in records]
    assert len(ids) == len(set(ids))  # one record per finding: a re-import updates it


def test_types_follow_the_kind_of_finding(tmp_path: Path) -> None:
    _, records = _asff(EXAMPLES, tmp_path)
    types = {record["GeneratorId"]: record["Types"] for record in records}
    assert types["SLS301"] == ["Sensitive Data Identifications/Passwords"]
    assert types["SLS101"] == ["Software and Configuration Checks/AWS Security Best Practices"]
    severities = {record["Severity"]["Label"] for record in records}
    assert severities <= {"INFORMATIONAL", "LOW", "MEDIUM", "HIGH", "CRITICAL"}


def test_secrets_never_reach_a_record(tmp_path: Path) -> None:
    token = "sk_live_" + "4eC39HqLyjWDarjtT1zdp7dc"
    app = tmp_path / "app"
    app.mkdir()
    (app / "serverless.yml").write_text(
        "service: pay\nprovider:\n  name: aws\n  runtime: python3.12\n  environment:\n"
        f"    STRIPE_SECRET_KEY: {token}\nfunctions:\n  charge:\n    handler: h.charge\n"
    )
    _, records = _asff(app, tmp_path)
    assert any(record["GeneratorId"] == "SLS301" for record in records)
    assert token not in json.dumps(records)


@pytest.mark.parametrize("missing", [["--region", REGION], ["--aws-account-id", ACCOUNT]])
def test_asff_needs_the_account_and_the_region(tmp_path: Path, missing: list[str]) -> None:
    assert main(["scan", str(EXAMPLES / "orders-api"), "--format", "asff", *missing]) == 2
