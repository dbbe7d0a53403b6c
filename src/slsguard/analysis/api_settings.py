"""Stage settings as each syntax writes them: access and execution logs, data trace, X-Ray,
throttling, endpoint type and custom domains.

CloudFormation and SAM share the property names (`AccessLogSetting`, `MethodSettings`,
`TracingEnabled` for REST; `AccessLogSettings`, `DefaultRouteSettings`, `RouteSettings` for
HTTP and WebSocket), so one reader serves both; `Layered` adds SAM's `Globals` behind a
resource's own properties. The Serverless Framework's `provider.logs` has its own defaults.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from typing import Any

from slsguard.analysis.api_model import ApiKind, CustomDomain, Setting, Stage
from slsguard.analysis.intrinsics import referenced_ids, resources_of, text_of
from slsguard.findings import Origin
from slsguard.loading.policies import child_origin
from slsguard.loading.yaml import YList, YMap
from slsguard.model import Application, render

_THROTTLE_KEYS = ("ThrottlingBurstLimit", "ThrottlingRateLimit")


@dataclass(frozen=True, slots=True)
class Layered:
    """Property sources searched in order: a resource's properties, then SAM `Globals`."""

    sources: tuple[tuple[YMap, Origin], ...]

    @classmethod
    def of(cls, properties: YMap, origin: Origin) -> Layered:
        """One source."""
        return cls(((properties, origin),))

    def then(self, properties: YMap, origin: Origin) -> Layered:
        """These sources, then one more behind them."""
        return Layered((*self.sources, (properties, origin)))

    def find(self, key: str) -> tuple[Any, Origin] | None:
        """The value of `key` in the first source that has it, and where it is written."""
        return next(self.each(key), None)

    def value(self, key: str) -> Any:
        """The value of `key` in the first source that has it."""
        found = self.find(key)
        return None if found is None else found[0]

    def each(self, key: str) -> Iterator[tuple[Any, Origin]]:
        """`key` in every source that has it (SAM concatenates lists from `Globals`)."""
        for properties, origin in self.sources:
            if key in properties:
                yield properties[key], properties.origin_of(key, origin)


def truth(value: Any, defaults: Mapping[str, Any]) -> bool | None:
    """True or False for a flag (`true`, `"true"`, a parameter's default); None if unknown."""
    if isinstance(value, bool):
        return value
    text = text_of(value, defaults)
    if text is None:
        return None
    return {"true": True, "false": False}.get(text.strip().lower())


def stage(
    name: str,
    origin: Origin,
    logical_id: str | None,
    layered: Layered,
    kind: ApiKind,
    defaults: Mapping[str, Any],
    *,
    flat: bool = False,
) -> Stage:
    """A stage from CloudFormation/SAM properties (`flat`: a Deployment `StageDescription`,
    which also takes method settings at its top level)."""
    if kind == "rest":
        access = _access(layered.find("AccessLogSetting"))
        entries = list(_list_entries(layered.each("MethodSettings")))
        if flat:
            entries += list(layered.sources)
        tracing = _flag(layered.find("TracingEnabled"), "TracingEnabled: true", defaults)
    else:
        access = _access(layered.find("AccessLogSettings"))
        entries = list(_route_entries(layered))
        tracing = None
    logs = kind != "http"  # HTTP APIs have access logs only.
    return Stage(
        name,
        origin,
        logical_id,
        access_logging=access,
        execution_logging=_execution(entries, defaults) if logs else None,
        data_trace=_data_trace(entries, defaults) if logs else None,
        tracing=tracing,
        throttling=_throttling(entries),
    )


def overlay(stage: Stage, extra: Stage) -> Stage:
    """`stage` with every setting that `extra` turns on."""
    return replace(
        stage,
        access_logging=extra.access_logging or stage.access_logging,
        execution_logging=extra.execution_logging or stage.execution_logging,
        data_trace=extra.data_trace or stage.data_trace,
        tracing=extra.tracing or stage.tracing,
        throttling=extra.throttling or stage.throttling,
        waf=extra.waf or stage.waf,
    )


def _list_entries(found: Iterator[tuple[Any, Origin]]) -> Iterator[tuple[YMap, Origin]]:
    for items, origin in found:
        if isinstance(items, YList):
            for index, item in enumerate(items):
                if isinstance(item, YMap):
                    yield item, items.origin_of(index, origin)


def _route_entries(layered: Layered) -> Iterator[tuple[YMap, Origin]]:
    """`DefaultRouteSettings`, then each route of `RouteSettings` (a map of route keys)."""
    for settings, origin in layered.each("DefaultRouteSettings"):
        if isinstance(settings, YMap):
            yield settings, origin
    for routes, origin in layered.each("RouteSettings"):
        if isinstance(routes, YMap):
            for route, settings in routes.items():
                if isinstance(settings, YMap):
                    yield settings, routes.origin_of(route, origin)


def _access(found: tuple[Any, Origin] | None) -> Setting | None:
    if found is None:
        return None
    value, origin = found
    if value is None or (isinstance(value, YMap) and not value):
        return None
    destination = value.get("DestinationArn") if isinstance(value, YMap) else value
    return Setting(render(destination) or "access logs", origin)


def _flag(
    found: tuple[Any, Origin] | None, text: str, defaults: Mapping[str, Any]
) -> Setting | None:
    """A setting for a flag that is true, or unknown (judging what may be on beats guessing)."""
    if found is None or truth(found[0], defaults) is False:
        return None
    return Setting(text, found[1])


def _execution(entries: list[tuple[YMap, Origin]], defaults: Mapping[str, Any]) -> Setting | None:
    for item, origin in entries:
        if item.get("LoggingLevel") in (None, False):
            continue  # Unquoted `OFF` is YAML 1.1's false.
        level = text_of(item["LoggingLevel"], defaults)
        if level is None or level.upper() in ("INFO", "ERROR"):
            where = item.origin_of("LoggingLevel", origin)
            return Setting(level or render(item["LoggingLevel"]), where)
    return None


def _data_trace(entries: list[tuple[YMap, Origin]], defaults: Mapping[str, Any]) -> Setting | None:
    for item, origin in entries:
        if "DataTraceEnabled" in item and truth(item["DataTraceEnabled"], defaults) is True:
            return Setting("DataTraceEnabled: true", item.origin_of("DataTraceEnabled", origin))
    return None


def _throttling(entries: list[tuple[YMap, Origin]]) -> Setting | None:
    for item, origin in entries:
        for key in _THROTTLE_KEYS:
            if key in item:
                return Setting(f"{key}: {render(item[key])}", item.origin_of(key, origin))
    return None


def throttles(value: Any, keys: tuple[str, ...]) -> bool:
    """Whether a plugin's settings (or any per-route block in them) set a throttling key."""
    if not isinstance(value, YMap):
        return False
    return any(key in value for key in keys) or any(
        throttles(item, keys) for item in value.values()
    )


def serverless_logs(
    logs: YMap, key: str, logs_origin: Origin, kind: ApiKind
) -> tuple[Setting | None, Setting | None, Setting | None]:
    """(access, execution, data trace) from `provider.logs.restApi|httpApi|websocket`.

    `true` takes the Framework's defaults: access and execution logging at INFO, and
    `fullExecutionData: true` (for REST and WebSocket stages).
    """
    if key not in logs or logs[key] in (False, None):
        return None, None, None
    value, where = logs[key], logs.origin_of(key, logs_origin)
    written = f"provider.logs.{key}"
    if kind == "http":
        return Setting(written, where), None, None
    if value is True:
        return (
            Setting(f"{written}: true", where),
            Setting("INFO", where),
            Setting(f"{written}: true (fullExecutionData defaults to true)", where),
        )
    if not isinstance(value, YMap):  # An unresolved variable: logging may be on; data unknown.
        return Setting(render(value), where), Setting(render(value), where), None
    access = None if value.get("accessLogging") is False else Setting(written, where)
    if value.get("executionLogging") is False:
        return access, None, None
    level_origin = child_origin(value, "level", where) if "level" in value else where
    execution = Setting(render(value.get("level")) or "INFO", level_origin)
    full = value.get("fullExecutionData", True)
    if full is not True:
        return access, execution, None
    if "fullExecutionData" in value:
        data_origin = value.origin_of("fullExecutionData", where)
        return access, execution, Setting(f"{written}.fullExecutionData: true", data_origin)
    return access, execution, Setting(f"{written} (fullExecutionData defaults to true)", where)


def sam_usage_plan(layered: Layered) -> Setting | None:
    """SAM `Auth.UsagePlan` with a `Throttle` (and `CreateUsagePlan` other than NONE)."""
    found = layered.find("Auth")
    if found is None or not isinstance(found[0], YMap):
        return None
    auth, auth_origin = found
    plan = auth.get("UsagePlan")
    if not isinstance(plan, YMap) or render(plan.get("CreateUsagePlan")).upper() == "NONE":
        return None
    if "Throttle" not in plan:
        return None
    plan_origin = auth.origin_of("UsagePlan", auth_origin)
    return Setting("Auth.UsagePlan.Throttle", plan.origin_of("Throttle", plan_origin))


def private_endpoint(value: Any, defaults: Mapping[str, Any]) -> bool:
    """A REST endpoint configuration that is PRIVATE: `PRIVATE`, `{Type: ...}`, `{Types: [...]}`."""
    if isinstance(value, YMap):
        value = value.get("Types", value.get("Type"))
    values = value if isinstance(value, list) else [value]
    return any((text_of(item, defaults) or "").upper() == "PRIVATE" for item in values)


def sam_domain(layered: Layered) -> Iterator[CustomDomain]:
    """SAM `Domain` (`DomainName`, `SecurityPolicy`)."""
    found = layered.find("Domain")
    if found is None or not isinstance(found[0], YMap) or "DomainName" not in found[0]:
        return
    domain, origin = found
    policy = domain.get("SecurityPolicy")
    yield CustomDomain(
        render(domain["DomainName"]), origin, render(policy) if policy is not None else None
    )


def body_functions(app: Application, body: Any) -> list[str]:
    """Functions an OpenAPI body integrates (its `uri`s refer to them)."""
    if body is None:
        return []
    names = _function_names(app)
    return [names[logical] for logical in sorted(referenced_ids(body)) if logical in names]


def integrated_functions(app: Application) -> dict[str, tuple[str, ...]]:
    """API logical id → functions that its methods, integrations or body invoke."""
    names = _function_names(app)
    found: dict[str, list[str]] = {}
    sources = (
        ("AWS::ApiGateway::Method", "RestApiId", "Integration"),
        ("AWS::ApiGatewayV2::Integration", "ApiId", "IntegrationUri"),
    )
    for resource_type, api_key, target_key in sources:
        for _id, properties, _where in resources_of(app, resource_type):
            for api_id in referenced_ids(properties.get(api_key)):
                _add(found, api_id, referenced_ids(properties.get(target_key)), names)
    for api_type in ("AWS::ApiGateway::RestApi", "AWS::ApiGatewayV2::Api"):
        for api_id, properties, _where in resources_of(app, api_type):
            targets = referenced_ids(properties.get("Body")) | referenced_ids(
                properties.get("Target")
            )
            _add(found, api_id, targets, names)
    return {api_id: tuple(functions) for api_id, functions in found.items()}


def _add(
    found: dict[str, list[str]], api_id: str, targets: set[str], names: dict[str, str]
) -> None:
    for logical in sorted(targets):
        name = names.get(logical)
        if name is not None and name not in found.setdefault(api_id, []):
            found[api_id].append(name)


def _function_names(app: Application) -> dict[str, str]:
    return {fn.logical_id: fn.name for fn in app.functions if fn.logical_id}
