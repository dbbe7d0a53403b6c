"""The CycloneDX 1.6 JSON format: a software bill of materials of the scanned applications.

Each application is a component, its functions are components nested in it, and every
third-party package a function ships is a `library` component with its purl and the file
and line that declare it (`evidence.occurrences`). `dependencies` says which function
ships which package; vulnerabilities found by vulnerable-dependency (SLS701) are listed
with the packages they affect. Valid against the CycloneDX 1.6 JSON schema.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from typing import Any

from slsguard.findings import AppSummary, Finding, FunctionSummary, PackageSummary, Report
from slsguard.formats.json_format import TOOL_NAME, sorted_findings

JsonObject = dict[str, Any]
SPEC_VERSION = "1.6"
VULNERABLE_DEPENDENCY = "SLS701"


def render(report: Report, *, color: bool = False) -> str:
    """The report as a CycloneDX 1.6 JSON BOM (ending with a newline); `color` is ignored."""
    del color
    return json.dumps(document(report), indent=2, ensure_ascii=False) + "\n"


def document(report: Report) -> JsonObject:
    """The BOM as a JSON-ready object."""
    packages = _packages(report)
    bom: JsonObject = {
        "bomFormat": "CycloneDX",
        "specVersion": SPEC_VERSION,
        "serialNumber": _serial_number(report, packages),
        "version": 1,
        "metadata": _metadata(report),
        "components": [
            *(_application(app) for app in report.apps),
            *(_library(ref, found) for ref, found in packages.items()),
        ],
        "dependencies": _dependencies(report),
    }
    vulnerabilities = _vulnerabilities(report, packages)
    if vulnerabilities:
        bom["vulnerabilities"] = vulnerabilities
    return bom


def _serial_number(report: Report, packages: dict[str, list[PackageSummary]]) -> str:
    """A serial number unique to this scan (its start time and contents), stable for tests."""
    started = report.started_at.isoformat() if report.started_at else ""
    apps = ",".join(f"{app.file}#{app.name}" for app in report.apps)
    digest = hashlib.sha256(f"{started}|{apps}|{','.join(packages)}".encode()).hexdigest()
    return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, f'slsguard:{digest}')}"


def _metadata(report: Report) -> JsonObject:
    metadata: JsonObject = {
        "tools": {
            "components": [
                {"type": "application", "name": TOOL_NAME, "version": report.tool_version or "0"}
            ]
        },
        "component": {
            "type": "application",
            "bom-ref": "scan",
            "name": report.apps[0].name if len(report.apps) == 1 else "serverless applications",
        },
    }
    if report.started_at is not None:
        metadata["timestamp"] = report.started_at.strftime("%Y-%m-%dT%H:%M:%SZ")
    return metadata


def app_ref(app: AppSummary) -> str:
    """The bom-ref of an application."""
    return f"app:{app.file}#{app.name}"


def function_ref(app: AppSummary, function: FunctionSummary) -> str:
    """The bom-ref of a function."""
    return f"function:{app.file}#{app.name}/{function.name}"


def package_ref(package: PackageSummary) -> str:
    """The bom-ref of a package: its purl (versionless purls for unpinned packages)."""
    return package.purl


def _packages(report: Report) -> dict[str, list[PackageSummary]]:
    """Every package entry by bom-ref, in first-seen order."""
    found: dict[str, list[PackageSummary]] = {}
    for app in report.apps:
        for function in app.details:
            for package in function.packages:
                entries = found.setdefault(package_ref(package), [])
                if package not in entries:
                    entries.append(package)
    return found


def _application(app: AppSummary) -> JsonObject:
    return {
        "type": "application",
        "bom-ref": app_ref(app),
        "name": app.name,
        "description": f"{app.kind} application defined in {app.file}",
        "properties": [{"name": "slsguard:file", "value": app.file}],
        "components": [_function(app, function) for function in app.details],
    }


def _function(app: AppSummary, function: FunctionSummary) -> JsonObject:
    properties = [{"name": "slsguard:kind", "value": "aws-lambda-function"}]
    if function.runtime:
        properties.append({"name": "aws:lambda:runtime", "value": function.runtime})
    return {
        "type": "application",
        "bom-ref": function_ref(app, function),
        "name": function.name,
        "properties": properties,
    }


def _library(ref: str, entries: list[PackageSummary]) -> JsonObject:
    first = entries[0]
    group, name = _split_scope(first)
    component: JsonObject = {"type": "library", "bom-ref": ref, "name": name, "purl": first.purl}
    if group:
        component["group"] = group
    if first.version:
        component["version"] = first.version
    occurrences = [
        {"location": entry.file, "line": entry.line} for entry in _unique_places(entries)
    ]
    component["evidence"] = {"occurrences": occurrences}
    component["properties"] = [{"name": "slsguard:ecosystem", "value": first.ecosystem}]
    return component


def _split_scope(package: PackageSummary) -> tuple[str, str]:
    if package.ecosystem == "npm" and package.name.startswith("@") and "/" in package.name:
        scope, name = package.name.split("/", 1)
        return scope, name
    return "", package.name


def _unique_places(entries: list[PackageSummary]) -> list[PackageSummary]:
    seen: dict[tuple[str, int], PackageSummary] = {}
    for entry in entries:
        seen.setdefault((entry.file, entry.line), entry)
    return list(seen.values())


def _dependencies(report: Report) -> list[JsonObject]:
    out: list[JsonObject] = [
        {"ref": "scan", "dependsOn": [app_ref(app) for app in report.apps]},
    ]
    for app in report.apps:
        functions = [function_ref(app, function) for function in app.details]
        out.append({"ref": app_ref(app), "dependsOn": functions})
        for function in app.details:
            refs = list(dict.fromkeys(package_ref(p) for p in function.packages))
            out.append({"ref": function_ref(app, function), "dependsOn": refs})
    return out


def _vulnerabilities(report: Report, packages: dict[str, list[PackageSummary]]) -> list[JsonObject]:
    """One entry per advisory id, affecting every package entry that has it."""
    out: dict[str, JsonObject] = {}
    for finding in sorted_findings(report):
        if finding.rule.id != VULNERABLE_DEPENDENCY:
            continue
        identifier = finding.subject.rsplit(":", 1)[-1]
        affected = [
            ref
            for ref, entries in packages.items()
            if any(identifier in entry.vulnerabilities for entry in entries)
        ]
        entry = out.setdefault(identifier, _vulnerability(identifier, finding))
        known = {item["ref"] for item in entry["affects"]}
        entry["affects"].extend({"ref": ref} for ref in affected if ref not in known)
    return list(out.values())


def _vulnerability(identifier: str, finding: Finding) -> JsonObject:
    return {
        "bom-ref": f"vulnerability:{identifier}",
        "id": identifier,
        "source": {"name": "OSV", "url": f"https://osv.dev/vulnerability/{identifier}"},
        "ratings": [{"source": {"name": "OSV"}, "severity": finding.severity.value}],
        "description": finding.message,
        "recommendation": finding.fix,
        "affects": [],
    }
