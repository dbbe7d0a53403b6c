"""environment-without-cmk (SLS304): secret-named variables in an environment without a CMK.

## What it does
Reports a function whose environment has secret-named variables (`API_TOKEN`,
`DB_PASSWORD`, ...) while the environment is encrypted only with the AWS managed key (no
`kmsKeyArn` / `KmsKeyArn`). When the setting is missing for several functions of a
Serverless service or a SAM template with `Globals`, one finding points at `provider:` or
`Globals.Function` and names them.

## Why is this bad?
With the AWS managed key, anyone allowed `lambda:GetFunctionConfiguration` reads the
values in clear text. A customer-managed key adds a second gate (`kms:Decrypt` on that
key), an audit trail in CloudTrail, and control over rotation.

## Example
```yaml
service: payments
provider:
  name: aws
  runtime: python3.12
functions:
  charge:
    handler: handler.charge
    environment:
      API_TOKEN: ${ssm:/payments/api-token}
```

## Fix
```yaml
service: payments
provider:
  name: aws
  runtime: python3.12
  kmsKeyArn: arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab
functions:
  charge:
    handler: handler.charge
    environment:
      API_TOKEN: ${ssm:/payments/api-token}
```

## References
- https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars-encryption.html
"""

from collections.abc import Iterator

from slsguard.analysis.service import service_level_origin
from slsguard.analysis.targets import function_target, service_target
from slsguard.findings import Severity, Violation, name_list
from slsguard.fixes import Grant, Placeholder, SetSetting, Target, unsafe
from slsguard.model import Application, Function
from slsguard.rules import Context, rule
from slsguard.secrets.detect import is_secret_name


@rule(
    "SLS304",
    "environment-without-cmk",
    Severity.LOW,
    "Secret-named variables without a customer-managed KMS key",
    practice="P2",
    mappings={
        "owasp-serverless": "S3",
        "cwe": "CWE-311",
        "pci-dss-4.0": "3.5.1",
        "hipaa": "164.312(a)(2)(iv)",
    },
)
def check(app: Application, context: Context) -> Iterator[Violation]:
    """Functions with secret-named variables and no KMS key."""
    flagged = [(fn, names) for fn in app.functions if (names := _secret_names(fn))]
    if not flagged:
        return
    service_origin = service_level_origin(app)
    if service_origin is not None and len(flagged) > 1:
        functions = name_list((fn.name for fn, _ in flagged), 5)
        yield Violation(
            service_origin,
            f"{len(flagged)} functions ({functions}) keep secret-named variables in an "
            "environment encrypted only with the AWS managed key",
            subject="service",
            functions=tuple(fn.name for fn, _ in flagged),
            intents=(_key(service_target(app, service_origin, tuple(f.name for f, _ in flagged))),),
        )
        return
    for fn, names in flagged:
        yield Violation(
            fn.origin,
            f"function {fn.name} keeps {name_list(names, 3)} in an environment encrypted "
            "only with the AWS managed key",
            function=fn.name,
            subject=fn.name,
            intents=(_key(function_target(app, fn)),),
        )


_DECRYPT = Grant(("kms:Decrypt",), "<the key's ARN>")
_NEW_KEY = unsafe("the functions fail to start until their roles may use the key")


def _key(target: Target) -> SetSetting:
    key = Placeholder("customer-managed key ARN")
    return SetSetting(target, "kms-key", key, _NEW_KEY, grants=(_DECRYPT,))


def _secret_names(fn: Function) -> list[str]:
    if fn.kms_key not in (None, ""):
        return []
    return [variable.name for variable in fn.environment if is_secret_name(variable.name)]
