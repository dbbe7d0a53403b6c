"""Every API of an application, its stages and how each stage is operated.

`apis(app)` finds the REST, HTTP and WebSocket APIs in every syntax (`api_readers`), then
attaches what other resources of the template say about them: WAF web ACL associations
whose `ResourceArn` resolves to a stage (`!Sub arn:aws:apigateway:${AWS::Region}::/restapis/
${Api}/stages/${Stage}`, `!Join`, parameters with defaults), usage plans with a throttle,
custom domains mapped to them, and CloudFront distributions in front of them (whose web ACL
then protects every stage). `load_balancers(app)` does the same for application load
balancers that route to functions. Results are computed once per application.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, replace
from typing import Any, TypeVar

from slsguard.analysis.api_model import (
    IMPLICIT,
    Api,
    ApiKind,
    CustomDomain,
    Distribution,
    LoadBalancer,
    Setting,
    Stage,
)
from slsguard.analysis.api_readers import SLS_IDS, read_apis
from slsguard.analysis.intrinsics import (
    UNKNOWN,
    Piece,
    Ref,
    match_pieces,
    parameters,
    pieces,
    referenced_ids,
    resources_of,
    text_of,
)
from slsguard.loading.policies import child_origin
from slsguard.loading.yaml import YList, YMap
from slsguard.model import Application, render
from slsguard.tf_address import terraform_address

__all__ = [
    "IMPLICIT",
    "SLS_IDS",
    "Api",
    "ApiKind",
    "CustomDomain",
    "Distribution",
    "LoadBalancer",
    "Setting",
    "Stage",
    "apis",
    "distributions",
    "load_balancers",
]

_STAGE_ARN = re.compile(r"/restapis/([^/]+)/stages/([^/]+)")
_ASSOCIATIONS = ("AWS::WAFv2::WebACLAssociation", "AWS::WAFRegional::WebACLAssociation")
_CACHE_SIZE = 8

T = TypeVar("T")
_cache: dict[tuple[str, int], tuple[Application, Any]] = {}


def _cached(name: str, app: Application, build: Callable[[Application], T]) -> T:
    """`build(app)`, computed once per application object.

    Applications hold unhashable values, so entries are keyed by identity; each entry keeps
    its application alive, so an id is never reused while cached. Rules visit one
    application at a time: a few entries are enough, and memory stays bounded.
    """
    key = (name, id(app))
    entry = _cache.get(key)
    if entry is not None and entry[0] is app:
        result: T = entry[1]
        return result
    value = build(app)
    if len(_cache) >= _CACHE_SIZE:
        _cache.clear()
    _cache[key] = (app, value)
    return value


def apis(app: Application) -> tuple[Api, ...]:
    """Every API of the application with its stages and their settings."""
    return _cached("apis", app, _build_apis)


def distributions(app: Application) -> tuple[Distribution, ...]:
    """The CloudFront distributions of the application, with their web ACL and targets."""
    return _cached("distributions", app, _build_distributions)


def load_balancers(app: Application) -> tuple[LoadBalancer, ...]:
    """Application load balancers that route to functions of the application."""
    return _cached("load_balancers", app, _build_load_balancers)


# -- APIs -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Attachment:
    """Something that applies to a stage named by an API and a stage reference."""

    api: Piece
    stage: Piece
    setting: Setting


@dataclass(frozen=True, slots=True)
class _Template:
    """What the rest of the template attaches to APIs."""

    unknown: frozenset[str]
    """Parameters without a default: a stage named by one may be any stage."""
    web_acls: tuple[_Attachment, ...]
    usage_plans: tuple[_Attachment, ...]
    domains: Mapping[str, tuple[CustomDomain, ...]]
    fronts: tuple[Distribution, ...]


def _build_apis(app: Application) -> tuple[Api, ...]:
    defaults = parameters(app)
    template = _Template(
        frozenset(name for name, value in defaults.items() if value is None),
        tuple(_web_acl_associations(app, defaults)),
        (*_usage_plans(app, defaults), *_rate_based_rules(app, defaults)),
        _mapped_domains(app, defaults),
        distributions(app),
    )
    return tuple(_addressed(app, _attach(api, template)) for api in read_apis(app, defaults))


def _addressed(app: Application, api: Api) -> Api:
    """The API with the Terraform addresses of it and its stages, for a Terraform app."""
    if app.kind != "terraform":
        return api
    stages = tuple(
        replace(stage, address=terraform_address(app, stage.logical_id))
        if stage.logical_id
        else stage
        for stage in api.stages
    )
    return replace(api, stages=stages, address=terraform_address(app, api.logical_id))


def _attach(api: Api, template: _Template) -> Api:
    domains = (*api.domains, *template.domains.get(api.resource_id, ()))
    targets = {api.resource_id} | {domain.logical_id for domain in domains if domain.logical_id}
    fronted = tuple(front for front in template.fronts if front.targets & targets)
    stages = tuple(_attach_stage(api, stage, template, fronted) for stage in api.stages)
    return replace(api, stages=stages, domains=domains, fronted_by=fronted)


def _attach_stage(
    api: Api, stage: Stage, template: _Template, fronted: tuple[Distribution, ...]
) -> Stage:
    waf = stage.waf or _matching(api, stage, template.web_acls, template.unknown)
    for front in fronted:
        if waf is None and front.web_acl is not None:
            text = f"web ACL on CloudFront distribution {front.logical_id}"
            waf = Setting(text, front.web_acl.origin)
    throttling = stage.throttling or _matching(api, stage, template.usage_plans, template.unknown)
    return replace(stage, waf=waf, throttling=throttling)


def _matching(
    api: Api, stage: Stage, attachments: tuple[_Attachment, ...], unknown: frozenset[str]
) -> Setting | None:
    for attachment in attachments:
        if _is_api(api, attachment.api) and _is_stage(api, stage, attachment.stage, unknown):
            return attachment.setting
    return None


def _is_api(api: Api, piece: Piece) -> bool:
    return (
        isinstance(piece, Ref)
        and piece.target == api.resource_id
        and piece.attribute
        in (
            "",
            "RestApiId",
            "ApiId",
        )
    )


def _is_stage(api: Api, stage: Stage, piece: Piece, unknown: frozenset[str]) -> bool:
    """Whether a stage reference (a name, `!Ref Stage`, SAM's `MyApi.Stage`) means `stage`."""
    if piece == UNKNOWN:
        return True
    if isinstance(piece, str):
        return piece == stage.name or "${" in stage.name  # An unresolved name may be it.
    if piece.target in unknown or piece.target == stage.logical_id:
        return True
    return piece.target == api.resource_id and piece.attribute == "Stage"


def _web_acl_associations(app: Application, defaults: Mapping[str, Any]) -> Iterator[_Attachment]:
    for logical_id, properties, where in resources_of(app, *_ASSOCIATIONS):
        found = match_pieces(properties.get("ResourceArn"), _STAGE_ARN, defaults)
        if found is None:
            continue
        acl = properties.get("WebACLArn", properties.get("WebACLId"))
        text = f"web ACL {render(acl) or '?'} (associated by {logical_id})"
        yield _Attachment(found[0], found[1], Setting(text, where))


def _rate_based_rules(app: Application, defaults: Mapping[str, Any]) -> Iterator[_Attachment]:
    """Stages whose web ACL has a rate-based rule: the WAF throttles each client address."""
    limited = {
        logical_id
        for logical_id, properties, _ in resources_of(app, "AWS::WAFv2::WebACL")
        if "RateBasedStatement" in _keys(properties.get("Rules"))
    }
    for logical_id, properties, where in resources_of(app, *_ASSOCIATIONS):
        acl = properties.get("WebACLArn", properties.get("WebACLId"))
        rated = [name for name in referenced_ids(acl) if name in limited]
        found = match_pieces(properties.get("ResourceArn"), _STAGE_ARN, defaults)
        if rated and found is not None:
            text = f"rate-based rule of web ACL {rated[0]} (associated by {logical_id})"
            yield _Attachment(found[0], found[1], Setting(text, where))


def _keys(value: Any, depth: int = 0) -> set[str]:
    """Every mapping key in a nested value (bounded depth)."""
    if depth > 12:
        return set()
    if isinstance(value, dict):
        found = {str(key) for key in value}
        for item in value.values():
            found |= _keys(item, depth + 1)
        return found
    if isinstance(value, list):
        return {key for item in value for key in _keys(item, depth + 1)}
    return set()


def _usage_plans(app: Application, defaults: Mapping[str, Any]) -> Iterator[_Attachment]:
    for logical_id, properties, where in resources_of(app, "AWS::ApiGateway::UsagePlan"):
        stages = properties.get("ApiStages")
        if not isinstance(stages, YList):
            continue
        stages_origin = child_origin(properties, "ApiStages", where)
        for index, item in enumerate(stages):
            if not isinstance(item, YMap):
                continue
            item_origin = child_origin(stages, index, stages_origin)
            if "Throttle" in item:
                throttle_origin = item.origin_of("Throttle", item_origin)
            elif "Throttle" in properties:
                throttle_origin = properties.origin_of("Throttle", where)
            else:
                continue
            setting = Setting(f"usage plan {logical_id} throttle", throttle_origin)
            yield _Attachment(
                _single(item.get("ApiId"), defaults), _single(item.get("Stage"), defaults), setting
            )


def _single(value: Any, defaults: Mapping[str, Any]) -> Piece:
    found = pieces(value, defaults)
    return found[0] if len(found) == 1 else UNKNOWN


def _mapped_domains(
    app: Application, defaults: Mapping[str, Any]
) -> dict[str, tuple[CustomDomain, ...]]:
    """API logical id → custom domains mapped to it (base path mappings, API mappings)."""
    declared = dict(_domain_resources(app, defaults))
    found: dict[str, list[CustomDomain]] = {}
    mappings = (
        ("AWS::ApiGateway::BasePathMapping", "RestApiId"),
        ("AWS::ApiGatewayV2::ApiMapping", "ApiId"),
    )
    for resource_type, api_key in mappings:
        for _id, properties, where in resources_of(app, resource_type):
            domain = _mapped_domain(properties.get("DomainName"), where, declared, defaults)
            for api_id in referenced_ids(properties.get(api_key)):
                if domain is not None and domain not in found.setdefault(api_id, []):
                    found[api_id].append(domain)
    return {api_id: tuple(domains) for api_id, domains in found.items()}


def _mapped_domain(
    value: Any, where: Any, declared: dict[str, CustomDomain], defaults: Mapping[str, Any]
) -> CustomDomain | None:
    for logical in referenced_ids(value):
        if logical in declared:
            return declared[logical]
    text = text_of(value, defaults)
    if text is None:
        return None
    same = [domain for domain in declared.values() if domain.name == text]
    return same[0] if same else CustomDomain(text, where)


def _domain_resources(
    app: Application, defaults: Mapping[str, Any]
) -> Iterator[tuple[str, CustomDomain]]:
    for logical_id, properties, where in resources_of(app, "AWS::ApiGateway::DomainName"):
        policy = properties.get("SecurityPolicy")
        name = _domain_name(properties.get("DomainName"), defaults)
        yield logical_id, CustomDomain(name, where, _text(policy), logical_id)
    for logical_id, properties, where in resources_of(app, "AWS::ApiGatewayV2::DomainName"):
        configurations = properties.get("DomainNameConfigurations")
        first = configurations[0] if isinstance(configurations, YList) and configurations else None
        policy = first.get("SecurityPolicy") if isinstance(first, YMap) else None
        name = _domain_name(properties.get("DomainName"), defaults)
        yield logical_id, CustomDomain(name, where, _text(policy), logical_id)


def _domain_name(value: Any, defaults: Mapping[str, Any]) -> str:
    return text_of(value, defaults) or render(value)


def _text(value: Any) -> str | None:
    return None if value is None else render(value)


# -- CloudFront and load balancers ----------------------------------------------------------


def _build_distributions(app: Application) -> tuple[Distribution, ...]:
    found = []
    for logical_id, properties, where in resources_of(app, "AWS::CloudFront::Distribution"):
        config = properties.get("DistributionConfig")
        if not isinstance(config, YMap):
            continue
        config_origin = properties.origin_of("DistributionConfig", where)
        acl = config.get("WebACLId")
        web_acl = None
        if acl not in (None, ""):
            web_acl = Setting(render(acl), config.origin_of("WebACLId", config_origin))
        targets = frozenset(referenced_ids(config.get("Origins")))
        found.append(Distribution(logical_id, where, web_acl, targets))
    return tuple(found)


_LB = "AWS::ElasticLoadBalancingV2::"


def _build_load_balancers(app: Application) -> tuple[LoadBalancer, ...]:
    routes = _lambda_routes(app)
    protected = {
        target: (logical_id, where)
        for logical_id, properties, where in resources_of(app, *_ASSOCIATIONS)
        for target in referenced_ids(properties.get("ResourceArn"))
    }
    found = []
    for logical_id, properties, where in resources_of(app, _LB + "LoadBalancer"):
        if render(properties.get("Type") or "application").lower() != "application":
            continue  # Network and gateway load balancers cannot take a web ACL.
        functions = routes.get(logical_id)
        if not functions:
            continue
        public = render(properties.get("Scheme")).lower() != "internal"
        waf = None
        if logical_id in protected:
            association, association_origin = protected[logical_id]
            waf = Setting(f"web ACL associated by {association}", association_origin)
        found.append(LoadBalancer(logical_id, where, public, tuple(functions), waf))
    return tuple(found)


def _lambda_routes(app: Application) -> dict[str, list[str]]:
    """Load balancer logical id → functions its listeners route to."""
    names = {fn.logical_id: fn.name for fn in app.functions if fn.logical_id}
    groups: dict[str, list[str]] = {}
    for logical_id, properties, _where in resources_of(app, _LB + "TargetGroup"):
        if render(properties.get("TargetType")).lower() == "lambda":
            targets = referenced_ids(properties.get("Targets"))
            groups[logical_id] = [names[target] for target in sorted(targets) if target in names]
    listeners: dict[str, set[str]] = {}  # listener → load balancers
    routed: dict[str, list[str]] = {}  # listener → functions
    for logical_id, properties, _where in resources_of(app, _LB + "Listener"):
        listeners[logical_id] = referenced_ids(properties.get("LoadBalancerArn"))
        _route(routed, logical_id, referenced_ids(properties.get("DefaultActions")), groups)
    for _id, properties, _where in resources_of(app, _LB + "ListenerRule"):
        for listener in referenced_ids(properties.get("ListenerArn")):
            _route(routed, listener, referenced_ids(properties.get("Actions")), groups)
    for fn in app.functions:
        for trigger in fn.triggers:
            if trigger.kind == "alb" and isinstance(trigger.settings, YMap):
                for listener in referenced_ids(trigger.settings.get("listenerArn")):
                    routed.setdefault(listener, []).append(fn.name)
    result: dict[str, list[str]] = {}
    for listener, functions in routed.items():
        for balancer in listeners.get(listener, ()):
            names_so_far = result.setdefault(balancer, [])
            names_so_far += [name for name in dict.fromkeys(functions) if name not in names_so_far]
    return result


def _route(
    routed: dict[str, list[str]], listener: str, targets: set[str], groups: dict[str, list[str]]
) -> None:
    for group in sorted(targets):
        routed.setdefault(listener, []).extend(groups.get(group, ()))
