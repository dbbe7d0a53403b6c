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
        'source_account = "<this account\'s ID: data.aws_caller_identity.current.account_id>"'
    )
    messages = [f.message for f in scan([tmp_path], ScanOptions(select=("SLS107",))).findings]
    assert messages[0].startswith("permission on function api: principal s3.amazonaws.com")


def test_placeholders_are_never_applied(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "main.tf").write_text(TERRAFORM)
    monkeypatch.chdir(tmp_path)
    main(["fix", ".", "--unsafe-fixes", "--select", "SLS101,SLS102,SLS107"])
    assert (tmp_path / "main.tf").read_text() == TERRAFORM
