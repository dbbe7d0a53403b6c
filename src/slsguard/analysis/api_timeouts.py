"""How long the API in front of a function waits for it, per kind of API and syntax.

API Gateway REST APIs wait 29 s unless an integration's `TimeoutInMillis` (or the Serverless
`timeout` of an `http` event) raises it, which only Regional and private APIs allow; HTTP
APIs wait at most 30 s; WebSocket APIs 29 s; an Application Load Balancer waits its idle
timeout (60 s unless `idle_timeout.timeout_seconds` is set); function URLs wait for the
function's own timeout.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from slsguard.analysis.templates import (
    logical_id_of,
    mentions,
    resource,
    resources_of_type,
)
from slsguard.findings import Origin
from slsguard.loading.yaml import YList, YMap
from slsguard.model import Application, Dialect, Function, render

REST_SECONDS = 29.0
HTTP_API_SECONDS = 30.0
WEBSOCKET_SECONDS = 29.0
ALB_DEFAULT_SECONDS = 60.0


@dataclass(frozen=True, slots=True)
class ApiLimit:
    """An API that invokes a function and how many seconds it waits for the response."""

    kind: str
    seconds: float
    origin: Origin


def api_limits(app: Application, fn: Function, syntax: Dialect) -> list[ApiLimit]:
    """Every API in front of the function with the time it waits."""
    limits: list[ApiLimit] = []
    for trigger in fn.triggers:
        limit = (
            _serverless_limit(app, trigger.kind, trigger.settings, trigger.origin)
            if syntax == "serverless"
            else _sam_limit(app, trigger.kind, trigger.settings, trigger.origin)
        )
        if limit is not None and syntax != "cloudformation":
            limits.append(limit)
    if fn.logical_id is not None:
        limits.extend(_resource_limits(app, fn.logical_id))
    return limits


def _serverless_limit(
    app: Application, kind: str, settings: Any, origin: Origin
) -> ApiLimit | None:
    if kind == "http":
        if is_async_http(settings):
            return None  # API Gateway answers at once and invokes the function asynchronously.
        seconds = REST_SECONDS
        custom = _number(settings.get("timeout")) if isinstance(settings, YMap) else None
        if custom is not None and (custom < REST_SECONDS or _serverless_regional(app)):
            seconds = custom
        return ApiLimit("API Gateway REST API", seconds, origin)
    if kind == "httpApi":
        return ApiLimit("API Gateway HTTP API", HTTP_API_SECONDS, origin)
    if kind == "websocket":
        return ApiLimit("API Gateway WebSocket API", WEBSOCKET_SECONDS, origin)
    if kind == "alb":
        return ApiLimit("Application Load Balancer", alb_idle_timeout(app), origin)
    return None


def is_async_http(settings: Any) -> bool:
    """A Serverless `http` event with `async: true` (an asynchronous invocation)."""
    return isinstance(settings, YMap) and settings.get("async") is True


_INVOCATION_TYPE = "integration.request.header.x-amz-invocation-type"


def is_async_integration(integration: YMap) -> bool:
    """A REST integration that asks Lambda for an asynchronous invocation.

    `RequestParameters: {integration.request.header.X-Amz-Invocation-Type: "'Event'"}`.
    """
    parameters = integration.get("RequestParameters")
    if not isinstance(parameters, YMap):
        return False
    for key, value in parameters.items():
        if str(key).lower() == _INVOCATION_TYPE and render(value).strip("'\" ") == "Event":
            return True
    return False


def _serverless_regional(app: Application) -> bool:
    provider = app.template.get("provider") if isinstance(app.template, YMap) else None
    endpoint = provider.get("endpointType") if isinstance(provider, YMap) else None
    return render(endpoint).upper() in ("REGIONAL", "PRIVATE")


def _sam_limit(app: Application, kind: str, settings: Any, origin: Origin) -> ApiLimit | None:
    properties = settings.get("Properties") if isinstance(settings, YMap) else None
    properties = properties if isinstance(properties, YMap) else YMap()
    custom = _millis(properties.get("TimeoutInMillis"))
    if kind == "http":
        seconds = REST_SECONDS
        if custom is not None and (custom < REST_SECONDS or _sam_regional(app, properties)):
            seconds = custom
        return ApiLimit("API Gateway REST API", seconds, origin)
    if kind == "httpApi":
        seconds = min(custom, HTTP_API_SECONDS) if custom is not None else HTTP_API_SECONDS
        return ApiLimit("API Gateway HTTP API", seconds, origin)
    return None


def _sam_regional(app: Application, properties: YMap) -> bool:
    api = resource(app, logical_id_of(properties.get("RestApiId")))
    config = api.properties.get("EndpointConfiguration") if api is not None else None
    if config is None:  # Implicit APIs, and APIs without it, take `Globals.Api`'s.
        config = _get(_get(_get(app.template, "Globals"), "Api"), "EndpointConfiguration")
    kind = config.get("Type") if isinstance(config, YMap) else config
    return render(kind).upper() in ("REGIONAL", "PRIVATE")


def _get(value: Any, key: str) -> Any:
    return value.get(key) if isinstance(value, YMap) else None


def _resource_limits(app: Application, logical_id: str) -> Iterator[ApiLimit]:
    """APIs written as CloudFormation resources whose integration invokes the function."""
    for method in resources_of_type(app, "AWS::ApiGateway::Method"):
        integration = method.properties.get("Integration")
        if isinstance(integration, YMap) and mentions(integration.get("Uri"), logical_id):
            if is_async_integration(integration):
                continue  # API Gateway answers at once and invokes the function asynchronously.
            custom = _millis(integration.get("TimeoutInMillis"))
            yield ApiLimit("API Gateway REST API", custom or REST_SECONDS, method.origin)
    for integration in resources_of_type(app, "AWS::ApiGatewayV2::Integration"):
        properties = integration.properties
        if not mentions(properties.get("IntegrationUri"), logical_id):
            continue
        api = resource(app, logical_id_of(properties.get("ApiId")))
        protocol = render(api.properties.get("ProtocolType")) if api is not None else "HTTP"
        custom = _millis(properties.get("TimeoutInMillis"))
        if protocol.upper() == "WEBSOCKET":
            yield ApiLimit(
                "API Gateway WebSocket API", custom or WEBSOCKET_SECONDS, integration.origin
            )
        else:
            seconds = min(custom or HTTP_API_SECONDS, HTTP_API_SECONDS)
            yield ApiLimit("API Gateway HTTP API", seconds, integration.origin)
    for group in resources_of_type(app, "AWS::ElasticLoadBalancingV2::TargetGroup"):
        targets = group.properties.get("Targets")
        if render(group.properties.get("TargetType")).lower() == "lambda" and mentions(
            targets, logical_id
        ):
            yield ApiLimit("Application Load Balancer", alb_idle_timeout(app), group.origin)


def alb_idle_timeout(app: Application) -> float:
    """The longest idle timeout of the template's load balancers (60 s when unset)."""
    found = [ALB_DEFAULT_SECONDS]
    for balancer in resources_of_type(app, "AWS::ElasticLoadBalancingV2::LoadBalancer"):
        attributes = balancer.properties.get("LoadBalancerAttributes")
        for attribute in attributes if isinstance(attributes, YList) else []:
            if (
                isinstance(attribute, YMap)
                and attribute.get("Key") == "idle_timeout.timeout_seconds"
            ):
                seconds = _number(attribute.get("Value"))
                if seconds is not None:
                    found.append(seconds)
    return max(found)


def _number(value: Any) -> float | None:
    """A finite number (`1e999999` and `nan` are not limits anyone can rely on)."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        number = float(value.strip() if isinstance(value, str) else value)
    except (ValueError, OverflowError):
        return None
    return number if math.isfinite(number) else None


def _millis(value: Any) -> float | None:
    number = _number(value)
    return None if number is None else number / 1000
