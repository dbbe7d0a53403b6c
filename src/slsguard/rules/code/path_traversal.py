"""path-traversal (SLS607): event data builds a file path.

## What it does
Reports a file path built from event data and opened, written, deleted or downloaded to:
`open`, `os.remove`, `shutil.*`, `pathlib` reads and writes, boto3 `download_file`'s local
name; Node's `fs.*` calls. `os.path.basename` (or an allow-list) ends the flow.

## Why is this bad?
`../../` in an S3 key or a query parameter reads or overwrites files outside the intended
folder: the function's code, `/proc/self/environ` with its credentials.

## Example
```yaml
service: ingest
provider:
  name: aws
  runtime: python3.12
functions:
  ingest:
    handler: handler.ingest
    events:
      - s3: uploads
```

```python
# file: handler.py
import boto3

s3 = boto3.client("s3")


def ingest(event, context):
    record = event["Records"][0]["s3"]
    key = record["object"]["key"]
    s3.download_file(record["bucket"]["name"], key, f"/tmp/{key}")
```

## Fix
Keep only the file name, in a constant directory:
```yaml
service: ingest
provider:
  name: aws
  runtime: python3.12
functions:
  ingest:
    handler: handler.ingest
    events:
      - s3: uploads
```

```python
# file: handler.py
import os

import boto3

s3 = boto3.client("s3")


def ingest(event, context):
    record = event["Records"][0]["s3"]
    key = record["object"]["key"]
    s3.download_file(record["bucket"]["name"], key, f"/tmp/{os.path.basename(key)}")
```

## References
- https://cwe.mitre.org/data/definitions/22.html
"""

from collections.abc import Iterator

from slsguard.analysis.code_findings import code_violations
from slsguard.findings import Confidence, Severity, Violation
from slsguard.model import Application
from slsguard.rules import NO_TEMPLATES, Context, rule


@rule(
    "SLS607",
    "path-traversal",
    Severity.HIGH,
    "Event data builds a file path",
    practice="P6",
    mappings={
        "owasp-serverless": "S1",
        "cwe": "CWE-22",
    },
    confidence=Confidence.MEDIUM,
    dialects=NO_TEMPLATES,
)
def check(app: Application, context: Context) -> Iterator[Violation]:
    """The flows and calls this rule looks for, in the handler code of `app`."""
    yield from code_violations(app, "path-traversal", Severity.HIGH)
