"""outdated-tls-policy (SLS205): an API custom domain that still accepts TLS 1.0.

## What it does
Reports an API Gateway custom domain whose security policy is `TLS_1_0`:

- CloudFormation `AWS::ApiGateway::DomainName` with `SecurityPolicy: TLS_1_0`, or with
  no `SecurityPolicy` at all (API Gateway then applies `TLS_1_0` to edge-optimized and
  Regional domains; private domains only speak TLS 1.2);
- `AWS::ApiGatewayV2::DomainName` with `SecurityPolicy: TLS_1_0` in a
  `DomainNameConfigurations` entry;
- SAM `Domain` on an `AWS::Serverless::Api` (or in `Globals.Api`) with
  `SecurityPolicy: TLS_1_0` or none (SAM passes it through unchanged), and on an
  `AWS::Serverless::HttpApi` with `SecurityPolicy: TLS_1_0`;
- the serverless-domain-manager plugin (`custom.customDomain`, `custom.customDomains`) and
  the Framework's own `domain`/`domains` with `securityPolicy: tls_1_0` (both default to
  TLS 1.2 when unset).

## Why is this bad?
TLS 1.0 and 1.1 have known weaknesses (BEAST, POODLE-style downgrades, SHA-1 and CBC
cipher suites) and are no longer allowed for cardholder or health data. A client, or an
attacker in the middle, can negotiate the oldest protocol the domain still accepts.

## Example
```yaml
AWSTemplateFormatVersion: "2010-09-09"
Resources:
  ApiDomain:
    Type: AWS::ApiGateway::DomainName
    Properties:
      DomainName: api.example.com
      RegionalCertificateArn: arn:aws:acm:us-east-1:123456789012:certificate/abc
      EndpointConfiguration:
        Types: [REGIONAL]
      SecurityPolicy: TLS_1_0
```

## Fix
```yaml
AWSTemplateFormatVersion: "2010-09-09"
Resources:
  ApiDomain:
    Type: AWS::ApiGateway::DomainName
    Properties:
      DomainName: api.example.com
      RegionalCertificateArn: arn:aws:acm:us-east-1:123456789012:certificate/abc
      EndpointConfiguration:
        Types: [REGIONAL]
      SecurityPolicy: TLS_1_2
```

## References
- https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-custom-domain-tls-version.html
- https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-apigateway-domainname.html
- https://github.com/amplify-education/serverless-domain-manager#configuration
"""

from collections.abc import Iterator
from typing import Any

from slsguard.analysis.resources import Resource, ResourceIndex
from slsguard.analysis.service import child_origin
from slsguard.analysis.targets import resource_target
from slsguard.findings import Origin, Severity, Violation
from slsguard.fixes import SetSetting, Target, unsafe
from slsguard.located import YList, YMap
from slsguard.model import Application, render
from slsguard.rules import Context, rule

_WEAK = "TLS_1_0"
_WHY = "clients can still connect with TLS 1.0 and 1.1 and their weak cipher suites"


@rule(
    "SLS205",
    "outdated-tls-policy",
    Severity.MEDIUM,
    "An API custom domain whose security policy allows TLS 1.0",
    practice="P3",
    mappings={
        "owasp-serverless": "S3",
        "cwe": "CWE-326",
        "pci-dss-4.0": "4.2.1",
        "hipaa": "164.312(e)(1)",
    },
)
def check(app: Application, context: Context) -> Iterator[Violation]:
    """Custom domains on TLS_1_0, written or by default."""
    index = ResourceIndex.of(app)
    for domain in index.of_type("AWS::ApiGateway::DomainName", "AWS::ApiGateway::DomainNameV2"):
        yield from _rest_domain(app, index, domain)
    for domain in index.of_type("AWS::ApiGatewayV2::DomainName"):
        yield from _v2_domain(index, domain)
    yield from _sam_domains(app, index)  # `AWS::Serverless::*` `Domain` and `Globals`
    if isinstance(app.template, YMap):  # serverless-domain-manager's `custom` blocks
        yield from _serverless_domains(app.template, app.origin)


def _is_weak(index: ResourceIndex, value: object) -> bool:
    resolved = index.resolve(value)
    return isinstance(resolved, str) and resolved.strip().upper() == _WEAK


def _rest_domain(app: Application, index: ResourceIndex, domain: Resource) -> Iterator[Violation]:
    properties = domain.properties
    name = _display(domain.logical_id, properties.get("DomainName"))
    if "SecurityPolicy" in properties:
        if _is_weak(index, properties["SecurityPolicy"]):
            yield _weak(domain.origin_of("SecurityPolicy"), name)
        return
    if domain.type.endswith("V2") or _private(properties.get("EndpointConfiguration")):
        return  # Private custom domains only accept TLS 1.2.
    yield Violation(
        domain.origin,
        f"custom domain {name} sets no SecurityPolicy, so API Gateway applies TLS_1_0: {_WHY}",
        intents=(_tls_1_2(resource_target(app, domain.logical_id, domain.origin)),),
        subject=name,
    )


def _display(logical_id: str, domain_name: Any) -> str:
    """`api.example.com` when the name is literal, else `` `!Ref Name` (ApiDomain) ``."""
    if isinstance(domain_name, str) and "${" not in domain_name:
        return domain_name
    written = render(domain_name)
    return f"`{written}` ({logical_id})" if written else logical_id


def _private(endpoint: Any) -> bool:
    types = endpoint.get("Types") if isinstance(endpoint, YMap) else endpoint
    items = types if isinstance(types, list) else [types]
    return any(render(item).strip().upper() == "PRIVATE" for item in items)


def _v2_domain(index: ResourceIndex, domain: Resource) -> Iterator[Violation]:
    configurations = domain.properties.get("DomainNameConfigurations")
    if not isinstance(configurations, YList):
        return
    name = _display(domain.logical_id, domain.properties.get("DomainName"))
    where = domain.origin_of("DomainNameConfigurations")
    for position, configuration in enumerate(configurations):
        if isinstance(configuration, YMap) and _is_weak(index, configuration.get("SecurityPolicy")):
            origin = child_origin(configurations, position, where)
            at = child_origin(configuration, "SecurityPolicy", origin)
            yield _weak(at, name, variant="domain-configuration")


def _weak(
    origin: Origin,
    name: str,
    syntax: str = "SecurityPolicy: TLS_1_0",
    variant: str = "domain",
) -> Violation:
    """A policy written TLS_1_0: changed in place, in the mapping that holds it."""
    holder = Origin(origin.file, origin.path[:-1], origin.line, origin.column)
    return Violation(
        origin,
        f"custom domain {name} uses `{syntax}`: {_WHY}",
        intents=(_tls_1_2(Target("setting", name, holder, variant=variant)),),
        subject=name,
    )


def _tls_1_2(target: Target) -> SetSetting:
    return SetSetting(
        target, "tls-policy", "TLS_1_2", unsafe("clients limited to TLS 1.0 or 1.1 lose access")
    )


def _sam_domains(app: Application, index: ResourceIndex) -> Iterator[Violation]:
    """SAM `Domain` blocks, merged with `Globals.Api`/`Globals.HttpApi` as SAM does."""
    reported: set[Origin] = set()
    for kind, section in (("AWS::Serverless::Api", "Api"), ("AWS::Serverless::HttpApi", "HttpApi")):
        global_domain, global_origin = _globals_domain(app, section)
        for api in index.of_type(kind):
            local = api.properties.get("Domain")
            if not isinstance(local, YMap) and global_domain is None:
                continue
            for violation in _sam_domain(
                index, api, local, global_domain, global_origin, rest=section == "Api"
            ):
                if violation.origin not in reported:
                    reported.add(violation.origin)
                    yield violation


def _globals_domain(app: Application, section: str) -> tuple[YMap | None, Origin]:
    template = app.template if isinstance(app.template, YMap) else YMap()
    globals_section = template.get("Globals")
    block = globals_section.get(section) if isinstance(globals_section, YMap) else None
    domain = block.get("Domain") if isinstance(block, YMap) else None
    if not isinstance(domain, YMap) or not isinstance(globals_section, YMap):
        return None, app.origin
    origin = template.origin_of("Globals", Origin(app.file))
    origin = child_origin(globals_section, section, origin)
    return domain, child_origin(block, "Domain", origin)


def _sam_domain(
    index: ResourceIndex,
    api: Resource,
    local: Any,
    global_domain: YMap | None,
    global_origin: Origin,
    *,
    rest: bool,
) -> Iterator[Violation]:
    local_origin = api.origin_of("Domain")
    for block, origin in ((local, local_origin), (global_domain, global_origin)):
        if isinstance(block, YMap) and "SecurityPolicy" in block:
            name = _display(api.logical_id, block.get("DomainName"))
            if _is_weak(index, block["SecurityPolicy"]):
                at = child_origin(block, "SecurityPolicy", origin)
                yield _weak(at, name)
            return
    merged = local if isinstance(local, YMap) else global_domain
    if not rest or merged is None:
        return
    endpoint = (local if isinstance(local, YMap) else YMap()).get("EndpointConfiguration")
    if endpoint is None and global_domain is not None:
        endpoint = global_domain.get("EndpointConfiguration")
    if _private(endpoint):
        return
    name = _display(api.logical_id, merged.get("DomainName"))
    domain_origin = local_origin if isinstance(local, YMap) else global_origin
    yield Violation(
        domain_origin,
        f"custom domain {name} sets no SecurityPolicy, so API Gateway applies TLS_1_0: {_WHY}",
        intents=(_tls_1_2(Target("setting", name, domain_origin, variant="domain")),),
        subject=name,
    )


def _serverless_domains(config: YMap, origin: Origin) -> Iterator[Violation]:
    """serverless-domain-manager and Framework v4 domains with `securityPolicy: tls_1_0`."""
    for block, where in _domain_blocks(config, origin):
        policy = block.get("securityPolicy")
        if isinstance(policy, str) and policy.strip().upper() == _WEAK:
            name = render(block.get("domainName") or block.get("name")) or "the custom domain"
            at = child_origin(block, "securityPolicy", where)
            yield _weak(at, name, f"securityPolicy: {policy}")


def _domain_blocks(config: YMap, origin: Origin) -> Iterator[tuple[YMap, Origin]]:
    custom = config.get("custom")
    provider = config.get("provider")
    owners: list[tuple[YMap, Origin, tuple[str, ...]]] = [(config, origin, ("domain", "domains"))]
    if isinstance(custom, YMap):
        custom_origin = child_origin(config, "custom", origin)
        owners.append((custom, custom_origin, ("customDomain", "customDomains")))
    if isinstance(provider, YMap):
        owners.append((provider, child_origin(config, "provider", origin), ("domain", "domains")))
    for owner, owner_origin, keys in owners:
        for key in keys:
            if key in owner:
                yield from _blocks(owner[key], child_origin(owner, key, owner_origin))


def _blocks(value: Any, origin: Origin) -> Iterator[tuple[YMap, Origin]]:
    """A domain block, a list of them, or `{rest|http|websocket: block}` wrappers."""
    if isinstance(value, YList):
        for position, item in enumerate(value):
            yield from _blocks(item, child_origin(value, position, origin))
    elif isinstance(value, YMap):
        if "securityPolicy" in value:
            yield value, origin
        for key in ("rest", "http", "websocket"):
            if isinstance(value.get(key), YMap):
                yield value[key], child_origin(value, key, origin)
