"""Least privilege for JavaScript handlers (SDK v2 and v3), KMS keys and stream triggers."""

from __future__ import annotations

from pathlib import Path

import pytest

from slsguard.cli import main
from slsguard.discovery import discover
from slsguard.iam import actions
from slsguard.leastpriv import jscalls, sdkmodel
from slsguard.leastpriv.actionmap import actions_for
from slsguard.leastpriv.kms import KEY_ACTIONS, KEY_ROWS
from slsguard.leastpriv.needs import function_needs
from slsguard.loading import LoadOptions, load_all

RULES = Path(__file__).resolve().parents[1] / "fixtures" / "rules"
NODE = RULES / "missing-permission" / "node-orders"
KMS = RULES / "missing-permission" / "kms-billing"
STREAM = RULES / "overprivileged-function" / "stream-audit"

Row = tuple[str, str, bool]


def _needs(app: Path, function: str) -> set[Row]:
    cwd = Path.cwd()
    loaded = load_all(list(discover([app], cwd)), LoadOptions(), cwd)
    found = function_needs(loaded.apps[0])[function]
    assert not found.uncertain
    return {(n.action, n.target.cfn or n.target.arn, n.implied) for n in found.needs}


@pytest.mark.parametrize(
    ("qualified", "expected"),
    [
        ("@aws-sdk/client-s3.PutObjectCommand", ("s3", "put_object")),
        ("@aws-sdk/client-s3.ListObjectsV2Command", ("s3", "list_objects_v2")),
        (
            "@aws-sdk/client-secrets-manager.GetSecretValueCommand",
            ("secretsmanager", "get_secret_value"),
        ),
        ("@aws-sdk/client-sfn.StartExecutionCommand", ("stepfunctions", "start_execution")),
        ("@aws-sdk/client-eventbridge.PutEventsCommand", ("events", "put_events")),
        ("@aws-sdk/lib-dynamodb.QueryCommand", ("dynamodb", "query")),
        ("@aws-sdk/lib-dynamodb.TransactWriteCommand", ("dynamodb", "transact_write_items")),
        ("@aws-sdk/lib-storage.Upload", ("s3", "upload_file")),
        ("@aws-sdk/client-s3.S3Client", None),
        ("./local.PutCommand", None),
    ],
)
def test_command_mapping(qualified: str, expected: tuple[str, str] | None) -> None:
    assert jscalls.command_method(qualified) == expected


def test_every_document_command_and_v2_class_maps() -> None:
    for method in jscalls.DOCUMENT_METHODS.values():
        # which item actions a transaction writes depends on its items: listed as uncertain
        assert (actions_for("dynamodb", method) is None) == (method == "transact_write_items")
    for name in ("S3", "DynamoDB", "SQS", "SNS", "SecretsManager", "StepFunctions", "Kinesis"):
        assert jscalls.service_of_class(name), name
    assert jscalls.service_of_class("CloudWatchLogs") == "logs"


def test_every_package_table_entry_is_a_service_and_packages_round_trip() -> None:
    services = set(sdkmodel.services())
    assert set(jscalls.PACKAGES.values()) <= services
    assert set(jscalls.V2_CLASSES.values()) <= services
    lost = [s for s in services if jscalls.service_of_package(jscalls.package_of(s)) != s]
    assert set(lost) <= {"sdb", "sms-voice"}  # no v3 package / shares Pinpoint SMS Voice's


def test_node_v3_needs_statement_by_statement() -> None:
    assert _needs(NODE, "worker") == {
        ("s3:PutObject", "arn:aws:s3:::orders-exports/*", False),
        ("s3:PutObject", "arn:aws:s3:::orders-exports/big.csv", False),
        ("s3:AbortMultipartUpload", "arn:aws:s3:::orders-exports/big.csv", False),
        ("sns:Publish", "!Ref Done", False),
        ("sqs:SendMessage", "!GetAtt Jobs.Arn", False),
        ("dynamodb:GetItem", "!GetAtt OrdersTable.Arn", False),
        ("dynamodb:PutItem", "!GetAtt OrdersTable.Arn", False),
        ("sqs:ReceiveMessage", "!GetAtt Jobs.Arn", True),
        ("sqs:DeleteMessage", "!GetAtt Jobs.Arn", True),
        ("sqs:GetQueueAttributes", "!GetAtt Jobs.Arn", True),
    }


def test_node_v2_needs_statement_by_statement() -> None:
    assert _needs(NODE, "legacy") == {
        ("dynamodb:Query", "!GetAtt OrdersTable.Arn", False),
        ("dynamodb:UpdateItem", "!GetAtt OrdersTable.Arn", False),
        ("s3:GetObject", "arn:aws:s3:::orders-exports/reports/latest.csv", False),
        ("s3:PutObject", "arn:aws:s3:::orders-exports/reports/copy.csv", False),
        ("s3:AbortMultipartUpload", "arn:aws:s3:::orders-exports/reports/copy.csv", False),
    }


def test_javascript_calls_are_named_as_javascript_spells_them() -> None:
    cwd = Path.cwd()
    loaded = load_all(list(discover([NODE], cwd)), LoadOptions(), cwd)
    reasons = {n.reason for n in function_needs(loaded.apps[0])["legacy"].needs}
    assert {"dynamodb.updateItem", "s3.getObject"} <= reasons
    assert not any("_" in reason for reason in reasons)


def test_kms_only_for_customer_managed_keys() -> None:
    assert _needs(KMS, "billing") == {
        ("secretsmanager:GetSecretValue", "!Ref ApiSecret", False),
        ("secretsmanager:GetSecretValue", "!Ref PlainSecret", False),
        ("sqs:SendMessage", "!GetAtt Outbox.Arn", False),
        ("sqs:SendMessage", "!GetAtt Managed.Arn", False),
        ("dynamodb:GetItem", "!GetAtt Invoices.Arn", False),
        ("s3:GetObject", "!Sub '${Archive.Arn}/invoices.csv'", False),
        ("kms:Decrypt", "!GetAtt SecretsKey.Arn", False),
        ("kms:GenerateDataKey", "!GetAtt OutboxKey.Arn", False),
        ("kms:Decrypt", "!GetAtt OutboxKey.Arn", False),
        ("kms:Decrypt", "!GetAtt DataKey.Arn", False),
    }


def test_kms_table_actions_exist() -> None:
    written = {a for pair in KEY_ACTIONS.items() for a in (pair[0], *pair[1])}
    assert all(actions.lookup(a) is not None for a in written)


def test_every_kms_row_cites_the_aws_page_it_comes_from() -> None:
    assert all(row.source.startswith("https://docs.aws.amazon.com/") for row in KEY_ROWS)
    assert len(KEY_ACTIONS) == sum(len(row.actions) for row in KEY_ROWS)  # no action twice


def test_dynamodb_stream_trigger_needs_are_implied_on_the_stream() -> None:
    reads = ("DescribeStream", "GetRecords", "GetShardIterator", "ListStreams")
    assert _needs(STREAM, "audit") == {
        ("dynamodb:PutItem", "!GetAtt AuditTable.Arn", False),
        *{(f"dynamodb:{r}", "!GetAtt OrdersTable.StreamArn", True) for r in reads},
    }


def test_policy_for_a_node_function(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["policy", str(NODE), "--function", "legacy", "--format", "json"]) == 0
    out = capsys.readouterr().out
    assert "dynamodb:UpdateItem" in out and "s3:GetObject" in out


def test_javascript_v3_coverage_is_measured() -> None:
    found = jscalls.coverage()
    assert found.total > 10_000 and found.percent >= 99.0
    # A package named after the model's serviceId, not its service name.
    assert jscalls.command_method("@aws-sdk/client-simpledb.SelectCommand") == ("sdb", "select")
