"""`slsguard audit --compare`, the progress line, and the mirror's logical ids."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from slsguard.audit.progress import ProgressLine, on_terminal
from slsguard.audit.template import logical_id
from slsguard.cli import main

PAY = "arn:aws:lambda:us-east-1:123456789012:function:orders-pay"
TEMPLATE = """\
AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Pay:
    Type: AWS::Lambda::Function
    Properties:
      FunctionName: orders-pay
      Runtime: python3.12
      Handler: app.main
      Role: arn:aws:iam::123456789012:role/orders-safe
      Code: {ZipFile: "x"}
      Environment:
        Variables: {TABLE: orders, QUEUE_URL: q}
  List:
    Type: AWS::Lambda::Function
    Properties:
      FunctionName: orders-list
      Runtime: python3.12
      Handler: app.handler
      Role: arn:aws:iam::123456789012:role/orders-safe
      Code: {ZipFile: "x"}
  Ghost:
    Type: AWS::Lambda::Function
    Properties:
      FunctionName: orders-ghost
      Runtime: python3.12
      Handler: app.handler
      Code: {ZipFile: "x"}
"""


@pytest.fixture()
def templates(tmp_path: Path) -> Path:
    (tmp_path / "template.yaml").write_text(TEMPLATE)
    return tmp_path


def _audit(url: str, *extra: str) -> list[str]:
    return ["audit", "--endpoint-url", url, "--region", "us-east-1", "--color", "never", *extra]


def test_drift_in_json(
    account_url: str, templates: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    main(_audit(account_url, "--format", "json", "--compare", str(templates)))
    drift = json.loads(capsys.readouterr().out)["drift"]
    assert drift["undeclared"] == ["arn:aws:lambda:us-east-1:123456789012:function:handmade"]
    assert [label.rsplit(" › ", 1)[1] for label in drift["undeployed"]] == ["orders-ghost"]
    differences = {d["setting"]: d for d in drift["differences"]}
    assert set(differences) == {"runtime", "handler", "environment", "role"}
    assert all(d["function"] == "orders-pay" and d["arn"] == PAY for d in differences.values())
    assert (differences["runtime"]["deployed"], differences["runtime"]["declared"]) == (
        "python3.7",
        "python3.12",
    )
    assert differences["role"]["deployed"].endswith("role/orders-risky")
    environment = differences["environment"]
    assert (environment["deployed"], environment["declared"]) == (
        "{DB_PASSWORD, TABLE}",
        "{QUEUE_URL, TABLE}",
    )
    assert "Tr0ub4dor" not in json.dumps(drift), "names only, never values"


def test_drift_section_in_text(
    account_url: str, templates: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    main(_audit(account_url, "--compare", str(templates)))
    out = capsys.readouterr().out
    section = out[out.index("Drift from templates under") :]
    assert "deployed, in no template: arn:aws:lambda:us-east-1:123456789012:function:handmade" in (
        section
    )
    assert "orders-pay: runtime is python3.7 deployed, python3.12 in the template" in section
    assert "orders-list" not in section, "orders-list matches its template"


def test_compare_refuses_formats_without_a_drift_section(
    account_url: str, templates: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(_audit(account_url, "--format", "sarif", "--compare", str(templates))) == 2
    assert "--compare needs" in capsys.readouterr().err


def test_no_progress_line_when_piped(account_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    main(_audit(account_url))
    assert "reading functions" not in capsys.readouterr().err
    assert on_terminal(io.StringIO()) is None


def test_progress_line_counts_regions_and_clears() -> None:
    stream = io.StringIO()
    line = ProgressLine(stream)
    line("us-east-1", 1, 2)
    line("eu-west-1", 1, 1)
    line("us-east-1", 2, 2)
    assert line.text() == "slsguard: reading functions 3/3 (2 regions)"
    line.close()
    assert stream.getvalue().endswith("3/3 (2 regions)\r\033[K")


def test_logical_ids_are_alphanumeric_and_unique() -> None:
    assert logical_id("orders-list") == "OrdersList"
    assert logical_id("orders_list", {"OrdersList"}) == "OrdersListFunction"
    assert logical_id("---") == "Resource"
