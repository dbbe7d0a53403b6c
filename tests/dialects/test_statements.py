"""The one least-privilege statement renderer: the SLS109/SLS110 fixes and `slsguard policy`
write the same statements the same way in each dialect, an ARN in the deploying account in
each dialect's own words, and a grant the code does not need as its removal (never empty)."""

from __future__ import annotations

import io
from pathlib import Path

import hcl2
import pytest

from slsguard.cli import main
from slsguard.dialects.statements import iam_document, yaml_statements
from slsguard.dialects.terraform import policy_document
from slsguard.findings import Origin
from slsguard.fixes import PolicyResource, PolicyStatement, ResourceRef
from slsguard.model import AccountArn, Application
from slsguard.scan import ScanOptions, scan

CODE = """import os

import boto3

table = boto3.resource("dynamodb").Table(os.environ["TABLE"])
audit = boto3.resource("dynamodb").Table("audit")


def handler(event, context):
    table.put_item(Item=event)
    audit.put_item(Item=event)
"""

SAM = """Transform: AWS::Serverless-2016-10-31
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: handler.handler
      CodeUri: .
      Environment:
        Variables:
          TABLE: !Ref Orders
      Policies:
        - Statement:
            - Effect: Allow
              Action: ["dynamodb:*"]
              Resource: "*"
  Orders:
    Type: AWS::DynamoDB::Table
"""

TERRAFORM = """data "archive_file" "fn" {
  type        = "zip"
  source_dir  = "${path.module}"
  output_path = "${path.module}/build/fn.zip"
}

resource "aws_lambda_function" "fn" {
  function_name = "fn"
  handler       = "handler.handler"
  runtime       = "python3.12"
  role          = aws_iam_role.fn.arn
  filename      = data.archive_file.fn.output_path
  environment {
    variables = {
      TABLE = aws_dynamodb_table.orders.name
    }
  }
}

resource "aws_iam_role" "fn" {
  name = "fn"
}

resource "aws_iam_role_policy" "fn" {
  role   = aws_iam_role.fn.id
  policy = jsonencode({ Statement = [{ Effect = "Allow", Action = "dynamodb:*", Resource = "*" }] })
}

resource "aws_dynamodb_table" "orders" {
  name = "orders"
}
"""


def _write(root: Path, name: str, text: str) -> Path:
    (root / name).write_text(text)
    (root / "handler.py").write_text(CODE)
    return root


def _fix(root: Path, rule: str) -> str:
    [finding] = scan([root], ScanOptions(select=(rule,))).findings
    return str(finding.fix)


def _policy(root: Path, syntax: str, capsys: pytest.CaptureFixture[str]) -> str:
    assert main(["policy", str(root), "--format", syntax]) == 0
    return capsys.readouterr().out


def _statement_lines(text: str) -> list[str]:
    """The statements' own lines (no comments, no wrapping), as both outputs write them."""
    lines = [line.strip() for line in text.splitlines()]
    return [line for line in lines if line.startswith(("- ", "Action"))]


def test_sam_fix_and_policy_write_the_same_statements(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = _write(tmp_path, "template.yaml", SAM)
    fix = _fix(root, "SLS109")
    policy = _policy(root, "cloudformation", capsys)
    assert _statement_lines(fix) == _statement_lines(policy)
    assert "- !GetAtt Orders.Arn" in fix
    assert "- !Sub 'arn:aws:dynamodb:${AWS::Region}:${AWS::AccountId}:table/audit'" in fix


def test_terraform_fix_and_policy_name_resources_by_address(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = _write(tmp_path, "main.tf", TERRAFORM)
    fix = _fix(root, "SLS109")
    policy = _policy(root, "terraform", capsys)
    for text in (fix, policy):
        assert "aws_dynamodb_table.orders.arn" in text
        assert (
            '"arn:aws:dynamodb:${data.aws_region.current.name}:'
            '${data.aws_caller_identity.current.account_id}:table/audit"'
        ) in text
        assert "!Sub" not in text and "AWS::" not in text
    hcl2.load(io.StringIO(policy))


def test_a_terraform_app_in_a_yaml_format_has_no_translated_logical_ids(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = _write(tmp_path, "main.tf", TERRAFORM)
    out = _policy(root, "cloudformation", capsys)
    assert "!GetAtt" not in out  # the template has no resource to name
    assert "- !Sub 'arn:aws:dynamodb:${AWS::Region}:${AWS::AccountId}:table/orders'" in out


ARN = PolicyResource(AccountArn("sqs", "jobs"), serverless="arn:aws:sqs:${aws:region}:x")
STATEMENT = PolicyStatement(("sqs:SendMessage",), (ARN,), ("app.py:3 sqs.send_message",))


@pytest.mark.parametrize(
    ("dialect", "written"),
    [
        ("serverless", "'arn:aws:sqs:${aws:region}:x'"),
        ("sam", "!Sub 'arn:aws:sqs:${AWS::Region}:${AWS::AccountId}:jobs'"),
        ("cloudformation", "!Sub 'arn:aws:sqs:${AWS::Region}:${AWS::AccountId}:jobs'"),
    ],
)
def test_an_arn_in_the_deploying_account_in_each_yaml_dialect(dialect: str, written: str) -> None:
    app = Application("a", "sam", "template.yaml", Origin("template.yaml"))
    assert yaml_statements(app, (STATEMENT,), dialect).splitlines() == [
        "# app.py:3 sqs.send_message",
        "- Effect: Allow",
        "  Action: [sqs:SendMessage]",
        "  Resource:",
        f"    - {written}",
    ]


def test_an_arn_in_the_deploying_account_in_hcl_and_json() -> None:
    hcl = policy_document(None, "fn", (STATEMENT,))
    account = "${data.aws_caller_identity.current.account_id}"
    assert f'"arn:aws:sqs:${{data.aws_region.current.name}}:{account}:jobs"' in hcl
    document = iam_document((STATEMENT,))
    assert document["Statement"] == [
        {
            "Sid": "AppL3",
            "Effect": "Allow",
            "Action": ["sqs:SendMessage"],
            "Resource": ["arn:aws:sqs:*:*:jobs"],
        }
    ]


def test_account_arn_reads_only_patterns_of_the_deploying_account() -> None:
    assert AccountArn.parse("arn:aws:sqs:*:*:jobs") == AccountArn("sqs", "jobs")
    assert AccountArn.parse("arn:aws:iam::*:role/api") == AccountArn("iam", "role/api", False)
    assert AccountArn("iam", "role/api", False).written("r", "1") == "arn:aws:iam::1:role/api"
    for literal in ("arn:aws:s3:::bucket", "arn:aws:sqs:eu-west-1:123:jobs", "*"):
        assert AccountArn.parse(literal) is None


def test_a_template_reference_outside_its_template_is_named_by_pattern() -> None:
    ref = PolicyResource(AccountArn("dynamodb", "table/*"), ResourceRef("Orders"), "Orders")
    app = Application("a", "cloudformation", "template.yaml", Origin("template.yaml"))
    statement = PolicyStatement(("dynamodb:GetItem",), (ref,))
    assert "- !Sub 'arn:aws:dynamodb:${AWS::Region}:${AWS::AccountId}:table/*'" in (
        yaml_statements(app, (statement,), "cloudformation")
    )


def test_a_grant_the_code_does_not_need_is_removed_never_emptied(tmp_path: Path) -> None:
    sam = SAM.replace('["dynamodb:*"]', '["sqs:SendMessage"]')
    root = _write(tmp_path, "template.yaml", sam)
    fix = _fix(root, "SLS109")
    assert fix.startswith("# remove the statement at Fn.Policies[0].Statement[0]")
    assert "the code needs nothing it grants" in fix
