"""The dialects: one vocabulary, native addresses, intents rendered in each syntax."""

from __future__ import annotations

from pathlib import Path
from typing import get_args

import hcl2
import pytest

from slsguard import dialects
from slsguard.findings import Origin
from slsguard.fixes import AddResource, Grant, SetSetting, Target
from slsguard.loading.terraform import load_root_module
from slsguard.loading.yaml import load_text
from slsguard.model import DIALECTS, Application, Dialect
from slsguard.scan import scan

ROOT = Path(__file__).resolve().parents[2]
TERRAFORM_APP = ROOT / "examples" / "terraform-app"


def _terraform() -> Application:
    return load_root_module(TERRAFORM_APP, TERRAFORM_APP, lambda path: path.as_posix())


def _template(kind: Dialect) -> Application:
    return Application("app", kind, "t.yml", Origin("t.yml"))


def test_one_vocabulary_names_every_dialect() -> None:
    assert set(get_args(Dialect)) == set(DIALECTS)
    assert {"serverless", "sam", "cloudformation", "terraform", "cdk", "live"} <= set(DIALECTS)


def _tracing(kind: str, origin: Origin, resource_type: str = "AWS::Lambda::Function") -> SetSetting:
    target = Target(kind, "create", origin, resource_type=resource_type)  # type: ignore[arg-type]
    return SetSetting(target, "tracing", "Active", grants=(Grant(("xray:PutTraceSegments",)),))


@pytest.mark.parametrize(
    ("kind", "path", "resource_type", "expected"),
    [
        ("serverless", ("functions", "create"), "", "tracing: Active"),
        ("sam", ("Resources", "Create"), "AWS::Serverless::Function", "Tracing: Active"),
        ("cloudformation", ("Resources", "Create"), "", "TracingConfig:\n  Mode: Active"),
    ],
)
def test_tracing_rendered_in_each_template_syntax(
    kind: Dialect, path: tuple[str, ...], resource_type: str, expected: str
) -> None:
    app = _template(kind)
    text = dialects.for_app(app).render(
        app, _tracing("function", Origin("t.yml", path), resource_type)
    )
    assert text.endswith(expected)
    assert not load_text(text, "fix.yml").problems


def test_terraform_places_named_by_address_and_argument() -> None:
    app = _terraform()
    origin = Origin(
        "iam.tf", ("Resources", "IamRolePolicyPayments", "PolicyDocument", "Statement", 0, "Action")
    )
    assert (
        dialects.native_address(app, origin)
        == "aws_iam_role_policy.payments.policy.Statement[0].Action"
    )
    module = Origin("x.tf", ("Resources", "ReceiptsSqsQueueJobs", "Properties", "RedrivePolicy"))
    assert (
        dialects.native_address(app, module) == "module.receipts.aws_sqs_queue.jobs.redrive_policy"
    )


def test_terraform_fixes_are_hcl() -> None:
    app = _terraform()
    function = next(fn for fn in app.functions if fn.name == "charge")
    target = Target(
        "function", "charge", function.origin, "AWS::Lambda::Function", function.logical_id or ""
    )
    tracing = dialects.render_fix(app, [SetSetting(target, "tracing", "Active")], function.origin)
    assert 'tracing_config {\n  mode = "Active"\n}' in tracing
    alarm = dialects.render_fix(app, [AddResource(target, "alarm")], function.origin)
    assert 'resource "aws_cloudwatch_metric_alarm" "charge_errors"' in alarm
    for text in (tracing, alarm):
        hcl2.loads(text)  # raises when it is not HCL


def test_edits_point_at_the_target_for_fix_command() -> None:
    app = _template("serverless")
    origin = Origin("serverless.yml", ("functions", "create"), 12, 3)
    (edit,) = dialects.edits(app, [_tracing("function", origin, "")], origin)
    assert isinstance(edit, dialects.Edit)
    assert (edit.file, edit.anchor, edit.action, edit.key, edit.text) == (
        "serverless.yml",
        ("functions", "create"),
        "set",
        "tracing",
        "Active",
    )


def test_terraform_findings_never_show_a_cloudformation_path() -> None:
    report = scan([TERRAFORM_APP])
    located = [f for f in report.findings if f.location.kind == "template" and f.location.file]
    tf = [f for f in located if f.location.file and f.location.file.endswith(".tf")]
    assert tf
    for finding in tf:
        assert finding.location.key_path == ()
        assert not finding.location.address.startswith(("Resources", "Iam", "Lambda")), finding


CDK_APP = ROOT / "tests" / "fixtures" / "rules" / "os-command-injection" / "cdk-app"


def test_cdk_output_is_its_own_dialect_named_by_construct_path() -> None:
    report = scan([CDK_APP / "cdk.out"])
    tracing = [f for f in report.findings if f.rule.id == "SLS402"]
    assert tracing
    for finding in tracing:
        assert finding.location.dialect == "cdk"
        assert finding.location.address.startswith("OrdersStack/")
        assert "tracing: lambda.Tracing.ACTIVE" in finding.fix  # cdk.json `app` is ts-node


def test_cdk_language_comes_from_cdk_json(tmp_path: Path) -> None:
    from slsguard.loading import cdk_language

    (tmp_path / "cdk.out").mkdir()
    (tmp_path / "cdk.json").write_text('{"app": "python3 app.py"}')
    assert cdk_language(tmp_path / "cdk.out" / "Stack.template.json") == "python"
    (tmp_path / "cdk.json").write_text('{"app": "npx ts-node bin/app.ts"}')
    assert cdk_language(tmp_path / "cdk.out" / "Stack.template.json") == "typescript"
