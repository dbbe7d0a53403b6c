"""The HTTP exposure model: every HTTP entry point of an application and what guards it.

`endpoints(app)` lists each REST method, HTTP API route, WebSocket route, function URL,
load balancer rule and AppSync API, whichever syntax declares it (Serverless events, SAM
events and APIs, CloudFormation resources, OpenAPI definitions), with the function it runs,
its authentication, API key, body validation, CORS and network reachability, and the exact
place that declares it. What cannot be resolved is `unknown`, never assumed public.
The result is computed once per application and shared by every rule that asks.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import replace
from pathlib import Path

from slsguard.analysis._http_cfn import CloudFormationEndpoints
from slsguard.analysis._http_model import (
    AUTHENTICATED,
    Auth,
    AuthKind,
    Build,
    Cors,
    Endpoint,
    EndpointKind,
    Network,
    Validation,
    ValidationState,
)
from slsguard.analysis._http_sam import SamEndpoints
from slsguard.analysis._http_sls import ServerlessEndpoints
from slsguard.analysis.resources import ResourceIndex
from slsguard.model import Application
from slsguard.tf_address import resource_name

__all__ = [
    "AUTHENTICATED",
    "Auth",
    "AuthKind",
    "Cors",
    "Endpoint",
    "EndpointKind",
    "Network",
    "Validation",
    "ValidationState",
    "describe",
    "endpoints",
    "endpoints_of",
]

_CACHE_SIZE = 16
_ByFunction = dict[str | None, tuple[Endpoint, ...]]
# Keyed by id(): an Application holds unhashable YAML maps and cannot be weakly referenced
# (slotted). The entry keeps the application alive, so its id cannot be reused meanwhile.
_cache: OrderedDict[int, tuple[Application, tuple[Endpoint, ...], _ByFunction]] = OrderedDict()


def endpoints(app: Application) -> tuple[Endpoint, ...]:
    """Every HTTP entry point of `app` (computed once per application object)."""
    return _cached(app)[1]


def endpoints_of(app: Application, function: str) -> tuple[Endpoint, ...]:
    """The HTTP entry points of `app` that run `function` (indexed once, so that asking for
    each of N functions costs N lookups, not N passes over every endpoint)."""
    return _cached(app)[2].get(function, ())


def _cached(app: Application) -> tuple[Application, tuple[Endpoint, ...], _ByFunction]:
    key = id(app)
    cached = _cache.get(key)
    if cached is not None and cached[0] is app:
        _cache.move_to_end(key)
        return cached
    found = _compute(app)
    by_function: dict[str | None, list[Endpoint]] = {}
    for endpoint in found:
        by_function.setdefault(endpoint.function, []).append(endpoint)
    entry = (app, found, {name: tuple(group) for name, group in by_function.items()})
    _cache[key] = entry
    while len(_cache) > _CACHE_SIZE:
        _cache.popitem(last=False)
    return entry


def describe(app: Application, endpoint: Endpoint) -> str:
    """`orders-api › createOrder › POST /orders`: the app, the function (or API), the route."""
    subject = endpoint.function or resource_name(app, endpoint.api)
    return f"{app.name} › {subject} › {endpoint.route}"


def _compute(app: Application) -> tuple[Endpoint, ...]:
    build = _build(app)
    found = CloudFormationEndpoints(build).endpoints()
    if app.kind == "serverless":
        found = ServerlessEndpoints(build).endpoints() + found
    elif app.kind == "sam":
        found = SamEndpoints(build).endpoints() + found
    return tuple(_websocket_auth(found))


def _build(app: Application) -> Build:
    build = Build(app, ResourceIndex(app))
    build.functions = {fn.logical_id: fn.name for fn in app.functions if fn.logical_id}
    if app.scan_root:
        build.scan_root = Path(app.scan_root).resolve()
        build.base_dir = (app.names_folder() / app.file).resolve().parent
    return build


def _websocket_auth(found: list[Endpoint]) -> list[Endpoint]:
    """WebSocket routes are checked once, when the connection opens: at `$connect`."""
    connect: dict[str, Endpoint] = {}
    for endpoint in found:
        if endpoint.kind == "websocket" and endpoint.path == "$connect":
            connect.setdefault(endpoint.api, endpoint)
    result = []
    for endpoint in found:
        if endpoint.kind == "websocket" and endpoint.path != "$connect":
            opener = connect.get(endpoint.api)
            if opener is None:
                auth = Auth("none", detail="the API has no $connect route, so anyone can connect")
            else:
                auth = replace(opener.auth, inherited=True, detail="checked at $connect")
            endpoint = replace(endpoint, auth=auth)
        result.append(endpoint)
    return result
