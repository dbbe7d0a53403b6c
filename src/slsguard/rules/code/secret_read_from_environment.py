"""secret-read-from-environment (SLS306): handler code reads a secret-named environment variable.

## What it does
Reports code that reads a secret-named environment variable (`os.environ["DB_PASSWORD"]`,
`os.getenv("API_TOKEN")`, `process.env.JWT_SECRET`): the secret then lives in the function
configuration. Names that describe a secret without holding it (`DB_SECRET_ARN`,
`TOKEN_TTL`) are not reported.

## Why is this bad?
Whoever can read the function configuration (`lambda:GetFunctionConfiguration`, the console,
support tooling) reads the secret; it cannot be rotated without a deploy, and it is often
dumped by debugging code that prints the environment.

## Example
```yaml
service: reports
provider:
  name: aws
  runtime: python3.12
functions:
  report:
    handler: handler.report
    events:
      - httpApi: GET /report
```

```python
# file: handler.py
import os

import psycopg


def report(event, context):
    password = os.environ["DB_PASSWORD"]
    with psycopg.connect(host="db", password=password) as connection:
        return connection.execute("SELECT 1").fetchone()
```

## Fix
Pass the secret's ARN and fetch it at run time (Powertools `parameters`, or the Parameters
and Secrets Lambda extension), cached between invocations:
```yaml
service: reports
provider:
  name: aws
  runtime: python3.12
functions:
  report:
    handler: handler.report
    events:
      - httpApi: GET /report
```

```python
# file: handler.py
import json
import os

import psycopg
from aws_lambda_powertools.utilities import parameters


def report(event, context):
    secret = json.loads(parameters.get_secret(os.environ["DB_SECRET_ARN"]))
    with psycopg.connect(host="db", password=secret["password"]) as connection:
        return connection.execute("SELECT 1").fetchone()
```

## References
- https://docs.aws.amazon.com/secretsmanager/latest/userguide/retrieving-secrets_lambda.html
- https://cwe.mitre.org/data/definitions/526.html
"""

from collections.abc import Iterator

from slsguard.analysis.code_findings import code_violations
from slsguard.findings import Severity, Violation
from slsguard.model import Application
from slsguard.rules import NO_TEMPLATES, Context, rule


@rule(
    "SLS306",
    "secret-read-from-environment",
    Severity.LOW,
    "Handler code reads a secret-named environment variable",
    practice="P2",
    mappings={
        "owasp-serverless": "S3",
        "cwe": "CWE-526",
        "pci-dss-4.0": "8.6.2",
    },
    dialects=NO_TEMPLATES,
)
def check(app: Application, context: Context) -> Iterator[Violation]:
    """The flows and calls this rule looks for, in the handler code of `app`."""
    yield from code_violations(app, "secret-read-from-environment", Severity.LOW)
