"""Fixes of an audited account, through the live dialect: AWS CLI steps that name the ARN.

The account is loaded as an application of the `live` dialect (never as a CloudFormation
template whose `!GetAtt` would be string-replaced): every fix a rule writes as intents names
the deployed thing by its ARN and says what to run, then to make the same change where the
thing is defined.
"""

from __future__ import annotations

import pytest

from slsguard.audit.client import Endpoint
from slsguard.audit.run import AuditOptions, AuditResult, audit
from slsguard.dialects.live import REDEPLOY
from slsguard.findings import Finding

PAY = "arn:aws:lambda:us-east-1:123456789012:function:orders-pay"
TEMPLATE_SYNTAX = ("!GetAtt", "!Ref", "Fn::", "Properties:", "Type: AWS::", 'resource "')


@pytest.fixture(scope="module")
def result(account_url: str) -> AuditResult:
    return audit(AuditOptions(endpoint=Endpoint(endpoint_url=account_url), regions=("us-east-1",)))


def _one(result: AuditResult, rule: str, arn: str) -> Finding:
    (found,) = [f for f in result.report.findings if f.rule.id == rule and f.location.arn == arn]
    return found


def test_fixes_written_as_intents_are_cli_steps_without_template_syntax(
    result: AuditResult,
) -> None:
    converted = [f for f in result.report.findings if f.intents]
    assert len(converted) > 15
    for finding in converted:
        assert not any(mark in finding.fix for mark in TEMPLATE_SYNTAX), finding.fix
        assert REDEPLOY in finding.fix or finding.fix.startswith(finding.intents[0].title)


def test_function_settings_name_the_function_arn(result: AuditResult) -> None:
    tracing = _one(result, "SLS402", PAY)
    assert tracing.fix.startswith(
        f"aws lambda update-function-configuration --function-name {PAY} "
        "--tracing-config Mode=Active\n"
    )
    url = _one(result, "SLS202", PAY)
    assert f"aws lambda update-function-url-config --function-name {PAY} --auth-type AWS_IAM" in (
        url.fix
    )


def test_stage_settings_are_update_stage_commands(result: AuditResult) -> None:
    stages = [
        f
        for f in result.report.findings
        if f.rule.id == "SLS209" and "/restapis/" in (f.location.arn or "")
    ]
    assert stages
    for finding in stages:
        api, stage = (finding.location.arn or "").split("/restapis/")[1].split("/stages/")
        assert finding.fix.startswith(
            f"aws apigateway update-stage --rest-api-id {api} --stage-name {stage} "
            "--patch-operations op=replace,path=/*/*/throttling/burstLimit,value=50"
        )


def test_an_alarm_is_a_put_metric_alarm_on_the_function(result: AuditResult) -> None:
    alarm = _one(result, "SLS401", PAY)
    assert "aws cloudwatch put-metric-alarm --alarm-name orders-pay-errors" in alarm.fix
    assert "--dimensions Name=FunctionName,Value=orders-pay" in alarm.fix
