"""`slsguard audit` on the command line, its own least-privilege policy, its start-up cost."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from slsguard.audit.client import Endpoint
from slsguard.audit.run import AuditOptions, audit
from slsguard.cli import main

POLICY = Path(__file__).resolve().parents[2] / "docs" / "audit-policy.json"
PAY = "arn:aws:lambda:us-east-1:123456789012:function:orders-pay"


def test_every_call_is_in_the_shipped_policy(account_url: str, denying_url: str) -> None:
    document = json.loads(POLICY.read_text())
    (read_only,) = [s for s in document["Statement"] if s["Sid"] == "SlsguardAuditReadOnly"]
    allowed = set(read_only["Action"])  # the organization's statements: test_organization.py
    made: set[str] = set()
    for url in (account_url, denying_url):
        made |= audit(AuditOptions(endpoint=Endpoint(endpoint_url=url))).actions
    assert made - allowed == set(), "calls the shipped policy does not allow"
    assert allowed - made == set(), "the policy allows more than the audit uses"
    assert all(":" in action and "*" not in action for action in allowed)


def test_text_report_shows_the_arn(account_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(
        ["audit", "--endpoint-url", account_url, "--region", "us-east-1", "--color", "never"]
    )
    out = capsys.readouterr().out
    assert code == 1
    assert "orders (us-east-1)" in out
    assert f"SLS301 plaintext-secret-in-environment  {PAY}" in out
    assert "Tr0ub4dor" not in out


def test_sarif_has_logical_locations(account_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["audit", "--endpoint-url", account_url, "--format", "sarif", "--select", "SLS301"])
    sarif = json.loads(capsys.readouterr().out)
    assert code == 1
    (result,) = sarif["runs"][0]["results"]
    logical = result["locations"][0]["logicalLocations"]
    assert {"fullyQualifiedName": PAY, "kind": "resource"} in logical
    assert "physicalLocation" not in result["locations"][0]


def test_unreachable_endpoint_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["audit", "--endpoint-url", "http://127.0.0.1:9", "--region", "us-east-1"])
    assert code == 2
    assert "cannot audit" in capsys.readouterr().err


def test_version_and_scans_do_not_import_boto3() -> None:
    probe = "import sys, slsguard.cli\nassert 'boto3' not in sys.modules, 'boto3 imported'"
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
