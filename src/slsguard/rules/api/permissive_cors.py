"""permissive-cors (SLS206): any web site may read the API's responses in a user's browser.

## What it does
Reports a CORS setting that allows every origin (`*`) together with credentials
(`allowCredentials: true`, `AllowCredentials: true`), or that allows every origin on an API
whose routes authenticate callers. Serverless `cors: true` means `*`. Covers Serverless
`http` events, `provider.httpApi.cors` and `url.cors`; SAM `Cors`, `CorsConfiguration` and
`FunctionUrlConfig.Cors`; CloudFormation `CorsConfiguration`, `AWS::Lambda::Url` `Cors` and
the `Access-Control-Allow-Origin` header of `OPTIONS` mock integrations (also in OpenAPI
definitions). One finding per CORS setting, naming the routes it applies to.

## Why is this bad?
CORS decides which web sites may read responses from the API inside a visitor's browser.
A wildcard on an API that identifies its callers lets any page the user opens call it
with their session and read the answer (or invites code that echoes the caller's origin
to make credentials work); with credentials it says so outright. Listing the front-end
origins keeps other sites out at no cost.

## Example
```yaml
service: profile-api
provider:
  name: aws
  runtime: python3.12
functions:
  me:
    handler: handler.me
    events:
      - http:
          path: me
          method: get
          authorizer: aws_iam
          cors: true
```

## Fix
```yaml
service: profile-api
provider:
  name: aws
  runtime: python3.12
functions:
  me:
    handler: handler.me
    events:
      - http:
          path: me
          method: get
          authorizer: aws_iam
          cors:
            origin: https://app.example.com
```

## References
- https://developer.mozilla.org/en-US/docs/Web/HTTP/CORS#requests_with_credentials
- https://docs.aws.amazon.com/apigateway/latest/developerguide/how-to-cors.html
- https://portswigger.net/web-security/cors
"""

from collections.abc import Iterator

from slsguard.analysis.http import Cors, Endpoint, describe, endpoints
from slsguard.findings import Origin, Severity, Violation
from slsguard.model import Application
from slsguard.rules import Context, rule

_ORIGIN = "https://app.example.com"
_FIX = {
    (
        "serverless",
        "rest",
    ): f"replace the wildcard with your front end: `cors: {{origin: {_ORIGIN}}}`",
    ("serverless", "http"): f"set `provider.httpApi.cors.allowedOrigins: [{_ORIGIN}]`",
    ("serverless", "url"): f"set `cors: {{allowedOrigins: [{_ORIGIN}]}}` under `url`",
    ("sam", "rest"): f"set `Cors: {{AllowOrigin: \"'{_ORIGIN}'\"}}` on the API",
    ("sam", "http"): f"set `CorsConfiguration: {{AllowOrigins: [{_ORIGIN}]}}` on the API",
    ("sam", "url"): f"set `Cors: {{AllowOrigins: [{_ORIGIN}]}}` in `FunctionUrlConfig`",
    ("cloudformation", "rest"): (
        f"return `method.response.header.Access-Control-Allow-Origin: \"'{_ORIGIN}'\"` "
        "from the OPTIONS integration"
    ),
    ("cloudformation", "http"): f"set `CorsConfiguration: {{AllowOrigins: [{_ORIGIN}]}}`",
    ("cloudformation", "url"): f"set `Cors: {{AllowOrigins: [{_ORIGIN}]}}`",
    ("openapi", "rest"): (
        f"return `method.response.header.Access-Control-Allow-Origin: \"'{_ORIGIN}'\"` "
        "from the OPTIONS integration"
    ),
    ("openapi", "http"): f"set `x-amazon-apigateway-cors: {{allowOrigins: [{_ORIGIN}]}}`",
}


@rule(
    "SLS206",
    "permissive-cors",
    Severity.MEDIUM,
    "`Access-Control-Allow-Origin: *` with credentials, or on an authenticated API",
    practice="P4",
    mappings={
        "owasp-serverless": "S6",
        "cwe": "CWE-942",
        "pci-dss-4.0": "6.2.4",
    },
)
def check(app: Application, context: Context) -> Iterator[Violation]:
    """Wildcard CORS origins with credentials or in front of authenticated routes."""
    for cors, routes in _by_setting(endpoints(app)).items():
        served = [endpoint for endpoint in routes if not endpoint.preflight] or routes
        authenticated = [e for e in served if e.auth.authenticated]
        if cors.allow_credentials:
            why = (
                "with credentials: any web site can make credentialed requests and read the answers"
            )
        elif authenticated:
            guards = sorted({e.auth.authorizer or e.auth.kind for e in authenticated})
            why = (
                f"on routes that authenticate callers ({', '.join(guards)}): any web site a "
                "signed-in user visits can call them from the browser and read the answers"
            )
        else:
            continue
        first = served[0]
        yield Violation(
            cors.origin,
            f"{describe(app, first)}{_more(served)}: CORS allows every origin (`*`) {why}",
            _FIX.get((first.syntax, first.kind), _FIX[("cloudformation", "http")]),
            function=first.function,
            subject="cors",
        )


def _by_setting(found: tuple[Endpoint, ...]) -> dict[Cors, list[Endpoint]]:
    """Endpoints grouped by the wildcard CORS setting that applies to them."""
    groups: dict[Origin, tuple[Cors, list[Endpoint]]] = {}
    for endpoint in found:
        cors = endpoint.cors
        if cors is None or not cors.wildcard:
            continue
        groups.setdefault(cors.origin, (cors, []))[1].append(endpoint)
    return {cors: routes for cors, routes in groups.values()}


def _more(routes: list[Endpoint]) -> str:
    return f" and {len(routes) - 1} more route(s)" if len(routes) > 1 else ""
