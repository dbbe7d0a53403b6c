"""public-function-url (SLS202): a function URL anyone on the internet can invoke.

## What it does
Reports a Lambda function URL with `AuthType: NONE`: Serverless `url: true` (or `url:`
without `authorizer: aws_iam`), SAM `FunctionUrlConfig`, CloudFormation
`AWS::Lambda::Url`. The `AWS::Lambda::Permission` with `FunctionUrlAuthType: NONE` that
such a URL needs is part of the same exposure: it is reported here once (and not by
public-lambda-permission), at the URL when the template has one, else at the permission.
A `NONE` permission for a function whose URLs all take `AWS_IAM` grants nothing (the auth
types must match) and is not reported.

## Why is this bad?
A function URL has no gateway in front of it: no authorizer, no API key, no throttling,
no WAF. With `AuthType: NONE` every request from anywhere runs the function, so the
handler alone must authenticate callers, validate input and absorb floods, and each
request is billed to the owner.

## Example
```yaml
service: webhooks
provider:
  name: aws
  runtime: python3.12
functions:
  receive:
    handler: handler.receive
    url: true
```

## Fix
Require IAM-signed requests (put CloudFront with origin access control in front for
browsers), or serve the function through API Gateway with an authorizer.
```yaml
service: webhooks
provider:
  name: aws
  runtime: python3.12
functions:
  receive:
    handler: handler.receive
    url:
      authorizer: aws_iam
```

## References
- https://docs.aws.amazon.com/lambda/latest/dg/urls-auth.html
- https://www.serverless.com/framework/docs/providers/aws/guide/functions#lambda-function-urls
- https://docs.aws.amazon.com/securityhub/latest/userguide/lambda-controls.html#lambda-1
"""

from collections.abc import Iterator

from slsguard.analysis.http import describe, endpoints
from slsguard.analysis.resources import permitted_function
from slsguard.analysis.targets import resource_target
from slsguard.findings import Origin, Severity, Violation
from slsguard.fixes import Placeholder, SetSetting, Target, unsafe
from slsguard.model import Application, LambdaPermission
from slsguard.rules import Context, rule

_SIGNED = unsafe("callers must then sign their requests with AWS credentials (SigV4)")


def _url_auth(origin: Origin, name: str) -> SetSetting:
    """`AWS_IAM` where the URL's auth type is written (the mapping that holds it)."""
    holder = Origin(origin.file, origin.path[:-1], origin.line, origin.column)
    return SetSetting(Target("setting", name, holder, variant="url"), "auth", "AWS_IAM", _SIGNED)


@rule(
    "SLS202",
    "public-function-url",
    Severity.HIGH,
    "A function URL with `AuthType: NONE`",
    practice="P4",
    mappings={
        "owasp-serverless": "S2",
        "cwe": "CWE-306",
        "fsbp": "Lambda.1",
        "pci-dss-4.0": "7.2.1",
        "hipaa": "164.312(d)",
    },
)
def check(app: Application, context: Context) -> Iterator[Violation]:
    """Function URLs (and their permissions) that let anyone invoke a function."""
    public = [e for e in endpoints(app) if e.kind == "url" and e.auth.kind == "none"]
    for endpoint in public:
        yield Violation(
            endpoint.auth.origin or endpoint.origin,
            f"{describe(app, endpoint)}: the function URL has AuthType NONE, so anyone on "
            f"the internet can invoke {endpoint.function or endpoint.api} directly, with no "
            "authentication, throttling or WAF in front",
            intents=(_url_auth(endpoint.auth.origin or endpoint.origin, endpoint.api),),
            function=endpoint.function,
            subject="url",
        )
    covered = {endpoint.function for endpoint in public if endpoint.function}
    urls = [e for e in endpoints(app) if e.kind == "url" and e.function]
    signed = {e.function for e in urls if e.auth.kind == "iam"} - {
        e.function for e in urls if e.auth.kind != "iam"
    }
    for permission in app.permissions:
        if (permission.function_url_auth_type or "").strip().upper() != "NONE":
            continue
        if permission.principal.strip() != "*":
            continue  # Only the named principal may use the URL.
        function = permitted_function(app, permission)
        if function is not None and function in covered | signed:
            continue  # The URL itself is reported, or takes IAM (this permission is inert).
        yield _permission_violation(app, permission, function)


def _permission_violation(
    app: Application, permission: LambdaPermission, function: str | None
) -> Violation:
    target = function or permission.function or "a function"
    return Violation(
        permission.origin,
        f"{app.name} › {target}: a permission with FunctionUrlAuthType NONE lets anyone on "
        "the internet invoke the function through its URL",
        intents=(
            SetSetting(
                _permission_target(app, permission),
                "principal",
                Placeholder("the account or role that calls the URL"),
                unsafe("only the named principal can call the URL"),
                note="or remove the permission if nothing calls the URL",
            ),
        ),
        function=function,
        subject="url-permission",
    )


def _permission_target(app: Application, permission: LambdaPermission) -> Target:
    path = permission.origin.path
    logical = str(path[-1]) if path else ""
    return resource_target(app, logical, permission.origin)
