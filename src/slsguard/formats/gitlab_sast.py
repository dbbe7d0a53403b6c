"""GitLab's own SAST report (security report schema 15.x), for `artifacts:reports:sast`.

GitLab shows these in the merge request security widget, the pipeline's Security tab and
the vulnerability report. Each finding becomes one vulnerability: its ID is the finding's
fingerprint written as a UUID (so GitLab tracks it across pipelines as baselines do), its
primary identifier is the rule (linked to its page under docs/rules/), followed by
the rule's CWE and OWASP identifiers. Texts are kept within the schema's limits (name 255,
solution 7000 characters).
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

from slsguard.findings import Finding, Report, Severity
from slsguard.formats.json_format import TOOL_NAME, JsonObject, mappings, sorted_findings
from slsguard.formats.labels import FRAMEWORKS, practice_label
from slsguard.formats.sarif import INFORMATION_URI

SCHEMA_VERSION = "15.2.1"
SCHEMA_URI = (
    "https://gitlab.com/gitlab-org/security-products/security-report-schemas/-/raw/"
    f"v{SCHEMA_VERSION}/dist/sast-report-format.json"
)
RULE_DOCS = f"{INFORMATION_URI}/blob/main/docs/rules"
"""Where each rule's page lives (docs/rules/SLS101-wildcard-iam-action.md)."""
EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
NAME_LIMIT = 255
SOLUTION_LIMIT = 7000
IDENTIFIER_LIMIT = 20

SEVERITIES = {
    Severity.CRITICAL: "Critical",
    Severity.HIGH: "High",
    Severity.MEDIUM: "Medium",
    Severity.LOW: "Low",
    Severity.INFO: "Info",
}

_TOOL: JsonObject = {
    "id": TOOL_NAME,
    "name": TOOL_NAME,
    "url": INFORMATION_URI,
    "vendor": {"name": "slsguard developers"},
}


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _time(moment: datetime) -> str:
    """`yyyy-mm-ddThh:mm:ss` in UTC, the only form the schema accepts."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(timezone.utc).replace(tzinfo=None)
    return moment.isoformat(timespec="seconds")


def _scan(report: Report) -> JsonObject:
    tool = {**_TOOL, "version": report.tool_version or "0"}
    start = report.started_at or EPOCH
    return {
        "analyzer": tool,
        "scanner": tool,
        "type": "sast",
        "start_time": _time(start),
        "end_time": _time(start + timedelta(seconds=report.duration_seconds)),
        "status": "success",
    }


def _uuid(fingerprint: str) -> str:
    """A 32-hex-digit fingerprint written as a UUID."""
    f = fingerprint.ljust(32, "0")[:32]
    return f"{f[:8]}-{f[8:12]}-{f[12:16]}-{f[16:20]}-{f[20:]}"


def _identifiers(finding: Finding) -> list[JsonObject]:
    rule = finding.rule
    out: list[JsonObject] = [
        {
            "type": "slsguard_rule_id",
            "name": f"{rule.id} {rule.name}",
            "value": rule.id,
            "url": f"{RULE_DOCS}/{rule.id}-{rule.name}.md",
        }
    ]
    for cwe in rule.controls("cwe"):
        number = cwe.removeprefix("CWE-")
        url = f"https://cwe.mitre.org/data/definitions/{number}.html"
        out.append({"type": "cwe", "name": cwe, "value": number, "url": url})
    for item in rule.controls("owasp-serverless"):
        url = "https://owasp.org/www-project-serverless-top-10/"
        name = f"OWASP Serverless Top 10 {item}"
        out.append({"type": "owasp_serverless", "name": name, "value": item, "url": url})
    return out[:IDENTIFIER_LIMIT]


def _description(finding: Finding) -> str:
    rule = finding.rule
    parts = [finding.message, "", f"Rule {rule.id} {rule.name}: {rule.summary}"]
    functions = finding.functions or ((finding.function,) if finding.function else ())
    if functions:
        parts.append(f"Functions: {', '.join(functions)} (app {finding.app or '-'})")
    parts.append(f"Practice: {practice_label(rule.practice)}")
    for framework, controls in mappings(finding).items():
        if framework != "practice":
            parts.append(f"{FRAMEWORKS.get(framework, framework)}: {', '.join(controls)}")
    return "\n".join(parts)


def _location(finding: Finding) -> JsonObject:
    loc = finding.location
    out: JsonObject = {"file": (loc.file or loc.arn or "").replace("\\", "/")}
    if loc.line > 0:
        out["start_line"] = loc.line
        out["end_line"] = max(loc.end_line, loc.line)
    if finding.function:
        out["method"] = finding.function
    return out


def _vulnerability(finding: Finding) -> JsonObject:
    return {
        "id": _uuid(finding.fingerprint),
        "category": "sast",
        "name": _clip(f"{finding.rule.name}: {finding.rule.summary}", NAME_LIMIT),
        "message": _clip(finding.message, NAME_LIMIT),
        "description": _description(finding),
        "severity": SEVERITIES[finding.severity],
        "identifiers": _identifiers(finding),
        "location": _location(finding),
        "solution": _clip(finding.fix or finding.rule.summary, SOLUTION_LIMIT),
    }


def document(report: Report) -> JsonObject:
    """The report as a GitLab SAST report object."""
    return {
        "version": SCHEMA_VERSION,
        "schema": SCHEMA_URI,
        "scan": _scan(report),
        "vulnerabilities": [_vulnerability(f) for f in sorted_findings(report)],
    }


def render(report: Report, *, color: bool = False) -> str:
    """The report as indented GitLab SAST JSON ending with a newline; `color` is ignored."""
    del color
    return json.dumps(document(report), indent=2, ensure_ascii=False) + "\n"
