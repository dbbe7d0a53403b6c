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
from slsguard.analysis.targets import stage_target
from slsguard.findings import Severity, Violation
from slsguard.fixes import SAFE, SetSetting, Target, unsafe
from slsguard.model import Application
from slsguard.rules import Context, rule

ACCESS_LOG_GROUP = "the destination is a log group with a retention period"
_NEEDS_ROLE = unsafe("needs the account's API Gateway CloudWatch Logs role")


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
                yield _violation(app, api, stage, missing)


def _missing(api: Api, stage: Stage) -> list[str]:
    missing = []
    if stage.access_logging is None:
        missing.append("access logging")
    if api.kind != "http" and stage.execution_logging is None:
        missing.append("execution logging")
    return missing


def _violation(app: Application, api: Api, stage: Stage, missing: list[str]) -> Violation:
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
        subject=f"{api.resource_id}:{stage.name}",
        functions=tuple(api.functions),
        intents=tuple(_intents(stage_target(app, api, stage), api, missing)),
    )


def _intents(target: Target, api: Api, missing: list[str]) -> Iterator[SetSetting]:
    if "access logging" in missing:
        # HTTP APIs log without the account-wide CloudWatch role; REST and WebSocket need it.
        risk = SAFE if api.kind == "http" else _NEEDS_ROLE
        yield SetSetting(target, "access-logging", True, risk, note=ACCESS_LOG_GROUP)
    if "execution logging" in missing:
        yield SetSetting(target, "execution-logging", "ERROR", _NEEDS_ROLE)
