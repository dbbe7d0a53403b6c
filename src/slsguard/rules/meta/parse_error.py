"""parse-error (SLS001): a file could not be read or parsed, or its analysis was cut short.

## What it does
Reports a template, configuration or source file that slsguard could not read or parse:
invalid YAML, JSON, HCL, TOML or code, a file that is not valid UTF-8 or UTF-16, a file
larger than the size limit, or an alias expansion that would build too many values
("billion laughs"). It also reports analysis cut short by one of the scanner's own limits,
naming the limit and what was skipped: a budget exhausted (a variable that would expand to
an enormous string, too many nested includes), a Terraform module cycle, syntax nested
deeper than the depth limit, or a special file (a FIFO, a socket, a device) where an input
was expected. The rest of the scan continues without the part it names.

## Why is this bad?
A file that cannot be parsed is a file nobody checked. Security findings in it are
invisible until it is fixed, and the deploy itself will usually fail on it too. An input
built to exhaust the scanner's limits would otherwise blind it quietly: reported, it fails
the default gate instead.

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
    "A file could not be read or parsed, or its analysis was cut short by a limit",
    mappings={"cwe": "CWE-20"},
)
