"""Pieces of the HTTP exposure model that several syntaxes build alike: authorizer types,
AppSync authentication modes, load balancer schemes."""

from __future__ import annotations

from slsguard.analysis._http_model import (
    Auth,
    AuthKind,
    Build,
    Cors,
    Endpoint,
    Network,
    Validation,
    child,
    is_true,
    mapping,
    origins_of,
    upper,
)
from slsguard.findings import Origin
from slsguard.loading.yaml import YMap
from slsguard.model import Dialect, render

_AUTHORIZER_KINDS: dict[str, AuthKind] = {
    "COGNITO_USER_POOLS": "cognito",
    "TOKEN": "lambda",
    "REQUEST": "lambda",
    "CUSTOM": "lambda",
    "JWT": "jwt",
    "AWS_IAM": "iam",
}
_APPSYNC_KINDS: dict[str, AuthKind] = {
    "API_KEY": "api-key-only",
    "AWS_IAM": "iam",
    "AMAZON_COGNITO_USER_POOLS": "cognito",
    "OPENID_CONNECT": "oidc",
    "AWS_LAMBDA": "lambda",
}


def authorizer_kind(type_name: str) -> AuthKind:
    """The kind of an API Gateway authorizer type (`COGNITO_USER_POOLS`, `TOKEN`, `JWT`, ...)."""
    return _AUTHORIZER_KINDS.get(type_name.strip().upper(), "authorizer")


def appsync_endpoint(
    mode: object, additional: int, api: str, origin: Origin, syntax: Dialect
) -> Endpoint:
    """A GraphQL API: its default authentication mode decides, unless others are added."""
    name = upper(mode)
    kind: AuthKind = _APPSYNC_KINDS.get(name, "unknown")
    detail = "" if name else f"authentication mode {render(mode)} is not resolved"
    if kind == "api-key-only" and additional:
        # Schema directives decide which fields take the other modes: not analysed.
        kind, detail = "unknown", "API_KEY with other authentication modes"
    return Endpoint(
        kind="appsync",
        function=None,
        method="POST",
        path="/graphql",
        api=api,
        auth=Auth(kind, name or None, origin, detail=detail),
        api_key_required=name == "API_KEY",
        validation=Validation("impossible", "GraphQL requests are checked against the schema"),
        cors=None,
        origin=origin,
        syntax=syntax,
    )


def listener_network(build: Build, listener_arn: object) -> tuple[Network, str]:
    """Whether the load balancer behind a listener is internal (not reachable from outside)."""
    listener = build.resource(listener_arn, "AWS::ElasticLoadBalancingV2::Listener")
    if listener is None:
        return "unknown", (
            f"the listener {render(listener_arn) or '(not set)'} is defined outside the scanned "
            "files, so whether its load balancer faces the internet is unknown"
        )
    balancer = build.resource(
        listener.properties.get("LoadBalancerArn"), "AWS::ElasticLoadBalancingV2::LoadBalancer"
    )
    if balancer is None:
        return "unknown", (
            f"the load balancer of listener {listener.logical_id} is defined outside the "
            "scanned files, so whether it faces the internet is unknown"
        )
    if upper(balancer.properties.get("Scheme")) == "INTERNAL":
        return "private", f"load balancer {balancer.logical_id} is internal"
    return "internet", ""


def url_endpoint(
    build: Build,
    function: str | None,
    target: str,
    properties: YMap,
    origins: tuple[Origin, Origin],
    syntax: Dialect,
) -> Endpoint:
    """A function URL from `FunctionUrlConfig` or `AWS::Lambda::Url` properties.

    `origins`: where the properties are written, and where the URL is declared.
    """
    properties_origin, origin = origins
    auth_type = build.index.resolve(properties.get("AuthType"))
    where = child(properties, "AuthType", properties_origin)
    name = upper(auth_type)
    if name == "AWS_IAM":
        auth = Auth("iam", "AWS_IAM", where)
    elif name == "NONE":
        auth = Auth("none", origin=where)
    else:
        auth = Auth("unknown", origin=where, detail=f"AuthType {render(auth_type)} is not resolved")
    cors = properties.get("Cors")
    return Endpoint(
        kind="url",
        function=function,
        method="ANY",
        path="/",
        api=f"{target} function URL",
        auth=auth,
        api_key_required=False,
        validation=Validation("impossible", "function URLs do not validate request bodies"),
        cors=Cors(
            origins_of(mapping(cors).get("AllowOrigins")),
            is_true(mapping(cors).get("AllowCredentials")),
            child(properties, "Cors", properties_origin),
        )
        if isinstance(cors, YMap)
        else None,
        origin=origin,
        syntax=syntax,
    )
