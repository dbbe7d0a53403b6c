"""parse-error (SLS001): a file could not be read or parsed; the scan goes on.

## What it does
Reports a template or configuration file that slsguard could not read or parse: invalid
YAML or JSON, a file that is not UTF-8, a file larger than the size limit, nesting deeper
than the depth limit, or an alias expansion that would build too many values ("billion
laughs"). The rest of the scan continues without it.

## Why is this bad?
A file that cannot be parsed is a file nobody checked. Security findings in it are
invisible until it is fixed, and the deploy itself will usually fail on it too.

## Example
```yaml
service: orders
provider:
  name: aws
   runtime: python3.12
```

## Fix
Fix the syntax at the line shown, or exclude the file if it is not a template.
```yaml
service: orders
provider:
  name: aws
  runtime: python3.12
```

## References
- https://yaml.org/spec/1.2.2/
"""

from slsguard.findings import Severity
from slsguard.rules import meta_rule

RULE = meta_rule(
    __name__,
    "SLS001",
    "parse-error",
    Severity.HIGH,
    "A file could not be read or parsed",
    mappings={"cwe": "CWE-20"},
)
