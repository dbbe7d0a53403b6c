"""Every fix is written in the syntax of the file it points at (issue 12's evidence).

Over every rule fixture and example app: a fix on a `.tf` location holds no CloudFormation
or Serverless syntax and parses as HCL; a fix on a YAML/JSON template location holds no HCL
and parses as YAML; Terraform locations carry Terraform addresses, never a translated
CloudFormation path; no SLS109/SLS110 fix is empty.

Rules whose fixes are still written as text rather than intents are listed in `LEGACY`
(with what is left to do): the test fails when one of them yields intents (remove it from
the list) or when a rule not listed writes a fix that is not in its file's syntax.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import hcl2
import pytest

from slsguard.findings import Finding
from slsguard.loading.yaml import load_text
from slsguard.scan import scan

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures" / "rules"
TREES = [ROOT / "examples", ROOT / "tests" / "fixtures" / "terraform-corpus", FIXTURES]

LEGACY = frozenset(
    {
        # Not converted to intents yet: their fix is advice or a snippet written as text.
        "SLS303",
    }
)  # fmt: skip
CFN_SYNTAX = ("!GetAtt", "!Ref", "!Sub", "Type: AWS::", "Properties:", "Fn::")
TEMPLATE_SUFFIXES = (".yml", ".yaml", ".json", ".template")


@cache
def _findings() -> tuple[Finding, ...]:
    found: list[Finding] = []
    for tree in TREES:
        found.extend(scan([tree]).findings)
    return tuple(found)


def _located(suffixes: tuple[str, ...]) -> list[Finding]:
    return [
        f
        for f in _findings()
        if f.location.kind == "template"
        and f.location.file
        and f.location.file.endswith(suffixes)
        and not f.location.file.endswith(".tf.json")
    ]


YAML_DIALECTS = ("serverless", "sam", "cloudformation", "openapi", "")


def _converted(findings: list[Finding]) -> list[Finding]:
    return [f for f in findings if f.fix and f.rule.id not in LEGACY]


def test_terraform_fixes_are_hcl_without_cloudformation() -> None:
    checked = _converted(_located((".tf",)))
    assert len(checked) > 20
    for finding in checked:
        where = f"{finding.rule.id} {finding.location.display}"
        assert not any(mark in finding.fix for mark in CFN_SYNTAX), (where, finding.fix)
        hcl2.loads(finding.fix + "\n")  # raises when it is not HCL


def test_terraform_findings_say_nothing_in_cloudformation_syntax() -> None:
    """Messages name Terraform things by address (never `!GetAtt X.Arn` of the translation);
    converted fixes too."""
    terraform = [f for f in _findings() if f.location.dialect == "terraform"]
    assert len(terraform) > 100
    marks = (*CFN_SYNTAX, "AWS::")
    for finding in terraform:
        where = f"{finding.rule.id} {finding.location.display}"
        texts = [finding.message] + ([finding.fix] if finding.rule.id not in LEGACY else [])
        for text in texts:
            assert not any(mark in text for mark in marks), (where, text)


def test_template_fixes_are_yaml_without_hcl() -> None:
    templates = [f for f in _located(TEMPLATE_SUFFIXES) if f.location.dialect in YAML_DIALECTS]
    checked = _converted(templates)
    assert len(checked) > 100
    for finding in checked:
        where = f"{finding.rule.id} {finding.location.display}"
        assert 'resource "' not in finding.fix and "{\n  " not in finding.fix, where
        assert not load_text(finding.fix, "fix.yml").problems, (where, finding.fix)


def test_terraform_locations_carry_terraform_addresses() -> None:
    located = _located((".tf",))
    assert located
    for finding in located:
        address = finding.location.address
        where = f"{finding.rule.id} {finding.location.display}"
        assert finding.location.key_path == (), where
        terraform = address.startswith(("aws_", "module.", "data.", "var."))
        assert terraform or not address, (where, address)
        assert not any(part in address for part in ("Properties", "PolicyDocument")), where


def test_least_privilege_fixes_are_never_empty() -> None:
    fixes = [f for f in _findings() if f.rule.id in ("SLS109", "SLS110")]
    assert fixes
    for finding in fixes:
        body = [line for line in finding.fix.splitlines() if not line.startswith("#")]
        removal = "remove the statement" in finding.fix
        assert body or removal, (finding.location.display, finding.fix)


@pytest.mark.parametrize("rule_id", sorted(LEGACY))
def test_legacy_rules_do_not_yield_intents_yet(rule_id: str) -> None:
    """A rule converted to intents leaves `LEGACY` (so this list stays honest)."""
    assert not any(f.intents for f in _findings() if f.rule.id == rule_id)
