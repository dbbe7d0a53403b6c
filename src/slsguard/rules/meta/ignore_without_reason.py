"""ignore-without-reason (SLS006): an inline suppression that does not say why.

## What it does
Reports a `# slsguard: ignore[rule]` comment (`//` in JavaScript, TypeScript and HCL), or a
`Metadata: {slsguard: {ignore: [...]}}` entry of a CloudFormation resource, that names the
rules it suppresses but gives no reason. The suppression still applies: this finding only
asks for the reason.

## Why is this bad?
A suppression is a security decision. Without a reason, the next reader (a reviewer, an
auditor months later, you after a reorganisation) cannot tell whether the risk was judged
acceptable, was fixed elsewhere, or was silenced to get a build through.

## Example
```yaml
service: orders
provider:
  name: aws
  runtime: python3.12
  iam:
    role:
      statements:
        - Effect: Allow  # slsguard: ignore[wildcard-iam-resource]
          Action: s3:GetObject
          Resource: "*"
functions:
  create:
    handler: handler.create
```

## Fix
Write the reason after the closing bracket.
```yaml
service: orders
provider:
  name: aws
  runtime: python3.12
  iam:
    role:
      statements:
        - Effect: Allow  # slsguard: ignore[wildcard-iam-resource] reads public assets of any bucket
          Action: s3:GetObject
          Resource: "*"
functions:
  create:
    handler: handler.create
```

## References
- docs/workflow.md (inline suppressions)
- https://docs.oasis-open.org/sarif/sarif/v2.1.0/sarif-v2.1.0.html (suppression justification)
"""

from slsguard.findings import Severity
from slsguard.rules import meta_rule

RULE = meta_rule(
    __name__,
    "SLS006",
    "ignore-without-reason",
    Severity.LOW,
    "An inline suppression gives no reason",
)
