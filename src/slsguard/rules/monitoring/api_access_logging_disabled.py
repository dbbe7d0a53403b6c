"""api-access-logging-disabled (SLS403): an API stage without access logging (REST and
WebSocket stages also without execution logging).

## What it does
Reports each API stage that writes no access logs, and each REST or WebSocket stage that
also writes no execution logs (HTTP APIs have access logs only). Serverless Framework:
`provider.logs.restApi`, `provider.logs.httpApi`, `provider.logs.websocket`; SAM:
`AccessLogSetting` and `MethodSettings` `LoggingLevel` (REST, also in `Globals.Api`),
`AccessLogSettings` (HTTP); CloudFormation: `AWS::ApiGateway::Stage` (or a deployment's
`StageDescription`) and `AWS::ApiGatewayV2::Stage` (`DefaultRouteSettings.LoggingLevel`).
A generated Serverless stage extended through `resources.extensions` counts too.

## Why is this bad?
Access logs are the record of who called the API, from where, and with what result;
execution logs explain why the gateway rejected or failed a request. Without them an
incident cannot be investigated and abuse cannot be detected.

Note that the Serverless Framework's `provider.logs.restApi: true` (and `websocket: true`)
also turns on `fullExecutionData`, which writes whole request and response bodies to the
logs (api-data-trace-enabled): set `fullExecutionData: false` when you turn logging on.

## Example
```yaml
service: orders
provider:
  name: aws
  runtime: python3.12
functions:
  create:
    handler: handler.create
    events:
      - http: POST /orders
```

## Fix
```yaml
service: orders
provider:
  name: aws
  runtime: python3.12
  logs:
    restApi:
      accessLogging: true
      executionLogging: true
      level: ERROR
      fullExecutionData: false
functions:
  create:
    handler: handler.create
    events:
      - http: POST /orders
```

## References
- https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-logging.html
- https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-logging.html
- https://docs.aws.amazon.com/securityhub/latest/userguide/apigateway-controls.html#apigateway-1
- https://docs.aws.amazon.com/securityhub/latest/userguide/apigateway-controls.html#apigateway-9
"""

from collections.abc import Iterator

from slsguard.analysis.apis import Api, Stage, apis
from slsguard.findings import Severity, Violation
from slsguard.model import Application
from slsguard.rules import Context, rule

_FORMAT = (
    '\'{"requestId":"$context.requestId","ip":"$context.identity.sourceIp",'
    '"requestTime":"$context.requestTime","routeKey":"$context.routeKey",'
    '"status":"$context.status"}\''
)
_SERVERLESS_FIX = {
    "rest": (
        "provider:\n  logs:\n    restApi:\n      accessLogging: true\n"
        "      executionLogging: true\n      level: ERROR\n      fullExecutionData: false"
    ),
    "http": "provider:\n  logs:\n    httpApi: true",
    "websocket": (
        "provider:\n  logs:\n    websocket:\n      accessLogging: true\n"
        "      executionLogging: true\n      level: ERROR\n      fullExecutionData: false"
    ),
}


@rule(
    "SLS403",
    "api-access-logging-disabled",
    Severity.MEDIUM,
    "An API stage without access logging (or, for REST and WebSocket, execution logging)",
    practice="P5",
    mappings={
        "owasp-serverless": "S10",
        "cwe": "CWE-778",
        "fsbp": ("APIGateway.9", "APIGateway.1"),
        "pci-dss-4.0": "10.2.1",
        "hipaa": "164.312(b)",
    },
)
def check(app: Application, context: Context) -> Iterator[Violation]:
    """API stages that write no access (or execution) logs."""
    for api in apis(app):
        for stage in api.stages:
            missing = _missing(api, stage)
            if missing:
                yield _violation(api, stage, missing)


def _missing(api: Api, stage: Stage) -> list[str]:
    missing = []
    if stage.access_logging is None:
        missing.append("access logging")
    if api.kind != "http" and stage.execution_logging is None:
        missing.append("execution logging")
    return missing


def _violation(api: Api, stage: Stage, missing: list[str]) -> Violation:
    serves = f" ({api.serves()})" if api.functions else ""
    what = " and no ".join(missing)
    why = (
        "who called it, from where and with what result is recorded nowhere"
        if "access logging" in missing
        else "why the gateway rejected or failed a request is recorded nowhere"
    )
    return Violation(
        stage.origin,
        f"{api.describe(stage)}{serves} has no {what}: {why}",
        _fix(api, stage, missing),
        subject=f"{api.resource_id}:{stage.name}",
    )


def _fix(api: Api, stage: Stage, missing: list[str]) -> str:
    if api.syntax == "serverless":
        return _SERVERLESS_FIX[api.kind]
    if api.address is not None and api.syntax == "cloudformation":
        return _terraform_fix(api, stage, missing)
    lines: list[str] = []
    if "access logging" in missing:
        key = "AccessLogSetting" if api.kind == "rest" else "AccessLogSettings"
        lines += [
            f"{key}:",
            "  DestinationArn: !GetAtt ApiAccessLogs.Arn",
            f"  Format: {_FORMAT}",
        ]
    if "execution logging" in missing:
        lines += _execution_lines(api, stage)
    lines.append(f"({api.placement(stage)}")
    if "access logging" in missing:
        lines[-1] += "; ApiAccessLogs is an AWS::Logs::LogGroup with RetentionInDays"
    lines[-1] += ")"
    return "\n".join(lines)


def _execution_lines(api: Api, stage: Stage) -> list[str]:
    if api.kind == "websocket":
        return ["DefaultRouteSettings:", "  LoggingLevel: ERROR", "  DataTraceEnabled: false"]
    if api.syntax == "cloudformation" and stage.logical_id is None:
        return ["LoggingLevel: ERROR"]  # A deployment's StageDescription takes it directly.
    return [
        "MethodSettings:",
        '  - ResourcePath: "/*"',
        '    HttpMethod: "*"',
        "    LoggingLevel: ERROR",
    ]


_TERRAFORM_FORMAT = (
    'jsonencode({ requestId = "$context.requestId", ip = "$context.identity.sourceIp", '
    'requestTime = "$context.requestTime", routeKey = "$context.routeKey", '
    'status = "$context.status" })'
)


def _terraform_fix(api: Api, stage: Stage, missing: list[str]) -> str:
    """The logging arguments in HCL, for a stage written in Terraform."""
    lines: list[str] = []
    if "access logging" in missing:
        lines += [
            "access_log_settings {",
            "  destination_arn = aws_cloudwatch_log_group.api_access.arn",
            f"  format          = {_TERRAFORM_FORMAT}",
            "}",
        ]
    if "execution logging" in missing and api.kind == "websocket":
        lines += ["default_route_settings {", '  logging_level = "ERROR"', "}"]
    lines.append(f"({api.placement(stage)}")
    if "access logging" in missing:
        lines[-1] += "; aws_cloudwatch_log_group.api_access with retention_in_days"
    if "execution logging" in missing and api.kind == "rest":
        lines[-1] += (
            '; and an aws_api_gateway_method_settings with method_path = "*/*" and '
            'settings { logging_level = "ERROR" }'
        )
    lines[-1] += ")"
    return "\n".join(lines)
