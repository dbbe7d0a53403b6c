"""sensitive-data-logged (SLS609): the whole event, a token or a secret is logged.

## What it does
Reports logging (`logging`, Powertools `Logger`, `print`, `console.*`) of the whole event,
its headers or cookies, a variable named like a token or secret, or a value read from a
secret store; and Powertools' `inject_lambda_context(log_event=True)`. Logging
`context.aws_request_id` or chosen fields is fine.

## Why is this bad?
Events carry `Authorization` headers, session cookies, personal data and message payloads.
Logs are kept for months, readable by many more people than the data, and exported to
third-party tools.

## Example
```yaml
service: accounts
provider:
  name: aws
  runtime: python3.12
functions:
  login:
    handler: handler.login
    events:
      - httpApi: POST /login
```

```python
# file: handler.py
import logging

logger = logging.getLogger()


def login(event, context):
    logger.info("received %s", event)
    return {"statusCode": 204}
```

## Fix
Log what you need to trace the request:
```yaml
service: accounts
provider:
  name: aws
  runtime: python3.12
functions:
  login:
    handler: handler.login
    events:
      - httpApi: POST /login
```

```python
# file: handler.py
import logging

logger = logging.getLogger()


def login(event, context):
    logger.info("request %s", context.aws_request_id)
    return {"statusCode": 204}
```

## References
- https://cheatsheetseries.owasp.org/cheatsheets/Logging_Cheat_Sheet.html
- https://cwe.mitre.org/data/definitions/532.html
"""

from collections.abc import Iterator

from slsguard.analysis.code_findings import code_violations
from slsguard.findings import Confidence, Severity, Violation
from slsguard.model import Application
from slsguard.rules import Context, rule


@rule(
    "SLS609",
    "sensitive-data-logged",
    Severity.MEDIUM,
    "The whole event, a token or a secret is logged",
    practice="P6",
    mappings={
        "owasp-serverless": "S3",
        "cwe": "CWE-532",
    },
    confidence=Confidence.MEDIUM,
)
def check(app: Application, context: Context) -> Iterator[Violation]:
    """The flows and calls this rule looks for, in the handler code of `app`."""
    yield from code_violations(app, "sensitive-data-logged", Severity.MEDIUM)
