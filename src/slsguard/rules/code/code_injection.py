"""code-injection (SLS602): event data reaches eval, exec, Function or vm.

## What it does
Reports event data that reaches a code evaluator: Python `eval`, `exec`, `compile`; Node
`eval`, `new Function`, `vm.runInContext`/`runInNewContext`/`runInThisContext`, and
`setTimeout`/`setInterval` with a string.

## Why is this bad?
The caller writes code that runs inside the function, with its role and its secrets.

## Example
```yaml
service: calculator
provider:
  name: aws
  runtime: python3.12
functions:
  calculate:
    handler: handler.calculate
    events:
      - httpApi: POST /calc
```

```python
# file: handler.py
import json


def calculate(event, context):
    expression = json.loads(event["body"])["expression"]
    return {"statusCode": 200, "body": str(eval(expression))}
```

## Fix
Parse data instead of evaluating it (`ast.literal_eval`, `json.loads`), or map the input to
allowed operations:
```yaml
service: calculator
provider:
  name: aws
  runtime: python3.12
functions:
  calculate:
    handler: handler.calculate
    events:
      - httpApi: POST /calc
```

```python
# file: handler.py
import ast
import json


def calculate(event, context):
    expression = json.loads(event["body"])["expression"]
    return {"statusCode": 200, "body": str(ast.literal_eval(expression))}
```

## References
- https://cwe.mitre.org/data/definitions/94.html
"""

from collections.abc import Iterator

from slsguard.analysis.code_findings import code_violations
from slsguard.findings import Confidence, Severity, Violation
from slsguard.model import Application
from slsguard.rules import NO_TEMPLATES, Context, rule


@rule(
    "SLS602",
    "code-injection",
    Severity.CRITICAL,
    "Event data reaches eval, exec, Function or vm",
    practice="P6",
    mappings={
        "owasp-serverless": "S1",
        "cwe": "CWE-94",
    },
    confidence=Confidence.MEDIUM,
    dialects=NO_TEMPLATES,
)
def check(app: Application, context: Context) -> Iterator[Violation]:
    """The flows and calls this rule looks for, in the handler code of `app`."""
    yield from code_violations(app, "code-injection", Severity.CRITICAL)
