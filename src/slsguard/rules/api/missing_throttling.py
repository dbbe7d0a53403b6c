"""missing-throttling (SLS209): a public API stage without throttling limits.

## What it does
Reports each stage of a public API (REST APIs unless their endpoint is PRIVATE; every HTTP
and WebSocket API) that sets no throttling limit of its own: no `ThrottlingBurstLimit`/
`ThrottlingRateLimit` in a REST stage's `MethodSettings` (SAM, also in `Globals.Api`) or a
deployment's `StageDescription`, none in an HTTP or WebSocket stage's
`DefaultRouteSettings`/`RouteSettings`, no usage plan with a `Throttle` for the stage
(`AWS::ApiGateway::UsagePlan`, SAM `Auth.UsagePlan`, Serverless
`provider.apiGateway.usagePlan`), and no throttling plugin (serverless-api-gateway-throttling
`custom.apiGatewayThrottling`, serverless-apigateway-route-settings `custom.routeSettings`,
or `resources.extensions` on the generated `HttpApiStage`/`WebsocketsDeploymentStage`).

## Why is this bad?
Without a limit of its own, a stage accepts up to the account-wide quota (10,000 requests
per second by default, shared by every API in the region): one flood or runaway client
invokes the functions behind it at full concurrency, runs up the bill (denial of wallet)
and starves every other API of the account.

## Example
```yaml
AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Resources:
  OrdersApi:
    Type: AWS::Serverless::HttpApi
    Properties:
      StageName: prod
```

## Fix
```yaml
AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Resources:
  OrdersApi:
    Type: AWS::Serverless::HttpApi
    Properties:
      StageName: prod
      DefaultRouteSettings:
        ThrottlingBurstLimit: 50
        ThrottlingRateLimit: 100
```

## References
- https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-request-throttling.html
- https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-throttling.html
- https://github.com/DianaIonita/serverless-api-gateway-throttling
"""

from collections.abc import Iterator

from slsguard.analysis.apis import apis
from slsguard.analysis.targets import stage_target
from slsguard.findings import Severity, Violation, name_list
from slsguard.fixes import SetSetting, unsafe
from slsguard.model import Application
from slsguard.rules import Context, rule

LIMITS = {"burst": 50, "rate": 100}
"""A starting point: 100 requests per second, bursts of 50 (tune to the expected traffic)."""

_THROTTLES = unsafe("requests above the limits get 429 Too Many Requests")


@rule(
    "SLS209",
    "missing-throttling",
    Severity.LOW,
    "A public API stage without throttling limits",
    practice="P4",
    mappings={"owasp-serverless": "S6", "cwe": "CWE-770"},
)
def check(app: Application, context: Context) -> Iterator[Violation]:
    """Public API stages that set no throttling limit."""
    for api in apis(app):
        if not api.public:
            continue
        for stage in api.stages:
            if stage.throttling is None:
                whom = name_list(api.functions, 3) if api.functions else "its integrations"
                throttle = SetSetting(
                    stage_target(app, api, stage),
                    "throttling",
                    LIMITS,
                    _THROTTLES,
                    note="100 requests per second, bursts of 50: tune them to your traffic",
                )
                yield Violation(
                    stage.origin,
                    f"{api.describe(stage)} is public and sets no throttling limit: a flood "
                    f"invokes {whom} as fast as the account-wide quota allows (10,000 "
                    "requests per second by default, shared by every API of the region)",
                    intents=(throttle,),
                    subject=f"{api.resource_id}:{stage.name}",
                    functions=tuple(api.functions),
                )
