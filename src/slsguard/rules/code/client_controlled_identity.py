"""client-controlled-identity (SLS614): the caller's identity is taken from the request.

## What it does
In a Python, JavaScript, TypeScript or Go function behind an authorizer (or one that handles a
JWT itself), reports a user id, username, email, role, tenant, account or admin flag read
from the request body, query string or path parameters that then keys a data-store call
(`get_item`, `query`, `put_item`, `find_one`, `execute`, `GetCommand`, `.query(`, ...) or
decides an `if`, instead of the verified claims in `requestContext.authorizer` (or the
verified token). The finding shows the path from the request to the decision. A value
compared with the verified claims is a guard, not a finding; a body field that is only
echoed back is not reported.

## Why is this bad?
The authorizer proves who the caller is; the handler then ignores it and believes what the
caller wrote. Any signed-in user reads or changes another user's data (an insecure direct
object reference), or makes themselves an admin.

## Example
```yaml
service: profiles
provider:
  name: aws
  runtime: python3.12
functions:
  get:
    handler: handler.get
    events:
      - http:
          path: /profile
          method: post
          authorizer: aws_iam
```

```python
# file: handler.py
import json

import boto3

table = boto3.resource("dynamodb").Table("profiles")


def get(event, context):
    body = json.loads(event["body"])
    user_id = body["userId"]
    return table.get_item(Key={"userId": user_id}).get("Item")
```

## Fix
```yaml
service: profiles
provider:
  name: aws
  runtime: python3.12
functions:
  get:
    handler: handler.get
    events:
      - http:
          path: /profile
          method: post
          authorizer: aws_iam
```

```python
# file: handler.py
import boto3

table = boto3.resource("dynamodb").Table("profiles")


def get(event, context):
    user_id = event["requestContext"]["identity"]["cognitoIdentityId"]
    return table.get_item(Key={"userId": user_id}).get("Item")
```

## References
- https://owasp.org/API-Security/editions/2023/en/0xa1-broken-object-level-authorization/
- https://cwe.mitre.org/data/definitions/639.html
- https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-use-lambda-authorizer.html
"""

from collections.abc import Iterator

from slsguard.analysis.code_findings import code_violations
from slsguard.code.facts import code_facts
from slsguard.findings import Severity, Violation
from slsguard.model import Application
from slsguard.rules import NO_TEMPLATES, Context, rule


@rule(
    "SLS614",
    "client-controlled-identity",
    Severity.HIGH,
    "The caller's identity or role is taken from the request, not from the verified claims",
    practice="P6",
    mappings={
        "owasp-serverless": "S5",
        "cwe": "CWE-639",
    },
    dialects=NO_TEMPLATES,
)
def check(app: Application, context: Context) -> Iterator[Violation]:
    """Identity values from the request deciding access in authenticated functions."""
    if not app.functions:
        return
    facts = code_facts(app)
    http: set[str] = set()
    authorized: set[str] = set()
    for name, sources in facts.sources:
        bodies = [field for field in sources.fields if field.path == ("body",)]
        if bodies:
            http.add(name)
        if any("no auth" not in field.trigger for field in bodies):
            authorized.add(name)
    for violation in code_violations(app, "client-controlled-identity", Severity.HIGH):
        names = set(violation.functions)
        if names & authorized or (names & http and violation.subject == "jwt"):
            yield violation
