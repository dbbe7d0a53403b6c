"""unauthenticated-endpoint (SLS201): an HTTP endpoint anyone on the internet can call.

## What it does
Reports an HTTP entry point with no authorizer, no IAM authorization and no private
endpoint: Serverless `http`, `httpApi`, `websocket` (`$connect`) and `alb` events, SAM
`Api` and `HttpApi` events and the paths of their OpenAPI definitions, CloudFormation
`AWS::ApiGateway::Method` and `AWS::ApiGatewayV2::Route` resources, load balancer
listener rules without an `authenticate-cognito`/`authenticate-oidc` action, and AppSync
APIs whose only authentication is an API key.

A route that inherits an authorizer (SAM `Auth.DefaultAuthorizer`, an OpenAPI global
`security`, the `$connect` route of a WebSocket API) is authenticated. IAM, Cognito user
pools, JWT, Lambda (custom) and load balancer authorizers all count. CORS preflight
(`OPTIONS`) routes are never reported. An API key alone (`private: true`,
`ApiKeyRequired`) is reported at low severity: keys are shared through usage plans and
identify no caller. State-changing methods (POST, PUT, PATCH, DELETE, ANY) are high,
GET and HEAD low. Routes whose settings cannot be resolved are not reported; function URLs
are reported by public-function-url (SLS202).

## Why is this bad?
Without authentication the function behind the route runs for anyone who finds the URL:
they read and change data, call paid APIs at the owner's expense and feed the handler any
input they like. The gateway is the cheapest place to refuse them, before any code runs.

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
```

## Fix
Put an authorizer on the event (IAM, a Cognito user pool, or a Lambda authorizer).
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

## References
- https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-control-access-to-api.html
- https://www.serverless.com/framework/docs/providers/aws/events/apigateway#http-endpoints-with-custom-authorizers
- https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/serverless-controlling-access-to-apis.html
- https://docs.aws.amazon.com/securityhub/latest/userguide/apigateway-controls.html
"""

from collections import Counter
from collections.abc import Iterator

from slsguard.analysis.http import Endpoint, describe, endpoints
from slsguard.findings import Confidence, Severity, Violation
from slsguard.model import Application
from slsguard.rules import Context, rule

_READ_ONLY = frozenset({"GET", "HEAD"})


@rule(
    "SLS201",
    "unauthenticated-endpoint",
    Severity.HIGH,
    "An HTTP endpoint with no authorizer, IAM auth or private endpoint",
    practice="P4",
    mappings={
        "owasp-serverless": "S2",
        "cwe": "CWE-306",
        "fsbp": "APIGateway.8",
        "pci-dss-4.0": "7.2.1",
        "hipaa": "164.312(d)",
    },
)
def check(app: Application, context: Context) -> Iterator[Violation]:
    """Endpoints whose gateway lets every caller through."""
    found = endpoints(app)
    used = _authorizers_in_use(found)
    reported_websockets: set[str] = set()
    for endpoint in found:
        if not _open(endpoint):
            continue
        if endpoint.kind == "websocket":
            # One finding per API: at `$connect`, or at its first route when it has none.
            if endpoint.api in reported_websockets:
                continue
            if endpoint.path != "$connect" and endpoint.auth.inherited:
                continue
            reported_websockets.add(endpoint.api)
        yield Violation(
            endpoint.auth.origin or endpoint.origin,
            f"{describe(app, endpoint)} {_why(endpoint)}",
            _terraform_fix(endpoint, used.get((endpoint.api, endpoint.kind)))
            if app.kind == "terraform" and endpoint.syntax == "cloudformation"
            else _fix(endpoint, used.get((endpoint.api, endpoint.kind))),
            severity=_severity(endpoint),
            function=endpoint.function,
            subject=endpoint.route,
            # Who can reach it rests on a value outside the scan (a listener, a VPC endpoint).
            confidence=Confidence.MEDIUM if endpoint.network == "unknown" else None,
            confidence_reason=endpoint.network_detail if endpoint.network == "unknown" else "",
        )


def _open(endpoint: Endpoint) -> bool:
    if endpoint.kind == "url" or endpoint.method == "OPTIONS" or endpoint.preflight:
        return False
    if endpoint.network == "private":
        return False
    return endpoint.auth.kind in ("none", "api-key-only")


def _severity(endpoint: Endpoint) -> Severity:
    if endpoint.auth.kind == "api-key-only" or endpoint.network in ("restricted", "unknown"):
        return Severity.LOW
    return Severity.LOW if endpoint.method in _READ_ONLY else Severity.HIGH


def _why(endpoint: Endpoint) -> str:
    target = f"runs {endpoint.function}" if endpoint.function else "is served"
    if endpoint.auth.kind == "api-key-only":
        return (
            f"{target} for anyone holding an API key: a key is shared (through usage plans "
            "or app bundles), identifies no caller and is no authentication"
        )
    if endpoint.auth.detail and endpoint.kind == "websocket":
        return f"{target} for anyone on the internet: {endpoint.auth.detail}"
    if endpoint.network in ("restricted", "unknown"):
        return f"{target} without authentication ({endpoint.network_detail})"
    reach = "the internet" if endpoint.kind != "alb" else "the internet-facing load balancer"
    return f"{target} without authentication for anyone on {reach}"


def _authorizers_in_use(found: tuple[Endpoint, ...]) -> dict[tuple[str, str], str]:
    """The authorizer most routes of each API already use: the fix names it."""
    counts: dict[tuple[str, str], Counter[str]] = {}
    for endpoint in found:
        if endpoint.auth.authenticated and endpoint.auth.authorizer:
            key = (endpoint.api, endpoint.kind)
            counts.setdefault(key, Counter())[endpoint.auth.authorizer] += 1
    return {key: counter.most_common(1)[0][0] for key, counter in counts.items()}


def _fix(endpoint: Endpoint, authorizer: str | None) -> str:
    fixer = {
        "serverless": _serverless_fix,
        "sam": _sam_fix,
        "cloudformation": _cloudformation_fix,
        "openapi": _openapi_fix,
    }[endpoint.syntax]
    return fixer(endpoint, authorizer)


def _serverless_fix(endpoint: Endpoint, authorizer: str | None) -> str:
    if endpoint.kind == "rest":
        name = authorizer or "aws_iam"
        if name.startswith("!"):  # An existing authorizer, named by its id.
            name = f"{{type: <TOKEN|REQUEST|COGNITO_USER_POOLS>, authorizerId: {name}}}"
        return (
            f"add `authorizer: {name}` under this `http` event (or a Cognito user pool: "
            "`authorizer: {type: COGNITO_USER_POOLS, arn: <user pool ARN>}`)"
            + ("; keep `private: true` for metering" if endpoint.api_key_required else "")
        )
    if endpoint.kind == "http":
        name = authorizer or "<jwtAuthorizer>"
        return (
            f"add `authorizer: {{name: {name}}}` under this `httpApi` event, declared in "
            "`provider.httpApi.authorizers` (or `authorizer: {type: aws_iam}`)"
        )
    if endpoint.kind == "websocket":
        if endpoint.path != "$connect":
            return (
                "add a `$connect` route with an authorizer: `- websocket: {route: $connect, "
                "authorizer: {name: <authorizerFunction>}}`"
            )
        return (
            "add `authorizer: {name: <authorizerFunction>, identitySource: "
            "[route.request.header.Authorization]}` to this `$connect` route"
        )
    if endpoint.kind == "alb":
        return (
            "add `authorizer: <name>` to this `alb` event, with a `cognito` or `oidc` "
            "authorizer declared in `provider.alb.authorizers`"
        )
    return "set `authentication: {type: AMAZON_COGNITO_USER_POOLS}` (or AWS_IAM) on the API"


def _sam_fix(endpoint: Endpoint, authorizer: str | None) -> str:
    if endpoint.kind == "appsync":
        return "set `Auth: {Type: AMAZON_COGNITO_USER_POOLS, UserPool: ...}` (or AWS_IAM)"
    where = endpoint.auth.origin
    if where is not None and where.path[-1:] == ("Authorizer",):
        return "remove `Authorizer: NONE` so the API's DefaultAuthorizer applies"
    name = authorizer or ("AWS_IAM" if endpoint.kind == "rest" else "<JwtAuthorizer>")
    if endpoint.api.startswith("implicit"):
        scope = "Globals.Api" if endpoint.kind == "rest" else "Globals.HttpApi"
        api = f"`{scope}.Auth.DefaultAuthorizer` for the implicit API"
    else:
        api = f"`Auth.DefaultAuthorizer` on {endpoint.api}"
    return f"add `Auth: {{Authorizer: {name}}}` under this event's `Properties`, or set {api}"


def _cloudformation_fix(endpoint: Endpoint, authorizer: str | None) -> str:
    if endpoint.origin.path[-1:] == ("Target",):  # quick create
        return "replace `Target` with explicit routes that set `AuthorizationType: JWT`"
    if authorizer is not None and authorizer.upper() == "AWS_IAM":
        if endpoint.kind in ("rest", "http", "websocket"):
            return "set `AuthorizationType: AWS_IAM`, as the API's other routes do"
        authorizer = None
    reference = f"!Ref {authorizer}" if authorizer else "!Ref <Authorizer>"
    if endpoint.kind == "rest":
        return (
            f"set `AuthorizationType: COGNITO_USER_POOLS` (or CUSTOM) with "
            f"`AuthorizerId: {reference}`, or `AuthorizationType: AWS_IAM`"
        )
    if endpoint.kind == "websocket":
        return (
            f"set `AuthorizationType: CUSTOM` with `AuthorizerId: {reference}` (or AWS_IAM) "
            "on the `$connect` route"
        )
    if endpoint.kind == "http":
        return f"set `AuthorizationType: JWT` with `AuthorizerId: {reference}` (or AWS_IAM)"
    if endpoint.kind == "alb":
        return (
            "add an `authenticate-cognito` or `authenticate-oidc` action with `Order: 1` "
            "before the forward action"
        )
    return "set `AuthenticationType: AMAZON_COGNITO_USER_POOLS` (or AWS_IAM, OPENID_CONNECT)"


def _terraform_fix(endpoint: Endpoint, authorizer: str | None) -> str:
    """The authorization arguments in HCL, for a method or route written in Terraform."""
    if endpoint.kind not in _TERRAFORM_AUTH:
        return _cloudformation_fix(endpoint, authorizer)
    argument, kind, resource = _TERRAFORM_AUTH[endpoint.kind]
    if authorizer is not None and authorizer.upper() == "AWS_IAM":
        return f'set `{argument} = "AWS_IAM"`, as the API\'s other routes do'
    return (
        f'set `{argument} = "{kind}"` with `authorizer_id = {resource}.<name>.id`, '
        f'or `{argument} = "AWS_IAM"`'
    )


_TERRAFORM_AUTH = {
    "rest": ("authorization", "COGNITO_USER_POOLS", "aws_api_gateway_authorizer"),
    "http": ("authorization_type", "JWT", "aws_apigatewayv2_authorizer"),
    "websocket": ("authorization_type", "CUSTOM", "aws_apigatewayv2_authorizer"),
}
"""(argument, authorizer type, authorizer resource) per Terraform API kind."""


def _openapi_fix(endpoint: Endpoint, authorizer: str | None) -> str:
    scheme = authorizer or "<authorizer>"
    return (
        f"add `security: [{{{scheme}: []}}]` to this operation (or a global `security`), "
        "with the scheme declared in `securitySchemes`/`securityDefinitions`"
    )
