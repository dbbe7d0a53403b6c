"""API Gateway and event sources in the audit: the API and source rules on live resources."""

from __future__ import annotations

from collections.abc import Iterable

import pytest

from slsguard.audit.client import Endpoint
from slsguard.audit.run import AuditOptions, AuditResult, audit
from slsguard.findings import Finding


@pytest.fixture(scope="module")
def result(account_url: str) -> AuditResult:
    """One audit of the whole test account."""
    return audit(AuditOptions(endpoint=Endpoint(endpoint_url=account_url), regions=("us-east-1",)))


def _by(findings: Iterable[Finding], rule: str) -> list[Finding]:
    return [f for f in findings if f.rule.id == rule]


def _arns(findings: Iterable[Finding], rule: str) -> set[str]:
    return {f.location.arn or "" for f in _by(findings, rule)}


def test_open_rest_method_and_http_route_are_unauthenticated(result: AuditResult) -> None:
    open_ = _by(result.report.findings, "SLS201")
    arns = {f.location.arn or "" for f in open_}
    assert {arn.split("::/")[1].split("/")[0] for arn in arns} == {"restapis", "apis"}
    assert all(f.location.key_path == ("AuthorizationType",) for f in open_)
    assert any(f.location.arn.endswith("/methods/POST") for f in open_ if f.location.arn)
    assert not any("/list" in f.message or "POST /orders" in f.message for f in open_)


def test_stage_settings_waf_throttling_logs_tracing(result: AuditResult) -> None:
    findings = result.report.findings
    waf = {arn for arn in _arns(findings, "SLS204") if ":/restapis/" in arn}
    assert len(waf) == 1 and waf.pop().endswith("/stages/prod"), "live has a web ACL"
    throttled = _arns(findings, "SLS209")
    assert not any(arn.endswith("/stages/live") for arn in throttled)
    assert any(arn.endswith("/stages/prod") for arn in throttled)
    tracing = {arn for arn in _arns(findings, "SLS402") if ":apigateway:" in arn}
    assert len(tracing) == 1 and tracing.pop().endswith("/stages/prod")
    logs = {f.location.arn: f.message for f in _by(findings, "SLS403")}
    live = [message for arn, message in logs.items() if arn and arn.endswith("/stages/live")]
    assert live and "no access logging" not in live[0]


def test_validated_method_is_not_reported(result: AuditResult) -> None:
    unvalidated = _by(result.report.findings, "SLS203")
    assert any("/pay" in f.message for f in unvalidated)
    assert not any("/list" in f.message for f in unvalidated)


def test_public_queue_and_bucket_policies_and_owner_only_topic(result: AuditResult) -> None:
    findings = result.report.findings
    public = {f.location.arn: f for f in _by(findings, "SLS208")}
    assert set(public) == {
        "arn:aws:sqs:us-east-1:123456789012:orders-jobs",
        "arn:aws:s3:::orders-uploads",
    }
    assert all(f.location.key_path[:2] == ("Policy", "PolicyDocument") for f in public.values())
    assert not any(":sns:" in arn for arn in _arns(findings, "SLS208"))
    sources = {arn.split(":")[2] for arn in _arns(findings, "SLS207")}
    assert sources == {"s3", "sqs", "sns"}, "no policy denies plain HTTP"


def test_api_and_source_calls_are_recorded(result: AuditResult) -> None:
    assert {"apigateway:GET", "wafv2:GetWebACLForResource", "sqs:GetQueueAttributes"} <= (
        result.actions
    )
    assert {"s3:GetBucketPolicy", "s3:GetBucketNotification", "sns:ListSubscriptions"} <= (
        result.actions
    )


def test_bucket_finding_names_the_function_by_its_real_name(result: AuditResult) -> None:
    """The mirror gives `orders-list` the logical id `OrdersList`; messages keep the name."""
    (bucket,) = [
        f for f in _by(result.report.findings, "SLS208") if ":s3:::" in str(f.location.arn)
    ]
    assert "orders-list" in bucket.message and "OrdersList" not in bucket.message
