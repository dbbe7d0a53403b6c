"""Severities of the API exposure rules on their committed fixtures.

The annotated fixtures check which lines are reported; here the severity of each is checked:
SLS201 is high for state-changing methods, ANY and WebSocket `$connect`, low for GET/HEAD,
for API-key-only routes (`private: true` with a usage plan, `ApiKeyRequired`, AppSync
`API_KEY`) and for routes a resource policy limits to some IP addresses; SLS203 is low for
HTTP API routes (their bodies cannot be validated at the gateway), medium otherwise.
"""

from __future__ import annotations

from pathlib import Path

from slsguard.scan import ScanOptions, scan

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "rules"


def _severities(rule: str) -> dict[tuple[str, int], str]:
    """{(path under the rule's fixtures, line): severity} of what `rule` reports."""
    folder = FIXTURES / rule
    report = scan([folder], ScanOptions(select=(rule,)))
    found = {}
    for finding in report.findings:
        path = Path(finding.location.file or "").resolve().relative_to(folder)
        found[(path.as_posix(), finding.location.line)] = finding.severity.value
    return found


def test_unauthenticated_endpoint_severities() -> None:
    found = _severities("unauthenticated-endpoint")
    expected = {
        ("serverless-rest.yml", 26): "high",  # POST without authorizer
        ("serverless-rest.yml", 30): "low",  # GET
        ("serverless-rest.yml", 63): "low",  # private: true (API key only)
        ("serverless-usage-plan.yml", 20): "low",  # private: true with a usage plan, POST
        ("serverless-rest.yml", 75): "high",  # httpApi POST
        ("serverless-rest.yml", 96): "low",  # alb: listener outside the scan
        ("serverless-ip-allowlist.yml", 19): "low",  # resource policy with aws:SourceIp
        ("serverless-websocket.yml", 10): "high",  # $connect without authorizer
        ("sam-explicit-apis.yaml", 44): "high",  # POST
        ("sam-explicit-apis.yaml", 65): "low",  # ApiKeyRequired with a usage plan
        ("sam-default-authorizer.yaml", 47): "low",  # Authorizer NONE + ApiKeyRequired
        ("cloudformation.yaml", 37): "high",  # AuthorizationType NONE on POST
        ("cloudformation.yaml", 43): "low",  # GET without AuthorizationType
        ("cloudformation-alb-appsync.yaml", 71): "low",  # AppSync API_KEY only
        ("openapi-include/legacy.yaml", 19): "low",  # api_key security scheme only
    }
    assert {key: found.get(key) for key in expected} == expected


def test_public_function_url_is_high() -> None:
    found = _severities("public-function-url")
    assert found and set(found.values()) == {"high"}


def test_unvalidated_body_is_low_only_where_it_cannot_be_fixed_at_the_gateway() -> None:
    found = _severities("unvalidated-request-body")
    low = {key for key, severity in found.items() if severity == "low"}
    assert low == {
        ("serverless/serverless.yml", 62),  # httpApi POST
        ("sam.yaml", 56),  # HttpApi event
        ("cloudformation.yaml", 90),  # AWS::ApiGatewayV2::Route
        ("serverless-httpapi-once.yml", 11),  # one note for the whole HTTP API
    }
    assert {severity for key, severity in found.items() if key not in low} == {"medium"}


def test_permissive_cors_is_medium_or_low() -> None:
    found = _severities("permissive-cors")  # low: credentials with `*` (see test_cors_severity)
    assert found and set(found.values()) == {"medium", "low"}
