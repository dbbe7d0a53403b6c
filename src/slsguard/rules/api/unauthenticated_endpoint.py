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
from slsguard.analysis.targets import route_target
from slsguard.findings import Confidence, Severity, Violation
from slsguard.fixes import Authorizer, FreeText, Intent, SetSetting, unsafe
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
            intents=(_fix(app, endpoint, used.get((endpoint.api, endpoint.kind))),),
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


def _authorizers_in_use(found: tuple[Endpoint, ...]) -> dict[tuple[str, str], tuple[str, str]]:
    """The authorizer (kind, name) most routes of each API already use: the fix names it."""
    counts: dict[tuple[str, str], Counter[tuple[str, str]]] = {}
    for endpoint in found:
        auth = endpoint.auth
        if auth.authenticated and auth.authorizer:
            key = (endpoint.api, endpoint.kind)
            kind = "iam" if auth.authorizer.upper() == "AWS_IAM" else auth.kind
            counts.setdefault(key, Counter())[(kind, auth.authorizer)] += 1
    return {key: counter.most_common(1)[0][0] for key, counter in counts.items()}


_SIGNED = unsafe("every caller must then sign its requests with AWS credentials (SigV4)")
_TOKEN = unsafe("every caller must then send a token the authorizer accepts")
_KIND = {"cognito": "COGNITO_USER_POOLS", "jwt": "JWT", "iam": "AWS_IAM"}
"""API Gateway's authorization type of an authorizer of each kind (else `CUSTOM`)."""


def _fix(app: Application, endpoint: Endpoint, used: tuple[str, str] | None) -> Intent:
    """Authorization on the route: the authorizer the API's other routes use, else IAM."""
    if endpoint.kind == "websocket" and endpoint.path != "$connect":
        return FreeText(
            "add a `$connect` route with an authorizer to this WebSocket API: it "
            "authenticates each connection, and with it every route"
        )
    target = route_target(app, endpoint)
    if target is None and endpoint.kind == "alb":
        return FreeText(
            "add an `authenticate-cognito` or `authenticate-oidc` action, first, before the "
            "listener's forward action"
        )
    if target is None:  # An HTTP API's quick create.
        return FreeText("replace `Target` with explicit routes, each with a JWT authorizer")
    kind, name = used if used is not None else ("iam", "")
    authorizer = Authorizer(_KIND.get(kind, "CUSTOM"), "" if kind == "iam" else name)
    note = "keep the API key for metering" if endpoint.api_key_required else ""
    return SetSetting(
        target,
        "authorization",
        authorizer,
        _SIGNED if authorizer.kind == "AWS_IAM" else _TOKEN,
        note=note,
    )
