"""allow-with-not-action (SLS106): an Allow statement uses `NotAction` or `NotResource`.

## What it does
Reports an Allow statement on a function role written with `NotAction` or `NotResource`.

IAM users, groups and roles that run no function are judged too, one severity step lower
unless they can change or invoke functions; the finding names the principal.

## Why is this bad?
`Allow` + `NotAction: [iam:*]` allows every other action of every service, including the
ones AWS launches next year; `Allow` + `NotResource` allows every resource but a few. Both
grant far more than they appear to, and grow silently.

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
          NotAction: [iam:*]
          Resource: "*"
functions:
  create:
    handler: handler.create
```

## Fix
List what is allowed instead of what is not.
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
          Resource: arn:aws:dynamodb:us-east-1:123456789012:table/orders
functions:
  create:
    handler: handler.create
```

## References
- https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notaction.html
"""

from collections.abc import Iterator

from slsguard.analysis.targets import statement_fix
from slsguard.findings import Severity, Violation
from slsguard.fixes import Placeholder
from slsguard.iam.effective import describe_functions, expand_effective
from slsguard.iam.principals import every_grant
from slsguard.model import Application
from slsguard.rules import Context, rule

_ACTIONS = Placeholder("the actions the functions call")
_RESOURCES = Placeholder("the resources the functions use")


@rule(
    "SLS106",
    "allow-with-not-action",
    Severity.HIGH,
    "An Allow statement uses NotAction or NotResource",
    practice="P1",
    mappings={
        "owasp-serverless": "S5",
        "cwe": "CWE-732",
        "pci-dss-4.0": "7.2.5",
        "hipaa": "164.312(a)(1)",
    },
)
def check(app: Application, context: Context) -> Iterator[Violation]:
    """Allow statements written with NotAction or NotResource."""
    for grant, principal in every_grant(app):  # function roles, then every other principal
        statement = grant.statement
        who = principal.who + principal.why() if principal else describe_functions(grant.functions)
        severity = principal.severity(Severity.HIGH) if principal else None
        if not statement.is_allow or not (statement.not_actions or statement.not_resources):
            continue
        if not any(True for _ in expand_effective(grant, "*")):
            continue  # Deny statements or the boundary in the template remove all it grants.
        if statement.not_actions:
            yield Violation(
                statement.action_origin or statement.origin,
                f"{statement.policy} allows every action except "
                f"{', '.join(statement.not_actions)} to {who}",
                intents=(statement_fix(statement, "iam-actions", "NotAction", _ACTIONS),),
                severity=severity,
                subject="NotAction",
                functions=grant.functions,
            )
        if statement.not_resources:
            yield Violation(
                statement.resource_origin or statement.origin,
                f"{statement.policy} allows {', '.join(statement.actions) or 'its actions'} on "
                f"every resource except {', '.join(statement.not_resources)} to "
                f"{who}",
                intents=(statement_fix(statement, "iam-resources", "NotResource", _RESOURCES),),
                severity=severity,
                subject="NotResource",
                functions=grant.functions,
            )
