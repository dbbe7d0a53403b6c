"""error-details-exposed (SLS613): an exception's message or stack goes back to the caller.

## What it does
Reports a handler of an HTTP endpoint (API Gateway, function URL, ALB) that returns an
unexpected exception's details in its response: `str(e)`, `repr(e)`, `f"{e}"`, `e.args` of a
broad `except Exception`/bare `except`, or `traceback.format_exc()`; in JavaScript and
TypeScript `err.stack`, and `err.message`/`String(err)` from a `catch`; in Go a response
`Body` with `err.Error()`, `fmt.Sprint*(..., err)` or `debug.Stack()`. An error the `try`
block raises on purpose for the caller (`raise ValueError("missing id")`, `throw new
Error("...")`) is not reported, and neither is a handler that logs the stack and returns a
generic message.

It also reports a handler that invokes another Lambda function (`invoke(FunctionName=...)`,
`InvokeCommand`, Go `Invoke(ctx, &lambda.InvokeInput{...})`) and returns that function's
payload, or its `errorMessage`/`errorType`/`stackTrace`, in a branch that tests
`FunctionError` or without testing it at all: a failed invocation still succeeds, and its
payload is the other function's error and stack trace. Returning one field of a successful
payload (`payload["body"]`) is not reported.

## Why is this bad?
Stack traces and driver errors tell an attacker file paths, library versions, table and
column names and queries: a map for the next request.

## Example
```yaml
service: orders
provider:
  name: aws
  runtime: python3.12
functions:
  get:
    handler: handler.get
    events:
      - httpApi: GET /orders/{id}
```

```python
# file: handler.py
import traceback


def get(event, context):
    try:
        return {"statusCode": 200, "body": load(event["pathParameters"]["id"])}
    except Exception:
        return {"statusCode": 500, "body": traceback.format_exc()}


def load(order_id):
    return order_id
```

## Fix
Log the details; return a generic message.
```yaml
service: orders
provider:
  name: aws
  runtime: python3.12
functions:
  get:
    handler: handler.get
    events:
      - httpApi: GET /orders/{id}
```

```python
# file: handler.py
import logging

logger = logging.getLogger()


def get(event, context):
    try:
        return {"statusCode": 200, "body": load(event["pathParameters"]["id"])}
    except Exception:
        logger.exception("loading the order failed")
        return {"statusCode": 500, "body": "internal error"}


def load(order_id):
    return order_id
```

## References
- https://cwe.mitre.org/data/definitions/209.html
- https://owasp.org/www-community/Improper_Error_Handling
"""

from collections.abc import Iterator

from slsguard.analysis.code_findings import code_violations
from slsguard.code.facts import code_facts
from slsguard.findings import Severity, Violation
from slsguard.model import Application
from slsguard.rules import NO_TEMPLATES, Context, rule


@rule(
    "SLS613",
    "error-details-exposed",
    Severity.LOW,
    "An exception's message or stack is returned to the caller of an HTTP endpoint",
    practice="P6",
    mappings={
        "owasp-serverless": "S6",
        "cwe": "CWE-209",
    },
    dialects=NO_TEMPLATES,
)
def check(app: Application, context: Context) -> Iterator[Violation]:
    """Error details returned by functions behind an HTTP endpoint."""
    if not app.functions:
        return
    facts = code_facts(app)
    http = {
        name
        for name, sources in facts.sources
        if any(field.path == ("body",) for field in sources.fields)
    }
    for violation in code_violations(app, "error-details-exposed", Severity.LOW):
        if http & set(violation.functions):
            yield violation
