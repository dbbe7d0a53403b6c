"""The SARIF 2.1.0 format, as GitHub code scanning and other SARIF viewers read it.

Levels follow RULES.md: error for critical and high, warning for medium, note for low and
info; every rule and result carries `security-severity`, which GitHub uses to rank alerts.
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath, PureWindowsPath
from urllib.parse import quote

from slsguard.findings import (
    Confidence,
    Finding,
    FixChange,
    Location,
    Report,
    RuleInfo,
    Severity,
)
from slsguard.formats.json_format import (
    TOOL_NAME,
    JsonObject,
    finding_order,
    indented_json,
    reference_data,
    sorted_findings,
)

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
SARIF_VERSION = "2.1.0"
INFORMATION_URI = "https://github.com/slsguard/slsguard"
SRCROOT = "%SRCROOT%"
FINGERPRINT_KEY = "slsguard/v1"

LEVELS = {
    Severity.CRITICAL: "error",
    Severity.HIGH: "error",
    Severity.MEDIUM: "warning",
    Severity.LOW: "note",
    Severity.INFO: "note",
}

SECURITY_SEVERITY = {
    Severity.CRITICAL: "9.5",
    Severity.HIGH: "8.0",
    Severity.MEDIUM: "5.5",
    Severity.LOW: "3.0",
    Severity.INFO: "0.0",
}

CONFIDENCE_RANK = {Confidence.HIGH: 90.0, Confidence.MEDIUM: 60.0, Confidence.LOW: 30.0}
"""SARIF `rank` (0-100, how much a result deserves attention) from the finding's confidence;
the rule's own confidence is its `precision` property, as GitHub code scanning reads it."""

_WINDOWS_ABSOLUTE = re.compile(r"^[A-Za-z]:[\\/]")
_HEADING = re.compile(r"^\s*#*\s*(?P<title>[^#].*?)\s*:?\s*$")


def _what_it_does(doc: str) -> str:
    """The text under the doc's `What it does` heading, or "" when there is none."""
    lines = doc.strip().splitlines()
    for i, line in enumerate(lines):
        match = _HEADING.match(line)
        if match and match.group("title").lower() == "what it does":
            body: list[str] = []
            for nxt in lines[i + 1 :]:
                if nxt.lstrip().startswith("#"):
                    break
                body.append(nxt)
            return "\n".join(body).strip()
    return ""


def _rule(rule: RuleInfo) -> JsonObject:
    doc = rule.doc.strip() or rule.summary
    tags = ["security"]
    for tag in (rule.practice, *rule.controls("cwe")):
        if tag and tag not in tags:
            tags.append(tag)
    configuration: JsonObject = {"level": LEVELS[rule.severity]}
    if not rule.default_enabled:
        configuration["enabled"] = False
    return {
        "id": rule.id,
        "name": rule.name,
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": _what_it_does(rule.doc) or rule.summary},
        "help": {"text": doc, "markdown": doc},
        "defaultConfiguration": configuration,
        "properties": {
            "security-severity": SECURITY_SEVERITY[rule.severity],
            "tags": tags,
            "precision": rule.confidence.value,
        },
    }


def _rules(report: Report) -> list[RuleInfo]:
    """Every rule of the report, plus any a finding uses that the list lacks, by ID."""
    by_id: dict[str, RuleInfo] = {}
    for rule in (*report.rules, *(f.rule for f in report.findings)):
        by_id.setdefault(rule.id, rule)
    return [by_id[key] for key in sorted(by_id, key=_natural)]


def _natural(rule_id: str) -> tuple[str | int, ...]:
    """`SLS9` before `SLS10`: digits compare as numbers."""
    return tuple(int(part) if part.isdigit() else part for part in re.split(r"(\d+)", rule_id))


def artifact_location(file: str, prefix: str = "") -> JsonObject:
    """A relative path under %SRCROOT% with forward slashes; absolute paths as file URIs.

    `prefix` is the project root relative to the git top level (%SRCROOT%, which code
    scanning maps to the repository): file names are relative to the project root."""
    posix = file.replace("\\", "/")
    if _WINDOWS_ABSOLUTE.match(file):
        return {"uri": PureWindowsPath(file).as_uri()}
    if posix.startswith("/"):
        return {"uri": PurePosixPath(posix).as_uri()}
    posix = f"{prefix}/{posix}" if prefix else posix
    # `!` is legal in a URI path (RFC 3986 sub-delims) and names an entry of a committed zip
    # (`dist/app.zip!/handler.py`): kept as written, like the text and JSON reports show it.
    return {"uri": quote(posix, safe="/!"), "uriBaseId": SRCROOT}


def _region(loc: Location) -> JsonObject | None:
    if loc.line <= 0:
        return None
    region: JsonObject = {"startLine": loc.line}
    if loc.column > 0:
        region["startColumn"] = loc.column
    if loc.end_line > 0:
        region["endLine"] = loc.end_line
    if loc.end_column > 0:
        region["endColumn"] = loc.end_column
    return region


def _location(finding: Finding, prefix: str) -> JsonObject:
    loc = finding.location
    out: JsonObject = {}
    if loc.file:
        physical: JsonObject = {"artifactLocation": artifact_location(loc.file, prefix)}
        region = _region(loc)
        if region:
            physical["region"] = region
        out["physicalLocation"] = physical
    logical: list[JsonObject] = []
    if finding.function:
        qualified = f"{finding.app}.{finding.function}" if finding.app else finding.function
        logical.append(
            {"name": finding.function, "kind": "function", "fullyQualifiedName": qualified}
        )
    if loc.kind == "cloud" and loc.arn:
        logical.append({"fullyQualifiedName": loc.arn, "kind": "resource"})
        if loc.account:  # An organization audit reports many accounts.
            logical.append(
                {"name": loc.account, "fullyQualifiedName": loc.account, "kind": "namespace"}
            )
    elif loc.address:
        logical.append({"fullyQualifiedName": loc.address, "kind": "member"})
    if logical:
        out["logicalLocations"] = logical
    return out


def _result(finding: Finding, index: dict[str, int], prefix: str) -> JsonObject:
    text = finding.message
    if finding.fix:
        text += "\n\nFix: " + finding.fix
    result: JsonObject = {
        "ruleId": finding.rule.id,
        "ruleIndex": index[finding.rule.id],
        "level": LEVELS[finding.severity],
        "message": {"text": text},
        "locations": [_location(finding, prefix)],
        "partialFingerprints": {FINGERPRINT_KEY: finding.fingerprint},
        "rank": CONFIDENCE_RANK[finding.confidence],
        "properties": {
            "security-severity": SECURITY_SEVERITY[finding.severity],
            "app": finding.app or None,
            "function": finding.function,
            "confidence": finding.confidence.value,
        },
    }
    if finding.confidence_reason:
        result["properties"]["confidenceReason"] = finding.confidence_reason
    if finding.flow:
        result["codeFlows"] = [_code_flow(finding, prefix)]
    if finding.changes:
        result["fixes"] = [_fix(change, prefix) for change in finding.changes]
    if finding.suppression is not None:
        # Viewers (GitHub code scanning among them) show a suppressed result as dismissed.
        result["suppressions"] = [
            {"kind": finding.suppression.kind, "justification": finding.suppression.reason}
        ]
    return result


def _fix(change: FixChange, prefix: str) -> JsonObject:
    """One exact fix: its description and the replacements per file (`slsguard fix` edits)."""
    by_file: dict[str, list[JsonObject]] = {}
    for item in change.replacements:
        region: JsonObject = {
            "startLine": item.start_line,
            "startColumn": item.start_column,
            "endLine": item.end_line,
            "endColumn": item.end_column,
        }
        replacement: JsonObject = {"deletedRegion": region}
        if item.inserted:
            replacement["insertedContent"] = {"text": item.inserted}
        by_file.setdefault(item.file, []).append(replacement)
    applicability = "safe" if change.safe else f"unsafe: {change.unsafe_reason}"
    return {
        "description": {"text": f"{change.title} ({applicability})"},
        "artifactChanges": [
            {"artifactLocation": artifact_location(file, prefix), "replacements": replacements}
            for file, replacements in by_file.items()
        ],
    }


def _code_flow(finding: Finding, prefix: str) -> JsonObject:
    """The taint path of a code finding: one thread flow from the source to the sink."""
    steps: list[JsonObject] = []
    for step in finding.flow:
        region: JsonObject = {"startLine": step.line, "startColumn": max(step.column, 1)}
        where = artifact_location(step.file, prefix)
        physical: JsonObject = {"artifactLocation": where, "region": region}
        location: JsonObject = {"physicalLocation": physical, "message": {"text": step.text}}
        steps.append({"location": location})
    return {"threadFlows": [{"locations": steps}]}


def _with_suppressed(report: Report) -> list[Finding]:
    """Reported and suppressed findings in one stable order: SARIF keeps both."""
    return sorted((*sorted_findings(report), *report.suppressed), key=finding_order)


def document(report: Report) -> JsonObject:
    """The report as a SARIF log object with one run."""
    rules = _rules(report)
    index = {rule.id: i for i, rule in enumerate(rules)}
    driver: JsonObject = {"name": TOOL_NAME}
    if report.tool_version:
        driver["version"] = report.tool_version
    driver["informationUri"] = INFORMATION_URI
    driver["rules"] = [_rule(rule) for rule in rules]
    driver["properties"] = {"referenceData": reference_data(report)}
    return {
        "$schema": SCHEMA_URI,
        "version": SARIF_VERSION,
        "runs": [
            {
                "tool": {"driver": driver},
                "invocations": [{"executionSuccessful": True}],
                "results": [
                    _result(f, index, report.source_prefix) for f in _with_suppressed(report)
                ],
                "properties": {"referenceData": reference_data(report)},
            }
        ],
    }


def render(report: Report, *, color: bool = False) -> str:
    """The report as an indented SARIF 2.1.0 log ending with a newline; `color` is ignored."""
    del color
    return indented_json(document(report))
