"""untrusted-layer (SLS506): a function runs a layer from an account nobody vetted, or unpinned.

## What it does
Reports a layer (function `layers`/`Layers`, Serverless `provider.layers`, SAM
`Globals.Function.Layers`) that
- is published by another AWS account that is not trusted: trusted are the accounts the
  functions run in (those of their execution or deployment roles, `${AWS::AccountId}`), the
  accounts passed with `--trusted-accounts`, and the accounts in which AWS itself publishes
  layers (Lambda Insights, Powertools for AWS Lambda, AWS Distro for OpenTelemetry, the
  Parameters and Secrets and AppConfig extensions, Lambda Web Adapter; listed in
  `lambda_runtimes.json`). Well-known vendors (Datadog, New Relic, Sentry) are named in the
  finding but trusted only once you pass their account;
- or is referenced without a version.
Layers defined in the same template (`!Ref MyLayer`, Serverless `{Ref: XLambdaLayer}`) are
trusted; values known only at deploy time are not judged.

## Why is this bad?
A layer's code runs inside the function, with its role, its environment variables and
every event it receives. Whoever controls the publishing account controls that code: a
compromised or malicious publisher gets the function's data and permissions. A layer
without a pinned version changes under you without a code review.

## Example
```yaml
service: reports
provider:
  name: aws
  runtime: python3.13
functions:
  export:
    handler: handler.export
    layers:
      - arn:aws:lambda:us-east-1:999988887777:layer:pdf-tools:3
```

## Fix
Build the layer yourself (or vet the publisher and allow its account with
`--trusted-accounts 999988887777`).
```yaml
service: reports
provider:
  name: aws
  runtime: python3.13
layers:
  pdfTools:
    path: layers/pdf-tools
functions:
  export:
    handler: handler.export
    layers:
      - {Ref: PdfToolsLambdaLayer}
```

## References
- https://docs.aws.amazon.com/lambda/latest/dg/chapter-layers.html
- https://docs.aws.amazon.com/lambda/latest/dg/permissions-layer-cross-account.html
"""

from collections.abc import Iterator
from dataclasses import dataclass

from slsguard.analysis.layers import LayerRef, layer_refs, own_accounts
from slsguard.analysis.runtime_table import RuntimeTable, load_table
from slsguard.analysis.templates import describe, is_lambda_app, syntax_of
from slsguard.findings import Origin, Severity, Violation
from slsguard.model import Application
from slsguard.rules import Context, rule


@dataclass(frozen=True, slots=True)
class _Problem:
    """What is wrong with one layer reference."""

    subject: str
    message: str
    fix: str


@rule(
    "SLS506",
    "untrusted-layer",
    Severity.LOW,
    "A layer from an untrusted AWS account, or without a version",
    practice="P7",
    mappings={"owasp-serverless": "S9", "cwe": "CWE-829", "pci-dss-4.0": "6.3.2"},
)
def check(app: Application, context: Context) -> Iterator[Violation]:
    """Layers from accounts that are not trusted, and layers without a version."""
    if not is_lambda_app(app):
        return
    table = load_table(context.runtimes_file)
    trusted = own_accounts(app) | set(context.trusted_accounts)
    places: dict[Origin, tuple[LayerRef, list[str]]] = {}
    for fn in app.functions:
        for layer in layer_refs(app, fn, syntax_of(app, fn)):
            places.setdefault(layer.origin, (layer, []))[1].append(fn.name)
    for origin, (layer, names) in places.items():
        for problem in _problems(layer, trusted, table):
            yield Violation(
                origin,
                f"{problem.message}; used by {describe(names)}",
                problem.fix,
                functions=tuple(names),
                subject=f"{problem.subject}:{layer.text}",
            )


def _problems(layer: LayerRef, trusted: set[str], table: RuntimeTable) -> Iterator[_Problem]:
    shown = f"`{layer.name}`{layer.note}"
    account = layer.account
    publisher = table.publisher(account) if account not in (None, "self") else None
    aws_published = publisher is not None and publisher.aws
    if account not in (None, "self") and account not in trusted and not aws_published:
        who = f" ({publisher.name})" if publisher is not None else ""
        yield _Problem(
            "account",
            f"layer {shown} comes from AWS account {account}{who}, which is not trusted: "
            "its code runs inside the function with the function's role and sees every "
            "event and environment variable",
            f"if you vetted this publisher, pass `--trusted-accounts {account}`; otherwise "
            "build the layer from source and publish it in your own account",
        )
    if layer.version is None:
        yield _Problem(
            "version",
            f"layer {shown} is referenced without a version: it is not pinned to code "
            "anyone reviewed (and Lambda needs a layer version ARN)",
            f"pin the version you reviewed: `{layer.text}:<version>`",
        )
