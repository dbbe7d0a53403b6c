"""debug-mode-in-environment (ACME001): a function's environment turns on debug mode.

## What it does
Reports an environment variable that switches a web framework or runtime into debug mode:
`DEBUG`, `FLASK_DEBUG`, `DJANGO_DEBUG` or `APP_DEBUG` set to a true value, and `NODE_ENV`
or `FLASK_ENV` set to `development`.

## Why is this bad?
Debug modes return stack traces, settings and sometimes an interactive console to whoever
triggers an error: in a deployed function, that is anyone who can call its API.

## Example
```yaml
service: shop
provider:
  name: aws
  runtime: python3.12
functions:
  api:
    handler: app.handler
    environment:
      FLASK_DEBUG: "1"
```

## Fix
```yaml
service: shop
provider:
  name: aws
  runtime: python3.12
functions:
  api:
    handler: app.handler
    environment:
      FLASK_DEBUG: "0"
```

## References
- https://flask.palletsprojects.com/en/stable/debugging/
- https://cwe.mitre.org/data/definitions/489.html
"""

from __future__ import annotations

from collections.abc import Iterator

from slsguard.findings import Severity, Violation
from slsguard.model import Application, Function, render
from slsguard.rules import Context, rule

TRUE_FLAGS = frozenset({"DEBUG", "FLASK_DEBUG", "DJANGO_DEBUG", "APP_DEBUG"})
DEVELOPMENT_MODES = frozenset({"NODE_ENV", "FLASK_ENV"})


@rule(
    "ACME001",
    "debug-mode-in-environment",
    Severity.MEDIUM,
    "a function's environment turns on a framework's debug mode",
    practice="P6",
    mappings={"cwe": "CWE-489", "owasp-serverless": "S6"},
)
def RULE(app: Application, context: Context) -> Iterator[Violation]:
    """One finding per environment variable that turns debug mode on."""
    for fn in app.functions:
        yield from _debug_variables(fn)


def _debug_variables(fn: Function) -> Iterator[Violation]:
    for variable in fn.environment:
        value = render(variable.value).strip().lower()
        name = variable.name.upper()
        on = (name in TRUE_FLAGS and value in {"1", "true", "yes", "on"}) or (
            name in DEVELOPMENT_MODES and value == "development"
        )
        if on:
            yield Violation(
                variable.origin,
                f"{variable.name}={render(variable.value)} turns on debug mode in function "
                f"{fn.name}: errors show stack traces and settings to callers",
                fix=f"remove {variable.name} or set it to a production value",
                function=fn.name,
                subject=variable.name,
            )
