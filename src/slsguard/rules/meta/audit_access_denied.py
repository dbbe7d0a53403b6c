"""audit-access-denied (SLS008): the live audit could not call an API; names the permission.

## What it does
Reports each AWS API call that `slsguard audit` was refused (`AccessDenied`), once per
missing IAM action and region, with the resources it was about. The audit goes on without
that information.

## Why is this bad?
Nothing is wrong with the account; but what the call would have returned (a resource
policy, a role's policies, the alarms) was not audited, so a clean report does not cover it.

## Example
The auditor's role lacks `lambda:GetPolicy`: the resource policies of the functions, and so
public invocation permissions (SLS107), are not checked.

## Fix
Give the auditor the read-only policy in `docs/audit-policy.json`, which covers exactly the
calls `slsguard audit` makes, and audit again.

## References
- https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_access-denied.html
"""

from slsguard.findings import Severity
from slsguard.rules import meta_rule

RULE = meta_rule(
    __name__,
    "SLS008",
    "audit-access-denied",
    Severity.INFO,
    "The live audit could not call an AWS API",
)
