"""Names people read in reports: practices, compliance frameworks, and the worst-first order.

The rule catalogue speaks in codes (`P1`, `pci-dss-4.0`); the report formats meant for
people (Markdown, HTML) show these labels next to them. The small grouping helpers here
keep those formats short and their order stable.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from functools import partial

from slsguard.findings import Finding, Report, Severity
from slsguard.formats.json_format import finding_order

PRACTICES: dict[str, str] = {
    "P1": "least privilege",
    "P2": "secrets in a secrets store",
    "P3": "secure transit and network",
    "P4": "authentication and request validation at the API gateway",
    "P5": "logging, monitoring and alarms",
    "P6": "secure coding",
    "P7": "secure delivery lifecycle",
    "P8": "WAF, without relying on it",
    "P9": "one IAM role per function",
    "P10": "vulnerability and code scanning",
    "meta": "scan coverage",
}
"""Practice code -> what the practice asks for (RULES.md)."""

FRAMEWORKS: dict[str, str] = {
    "practice": "Serverless security practice",
    "owasp-serverless": "OWASP Serverless Top 10 (2017)",
    "cwe": "CWE",
    "fsbp": "AWS Foundational Security Best Practices",
    "pci-dss-4.0": "PCI DSS 4.0",
    "hipaa": "HIPAA Security Rule",
}
"""Framework key (as in `RuleInfo.mappings` and `--group-by`) -> its full name."""

NO_APP = "(no app)"

# Characters no XML 1.0 (and so no HTML) document may hold: C0 controls except tab,
# newline and carriage return; surrogates; U+FFFE and U+FFFF.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_safe(text: str) -> str:
    """`text` with characters that XML cannot hold shown as escapes, e.g. \\x1b."""
    return _NOT_XML.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def practice_label(code: str) -> str:
    """`P1 least privilege`; an unknown code as it is."""
    name = PRACTICES.get(code)
    return f"{code} {name}" if name else code


def worst_first(findings: Iterable[Finding]) -> list[Finding]:
    """Findings worst first, then in the stable file/line/rule order."""
    return sorted(findings, key=lambda f: (-f.severity.rank, finding_order(f)))


def grouped(
    findings: Iterable[Finding], keys: Callable[[Finding], Iterable[str]]
) -> dict[str, list[Finding]]:
    """Findings under each key they have, keys in first-seen order (a finding may repeat)."""
    groups: dict[str, list[Finding]] = {}
    for finding in findings:
        for key in keys(finding):
            groups.setdefault(key, []).append(finding)
    return groups


def count_by_severity(findings: Iterable[Finding]) -> dict[Severity, int]:
    """How many findings of each severity, worst first, zeros included."""
    counts = dict.fromkeys(Severity, 0)
    for finding in findings:
        counts[finding.severity] += 1
    return counts


def practice_of(finding: Finding) -> str:
    """The practice code the finding's rule enforces."""
    return finding.rule.practice or "meta"


def by_framework(report: Report) -> dict[str, dict[str, list[Finding]]]:
    """{framework: {control: findings}}, frameworks in FRAMEWORKS order, controls sorted."""
    out: dict[str, dict[str, list[Finding]]] = {}
    for framework in FRAMEWORKS:
        controls = grouped(report.findings, partial(_controls, framework=framework))
        if controls:
            out[framework] = {key: controls[key] for key in sorted(controls, key=natural)}
    return out


def _controls(finding: Finding, framework: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(finding.rule.controls(framework)))


def natural(text: str) -> tuple[tuple[int, int | str], ...]:
    """A sort key where digits compare as numbers: `P2` before `P10`, `CWE-79` before `CWE-200`."""
    return tuple(
        (0, int(part)) if part.isdigit() else (1, part) for part in re.split(r"(\d+)", text)
    )
