"""Coverage of a compliance framework: each control, and what slsguard's rules found for it.

`slsguard report --framework pci-dss-4.0 PATH` lists every control of the framework's bundled
list (see `frameworks`) with one of four statuses: findings (a rule that covers it reported
something), no findings (the rules that cover it ran and found nothing), not checked (rules
cover it but none of them ran: opt-in or deselected), not covered (no slsguard rule checks
it). It is an honest statement of what was checked, not a certificate of compliance.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from typing import Literal

from slsguard.findings import Finding, Report, RuleInfo
from slsguard.frameworks import Control, Framework

Status = Literal["findings", "no findings", "not checked", "not covered"]
STATUSES: tuple[Status, ...] = ("findings", "no findings", "not checked", "not covered")
DISCLAIMER = (
    "This lists what slsguard's rules checked in the scanned files and what they found. It is "
    "not a certificate of compliance: most controls cannot be judged from a repository, and a "
    "control with no findings is only as covered as the rules named under it."
)


@dataclass(frozen=True, slots=True)
class ControlStatus:
    """One control, the rules that cover it, which of them ran, and what they found."""

    control: Control
    status: Status
    rules: tuple[RuleInfo, ...]
    ran: tuple[str, ...]
    findings: tuple[Finding, ...]
    suppressed: int = 0


def coverage(
    framework: Framework, report: Report, rules: Iterable[RuleInfo], ran: Collection[str]
) -> list[ControlStatus]:
    """The status of every control of `framework`, in the framework's order.

    Controls that a rule maps to but the bundled list lacks come last, so nothing a rule
    claims is left out of the statement.
    """
    covering: dict[str, list[RuleInfo]] = {}
    for rule in rules:
        for control in dict.fromkeys(rule.controls(framework.key)):
            covering.setdefault(control, []).append(rule)
    listed = [control.id for control in framework.controls]
    missing = [key for key in covering if key not in listed]
    extra = [Control(key, "(not in the bundled control list)") for key in missing]
    return [
        _status(control, tuple(covering.get(control.id, ())), report, ran)
        for control in (*framework.controls, *extra)
    ]


def _status(
    control: Control, rules: tuple[RuleInfo, ...], report: Report, ran: Collection[str]
) -> ControlStatus:
    ids = {rule.id for rule in rules}
    found = tuple(f for f in report.findings if f.rule.id in ids)
    suppressed = sum(1 for f in report.suppressed if f.rule.id in ids)
    ran_here = tuple(rule.id for rule in rules if rule.id in ran)
    status: Status
    if not rules:
        status = "not covered"
    elif found:
        status = "findings"
    elif ran_here:
        status = "no findings"
    else:
        status = "not checked"
    return ControlStatus(control, status, rules, ran_here, found, suppressed)


def _rule_counts(findings: Iterable[Finding]) -> str:
    counts = Counter(f"{f.rule.id} {f.rule.name}" for f in findings)
    return ", ".join(f"{rule} ({n})" for rule, n in sorted(counts.items()))


def _detail(item: ControlStatus) -> str:
    if item.status == "findings":
        n = len(item.findings)
        text = f"{n} finding{'s' if n != 1 else ''}: {_rule_counts(item.findings)}"
    elif item.status == "no findings":
        names = ", ".join(f"{r.id} {r.name}" for r in item.rules if r.id in item.ran)
        text = f"checked by {names}"
    elif item.status == "not checked":
        names = ", ".join(f"{r.id} {r.name}" for r in item.rules)
        text = f"{names} did not run (opt-in or deselected)"
    else:
        text = "no slsguard rule checks this"
    if item.suppressed:
        text += f"; {item.suppressed} suppressed"
    return text


def summary(statuses: list[ControlStatus]) -> str:
    """`36 controls: 2 with findings, 5 with no findings, 1 not checked, 28 not covered`."""
    counts = Counter(item.status for item in statuses)
    parts = [
        f"{counts['findings']} with findings",
        f"{counts['no findings']} with no findings",
        f"{counts['not checked']} not checked",
        f"{counts['not covered']} not covered by any rule",
    ]
    return f"{len(statuses)} controls: {', '.join(parts)}"


def render_text(framework: Framework, statuses: list[ControlStatus], scope: str) -> str:
    """The coverage statement for people: one block per control, then a summary."""
    width = max((len(item.control.id) for item in statuses), default=0)
    lines = [
        f"{framework.name}: what slsguard checked in {scope}",
        DISCLAIMER,
        f"Controls: {framework.source} (read {framework.date}).",
        "",
    ]
    for item in statuses:
        label = f"[{item.status.upper()}]"
        lines.append(f"{label:<14}{item.control.id:<{width}}  {item.control.title}")
        lines.append(f"{'':<14}{'':<{width}}  {_detail(item)}")
    lines += ["", summary(statuses)]
    return "\n".join(lines) + "\n"


def render_json(framework: Framework, statuses: list[ControlStatus], scope: str) -> str:
    """The coverage statement as JSON, for dashboards and audit evidence."""
    document = {
        "framework": {
            "key": framework.key,
            "name": framework.name,
            "source": framework.source,
            "date": framework.date,
            "note": framework.note,
        },
        "scope": scope,
        "disclaimer": DISCLAIMER,
        "summary": {status: sum(1 for i in statuses if i.status == status) for status in STATUSES},
        "controls": [
            {
                "id": item.control.id,
                "title": item.control.title,
                "status": item.status,
                "rules": [rule.id for rule in item.rules],
                "rules_run": list(item.ran),
                "findings": dict(sorted(Counter(f.rule.id for f in item.findings).items())),
                "suppressed": item.suppressed,
            }
            for item in statuses
        ],
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
