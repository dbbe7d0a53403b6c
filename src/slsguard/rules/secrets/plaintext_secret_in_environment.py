"""plaintext-secret-in-environment (SLS301): a function's environment holds a secret in plaintext.

## What it does
Reports an environment variable whose value is a secret written in the repository: a
known token format (AWS key pair, Stripe, GitHub, Slack, Google, Twilio, SendGrid, a
private key, a JWT, a URL or DSN with a password), or a literal in a secret-named
variable (`DB_PASSWORD`, `JWT_SECRET`, `STRIPE_API_KEY`). Live-format tokens are critical
(`sk_live_`), test-format ones high (`sk_test_`); obvious placeholders in a secret-named
variable (`changeme`, `xxx`, `<token>`) are low. References, ARNs, names and paths
(`DB_SECRET_ARN`, `TABLE_NAME`, `${ssm:...}`) are not reported. AWS's documentation
example keys (`AKIAIOSFODNN7EXAMPLE`, `wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY`) in a
secret-named variable are reported at low with that explanation: they are not working
credentials, but they are still a plaintext key pair in the environment.

## Why is this bad?
The secret is in the repository history, in every clone and CI log, in the deployment
package and in the function configuration, readable by anyone with
`lambda:GetFunctionConfiguration`. Rotating it means a new commit and a deploy.

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
      STRIPE_SECRET_KEY: sk_live_51HbQkZLmNoPqRsTuVwXyZ0123456789abcd
```

## Fix
Keep the secret in Secrets Manager (or an SSM SecureString), pass its name, and read it at
run time (cached, e.g. with the Parameters and Secrets Lambda extension).
```yaml
service: payments
provider:
  name: aws
  runtime: python3.12
functions:
  charge:
    handler: handler.charge
    environment:
      STRIPE_SECRET_ARN: arn:aws:secretsmanager:us-east-1:123456789012:secret:stripe-key
```

## References
- https://docs.aws.amazon.com/secretsmanager/latest/userguide/retrieving-secrets_lambda.html
- https://cwe.mitre.org/data/definitions/798.html
"""

from collections.abc import Iterator

from slsguard.analysis.secret_wording import describe, documentation_key, severity_of
from slsguard.analysis.service import environment_once
from slsguard.analysis.targets import environment_target
from slsguard.findings import Severity, Violation, name_list
from slsguard.fixes import Grant, MoveToSecret
from slsguard.model import Application, Deferred, EnvVar, Function, is_literal, render
from slsguard.rules import Context, rule
from slsguard.secrets.detect import (
    SecretMatch,
    classify,
    find_token,
    is_aws_documentation_key,
    mask,
)


@rule(
    "SLS301",
    "plaintext-secret-in-environment",
    Severity.HIGH,
    "A function's environment holds a secret in plaintext",
    practice="P2",
    mappings={
        "owasp-serverless": "S3",
        "cwe": "CWE-798",
        "pci-dss-4.0": "8.6.2",
        "hipaa": "164.312(a)(2)(iv)",
    },
)
def check(app: Application, context: Context) -> Iterator[Violation]:
    """Literal secrets in environment variables, once per place they are written."""
    for variable, functions in environment_once(app):
        found = _secret(variable)
        if found is None:
            continue
        value, match = found
        names = name_list(fn.name for fn in functions)
        yield Violation(
            variable.origin,
            f"environment variable {variable.name} of {names} holds "
            f"{describe(match)} in plaintext ({mask(value)})",
            intents=(_move(variable, functions),),
            severity=severity_of(match),
            function=functions[0].name if len(functions) == 1 else None,
            subject=variable.name,
            functions=tuple(fn.name for fn in functions),
        )


def _move(variable: EnvVar, functions: tuple[Function, ...]) -> MoveToSecret:
    """The value to Secrets Manager; the environment carries the secret's ARN."""
    return MoveToSecret(
        environment_target(variable, functions),
        variable.name,
        "secretsmanager",
        grants=(Grant(("secretsmanager:GetSecretValue",), "the secret's ARN"),),
        reference=_reference_name(variable.name),
    )


def _secret(variable: EnvVar) -> tuple[str, SecretMatch] | None:
    """The value's text and the secret in it, if any.

    Literals are classified with their name. Values built by an intrinsic (`!Sub`, `!Join`)
    or mixing text with Serverless variables are still written in the template: a known
    token format in their literal text is reported too (a name alone is not enough there,
    as the value is assembled at deploy time).
    """
    value = variable.value
    if is_literal(value) and variable.provenance == "literal":
        text = str(value)
        match = classify(variable.name, text)
    elif isinstance(value, dict | Deferred) and variable.provenance in ("cfn", "variable"):
        text = render(value)
        match = find_token(text)
    else:
        return None
    if is_aws_documentation_key(text):
        match = documentation_key(variable.name, text)  # low, with that explanation
    if match is None:
        return None
    return text, match


def _reference_name(name: str) -> str:
    for suffix in ("_KEY", "_TOKEN", "_SECRET", "_PASSWORD"):
        if name.upper().endswith(suffix):
            return name + "_ARN"
    return name + "_SECRET_ARN"
