"""Every rule at once over inputs written with the wrong types: no rule may crash (SLS003)."""

from __future__ import annotations

from pathlib import Path

from slsguard.scan import ScanOptions, scan

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "rules"


def test_no_rule_crashes_on_odd_types() -> None:
    every_rule = ("SLS",)  # an ID prefix: all rules, the opt-in ones too
    report = scan([FIXTURES / "internal-error"], ScanOptions(select=every_rule, verbose=True))
    crashes = [f.message for f in report.findings if f.rule.id == "SLS003"]
    assert crashes == []
    assert {app.name for app in report.apps} == {"odd"}


def test_no_rule_crashes_on_any_fixture() -> None:
    report = scan([FIXTURES], ScanOptions(select=("SLS",), verbose=True))
    assert [f.message for f in report.findings if f.rule.id == "SLS003"] == []
