"""wildcard-iam-action (SLS101): an Allow statement grants `*` or `service:*`.

## What it does
Reports an Allow statement, inline or in a customer-managed policy, whose `Action` is `*`
(every action of every service: critical) or `service:*` (every action of one service:
high), on a role that runs a function. What the statement really grants decides: `*` on
the ARNs of one service (one S3 object, one table) is every action of that service on
them (high, not account admin), and actions removed by a `Deny` or a permissions boundary
in the template are subtracted first. Statements the framework adds by itself and AWS
managed policies are not judged here (see admin-managed-policy). An `Action` that is a
parameter's or variable's default, or one branch of an `!If` (both are judged), is reported
at medium confidence with that reason: a deployment may pass another value.

IAM users, groups and roles that run no function (CI, EC2, CodeBuild, Step Functions) are
judged too, one severity step lower, unless they can change or invoke functions (the Lambda
escalation paths): then at a function role's severity. The finding names the principal.

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

from slsguard.analysis.targets import statement_fix
from slsguard.findings import Confidence, Severity, Violation
from slsguard.fixes import Placeholder
from slsguard.iam import actions
from slsguard.iam.effective import (
    Grant,
    boundary_note,
    describe_functions,
    expand_effective,
)
from slsguard.iam.principals import Principal, every_grant
from slsguard.model import Application, Statement
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
    """Allow statements with a full or service-wide action wildcard, judged on their Resource."""
    for grant, principal in every_grant(app):  # function roles, then every other principal
        statement = grant.statement
        if not statement.is_allow:
            continue
        for pattern in statement.actions:
            service, _, name = pattern.partition(":")
            full = pattern == "*"
            if not full and not (name == "*" and actions.known_service(service)):
                continue
            violation = _judge(app, grant, pattern, principal)
            if violation is not None:
                yield violation


def _judge(
    app: Application, grant: Grant, pattern: str, principal: Principal | None = None
) -> Violation | None:
    """The finding for one wildcard, at the severity of what it really grants."""
    statement = grant.statement
    survivors = list(expand_effective(grant, pattern))
    if not survivors:
        return None  # Denies or a boundary in the template remove every action it grants.
    full = pattern == "*"
    reached = _services_reached(statement)
    remaining = sorted({info.service for info in survivors})
    if full and reached is not None:
        scope = (
            f"every action, but only on {_resources(statement)}: in effect every "
            f"{'/'.join(reached)} action on {'it' if len(statement.resources) == 1 else 'them'}"
        )
        severity = Severity.HIGH
    elif full and len(remaining) <= 3:
        scope = f"every action the Deny statements leave: every {'/'.join(remaining)} action"
        severity = Severity.HIGH
    elif full:
        scope = "every action of every service"
        severity = Severity.CRITICAL
    else:
        scope = f"every {pattern.partition(':')[0]} action"
        severity = Severity.HIGH
    examples = _examples(reached[0] if full and reached else pattern.partition(":")[0])
    who = principal.who + principal.why() if principal else describe_functions(grant.functions)
    severity = principal.severity(severity) if principal else severity
    shown = examples if examples and (reached or not full) else ""
    return Violation(
        statement.action_origin or statement.origin,
        f"{statement.policy} allows `{pattern}` ({scope}) to {who}{boundary_note(grant.roles)}",
        severity=severity,
        subject=pattern,
        functions=grant.functions,
        intents=(statement_fix(statement, "iam-actions", pattern, _actions_wanted(shown)),),
        # A parameter's default or one branch of an `!If`: the deployed value may differ.
        confidence=Confidence.MEDIUM if statement.assumed else None,
        confidence_reason="; ".join(statement.assumed),
    )


def _actions_wanted(examples: str) -> Placeholder:
    """What to write instead: the actions the code calls (`slsguard policy` lists them)."""
    such_as = f", such as {examples}" if examples else ""
    return Placeholder(f"the actions the code calls{such_as}")


def _services_reached(statement: Statement) -> list[str] | None:
    """The services whose resources the statement names, or None when it reaches them all.

    None for `*`, `NotResource`, a resource whose service is a wildcard, or one not known
    statically (a reference can be any ARN).
    """
    if statement.not_resources or not statement.resources:
        return None
    services: list[str] = []
    for index, resource in enumerate(statement.resources):
        from_reference = (
            index < len(statement.resource_references) and statement.resource_references[index]
        )
        parts = resource.split(":")
        if from_reference or len(parts) < 6 or parts[0] != "arn":
            return None
        service = parts[2]
        if not service or "*" in service or "?" in service or "$" in service:
            return None
        if service not in services:
            services.append(service)
    return services


def _resources(statement: Statement) -> str:
    shown = statement.resources[:2]
    more = len(statement.resources) - len(shown)
    return ", ".join(shown) + (f" and {more} more" if more else "")


def _examples(service: str) -> str:
    if not service or service == "*":
        return ""
    read_write = [
        info.full_name
        for info in actions.expand(f"{service}:*")
        if info.access_level in ("Read", "Write") and actions.sensitive(info)
    ]
    chosen = actions.familiar_first(read_write)[:3] or [f"{service}:<Action>"]
    return ", ".join(chosen)
