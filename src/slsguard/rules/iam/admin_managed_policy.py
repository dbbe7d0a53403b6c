"""admin-managed-policy (SLS103): a function role has an AWS managed admin or full-access policy.

## What it does
Reports AWS managed policies that grant administrator or full service access
(`AdministratorAccess`, `PowerUserAccess`, `IAMFullAccess`, `AWSLambda_FullAccess`, and
every `...FullAccess` policy) attached to a role that runs a function, whether written as
a name (SAM `Policies`) or an ARN (`managedPolicies`, `ManagedPolicyArns`). The IAM users,
groups and other roles the project defines are judged too, one severity step lower unless
they can change or invoke functions.

## Why is this bad?
These policies are made for people administering a service, not for code. A function
with `AmazonS3FullAccess` can delete every bucket in the account; with
`AdministratorAccess` it can do anything.

## Example
```yaml
AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Resources:
  CreateOrder:
    Type: AWS::Serverless::Function
    Properties:
      Handler: app.handler
      Runtime: python3.12
      Policies:
        - AmazonDynamoDBFullAccess
```

## Fix
Use a SAM policy template or a statement scoped to the resource.
```yaml
AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Resources:
  CreateOrder:
    Type: AWS::Serverless::Function
    Properties:
      Handler: app.handler
      Runtime: python3.12
      Policies:
        - DynamoDBCrudPolicy:
            TableName: orders
```

## References
- https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_job-functions.html
"""

import re
from collections.abc import Iterator

from slsguard.findings import Severity, Violation
from slsguard.fixes import RemoveGrant, Target
from slsguard.iam.effective import describe_functions, function_roles
from slsguard.iam.principals import Principal, other_principals
from slsguard.model import Application, Role
from slsguard.rules import Context, rule

_INSTEAD = (
    "and grant instead only the actions and resources the code uses (`slsguard policy` prints them)"
)
_ADMIN = re.compile(
    r"^(AdministratorAccess|PowerUserAccess|IAMFullAccess|AWSLambda_FullAccess|.*FullAccess(V\d+)?)$"
)


@rule(
    "SLS103",
    "admin-managed-policy",
    Severity.HIGH,
    "An AWS managed admin or full-access policy on a function role",
    practice="P1",
    mappings={
        "owasp-serverless": "S5",
        "cwe": "CWE-269",
        "pci-dss-4.0": "7.2.5",
        "hipaa": "164.312(a)(1)",
    },
)
def check(app: Application, context: Context) -> Iterator[Violation]:
    """AWS managed policies with admin or full access, once per place they are attached."""
    seen: set[object] = set()
    holders: list[tuple[Role, str, tuple[str, ...], Principal | None]] = [
        (role, describe_functions(names), names, None) for role, names in function_roles(app)
    ]
    holders.extend(
        (principal.role, principal.who, (), principal)
        for principal in other_principals(app)  # users, groups and roles running no function
    )
    for role, who, names, principal in holders:
        for policy in role.managed_policies:
            if not policy.aws_managed or not _ADMIN.match(policy.name):
                continue
            if policy.origin in seen:
                continue
            seen.add(policy.origin)
            yield Violation(
                policy.origin,
                f"AWS managed policy {policy.name} gives {who} administrator or full service "
                f"access{principal.why() if principal else ''}",
                severity=principal.severity(Severity.HIGH) if principal else None,
                subject=policy.name,
                functions=names,
                intents=(
                    RemoveGrant(
                        Target("policy", policy.name, policy.origin),
                        "managed-policy",
                        note=_INSTEAD,
                    ),
                ),
            )
