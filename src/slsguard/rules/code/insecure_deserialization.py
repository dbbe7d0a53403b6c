"""insecure-deserialization (SLS605): event data reaches an object deserializer.

## What it does
Reports event data deserialized into objects: `pickle`, `dill`, `marshal`, `jsonpickle`,
`yaml.load` with an unsafe (or no) loader, `yaml.unsafe_load`; Node's `node-serialize`
`unserialize` and `js-yaml` `load` with an unsafe schema. `yaml.safe_load`, `json.loads`
and `JSON.parse` are safe.

## Why is this bad?
Deserializing objects runs code chosen by whoever wrote the data.

## Example
```yaml
service: jobs
provider:
  name: aws
  runtime: python3.12
functions:
  worker:
    handler: handler.worker
    events:
      - sqs: arn:aws:sqs:us-east-1:123456789012:jobs
```

```python
# file: handler.py
import base64
import pickle


def worker(event, context):
    for record in event["Records"]:
        job = pickle.loads(base64.b64decode(record["body"]))
        print(job)
```

## Fix
Exchange data, not objects:
```yaml
service: jobs
provider:
  name: aws
  runtime: python3.12
functions:
  worker:
    handler: handler.worker
    events:
      - sqs: arn:aws:sqs:us-east-1:123456789012:jobs
```

```python
# file: handler.py
import json


def worker(event, context):
    for record in event["Records"]:
        job = json.loads(record["body"])
        print(job["id"])
```

## References
- https://cwe.mitre.org/data/definitions/502.html
"""

from collections.abc import Iterator

from slsguard.analysis.code_findings import code_violations
from slsguard.findings import Confidence, Severity, Violation
from slsguard.model import Application
from slsguard.rules import NO_TEMPLATES, Context, rule


@rule(
    "SLS605",
    "insecure-deserialization",
    Severity.CRITICAL,
    "Event data reaches an object deserializer",
    practice="P6",
    mappings={
        "owasp-serverless": "S8",
        "cwe": "CWE-502",
    },
    confidence=Confidence.MEDIUM,
    dialects=NO_TEMPLATES,
)
def check(app: Application, context: Context) -> Iterator[Violation]:
    """The flows and calls this rule looks for, in the handler code of `app`."""
    yield from code_violations(app, "insecure-deserialization", Severity.CRITICAL)
