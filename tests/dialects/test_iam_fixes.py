"""IAM fixes as intents: each written in the file's syntax, and applied only where exact.

A wildcard or a shared role is advice with a value only the user can choose (rendered with a
placeholder, never applied); a managed admin policy is removed from its list and a Lambda
permission gets `SourceAccount` (both unsafe: they take access away).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from slsguard.cli import main
from slsguard.scan import ScanOptions, scan

CFN = """\
Resources:
  Fn:
    Type: AWS::Lambda::Function
    Properties:
      Handler: app.handler
      Runtime: python3.12
      Role: !GetAtt FnRole.Arn
      Code: {ZipFile: "def handler(event, context): pass"}
  FnRole:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Statement:
          - Effect: Allow
            Principal: {Service: lambda.amazonaws.com}
            Action: sts:AssumeRole
      ManagedPolicyArns:
        # keep this comment
        - arn:aws:iam::aws:policy/AdministratorAccess
        - arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole
  FromBucket:
    Type: AWS::Lambda::Permission
    Properties:
      Action: lambda:InvokeFunction
      FunctionName: !GetAtt Fn.Arn
      Principal: s3.amazonaws.com
"""

SERVERLESS = """\
service: orders
provider:
  name: aws
  runtime: python3.12
functions:
  create:
    handler: handler.create
resources:
  Resources:
    FromApi:
      Type: AWS::Lambda::Permission
      Properties:
        Action: lambda:InvokeFunction
        FunctionName: !GetAtt CreateLambdaFunction.Arn
        Principal: apigateway.amazonaws.com
"""

TERRAFORM = """\
resource "aws_lambda_function" "api" {
  function_name = "api"
  handler       = "app.handler"
  runtime       = "python3.12"
  role          = aws_iam_role.api.arn
  filename      = "build/api.zip"
}

resource "aws_iam_role" "api" {
  name = "api"
}

resource "aws_iam_role_policy" "api" {
  role   = aws_iam_role.api.id
  policy = jsonencode({ Statement = [{ Effect = "Allow", Action = "dynamodb:*", Resource = "*" }] })
}

resource "aws_lambda_permission" "s3" {
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.api.function_name
  principal     = "s3.amazonaws.com"
}
"""


def _fixes(path: Path, *rules: str) -> dict[str, str]:
    return {f.rule.id: f.fix for f in scan([path], ScanOptions(select=rules)).findings}


def test_cloudformation_fix_removes_the_admin_policy_and_adds_the_source_account(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "template.yaml").write_text(CFN)
    monkeypatch.chdir(tmp_path)
    assert main(["fix", ".", "--unsafe-fixes", "--select", "SLS103,SLS107"]) == 0
    fixed = (tmp_path / "template.yaml").read_text()
    assert "AdministratorAccess" not in fixed
    assert "# keep this comment" in fixed
    assert "      Principal: s3.amazonaws.com\n      SourceAccount: !Ref AWS::AccountId\n" in fixed
    remaining = scan([tmp_path], ScanOptions(select=("SLS103", "SLS107"))).findings
    assert [f.rule.id for f in remaining] == []


def test_a_serverless_resource_is_edited_where_it_is_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "serverless.yml").write_text(SERVERLESS)
    monkeypatch.chdir(tmp_path)
    main(["fix", ".", "--unsafe-fixes", "--select", "SLS107"])
    fixed = (tmp_path / "serverless.yml").read_text()
    assert fixed == SERVERLESS + "        SourceAccount: !Ref AWS::AccountId\n"


def test_terraform_iam_fixes_are_hcl_and_name_terraform_things(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(TERRAFORM)
    fixes = _fixes(tmp_path, "SLS101", "SLS102", "SLS107")
    assert fixes["SLS101"].splitlines()[0] == "# in aws_iam_role_policy.api.policy.Statement[0]"
    assert fixes["SLS101"].splitlines()[-1].startswith('Action = ["<the actions the code calls')
    assert fixes["SLS107"] == (
        "# in aws_lambda_permission.s3\n"
        'source_arn = "<ARN of the bucket, topic, rule or API that invokes it>"\n'
        "source_account = data.aws_caller_identity.current.account_id"
    )
    messages = [f.message for f in scan([tmp_path], ScanOptions(select=("SLS107",))).findings]
    assert messages[0].startswith("permission on function api: principal s3.amazonaws.com")


def test_placeholders_are_never_applied(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "main.tf").write_text(TERRAFORM)
    monkeypatch.chdir(tmp_path)
    main(["fix", ".", "--unsafe-fixes", "--select", "SLS101,SLS102,SLS104"])
    assert (tmp_path / "main.tf").read_text() == TERRAFORM


def test_terraform_permission_gets_the_account_and_its_data_source(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "main.tf").write_text(TERRAFORM)
    monkeypatch.chdir(tmp_path)
    main(["fix", ".", "--unsafe-fixes", "--select", "SLS107"])
    fixed = (tmp_path / "main.tf").read_text()
    assert "  source_account = data.aws_caller_identity.current.account_id\n" in fixed
    assert fixed.endswith('\ndata "aws_caller_identity" "current" {}\n')
    assert not scan([tmp_path], ScanOptions(select=("SLS107",))).findings


ROLE_WITH_POLICIES = """\
resource "aws_lambda_function" "api" {
  function_name = "api"
  handler       = "app.handler"
  runtime       = "python3.12"
  role          = aws_iam_role.api.arn
  filename      = "build/api.zip"
}

resource "aws_iam_role" "api" {
  name = "api"
  managed_policy_arns = [
    # ok: the basic execution role
    "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole",
    "arn:aws:iam::aws:policy/AmazonDynamoDBFullAccess",
  ]
}

resource "aws_iam_role_policy_attachment" "admin" {
  role       = aws_iam_role.api.name
  policy_arn = "arn:aws:iam::aws:policy/AdministratorAccess"
}
"""


def test_terraform_managed_policies_leave_their_list_and_attachments_go(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "main.tf").write_text(ROLE_WITH_POLICIES)
    monkeypatch.chdir(tmp_path)
    assert main(["fix", ".", "--select", "SLS103"]) == 1  # Unsafe: nothing without the flag.
    assert (tmp_path / "main.tf").read_text() == ROLE_WITH_POLICIES
    assert main(["fix", ".", "--unsafe-fixes", "--select", "SLS103"]) == 0
    start = ROLE_WITH_POLICIES.index('\nresource "aws_iam_role_policy_attachment"')
    expected = ROLE_WITH_POLICIES[:start].replace(
        '    "arn:aws:iam::aws:policy/AmazonDynamoDBFullAccess",\n', ""
    )
    assert (tmp_path / "main.tf").read_text() == expected


@pytest.mark.parametrize(
    ("written", "left"),
    [
        ('["a", "b"]', '["b"]'),
        ('["b", "a"]', '["b"]'),
        ('["a"]', "[]"),
    ],
)
def test_an_item_of_a_one_line_list_is_removed_with_its_comma(written: str, left: str) -> None:
    from slsguard.fixing.hcl_edit import BlockRef, HclDocument
    from slsguard.fixing.text import Source, apply_edits

    source = Source.decode(f'resource "aws_iam_role" "r" {{\n  arns = {written}\n}}\n'.encode())
    role = [BlockRef("resource", ("aws_iam_role", "r"))]
    edit = HclDocument(source).remove_list_item(role, "arns", '"a"')
    assert (
        apply_edits(source.text, [edit]) == f'resource "aws_iam_role" "r" {{\n  arns = {left}\n}}\n'
    )
