"""Confidence: declared per rule, lowered per finding, carried by SARIF/JSON/text, filtered."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from slsguard.cli import main
from slsguard.findings import Confidence, Origin, Severity, Violation
from slsguard.formats import sarif
from slsguard.formats.text import render as render_text
from slsguard.model import Application
from slsguard.rules import Context, Rule, all_rules, rule
from slsguard.scan import ScanOptions, run_rule, scan

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "rules"
CODE = FIXTURES / "os-command-injection" / "cloudformation-inline.yaml"


def _probe(confidence: Confidence | None, reason: str = "") -> Rule:
    @rule(
        "SLS999",
        "probe",
        Severity.LOW,
        "probe",
        practice="P1",
        mappings={},
        confidence=Confidence.MEDIUM,
    )
    def check(app: Application, context: Context) -> Iterator[Violation]:
        yield Violation(Origin("t.yml"), "m", confidence=confidence, confidence_reason=reason)

    return check


@pytest.mark.parametrize(
    ("lowered", "expected", "reason"),
    [
        (None, Confidence.MEDIUM, ""),
        (Confidence.HIGH, Confidence.MEDIUM, ""),  # never raised
        (Confidence.LOW, Confidence.LOW, "an unknown wrapper"),
    ],
)
def test_a_finding_may_lower_its_rules_confidence(
    lowered: Confidence | None, expected: Confidence, reason: str
) -> None:
    probe = _probe(lowered, "an unknown wrapper")
    app = Application(name="a", kind="serverless", file="t.yml", origin=Origin("t.yml"))
    (finding,) = run_rule(probe, app, Context(), {})
    assert finding.confidence is expected
    assert finding.confidence_reason == reason


def test_rules_declare_confidence() -> None:
    by_id = {r.id: r.info.confidence for r in all_rules()}
    assert by_id["SLS101"] is Confidence.HIGH
    assert by_id["SLS601"] is Confidence.MEDIUM


def test_sarif_carries_precision_and_rank() -> None:
    report = scan([CODE], ScanOptions(select=("SLS601", "SLS101")))
    document = sarif.document(report)
    rules = {r["id"]: r for r in document["runs"][0]["tool"]["driver"]["rules"]}
    assert rules["SLS601"]["properties"]["precision"] == "medium"
    assert rules["SLS101"]["properties"]["precision"] == "high"
    result = next(r for r in document["runs"][0]["results"] if r["ruleId"] == "SLS601")
    assert result["rank"] == 60.0
    assert result["properties"]["confidence"] == "medium"


def test_text_shows_medium_and_low_confidence() -> None:
    report = scan([CODE], ScanOptions(select=("SLS601",)))
    assert report.findings
    assert "medium confidence" in render_text(report)


def test_min_confidence_filters(tmp_path: Path) -> None:
    out = tmp_path / "r.json"
    args = ["scan", str(CODE), "--select", "SLS601", "--format", "json", "-o", str(out)]
    main(args)
    assert json.loads(out.read_text())["findings"]
    main([*args, "--min-confidence", "high"])
    assert json.loads(out.read_text())["findings"] == []


WRAPPED = {
    "python3.12": (
        "app.py",
        "import os\n\n\ndef handler(event, context):\n"
        "    os.system(event['body'].strip())\n"
        "    os.system(event['body'].sanitize())\n",
    ),
    "nodejs20.x": (
        "app.js",
        "const { exec } = require('child_process');\n"
        "exports.handler = async (event) => {\n"
        "  exec(event.body.trim());\n"
        "  exec(event.body.sanitize());\n"
        "};\n",
    ),
}


@pytest.mark.parametrize("runtime", sorted(WRAPPED))
def test_an_unknown_wrapper_on_the_path_lowers_confidence(tmp_path: Path, runtime: str) -> None:
    name, code = WRAPPED[runtime]
    (tmp_path / name).write_text(code)
    (tmp_path / "serverless.yml").write_text(
        f"service: s\nprovider: {{name: aws, runtime: {runtime}}}\nfunctions:\n"
        "  run:\n    handler: app.handler\n    events:\n      - httpApi: POST /run\n"
    )
    report = scan([tmp_path], ScanOptions(select=("SLS601",)))
    by_line = {f.location.line: (f.confidence, f.confidence_reason) for f in report.findings}
    known, unknown = sorted(by_line)
    assert by_line[known] == (Confidence.MEDIUM, "")
    assert by_line[unknown] == (
        Confidence.LOW,
        "the data passes through `.sanitize()`, whose effect is not known",
    )


def test_an_endpoint_behind_a_listener_outside_the_scan_has_medium_confidence() -> None:
    case = FIXTURES / "unauthenticated-endpoint" / "serverless-rest.yml"
    report = scan([case], ScanOptions(select=("SLS201",)))
    lowered = [f for f in report.findings if f.confidence is Confidence.MEDIUM]
    assert [f.location.line for f in lowered] == [96]
    assert lowered[0].confidence_reason.startswith("the listener arn:aws:elasticloadbalancing:")
    assert all(f.confidence is Confidence.HIGH for f in report.findings if f not in lowered)


def test_a_configured_url_start_followed_by_event_data_is_low_confidence() -> None:
    """`f"{API_URL}{item}"`: the host is fixed only if API_URL ends with `/`, unknown here."""
    case = FIXTURES / "server-side-request-forgery" / "python-api"
    report = scan([case], ScanOptions(select=("SLS606",)))
    lines = (case / "handler.py").read_text().splitlines()
    by_text = {lines[f.location.line - 1].strip(): f for f in report.findings}
    adjacent = by_text['requests.get(f"{API_URL}{item}", timeout=5)']
    assert (adjacent.confidence, adjacent.confidence_reason) == (
        Confidence.LOW,
        "the URL starts with `API_URL`, from configuration: if it ends with `/`, the event "
        "only adds a path",
    )
    assert by_text['requests.get(item + "/items", timeout=5)'].confidence is Confidence.MEDIUM


@pytest.mark.parametrize(
    ("rule_id", "case"),
    [
        ("SLS101", FIXTURES / "wildcard-iam-action" / "deploy-time-values.yml"),
        ("SLS102", FIXTURES / "wildcard-iam-resource" / "deploy-time-values.yml"),
        ("SLS102", FIXTURES / "wildcard-iam-resource" / "terraform-variable-defaults"),
    ],
)
def test_iam_wildcards_resting_on_a_default_or_a_branch_say_so(rule_id: str, case: Path) -> None:
    """SLS101/SLS102 on a parameter's or variable's default, or on one branch of an `!If`,
    are medium confidence and say why; the literal neighbour stays high."""
    findings = scan([case], ScanOptions(select=(rule_id,))).findings
    judged = {(f.confidence, f.confidence_reason.split(":")[0]) for f in findings}
    literal = (Confidence.HIGH, "")
    if case.is_dir():  # Terraform
        assert judged == {
            (Confidence.MEDIUM, "`Resource` is the default of variable var.secret_arn"),
            literal,
        }
        return
    key = "Action" if rule_id == "SLS101" else "Resource"
    parameter = "ExtraActions" if rule_id == "SLS101" else "SecretArn"
    assert judged == {
        (Confidence.MEDIUM, f"`{key}` is the default of parameter {parameter}"),
        (Confidence.MEDIUM, f"`{key}` depends on condition IsProd"),
        literal,
    }


@pytest.mark.parametrize("app", ["python-api", "node-api"])
def test_a_value_logged_at_debug_level_is_low(app: str) -> None:
    """`logger.debug(event)` is written only when the log level is DEBUG (the ecommerce
    platform's default is INFO): low severity and confidence, with the reason; the same
    value logged at info level keeps the rule's medium."""
    case = FIXTURES / "sensitive-data-logged" / app
    findings = scan([case], ScanOptions(select=("SLS609",))).findings
    debug = {f for f in findings if ".debug(" in (f.location.snippet or "")}
    assert debug and all(
        (f.severity, f.confidence) == (Severity.LOW, Confidence.LOW)
        and f.confidence_reason.startswith("logged at debug level")
        for f in debug
    )
    others = [f for f in findings if f not in debug]
    assert others and all(f.severity == Severity.MEDIUM for f in others)
