"""`slsguard audit` against a moto server: the same rules on deployed functions."""

from __future__ import annotations

from collections.abc import Iterable

import pytest

from slsguard.audit.client import Endpoint
from slsguard.audit.collect import Scope
from slsguard.audit.run import AuditOptions, AuditResult, audit
from slsguard.findings import Finding

PAY = "arn:aws:lambda:us-east-1:123456789012:function:orders-pay"
LIST = "arn:aws:lambda:us-east-1:123456789012:function:orders-list"


@pytest.fixture(scope="module")
def result(account_url: str) -> AuditResult:
    """One audit of the whole test account."""
    return audit(AuditOptions(endpoint=Endpoint(endpoint_url=account_url), regions=("us-east-1",)))


def _by(findings: Iterable[Finding], rule: str) -> list[Finding]:
    return [f for f in findings if f.rule.id == rule]


def test_functions_are_grouped_by_stack(result: AuditResult) -> None:
    apps = {app.name: set(app.functions) for app in result.report.apps}
    assert apps["orders (us-east-1)"] == {"orders-pay", "orders-list"}
    assert apps["lambda 123456789012 (us-east-1)"] == {"handmade"}


def test_secret_in_environment_points_at_the_function_arn(result: AuditResult) -> None:
    (secret,) = _by(result.report.findings, "SLS301")
    assert secret.location.kind == "cloud"
    assert secret.location.arn == PAY
    assert secret.location.key_path == ("Environment", "Variables", "DB_PASSWORD")
    assert (secret.location.region, secret.location.account) == ("us-east-1", "123456789012")
    assert "Tr0ub4dor" not in secret.message
    assert secret.function == "orders-pay"


def test_iam_rules_apply_to_live_roles(result: AuditResult) -> None:
    findings = result.report.findings
    wildcard = _by(findings, "SLS101")
    assert any("dynamodb:*" in f.message for f in wildcard)
    assert {f.location.arn for f in wildcard} == {"arn:aws:iam::123456789012:role/orders-risky"}
    assert _by(findings, "SLS103"), "AdministratorAccess is attached"
    (escalation,) = _by(findings, "SLS105")
    assert (escalation.location.arn or "").startswith("arn:aws:iam::123456789012:")
    assert escalation.functions == ("orders-pay",)
    assert not any(f.concerns("orders-list") for f in wildcard)


def test_public_url_and_resource_policy(result: AuditResult) -> None:
    findings = result.report.findings
    urls = _by(findings, "SLS202")
    assert {f.location.arn for f in urls} == {PAY}
    assert ("FunctionUrlConfig", "AuthType") in {f.location.key_path for f in urls}
    assert all("!GetAtt" not in f.message and "!Ref" not in f.message for f in urls)
    public = _by(findings, "SLS107")
    assert [f.location.key_path for f in public] == [("Policy", "Statement", "anyone")]


def test_runtime_alarm_and_log_rules(result: AuditResult) -> None:
    findings = result.report.findings
    assert {f.function for f in _by(findings, "SLS501")} == {"orders-pay"}
    assert "orders-list" not in {f.function for f in _by(findings, "SLS401")}
    assert "orders-pay" in {f.function for f in _by(findings, "SLS401")}
    retention = {f.function for f in _by(findings, "SLS404")}
    assert "orders-pay" in retention and "orders-list" not in retention
    tracing = {f.function for f in _by(findings, "SLS402")}
    assert "orders-list" not in tracing


def test_scope_by_function_and_stack(account_url: str) -> None:
    endpoint = Endpoint(endpoint_url=account_url)
    only = audit(AuditOptions(endpoint=endpoint, scope=Scope(functions=("handmade",))))
    assert [app.functions for app in only.report.apps] == [("handmade",)]
    stack = audit(AuditOptions(endpoint=endpoint, scope=Scope(stack="orders")))
    assert [app.name for app in stack.report.apps] == ["orders (us-east-1)"]


def test_every_call_is_recorded_as_an_iam_action(result: AuditResult) -> None:
    assert {"lambda:ListFunctions", "lambda:GetPolicy", "iam:GetRole"} <= result.actions
    assert "iam:GetPolicyVersion" in result.actions


def test_access_denied_becomes_sls008_and_the_audit_goes_on(denying_url: str) -> None:
    denied = audit(AuditOptions(endpoint=Endpoint(endpoint_url=denying_url)))
    findings = denied.report.findings
    missing = {f.subject: f for f in _by(findings, "SLS008")}
    assert set(missing) == {"lambda:GetPolicy", "iam:ListAttachedRolePolicies"}
    policy = missing["lambda:GetPolicy"]
    assert "3 " not in policy.message and "orders-pay" in policy.message
    assert policy.location.kind == "cloud" and policy.location.arn == "arn:aws:lambda:us-east-1"
    assert _by(findings, "SLS301"), "the rest of the audit went on"
    assert not _by(findings, "SLS107"), "resource policies were not readable"
    assert not _by(findings, "SLS103"), "attached policies were not readable"


def test_a_secret_is_moved_with_cli_steps(result: AuditResult) -> None:
    (secret,) = _by(result.report.findings, "SLS301")
    assert secret.fix.startswith("aws secretsmanager create-secret --name ")
    assert "remove DB_PASSWORD from the environment of " + PAY in secret.fix


def test_no_finding_says_anything_in_template_syntax(result: AuditResult) -> None:
    """Every rule the audit runs renders through the live dialect: ARNs and CLI steps, never
    the intrinsics of the template the audit synthesizes (`!GetAtt X.Arn`, `!Ref X`)."""
    marks = ("!GetAtt", "!Ref ", "Fn::", "Properties:", "Resources:")
    offenders = {
        finding.rule.id
        for finding in result.report.findings
        for text in (finding.message, finding.fix)
        if any(mark in text for mark in marks)
    }
    assert offenders == set()
