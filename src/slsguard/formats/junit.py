"""The JUnit XML format, so CI test tabs (GitLab, Jenkins, Azure, CircleCI) list findings.

One test suite per app; in it one test case per rule and function (`classname` is
`app.function`, the name is `SLS101 wildcard-iam-action`). A rule with findings for that
function fails, and the failure's text holds each finding's message, location and fix;
the other default rules pass, so the tab also shows what was checked. Findings about an
app as a whole go to its `(app-wide)` cases, files outside any app get a suite each.
The document validates against the Apache Ant JUnit schema (shared/schemas/junit.xsd).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timezone
from xml.sax.saxutils import escape, quoteattr

from slsguard.findings import Finding, Report, RuleInfo, Severity
from slsguard.formats.json_format import TOOL_NAME, sorted_findings
from slsguard.formats.labels import natural, xml_safe

APP_WIDE = "(app-wide)"
NO_TIME = "1970-01-01T00:00:00"
FAILURE_TYPE = {sev: f"{sev.value} finding" for sev in Severity}


@dataclass(frozen=True, slots=True)
class Case:
    """One test case: a rule checked on one function (or on the app as a whole)."""

    classname: str
    rule: RuleInfo
    findings: tuple[Finding, ...]


@dataclass(frozen=True, slots=True)
class Suite:
    """One test suite: an app (or a file outside any app) and its cases."""

    name: str
    cases: tuple[Case, ...]


def _attr(text: str) -> str:
    return quoteattr(xml_safe(text))


def _text(text: str) -> str:
    return escape(xml_safe(text))


def _rules(report: Report) -> list[RuleInfo]:
    """Default rules plus any rule with a finding, by ID; meta rules only when they fired."""
    by_id = {r.id: r for r in report.rules if r.default_enabled and r.practice != "meta"}
    for finding in report.findings:
        by_id.setdefault(finding.rule.id, finding.rule)
    return [by_id[key] for key in sorted(by_id, key=natural)]


def _targets(finding: Finding) -> tuple[str, ...]:
    """The functions a finding concerns, or `(app-wide)`."""
    names = finding.functions or ((finding.function,) if finding.function else ())
    return names or (APP_WIDE,)


def _app_suite(
    app: str, functions: Iterable[str], findings: list[Finding], rules: list[RuleInfo]
) -> Suite:
    hits: dict[tuple[str, str], list[Finding]] = {}
    for finding in findings:
        for target in _targets(finding):
            hits.setdefault((target, finding.rule.id), []).append(finding)
    targets = dict.fromkeys((*functions, *(target for target, _ in hits)))
    cases = []
    for target in targets:
        for rule in rules:
            found = tuple(hits.get((target, rule.id), ()))
            if found or target != APP_WIDE:
                cases.append(Case(f"{app}.{target}", rule, found))
    return Suite(app, tuple(cases))


def _file_suites(report: Report) -> list[Suite]:
    """A suite per file (or ARN) for findings outside any app: only failing cases."""
    groups: dict[str, list[Finding]] = {}
    for finding in sorted_findings(report):
        if not finding.app:
            where = finding.location.file or finding.location.arn or "(unknown)"
            groups.setdefault(where, []).append(finding)
    suites = []
    for where, findings in groups.items():
        rules = {f.rule.id: f.rule for f in findings}
        cases = tuple(
            Case(where, rules[key], tuple(f for f in findings if f.rule.id == key))
            for key in sorted(rules, key=natural)
        )
        suites.append(Suite(where, cases))
    return suites


def suites(report: Report) -> list[Suite]:
    """Every suite: apps in scan order (plus apps only findings name), then loose files."""
    names = {app.name: app.functions for app in report.apps}
    by_app: dict[str, list[Finding]] = {}
    for finding in sorted_findings(report):
        if finding.app:
            names.setdefault(finding.app, ())
            by_app.setdefault(finding.app, []).append(finding)
    rules = _rules(report)
    out = [_app_suite(name, fns, by_app.get(name, []), rules) for name, fns in names.items()]
    return out + _file_suites(report)


def _failure_text(finding: Finding) -> str:
    lines = [f"{finding.severity.value.upper()} {finding.rule.id} {finding.rule.name}"]
    lines.append(f"at {finding.location.display}")
    lines.append(finding.message)
    if finding.fix:
        lines.append("fix: " + finding.fix)
    return "\n".join(lines)


def _case(case: Case) -> list[str]:
    name = f"{case.rule.id} {case.rule.name}"
    head = f'    <testcase name={_attr(name)} classname={_attr(case.classname)} time="0"'
    if not case.findings:
        return [head + "/>"]
    worst = max(case.findings, key=lambda f: f.severity.rank)
    message = worst.message if len(case.findings) == 1 else f"{len(case.findings)} findings"
    body = "\n\n".join(_failure_text(f) for f in case.findings)
    failure = (
        f"      <failure message={_attr(message)} type={_attr(FAILURE_TYPE[worst.severity])}>"
        f"{_text(body)}</failure>"
    )
    return [head + ">", failure, "    </testcase>"]


def _timestamp(report: Report) -> str:
    """The scan's start, UTC, without a zone (the schema's pattern allows none)."""
    started = report.started_at
    if started is None:
        return NO_TIME
    if started.tzinfo is not None:
        started = started.astimezone(timezone.utc).replace(tzinfo=None)
    return started.isoformat(timespec="seconds")


def _properties(report: Report) -> list[str]:
    values = (
        ("tool", TOOL_NAME),
        ("version", report.tool_version),
        ("duration_seconds", f"{report.duration_seconds:.3f}"),
    )
    lines = ["    <properties>"]
    lines += [f"      <property name={_attr(k)} value={_attr(v)}/>" for k, v in values]
    return [*lines, "    </properties>"]


def _suite(report: Report, index: int, suite: Suite) -> list[str]:
    failures = sum(1 for case in suite.cases if case.findings)
    attrs = (
        f'name={_attr(suite.name)} package={_attr(TOOL_NAME)} id="{index}" '
        f'timestamp="{_timestamp(report)}" hostname="localhost" '
        f'tests="{len(suite.cases)}" failures="{failures}" errors="0" skipped="0" time="0"'
    )
    lines = [f"  <testsuite {attrs}>", *_properties(report)]
    for case in suite.cases:
        lines += _case(case)
    return [*lines, "    <system-out/>", "    <system-err/>", "  </testsuite>"]


def render(report: Report, *, color: bool = False) -> str:
    """The report as a JUnit XML document ending with a newline; `color` is ignored."""
    del color
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', "<testsuites>"]
    for index, suite in enumerate(suites(report)):
        lines += _suite(report, index, suite)
    lines.append("</testsuites>")
    return "\n".join(lines) + "\n"
