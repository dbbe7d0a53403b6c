"""hardcoded-secret-in-code (SLS305): a secret literal in handler source.

## What it does
Reports a secret written in handler code: a known token format (AWS key pair, Stripe, GitHub,
Slack, Google, Twilio, SendGrid, a private key, a JWT, a URL with a password) anywhere in a
string, or a literal assigned to a secret-named variable, keyword or key (`DB_PASSWORD = "..."`,
`api_key="..."`), in Python, JavaScript/TypeScript and Go (`const apiKey = "..."`). Constants
used as signing or encryption keys are reported whatever their name (`jwt.encode(..., "k")`,
`hmac.new(b"k", ...)`, `jwt.sign(payload, KEY)`, Go `hmac.New(sha256.New, []byte("k"))`,
`token.SignedString([]byte(key))`, a `jwt.Parse` key function returning a literal). The same
detection as the environment rule (SLS301): live-format tokens are critical, placeholders
low, AWS documentation example keys are not reported.

Committed key files are reported too, wherever they are in the repository: a file that holds
a `-----BEGIN … PRIVATE KEY-----` or PGP private-key block (a key protected by a passphrase
at medium), and keystores (`.jks`, `.keystore`, `.p12`, `.pfx`) at medium, as their
protection cannot be told from outside. Certificates and public keys are not reported; a
key under a test or fixture folder is low.

## Why is this bad?
The secret is in the repository history, in every clone, CI log and deployment package.
Rotating it means a commit and a deploy; until then anyone who saw the code holds it.

## Example
```yaml
service: payments
provider:
  name: aws
  runtime: python3.12
functions:
  charge:
    handler: handler.charge
    events:
      - sqs: arn:aws:sqs:us-east-1:123456789012:charges
```

```python
# file: handler.py
import stripe

stripe.api_key = "sk_live_51HbQkZLmNoPqRsTuVwXyZ0123456789abcd"


def charge(event, context):
    return stripe.Charge.create(amount=100, currency="usd")
```

## Fix
Keep the secret in Secrets Manager and read it at run time (cached):
```yaml
service: payments
provider:
  name: aws
  runtime: python3.12
functions:
  charge:
    handler: handler.charge
    events:
      - sqs: arn:aws:sqs:us-east-1:123456789012:charges
```

```python
# file: handler.py
import os

import stripe
from aws_lambda_powertools.utilities import parameters

stripe.api_key = parameters.get_secret(os.environ["STRIPE_SECRET_ARN"])


def charge(event, context):
    return stripe.Charge.create(amount=100, currency="usd")
```

## References
- https://docs.aws.amazon.com/secretsmanager/latest/userguide/retrieving-secrets_lambda.html
- https://cwe.mitre.org/data/definitions/798.html
"""

from collections.abc import Iterator

from slsguard.analysis.code_findings import code_violations
from slsguard.findings import Severity, Violation
from slsguard.model import Application
from slsguard.rules import NO_TEMPLATES, Context, rule


@rule(
    "SLS305",
    "hardcoded-secret-in-code",
    Severity.HIGH,
    "A secret literal in handler source",
    practice="P2",
    mappings={
        "owasp-serverless": "S3",
        "cwe": "CWE-798",
        "pci-dss-4.0": "8.6.2",
        "hipaa": "164.312(a)(2)(iv)",
    },
    dialects=NO_TEMPLATES,
)
def check(app: Application, context: Context) -> Iterator[Violation]:
    """The flows and calls this rule looks for, in the handler code of `app`."""
    yield from code_violations(app, "hardcoded-secret-in-code", Severity.HIGH)
