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
from collections.abc import Callable, Iterator
from typing import Literal

from slsguard.analysis.service import environment_once
from slsguard.analysis.targets import environment_target
from slsguard.findings import Severity, Violation, name_list
from slsguard.fixes import Grant, MoveToSecret, unsafe
from slsguard.model import Application, Deferred, EnvVar, Function, Reference, render
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
        found = _materialized(variable.name, variable.value)
        if found is None:
            continue
        source, move = found
        yield Violation(
            variable.origin,
            f"environment variable {variable.name} of {name_list(fn.name for fn in functions)} "
            f"receives the plaintext of {source} "
            "at deploy time",
            intents=(move(variable, functions),),
            function=functions[0].name if len(functions) == 1 else None,
            subject=variable.name,
            functions=tuple(fn.name for fn in functions),
        )


Move = Callable[[EnvVar, tuple[Function, ...]], MoveToSecret]
"""The fix of a materialized variable, made once the variable is known."""


def _read_at_run_time(store: Literal["ssm", "secretsmanager"], name: str) -> Move:
    """The environment carries `name` (the parameter or secret the deploy resolves today)."""
    action = "ssm:GetParameter" if store == "ssm" else "secretsmanager:GetSecretValue"

    def move(variable: EnvVar, functions: tuple[Function, ...]) -> MoveToSecret:
        return MoveToSecret(
            environment_target(variable, functions),
            variable.name,
            store,
            name,
            unsafe("the handler must be changed to read the secret at run time"),
            (Grant((action,), name or "the secret"),),
        )

    return move


def _materialized(name: str, value: object) -> tuple[str, Move] | None:
    """What the deploy resolves into the variable, and the fix that reads it at run time."""
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
            secret = address.split("secretsmanager/", 1)[1]
            return f"Secrets Manager secret {secret}", _read_at_run_time("secretsmanager", secret)
        if address.endswith("~true"):
            parameter = address.removesuffix("~true")
            return f"SecureString parameter {parameter}", _read_at_run_time("ssm", parameter)
        last = address.rstrip("/").rsplit("/", 1)[-1]
        if is_secret_name(name) or is_secret_name(last.replace("-", "_")):
            return (
                f"SSM parameter {address} (decrypted if it is a SecureString)",
                _read_at_run_time("ssm", address),
            )
    text = render(value) if isinstance(value, str | dict | Deferred) else ""
    found = _RESOLVE_SECRETS_MANAGER.search(text)
    if found:
        # `{{resolve:secretsmanager:<id>:SecretString:<key>}}`: the id, unless it is built
        # by an intrinsic (`${Stage}/db`), which only the template's own syntax can write.
        secret = _secret_id(found.group(0))
        return f"Secrets Manager secret via {found.group(0)}", _read_at_run_time(
            "secretsmanager", secret
        )
    return None


def _secret_id(resolve: str) -> str:
    """The secret's id in a dynamic reference (empty when an intrinsic builds it)."""
    body = resolve.removeprefix("{{resolve:secretsmanager:").removesuffix("}}")
    if "${" in body:
        return ""
    if body.startswith("arn:"):  # arn:aws:secretsmanager:region:account:secret:name[:...]
        return ":".join(body.split(":")[:7])
    return body.split(":", 1)[0]
