"""server-side-request-forgery (SLS606): event data chooses the URL of an outbound request.

## What it does
Reports an outbound request whose URL comes from event data: `requests`, `httpx`,
`urllib.request`, `urllib3`, `aiohttp`; Node's `axios`, `fetch`, `got`, `http(s).request`/`get`.
A URL whose scheme and host are constant (`f"https://api.example.com/items/{id}"`) is not
reported. A URL whose scheme and host come from configuration (an environment
variable, a setting) and whose path only is from the event (`f"{API_URL}/items/{id}"`) is
not reported: the request cannot leave the configured host. So is `API_URL + id` in Python
when the template sets `API_URL` with a `/` after its host (`${OrdersApiUrl}/backend/`);
without that, it is reported at low confidence.

## Why is this bad?
The function fetches what the caller names: the instance metadata or internal services
reachable from its VPC, with the response handed back to the caller.

## Example
```yaml
service: previews
provider:
  name: aws
  runtime: python3.12
functions:
  preview:
    handler: handler.preview
    events:
      - httpApi: POST /preview
```

```python
# file: handler.py
import json

import requests


def preview(event, context):
    url = json.loads(event["body"])["url"]
    return {"statusCode": 200, "body": requests.get(url, timeout=5).text}
```

## Fix
Keep scheme and host constant; check any event value against an allow-list:
```yaml
service: previews
provider:
  name: aws
  runtime: python3.12
functions:
  preview:
    handler: handler.preview
    events:
      - httpApi: POST /preview
```

```python
# file: handler.py
import json

import requests


def preview(event, context):
    item = int(json.loads(event["body"])["item"])
    response = requests.get(f"https://api.example.com/items/{item}", timeout=5)
    return {"statusCode": 200, "body": response.text}
```

## References
- https://cheatsheetseries.owasp.org/cheatsheets/Server_Side_Request_Forgery_Prevention_Cheat_Sheet.html
- https://cwe.mitre.org/data/definitions/918.html
"""

from collections.abc import Iterator

from slsguard.analysis.code_findings import code_violations
from slsguard.findings import Confidence, Severity, Violation
from slsguard.model import Application
from slsguard.rules import NO_TEMPLATES, Context, rule


@rule(
    "SLS606",
    "server-side-request-forgery",
    Severity.HIGH,
    "Event data chooses the URL of an outbound request",
    practice="P6",
    mappings={
        "owasp-serverless": "S1",
        "cwe": "CWE-918",
    },
    confidence=Confidence.MEDIUM,
    dialects=NO_TEMPLATES,
)
def check(app: Application, context: Context) -> Iterator[Violation]:
    """The flows and calls this rule looks for, in the handler code of `app`."""
    yield from code_violations(app, "server-side-request-forgery", Severity.HIGH)
