"""sensitive-data-logged (SLS609): the whole event, a token or a secret is logged.

## What it does
Reports logging (`logging`, Powertools `Logger`, `print`, `console.*`) of the whole event,
its headers or cookies, a variable named like a token or secret, or a value read from a
secret store; and Powertools' `inject_lambda_context(log_event=True)`. Logging
`context.aws_request_id` or chosen fields is fine. The whole event is only reported where it
can carry credentials or personal data: API requests, authorizer events and Cognito
triggers (a Step Functions input or a queue message is the application's own data). A
`debug` call is reported at low severity and confidence: it is written only when the
function's log level is DEBUG.

## Why is this bad?
Events carry `Authorization` headers, session cookies, personal data and message payloads.
Logs are kept for months, readable by many more people than the data, and exported to
third-party tools.

## Example
```yaml
service: accounts
provider:
  name: aws
  runtime: python3.12
functions:
  login:
    handler: handler.login
    events:
      - httpApi: POST /login
```

```python
# file: handler.py
import logging

logger = logging.getLogger()


def login(event, context):
    logger.info("received %s", event)
    return {"statusCode": 204}
```

## Fix
Log what you need to trace the request:
```yaml
service: accounts
provider:
  name: aws
  runtime: python3.12
functions:
  login:
    handler: handler.login
    events:
      - httpApi: POST /login
```

```python
# file: handler.py
import logging

logger = logging.getLogger()


def login(event, context):
    logger.info("request %s", context.aws_request_id)
    return {"statusCode": 204}
```

## References
- https://cheatsheetseries.owasp.org/cheatsheets/Logging_Cheat_Sheet.html
- https://cwe.mitre.org/data/definitions/532.html
"""

from collections.abc import Iterator

from slsguard.analysis.code_findings import code_violations
from slsguard.analysis.http import endpoints
from slsguard.findings import Confidence, Severity, Violation
from slsguard.model import Application, Function
from slsguard.rules import NO_TEMPLATES, Context, rule


@rule(
    "SLS609",
    "sensitive-data-logged",
    Severity.MEDIUM,
    "The whole event, a token or a secret is logged",
    practice="P6",
    mappings={
        "owasp-serverless": "S3",
        "cwe": "CWE-532",
    },
    confidence=Confidence.MEDIUM,
    dialects=NO_TEMPLATES,
)
def check(app: Application, context: Context) -> Iterator[Violation]:
    """The flows and calls this rule looks for, in the handler code of `app`.

    Logging the whole event only counts where the event can carry credentials or personal
    data: API requests (headers, cookies, bodies), authorizer events (the token) and Cognito
    triggers (user attributes); a queue message or a Step Functions input is the app's own.
    """
    carriers = _functions_with_credentials_in_events(app)
    for violation in code_violations(app, "sensitive-data-logged", Severity.MEDIUM):
        whole_event = WHOLE_EVENT in violation.message
        if whole_event and not any(name in carriers for name in violation.functions):
            continue
        yield violation


WHOLE_EVENT = "the whole event"
"""How the code analysis names a logged event (`the whole event is logged`)."""

_CARRIER_TRIGGERS = frozenset(
    {"http", "httpApi", "url", "alb", "websocket", "cognito", "cognitoUserPool"}
)


def _functions_with_credentials_in_events(app: Application) -> frozenset[str]:
    """Functions behind an API, used as an authorizer, or triggered by Cognito."""
    found = {e.function for e in endpoints(app) if e.function and not e.preflight}
    authorizers = {
        e.auth.authorizer for e in endpoints(app) if e.auth.kind in ("lambda", "authorizer")
    }
    for fn in app.functions:
        triggered = bool({trigger.kind for trigger in fn.triggers} & _CARRIER_TRIGGERS)
        if triggered or any(_names(authorizer, fn) for authorizer in authorizers if authorizer):
            found.add(fn.name)
    return frozenset(found)


def _names(authorizer: str, fn: Function) -> bool:
    """Whether an authorizer reference (name, logical id, ARN, expression) is `fn`."""
    candidates = {fn.name, fn.logical_id or fn.name}
    return any(
        authorizer == name
        or authorizer.endswith((f":{name}", f"/{name}", f".{name}"))
        or f"{name}LambdaFunction" in authorizer
        or f" {name}." in f" {authorizer}"
        for name in candidates
    )
