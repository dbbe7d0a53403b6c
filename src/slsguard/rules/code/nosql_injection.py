"""nosql-injection (SLS604): event data builds a DynamoDB expression or a Mongo query.

## What it does
Reports event data inside a DynamoDB expression (`FilterExpression`, `KeyConditionExpression`,
`ConditionExpression`, `UpdateExpression`, `ProjectionExpression`, a PartiQL statement), a
Mongo `$where`, or a parsed JSON value used as a Mongo filter value (operator injection:
`{"password": {"$ne": null}}`).

## Why is this bad?
The caller changes which items a query reads or updates, or makes a condition always true.

## Example
```yaml
service: orders
provider:
  name: aws
  runtime: python3.12
functions:
  listOrders:
    handler: handler.listOrders
    events:
      - httpApi: GET /orders
```

```python
# file: handler.py
import boto3

table = boto3.resource("dynamodb").Table("orders")


def listOrders(event, context):
    status = event["queryStringParameters"]["status"]
    return table.scan(FilterExpression=f"order_status = {status}")["Items"]
```

## Fix
Keep expressions constant and pass values through `ExpressionAttributeValues` or boto3
conditions:
```yaml
service: orders
provider:
  name: aws
  runtime: python3.12
functions:
  listOrders:
    handler: handler.listOrders
    events:
      - httpApi: GET /orders
```

```python
# file: handler.py
import boto3
from boto3.dynamodb.conditions import Attr

table = boto3.resource("dynamodb").Table("orders")


def listOrders(event, context):
    status = event["queryStringParameters"]["status"]
    return table.scan(FilterExpression=Attr("order_status").eq(status))["Items"]
```

## References
- https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Expressions.html
- https://cwe.mitre.org/data/definitions/943.html
"""

from collections.abc import Iterator

from slsguard.analysis.code_findings import code_violations
from slsguard.findings import Confidence, Severity, Violation
from slsguard.model import Application
from slsguard.rules import NO_TEMPLATES, Context, rule


@rule(
    "SLS604",
    "nosql-injection",
    Severity.HIGH,
    "Event data builds a DynamoDB expression or a Mongo query",
    practice="P6",
    mappings={
        "owasp-serverless": "S1",
        "cwe": "CWE-943",
    },
    confidence=Confidence.MEDIUM,
    dialects=NO_TEMPLATES,
)
def check(app: Application, context: Context) -> Iterator[Violation]:
    """The flows and calls this rule looks for, in the handler code of `app`."""
    yield from code_violations(app, "nosql-injection", Severity.HIGH)
