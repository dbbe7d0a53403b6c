"""unused-ignore (SLS007): an inline suppression that suppresses nothing.

## What it does
With `--report-unused-ignores` (or `report-unused-ignores = true` in the configuration),
reports a `# slsguard: ignore[...]` comment or `Metadata` ignore entry that matched no
finding: the rule it names reported nothing on the lines it covers, the name is not a
slsguard rule, or the brackets are empty. An ignore is only judged for the rules that ran:
with `--select SLS101`, an ignore of `SLS104` is left alone.

## Why is this bad?
A stale suppression is a hole waiting to happen: the problem it was written for is gone, but
if the same problem comes back on those lines it will be silenced without anyone deciding
so again. A misspelt rule name silently suppresses nothing at all.

## Example
```yaml
service: orders
provider:
  name: aws
  runtime: python3.12
functions:
  create:
    handler: handler.create  # slsguard: ignore[wildcard-iam-action] legacy admin role
```

## Fix
Remove the ignore, or correct the rule's name.
```yaml
service: orders
provider:
  name: aws
  runtime: python3.12
functions:
  create:
    handler: handler.create
```

## References
- docs/workflow.md (inline suppressions)
"""

from slsguard.findings import Severity
from slsguard.rules import meta_rule

RULE = meta_rule(
    __name__,
    "SLS007",
    "unused-ignore",
    Severity.LOW,
    "An inline suppression matches no finding",
    default_enabled=False,
)
