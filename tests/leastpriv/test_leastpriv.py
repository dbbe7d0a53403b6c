"""Least privilege from the code: the action table, exact needs, and `slsguard policy`."""

from __future__ import annotations

from pathlib import Path

import pytest

from slsguard.cli import main
from slsguard.discovery import discover
from slsguard.iam import actions
from slsguard.leastpriv.actionmap import IRREGULAR, TRIGGER_ACTIONS, actions_for
from slsguard.leastpriv.needs import function_needs
from slsguard.leastpriv.policy import minimal
from slsguard.loading import LoadOptions, load_all

APP = Path(__file__).resolve().parents[1] / "fixtures" / "rules" / "missing-permission" / "orders"


@pytest.mark.parametrize(
    ("service", "method", "expected"),
    [
        ("s3", "list_objects_v2", ("s3:ListBucket",)),
        ("s3", "upload_file", ("s3:PutObject", "s3:AbortMultipartUpload")),
        ("s3", "download_file", ("s3:GetObject",)),
        ("dynamodb", "put_item", ("dynamodb:PutItem",)),
        ("dynamodb", "batch_writer", ("dynamodb:BatchWriteItem",)),
        ("sqs", "send_message_batch", ("sqs:SendMessage",)),
        ("stepfunctions", "start_execution", ("states:StartExecution",)),
        ("apigateway", "get_rest_apis", ("apigateway:GET",)),
        ("sts", "get_caller_identity", ()),
        ("s3", "no_such_method", None),
    ],
)
def test_action_mapping(service: str, method: str, expected: tuple[str, ...] | None) -> None:
    assert actions_for(service, method) == expected


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
