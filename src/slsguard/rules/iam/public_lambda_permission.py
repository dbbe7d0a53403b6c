"""public-lambda-permission (SLS107): a Lambda permission anyone, or any account's service, can use.

## What it does
Reports an `AWS::Lambda::Permission` (in CloudFormation, SAM or Serverless `resources:`)
whose principal is `*` without a narrowing condition (`SourceArn`, `SourceAccount`,
`PrincipalOrgID`), or whose principal is an AWS service (`s3.amazonaws.com`,
`sns.amazonaws.com`, ...) without `SourceArn` or `SourceAccount`. A permission with
`FunctionUrlAuthType: NONE` belongs to a public function URL and is reported once, as
public-function-url (SLS202).

## Why is this bad?
With principal `*`, anyone on the internet with the function's ARN can invoke it. With a
service principal and no source, the service acting for *any* AWS account can invoke it:
another customer's bucket or topic can send it events (the confused-deputy problem).

## Example
```yaml
AWSTemplateFormatVersion: "2010-09-09"
Resources:
  InvokeFromS3:
    Type: AWS::Lambda::Permission
    Properties:
      Action: lambda:InvokeFunction
      FunctionName: !Ref Resizer
      Principal: s3.amazonaws.com
```

## Fix
Name the source that may invoke the function.
```yaml
AWSTemplateFormatVersion: "2010-09-09"
Resources:
  InvokeFromS3:
    Type: AWS::Lambda::Permission
    Properties:
      Action: lambda:InvokeFunction
      FunctionName: !Ref Resizer
      Principal: s3.amazonaws.com
      SourceArn: arn:aws:s3:::uploads-bucket
      SourceAccount: !Ref AWS::AccountId
```

## References
- https://docs.aws.amazon.com/lambda/latest/dg/access-control-resource-based.html
- https://docs.aws.amazon.com/securityhub/latest/userguide/lambda-controls.html#lambda-1
"""

from collections.abc import Iterator

from slsguard.analysis.resources import permitted_function
from slsguard.analysis.targets import resource_target
from slsguard.findings import Severity, Violation
from slsguard.fixes import (
    OWN_ACCOUNT,
    REMOVES_ACCESS,
    FreeText,
    Intent,
    Placeholder,
    SetSetting,
    unsafe,
)
from slsguard.model import Application, LambdaPermission
from slsguard.rules import Context, rule


@rule(
    "SLS107",
    "public-lambda-permission",
    Severity.HIGH,
    "A Lambda permission anyone (or any account's service) can use",
    practice="P1",
    mappings={
        "owasp-serverless": "S5",
        "cwe": "CWE-284",
        "fsbp": "Lambda.1",
        "pci-dss-4.0": "7.2.1",
        "hipaa": "164.312(a)(1)",
    },
)
def check(app: Application, context: Context) -> Iterator[Violation]:
    """Permissions with an unrestricted principal."""
    for permission in app.permissions:
        if (permission.function_url_auth_type or "").upper() == "NONE":
            continue  # A public function URL: reported by public-function-url.
        problem = _problem(permission)
        if problem:
            function = permitted_function(app, permission)
            yield Violation(
                permission.origin,
                f"permission on {f'function {function}' if function else _other(permission)}: "
                f"{problem}",
                subject=permission.principal,
                intents=_narrowed(app, permission),
                function=function,
            )


def _other(permission: LambdaPermission) -> str:
    """A function the permission is on that is not one of the app's own."""
    return permission.function or "a function"


def _narrowed(app: Application, permission: LambdaPermission) -> tuple[Intent, ...]:
    """The permission with the source that invokes it and the account it must belong to."""
    if not permission.logical_id:
        return (FreeText(_SOURCE_ADVICE),)
    target = resource_target(app, permission.logical_id, permission.origin)
    return (
        SetSetting(target, "source-arn", Placeholder(_SOURCE), REMOVES_ACCESS),
        SetSetting(target, "source-account", OWN_ACCOUNT, unsafe(_OTHER_ACCOUNTS)),
    )


_SOURCE = "ARN of the bucket, topic, rule or API that invokes it"
_SOURCE_ADVICE = f"name the source that invokes it (the {_SOURCE}) and this account"
_OTHER_ACCOUNTS = "a source in another account can no longer invoke the function"


def _problem(permission: LambdaPermission) -> str:
    narrowed = any(
        value not in (None, "")
        for value in (
            permission.source_arn,
            permission.source_account,
            permission.principal_org_id,
        )
    )
    principal = permission.principal.strip()
    if principal == "*" and not narrowed:
        return "principal `*` lets anyone with the function's ARN invoke it"
    if principal.endswith(".amazonaws.com") and not narrowed:
        service = principal.removesuffix(".amazonaws.com")
        return (
            f"principal {principal} without SourceArn or SourceAccount lets {service} "
            "invoke it on behalf of any AWS account"
        )
    return ""
