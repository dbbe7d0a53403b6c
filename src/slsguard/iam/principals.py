"""The IAM principals a project defines besides its function roles, and who they are.

IAM users, groups, and roles that no function runs with (CI and deploy roles, roles for
EC2, Step Functions, CodeBuild) are judged by the IAM rules too. Their findings name the
principal (`IAM user deployer`, `role CiRole (assumed by codebuild.amazonaws.com)`) and are
one severity step lower than for a function role, unless the principal can change or invoke
functions: then it is on a Lambda privilege-escalation path and keeps the full severity.
"""

from __future__ import annotations

from dataclasses import dataclass

from slsguard.findings import Severity
from slsguard.iam.effective import Grant, RolePermissions, grants
from slsguard.model import Application, Role

# Holding any of these, a principal changes or runs code with a function's role.
LAMBDA_CONTROL = (
    "lambda:UpdateFunctionCode",
    "lambda:UpdateFunctionConfiguration",
    "lambda:CreateFunction",
    "lambda:InvokeFunction",
    "lambda:CreateEventSourceMapping",
    "lambda:AddPermission",
)
# AWS managed policies whose holder can change any function.
ADMIN_POLICIES = frozenset(
    {"AdministratorAccess", "PowerUserAccess", "AWSLambda_FullAccess", "AWSLambdaFullAccess"}
)
_LOWER = {
    Severity.CRITICAL: Severity.HIGH,
    Severity.HIGH: Severity.MEDIUM,
    Severity.MEDIUM: Severity.LOW,
    Severity.LOW: Severity.LOW,
    Severity.INFO: Severity.INFO,
}


@dataclass(frozen=True, slots=True)
class Principal:
    """A user, group or role no function runs with, and what it can do to functions."""

    role: Role
    who: str
    """How a finding names it: `IAM user deployer`, `role Ci (assumed by codebuild...)`."""
    controls_functions: tuple[str, ...]
    """The Lambda actions it holds that change or invoke functions (empty if none)."""

    def severity(self, for_function_role: Severity) -> Severity:
        """The function-role severity when it controls functions, one step lower otherwise."""
        return for_function_role if self.controls_functions else _LOWER[for_function_role]

    def why(self) -> str:
        """A clause saying why the severity is what it is."""
        if self.controls_functions:
            held = ", ".join(self.controls_functions[:3])
            return f" (it can change or invoke functions: {held})"
        return ""


def other_principals(app: Application) -> list[Principal]:
    """Every user, group and role of the project that runs no function."""
    running = {fn.role.key for fn in app.functions if fn.role is not None}
    found = []
    for role in app.roles:
        if role.external or role.key in running:
            continue
        permissions = RolePermissions(role)
        held = tuple(action for action in LAMBDA_CONTROL if permissions.allowed(action))
        held += tuple(p.name for p in role.managed_policies if p.name in ADMIN_POLICIES)
        found.append(Principal(role, describe(role), held))
    return found


def principal_grants(app: Application) -> list[tuple[Grant, Principal]]:
    """Each statement of each other principal, as a grant with no functions."""
    return [
        (Grant(statement, (principal.role,), ()), principal)
        for principal in other_principals(app)
        for statement in principal.role.all_statements()
    ]


def every_grant(app: Application) -> list[tuple[Grant, Principal | None]]:
    """The grants of function roles (no principal), then those of every other principal."""
    found: list[tuple[Grant, Principal | None]] = [(grant, None) for grant in grants(app)]
    found.extend(principal_grants(app))
    return found


def describe(role: Role) -> str:
    """`IAM user deployer`, `IAM group admins`, `role Ci (assumed by codebuild.amazonaws.com)`."""
    if role.kind != "role":
        return f"IAM {role.kind} {role.name}"
    trusted = ", ".join(role.assumed_by[:2]) + (", …" if len(role.assumed_by) > 2 else "")
    return f"role {role.name}" + (f" (assumed by {trusted})" if trusted else "")


__all__ = [
    "LAMBDA_CONTROL",
    "Principal",
    "describe",
    "every_grant",
    "other_principals",
    "principal_grants",
]
