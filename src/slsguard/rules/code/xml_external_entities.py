"""xml-external-entities (SLS608): XML from the event parsed with external entities or DTDs enabled.

## What it does
Reports event data parsed as XML by a parser set up to resolve external entities or load
DTDs: lxml with `resolve_entities=True`, `load_dtd=True` or `no_network=False`; `xml.sax`
with `feature_external_ges`; Node's `libxmljs` with `noent: true`. lxml 5+ resolves only
internal entities by default and the standard library's parsers do not fetch external
entities: the options are judged, not the import.

## Why is this bad?
An entity that names `file:///proc/self/environ` or an internal URL makes the parser read
it into the document the function processes (and often returns).

## Example
```yaml
service: invoices
provider:
  name: aws
  runtime: python3.12
functions:
  importInvoice:
    handler: handler.importInvoice
    events:
      - httpApi: POST /invoices
```

```python
# file: handler.py
from lxml import etree

parser = etree.XMLParser(resolve_entities=True)


def importInvoice(event, context):
    document = etree.fromstring(event["body"].encode(), parser)
    return {"statusCode": 200, "body": document.findtext("total")}
```

## Fix
Parse with `defusedxml`, or keep lxml's safe defaults:
```yaml
service: invoices
provider:
  name: aws
  runtime: python3.12
functions:
  importInvoice:
    handler: handler.importInvoice
    events:
      - httpApi: POST /invoices
```

```python
# file: handler.py
import defusedxml.ElementTree as ElementTree


def importInvoice(event, context):
    document = ElementTree.fromstring(event["body"])
    return {"statusCode": 200, "body": document.findtext("total")}
```

## References
- https://cheatsheetseries.owasp.org/cheatsheets/XML_External_Entity_Prevention_Cheat_Sheet.html
- https://cwe.mitre.org/data/definitions/611.html
"""

from collections.abc import Iterator

from slsguard.analysis.code_findings import code_violations
from slsguard.findings import Confidence, Severity, Violation
from slsguard.model import Application
from slsguard.rules import NO_TEMPLATES, Context, rule


@rule(
    "SLS608",
    "xml-external-entities",
    Severity.HIGH,
    "XML from the event parsed with external entities or DTDs enabled",
    practice="P6",
    mappings={
        "owasp-serverless": "S4",
        "cwe": "CWE-611",
    },
    confidence=Confidence.MEDIUM,
    dialects=NO_TEMPLATES,
)
def check(app: Application, context: Context) -> Iterator[Violation]:
    """The flows and calls this rule looks for, in the handler code of `app`."""
    yield from code_violations(app, "xml-external-entities", Severity.HIGH)
