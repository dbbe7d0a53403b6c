"""api-without-waf (SLS204): a public entry point to functions with no WAF web ACL.

## What it does
Reports public REST API stages (not PRIVATE endpoints) and internet-facing application load
balancers that route to functions, when no web ACL protects them: no
`AWS::WAFv2::WebACLAssociation` (or WAF Classic regional association) whose `ResourceArn`
resolves to the stage (`!Sub arn:aws:apigateway:${AWS::Region}::/restapis/${Api}/stages/
${Stage}`, SAM's `${Api.Stage}`, `!Join`, parameters with defaults) or to the load
balancer, no serverless-associate-waf plugin (`custom.associateWaf`), and no CloudFront
distribution with a `WebACLId` in front. HTTP APIs and public function URLs cannot take a
web ACL directly: for them the finding says to put CloudFront with a web ACL in front, and
when a CloudFront distribution already is in front without one, the finding points at it.
WebSocket APIs are not reported (a web ACL cannot inspect their messages).

## Why is this bad?
A web ACL is the gateway's filter for known-bad traffic: injection payloads matched by
managed rule groups, bots, floods from single addresses (rate-based rules) and requests
from places the API never serves. Without one, all of it reaches the functions, which then
have to get every input check right on their own.

## Example
```yaml
AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Resources:
  Api:
    Type: AWS::Serverless::Api
    Properties:
      StageName: prod
  Orders:
    Type: AWS::Serverless::Function
    Properties:
      Handler: app.handler
      Runtime: python3.12
      CodeUri: src/
      Events:
        Post:
          Type: Api
          Properties:
            RestApiId: !Ref Api
            Path: /orders
            Method: post
```

## Fix
```yaml
AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Resources:
  Api:
    Type: AWS::Serverless::Api
    Properties:
      StageName: prod
  Orders:
    Type: AWS::Serverless::Function
    Properties:
      Handler: app.handler
      Runtime: python3.12
      CodeUri: src/
      Events:
        Post:
          Type: Api
          Properties:
            RestApiId: !Ref Api
            Path: /orders
            Method: post
  ApiWebAclAssociation:
    Type: AWS::WAFv2::WebACLAssociation
    Properties:
      ResourceArn: !Sub arn:aws:apigateway:${AWS::Region}::/restapis/${Api}/stages/${Api.Stage}
      WebACLArn: !GetAtt ApiWebAcl.Arn
```

## References
- https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-control-access-aws-waf.html
- https://docs.aws.amazon.com/waf/latest/developerguide/waf-resource-type-list.html
- https://docs.aws.amazon.com/securityhub/latest/userguide/apigateway-controls.html#apigateway-4
- https://docs.aws.amazon.com/lambda/latest/dg/urls-configuration.html#urls-cloudfront
"""

from collections.abc import Iterator

from slsguard.analysis.apis import (
    Api,
    Distribution,
    LoadBalancer,
    apis,
    distributions,
    load_balancers,
)
from slsguard.analysis.service import function_url_id
from slsguard.analysis.targets import resource_target, stage_target
from slsguard.findings import Severity, Violation, name_list
from slsguard.fixes import AddResource, Placeholder, SetSetting, Target, unsafe
from slsguard.located import YMap
from slsguard.model import Application, Trigger, render
from slsguard.rules import Context, rule

_Bare = dict[str, tuple[Distribution, list[tuple[str, tuple[str, ...]]]]]
"""Distributions without a web ACL in front of something that cannot take one: what (as the
message says it) and the functions behind it."""
_WHY = "injection payloads, bots and floods reach {} unfiltered"


@rule(
    "SLS204",
    "api-without-waf",
    Severity.LOW,
    "A public REST API stage, load balancer or CloudFront distribution without a WAF web ACL",
    practice="P8",
    mappings={
        "owasp-serverless": "S6",
        "cwe": "CWE-693",
        "fsbp": "APIGateway.4",
        "pci-dss-4.0": "6.4.2",
    },
)
def check(app: Application, context: Context) -> Iterator[Violation]:
    """Public APIs, load balancers and function URLs that no web ACL protects."""
    bare: _Bare = {}
    for api in apis(app):
        yield from _api(app, api, bare)
    for balancer in load_balancers(app):
        if balancer.public and balancer.waf is None:
            yield _balancer(app, balancer)
    yield from _function_urls(app, bare)
    for distribution, behind in bare.values():
        yield _distribution(app, distribution, behind)


def _front(bare: _Bare, fronts: list[Distribution], what: str, functions: tuple[str, ...]) -> None:
    for front in fronts:
        bare.setdefault(front.logical_id, (front, []))[1].append((what, functions))


def _api(app: Application, api: Api, bare: _Bare) -> Iterator[Violation]:
    if not api.public or api.kind == "websocket":
        return
    unprotected = [stage for stage in api.stages if stage.waf is None]
    if not unprotected:
        return
    fronts = [front for front in api.fronted_by if front.web_acl is None]
    if api.kind == "http" and fronts:
        _front(bare, fronts, api.label, tuple(api.functions))
        return
    whom = name_list(api.functions, 3) if api.functions else "its integrations"
    if api.kind == "http":
        yield Violation(
            api.origin,
            f"{api.label} is public with no WAF web ACL (an HTTP API cannot take one): "
            + _WHY.format(whom),
            intents=(_cloudfront(resource_target(app, api.resource_id, api.origin), "http-api"),),
            subject=api.resource_id,
            functions=tuple(api.functions),
        )
        return
    for stage in unprotected:
        yield Violation(
            stage.origin,
            f"{api.describe(stage)} is public with no WAF web ACL: " + _WHY.format(whom),
            intents=(
                AddResource(stage_target(app, api, stage), "waf-association", applicability=_WAF),
            ),
            subject=f"{api.resource_id}:{stage.name}",
            functions=tuple(api.functions),
        )


_WAF = unsafe("a web ACL's rules can block legitimate requests")


def _cloudfront(target: Target, origin: str) -> AddResource:
    """CloudFront with a web ACL in front of what cannot take one (HTTP API, function URL)."""
    note = (
        "then let only CloudFront call it: IAM auth on the URL with an origin access control"
        if origin == "function-url"
        else "then let only CloudFront call the API (a secret origin header, or disable the "
        "default execute-api endpoint behind a custom domain)"
    )
    return AddResource(target, "cdn-with-waf", (("origin", origin),), note=note, applicability=_WAF)


def _balancer(app: Application, balancer: LoadBalancer) -> Violation:
    whom = name_list(balancer.functions, 3)
    return Violation(
        balancer.origin,
        f"internet-facing load balancer {balancer.logical_id} routes to {whom} with no WAF "
        "web ACL: " + _WHY.format(whom),
        intents=(
            AddResource(
                resource_target(app, balancer.logical_id, balancer.origin),
                "waf-association",
                applicability=_WAF,
            ),
        ),
        subject=balancer.logical_id,
        functions=tuple(balancer.functions),
    )


def _distribution(
    app: Application, distribution: Distribution, behind: list[tuple[str, tuple[str, ...]]]
) -> Violation:
    return Violation(
        distribution.origin,
        f"CloudFront distribution {distribution.logical_id} has no WAF web ACL, and "
        f"{' and '.join(what for what, _ in behind)} behind it cannot take one: "
        + _WHY.format("it"),
        intents=(
            SetSetting(
                resource_target(app, distribution.logical_id, distribution.origin),
                "web-acl",
                Placeholder("ARN of a web ACL with Scope CLOUDFRONT (us-east-1)"),
                _WAF,
            ),
        ),
        subject=distribution.logical_id,
        functions=tuple(name for _, functions in behind for name in functions),
    )


def _function_urls(app: Application, bare: _Bare) -> Iterator[Violation]:
    fronts = distributions(app)
    for fn in app.functions:
        for trigger in fn.triggers:
            if trigger.kind != "url" or not _public_url(trigger):
                continue
            url_id = function_url_id(fn, trigger)
            in_front = [front for front in fronts if url_id in front.targets]
            if any(front.web_acl is not None for front in in_front):
                continue
            if in_front:
                _front(bare, in_front, f"the function URL of {fn.name}", (fn.name,))
                continue
            yield Violation(
                trigger.origin,
                f"the function URL of {fn.name} is public with no WAF web ACL (a function URL "
                "cannot take one): " + _WHY.format(fn.name),
                intents=(
                    _cloudfront(resource_target(app, url_id, trigger.origin), "function-url"),
                ),
                function=fn.name,
                subject=f"url:{fn.name}",
            )


def _public_url(trigger: Trigger) -> bool:
    """`AuthType: NONE` (sls `url: true` without `authorizer: aws_iam`)."""
    settings = trigger.settings
    if not isinstance(settings, YMap):
        return settings is True
    if "AuthType" in settings:
        return render(settings["AuthType"]).upper() == "NONE"
    return render(settings.get("authorizer")).lower() != "aws_iam"
