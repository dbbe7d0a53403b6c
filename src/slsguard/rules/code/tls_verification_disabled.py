"""tls-verification-disabled (SLS611): tLS certificate verification is turned off.

## What it does
Reports TLS verification turned off in handler code: `verify=False` (requests, httpx, boto3),
`ssl._create_unverified_context()`, `ssl.CERT_NONE`, `cert_reqs="CERT_NONE"`, aiohttp
`ssl=False`; Node's `rejectUnauthorized: false` and `NODE_TLS_REJECT_UNAUTHORIZED=0`.

## Why is this bad?
Anyone on the network path (or who controls DNS in the VPC) can impersonate the server and
read or change what the function sends: credentials, personal data, payment requests.

## Example
```yaml
service: payouts
provider:
  name: aws
  runtime: python3.12
functions:
  payout:
    handler: handler.payout
    events:
      - sqs: arn:aws:sqs:us-east-1:123456789012:payouts
```

```python
# file: handler.py
import requests


def payout(event, context):
    return requests.post("https://bank.example.com/payouts", json={}, verify=False).status_code
```

## Fix
Leave verification on; trust a private CA explicitly (`verify="/opt/ca.pem"`):
```yaml
service: payouts
provider:
  name: aws
  runtime: python3.12
functions:
  payout:
    handler: handler.payout
    events:
      - sqs: arn:aws:sqs:us-east-1:123456789012:payouts
```

```python
# file: handler.py
import requests


def payout(event, context):
    return requests.post("https://bank.example.com/payouts", json={}, timeout=10).status_code
```

## References
- https://cwe.mitre.org/data/definitions/295.html
"""

from collections.abc import Iterator

from slsguard.analysis.code_findings import code_violations
from slsguard.findings import Severity, Violation
from slsguard.model import Application
from slsguard.rules import NO_TEMPLATES, Context, rule


@rule(
    "SLS611",
    "tls-verification-disabled",
    Severity.HIGH,
    "TLS certificate verification is turned off",
    practice="P6",
    mappings={
        "owasp-serverless": "S3",
        "cwe": "CWE-295",
    },
    dialects=NO_TEMPLATES,
)
def check(app: Application, context: Context) -> Iterator[Violation]:
    """The flows and calls this rule looks for, in the handler code of `app`."""
    yield from code_violations(app, "tls-verification-disabled", Severity.HIGH)
