"""SLS206 severities: credentials with a reflected, `null` or broad origin are medium;
credentials with `*` are low (browsers refuse it); `*` alone is never reported."""

from __future__ import annotations

from pathlib import Path

from slsguard.scan import ScanOptions, scan

FOLDER = Path(__file__).resolve().parents[1] / "fixtures" / "rules" / "permissive-cors"


def _severities(name: str) -> dict[int, str]:
    report = scan([FOLDER / name], ScanOptions(select=("SLS206",)))
    return {finding.location.line: finding.severity.value for finding in report.findings}


def test_serverless_severities() -> None:
    found = _severities("serverless.yml")
    assert found[26] == "low"  # origin "*" with allowCredentials
    assert set(found.values()) == {"low", "medium"}
    assert sorted(v for v in found.values() if v == "medium") == ["medium", "medium"]


def test_cloudformation_reflected_origin_is_medium() -> None:
    found = _severities("cloudformation.yaml")
    assert found == {38: "low", 66: "medium", 101: "medium"}
