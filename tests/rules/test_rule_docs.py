"""Every rule's documentation: the required sections, and a runnable Example and Fix.

The Example of a rule with a check must make it fire; the Fix must not. The first YAML/JSON
block of a section is written to serverless.yml or template.yaml; a block (in any language)
whose first line is `# file: <path>` is written to that path too, so an Example can be a CI
workflow or a config with its `.env` file. When the blocks write an `osv/` folder, the scan
audits dependencies against it (`--advisory-db`), so an Example can carry its advisory.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from slsguard.deps.options import DependencyOptions
from slsguard.rules import Rule, all_rules
from slsguard.scan import ScanOptions, scan

SECTIONS = ("## What it does", "## Why is this bad?", "## Example", "## Fix", "## References")
_BLOCK = re.compile(r"```(yaml|json)\n(.*?)```", re.S)
_NAMED = re.compile(r"```[\w-]*\n# file: (\S+)\n(.*?)```", re.S)


def _block(doc: str, section: str) -> str | None:
    body = doc.split(section, 1)[1].split("\n## ", 1)[0]
    match = _BLOCK.search(body)
    return match.group(2) if match else None


def _named(doc: str, section: str) -> dict[str, str]:
    """The blocks of a section that name their file (`# file: .github/workflows/x.yml`)."""
    body = doc.split(section, 1)[1].split("\n## ", 1)[0]
    return {match.group(1): match.group(2) for match in _NAMED.finditer(body)}


@pytest.mark.parametrize("rule", all_rules(), ids=lambda rule: rule.id)
def test_documentation_has_every_section(rule: Rule) -> None:
    doc = rule.info.doc
    assert doc.splitlines()[0].startswith(f"{rule.name} ({rule.id}):")
    positions = [doc.find(section) for section in SECTIONS]
    assert all(position > 0 for position in positions), positions
    assert positions == sorted(positions)


def _fires(rule: Rule, text: str, folder: Path, named: dict[str, str]) -> bool:
    name = "serverless.yml" if text.startswith("service:") else "template.yaml"
    files = named if text.startswith("# file: ") else {name: text, **named}
    for path, content in files.items():
        (folder / path).parent.mkdir(parents=True, exist_ok=True)
        (folder / path).write_text(content)
    database = folder / "osv"
    audit = DependencyOptions(advisory_db=database if database.is_dir() else None)
    report = scan([folder], ScanOptions(select=(rule.id,), verbose=True, dependencies=audit))
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
    doc = rule.info.doc
    assert _fires(rule, example, tmp_path / "example", _named(doc, "## Example"))
    assert not _fires(rule, fix, tmp_path / "fix", _named(doc, "## Fix"))
