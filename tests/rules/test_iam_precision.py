"""What the IAM rules report once the evaluator judges Resource, Conditions and Denies.

The annotated fixtures check which lines are reported; here the severity and the words.
"""

from __future__ import annotations

from pathlib import Path

from slsguard.findings import Finding
from slsguard.scan import ScanOptions, scan

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "rules"


def _findings(rule: str, name: str) -> dict[int, Finding]:
    report = scan([FIXTURES / rule / name], ScanOptions(select=(rule,)))
    return {finding.location.line: finding for finding in report.findings}


def test_star_on_one_object_is_every_s3_action_on_it_not_admin() -> None:
    (finding,) = _findings("wildcard-iam-action", "resource-scoped.yml").values()
    assert finding.severity.value == "high"
    assert "only on arn:aws:s3:::reports-bucket/summary.csv" in finding.message
    assert "every s3 action on it" in finding.message


def test_star_left_to_one_service_by_a_deny_is_high_and_admin_is_critical() -> None:
    found = _findings("wildcard-iam-action", "deny-subtracted.yml")
    severities = {line: finding.severity.value for line, finding in found.items()}
    assert severities == {31: "high", 52: "critical"}
    assert "every s3 action" in found[31].message


def test_escalation_fix_does_not_recommend_a_condition_already_there() -> None:
    (finding,) = _findings("privilege-escalation", "passrole-narrowed.yml").values()
    assert finding.severity.value == "critical"
    assert "passrole-lambda" not in finding.message  # Paths are described by their actions.
    assert "iam:PassedToService` condition" not in finding.fix
    assert "to the ARN of the one role it has to pass" in finding.fix


def test_roles_are_named_by_resource_name_not_an_expression() -> None:
    (finding,) = _findings("shared-function-role", "role-name-expression.yaml").values()
    assert finding.message.startswith("role SharedRole ")


def test_escalation_through_unknown_answers_has_medium_confidence() -> None:
    found = _findings("privilege-escalation", "passrole-narrowed.yml")
    (finding,) = found.values()
    assert finding.confidence.value == "high"  # PassedToService is given by the path


def test_escalation_on_a_resource_known_at_deploy_time_is_medium(tmp_path: Path) -> None:
    template = tmp_path / "serverless.yml"
    template.write_text(
        "service: deployer\n"
        "provider:\n  name: aws\n  runtime: python3.12\n  iam:\n    role:\n"
        "      statements:\n"
        "        - Effect: Allow\n"
        "          Action: [iam:PassRole]\n"
        "          Resource: arn:aws:iam::123456789012:role/${self:service}-*\n"
        "        - Effect: Allow\n"
        "          Action: [lambda:CreateFunction, lambda:InvokeFunction]\n"
        '          Resource: "*"\n'
        "functions:\n  build:\n    handler: handler.build\n"
    )
    report = scan([template], ScanOptions(select=("SLS105",)))
    (finding,) = report.findings
    assert finding.confidence.value == "medium"
    assert "iam:PassRole" in finding.confidence_reason
