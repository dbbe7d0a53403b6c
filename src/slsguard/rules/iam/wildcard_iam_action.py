"""wildcard-iam-action (SLS101): an Allow statement grants `*` or `service:*`.

## What it does
Reports an Allow statement, inline or in a customer-managed policy, whose `Action` is `*`
(every action of every service: critical) or `service:*` (every action of one service:
high), on a role that runs a function. Statements the framework adds by itself and AWS
managed policies are not judged here (see admin-managed-policy).

## Why is this bad?
A function needs a handful of actions. A wildcard gives whoever controls the function
(through an injection, a vulnerable dependency, a stolen event) every other action too:
deleting tables, reading every bucket, changing IAM.

## Example
```yaml
service: orders
provider:
  name: aws
  runtime: python3.12
  iam:
    role:
      statements:
        - Effect: Allow
          Action: "dynamodb:*"
          Resource: arn:aws:dynamodb:us-east-1:123456789012:table/orders
functions:
  create:
    handler: handler.create
```

## Fix
List the actions the functions call.
```yaml
service: orders
provider:
  name: aws
  runtime: python3.12
  iam:
    role:
      statements:
        - Effect: Allow
          Action: [dynamodb:GetItem, dynamodb:PutItem]
          Resource: arn:aws:dynamodb:us-east-1:123456789012:table/orders
functions:
  create:
    handler: handler.create
```

## References
- https://docs.aws.amazon.com/IAM/latest/UserGuide/best-practices.html#grant-least-privilege
- https://docs.aws.amazon.com/securityhub/latest/userguide/iam-controls.html#iam-1
"""

from collections.abc import Iterator

from slsguard.findings import Severity, Violation
from slsguard.iam import actions
from slsguard.iam.effective import boundary_note, describe_functions, grants, grants_any
from slsguard.model import Application
from slsguard.rules import Context, rule


@rule(
    "SLS101",
    "wildcard-iam-action",
    Severity.CRITICAL,
    "An Allow statement grants `*` or `service:*`",
    practice="P1",
    mappings={
        "owasp-serverless": "S5",
        "cwe": "CWE-269",
        "fsbp": ("IAM.1", "IAM.21"),
        "pci-dss-4.0": "7.2.5",
        "hipaa": "164.312(a)(1)",
    },
)
def check(app: Application, context: Context) -> Iterator[Violation]:
    """Allow statements with a full or service-wide action wildcard."""
    for grant in grants(app):
        statement = grant.statement
        if not statement.is_allow:
            continue
        for pattern in statement.actions:
            service, _, name = pattern.partition(":")
            full = pattern == "*"
            if not full and not (name == "*" and actions.known_service(service)):
                continue
            if not grants_any(grant, pattern):
                continue  # A boundary in the template removes every action it grants.
            where = statement.action_origin or statement.origin
            scope = "every action of every service" if full else f"every {service} action"
            examples = _examples(service) if not full else ""
            yield Violation(
                where,
                f"{statement.policy} allows `{pattern}` ({scope}) to "
                f"{describe_functions(grant.functions)}{boundary_note(grant.roles)}",
                f"replace `{pattern}` with the actions the code calls"
                + (f", for example {examples}" if examples else "")
                + (_TERRAFORM_FIX if app.kind == "terraform" else ""),
                severity=Severity.CRITICAL if full else Severity.HIGH,
                subject=pattern,
                functions=grant.functions,
            )


_TERRAFORM_FIX = (
    " (`Action = [...]` in `jsonencode`, `actions = [...]` in a "
    '`data "aws_iam_policy_document"` statement)'
)


def _examples(service: str) -> str:
    read_write = [
        info.full_name
        for info in actions.expand(f"{service}:*")
        if info.access_level in ("Read", "Write") and actions.sensitive(info)
    ]
    chosen = actions.familiar_first(read_write)[:3] or [f"{service}:<Action>"]
    return "`" + "`, `".join(chosen) + "`"
