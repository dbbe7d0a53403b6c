"""Fixes converted from text to intents, per dialect: what they say and what `fix` does.

Each rule's fix is rendered in the syntax of the file it points at; `slsguard fix` applies
it where the edit is exact and otherwise lists it as not applied, with the reason.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from slsguard.cli import main
from slsguard.findings import Finding
from slsguard.scan import scan

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "rules"


def _fixes(folder: str, rule: str) -> dict[str, str]:
    """`file:line` → fix text of the rule's findings in a fixture folder."""
    found: list[Finding] = list(scan([FIXTURES / folder]).findings)
    return {
        f"{Path(f.location.file or '').name}:{f.location.line}": f.fix
        for f in found
        if f.rule.id == rule
    }


def test_plaintext_secret_moves_to_a_name_the_handler_reads() -> None:
    fixes = _fixes("plaintext-secret-in-environment", "SLS301")
    assert fixes["serverless.yml:25"] == (
        "# under functions.charge.environment\n"
        "# DB_PASSWORD_ARN replaces DB_PASSWORD; store the value in Secrets Manager, and the "
        "handler reads the value at run time by that name\n"
        "# and allow secretsmanager:GetSecretValue on the secret's ARN to its role\n"
        "DB_PASSWORD_ARN: <secret ARN>"
    )
    terraform = fixes["main.tf:26"]
    assert terraform.startswith("# in aws_lambda_function.api.environment.variables\n")
    assert terraform.endswith('\nDB_PASSWORD_ARN = "<secret ARN>"')


def test_materialized_secret_is_read_by_its_name_at_run_time() -> None:
    fixes = _fixes("secret-materialized-in-environment", "SLS302")
    assert fixes["serverless.yml:25"].endswith("\nDB_PASS_PARAMETER: /app/db-password")
    assert fixes["sam.yaml:23"].endswith("\nDB_PASSWORD_SECRET_ID: prod/db")
    # A secret id built by an intrinsic is the user's to write.
    assert fixes["sam.yaml:25"].endswith("\nPARTNER_KEY_SECRET_ID: <secret ARN>")
    terraform = fixes["main.tf:17"]
    assert terraform.endswith('\nDB_PASSWORD_PARAMETER = "/orders/db-password"'), terraform
    # Never a reference the deploy resolves again (that is what the rule reports).
    assert not any("${ssm:" in fix or "{{resolve:" in fix for fix in fixes.values())


@pytest.mark.parametrize(
    ("rule", "folder"),
    [
        ("SLS301", "plaintext-secret-in-environment"),
        ("SLS302", "secret-materialized-in-environment"),
    ],
)
def test_moved_secrets_are_listed_not_applied(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    rule: str,
    folder: str,
) -> None:
    shutil.copytree(FIXTURES / folder, tmp_path / folder)
    monkeypatch.chdir(tmp_path)
    before = {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}
    assert main(["fix", ".", "--unsafe-fixes", "--select", rule]) == 1
    out = capsys.readouterr().out
    assert "fixed: " not in out
    assert f"{rule} move " in out
    assert "the handler must be changed to read the secret at run time" in out
    assert {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()} == before


def test_unauthenticated_routes_get_the_apis_authorizer_or_iam() -> None:
    fixes = _fixes("unauthenticated-endpoint", "SLS201")
    # The authorizer the API's other routes use, in each syntax's own words.
    assert fixes["serverless-rest.yml:26"].endswith("http:\n  authorizer: authorize")
    assert fixes["serverless-rest.yml:75"].endswith("httpApi:\n  authorizer:\n    name: orders-jwt")
    assert fixes["sam-default-authorizer.yaml:39"].endswith("Auth:\n    Authorizer: UsersPool")
    assert fixes["api.yaml:29"].endswith("security:\n  - CognitoAuth: {}")
    # IAM when the API has no authorizer; never CloudFormation keys in HCL.
    assert fixes["cdk-stack.template.json:27"].endswith("\nAuthorizationType: AWS_IAM")
    assert fixes["sam-explicit-apis.yaml:44"].endswith("Auth:\n    Authorizer: AWS_IAM")
    assert fixes["main.tf:23"].startswith("# in aws_api_gateway_method.post\nauthorization = ")
    assert fixes["main.tf:83"].startswith("# in aws_apigatewayv2_route.open\nauthorization_type = ")
    # What no setting expresses stays advice.
    assert "authenticate-cognito" in fixes["cloudformation-alb-appsync.yaml:34"]


def test_unvalidated_bodies_get_a_model_or_validation_in_place() -> None:
    fixes = _fixes("unvalidated-request-body", "SLS203")
    assert fixes["sam.yaml:38"] == (
        "# under OrdersFunction.Properties.Events.Replace.Properties.RequestModel\n"
        "ValidateBody: true"
    )
    assert "  RequestModel:\n    Model: <a model of the API's Models>\n" in fixes["sam.yaml:42"]
    assert fixes["serverless.yml:16"].startswith("# under functions.orders.events[0]\nhttp:\n")
    assert fixes["main.tf:19"].startswith("# in aws_api_gateway_method.post\nrequest_validator_id")
    assert '\nx-amazon-apigateway-request-validator: "<a validator' in fixes["template.yaml:34"]


def test_public_event_sources_are_kept_to_the_own_accounts_senders() -> None:
    fixes = _fixes("public-event-source", "SLS208")
    assert fixes["cloudformation.yaml:41"].endswith(
        "Condition:\n  StringEquals:\n    aws:SourceAccount: !Ref AWS::AccountId"
    )
    assert fixes["main.tf:19"].endswith(
        '"aws:SourceAccount" = data.aws_caller_identity.current.account_id } }'
    )
    assert "PublicAccessBlockConfiguration:\n  BlockPublicAcls: true\n" in fixes["sam.yaml:95"]


def test_deploy_roles_and_ci_keys_are_written_in_their_own_files_words() -> None:
    fixes = _fixes("deploy-without-cfn-role", "SLS803")
    assert fixes["serverless-v3.yml:4"].endswith(
        "provider:\n  iam:\n    deploymentRole: <ARN of a CloudFormation execution role>"
    )
    assert fixes["serverless-v2.yml:4"].endswith(
        "provider:\n  cfnRole: <ARN of a CloudFormation execution role>"
    )
    assert fixes["deploy.yml:15"].startswith("# sam deploy --stack-name orders ")
    keys = _fixes("long-lived-cloud-keys-in-ci", "SLS801")
    assert keys
    for fix in [*fixes.values(), *keys.values()]:
        assert "Properties:" not in fix and "!Ref" not in fix and "!GetAtt" not in fix


def test_a_deploy_role_is_the_authors_to_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    shutil.copytree(FIXTURES / "deploy-without-cfn-role", tmp_path / "case")
    monkeypatch.chdir(tmp_path / "case")
    main(["fix", ".", "--unsafe-fixes", "--select", "SLS803"])
    out = capsys.readouterr().out
    assert "SLS803 set deployment-role on service orders: the value must be chosen" in out
    assert "fixed: " not in out


def test_permissive_cors_names_the_front_end_where_the_origins_are_written() -> None:
    fixes = _fixes("permissive-cors", "SLS206")
    front_end = "<your front end's origin: https://app.example.com>"
    assert fixes["serverless.yml:50"] == (
        f'# under functions.profile.events[5].http.cors\norigin: "{front_end}"'
    )
    assert fixes["sam.yaml:78"].endswith(f'AllowOrigins:\n  - "{front_end}"')
    assert fixes["main.tf:68"].endswith(
        f'cors_configuration {{\n  allow_origins = ["{front_end}"]\n}}'
    )


def test_tls_policies_are_set_where_the_domain_is_written() -> None:
    fixes = _fixes("outdated-tls-policy", "SLS205")
    assert (
        fixes["serverless.yml:18"]
        == "# under custom.customDomains[0].rest\nsecurityPolicy: tls_1_2"
    )
    assert fixes["sam-globals.yaml:7"] == "# under Globals.Api.Domain\nSecurityPolicy: TLS_1_2"
    assert fixes["cloudformation.yaml:62"].endswith(
        "DomainNameConfigurations[0]\nSecurityPolicy: TLS_1_2"
    )


def test_a_short_form_event_is_never_replaced_by_a_mapping(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`- http: GET hello` says its path and method in the text: setting `authorizer` on it
    would write a mapping in its place and lose them (seen in serverless/examples)."""
    template = (
        "service: hello\nprovider:\n  name: aws\n  runtime: python3.12\nfunctions:\n"
        "  hello:\n    handler: handler.hello\n    events:\n      - http: GET hello\n"
        "      - http:\n          path: bye\n          method: post\n"
    )
    (tmp_path / "serverless.yml").write_text(template)
    monkeypatch.chdir(tmp_path)
    main(["fix", ".", "--unsafe-fixes", "--select", "SLS201"])
    out = capsys.readouterr().out
    assert "is written in its short form (GET hello): write it as a mapping first" in out
    written = (tmp_path / "serverless.yml").read_text()
    assert "      - http: GET hello\n" in written
    assert "          method: post\n          authorizer: aws_iam\n" in written
