"""Terraform apps: resources named by address, fixes written in HCL."""

from __future__ import annotations

from pathlib import Path

from slsguard.loading.terraform import load_root_module
from slsguard.model import Application
from slsguard.tf_address import local_address, resource_name, terraform_address

_APP = Path(__file__).resolve().parents[1] / "examples" / "terraform-app"


def _app() -> Application:
    return load_root_module(_APP, _APP, lambda path: path.as_posix())


def test_address_recorded_for_module_resources() -> None:
    app = _app()
    assert terraform_address(app, "ReceiptsSqsQueueJobs") == "module.receipts.aws_sqs_queue.jobs"
    assert resource_name(app, "Missing") == "Missing"
    assert local_address("module.receipts.aws_sqs_queue.jobs") == "aws_sqs_queue.jobs"


def test_terraform_messages_and_fixes_in_hcl() -> None:
    import subprocess
    import sys

    text = subprocess.run(
        [sys.executable, "-m", "slsguard", "scan", str(_APP)],
        capture_output=True,
        text=True,
        check=False,
    ).stdout
    assert "SQS queue module.receipts.aws_sqs_queue.jobs accepts plain-HTTP" in text  # SLS207
    assert 'resource "aws_sqs_queue_policy"' in text  # SLS207 fix
    assert "queue_url = aws_sqs_queue.jobs.id" in text
    assert 'resource "aws_cloudwatch_log_group" "refund"' in text  # SLS404 fix
    assert "retention_in_days = 400" in text
    assert 'runtime = "python3.' in text  # SLS501 fix


_REST = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "terraform-corpus" / "rest-api"


def test_api_findings_name_addresses_and_fix_in_hcl() -> None:
    import subprocess
    import sys

    text = subprocess.run(
        [sys.executable, "-m", "slsguard", "scan", str(_REST)],
        capture_output=True,
        text=True,
        check=False,
    ).stdout
    assert "stage prod of REST API aws_api_gateway_rest_api.api" in text  # SLS402/403/204/209
    assert "rest-api › aws_api_gateway_rest_api.api › POST /orders" in text  # SLS201/203
    assert 'authorization = "AWS_IAM"' in text  # SLS201 fix
    assert "xray_tracing_enabled = true" in text  # SLS402 stage fix
    assert 'mode = "Active"' in text  # SLS402 function fix
    assert "access_log_settings {" in text  # SLS403 fix
    # SLS209: throttling as method settings of the stage, in HCL (no CloudFormation keys).
    assert 'resource "aws_api_gateway_method_settings" "prod_all" {' in text
    assert "rest_api_id = aws_api_gateway_stage.prod.rest_api_id" in text
    assert "MethodSettings:" not in text
