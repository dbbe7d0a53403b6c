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

from slsguard.analysis.apis import SLS_IDS, Api, Stage, apis
from slsguard.findings import Severity, Violation, name_list
from slsguard.model import Application
from slsguard.rules import Context, rule

_LIMITS = ("ThrottlingBurstLimit: 50", "ThrottlingRateLimit: 100")


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
                yield Violation(
                    stage.origin,
                    f"{api.describe(stage)} is public and sets no throttling limit: a flood "
                    f"invokes {whom} as fast as the account-wide quota allows (10,000 "
                    "requests per second by default, shared by every API of the region)",
                    _fix(api, stage),
                    subject=f"{api.resource_id}:{stage.name}",
                    functions=tuple(api.functions),
                )


def _fix(api: Api, stage: Stage) -> str:
    if api.syntax == "serverless":
        if api.kind == "rest":
            return (
                "plugins:\n  - serverless-api-gateway-throttling\ncustom:\n"
                "  apiGatewayThrottling:\n    maxRequestsPerSecond: 100\n"
                "    maxConcurrentRequests: 50"
            )
        return (
            f"resources:\n  extensions:\n    {SLS_IDS[api.kind][1]}:\n      Properties:\n"
            "        DefaultRouteSettings:\n"
            + "".join(f"          {line}\n" for line in _LIMITS).rstrip("\n")
        )
    if api.kind != "rest":
        lines = ["DefaultRouteSettings:", *(f"  {line}" for line in _LIMITS)]
    elif api.syntax == "cloudformation" and stage.logical_id is None:
        lines = list(_LIMITS)  # A deployment's StageDescription takes them directly.
    else:
        lines = [
            "MethodSettings:",
            '  - ResourcePath: "/*"',
            '    HttpMethod: "*"',
            *(f"    {line}" for line in _LIMITS),
        ]
    return "\n".join([*lines, f"({api.placement(stage)})"])
