"""The JSON format: one document with the tool, reference data, a summary, apps and findings.

The document's shape is part of slsguard's interface (scripts and dashboards read it), so keys
come in a fixed order and findings in a stable one: by file, line, column, then rule.
The small helpers here are shared by the other formats.
"""

from __future__ import annotations

import io
import json
from typing import Any

from slsguard.findings import (
    AppSummary,
    Finding,
    FunctionSummary,
    Location,
    PackageSummary,
    Report,
    Severity,
    format_path,
)

TOOL_NAME = "slsguard"

JsonObject = dict[str, Any]


def finding_order(finding: Finding) -> tuple[str, int, int, str, str, str]:
    """Sort key: file (or ARN), line, column, rule ID; message and fingerprint break ties."""
    loc = finding.location
    return (
        loc.file or loc.arn or "",
        loc.line,
        loc.column,
        finding.rule.id,
        finding.message,
        finding.fingerprint,
    )


def sorted_findings(report: Report) -> list[Finding]:
    """The report's findings in the stable order every machine-readable format uses."""
    return sorted(report.findings, key=finding_order)


def severity_counts(report: Report) -> dict[Severity, int]:
    """How many findings of each severity, worst first (zeros included)."""
    counts = dict.fromkeys(Severity, 0)
    for finding in report.findings:
        counts[finding.severity] += 1
    return counts


def function_count(report: Report) -> int:
    """The number of functions across all scanned apps."""
    return sum(len(app.functions) for app in report.apps)


def reference_data(report: Report) -> list[JsonObject]:
    """The reference datasets the scan relied on, as JSON objects."""
    return [
        {"name": ref.name, "version": ref.version, "date": ref.date, "source": ref.source}
        for ref in report.reference_data
    ]


def mappings(finding: Finding) -> dict[str, list[str]]:
    """{framework: [controls]} in the order the rule declares them."""
    out: dict[str, list[str]] = {}
    for framework, control in finding.rule.mappings:
        controls = out.setdefault(framework, [])
        if control not in controls:
            controls.append(control)
    return out


def _location(loc: Location) -> JsonObject:
    # The snippet is deliberately left out: it is raw source text and may hold a secret.
    return {
        "kind": loc.kind,
        "file": loc.file,
        "line": loc.line,
        "column": loc.column,
        "end_line": loc.end_line,
        "end_column": loc.end_column,
        "key_path": format_path(loc.key_path) or None,
        "address": loc.address or None,
        "symbol": loc.symbol,
        "arn": loc.arn,
        "region": loc.region,
        "account": loc.account,
    }


def _finding(finding: Finding) -> JsonObject:
    return {
        "rule_id": finding.rule.id,
        "rule": finding.rule.name,
        "severity": finding.severity.value,
        "confidence": finding.confidence.value,
        "confidence_reason": finding.confidence_reason or None,
        "message": finding.message,
        "fix": finding.fix,
        "app": finding.app or None,
        "function": finding.function,
        # Every function the finding is about: several for a shared role or policy.
        "functions": list(finding.functions),
        "location": _location(finding.location),
        "fingerprint": finding.fingerprint,
        "practice": finding.rule.practice,
        "mappings": mappings(finding),
    }


def _summary(report: Report) -> JsonObject:
    summary: JsonObject = {"total": len(report.findings)}
    summary.update({sev.value: n for sev, n in severity_counts(report).items()})
    summary.update(
        {
            "files_scanned": report.files_scanned,
            "apps": len(report.apps),
            "functions": function_count(report),
            "duration_seconds": round(report.duration_seconds, 3),
        }
    )
    return summary


def document(report: Report) -> JsonObject:
    """The report as a JSON-ready object."""
    return {
        "tool": {"name": TOOL_NAME, "version": report.tool_version},
        "reference_data": reference_data(report),
        "summary": _summary(report),
        "apps": [_app(app) for app in report.apps],
        "findings": [_finding(f) for f in sorted_findings(report)],
        "suppressed": [_suppressed(f) for f in sorted(report.suppressed, key=finding_order)],
    }


def _suppressed(finding: Finding) -> JsonObject:
    """A finding an inline ignore accepted, with the ignore's reason and place."""
    out = _finding(finding)
    if finding.suppression is not None:
        out["suppression"] = {
            "kind": finding.suppression.kind,
            "reason": finding.suppression.reason,
            "file": finding.suppression.file,
            "line": finding.suppression.line,
        }
    return out


def _app(app: AppSummary) -> JsonObject:
    result: JsonObject = {
        "name": app.name,
        "kind": app.kind,
        "file": app.file,
        "functions": list(app.functions),
    }
    if app.details:
        result["function_details"] = [function_summary(detail) for detail in app.details]
    return result


def function_summary(summary: FunctionSummary) -> JsonObject:
    """One function's inventory entry as JSON."""
    return {
        "name": summary.name,
        "runtime": summary.runtime,
        "triggers": list(summary.triggers),
        "role": summary.role,
        "role_shared_with": list(summary.role_shared_with),
        "role_shared_count": summary.role_shared_count,
        "admin": summary.admin,
        "secrets": list(summary.secrets),
        "monitoring": list(summary.monitoring),
        "packages": [_package(package) for package in summary.packages],
    }


def _package(package: PackageSummary) -> JsonObject:
    """A package a function ships, with where it is declared and its known vulnerabilities."""
    return {
        "ecosystem": package.ecosystem,
        "name": package.name,
        "version": package.version,
        "purl": package.purl,
        "file": package.file,
        "line": package.line,
        "direct": package.direct,
        "vulnerabilities": list(package.vulnerabilities),
    }


def render(report: Report, *, color: bool = False) -> str:
    """The report as indented JSON ending with a newline; `color` is ignored."""
    del color
    return indented_json(document(report))


def indented_json(value: object) -> str:
    """`value` as JSON indented by two, ending with a newline.

    Written chunk by chunk into one buffer: `json.dumps(...) + "\n"` holds the encoder's
    chunks, their join and the copy with the newline at once (about 24 MiB more at the peak
    of a corpus-sized report)."""
    buffer = io.StringIO()
    json.dump(value, buffer, indent=2, ensure_ascii=False)
    buffer.write("\n")
    return buffer.getvalue()
