"""missing-permission (SLS110): the handler calls an AWS API its role does not allow.

## What it does
Reads the handler code of each function (Python: boto3 clients, resources, `Table(...)`,
batch writers, paginators, waiters, managed transfers; JavaScript and TypeScript: SDK v3
commands, `lib-dynamodb`, `lib-storage` `Upload`, SDK v2 clients and `DocumentClient`; Go:
AWS SDK for Go v2 and v1 clients, paginators, waiters, presign and transfer managers), maps
every SDK call to the IAM actions it needs (plus `kms:Decrypt`/`kms:GenerateDataKey` on the
customer-managed key of an encrypted secret, queue, topic, table or bucket) and resolves the
resource it touches (constants, environment variables defined in the template and the
resources they reference). Reports a call that IAM would certainly deny
(`slsguard.iam.evaluate`: no Allow covers the action on that resource, an explicit Deny, or
the permissions boundary); a grant whose resource or condition cannot be known statically is
never reported as missing. `s3:AbortMultipartUpload` for managed uploads is optional.
Functions whose code was not found, roles defined outside the scan and roles with managed
policies whose content is not in the scan are never judged.

## Why is this bad?
The call fails with `AccessDenied` in production, often on a path tests do not cover.

## Example
```python
# file: handler.py
import os

import boto3

table = boto3.resource("dynamodb").Table(os.environ["TABLE_NAME"])


def create(event, context):
    table.put_item(Item={"id": "1"})
```
```yaml
service: orders
provider:
  name: aws
  runtime: python3.12
  iam:
    role:
      statements:
        - Effect: Allow
          Action: [dynamodb:GetItem]
          Resource: !GetAtt OrdersTable.Arn
functions:
  create:
    handler: handler.create
    environment:
      TABLE_NAME: !Ref OrdersTable
resources:
  Resources:
    OrdersTable:
      Type: AWS::DynamoDB::Table
```

## Fix
Grant the action on the resource the code uses (`slsguard policy` writes the statements).
```python
# file: handler.py
import os

import boto3

table = boto3.resource("dynamodb").Table(os.environ["TABLE_NAME"])


def create(event, context):
    table.put_item(Item={"id": "1"})
```
```yaml
service: orders
provider:
  name: aws
  runtime: python3.12
  iam:
    role:
      statements:
        - Effect: Allow
          Action: [dynamodb:PutItem]
          Resource: !GetAtt OrdersTable.Arn
functions:
  create:
    handler: handler.create
    environment:
      TABLE_NAME: !Ref OrdersTable
resources:
  Resources:
    OrdersTable:
      Type: AWS::DynamoDB::Table
```

## References
- https://docs.aws.amazon.com/IAM/latest/UserGuide/best-practices.html#grant-least-privilege
- https://boto3.amazonaws.com/v1/documentation/api/latest/guide/clients.html
"""

from collections.abc import Iterator

from slsguard.findings import Severity, Violation
from slsguard.fixes import ReplaceStatements, Target, unsafe
from slsguard.leastpriv.compare import decision, judgeable, role_complete
from slsguard.leastpriv.needs import FunctionNeeds, function_needs
from slsguard.leastpriv.policy import intents, minimal
from slsguard.model import Application, Role
from slsguard.rules import Context, rule


@rule(
    "SLS110",
    "missing-permission",
    Severity.MEDIUM,
    "The handler calls an AWS API its role does not allow",
    practice="P1",
    mappings={"cwe": "CWE-285"},
)
def check(app: Application, context: Context) -> Iterator[Violation]:
    """Code calls whose action or resource the function's role does not allow."""
    if not app.functions:
        return
    if not role_complete(app):
        return
    analysed = function_needs(app)
    for fn in app.functions:
        needs = analysed.get(fn.name)
        if needs is None or fn.role is None or not judgeable(fn.role):
            continue
        role = fn.role
        required = [n for n in needs.needs if not n.implied and not n.optional]
        missing = [n for n in required if decision(app, role, n).denied]
        for need in missing:
            if need.location is None and need.origin is None:
                continue
            only = FunctionNeeds(fn.name, (need,))
            what = f"`{need.reason}`" if need.location else f"{need.reason} of {fn.name}"
            yield Violation(
                need.origin or fn.origin,
                f"{what} needs `{need.action}` on {need.target.arn} "
                f"({need.target.label or 'constant'}), which the role of {fn.name} does not "
                "allow: the call fails with AccessDenied",
                function=fn.name,
                subject=need.action,
                location=need.location,
                intents=(_grant(app, role, only),),
            )


_WIDER = unsafe("grants the role more than it has today")


def _grant(app: Application, role: Role, needs: FunctionNeeds) -> ReplaceStatements:
    """The statements the call needs, added to the function's role."""
    target = Target("role", role.name, role.origin)
    return ReplaceStatements(target, intents(minimal(needs)), _WIDER, add=True)
