"""Every rule's documentation: the required sections, and a runnable Example and Fix.

The Example of a rule with a check must make it fire; the Fix must not.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from slsguard.rules import Rule, all_rules
from slsguard.scan import ScanOptions, scan

SECTIONS = ("## What it does", "## Why is this bad?", "## Example", "## Fix", "## References")
_BLOCK = re.compile(r"```(yaml|json)\n(.*?)```", re.S)


def _block(doc: str, section: str) -> str | None:
    body = doc.split(section, 1)[1].split("\n## ", 1)[0]
    match = _BLOCK.search(body)
    return match.group(2) if match else None


@pytest.mark.parametrize("rule", all_rules(), ids=lambda rule: rule.id)
def test_documentation_has_every_section(rule: Rule) -> None:
    doc = rule.info.doc
    assert doc.splitlines()[0].startswith(f"{rule.name} ({rule.id}):")
    positions = [doc.find(section) for section in SECTIONS]
    assert all(position > 0 for position in positions), positions
    assert positions == sorted(positions)


def _fires(rule: Rule, text: str, folder: Path) -> bool:
    name = "serverless.yml" if text.startswith("service:") else "template.yaml"
    (folder / name).write_text(text)
    report = scan([folder], ScanOptions(select=(rule.id,), verbose=True))
    return any(finding.rule.id == rule.id for finding in report.findings)


@pytest.mark.parametrize(
    "rule", [rule for rule in all_rules() if rule.check is not None], ids=lambda rule: rule.id
)
def test_example_fires_and_fix_does_not(rule: Rule, tmp_path: Path) -> None:
    example = _block(rule.info.doc, "## Example")
    fix = _block(rule.info.doc, "## Fix")
    assert example and fix, "a rule with a check needs a runnable Example and Fix"
    (tmp_path / "example").mkdir()
    (tmp_path / "fix").mkdir()
    assert _fires(rule, example, tmp_path / "example")
    assert not _fires(rule, fix, tmp_path / "fix")
