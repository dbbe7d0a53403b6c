"""Least privilege from the code: the action table, exact needs, and `slsguard policy`."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from slsguard.cli import main
from slsguard.discovery import discover
from slsguard.iam import actions
from slsguard.leastpriv import sdkmodel
from slsguard.leastpriv.actionmap import (
    IRREGULAR,
    TRIGGER_ACTIONS,
    UNMAPPABLE,
    actions_for,
    coverage,
    unmappable,
)
from slsguard.leastpriv.needs import function_needs
from slsguard.leastpriv.policy import minimal
from slsguard.loading import LoadOptions, load_all

APP = Path(__file__).resolve().parents[1] / "fixtures" / "rules" / "missing-permission" / "orders"


@pytest.mark.parametrize(
    ("service", "method", "expected"),
    [
        ("s3", "list_objects_v2", ("s3:ListBucket",)),
        ("s3", "upload_file", ("s3:PutObject", "s3:AbortMultipartUpload")),
        ("s3", "delete_bucket_cors", ("s3:PutBucketCORS",)),
        ("s3", "list_bucket_inventory_configurations", ("s3:GetInventoryConfiguration",)),
        ("cloudwatch", "put_metric_data", ("cloudwatch:PutMetricData",)),
        ("iot-data", "publish", ("iot:Publish",)),
        ("iot-data", "get_thing_shadow", ("iot:GetThingShadow",)),
        ("apigatewayv2", "get_apis", ("apigateway:GET",)),
        ("apigatewayv2", "tag_resource", ("apigateway:POST",)),
        ("cognito-idp", "initiate_auth", ()),
        ("cognito-idp", "admin_initiate_auth", ("cognito-idp:AdminInitiateAuth",)),
        ("sso", "get_role_credentials", ()),
        ("kms", "re_encrypt", ("kms:ReEncryptFrom", "kms:ReEncryptTo")),
        ("s3", "download_file", ("s3:GetObject",)),
        ("dynamodb", "put_item", ("dynamodb:PutItem",)),
        ("dynamodb", "batch_writer", ("dynamodb:BatchWriteItem",)),
        ("sqs", "send_message_batch", ("sqs:SendMessage",)),
        ("stepfunctions", "start_execution", ("states:StartExecution",)),
        ("apigateway", "get_rest_apis", ("apigateway:GET",)),
        ("sts", "get_caller_identity", ()),
        ("s3", "no_such_method", None),
        # The operation's API Reference text names its action (shipped as `documented`).
        ("accessanalyzer", "get_finding_v2", ("access-analyzer:GetFinding",)),
        ("s3control", "get_access_point_scope", ("s3express:GetAccessPointScope",)),
        (
            "cloudfront",
            "create_distribution_with_tags",
            ("cloudfront:CreateDistribution", "cloudfront:TagResource"),
        ),
        # ... but another service's action it names is that service's need, not the caller's.
        ("cloudwatch", "associate_dataset_kms_key", None),
        # The Service Authorization Reference's operation tables.
        ("budgets", "create_budget", ("budgets:ModifyBudget",)),
        ("budgets", "describe_budgets", ("budgets:ViewBudget",)),
        ("keyspaces", "get_table", ("cassandra:Select",)),
        ("keyspaces", "delete_keyspace", ("cassandra:Drop",)),
        ("deadline", "batch_get_job", ("deadline:GetJob",)),
        ("route53resolver", "batch_create_firewall_rule", ("route53resolver:CreateFirewallRule",)),
        ("s3control", "get_public_access_block", ("s3:GetAccountPublicAccessBlock",)),
        ("s3", "write_get_object_response", ("s3-object-lambda:WriteGetObjectResponse",)),
        ("s3", "get_object_attributes", ("s3:GetObject", "s3:GetObjectAttributes")),
        # Operations authorized under another operation's action (`actionmap.IRREGULAR`).
        ("lambda", "get_layer_version_by_arn", ("lambda:GetLayerVersion",)),
        ("timestream-query", "query", ("timestream:Select",)),
        ("cloudsearchdomain", "upload_documents", ("cloudsearch:document",)),
        # API Gateway's portal calls have named actions, not HTTP verbs.
        ("apigatewayv2", "list_portals", ("apigateway:ListPortals",)),
    ],
)
def test_action_mapping(service: str, method: str, expected: tuple[str, ...] | None) -> None:
    assert actions_for(service, method) == expected


def test_operation_data_is_shipped_with_its_source_version_and_date() -> None:
    assert sdkmodel.dataset_version().count(".") == 2
    assert date.fromisoformat(sdkmodel.dataset_date()) <= date.today()
    assert "PutMetricData" in sdkmodel.operations("cloudwatch").values()
    assert sdkmodel.waiter_operation("dynamodb", "table_exists") == "DescribeTable"


def test_unmappable_operations_cite_aws() -> None:
    assert all("https://docs.aws.amazon.com/" in why for why in UNMAPPABLE.values())
    assert unmappable("dynamodb", "transact_write_items")
    assert unmappable("iotthingsgraph", "create_flow_template")  # discontinued service
    assert unmappable("cloudhsm", "create_hapg")  # CloudHSM Classic
    assert actions_for("dynamodb", "transact_write_items") is None


def test_coverage_counts_mapped_and_unmappable_operations() -> None:
    found = coverage()
    assert found.total > 15_000 and found.unmappable >= 1
    assert found.percent == 100.0 * found.mapped / (found.total - found.unmappable)
    assert found.percent >= 99.0


def test_every_table_action_exists_in_the_iam_dataset() -> None:
    written = [a for group in (*IRREGULAR.values(), *TRIGGER_ACTIONS.values()) for a in group]
    assert all(actions.lookup(a) is not None for a in written if ":" in a and "-api" not in a)
    assert actions.lookup("execute-api:ManageConnections") is not None


def _needs() -> set[tuple[str, str, bool]]:
    cwd = Path.cwd()
    loaded = load_all(list(discover([APP], cwd)), LoadOptions(), cwd)
    found = function_needs(loaded.apps[0])["worker"]
    return {(n.action, n.target.cfn or n.target.arn, n.implied) for n in found.needs}


def test_needs_statement_by_statement() -> None:
    assert _needs() == {
        ("dynamodb:GetItem", "!GetAtt OrdersTable.Arn", False),
        ("dynamodb:PutItem", "!GetAtt OrdersTable.Arn", False),
        ("s3:PutObject", "arn:aws:s3:::orders-exports/*", False),
        ("s3:AbortMultipartUpload", "arn:aws:s3:::orders-exports/*", False),
        ("sns:Publish", "!Ref Done", False),
        ("sqs:ReceiveMessage", "!GetAtt Jobs.Arn", True),
        ("sqs:DeleteMessage", "!GetAtt Jobs.Arn", True),
        ("sqs:GetQueueAttributes", "!GetAtt Jobs.Arn", True),
    }


def test_policy_actions_exist_and_name_code_lines() -> None:
    cwd = Path.cwd()
    loaded = load_all(list(discover([APP], cwd)), LoadOptions(), cwd)
    statements = minimal(function_needs(loaded.apps[0])["worker"])
    assert all(actions.lookup(a) for s in statements for a in s.actions)
    assert any("db.py:10 dynamodb.put_item" in r for s in statements for r in s.reasons)


@pytest.mark.parametrize("syntax", ["serverless", "json", "terraform", "cloudformation"])
def test_policy_command(syntax: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["policy", str(APP), "--function", "worker", "--format", syntax]) == 0
    out = capsys.readouterr().out
    assert "dynamodb:PutItem" in out and "sns:Publish" in out


def test_refresh_script_reads_the_actions_an_api_reference_page_names() -> None:
    import importlib.util

    script = Path(__file__).resolve().parents[2] / "scripts" / "refresh_sdk_operations.py"
    spec = importlib.util.spec_from_file_location("refresh_sdk_operations", script)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    sentence = {"documentation": "<p>You must have the <code>s3express:GetX</code> action.</p>"}
    listed = {
        "documentation": "<p>This API operation requires the following IAM permissions:</p>"
        '<ul><li><p><a href="https://docs.aws.amazon.com/x">CreateThing</a></p></li>'
        '<li><p><a href="https://docs.aws.amazon.com/y">TagResource</a></p></li></ul>'
    }
    assert module._documented(sentence, "s3") == ["s3express:GetX"]
    assert module._documented(listed, "cf") == ["cf:CreateThing", "cf:TagResource"]
