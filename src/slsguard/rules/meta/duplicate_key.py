"""duplicate-key (SLS005): a YAML or JSON mapping repeats a key.

## What it does
Reports a key that appears twice in the same mapping of a template or configuration.

## Why is this bad?
The platform keeps one value (the last) and silently drops the other: a second
`Environment:` or `Policies:` block, for example, replaces the first one, and the
permissions or settings a reviewer reads are not the ones deployed.

## Example
```yaml
service: orders
provider:
  name: aws
  runtime: python3.12
  runtime: python3.8
functions:
  create:
    handler: handler.create
```

## Fix
Keep one key and merge what the two values meant.
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
- https://yaml.org/spec/1.2.2/#mapping (keys must be unique)
"""

from slsguard.findings import Severity
from slsguard.rules import meta_rule

RULE = meta_rule(
    __name__,
    "SLS005",
    "duplicate-key",
    Severity.MEDIUM,
    "A mapping repeats a key",
    mappings={"cwe": "CWE-694"},
)
