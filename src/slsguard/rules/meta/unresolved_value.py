"""unresolved-value (SLS002): a value a rule needed could not be resolved.

## What it does
Reports a Serverless Framework variable, include or CloudFormation value that slsguard
could not resolve without running anything: a `${file(...)}` that does not exist or lies
outside the scan root, a JavaScript variable file (never executed), an unknown variable
source, a circular reference, a `${self:...}` path that does not exist, or per-function
IAM statements the Framework will ignore. Shown with `--verbose`.

## Why is this bad?
Rules treat an unresolved value as unknown, never as safe and never as a guess. Knowing
which values were unknown tells you where the scan's view is incomplete.

## Example
```yaml
service: orders
provider:
  name: aws
  runtime: python3.12
  environment:
    TABLE: ${self:custom.missing}
functions:
  create:
    handler: handler.create
```

## Fix
Define the value, or pass it on the command line (`--stage`, `--region`).
```yaml
service: orders
custom:
  table: orders
provider:
  name: aws
  runtime: python3.12
  environment:
    TABLE: ${self:custom.table}
functions:
  create:
    handler: handler.create
```

## References
- https://www.serverless.com/framework/docs/providers/aws/guide/variables
"""

from slsguard.findings import Severity
from slsguard.rules import meta_rule

RULE = meta_rule(
    __name__, "SLS002", "unresolved-value", Severity.INFO, "A value could not be resolved"
)
