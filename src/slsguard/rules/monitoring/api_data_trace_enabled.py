"""api-data-trace-enabled (SLS405): API execution logs record full requests and responses.

## What it does
Reports API stages whose execution logs include whole request and response bodies:
`DataTraceEnabled: true` in a REST stage's `MethodSettings` (SAM, also in `Globals.Api`),
a deployment's `StageDescription` or a WebSocket stage's `DefaultRouteSettings`/
`RouteSettings`, and the Serverless Framework's `provider.logs.restApi` or
`provider.logs.websocket` with execution logging on, whose `fullExecutionData` defaults to
true (so `restApi: true` turns it on).

## Why is this bad?
Request and response bodies carry passwords, tokens, card numbers and personal data.
Written to CloudWatch Logs they are readable by everyone who can read the logs, kept as
long as the log group keeps them, and copied wherever the logs are shipped.

## Example
```yaml
service: orders
provider:
  name: aws
  runtime: python3.12
  logs:
    restApi: true
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
- https://www.serverless.com/framework/docs/providers/aws/events/apigateway#logs
- https://cwe.mitre.org/data/definitions/532.html
"""

from collections.abc import Iterator

from slsguard.analysis.apis import Api, apis
from slsguard.analysis.targets import holder_target
from slsguard.findings import Origin, Severity, Violation, name_list
from slsguard.fixes import SetSetting
from slsguard.model import Application
from slsguard.rules import Context, rule


@rule(
    "SLS405",
    "api-data-trace-enabled",
    Severity.MEDIUM,
    "API execution logs record full request and response bodies",
    practice="P5",
    mappings={
        "owasp-serverless": "S3",
        "cwe": "CWE-532",
        "pci-dss-4.0": "3.3.1",
        "hipaa": "164.312(a)(1)",
    },
)
def check(app: Application, context: Context) -> Iterator[Violation]:
    """Stages that log whole request and response bodies (once per place it is set)."""
    seen: set[Origin] = set()
    for api in apis(app):
        for stage in api.stages:
            trace = stage.data_trace
            if trace is None or trace.origin in seen:
                continue
            seen.add(trace.origin)  # SAM `Globals.Api` can set it for several APIs at once.
            yield Violation(
                trace.origin,
                f"{api.describe(stage)} logs full request and response bodies "
                f"({trace.value}): passwords, tokens and personal data sent to "
                f"{_whom(api)} end up in CloudWatch Logs",
                subject=f"{api.resource_id}:{stage.name}",
                functions=tuple(api.functions),
                intents=(SetSetting(holder_target(api, stage, trace.origin), "data-trace", False),),
            )


def _whom(api: Api) -> str:
    return name_list(api.functions, 3) if api.functions else "the API"
