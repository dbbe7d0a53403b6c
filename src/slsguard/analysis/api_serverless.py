"""The Serverless Framework's APIs: the implicit REST API of `http` events, HTTP API of
`httpApi` events and WebSocket API of `websocket` events.

Configured under `provider:` (`logs`, `tracing`, `apiGateway`, `httpApi`, `endpointType`),
by plugins under `custom:` (listed in `plugins:`), and on the generated stages through
`resources.extensions`. An API the service only attaches to (`restApiId`, `httpApi.id`,
`websocketApiId`) is configured elsewhere and not read.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from slsguard.analysis import api_settings as read
from slsguard.analysis.api_model import IMPLICIT, Api, ApiKind, CustomDomain, Setting, Stage
from slsguard.analysis.api_settings import Layered
from slsguard.findings import Origin
from slsguard.loading.policies import child_origin
from slsguard.loading.serverless import plugin_names
from slsguard.loading.yaml import YList, YMap
from slsguard.model import Application, render

SLS_IDS: dict[ApiKind, tuple[str, str]] = {
    "rest": ("ApiGatewayRestApi", "ApiGatewayStage"),
    "http": ("HttpApi", "HttpApiStage"),
    "websocket": ("WebsocketsApi", "WebsocketsDeploymentStage"),
}
"""The logical ids the Serverless Framework gives the API and the stage it generates."""
_SLS_EVENTS: dict[str, ApiKind] = {"http": "rest", "httpApi": "http", "websocket": "websocket"}


def _mapping(value: Any) -> YMap:
    return value if isinstance(value, YMap) else YMap()


@dataclass(frozen=True, slots=True)
class _Service:
    """The parts of a Serverless config that configure its APIs."""

    config: YMap
    provider: YMap
    origin: Origin
    """`provider:` (the application when it is missing)."""
    plugins: frozenset[str]
    custom: YMap
    custom_origin: Origin

    @classmethod
    def of(cls, app: Application, config: YMap) -> _Service:
        """The service of a Serverless application."""
        provider_origin = child_origin(config, "provider", app.origin)
        if "provider" not in config:
            provider_origin = app.origin
        return cls(
            config,
            _mapping(config.get("provider")),
            provider_origin,
            plugin_names(config),
            _mapping(config.get("custom")),
            child_origin(config, "custom", app.origin),
        )

    def section(self, key: str) -> tuple[YMap, Origin]:
        """A mapping under `provider:` and its origin (empty when absent)."""
        return _mapping(self.provider.get(key)), child_origin(self.provider, key, self.origin)

    def plugin_setting(self, plugin: str, key: str) -> tuple[Any, Origin] | None:
        """`custom.<key>` when `plugin` is listed in `plugins:`."""
        if plugin not in self.plugins or key not in self.custom:
            return None
        return self.custom[key], child_origin(self.custom, key, self.custom_origin)


def serverless_apis(app: Application) -> list[Api]:
    """The APIs a Serverless service creates from its functions' events."""
    config = app.template
    if app.kind != "serverless" or not isinstance(config, YMap):
        return []
    service = _Service.of(app, config)
    if render(service.provider.get("name") or "aws").strip().lower() != "aws":
        return []  # Azure, Google, OpenWhisk, ... functions have no API Gateway.
    users: dict[ApiKind, list[str]] = {}
    for fn in app.functions:
        for trigger in fn.triggers:
            kind = _SLS_EVENTS.get(trigger.kind)
            if kind is not None and fn.name not in users.setdefault(kind, []):
                users[kind].append(fn.name)
    return [
        _sls_api(service, kind, tuple(names))
        for kind, names in users.items()
        if not _sls_external(service, kind)
    ]


def _sls_external(service: _Service, kind: ApiKind) -> bool:
    """An API created elsewhere (`restApiId`, `httpApi.id`, `websocketApiId`): not this stage."""
    api_gateway, _ = service.section("apiGateway")
    http_api, _ = service.section("httpApi")
    key = {"rest": "restApiId", "http": "id", "websocket": "websocketApiId"}[kind]
    return (http_api if kind == "http" else api_gateway).get(key) is not None


def _sls_api(service: _Service, kind: ApiKind, functions: tuple[str, ...]) -> Api:
    api_id, stage_id = SLS_IDS[kind]
    logs, logs_origin = service.section("logs")
    log_key = {"rest": "restApi", "http": "httpApi", "websocket": "websocket"}[kind]
    access, execution, data = read.serverless_logs(logs, log_key, logs_origin, kind)
    stage_name = render(service.provider.get("stage")) or "dev"
    stage = Stage(
        name="$default" if kind == "http" else stage_name,  # The Framework's HTTP API stage.
        origin=service.origin,
        logical_id=stage_id,
        access_logging=access,
        execution_logging=execution,
        data_trace=data,
        tracing=_sls_tracing(service) if kind == "rest" else None,
        throttling=_sls_throttling(service, kind),
        waf=_sls_waf(service) if kind == "rest" else None,
    )
    stage = _with_extension(service, stage, stage_id, kind)
    public = kind != "rest" or not _sls_private(service)
    domains = tuple(_sls_domains(service, kind))
    return Api(
        kind, IMPLICIT, service.origin, public, "serverless", api_id, (stage,), domains, functions
    )


def _sls_tracing(service: _Service) -> Setting | None:
    tracing, tracing_origin = service.section("tracing")
    if "apiGateway" not in tracing or read.truth(tracing["apiGateway"], {}) is False:
        return None
    where = child_origin(tracing, "apiGateway", tracing_origin)
    return Setting("provider.tracing.apiGateway: true", where)


def _sls_private(service: _Service) -> bool:
    api_gateway, _ = service.section("apiGateway")
    for value in (service.provider.get("endpointType"), api_gateway.get("endpointType")):
        if render(value).upper() == "PRIVATE":
            return True
    return False


def _sls_throttling(service: _Service, kind: ApiKind) -> Setting | None:
    if kind == "rest":
        plugin = service.plugin_setting("serverless-api-gateway-throttling", "apiGatewayThrottling")
        if plugin is not None:
            return Setting(
                "custom.apiGatewayThrottling (serverless-api-gateway-throttling)", plugin[1]
            )
        return _sls_usage_plan(service)
    if kind == "http":
        plugin = service.plugin_setting("serverless-apigateway-route-settings", "routeSettings")
        if plugin is not None and read.throttles(
            plugin[0], ("throttlingBurstLimit", "throttlingRateLimit")
        ):
            return Setting("custom.routeSettings (serverless-apigateway-route-settings)", plugin[1])
    return None


def _sls_usage_plan(service: _Service) -> Setting | None:
    """`provider.apiGateway.usagePlan` (or v1/v2 `provider.usagePlan`) with a `throttle`."""
    api_gateway, api_gateway_origin = service.section("apiGateway")
    for owner, owner_origin in (
        (api_gateway, api_gateway_origin),
        (service.provider, service.origin),
    ):
        if "usagePlan" not in owner:
            continue
        plan, plan_origin = owner["usagePlan"], child_origin(owner, "usagePlan", owner_origin)
        for block, block_origin in _usage_plan_blocks(plan, plan_origin):
            if "throttle" in block:
                where = child_origin(block, "throttle", block_origin)
                return Setting("usage plan throttle", where)
    return None


def _usage_plan_blocks(plan: Any, origin: Origin) -> Iterator[tuple[YMap, Origin]]:
    """`usagePlan: {throttle: ...}` or `usagePlan: [{free: {throttle: ...}}, ...]`."""
    if isinstance(plan, YMap):
        yield plan, origin
    elif isinstance(plan, YList):
        for index, item in enumerate(plan):
            item_origin = child_origin(plan, index, origin)
            for name, block in _mapping(item).items():
                if isinstance(block, YMap):
                    yield block, child_origin(item, name, item_origin)


def _sls_waf(service: _Service) -> Setting | None:
    plugin = service.plugin_setting("serverless-associate-waf", "associateWaf")
    if plugin is None or "name" not in _mapping(plugin[0]):
        return None
    name = render(plugin[0]["name"])
    return Setting(f"web ACL {name} (serverless-associate-waf)", plugin[1])


def _with_extension(service: _Service, stage: Stage, stage_id: str, kind: ApiKind) -> Stage:
    """Settings written on the generated stage through `resources.extensions.<StageId>`."""
    resources = service.config.get("resources")
    parts = resources if isinstance(resources, YList) else [resources]
    resources_origin = child_origin(service.config, "resources", Origin(service.origin.file))
    for part in parts:
        extensions = _mapping(part).get("extensions")
        if not isinstance(extensions, YMap) or stage_id not in extensions:
            continue
        extension_origin = extensions.origin_of(stage_id, resources_origin.child("extensions"))
        properties = _mapping(extensions[stage_id]).get("Properties")
        if isinstance(properties, YMap):
            where = child_origin(extensions[stage_id], "Properties", extension_origin)
            extra = read.stage(stage.name, where, stage_id, Layered.of(properties, where), kind, {})
            stage = read.overlay(stage, extra)
    return stage


def _sls_domains(service: _Service, kind: ApiKind) -> Iterator[CustomDomain]:
    """serverless-domain-manager: `custom.customDomain` or `custom.customDomains`."""
    if "serverless-domain-manager" not in service.plugins:
        return
    blocks: list[tuple[Any, Origin, str]] = []
    if "customDomain" in service.custom:
        block = service.custom["customDomain"]
        where = child_origin(service.custom, "customDomain", service.custom_origin)
        blocks.append((block, where, render(_mapping(block).get("apiType")) or "rest"))
    domains = service.custom.get("customDomains")
    if isinstance(domains, YList):
        list_origin = child_origin(service.custom, "customDomains", service.custom_origin)
        for index, item in enumerate(domains):
            item_origin = child_origin(domains, index, list_origin)
            for api_type, block in _mapping(item).items():
                blocks.append((block, child_origin(item, api_type, item_origin), api_type))
    for block, where, api_type in blocks:
        settings = _mapping(block)
        if api_type.lower() == kind and "domainName" in settings:
            policy = settings.get("securityPolicy")
            yield CustomDomain(
                render(settings["domainName"]),
                where,
                render(policy) if policy is not None else None,
            )
