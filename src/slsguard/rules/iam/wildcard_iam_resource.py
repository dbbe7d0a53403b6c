"""wildcard-iam-resource (SLS102): sensitive actions allowed on `Resource: "*"`.

## What it does
Reports an Allow statement with `Resource: "*"` that grants actions which write, tag or
manage permissions, or read secrets and data (`secretsmanager:GetSecretValue`,
`ssm:GetParameter*`, `kms:Decrypt`, `s3:GetObject`, `dynamodb:Query`, ...), when those
actions support resource-level permissions. An action that supports no resource types
(`xray:PutTraceSegments`, `s3:ListAllMyBuckets`) must use `*` and is never reported, nor
are list-level reads of metadata, nor what AWS's own Lambda policies grant on `*` (writing
logs and metrics, managing VPC network interfaces), nor `sns:Publish` for the role a
Cognito user pool sends SMS messages with (a phone number has no ARN). Every principal the
project defines is judged (IAM users, groups, CI and service roles, the managed policies
attached to them): the finding names it, one severity step lower than for a function role
unless it can change or invoke functions. A `Resource` written as a reference (`!GetAtt`,
`${ssm:...}`) is not a literal `*`. A `*` that is a parameter's or variable's default, or
one branch of an `!If` (both are judged), is reported at medium confidence with that reason.

## Why is this bad?
`*` means every table, bucket, secret and key in the account, including those of other
applications. A function that reads one table can then read them all.

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
          Action: [secretsmanager:GetSecretValue]
          Resource: "*"
functions:
  create:
    handler: handler.create
```

## Fix
Name the resources (ARNs or references).
```yaml
service: orders
provider:
  name: aws
  runtime: python3.12
  iam:
    role:
      statements:
        - Effect: Allow
          Action: [secretsmanager:GetSecretValue]
          Resource: arn:aws:secretsmanager:us-east-1:123456789012:secret:orders/db-*
functions:
  create:
    handler: handler.create
```

## References
- https://docs.aws.amazon.com/service-authorization/latest/reference/reference_policies_actions-resources-contextkeys.html
"""

from collections.abc import Iterator

from slsguard.analysis.targets import statement_fix
from slsguard.findings import Confidence, Severity, Violation
from slsguard.fixes import Placeholder
from slsguard.iam import actions
from slsguard.iam.actions import EXPECTED_ON_STAR
from slsguard.iam.effective import Grant, boundary_note, describe_functions, expand_effective
from slsguard.iam.evaluate import narrowing_conditions
from slsguard.iam.principals import Principal, every_grant
from slsguard.model import Application
from slsguard.rules import Context, rule


@rule(
    "SLS102",
    "wildcard-iam-resource",
    Severity.MEDIUM,
    "Sensitive actions allowed on every resource",
    practice="P1",
    mappings={
        "owasp-serverless": "S5",
        "cwe": "CWE-732",
        "pci-dss-4.0": "7.2.5",
        "hipaa": "164.312(a)(1)",
    },
)
def check(app: Application, context: Context) -> Iterator[Violation]:
    """Allow statements whose literal `*` resource covers sensitive, scopable actions."""
    for grant, principal in every_grant(app):  # function roles, then every other principal
        statement = grant.statement
        if not statement.is_allow or not statement.literal_star_resource():
            continue
        if narrowing_conditions(statement):
            continue  # `iam:PassedToService`, `kms:ViaService`, ...: not every resource.
        if statement.not_actions or "*" in statement.actions:
            continue  # Reported as allow-with-not-action / wildcard-iam-action.
        risky = {
            pattern: names
            for pattern in statement.actions
            if (names := _risky_actions(grant, pattern, principal))
        }
        if not risky:
            continue
        who = principal.who + principal.why() if principal else describe_functions(grant.functions)
        yield Violation(
            statement.resource_origin or statement.origin,
            f"{statement.policy} allows {_describe(risky)} on every resource (`*`) to "
            f"{who}{boundary_note(grant.roles)}",
            severity=principal.severity(Severity.MEDIUM) if principal else None,
            subject=",".join(sorted(risky)),
            functions=grant.functions,
            intents=(statement_fix(statement, "iam-resources", "*", _RESOURCES_WANTED),),
            # A parameter's default or one branch of an `!If`: the deployed value may differ.
            confidence=Confidence.MEDIUM if statement.assumed else None,
            confidence_reason="; ".join(statement.assumed),
        )


_RESOURCES_WANTED = Placeholder("the ARN of each resource the functions use, or a reference to it")


_SMS_SENDERS = ("cognito-idp.amazonaws.com",)
"""Services whose role publishes SMS messages: `sns:Publish` to a phone number has no ARN,
so AWS documents `Resource: "*"` for it (the Cognito user pool SMS role)."""


def _risky_actions(grant: Grant, pattern: str, principal: Principal | None) -> list[str]:
    texts = principal is not None and principal.role.assumed_by == _SMS_SENDERS
    return [
        info.full_name
        for info in expand_effective(grant, pattern)
        if actions.sensitive(info)
        and actions.supports_resource_level(info)
        and info.full_name.lower() not in EXPECTED_ON_STAR
        and not (texts and info.full_name.lower() == "sns:publish")
    ]


def _describe(risky: dict[str, list[str]]) -> str:
    parts = []
    for pattern, names in risky.items():
        if any(char in pattern for char in "*?"):
            examples = ", ".join(actions.familiar_first(names)[:3])
            parts.append(f"`{pattern}` ({len(names)} sensitive actions such as {examples})")
        else:
            parts.append(f"`{pattern}`")
    return ", ".join(parts[:4]) + (f" and {len(parts) - 4} more" if len(parts) > 4 else "")
