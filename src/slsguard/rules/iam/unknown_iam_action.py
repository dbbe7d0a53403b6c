"""unknown-iam-action (SLS108): an action that matches nothing in the IAM reference.

## What it does
Reports an `Action` or `NotAction` entry, or a wildcard, that matches no action in the IAM
reference dataset: a typo (`s3:GetObjet`), a wrong service prefix (`dynamo:GetItem`), or a
name AWS has retired. Entries written with variables or intrinsics are not judged, nor
are the statements a SAM policy template expands to (SAM's `SQSPollerPolicy` lists
`sqs:DeleteMessageBatch`, which is not an IAM action: the user cannot fix that).

## Why is this bad?
IAM accepts the statement and silently grants nothing for the misspelt action, so the
function fails at run time, or a Deny meant to protect something protects nothing.

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
          Action: [dynamodb:GetItems]
          Resource: arn:aws:dynamodb:us-east-1:123456789012:table/orders
functions:
  create:
    handler: handler.create
```

## Fix
Use the action's real name.
```yaml
service: orders
provider:
  name: aws
  runtime: python3.12
  iam:
    role:
      statements:
        - Effect: Allow
          Action: [dynamodb:GetItem]
          Resource: arn:aws:dynamodb:us-east-1:123456789012:table/orders
functions:
  create:
    handler: handler.create
```

## References
- https://docs.aws.amazon.com/service-authorization/latest/reference/reference_policies_actions-resources-contextkeys.html
"""

import difflib
import re
from collections.abc import Iterator

from slsguard.findings import Severity, Violation
from slsguard.fixes import FreeText
from slsguard.iam import actions
from slsguard.iam.effective import grants
from slsguard.model import Application
from slsguard.rules import Context, rule

_PLAIN_ACTION = re.compile(r"^[A-Za-z0-9*?-]+:[A-Za-z0-9*?]+$")


@rule(
    "SLS108",
    "unknown-iam-action",
    Severity.LOW,
    "An IAM action that matches nothing in the IAM reference",
    practice="P1",
    mappings={"owasp-serverless": "S6", "cwe": "CWE-1188"},
)
def check(app: Application, context: Context) -> Iterator[Violation]:
    """Action entries that match no known action."""
    for grant in grants(app):
        statement = grant.statement
        if statement.granted_by == "policy-template":
            continue  # SAM's own text, not the user's.
        for pattern in (*statement.actions, *statement.not_actions):
            if pattern == "*" or not _PLAIN_ACTION.match(pattern):
                continue
            if actions.is_known_pattern(pattern):
                continue
            yield Violation(
                statement.action_origin or statement.origin,
                f"{statement.policy}: `{pattern}` matches no IAM action "
                f"({_reason(pattern)}), so it grants nothing",
                intents=(FreeText(_suggestion(pattern)),),
                subject=pattern,
                functions=grant.functions,
            )


def _reason(pattern: str) -> str:
    service = pattern.split(":", 1)[0]
    if "*" not in service and "?" not in service and not actions.known_service(service):
        return f"there is no service prefix `{service}`"
    return f"no {service} action has this name"


def _suggestion(pattern: str) -> str:
    service, _, name = pattern.partition(":")
    if not actions.known_service(service) or "*" in name or "?" in name:
        return "check the spelling against the AWS Service Authorization Reference"
    names = [info.name for info in actions.expand(f"{service}:*")]
    close = difflib.get_close_matches(name, names, n=1, cutoff=0.75)
    if close:
        return f"did you mean `{service}:{close[0]}`?"
    return "check the spelling against the AWS Service Authorization Reference"
