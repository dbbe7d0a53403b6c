"""shared-function-role (SLS104): two or more functions run with the same role.

## What it does
Reports a role that runs two or more functions: the Serverless Framework's provider role
(`IamRoleLambdaExecution`, shared by every function without a role of its own), a role in
`resources:` or a CloudFormation role named by several functions, or an existing role ARN.
A shared role that grants nothing but what the framework adds (logs, stream and queue
reads) is not reported: there is nothing to separate.

## Why is this bad?
Each function gets the union of what all of them need. The function that only reads a
table can also delete from it because another function must; one compromised function
has every other function's permissions.

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
          Action: [dynamodb:PutItem, dynamodb:DeleteItem]
          Resource: arn:aws:dynamodb:us-east-1:123456789012:table/orders
functions:
  create:
    handler: handler.create
  remove:
    handler: handler.remove
```

## Fix
Give each function its own role (Framework v4 natively; v3 with the
serverless-iam-roles-per-function plugin; SAM gives every function its own role by default).
```yaml
service: orders
frameworkVersion: "4"
provider:
  name: aws
  runtime: python3.12
functions:
  create:
    handler: handler.create
    iam:
      role:
        statements:
          - Effect: Allow
            Action: [dynamodb:PutItem]
            Resource: arn:aws:dynamodb:us-east-1:123456789012:table/orders
  remove:
    handler: handler.remove
    iam:
      role:
        statements:
          - Effect: Allow
            Action: [dynamodb:DeleteItem]
            Resource: arn:aws:dynamodb:us-east-1:123456789012:table/orders
```

## References
- https://www.serverless.com/framework/docs/providers/aws/guide/iam
"""

from collections.abc import Iterator

from slsguard.analysis.targets import function_target
from slsguard.findings import Severity, Violation
from slsguard.fixes import REMOVES_ACCESS, FreeText, Intent, Placeholder, SetSetting
from slsguard.iam.effective import describe_functions, function_roles
from slsguard.model import Application, Function, Role
from slsguard.rules import Context, rule


@rule(
    "SLS104",
    "shared-function-role",
    Severity.MEDIUM,
    "Several functions share one role",
    practice="P9",
    mappings={
        "owasp-serverless": "S5",
        "cwe": "CWE-266",
        "pci-dss-4.0": "7.2.5",
        "hipaa": "164.312(a)(1)",
    },
)
def check(app: Application, context: Context) -> Iterator[Violation]:
    """Roles that run more than one function and grant more than the framework's defaults."""
    for role, names in function_roles(app):
        if len(names) < 2 or not _grants_something(role):
            continue
        yield Violation(
            role.origin,
            f"role {role.name} is shared by {describe_functions(names)}: each gets the "
            "permissions all of them need",
            subject=role.key,
            functions=names,
            intents=_own_roles(app, names),
        )


def _grants_something(role: Role) -> bool:
    if role.external or (
        role.managed_policies
        and any(
            not policy.name.startswith("AWSLambdaBasicExecutionRole")
            for policy in role.managed_policies
        )
    ):
        return True
    return any(statement.granted_by != "framework" for statement in role.all_statements())


def _own_roles(app: Application, names: tuple[str, ...]) -> tuple[Intent, ...]:
    """A role of its own for the first function, and the same for the others (in words: one
    block per function would repeat the same keys)."""
    first = next((fn for fn in app.functions if fn.name == names[0]), None)
    others = describe_functions(names[1:])
    likewise = FreeText(f"and likewise for {others}")
    return (likewise,) if first is None else (_own_role(app, first), likewise)


def _own_role(app: Application, function: Function) -> SetSetting:
    """A role of its own for one function: changing who may do what is never applied blind."""
    return SetSetting(
        function_target(app, function),
        "role",
        Placeholder("a role of its own, with only what this function needs"),
        REMOVES_ACCESS,
    )
