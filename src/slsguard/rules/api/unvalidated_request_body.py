"""unvalidated-request-body (SLS203): a POST, PUT or PATCH body the gateway never checks.

## What it does
Reports a POST, PUT or PATCH endpoint of a REST API whose body is not validated by API
Gateway against a schema: a Serverless `http` event without `request.schemas`, a SAM `Api`
event without `RequestModel` (or with one but without `ValidateBody: true`), an
`AWS::ApiGateway::Method` without a `RequestValidatorId` that validates bodies and
`RequestModels`, an OpenAPI operation without an `x-amazon-apigateway-request-validator`
that validates bodies and a body schema. HTTP APIs cannot validate bodies at all: their
state-changing routes are reported at low severity, with the advice to validate in the
handler. Validators or definitions that cannot be resolved are not reported.

## Why is this bad?
Without a schema every byte the client sends reaches the function: missing fields, wrong
types, huge strings and injection payloads alike. A model validated at the gateway turns
malformed requests away with a 400 before any code runs or is billed, and documents the
contract the handler relies on.

## Example
```yaml
service: orders-api
provider:
  name: aws
  runtime: python3.12
functions:
  createOrder:
    handler: handler.create
    events:
      - http:
          path: orders
          method: post
          authorizer: aws_iam
```

## Fix
```yaml
service: orders-api
provider:
  name: aws
  runtime: python3.12
functions:
  createOrder:
    handler: handler.create
    events:
      - http:
          path: orders
          method: post
          authorizer: aws_iam
          request:
            schemas:
              application/json:
                type: object
                required: [sku, quantity]
                properties:
                  sku: {type: string, maxLength: 40}
                  quantity: {type: integer, minimum: 1}
```

## References
- https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-method-request-validation.html
- https://www.serverless.com/framework/docs/providers/aws/events/apigateway#request-schema-validators
- https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/sam-property-function-requestmodel.html
"""

from collections.abc import Iterator

from slsguard.analysis.http import Endpoint, describe, endpoints
from slsguard.analysis.targets import validation_target
from slsguard.findings import Severity, Violation, name_list
from slsguard.fixes import FreeText, Intent, SetSetting, unsafe
from slsguard.model import Application
from slsguard.rules import Context, rule

_WITH_BODY = frozenset({"POST", "PUT", "PATCH"})
_HTTP_API_FIX = FreeText(
    "validate the body in the handler against a schema (JSON Schema, pydantic, zod) before "
    "using it, or serve the route from a REST API with a request model"
)
_REJECTS = unsafe("requests whose body does not match the model are then rejected")


@rule(
    "SLS203",
    "unvalidated-request-body",
    Severity.MEDIUM,
    "A POST/PUT/PATCH endpoint without a request schema validated by the gateway",
    practice="P4",
    mappings={
        "owasp-serverless": "S1",
        "cwe": "CWE-20",
        "pci-dss-4.0": "6.2.4",
        "hipaa": "164.312(c)(1)",
    },
)
def check(app: Application, context: Context) -> Iterator[Violation]:
    """State-changing routes whose body reaches the code unchecked (HTTP APIs once each)."""
    unvalidatable: dict[str, list[Endpoint]] = {}
    for endpoint in endpoints(app):
        if endpoint.method not in _WITH_BODY or endpoint.preflight:
            continue
        state = endpoint.validation.state
        if endpoint.kind == "rest" and state == "not-validated":
            yield Violation(
                endpoint.validation.origin or endpoint.origin,
                f"{describe(app, endpoint)}: the {endpoint.method} body reaches "
                f"{_target(endpoint)} without a schema the gateway validates "
                f"({endpoint.validation.detail})",
                intents=(_fix(app, endpoint),),
                function=endpoint.function,
                subject=endpoint.route,
            )
        elif endpoint.kind == "http" and state == "impossible":
            unvalidatable.setdefault(endpoint.api, []).append(endpoint)
    for api, routes in unvalidatable.items():
        yield _http_api_note(app, api, routes)


def _http_api_note(app: Application, api: str, routes: list[Endpoint]) -> Violation:
    """One design note per HTTP API: bodies cannot be validated there, whatever the route."""
    first = routes[0]
    shown = ", ".join(route.route for route in routes[:3])
    more = f" and {len(routes) - 3} more" if len(routes) > 3 else ""
    functions = tuple(dict.fromkeys(r.function for r in routes if r.function))
    return Violation(
        first.origin,
        f"{describe(app, first)}: HTTP APIs cannot validate request bodies at the gateway, so "
        f"the bodies of {len(routes)} route{'s' if len(routes) > 1 else ''} ({shown}{more}) "
        f"reach {_functions(functions)} unchecked",
        intents=(_HTTP_API_FIX,),
        severity=Severity.LOW,
        function=functions[0] if len(functions) == 1 else None,
        functions=functions,
        subject=api,
    )


def _functions(names: tuple[str, ...]) -> str:
    if not names:
        return "the integrations"
    return name_list(names)


def _target(endpoint: Endpoint) -> str:
    return endpoint.function or "the integration"


def _fix(app: Application, endpoint: Endpoint) -> Intent:
    """Validation of the body on the route, or on the request model it already names."""
    target = validation_target(app, endpoint)
    if target is None:
        return FreeText("validate request bodies with a schema the gateway checks")
    return SetSetting(target, "request-validation", True, _REJECTS)
