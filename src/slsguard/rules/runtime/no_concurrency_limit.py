"""no-concurrency-limit (SLS504): *opt-in*: a function has no reserved concurrency.

## What it does
Reports a function without reserved concurrency: Serverless `reservedConcurrency`, SAM
(also in `Globals.Function`) and CloudFormation `ReservedConcurrentExecutions`. Provisioned
concurrency does not cap anything and does not count. Off by default (`--enable SLS504`):
many teams rely on the account-wide limit on purpose.

## Why is this bad?
Without a cap, one function can take every concurrent execution of the account and region:
a flood of requests or events (or a retry storm) on one endpoint throttles every other
function, and bills for all of it (denial of service and denial of wallet).

## Example
```yaml
service: search
provider:
  name: aws
  runtime: python3.13
functions:
  query:
    handler: handler.query
```

## Fix
```yaml
service: search
provider:
  name: aws
  runtime: python3.13
functions:
  query:
    handler: handler.query
    reservedConcurrency: 50
```

## References
- https://docs.aws.amazon.com/lambda/latest/dg/configuration-concurrency.html
"""

from collections.abc import Iterator

from slsguard.analysis.targets import function_target
from slsguard.analysis.templates import is_lambda_app, key_name, syntax_of
from slsguard.findings import Severity, Violation
from slsguard.fixes import Placeholder, SetSetting, unsafe
from slsguard.located import YMap
from slsguard.model import Application
from slsguard.rules import Context, rule

_THROTTLES = unsafe("invocations beyond the limit are throttled")


@rule(
    "SLS504",
    "no-concurrency-limit",
    Severity.INFO,
    "A function has no reserved concurrency",
    practice="P7",
    mappings={"owasp-serverless": "S6", "cwe": "CWE-770"},
    default_enabled=False,
)
def check(app: Application, context: Context) -> Iterator[Violation]:
    """Functions without reserved concurrency."""
    if not is_lambda_app(app):
        return
    for fn in app.functions:
        syntax = syntax_of(app, fn)
        key = key_name(syntax, "reservedConcurrency", "ReservedConcurrentExecutions")
        settings = fn.settings if isinstance(fn.settings, YMap) else YMap()
        if settings.get(key) is not None:
            continue
        yield Violation(
            fn.origin,
            f"function {fn.name} has no reserved concurrency: a flood of its events can take "
            "every concurrent execution of the account (throttling all other functions) and "
            "bill for all of them",
            function=fn.name,
            subject=fn.name,
            intents=(
                SetSetting(
                    function_target(app, fn),
                    "reserved-concurrency",
                    Placeholder("the most concurrent executions it needs"),
                    _THROTTLES,
                ),
            ),
        )
