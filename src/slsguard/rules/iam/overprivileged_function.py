"""overprivileged-function (SLS109): the role grants actions the handler code never calls.

## What it does
Compares what each statement of a function's role grants (after wildcard expansion with
the IAM dataset and the permissions boundary) with what the handler code needs (see
missing-permission for how calls are read) and reports, per statement and per service, the
granted actions no call needs on that statement's resources. Only roles whose every function
has analysed handler code are judged, each function by the code its own handler reaches; a
call the analysis could not map (a client built from a variable, a method name computed at
run time) keeps its service's grants from being called unused, and the message lists it.
What the framework adds for a trigger, what the trigger needs (SQS receive/delete,
stream reads) and the logging and metrics every function writes are never reported.

## Why is this bad?
An attacker who gets code execution in the function (an injection, a vulnerable
dependency) gets every permission of its role. Permissions the code never uses are pure risk.

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
          Action: ["dynamodb:*"]
          Resource: "*"
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
Grant only what the code calls (`slsguard policy` writes these statements).
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
- https://owasp.org/www-project-serverless-top-10/
"""

from collections.abc import Iterator

from slsguard.dialects import name_value
from slsguard.findings import Severity, Violation
from slsguard.fixes import Intent, RemoveGrant, ReplaceStatements, Target
from slsguard.iam import actions
from slsguard.iam.effective import describe_functions, function_roles
from slsguard.leastpriv.actionmap import TRIGGER_ACTIONS
from slsguard.leastpriv.compare import judgeable, may_serve
from slsguard.leastpriv.needs import FunctionNeeds, Need, function_needs
from slsguard.leastpriv.policy import intents, minimal
from slsguard.model import Application, Statement
from slsguard.rules import Context, rule
from slsguard.tf_address import resource_name


@rule(
    "SLS109",
    "overprivileged-function",
    Severity.MEDIUM,
    "The role grants actions the handler code never calls",
    practice="P1",
    mappings={
        "owasp-serverless": "S5",
        "cwe": "CWE-250",
        "pci-dss-4.0": "7.2.5",
        "hipaa": "164.312(a)(1)",
    },
)
def check(app: Application, context: Context) -> Iterator[Violation]:
    """Statements granting actions that no analysed call of the role's functions needs."""
    if not app.functions:
        return
    analysed = function_needs(app)
    for role, names in function_roles(app):
        if not judgeable(role) or any(name not in analysed for name in names):
            continue
        needs = [analysed[name] for name in names]
        union = FunctionNeeds(
            ", ".join(names),
            tuple(n for f in needs for n in f.needs),
            tuple(u for f in needs for u in f.uncertain),
        )
        for statement in role.all_statements():
            if statement.is_allow and statement.granted_by != "framework":
                yield from _statement(app, statement, union, names)


def _statement(
    app: Application, statement: Statement, needs: FunctionNeeds, names: tuple[str, ...]
) -> Iterator[Violation]:
    if statement.not_actions:
        return
    unused: dict[str, list[str]] = {}
    serves_any = False
    # Needs by action and the services of calls not understood, each gathered once: a
    # statement granting `*` (every action) is judged in one pass, however many needs.
    by_action: dict[str, list[Need]] = {}
    for need in needs.needs:
        by_action.setdefault(need.action.lower(), []).append(need)
    uncertain = {u.service for u in needs.uncertain}
    for pattern in statement.actions:
        for info in actions.expand(pattern):
            candidates = by_action.get(info.full_name.lower(), [])
            expected = info.full_name.lower() in _NOT_JUDGED
            if expected or "" in uncertain or info.service.lower() in uncertain:
                serves_any = True
                continue
            if not any(may_serve(app, statement, n, info.full_name) for n in candidates):
                unused.setdefault(info.service, []).append(info.name)
            else:
                serves_any = True
    if not unused:
        return
    yield Violation(
        statement.action_origin or statement.origin,
        f"{statement.policy} grants {_summary(unused)} on {_resources(app, statement)} "
        f"that the code of {describe_functions(names)} never needs; "
        f"{_used(app, needs.needs)}{_unknowns(needs)}",
        subject=",".join(sorted(unused)),
        functions=names,
        intents=(_narrow(app, statement, needs, serves_any),),
    )


_NOT_JUDGED = actions.EXPECTED_ON_STAR | {
    action.lower() for group in TRIGGER_ACTIONS.values() for action in group
}
"""Telemetry and network actions every function may use, and what an event source mapping
needs: a queue or stream trigger may be configured outside the scanned files."""


def _narrow(
    app: Application, statement: Statement, needs: FunctionNeeds, serves_any: bool
) -> Intent:
    """The minimal statements instead; removing the statement when the code needs nothing
    it grants (never an empty list)."""
    target = Target("policy", statement.policy, statement.origin)
    statements = intents(minimal(needs))
    if not serves_any or not statements:
        return RemoveGrant(target, "statement", note="the code needs nothing it grants")
    return ReplaceStatements(target, statements, note="grant only what the code calls")


def _unknowns(needs: FunctionNeeds) -> str:
    """The calls the analysis could not map: their services' grants were not judged."""
    if not needs.uncertain:
        return ""
    services = sorted({u.service or "any service" for u in needs.uncertain})
    where = ", ".join(dict.fromkeys(u.location.display for u in needs.uncertain))
    return f" (not judged, calls not understood at {where}: {', '.join(services)})"


def _summary(unused: dict[str, list[str]]) -> str:
    parts = []
    for service, names in sorted(unused.items()):
        shown = ", ".join(actions.familiar_first([f"{service}:{n}" for n in names])[:3])
        more = f" and {len(names) - 3} more" if len(names) > 3 else ""
        parts.append(f"{len(names)} {service} action{'s' * (len(names) > 1)} ({shown}{more})")
    return "; ".join(parts)


def _resources(app: Application, statement: Statement) -> str:
    """The statement's resources as the app writes them (a Terraform address, not the
    `!GetAtt` it was translated into)."""
    written = statement.resource_values or statement.resources
    return ", ".join(name_value(app, value) for value in written)


def _target(app: Application, need: Need) -> str:
    logical = need.target.logical_id
    return resource_name(app, logical) if logical else need.target.arn


def _used(app: Application, needs: tuple[Need, ...]) -> str:
    code = [n for n in needs if not n.implied]
    if not code:
        return "the code calls no AWS API"
    pairs = dict.fromkeys(f"{n.action} on {_target(app, n)}" for n in code)
    return "the code uses " + ", ".join(list(pairs)[:5])
