"""internal-error (SLS003): a rule raised an exception; the exit code is 2.

## What it does
Reports a bug in slsguard: a rule or loader raised an unexpected exception on this input.
The scan goes on with the other rules and files, and the exit code is 2 so CI notices.

## Why is this bad?
A rule that crashed checked nothing: its findings for this application are missing.

## Example
There is no template that should trigger it; it only appears when slsguard has a bug.

## Fix
Report the message and the input (with secrets removed) to the slsguard issue tracker, and
use `--ignore` for the failing rule meanwhile.

## References
- https://github.com/slsguard/slsguard/issues
"""

from slsguard.findings import Severity
from slsguard.rules import meta_rule

RULE = meta_rule(__name__, "SLS003", "internal-error", Severity.HIGH, "A rule raised an exception")
