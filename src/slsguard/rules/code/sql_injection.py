"""sql-injection (SLS603): event data is formatted or concatenated into SQL.

## What it does
Reports SQL text built from event data (f-strings, `+`, `%`, `format`) and run by a DB-API
`execute` (psycopg, PyMySQL, sqlite3, ...), SQLAlchemy `text`, or Node's `pg`, `mysql`,
`mysql2` and `sqlite3` `query`/`execute`/`run`. Parameter binding (`execute(sql, params)`,
`query(sql, [values])`) is the fix and is not reported.

## Why is this bad?
The caller rewrites the query: reads other tenants' rows, bypasses a login, drops tables.

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
import sqlite3


def listOrders(event, context):
    customer = event["queryStringParameters"]["customer"]
    db = sqlite3.connect("/tmp/orders.db")
    rows = db.execute(f"SELECT * FROM orders WHERE customer = '{customer}'").fetchall()
    return {"statusCode": 200, "body": str(rows)}
```

## Fix
Bind the values as parameters:
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
import sqlite3


def listOrders(event, context):
    customer = event["queryStringParameters"]["customer"]
    db = sqlite3.connect("/tmp/orders.db")
    rows = db.execute("SELECT * FROM orders WHERE customer = ?", (customer,)).fetchall()
    return {"statusCode": 200, "body": str(rows)}
```

## References
- https://cheatsheetseries.owasp.org/cheatsheets/Query_Parameterization_Cheat_Sheet.html
- https://cwe.mitre.org/data/definitions/89.html
"""

from collections.abc import Iterator

from slsguard.analysis.code_findings import code_violations
from slsguard.findings import Confidence, Severity, Violation
from slsguard.model import Application
from slsguard.rules import NO_TEMPLATES, Context, rule


@rule(
    "SLS603",
    "sql-injection",
    Severity.HIGH,
    "Event data is formatted or concatenated into SQL",
    practice="P6",
    mappings={
        "owasp-serverless": "S1",
        "cwe": "CWE-89",
    },
    confidence=Confidence.MEDIUM,
    dialects=NO_TEMPLATES,
)
def check(app: Application, context: Context) -> Iterator[Violation]:
    """The flows and calls this rule looks for, in the handler code of `app`."""
    yield from code_violations(app, "sql-injection", Severity.HIGH)
