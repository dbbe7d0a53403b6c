"""privilege-escalation (SLS105): the role allows a known privilege-escalation path.

## What it does
Reports a function role whose effective permissions contain a known path to more
privilege: `iam:PassRole` with `lambda:CreateFunction` or `UpdateFunctionConfiguration`,
`iam:CreatePolicyVersion`, `iam:Attach*Policy`, `iam:Put*Policy`, `iam:CreateAccessKey`,
`lambda:UpdateFunctionCode` on `*`, `sts:AssumeRole` on `*`, and the others catalogued in
`slsguard.iam.escalation`. Denies and a permissions boundary defined in the template are
applied first.

IAM users, groups and roles that run no function (CI and deploy roles, roles for EC2,
CodeBuild or Step Functions) are judged too: the finding names the principal and walks the
first path step by step. It is critical when the principal can change or invoke functions
(`lambda:UpdateFunctionCode`, `UpdateFunctionConfiguration`, `CreateFunction`,
`InvokeFunction`, ...), high otherwise. A CI role that updates the code of exactly the
project's functions holds no path.

## Why is this bad?
Whoever controls the function's code or input can turn its role into an administrator:
attach `AdministratorAccess` to itself, create a function with a stronger role, or mint
access keys. Least privilege elsewhere no longer matters.

## Example
```yaml
service: deployer
provider:
  name: aws
  runtime: python3.12
  iam:
    role:
      statements:
        - Effect: Allow
          Action: [iam:PassRole, lambda:CreateFunction, lambda:InvokeFunction]
          Resource: "*"
functions:
  build:
    handler: handler.build
```

## Fix
Remove the escalation actions, or scope `iam:PassRole` to the one role that may be passed,
with an `iam:PassedToService` condition.
```yaml
service: deployer
provider:
  name: aws
  runtime: python3.12
  iam:
    role:
      statements:
        - Effect: Allow
          Action: [lambda:InvokeFunction]
          Resource: arn:aws:lambda:us-east-1:123456789012:function:worker
functions:
  build:
    handler: handler.build
```

## References
- https://rhinosecuritylabs.com/aws/aws-privilege-escalation-methods-mitigation/
- https://pathfinding.cloud/
"""

from collections.abc import Iterator

from slsguard.findings import Confidence, Severity, Violation
from slsguard.fixes import FreeText
from slsguard.iam.effective import (
    RolePermissions,
    describe_functions,
    function_roles,
    may_allow_any,
)
from slsguard.iam.escalation import PATHS, EscalationPath, find_paths
from slsguard.iam.evaluate import evaluate
from slsguard.iam.principals import Principal, other_principals
from slsguard.model import Application, Role
from slsguard.rules import Context, rule

# The services any escalation path needs an action of: a role with none cannot escalate.
ESCALATION_SERVICES = frozenset(
    action.split(":", 1)[0].lower() for path in PATHS for action in path.actions
)


@rule(
    "SLS105",
    "privilege-escalation",
    Severity.CRITICAL,
    "The role allows a known privilege-escalation path",
    practice="P1",
    mappings={
        "owasp-serverless": "S5",
        "cwe": "CWE-269",
        "pci-dss-4.0": "7.2.5",
        "hipaa": "164.312(a)(1)",
    },
)
def check(app: Application, context: Context) -> Iterator[Violation]:
    """One finding per role, listing its escalation paths, at the statement granting the first.

    Users, groups and roles that run no function are judged too; a finding about one of
    them says who it is and walks the first path step by step.
    """
    for role, names in function_roles(app):
        if role.external:
            continue
        found = _finding(role, f"role {role.name} of {describe_functions(names)}", names)
        if found is not None:
            yield found
    for principal in other_principals(app):
        found = _finding(principal.role, principal.who, (), principal)
        if found is not None:
            yield found


def _finding(
    role: Role, who: str, names: tuple[str, ...], principal: Principal | None = None
) -> Violation | None:
    if not may_allow_any(role, ESCALATION_SERVICES):
        return None
    permissions = RolePermissions(role)
    paths = _escalation_paths(permissions)
    if not paths:
        return None
    first = paths[0]
    statement = permissions.allowed(
        first.actions[0],
        on_star=first.resource_star_only,
        context=first.context(first.actions[0]),
    )
    if statement is None:
        return None
    named = [_describe(path) for path in paths[:3]]
    more = f" and {len(paths) - 3} more" if len(paths) > 3 else ""
    doubt = _doubt(permissions, first)
    steps = ""
    if principal is not None:  # who holds it is not obvious: walk the path
        walked = ", ".join(f"{n}. {action}" for n, action in enumerate(first.actions, 1))
        steps = f" Step by step: {walked}{principal.why()}."
    return Violation(
        statement.action_origin or statement.origin,
        f"{who} allows "
        f"{len(paths)} privilege-escalation path{'s' if len(paths) > 1 else ''}: "
        f"{'; '.join(named)}{more}. {first.description}{steps}",
        severity=principal.severity(Severity.CRITICAL) if principal is not None else None,
        subject=role.key,
        functions=names,
        confidence=Confidence.MEDIUM if doubt else None,
        confidence_reason=doubt,
        intents=(FreeText(_fix(permissions, paths)),),
    )


def _doubt(permissions: RolePermissions, path: EscalationPath) -> str:
    """Why the path may not really be open (an answer the templates cannot settle), or ""."""
    for action in path.actions:
        resource = "*" if path.resource_star_only else None
        result = evaluate(permissions.policies, action, resource, path.context(action))
        if result.decision == "unknown":
            reason = result.reasons[0] if result.reasons else "it cannot be known statically"
            return f"whether {action} is allowed depends on what the templates do not fix: {reason}"
    return ""


def _escalation_paths(permissions: RolePermissions) -> tuple[EscalationPath, ...]:
    return find_paths(
        lambda action, known: permissions.allowed(action, context=known) is not None,
        lambda action, known: permissions.allowed(action, on_star=True, context=known) is not None,
    )


def _fix(permissions: RolePermissions, paths: tuple[EscalationPath, ...]) -> str:
    """What to change, never recommending a condition the PassRole statement already has."""
    advice = "remove the escalation actions from the role, or scope them to named resources"
    passing = [path for path in paths if "iam:PassRole" in path.actions]
    if not passing:
        return advice
    path = passing[0]
    statement = permissions.allowed("iam:PassRole", context=path.context("iam:PassRole"))
    has_condition = statement is not None and any(
        condition.key.lower() == "iam:passedtoservice" for condition in statement.conditions
    )
    if has_condition:
        return advice + " (`iam:PassRole` to the ARN of the one role it has to pass)"
    return advice + " (`iam:PassRole` to one role ARN with an `iam:PassedToService` condition)"


def _describe(path: EscalationPath) -> str:
    return " + ".join(path.actions) + (" on *" if path.resource_star_only else "")
