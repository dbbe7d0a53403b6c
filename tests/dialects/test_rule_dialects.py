"""Every rule has an annotated fixture in each template syntax it declares it judges.

A rule declares its dialects (`RuleInfo.dialects`: serverless, sam, cloudformation and
terraform unless what it checks cannot be written in one; none for rules about handler code,
manifests or CI files). Its fixture folder (`tests/fixtures/rules/<name>/`) must make it fire
in an application of each: the fixture test already checks that every finding there is an
annotated `ruleid` line. `MISSING` lists, per rule, the dialects without such a fixture yet:
it can only shrink (the test fails when one of them gains a fixture).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest

from slsguard.findings import RuleInfo
from slsguard.rules import all_rules
from slsguard.scan import ScanOptions, scan

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "rules"

MISSING: dict[str, frozenset[str]] = {
    rule_id: frozenset(dialects.split())
    for rule_id, dialects in {
        # No fixture yet in these dialects (the rule can fire there: add one, then shrink this).
        "SLS104": "terraform",
        "SLS106": "terraform",
        "SLS108": "terraform",
        "SLS109": "sam cloudformation terraform",
        "SLS110": "cloudformation terraform",
        "SLS205": "terraform",
        "SLS210": "terraform",
        "SLS304": "terraform",
        "SLS401": "terraform",
        "SLS502": "terraform",
        "SLS503": "terraform",
        "SLS504": "sam terraform",
        "SLS505": "terraform",
        "SLS506": "terraform",
    }.items()
}  # fmt: skip


def _judged() -> list[RuleInfo]:
    return sorted(
        (r.info for r in all_rules() if r.info.practice != "meta" and r.info.dialects),
        key=lambda info: info.id,
    )


@cache
def _fired_in(info: RuleInfo) -> frozenset[str]:
    """The kinds of application in the rule's fixture folder where it fires."""
    folder = FIXTURES / info.name
    if not folder.is_dir():
        return frozenset()
    report = scan([folder], ScanOptions(select=(info.id,)))
    kinds = {app.name: app.kind for app in report.apps}
    return frozenset(kinds.get(f.app, "") for f in report.findings if f.rule.id == info.id)


@pytest.mark.parametrize("info", _judged(), ids=lambda info: info.id)
def test_each_declared_dialect_has_a_fixture(info: RuleInfo) -> None:
    missing = set(info.dialects) - _fired_in(info)
    assert missing == set(MISSING.get(info.id, ())), (
        f"{info.id} ({info.name}) fires in no {', '.join(sorted(missing))} fixture"
        if missing - MISSING.get(info.id, frozenset())
        else f"{info.id}: a fixture was added, remove it from MISSING"
    )


def test_declared_dialects_are_known_and_code_rules_declare_none() -> None:
    known = {"serverless", "sam", "cloudformation", "terraform"}
    for rule in all_rules():
        assert set(rule.info.dialects) <= known, rule.info.id
    code = [r.info.id for r in all_rules() if r.info.id.startswith(("SLS6", "SLS7", "SLS8"))]
    assert code and all(not r.info.dialects for r in all_rules() if r.info.id in code)
