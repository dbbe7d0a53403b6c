"""cross-site-scripting (SLS615): request data is written into an HTML response unescaped.

## What it does
Reports event data (a query parameter, a path parameter, the body, a header) written into
HTML that the function serves without escaping: a response whose `Content-Type` is
`text/html` with that data in its body (Python and JavaScript/TypeScript dictionaries and
objects, Go `events.APIGatewayV2HTTPResponse` and the other response types), Django's
`HttpResponse` (HTML unless `content_type` says otherwise); in Go also `fmt.Fprintf` with an
HTML format, and `text/template`'s `Execute`/`ExecuteTemplate` in a file that writes HTML.
`html.escape`/`markupsafe.escape` (Python), `escape-html`/`he.encode`/`lodash.escape`
(JavaScript), `html.EscapeString`/`template.HTMLEscapeString` (Go) make a value safe, and so
does `html/template`, which escapes by context. A JSON response is not HTML.

## Why is this bad?
A link with `<script>` in its query string runs the attacker's script in the victim's
browser, on the API's origin: it reads what the page shows, acts with the victim's session
and sends their data away. The function URL or API that serves the page is public.

## Example
```yaml
service: greetings
provider:
  name: aws
  runtime: python3.12
functions:
  greet:
    handler: handler.greet
    events:
      - httpApi: GET /hello
```

```python
# file: handler.py
def greet(event, context):
    name = event["queryStringParameters"]["name"]
    return {
        "statusCode": 200,
        "headers": {"Content-Type": "text/html"},
        "body": f"<h1>Hello {name}</h1>",
    }
```

## Fix
Escape each value (or render with a template engine that escapes by default):
```yaml
service: greetings
provider:
  name: aws
  runtime: python3.12
functions:
  greet:
    handler: handler.greet
    events:
      - httpApi: GET /hello
```

```python
# file: handler.py
import html


def greet(event, context):
    name = html.escape(event["queryStringParameters"]["name"])
    return {
        "statusCode": 200,
        "headers": {"Content-Type": "text/html"},
        "body": f"<h1>Hello {name}</h1>",
    }
```

## References
- https://cwe.mitre.org/data/definitions/79.html
- https://owasp.org/www-community/attacks/xss/
- https://pkg.go.dev/html/template
"""

from collections.abc import Iterator

from slsguard.analysis.code_findings import code_violations
from slsguard.findings import Confidence, Severity, Violation
from slsguard.model import Application
from slsguard.rules import NO_TEMPLATES, Context, rule


@rule(
    "SLS615",
    "cross-site-scripting",
    Severity.HIGH,
    "Request data is written into an HTML response without escaping",
    practice="P6",
    mappings={
        "owasp-serverless": "S1",
        "cwe": "CWE-79",
    },
    confidence=Confidence.MEDIUM,
    dialects=NO_TEMPLATES,
)
def check(app: Application, context: Context) -> Iterator[Violation]:
    """The flows into HTML responses this rule looks for, in the handler code of `app`."""
    yield from code_violations(app, "cross-site-scripting", Severity.HIGH)
