"""code-signing-disabled (SLS505): *opt-in*: a function accepts code nobody signed.

## What it does
Reports a function deployed as a .zip archive without a code-signing configuration:
CloudFormation and SAM `CodeSigningConfigArn`; the Serverless Framework has no key for it,
so there it is set through `resources.extensions` on the function's generated resource.
Container images are not reported (Lambda code signing applies to .zip archives; sign
images in the registry instead). Off by default (`--enable SLS505`).

## Why is this bad?
Without code signing, Lambda runs whatever package the deploying principal uploads: a
leaked CI credential or a tampered build artifact becomes code running with the function's
role. With a signing profile and `UntrustedArtifactOnDeployment: Enforce`, Lambda rejects
packages not signed by your trusted publishers.

## Example
```yaml
AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Resources:
  Payments:
    Type: AWS::Serverless::Function
    Properties:
      Handler: app.handler
      Runtime: python3.13
      CodeUri: src/
```

## Fix
```yaml
AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Resources:
  Payments:
    Type: AWS::Serverless::Function
    Properties:
      Handler: app.handler
      Runtime: python3.13
      CodeUri: src/
      CodeSigningConfigArn: !Ref SigningConfig
  SigningConfig:
    Type: AWS::Lambda::CodeSigningConfig
    Properties:
      AllowedPublishers:
        SigningProfileVersionArns:
          - arn:aws:signer:us-east-1:123456789012:/signing-profiles/payments/abcdef1234
      CodeSigningPolicies:
        UntrustedArtifactOnDeployment: Enforce
```

## References
- https://docs.aws.amazon.com/lambda/latest/dg/configuration-codesigning.html
"""

from collections.abc import Iterator
from typing import Any

from slsguard.analysis.targets import function_target
from slsguard.analysis.templates import is_container_image, is_lambda_app, syntax_of
from slsguard.findings import Severity, Violation
from slsguard.fixes import Placeholder, SetSetting, Target, unsafe
from slsguard.located import YMap
from slsguard.model import Application, Function
from slsguard.rules import Context, rule


@rule(
    "SLS505",
    "code-signing-disabled",
    Severity.INFO,
    "A function has no code-signing configuration",
    practice="P7",
    mappings={"owasp-serverless": "S6", "cwe": "CWE-494", "pci-dss-4.0": "6.3.2"},
    default_enabled=False,
)
def check(app: Application, context: Context) -> Iterator[Violation]:
    """Zip-packaged functions without `CodeSigningConfigArn`."""
    if not is_lambda_app(app):
        return
    for fn in app.functions:
        syntax = syntax_of(app, fn)
        if is_container_image(fn, syntax) or _signed(app, fn, syntax):
            continue
        yield Violation(
            fn.origin,
            f"function {fn.name} has no code-signing configuration: Lambda runs any package "
            "the deploying credentials upload, signed or not",
            function=fn.name,
            subject=fn.name,
            intents=(_signing(function_target(app, fn)),),
        )


_ENFORCED = unsafe("once enforced, deploys of unsigned packages fail")


def _signing(target: Target) -> SetSetting:
    config = Placeholder("a code-signing config with UntrustedArtifactOnDeployment: Enforce")
    return SetSetting(target, "code-signing", config, _ENFORCED)


def _signed(app: Application, fn: Function, syntax: str) -> bool:
    settings = fn.settings if isinstance(fn.settings, YMap) else YMap()
    if syntax != "serverless":
        return settings.get("CodeSigningConfigArn") is not None
    extensions = _get(_get(app.template, "resources"), "extensions")
    properties = _get(_get(extensions, fn.logical_id or ""), "Properties")
    return _get(properties, "CodeSigningConfigArn") is not None


def _get(value: Any, key: str) -> Any:
    return value.get(key) if isinstance(value, YMap) else None
