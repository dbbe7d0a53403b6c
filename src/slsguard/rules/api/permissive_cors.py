"""permissive-cors (SLS206): another web site may read the API's authenticated responses.

## What it does
Reports a CORS setting that lets another web site read responses a browser fetched with
the user's credentials: credentials allowed (`allowCredentials: true`,
`AllowCredentials: true`, `Access-Control-Allow-Credentials: 'true'`) together with an origin
that is reflected from the request (`method.request.header.Origin`), `null`, or an
over-broad pattern (`https://*`, `*.com`) (medium). Routes whose authorizer authenticates
callers by a cookie (its identity source is the `Cookie` header) are reported with such an
origin even when the gateway does not allow credentials, at medium confidence: browsers
attach cookies on their own, and a Lambda proxy handler writes the real response's CORS
headers, which the template does not show. Credentials with `*` are reported at
low: browsers refuse that combination, so CORS is broken rather than open. `*` without
credentials is not reported: browsers then send no cookies, and bearer tokens, API keys
and SigV4 signatures are never attached by the browser on its own. Covers Serverless
`http` events, `provider.httpApi.cors` and `url.cors`; SAM `Cors`, `CorsConfiguration`
and `FunctionUrlConfig.Cors`; CloudFormation `CorsConfiguration`, `AWS::Lambda::Url`
`Cors` and the headers of `OPTIONS` mock integrations (also in OpenAPI definitions). One
finding per CORS setting, naming the routes it applies to.

## Why is this bad?
CORS decides which web sites may read responses from the API inside a visitor's browser.
With credentials allowed, a reflected or `null` origin (sandboxed frames send `null`), or
a pattern any attacker can register a domain under, lets a page the user opens call the
API with their cookies and read the answer.

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
          cors:
            origins: ["null", https://app.example.com]
            allowCredentials: true
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
          cors:
            origin: https://app.example.com
            allowCredentials: true
```

## References
- https://developer.mozilla.org/en-US/docs/Web/HTTP/CORS#requests_with_credentials
- https://docs.aws.amazon.com/apigateway/latest/developerguide/how-to-cors.html
- https://portswigger.net/web-security/cors
"""

from collections.abc import Iterator

from slsguard.analysis.cookie_auth import cookie_authorizers
from slsguard.analysis.http import Cors, Endpoint, describe, endpoints
from slsguard.analysis.targets import cors_target
from slsguard.findings import Confidence, Origin, Severity, Violation
from slsguard.fixes import Placeholder, SetSetting, unsafe
from slsguard.model import Application
from slsguard.rules import Context, rule

_FRONT_END = Placeholder("your front end's origin: https://app.example.com")


def _fix(endpoint: Endpoint, cors: Cors) -> SetSetting:
    """Only the front end's origin (the author's to name): other sites lose access."""
    return SetSetting(
        cors_target(endpoint, cors),
        "cors-origins",
        _FRONT_END,
        unsafe("browsers on any other origin can no longer read the responses"),
    )


@rule(
    "SLS206",
    "permissive-cors",
    Severity.MEDIUM,
    "CORS lets other sites read credentialed responses (reflected, `null`, broad origins)",
    practice="P4",
    mappings={
        "owasp-serverless": "S6",
        "cwe": "CWE-942",
        "pci-dss-4.0": "6.2.4",
    },
)
def check(app: Application, context: Context) -> Iterator[Violation]:
    """Credentialed CORS with a reflected, `null` or over-broad origin (or `*`, at low)."""
    cookies = cookie_authorizers(app)
    for cors, routes in _by_setting(endpoints(app), cookies).items():
        served = [endpoint for endpoint in routes if not endpoint.preflight] or routes
        risky = [origin for origin in cors.allow_origins if _risky(origin)]
        if risky and not cors.allow_credentials:
            yield _cookie_violation(app, cors, served, risky[0])
            continue
        if risky:
            why = (
                f"allows credentials with the origin {_describe_origin(risky[0])}: another web "
                "site can call it with the user's cookies and read the answers"
            )
            severity = Severity.MEDIUM
        elif cors.wildcard and cors.allow_credentials:
            why = (
                "allows credentials with every origin (`*`): browsers refuse this combination, "
                "so credentialed calls from the front end fail (CORS is broken, not open)"
            )
            severity = Severity.LOW
        else:
            continue
        first = served[0]
        yield Violation(
            cors.origin,
            f"{describe(app, first)}{_more(served)}: CORS {why}",
            intents=(_fix(first, cors),),
            severity=severity,
            function=first.function,
            subject="cors",
        )


def _cookie_violation(
    app: Application, cors: Cors, served: list[Endpoint], risky: str
) -> Violation:
    """A risky origin on routes whose authorizer reads a cookie, credentials not allowed at the
    gateway: for Lambda proxy integrations the handler writes the real response's CORS headers,
    so whether it allows credentials is not known from the template."""
    first = served[0]
    authorizer = next((e.auth.authorizer for e in served if e.auth.authorizer), "?")
    return Violation(
        cors.origin,
        f"{describe(app, first)}{_more(served)}: CORS allows the origin "
        f"{_describe_origin(risky)} and authorizer {authorizer} authenticates callers by a "
        "cookie, which browsers attach to another site's requests: if the responses allow "
        "credentials, that site reads the user's data",
        intents=(_fix(first, cors),),
        function=first.function,
        subject="cors",
        confidence=Confidence.MEDIUM,
        confidence_reason="credentials are not allowed at the gateway; whether the handler's "
        "responses allow them is not known",
    )


def _by_setting(found: tuple[Endpoint, ...], cookies: frozenset[str]) -> dict[Cors, list[Endpoint]]:
    """Endpoints grouped by the CORS setting that applies to them, when it allows credentials
    or the endpoint's authorizer reads a cookie."""
    groups: dict[Origin, tuple[Cors, list[Endpoint]]] = {}
    for endpoint in found:
        cors = endpoint.cors
        if cors is None:
            continue
        if not cors.allow_credentials and endpoint.auth.authorizer not in cookies:
            continue
        groups.setdefault(cors.origin, (cors, []))[1].append(endpoint)
    return {cors: routes for cors, routes in groups.values()}


_REFLECTED = "method.request.header.origin"


def _risky(origin: str) -> bool:
    """A reflected origin, `null`, or a wildcard pattern anyone can match (not `*` itself)."""
    text = origin.strip().lower()
    if text in (_REFLECTED, "null"):
        return True
    if "*" not in text or text == "*":
        return False
    host = text.split("://", 1)[-1].split("/", 1)[0].split(":", 1)[0]
    fixed = host.rsplit("*", 1)[-1].strip(".")
    # `*.example.com` keeps a registrable domain; `https://*`, `*.com`, `example.*` do not.
    return host.index("*") != 0 or fixed.count(".") < 1


def _describe_origin(origin: str) -> str:
    if origin.strip().lower() == _REFLECTED:
        return "reflected from the request (`method.request.header.Origin`)"
    return f"`{origin}`"


def _more(routes: list[Endpoint]) -> str:
    return f" and {len(routes) - 1} more route(s)" if len(routes) > 1 else ""
