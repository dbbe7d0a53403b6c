"""Terraform API Gateway, resource policies and `--var-file` in CloudFormation shape."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from slsguard.analysis.apis import apis
from slsguard.analysis.http import endpoints
from slsguard.cli import main
from slsguard.loading.terraform import load_root_module
from slsguard.model import Application

_FUNCTION = (
    'resource "aws_lambda_function" "api" {\n'
    '  function_name = "api"\n  handler = "app.handler"\n  runtime = "python3.12"\n'
    '  role = "arn:aws:iam::123456789012:role/api"\n}\n'
)


def _load(tmp_path: Path, text: str, var_files: tuple[Path, ...] = ()) -> Application:
    (tmp_path / "main.tf").write_text(_FUNCTION + text)
    return load_root_module(
        tmp_path, tmp_path, lambda p: p.relative_to(tmp_path).as_posix(), var_files
    )


def test_openapi_body_with_jsonencode_becomes_endpoints(tmp_path: Path) -> None:
    app = _load(
        tmp_path,
        'resource "aws_api_gateway_rest_api" "api" {\n'
        '  name = "api"\n'
        "  body = jsonencode({\n"
        '    openapi = "3.0.1"\n'
        '    paths = { "/orders" = { post = { "x-amazon-apigateway-integration" = {\n'
        '      type = "aws_proxy", httpMethod = "POST",\n'
        "      uri = aws_lambda_function.api.invoke_arn } } } }\n"
        "  })\n}\n",
    )
    (endpoint,) = endpoints(app)
    assert (endpoint.method, endpoint.path, endpoint.function) == ("POST", "/orders", "api")
    assert endpoint.auth.kind == "none"


def test_method_settings_usage_plan_and_waf_attach_to_their_stage(tmp_path: Path) -> None:
    app = _load(
        tmp_path,
        'resource "aws_api_gateway_rest_api" "api" {\n  name = "api"\n}\n'
        'resource "aws_api_gateway_stage" "prod" {\n'
        "  rest_api_id = aws_api_gateway_rest_api.api.id\n"
        '  stage_name = "prod"\n  deployment_id = "d"\n}\n'
        'resource "aws_api_gateway_method_settings" "all" {\n'
        "  rest_api_id = aws_api_gateway_rest_api.api.id\n"
        "  stage_name = aws_api_gateway_stage.prod.stage_name\n"
        '  method_path = "*/*"\n'
        '  settings {\n    logging_level = "INFO"\n    throttling_burst_limit = -1\n  }\n}\n'
        'resource "aws_api_gateway_usage_plan" "plan" {\n  name = "plan"\n'
        "  api_stages {\n    api_id = aws_api_gateway_rest_api.api.id\n"
        "    stage = aws_api_gateway_stage.prod.stage_name\n  }\n"
        "  throttle_settings {\n    rate_limit = 10\n  }\n}\n"
        'resource "aws_wafv2_web_acl_association" "waf" {\n'
        "  resource_arn = aws_api_gateway_stage.prod.arn\n"
        '  web_acl_arn = "arn:aws:wafv2:us-east-1:1:regional/webacl/a/b"\n}\n',
    )
    (api,) = apis(app)
    (stage,) = api.stages
    assert stage.execution_logging is not None and stage.execution_logging.origin.line == 20
    assert stage.throttling is not None and stage.waf is not None
    assert "Terraform::ApiGateway::MethodSettings" not in json.dumps(dict(app.resources or {}))


def test_public_access_block_and_zero_retention(tmp_path: Path) -> None:
    app = _load(
        tmp_path,
        'resource "aws_s3_bucket" "b" {\n  bucket = "b"\n}\n'
        'resource "aws_s3_bucket_public_access_block" "b" {\n'
        "  bucket = aws_s3_bucket.b.id\n  block_public_policy = true\n}\n"
        'resource "aws_cloudwatch_log_group" "g" {\n'
        '  name = "/aws/lambda/api"\n  retention_in_days = 0\n}\n',
    )
    resources = app.resources or {}
    bucket = resources["S3BucketB"]["Properties"]
    assert bucket["PublicAccessBlockConfiguration"]["BlockPublicPolicy"] is True
    assert "RetentionInDays" not in resources["CloudwatchLogGroupG"]["Properties"]


def test_var_file_overrides_tfvars(tmp_path: Path) -> None:
    module = tmp_path / "app"
    module.mkdir()
    (module / "terraform.tfvars").write_text('runtime = "python3.12"\n')
    outside = tmp_path / "prod.tfvars"
    outside.write_text('runtime = "python3.8"\n')
    (module / "main.tf").write_text(
        'variable "runtime" {}\nresource "aws_lambda_function" "f" {\n'
        '  handler = "a.b"\n  runtime = var.runtime\n}\n'
    )
    app = load_root_module(module, module, lambda p: p.name, (outside,))
    assert app.functions[0].runtime == "python3.8"


def test_cli_var_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "main.tf").write_text(
        'variable "runtime" {\n  default = "python3.12"\n}\n'
        'resource "aws_lambda_function" "f" {\n  handler = "a.b"\n  runtime = var.runtime\n}\n'
    )
    old = tmp_path.parent / f"{tmp_path.name}-old.tfvars"
    old.write_text('runtime = "python2.7"\n')
    args = ["scan", str(tmp_path), "--select", "SLS501", "--format", "json"]
    assert main(args) == 0
    capsys.readouterr()
    assert main([*args, "--var-file", str(old)]) == 1
    assert "python2.7" in capsys.readouterr().out


def test_fixes_are_written_in_hcl_for_terraform(tmp_path: Path) -> None:
    from slsguard.scan import ScanOptions, scan

    (tmp_path / "main.tf").write_text(
        'resource "aws_iam_role" "shared" {\n  name = "shared"\n}\n'
        'resource "aws_iam_role_policy" "p" {\n  role = aws_iam_role.shared.id\n'
        '  policy = jsonencode({ Statement = [{ Effect = "Allow", '
        'Action = "s3:GetObject", Resource = "*" }] })\n}\n'
        'resource "aws_lambda_function" "a" {\n  handler = "a.b"\n  runtime = "python3.12"\n'
        "  role = aws_iam_role.shared.arn\n"
        '  environment {\n    variables = { API_TOKEN = "s3cr3t-Value-9f8e7d6c" }\n  }\n}\n'
        'resource "aws_lambda_function" "b" {\n  handler = "a.b"\n  runtime = "python3.12"\n'
        "  role = aws_iam_role.shared.arn\n}\n"
    )
    result = scan([tmp_path], ScanOptions(select=("SLS102", "SLS104", "SLS301")))
    fixes = {finding.rule.id: finding.fix for finding in result.findings}
    assert fixes["SLS102"].splitlines()[0] == "# in aws_iam_role_policy.p.policy.Statement[0]"
    assert fixes["SLS102"].endswith(
        'Resource = ["<the ARN of each resource the functions use, or a reference to it>"]'
    )
    assert 'role = "<ARN of an aws_iam_role only this function uses>"' in fixes["SLS104"]
    assert fixes["SLS301"].endswith('API_TOKEN_ARN = "<secret ARN>"')
