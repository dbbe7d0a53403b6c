"""deprecated-runtime judges dates as of `--as-of`, and `--runtimes-file` replaces the table."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from slsguard.analysis.runtime_table import load_table
from slsguard.findings import Severity
from slsguard.scan import ScanOptions, scan

SLS = """\
service: billing
provider:
  name: aws
  runtime: {runtime}
  layers:
    - arn:aws:lambda:us-east-1:464622532012:layer:Datadog-Python312:100
functions:
  invoice:
    handler: handler.invoice
"""


def _severities(
    folder: Path, runtime: str, today: date, runtimes_file: Path | None = None
) -> list[Severity]:
    (folder / "serverless.yml").write_text(SLS.format(runtime=runtime))
    options = ScanOptions(select=("SLS501",), today=today, runtimes_file=runtimes_file)
    return [f.severity for f in scan([folder], options).findings if f.rule.id == "SLS501"]


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        (date(2028, 7, 1), []),
        (date(2028, 9, 1), [Severity.LOW]),
        (date(2028, 11, 15), [Severity.MEDIUM]),
        (date(2029, 2, 1), [Severity.HIGH]),
    ],
)
def test_severity_follows_the_dates(tmp_path: Path, today: date, expected: list[Severity]) -> None:
    # python3.12: deprecated 2028-10-31, updates blocked from 2029-01-10.
    assert _severities(tmp_path, "python3.12", today=today) == expected


def test_a_runtimes_file_replaces_the_bundled_table(tmp_path: Path) -> None:
    table = {
        "source": "https://example.com/runtimes",
        "date": "2030-01-01",
        "runtimes": [
            {
                "identifier": "python3.13",
                "family": "python",
                "deprecation": "2029-06-30",
                "block_create": "2029-07-31",
                "block_update": "2029-08-31",
            }
        ],
    }
    path = tmp_path / "newer.json"
    path.write_text(json.dumps(table))
    project = tmp_path / "project"
    project.mkdir()
    found = _severities(project, "python3.13", today=date(2030, 1, 1), runtimes_file=path)
    assert found == [Severity.HIGH]
    assert load_table(path).publisher("580247275435") is not None  # Bundled publishers kept.
    report = scan([project], ScanOptions(select=("SLS009",), runtimes_file=path))
    assert any(
        d.name == "Lambda runtimes" and "newer.json" in d.version for d in report.reference_data
    )


def test_a_broken_runtimes_file_is_an_internal_error(tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text('{"runtimes": [{"identifier": "python3.13"}]}')
    (tmp_path / "serverless.yml").write_text(SLS.format(runtime="python3.13"))
    report = scan([tmp_path], ScanOptions(select=("SLS501",), runtimes_file=path))
    assert [f.rule.id for f in report.findings] == ["SLS003"]
    assert "runtime table" in report.findings[0].message


def test_the_bundled_table_is_consistent() -> None:
    table = load_table()
    identifiers = [info.identifier for info in table.runtimes]
    assert len(identifiers) == len(set(identifiers))
    for expected in ("nodejs24.x", "python3.14", "java25", "dotnet10", "provided.al2023", "go1.x"):
        assert expected in identifiers
    for info in table.runtimes:
        if info.block_create is not None and info.block_update is not None:
            assert info.deprecation <= info.block_create <= info.block_update, info.identifier
    today = date(2026, 11, 29)
    for info in table.runtimes:
        successor = table.successor(info, today)
        assert successor is None or successor.deprecation > today


def test_trusted_accounts_silence_a_vendor_layer(tmp_path: Path) -> None:
    (tmp_path / "serverless.yml").write_text(SLS.format(runtime="python3.13"))
    vendor = scan([tmp_path], ScanOptions(select=("SLS506",)))
    assert [f.rule.id for f in vendor.findings] == ["SLS506"]
    assert "Datadog" in vendor.findings[0].message
    allowed = scan([tmp_path], ScanOptions(select=("SLS506",), trusted_accounts=("464622532012",)))
    assert allowed.findings == ()
