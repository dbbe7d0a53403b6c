"""AWS Security Finding Format (ASFF): the findings as Security Hub imports them.

One JSON array of findings, the shape `BatchImportFindings` and
`aws securityhub batch-import-findings --findings file://…` take. Each record carries every
field Security Hub requires, within its limits:

* `Id` is `slsguard/<scope>/<fingerprint>` (scope: the repository, or `<account>/<region>` for
  an audit), so a re-import updates the same finding; `GeneratorId` is the rule ID;
* `AwsAccountId` and the region are the deployed resource's for an audit finding (an
  organization audit reports many accounts), else the ones given;
* `ProductArn` is the account's default product
  (`arn:aws:securityhub:<region>:<account>:product/<account>/default`), which accepts findings
  of the calling account only;
* `Types` in `namespace/category/classifier` form: vulnerable dependencies are
  `Software and Configuration Checks/Vulnerabilities/CVE`, secrets
  `Sensitive Data Identifications/Passwords`, everything else
  `Software and Configuration Checks/AWS Security Best Practices`;
* `Severity.Label` (info is `INFORMATIONAL`), repeated with `Types` in
  `FindingProviderFields`, where a provider's later updates of both must go; `RecordState`
  `ACTIVE` (a finding that reappears is active again); never `Workflow`, which only the
  customer sets; `Title` ≤ 256 characters, `Description`
  ≤ 1024, `Remediation.Recommendation.Text` ≤ 512 (from the fix),
  `Compliance.RelatedRequirements` from the rule's PCI DSS, HIPAA and FSBP mappings;
* `Resources`: a deployed resource by its ARN (its ASFF type when known); a finding in a
  template or in code is an `Other` resource named by its repository path and line.

Messages are masked before they reach any report, so secrets never leave in a record. A
record is kept under Security Hub's 240 KB limit by construction (every text is bounded).
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any

from slsguard.findings import Finding, Report, Severity
from slsguard.formats.json_format import sorted_findings

SCHEMA_VERSION = "2018-10-08"
BEST_PRACTICES = "Software and Configuration Checks/AWS Security Best Practices"
CVE = "Software and Configuration Checks/Vulnerabilities/CVE"
PASSWORDS = "Sensitive Data Identifications/Passwords"
SECRET_RULES = frozenset({"SLS301", "SLS302", "SLS303", "SLS305", "SLS801", "SLS802"})
"""Rules whose findings are secrets written where they do not belong."""
_LABELS = {
    Severity.CRITICAL: "CRITICAL",
    Severity.HIGH: "HIGH",
    Severity.MEDIUM: "MEDIUM",
    Severity.LOW: "LOW",
    Severity.INFO: "INFORMATIONAL",
}
_REQUIREMENT_FRAMEWORKS = {"pci-dss-4.0": "PCI DSS 4.0", "hipaa": "HIPAA", "fsbp": "AWS FSBP"}
_ARN_TYPES = {
    "lambda": "AwsLambdaFunction",
    "iam": "AwsIamRole",
    "apigateway": "AwsApiGatewayRestApi",
    "sqs": "AwsSqsQueue",
    "sns": "AwsSnsTopic",
    "s3": "AwsS3Bucket",
    "dynamodb": "AwsDynamoDbTable",
}


def render(
    report: Report,
    color: bool = False,
    *,
    aws_account_id: str = "",
    region: str = "",
    scope: str = "",
) -> str:
    """The report's findings as a JSON array of ASFF records (`color` is ignored). The
    account and region are required by Security Hub; the CLI refuses to run without them
    (a finding about a deployed resource carries its own)."""
    return (
        json.dumps(records(report, aws_account_id, region, scope), indent=2, ensure_ascii=False)
        + "\n"
    )


def records(report: Report, account: str, region: str, scope: str = "") -> list[dict[str, Any]]:
    """The ASFF records of the report's findings (`scope`: empty for an audit, whose scope
    is each finding's account and region)."""
    # A scan always records when it started; a report built by hand gets the Unix epoch, so
    # rendering stays a pure function of the report.
    started = report.started_at or datetime.fromtimestamp(0, timezone.utc)
    stamp = started.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
    return [
        record(finding, *_place(finding, account, region, scope), stamp)
        for finding in sorted_findings(report)
    ]


def _place(finding: Finding, account: str, region: str, scope: str) -> tuple[str, str, str]:
    """The account, region and scope of one finding: a deployed resource's own (an IAM role
    has no region: the audit's), else the given ones."""
    where = finding.location
    if where.kind != "cloud":
        return account, region, scope or "repository"
    own_account, own_region = where.account or account, where.region or region
    return own_account, own_region, scope or f"{own_account}/{own_region}"


def record(finding: Finding, account: str, region: str, scope: str, stamp: str) -> dict[str, Any]:
    """One ASFF finding."""
    rule = finding.rule
    where = finding.location.display
    title = f"{rule.id} {rule.name}: {finding.message}"
    asff: dict[str, Any] = {
        "SchemaVersion": SCHEMA_VERSION,
        "Id": f"slsguard/{scope}/{finding.fingerprint}",
        "ProductArn": f"arn:aws:securityhub:{region}:{account}:product/{account}/default",
        "GeneratorId": rule.id,
        "AwsAccountId": account,
        "Types": [_type_of(rule.id)],
        "FindingProviderFields": {
            "Severity": {"Label": _LABELS[finding.severity]},
            "Types": [_type_of(rule.id)],
        },
        "RecordState": "ACTIVE",
        "CreatedAt": stamp,
        "UpdatedAt": stamp,
        "Severity": {"Label": _LABELS[finding.severity]},
        "Title": _bounded(title, 256),
        "Description": _bounded(f"{finding.message} (at {where})", 1024),
        "Resources": [_resource(finding, region)],
        "ProductFields": {
            "slsguard/scope": _bounded(scope, 2048),
            "slsguard/rule": rule.name,
            "slsguard/app": _bounded(finding.app or "-", 2048),
        },
    }
    if finding.fix:
        asff["Remediation"] = {"Recommendation": {"Text": _bounded(finding.fix, 512)}}
    requirements = _requirements(finding)
    if requirements:
        asff["Compliance"] = {"Status": "FAILED", "RelatedRequirements": requirements}
    return asff


def _type_of(rule_id: str) -> str:
    if rule_id == "SLS701":
        return CVE
    if rule_id in SECRET_RULES:
        return PASSWORDS
    return BEST_PRACTICES


def _resource(finding: Finding, region: str) -> dict[str, Any]:
    location = finding.location
    if location.kind == "cloud" and location.arn:
        service = location.arn.split(":")[2] if location.arn.count(":") >= 2 else ""
        return {
            "Type": _ARN_TYPES.get(service, "Other"),
            "Id": location.arn,
            "Region": location.region or region,
            "Partition": "aws",
        }
    path = location.file or "?"
    name = f"{path}:{location.line}" if location.line else path
    return {"Type": "Other", "Id": _bounded(name, 512), "Region": region, "Partition": "aws"}


def _requirements(finding: Finding) -> list[str]:
    found = [
        f"{_REQUIREMENT_FRAMEWORKS[key]} {control}"
        for key, control in finding.rule.mappings
        if key in _REQUIREMENT_FRAMEWORKS
    ]
    return [_bounded(item, 256) for item in dict.fromkeys(found)][:32]


def _bounded(text: str, limit: int) -> str:
    """`text` cut to `limit` characters, saying so with an ellipsis."""
    return text if len(text) <= limit else text[: limit - 1] + "…"
