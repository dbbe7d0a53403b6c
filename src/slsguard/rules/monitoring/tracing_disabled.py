"""tracing-disabled (SLS402): X-Ray active tracing is off for a function or a REST API stage.

## What it does
Reports functions without X-Ray active tracing (Serverless `provider.tracing.lambda` or a
function's `tracing`; SAM `Tracing: Active`, also through `Globals.Function`;
CloudFormation `TracingConfig: {Mode: Active}`) and REST API stages without X-Ray tracing
(Serverless `provider.tracing.apiGateway`, SAM and CloudFormation `TracingEnabled`). When
several functions of a Serverless service or a SAM template with `Globals` lack it, one
finding points at `provider:` or `Globals` and names them. HTTP and WebSocket APIs do not
support X-Ray and are never reported.

## Why is this bad?
Without traces, a failing or slow request cannot be followed from the gateway through the
functions and the services they call: incidents take longer to understand, and an attack
that moves through several functions leaves no connected record.

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
  tracing:
    lambda: true
    apiGateway: true
functions:
  create:
    handler: handler.create
    events:
      - http: POST /orders
```

## References
- https://docs.aws.amazon.com/lambda/latest/dg/services-xray.html
- https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-xray.html
- https://docs.aws.amazon.com/securityhub/latest/userguide/lambda-controls.html#lambda-7
- https://docs.aws.amazon.com/securityhub/latest/userguide/apigateway-controls.html#apigateway-3
"""

from collections.abc import Iterator

from slsguard.analysis.apis import Api, Stage, apis
from slsguard.analysis.monitoring import (
    literal_true,
    on_aws,
    provider_of,
    report_per_service,
    settings_of,
    syntax_of,
)
from slsguard.analysis.targets import function_target, stage_target
from slsguard.findings import Origin, Severity, Violation
from slsguard.fixes import Grant, SetSetting, Target
from slsguard.located import YMap
from slsguard.model import Application, Function
from slsguard.rules import Context, rule

_WHY = "a failing or slow request cannot be followed through {}"
XRAY_WRITE = Grant(
    ("xray:PutTraceSegments", "xray:PutTelemetryRecords"),
    managed_policy="AWSXRayDaemonWriteAccess",
)


@rule(
    "SLS402",
    "tracing-disabled",
    Severity.LOW,
    "X-Ray active tracing is off for a function or a REST API stage",
    practice="P5",
    mappings={
        "owasp-serverless": "S10",
        "cwe": "CWE-778",
        "fsbp": ("Lambda.7", "APIGateway.3"),
        "pci-dss-4.0": "10.2.1",
        "hipaa": "164.312(b)",
    },
)
def check(app: Application, context: Context) -> Iterator[Violation]:
    """Functions and REST API stages without X-Ray tracing."""
    if not on_aws(app):
        return
    yield from _functions(app)
    for api in apis(app):
        if api.kind != "rest":
            continue  # HTTP and WebSocket APIs cannot be traced with X-Ray.
        for stage in api.stages:
            if stage.tracing is None:
                yield _stage_violation(app, api, stage)


def _functions(app: Application) -> Iterator[Violation]:
    flagged = [(fn, where) for fn in app.functions if (where := _untraced(app, fn)) is not None]
    service_setting = _service_setting(app)

    def service_wide(fn: Function) -> bool:
        # Only functions that inherit the service-wide setting are fixed by setting it.
        unset = service_setting is None or literal_true(service_setting) is False
        return unset and syntax_of(app, fn) in ("serverless", "sam")

    def summary(count: int, names: str) -> tuple[str, str]:
        return (
            f"{count} functions ({names}) run without X-Ray active tracing: {_WHY.format('them')}",
            "",
        )

    def single(fn: Function, where: Origin) -> Violation:
        return Violation(
            where,
            f"function {fn.name} runs without X-Ray active tracing: {_WHY.format('it')}",
            function=fn.name,
            subject=fn.name,
            intents=(_trace(function_target(app, fn)),),
        )

    yield from report_per_service(
        app, flagged, service_wide, summary, single, lambda target: (_trace(target),)
    )


def _trace(target: Target) -> SetSetting:
    return SetSetting(target, "tracing", "Active", grants=(XRAY_WRITE,))


def _service_setting(app: Application) -> object:
    """The service-wide tracing value (`provider.tracing.lambda`, `Globals.Function.Tracing`)."""
    if app.kind == "serverless":
        tracing = provider_of(app).get("tracing")
        return tracing.get("lambda") if isinstance(tracing, YMap) else None
    template = app.template
    globals_section = template.get("Globals") if isinstance(template, YMap) else None
    function_globals = (
        globals_section.get("Function") if isinstance(globals_section, YMap) else None
    )
    return function_globals.get("Tracing") if isinstance(function_globals, YMap) else None


def _untraced(app: Application, fn: Function) -> Origin | None:
    """Where to report a function without active tracing; None when traced or unknown."""
    settings = settings_of(fn)
    syntax = syntax_of(app, fn)
    if syntax == "serverless":
        key = "tracing"
        value = settings.get(key, _service_setting(app))
    elif syntax == "sam":
        key = "Tracing"
        value = settings.get(key)
    else:
        key = "TracingConfig"
        config = settings.get(key)
        value = config.get("Mode") if isinstance(config, YMap) else None
    if value is not None and literal_true(value) is not False:
        return None  # Active, or a reference that may well be Active.
    return settings.origin_of(key, fn.origin) if key in settings else fn.origin


def _stage_violation(app: Application, api: Api, stage: Stage) -> Violation:
    serves = f" ({api.serves()})" if api.functions else ""
    return Violation(
        stage.origin,
        f"{api.describe(stage)}{serves} runs without X-Ray tracing: a request cannot be "
        "followed from the gateway into the functions behind it",
        subject=f"{api.resource_id}:{stage.name}",
        functions=tuple(api.functions),
        intents=(SetSetting(stage_target(app, api, stage), "api-tracing", True),),
    )
