"""secret-materialized-in-environment (SLS302): the deploy copies a secret into the environment.

## What it does
Reports an environment variable whose value is a secret reference that the deployment
resolves *into* the function configuration, so the plaintext ends up there:
`${ssm:/aws/reference/secretsmanager/...}`, `${ssm:...~true}` (Framework v1/v2), `${ssm:...}`
whose parameter path or variable name is secret-like (v3+ decrypts SecureStrings without
`~true`, and whether a parameter is a SecureString cannot be known offline), and
CloudFormation `{{resolve:secretsmanager:...}}`. Non-secret parameters (`${ssm:/app/vpc-id}`)
are not reported.

## Why is this bad?
The repository is clean, but the secret sits in plaintext in the function configuration
and the deployment's CloudFormation template, readable with
`lambda:GetFunctionConfiguration`, and it does not rotate until the next deploy.

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
      DB_PASSWORD: ${ssm:/aws/reference/secretsmanager/prod/db-password}
```

## Fix
Pass the name and read the secret at run time.
```yaml
service: payments
provider:
  name: aws
  runtime: python3.12
functions:
  charge:
    handler: handler.charge
    environment:
      DB_PASSWORD_SECRET_ID: prod/db-password
```

## References
- https://www.serverless.com/framework/docs/providers/aws/guide/variables#reference-variables-using-the-ssm-parameter-store
- https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/dynamic-references.html
"""

import re
from collections.abc import Iterator

from slsguard.analysis.service import environment_once
from slsguard.findings import Severity, Violation, name_list
from slsguard.model import Application, Deferred, Reference, render
from slsguard.rules import Context, rule
from slsguard.secrets.detect import is_secret_name

# The name may hold `!Sub` placeholders: `{{resolve:secretsmanager:${Stage}/db:SecretString}}`.
_RESOLVE_SECRETS_MANAGER = re.compile(r"\{\{resolve:secretsmanager:(?:[^{}]|\$\{[^{}]*\})*\}\}")


@rule(
    "SLS302",
    "secret-materialized-in-environment",
    Severity.MEDIUM,
    "A secret reference is resolved into the function's environment",
    practice="P2",
    mappings={
        "owasp-serverless": "S3",
        "cwe": "CWE-312",
        "pci-dss-4.0": "8.6.2",
        "hipaa": "164.312(a)(2)(iv)",
    },
)
def check(app: Application, context: Context) -> Iterator[Violation]:
    """Environment values that the deploy resolves from a secrets store."""
    for variable, functions in environment_once(app):
        source = _materialized(variable.name, variable.value)
        if source is None:
            continue
        yield Violation(
            variable.origin,
            f"environment variable {variable.name} of {name_list(fn.name for fn in functions)} "
            f"receives the plaintext of {source} "
            "at deploy time",
            _fix(app.kind, variable.name),
            function=functions[0].name if len(functions) == 1 else None,
            subject=variable.name,
            functions=tuple(fn.name for fn in functions),
        )


def _fix(kind: str, name: str) -> str:
    if kind == "terraform":
        return (
            f"pass the secret's name instead (`{name}_SECRET_ID = "
            "data.aws_ssm_parameter.<name>.name` or `aws_secretsmanager_secret.<name>.id`, "
            "not its `.value`/`.secret_string`) and read it at run time with the Secrets "
            "Manager or SSM client"
        )
    return (
        f"pass the secret's name instead (`{name}_SECRET_ID: <name>`) and read it "
        "at run time with the Secrets Manager or SSM client"
    )


def _materialized(name: str, value: object) -> str | None:
    references: tuple[Reference, ...] = ()
    if isinstance(value, Reference):
        references = (value,)
    elif isinstance(value, Deferred):
        references = value.references
    for reference in references:
        if reference.source != "ssm":
            continue
        address = reference.address
        if address.lstrip("/").startswith("aws/reference/secretsmanager/"):
            return f"Secrets Manager secret {address.split('secretsmanager/', 1)[1]}"
        if address.endswith("~true"):
            return f"SecureString parameter {address.removesuffix('~true')}"
        last = address.rstrip("/").rsplit("/", 1)[-1]
        if is_secret_name(name) or is_secret_name(last.replace("-", "_")):
            return f"SSM parameter {address} (decrypted if it is a SecureString)"
    text = render(value) if isinstance(value, str | dict | Deferred) else ""
    found = _RESOLVE_SECRETS_MANAGER.search(text)
    if found:
        return f"Secrets Manager secret via {found.group(0)}"
    return None
