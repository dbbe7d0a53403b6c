"""Findings grouped by practice or by the controls of a compliance framework (`--group-by`).

Shared by every format that can group (text, Markdown, HTML): `group(findings, key)` gives
the groups in a stable order (controls in natural order, unmapped findings last) and
`heading(key, control)` the line a reader sees above each group. A finding that maps to two
controls of the framework appears under both.
"""

from __future__ import annotations

from collections.abc import Iterable

from slsguard.findings import Finding
from slsguard.formats.labels import FRAMEWORKS, grouped, natural, practice_label, worst_first
from slsguard.frameworks import control_title
from slsguard.rules import MAPPING_KEYS

GROUP_KEYS = MAPPING_KEYS
"""`practice`, `owasp-serverless`, `cwe`, `fsbp`, `pci-dss-4.0`, `hipaa`."""
UNMAPPED = ""
"""The group of findings whose rule maps to no control of the framework."""


def controls(finding: Finding, key: str) -> tuple[str, ...]:
    """The groups a finding belongs to under `key` (its practice, or its controls)."""
    if key == "practice":
        return (finding.rule.practice or "meta",)
    return tuple(dict.fromkeys(finding.rule.controls(key))) or (UNMAPPED,)


def group(findings: Iterable[Finding], key: str) -> list[tuple[str, list[Finding]]]:
    """(control, findings worst first) pairs in natural control order, unmapped last."""
    if key not in GROUP_KEYS:
        raise ValueError(f"unknown grouping {key!r} (expected one of: {', '.join(GROUP_KEYS)})")
    groups = grouped(findings, lambda finding: controls(finding, key))
    order = sorted(groups, key=lambda control: (control == UNMAPPED, natural(control)))
    return [(control, worst_first(groups[control])) for control in order]


def heading(key: str, control: str) -> str:
    """`PCI DSS 4.0 7.2.5: Application and system accounts ...`, `P1 least privilege`."""
    if key == "practice":
        return practice_label(control)
    name = FRAMEWORKS.get(key, key)
    if control == UNMAPPED:
        return f"not mapped to {name}"
    title = control_title(key, control)
    if title:
        return f"{name} {control}: {title}"
    return control if key == "cwe" else f"{name} {control}"  # "CWE-798" names itself.
