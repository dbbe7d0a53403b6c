"""jwt-signature-not-verified (SLS610): a JWT is decoded without verifying its signature.

## What it does
Reports JWT decoding that skips the signature: PyJWT `jwt.decode` with
`options={"verify_signature": False}`, `verify=False` or the `none` algorithm,
python-jose `get_unverified_claims`; Node's `jsonwebtoken` `decode` (which never verifies)
or `verify` with `algorithms: ["none"]`, `jose`'s `decodeJwt`; a payload base64-decoded by
hand (`atob(token.split('.')[1])`, `base64.urlsafe_b64decode(parts[1] + "==")`) in a
function that serves a route without an authorizer (behind a Cognito, JWT or Lambda
authorizer the gateway has verified the token, so reading its claims by hand is safe).
Reading the header or claims
first to pick the key and then verifying the signature in the same function
(`get_unverified_header` + `jwk.construct(...).verify(...)`, or a decode with a key and
`algorithms`) is how JWKS verification works, and is not reported.

## Why is this bad?
Anyone can write a token with any claims (`"admin": true`, another user's id): the function
trusts it as if the issuer had signed it.

## Example
```yaml
service: accounts
provider:
  name: aws
  runtime: python3.12
functions:
  profile:
    handler: handler.profile
    events:
      - httpApi: GET /me
```

```python
# file: handler.py
import jwt


def profile(event, context):
    token = event["headers"]["authorization"].removeprefix("Bearer ")
    claims = jwt.decode(token, options={"verify_signature": False})
    return {"statusCode": 200, "body": claims["sub"]}
```

## Fix
Verify with the issuer's key and the expected algorithm and audience (or let an API Gateway
JWT authorizer do it):
```yaml
service: accounts
provider:
  name: aws
  runtime: python3.12
functions:
  profile:
    handler: handler.profile
    events:
      - httpApi: GET /me
```

```python
# file: handler.py
import os

import jwt


def profile(event, context):
    token = event["headers"]["authorization"].removeprefix("Bearer ")
    key = jwt.PyJWKClient(os.environ["JWKS_URL"]).get_signing_key_from_jwt(token).key
    claims = jwt.decode(token, key, algorithms=["RS256"], audience="orders")
    return {"statusCode": 200, "body": claims["sub"]}
```

## References
- https://pyjwt.readthedocs.io/en/stable/usage.html
- https://cwe.mitre.org/data/definitions/347.html
"""

from collections.abc import Iterator

from slsguard.analysis.code_findings import code_violations
from slsguard.code.facts import code_facts
from slsguard.code.model import JWT_BY_HAND
from slsguard.findings import Severity, Violation
from slsguard.model import Application
from slsguard.rules import NO_TEMPLATES, Context, rule


@rule(
    "SLS610",
    "jwt-signature-not-verified",
    Severity.HIGH,
    "A JWT is decoded without verifying its signature",
    practice="P6",
    mappings={
        "owasp-serverless": "S2",
        "cwe": "CWE-347",
    },
    dialects=NO_TEMPLATES,
)
def check(app: Application, context: Context) -> Iterator[Violation]:
    """The flows and calls this rule looks for, in the handler code of `app`."""
    for violation in code_violations(app, "jwt-signature-not-verified", Severity.HIGH):
        if violation.subject != JWT_BY_HAND or _unauthenticated(app, violation.functions):
            yield violation


def _unauthenticated(app: Application, functions: tuple[str, ...]) -> bool:
    """Whether one of `functions` serves a route no authorizer checks: there a payload read
    by hand is whatever the caller wrote; behind a Cognito, JWT or Lambda authorizer the
    gateway has verified the token before the handler runs."""
    facts = code_facts(app)
    exposures = (facts.sources_of(name) for name in functions)
    return any(sources is not None and sources.exposure == "public" for sources in exposures)
