"""Powertools utilities, the Parameters and Secrets extension, `--format sam` templates
and the JSON `Sid` provenance of `slsguard policy`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from slsguard.cli import main
from slsguard.dialects.statements import statement_ids
from slsguard.discovery import discover
from slsguard.fixes import PolicyStatement
from slsguard.iam import actions
from slsguard.leastpriv.needs import FunctionNeeds, Need, function_needs
from slsguard.leastpriv.policy import intents, minimal
from slsguard.leastpriv.resources import from_resource
from slsguard.leastpriv.samfit import CANDIDATES, expansion, fit
from slsguard.loading import LoadOptions, load_all
from slsguard.model import Application

HERE = Path(__file__).resolve().parent
POWERTOOLS = HERE / "fixtures" / "powertools"
ORDERS = HERE.parent / "fixtures" / "rules" / "missing-permission" / "orders"
APPCONFIG = "arn:aws:appconfig:*:*:application/*/environment/*/configuration/*"


def _app(path: Path) -> Application:
    cwd = Path.cwd()
    return load_all(list(discover([path], cwd)), LoadOptions(), cwd).apps[0]


def _needs(function: str) -> set[tuple[str, str, bool, int]]:
    found = function_needs(_app(POWERTOOLS))[function]
    return {
        (n.action, n.target.cfn or n.target.arn, n.target.resolved, n.location.line)
        for n in found.needs
        if n.location is not None
    }


def test_powertools_parameters_and_idempotency_statement_by_statement() -> None:
    table = "!GetAtt IdempotencyTable.Arn"
    assert _needs("Orders") == {
        *{(f"dynamodb:{a}", table, True, 10) for a in ("GetItem", "PutItem", "UpdateItem")},
        ("dynamodb:DeleteItem", table, True, 10),
        ("ssm:GetParameter", "arn:aws:ssm:*:*:parameter/orders/feature-flag", True, 15),
        ("ssm:GetParametersByPath", "arn:aws:ssm:*:*:parameter/orders/config", True, 16),
        ("secretsmanager:GetSecretValue", "!Ref ApiKey", True, 17),
        ("appconfig:StartConfigurationSession", APPCONFIG, False, 18),
        ("appconfig:GetLatestConfiguration", APPCONFIG, False, 18),
    }


def test_parameters_and_secrets_extension_statement_by_statement() -> None:
    assert _needs("Extension") == {
        ("secretsmanager:GetSecretValue", "arn:aws:secretsmanager:*:*:secret:*-*", False, 17),
        ("secretsmanager:GetSecretValue", "!Ref DbSecret", True, 23),
        ("ssm:GetParameter", "arn:aws:ssm:*:*:parameter/orders/flag", True, 28),
        ("ssm:GetParameter", "arn:aws:ssm:*:*:parameter/orders/limits", True, 32),
    }


def test_utility_needs_name_the_utility_and_exist_in_the_dataset() -> None:
    found = function_needs(_app(POWERTOOLS))["Orders"]
    assert all(actions.lookup(n.action) for n in found.needs)
    reasons = {n.reason for n in found.needs}
    assert "powertools idempotency DynamoDBPersistenceLayer" in reasons
    assert "powertools parameters.get_secret" in reasons


def test_sam_template_only_where_it_fits_exactly() -> None:
    app = _app(ORDERS)
    uses, rest = fit(app, function_needs(app)["worker"])
    assert [(u.candidate.template, u.logical_id) for u in uses] == [
        ("SNSPublishMessagePolicy", "Done")
    ]
    # GetItem + PutItem is not DynamoDBCrudPolicy; the trigger's needs are SAM's own.
    assert {n.action for n in rest.needs} == {
        "dynamodb:GetItem",
        "dynamodb:PutItem",
        "s3:PutObject",
        "s3:AbortMultipartUpload",
    }


def _table_needs(app: Application, actions_: tuple[str, ...], index: bool) -> FunctionNeeds:
    table = from_resource(app, "table", "OrdersTable", "TABLE_NAME")
    targets = (table, table.child("/index/*")) if index else (table,)
    return FunctionNeeds(
        "worker", tuple(Need(a, t, None, "test") for a in actions_ for t in targets)
    )


def test_dynamodb_crud_policy_only_when_the_needs_equal_its_expansion() -> None:
    app = _app(ORDERS)
    crud = next(c for c in CANDIDATES if c.template == "DynamoDBCrudPolicy")
    grants = expansion(app, crud, "OrdersTable")
    assert grants is not None
    every = tuple(sorted({a for a, _ in grants}))
    assert len(every) == 10
    uses, rest = fit(app, _table_needs(app, every, index=True))
    assert [u.candidate.template for u in uses] == ["DynamoDBCrudPolicy"] and not rest.needs
    for partial in (_table_needs(app, every, False), _table_needs(app, every[1:], True)):
        assert fit(app, partial)[0] == ()


def test_policy_format_sam(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["policy", str(POWERTOOLS), "--function", "Extension", "--format", "sam"]) == 0
    out = capsys.readouterr().out
    assert "- AWSSecretsManagerGetSecretValuePolicy:\n    SecretArn: !Ref DbSecret" in out
    assert "- Statement:\n    # " in out and "      Action: [ssm:GetParameter]" in out


def test_json_statement_ids_name_the_code_lines(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["policy", str(ORDERS), "--function", "worker", "--format", "json"]) == 0
    document = json.loads(capsys.readouterr().out)["worker"]
    sids = {s["Sid"]: s["Action"] for s in document["Statement"]}
    assert sids["HandlerL21DbL10"] == ["dynamodb:GetItem", "dynamodb:PutItem"]
    assert sids["SqsTrigger"] == [
        "sqs:DeleteMessage",
        "sqs:GetQueueAttributes",
        "sqs:ReceiveMessage",
    ]
    assert set(document) == {"Version", "Statement"}
    assert all(s.isalnum() for s in sids)


def test_statement_ids_are_unique_and_alphanumeric() -> None:
    same = PolicyStatement(("s3:GetObject",), (), ("src/a-b.py:3 s3.get_object",))
    assert statement_ids((same, same, PolicyStatement((), (), ()))) == [
        "ABL3",
        "ABL3N2",
        "Needed",
    ]
    statements = intents(minimal(function_needs(_app(POWERTOOLS))["Orders"]))
    assert len(set(statement_ids(statements))) == len(statements)
