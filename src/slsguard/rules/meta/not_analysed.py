"""not-analysed (SLS004): something slsguard cannot analyse, said instead of guessed.

## What it does
Reports what slsguard saw but cannot analyse: a `serverless.ts` or `serverless.js`
configuration (it would have to be executed), a nested stack or SAM application whose
template is remote, a function role that is defined outside the scanned files.

## Why is this bad?
Nothing is wrong with the file; but its security properties are unknown to the scan, and a
clean report does not cover it.

## Example
A `serverless.ts` file next to the code.

## Fix
Scan what the Framework resolves instead: `serverless print --format yaml > serverless.resolved.yml`
and `slsguard scan serverless.resolved.yml`. For remote nested templates, download them into
the repository or scan them separately.

## References
- https://www.serverless.com/framework/docs/providers/aws/cli-reference/print
"""

from slsguard.findings import Severity
from slsguard.rules import meta_rule

RULE = meta_rule(
    __name__, "SLS004", "not-analysed", Severity.INFO, "Something could not be analysed"
)
