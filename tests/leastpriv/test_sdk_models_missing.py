"""Without botocore's service models least privilege fails loudly, never with fewer findings."""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator
from pathlib import Path

import pytest

from slsguard.leastpriv import sdkmodel
from slsguard.scan import ScanOptions, scan

APP = Path(__file__).resolve().parents[1] / "fixtures" / "rules" / "missing-permission" / "orders"
CACHED = (
    sdkmodel.data_dir,
    sdkmodel.services,
    sdkmodel._service_model,
    sdkmodel.operations,
    sdkmodel.iam_prefix,
    sdkmodel.waiter_operation,
)


@pytest.fixture()
def without_botocore(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    real = importlib.util.find_spec

    def find_spec(name: str, package: str | None = None) -> object:
        return None if name == "botocore" else real(name, package)

    for cached in CACHED:
        cached.cache_clear()
    monkeypatch.setattr(sdkmodel.importlib.util, "find_spec", find_spec)
    yield
    monkeypatch.undo()
    for cached in CACHED:
        cached.cache_clear()


def test_missing_sdk_models_are_an_internal_error(without_botocore: None) -> None:
    report = scan([APP], ScanOptions(select=("SLS109", "SLS110")))
    errors = [f for f in report.findings if f.rule.id == "SLS003"]
    assert errors, [f.rule.id for f in report.findings]
    assert all("SdkModelsUnavailableError" in f.message for f in errors)
    assert "botocore" in errors[0].message


def test_with_the_models_the_same_scan_reports_least_privilege() -> None:
    report = scan([APP], ScanOptions(select=("SLS109", "SLS110")))
    rules = {f.rule.id for f in report.findings}
    assert "SLS003" not in rules and rules & {"SLS109", "SLS110"}
