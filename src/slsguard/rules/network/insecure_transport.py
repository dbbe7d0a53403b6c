"""insecure-transport (SLS207): plain HTTP endpoints, and stores used by functions that accept it.

## What it does
Reports data that can travel in clear text:

- an API integration that calls its backend over `http://` (CloudFormation
  `AWS::ApiGateway::Method` `Integration.Uri`, `AWS::ApiGatewayV2::Integration`
  `IntegrationUri`, `x-amazon-apigateway-integration` in an OpenAPI body, Serverless `http`
  events with `integration: http`/`http-proxy` and `request.uri`), unless it goes through a
  VPC link;
- an `http://` or `ws://` endpoint or webhook in a function's environment, and SNS
  subscriptions delivering over `http`. Loopback, instance-metadata and private-network
  addresses, documentation domains, XML namespaces and schema identifiers are not endpoints
  and are not reported;
- an S3 bucket, SQS queue or SNS topic defined in the template (or created by the
  Serverless Framework for an event) that a function consumes or has grants on, whose
  policy does not deny requests without TLS (`aws:SecureTransport: false`), or that has no
  policy at all.

## Why is this bad?
Anyone on the path of a clear-text request reads and changes it: API payloads, webhook
tokens, messages and objects. S3, SQS and SNS still answer plain HTTP unless a policy
refuses it, so one misconfigured client is enough to leak what the function processes.

## Example
```yaml
service: notifier
provider:
  name: aws
  runtime: python3.12
functions:
  notify:
    handler: handler.notify
    environment:
      WEBHOOK_URL: http://hooks.partner.net/orders
```

## Fix
```yaml
service: notifier
provider:
  name: aws
  runtime: python3.12
functions:
  notify:
    handler: handler.notify
    environment:
      WEBHOOK_URL: https://hooks.partner.net/orders
```

## References
- https://docs.aws.amazon.com/AmazonS3/latest/userguide/security-best-practices.html
- https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-security-best-practices.html
- https://docs.aws.amazon.com/sns/latest/dg/sns-security-best-practices.html
- https://docs.aws.amazon.com/securityhub/latest/userguide/s3-controls.html#s3-5
"""

from collections.abc import Iterator
from typing import Any

from slsguard.analysis.event_sources import NOUNS, Usage, used_resources
from slsguard.analysis.resources import (
    BUCKET,
    QUEUE,
    TOPIC,
    PolicyStatement,
    ResourceIndex,
    referenced_ids,
)
from slsguard.analysis.service import child_origin, environment_once
from slsguard.analysis.targets import resource_target
from slsguard.analysis.urls import insecure_urls, secure_scheme, shown
from slsguard.findings import Origin, Severity, Violation
from slsguard.fixes import AddedKind, AddResource, FreeText, Intent
from slsguard.iam.effective import describe_functions
from slsguard.located import YList, YMap
from slsguard.model import Application, render
from slsguard.rules import Context, rule
from slsguard.tf_address import resource_name

# Requests a TLS-only policy must refuse: reading and writing.
_PROBES = {
    BUCKET: ("s3:GetObject", "s3:PutObject"),
    QUEUE: ("sqs:SendMessage", "sqs:ReceiveMessage"),
    TOPIC: ("sns:Publish", "sns:Subscribe"),
}
_SERVICE = {BUCKET: "s3", QUEUE: "sqs", TOPIC: "sns"}
_OPENAPI_TYPES = {
    "AWS::ApiGateway::RestApi": "Body",
    "AWS::ApiGatewayV2::Api": "Body",
    "AWS::Serverless::Api": "DefinitionBody",
    "AWS::Serverless::HttpApi": "DefinitionBody",
}
_MAX_DEPTH = 12
_LOAD_BALANCERS = (
    "AWS::ElasticLoadBalancingV2::LoadBalancer",
    "AWS::ElasticLoadBalancing::LoadBalancer",
)


@rule(
    "SLS207",
    "insecure-transport",
    Severity.MEDIUM,
    "Plain HTTP endpoints, or stores used by functions that accept requests without TLS",
    practice="P3",
    mappings={
        "owasp-serverless": "S3",
        "cwe": "CWE-319",
        "pci-dss-4.0": "4.2.1",
        "hipaa": "164.312(e)(1)",
    },
)
def check(app: Application, context: Context) -> Iterator[Violation]:
    """Clear-text integrations, endpoints and stores."""
    index = ResourceIndex.of(app)
    yield from _integrations(app, index)
    yield from _environment(app, index)
    yield from _http_subscriptions(index)
    for usage in used_resources(app, index).values():
        yield from _without_tls_policy(app, index, usage)


# -- integrations ---------------------------------------------------------------------------


def _integrations(app: Application, index: ResourceIndex) -> Iterator[Violation]:
    for method in index.of_type("AWS::ApiGateway::Method"):
        integration = method.properties.get("Integration")
        if isinstance(integration, YMap):
            where = method.origin_of("Integration")
            yield from _integration(integration, "Uri", "ConnectionType", where)
    for integration in index.of_type("AWS::ApiGatewayV2::Integration"):
        properties = integration.properties
        yield from _integration(
            properties, "IntegrationUri", "ConnectionType", integration.properties_origin
        )
    for api in index.of_type(*_OPENAPI_TYPES):
        key = _OPENAPI_TYPES[api.type]
        body = api.properties.get(key)
        if isinstance(body, YMap):
            yield from _openapi(body, api.origin_of(key), 0)
    for fn in app.functions:
        for trigger in fn.triggers:
            settings = trigger.settings
            if trigger.kind == "http" and isinstance(settings, YMap):
                yield from _serverless_http(settings, trigger.origin)


def _integration(
    block: YMap, uri_key: str, connection_key: str, where: Origin
) -> Iterator[Violation]:
    """One integration: a clear-text URI that does not go through a VPC link."""
    uri = block.get(uri_key)
    connection = render(block.get(connection_key)).replace("-", "_").upper()
    if uri is None or connection == "VPC_LINK" or not insecure_urls(uri):
        return
    text = shown(render(uri))
    yield Violation(
        child_origin(block, uri_key, where),
        f"the API calls its backend {text} over plain HTTP: requests, including "
        "callers' tokens and payloads, cross the network unencrypted",
        subject=text,
        intents=(
            FreeText(f"use {secure_scheme(render(uri))} (or a VPC link for a private backend)"),
        ),
    )


def _openapi(node: Any, where: Origin, depth: int) -> Iterator[Violation]:
    """`x-amazon-apigateway-integration` blocks anywhere in an OpenAPI body."""
    if depth > _MAX_DEPTH:
        return
    if isinstance(node, YMap):
        for key, value in node.items():
            origin = child_origin(node, key, where)
            if key == "x-amazon-apigateway-integration" and isinstance(value, YMap):
                yield from _integration(value, "uri", "connectionType", origin)
            elif isinstance(value, YMap | YList):
                yield from _openapi(value, origin, depth + 1)
    elif isinstance(node, YList):
        for position, item in enumerate(node):
            yield from _openapi(item, child_origin(node, position, where), depth + 1)


def _serverless_http(event: YMap, where: Origin) -> Iterator[Violation]:
    integration = render(event.get("integration")).replace("_", "-").lower()
    request = event.get("request")
    if integration not in ("http", "http-proxy") or not isinstance(request, YMap):
        return
    if render(event.get("connectionType")).replace("_", "-").lower() == "vpc-link":
        return
    yield from _integration(request, "uri", "connectionType", child_origin(event, "request", where))


# -- endpoints --------------------------------------------------------------------------------


def _environment(app: Application, index: ResourceIndex) -> Iterator[Violation]:
    for variable, functions in environment_once(app):
        upper = variable.name.upper()
        if "ORIGIN" in upper or "CORS" in upper or "NAMESPACE" in upper:
            continue  # Allowed origins and namespaces are compared, never connected to.
        urls = insecure_urls(variable.value)
        if not urls or _internal_load_balancer(index, variable.value):
            continue
        yield Violation(
            variable.origin,
            f"{variable.name} points {describe_functions(tuple(fn.name for fn in functions))} "
            f"at {shown(urls[0])}, plain HTTP: what goes to and comes back from it can be read "
            "and changed on the way",
            intents=(FreeText(f"use {secure_scheme(urls[0])}"),),
            functions=tuple(fn.name for fn in functions),
            subject=variable.name,
        )


def _internal_load_balancer(index: ResourceIndex, value: object) -> bool:
    """A URL built on an internal load balancer's DNS name stays inside the VPC."""
    for logical_id in referenced_ids(value):
        resource = index.by_id.get(logical_id)
        if resource is not None and resource.type in _LOAD_BALANCERS:
            return render(resource.properties.get("Scheme")).strip().lower() == "internal"
    return False


def _http_subscriptions(index: ResourceIndex) -> Iterator[Violation]:
    blocks: list[tuple[YMap, Origin]] = []
    for subscription in index.of_type("AWS::SNS::Subscription"):
        blocks.append((subscription.properties, subscription.properties_origin))
    for topic in index.of_type(TOPIC):
        items = topic.properties.get("Subscription")
        if isinstance(items, YList):
            items_origin = topic.origin_of("Subscription")
            blocks.extend(
                (item, child_origin(items, position, items_origin))
                for position, item in enumerate(items)
                if isinstance(item, YMap)
            )
    for block, where in blocks:
        if render(block.get("Protocol")).strip().lower() != "http":
            continue
        endpoint = block.get("Endpoint")
        if endpoint is not None and not insecure_urls(endpoint):
            continue
        text = shown(render(endpoint)) or "its endpoint"
        yield Violation(
            child_origin(block, "Protocol", where),
            f"SNS delivers notifications to {text} over plain HTTP",
            subject=text,
            intents=(FreeText("subscribe with the https protocol and an https:// endpoint"),),
        )


# -- stores -----------------------------------------------------------------------------------


def _without_tls_policy(
    app: Application, index: ResourceIndex, usage: Usage
) -> Iterator[Violation]:
    source = usage.source
    policies = index.policies_of(source.type, source.key, source.name)
    statements = [
        statement
        for policy in policies
        for statement in policy.statements
        if statement.applies_to(source.key, source.name)
    ]
    if any(_denies_plain_http(statement, source.type) for statement in statements):
        return
    noun = NOUNS[source.type]
    names = [resource_name(app, policy.resource.logical_id) for policy in policies]
    problem = (
        f"its policy {', '.join(names)} does not deny requests without TLS"
        if names
        else "no policy denies requests without TLS"
    )
    how = " and ".join(usage.ways)
    where = source.resource.origin if source.resource is not None else source.origin
    created = " (created by the Serverless Framework for an event)" if source.created else ""
    yield Violation(
        where,
        f"{noun} {_shown(app, source.key, source.display)}{created} accepts plain-HTTP "
        f"requests: {problem}; it is used by {describe_functions(tuple(usage.functions))} "
        f"({how}), whose messages or objects can then cross the network unencrypted",
        subject=source.key,
        functions=tuple(usage.functions),
        intents=(_tls_only(app, source.key, source.type, where, names),),
    )


def _shown(app: Application, logical_id: str, display: str) -> str:
    """The store as the user names it: its Terraform address, else as the template says."""
    name = resource_name(app, logical_id)
    return name if name != logical_id else display


_POLICY_KIND: dict[str, AddedKind] = {
    BUCKET: "bucket-policy",
    QUEUE: "queue-policy",
    TOPIC: "topic-policy",
}


def _tls_only(
    app: Application, logical_id: str, kind: str, where: Origin, policies: list[str]
) -> Intent:
    """A resource policy that denies requests without TLS, or the statement to add to one."""
    added = _POLICY_KIND.get(kind)
    if policies or added is None:
        return FreeText(
            f"add to {policies[0] if policies else 'its resource policy'} a Deny statement for "
            f"{_SERVICE.get(kind, 'every')} actions when aws:SecureTransport is false"
        )
    return AddResource(resource_target(app, logical_id, where), added)


def _denies_plain_http(statement: PolicyStatement, kind: str) -> bool:
    if statement.effect != "Deny" or not statement.public:
        return False
    insecure = any(
        condition.key == "aws:securetransport"
        and condition.operator.lower().startswith("bool")
        and "false" in (value.strip().lower() for value in condition.values)
        for condition in statement.conditions
    )
    return insecure and all(statement.covers(action) for action in _PROBES[kind])
