"""Each syntax's APIs and the stage settings written on them.

Serverless Framework: see `api_serverless`. SAM: implicit and explicit `AWS::Serverless::Api`
and `AWS::Serverless::HttpApi`, with `Globals.Api`/`Globals.HttpApi`. CloudFormation:
`AWS::ApiGateway::RestApi` with its `Stage`s and `Deployment` `StageDescription`s, and
`AWS::ApiGatewayV2::Api` with its `Stage`s. What is attached from elsewhere in the template
(web ACL associations, usage plans, custom domains, CloudFront) is added by `apis`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from slsguard.analysis import api_settings as read
from slsguard.analysis.api_model import IMPLICIT, Api, ApiKind, Stage
from slsguard.analysis.api_serverless import SLS_IDS, serverless_apis
from slsguard.analysis.api_settings import Layered
from slsguard.analysis.intrinsics import referenced_ids, resources_of, text_of
from slsguard.findings import Origin
from slsguard.loading.policies import child_origin
from slsguard.loading.yaml import YMap
from slsguard.model import Application, render

_NOT_ALNUM = re.compile(r"[^A-Za-z0-9]")
__all__ = ["SLS_IDS", "read_apis"]


def read_apis(app: Application, defaults: Mapping[str, Any]) -> list[Api]:
    """Every API written in the application, before attachments from elsewhere."""
    found = [*serverless_apis(app), *_sam(app, defaults)]
    generated = {api.resource_id for api in found}
    declared = _cloudformation(app, defaults)
    return found + [api for api in declared if api.resource_id not in generated]


def _name(value: Any, defaults: Mapping[str, Any]) -> str:
    """A stage name as deployed when the template fixes it (parameter defaults applied)."""
    return "" if value is None else text_of(value, defaults) or render(value)


def _mapping(value: Any) -> YMap:
    return value if isinstance(value, YMap) else YMap()


# -- SAM ------------------------------------------------------------------------------------


@dataclass(slots=True)
class _SamScope:
    """SAM's `Globals` for APIs, and which functions each API's events reach."""

    app: Application
    defaults: Mapping[str, Any]
    globals_section: YMap
    globals_origin: Origin
    users: dict[tuple[str, str | None], list[str]] = field(default_factory=dict)
    """(event kind, API logical id or None for the implicit API) → function names."""
    first_event: dict[str, Origin] = field(default_factory=dict)

    def globals_for(self, key: str) -> tuple[YMap, Origin] | None:
        """`Globals.Api` or `Globals.HttpApi`, with its origin."""
        if key not in self.globals_section:
            return None
        section = _mapping(self.globals_section[key])
        return section, self.globals_section.origin_of(key, self.globals_origin)


def _sam(app: Application, defaults: Mapping[str, Any]) -> list[Api]:
    template = app.template
    if app.kind != "sam" or not isinstance(template, YMap):
        return []
    scope = _SamScope(
        app,
        defaults,
        _mapping(template.get("Globals")),
        child_origin(template, "Globals", Origin(app.file)),
    )
    _sam_users(scope)
    kinds: tuple[tuple[ApiKind, str, str], ...] = (
        ("rest", "AWS::Serverless::Api", "http"),
        ("http", "AWS::Serverless::HttpApi", "httpApi"),
    )
    found = [
        _sam_api(scope, kind, logical_id, properties, where)
        for kind, resource_type, _event in kinds
        for logical_id, properties, where in resources_of(app, resource_type)
    ]
    for kind, _type, event in kinds:
        if (event, None) in scope.users:
            found.append(_sam_implicit(scope, kind, event))
    return found


def _sam_users(scope: _SamScope) -> None:
    for fn in scope.app.functions:
        for trigger in fn.triggers:
            if trigger.kind not in ("http", "httpApi"):
                continue
            properties = _mapping(_mapping(trigger.settings).get("Properties"))
            target = properties.get("RestApiId" if trigger.kind == "http" else "ApiId")
            ids = referenced_ids(target) or ({target} if isinstance(target, str) else set())
            key = (trigger.kind, next(iter(ids)) if target is not None and ids else None)
            if key[1] is None and target is not None:
                continue  # An API from outside the template (an id or an import).
            scope.users.setdefault(key, [])
            if fn.name not in scope.users[key]:
                scope.users[key].append(fn.name)
            scope.first_event.setdefault(trigger.kind, trigger.origin)


def _sam_api(
    scope: _SamScope, kind: ApiKind, logical_id: str, properties: YMap, where: Origin
) -> Api:
    layered = Layered.of(properties, where)
    globals_block = scope.globals_for("Api" if kind == "rest" else "HttpApi")
    if globals_block is not None:
        layered = layered.then(*globals_block)
    event = "http" if kind == "rest" else "httpApi"
    functions = [*scope.users.get((event, logical_id), [])]
    functions += [
        name
        for name in read.body_functions(scope.app, properties.get("DefinitionBody"))
        if name not in functions
    ]
    return _sam_build(scope, kind, logical_id, logical_id, layered, where, tuple(functions))


def _sam_implicit(scope: _SamScope, kind: ApiKind, event: str) -> Api:
    globals_block = scope.globals_for("Api" if kind == "rest" else "HttpApi")
    if globals_block is not None:
        layered, where = Layered.of(*globals_block), globals_block[1]
    elif scope.globals_section:
        layered, where = Layered(()), scope.globals_origin
    else:
        layered, where = Layered(()), scope.first_event[event]
    resource_id = "ServerlessRestApi" if kind == "rest" else "ServerlessHttpApi"
    functions = tuple(scope.users[(event, None)])
    return _sam_build(scope, kind, IMPLICIT, resource_id, layered, where, functions)


def _sam_build(
    scope: _SamScope,
    kind: ApiKind,
    logical_id: str,
    resource_id: str,
    layered: Layered,
    where: Origin,
    functions: tuple[str, ...],
) -> Api:
    default_stage = "Prod" if kind == "rest" else "$default"
    if logical_id == IMPLICIT:
        stage_name = default_stage
    else:
        stage_name = _name(layered.value("StageName"), scope.defaults) or default_stage
    suffix = (
        "ApiGatewayDefaultStage"
        if stage_name == "$default"
        else (_NOT_ALNUM.sub("", stage_name) + "Stage")
    )
    stage = read.stage(stage_name, where, resource_id + suffix, layered, kind, scope.defaults)
    if kind == "rest" and stage.throttling is None:
        stage = replace(stage, throttling=read.sam_usage_plan(layered))
    public = kind != "rest" or not read.private_endpoint(
        layered.value("EndpointConfiguration"), scope.defaults
    )
    domains = tuple(read.sam_domain(layered))
    return Api(kind, logical_id, where, public, "sam", resource_id, (stage,), domains, functions)


# -- CloudFormation -------------------------------------------------------------------------


def _cloudformation(app: Application, defaults: Mapping[str, Any]) -> list[Api]:
    functions = read.integrated_functions(app)
    found = []
    for logical_id, properties, where in resources_of(app, "AWS::ApiGateway::RestApi"):
        stages = tuple(_rest_stages(app, logical_id, defaults))
        public = not read.private_endpoint(properties.get("EndpointConfiguration"), defaults)
        found.append(
            Api(
                "rest",
                logical_id,
                where,
                public,
                "cloudformation",
                logical_id,
                stages,
                functions=functions.get(logical_id, ()),
            )
        )
    for logical_id, properties, where in resources_of(app, "AWS::ApiGatewayV2::Api"):
        protocol = render(properties.get("ProtocolType")).upper()
        kind: ApiKind = "websocket" if protocol == "WEBSOCKET" else "http"
        stages = tuple(_v2_stages(app, logical_id, kind, defaults))
        if not stages and "Target" in properties:  # Quick create makes a `$default` stage.
            stages = (Stage("$default", where),)
        found.append(
            Api(
                kind,
                logical_id,
                where,
                True,
                "cloudformation",
                logical_id,
                stages,
                functions=functions.get(logical_id, ()),
            )
        )
    return found


def _rest_stages(app: Application, api_id: str, defaults: Mapping[str, Any]) -> Iterator[Stage]:
    for logical_id, properties, where in resources_of(app, "AWS::ApiGateway::Stage"):
        if api_id in referenced_ids(properties.get("RestApiId")):
            name = _name(properties.get("StageName"), defaults) or logical_id
            layered = Layered.of(properties, where)
            yield read.stage(name, where, logical_id, layered, "rest", defaults)
    for _id, properties, where in resources_of(app, "AWS::ApiGateway::Deployment"):
        if "StageName" not in properties or api_id not in referenced_ids(
            properties.get("RestApiId")
        ):
            continue
        description = properties.get("StageDescription")
        layered = Layered(())
        if isinstance(description, YMap):
            layered = Layered.of(description, child_origin(properties, "StageDescription", where))
        name = _name(properties["StageName"], defaults)
        yield read.stage(name, where, None, layered, "rest", defaults, flat=True)


def _v2_stages(
    app: Application, api_id: str, kind: ApiKind, defaults: Mapping[str, Any]
) -> Iterator[Stage]:
    for logical_id, properties, where in resources_of(app, "AWS::ApiGatewayV2::Stage"):
        if api_id in referenced_ids(properties.get("ApiId")):
            name = _name(properties.get("StageName"), defaults) or logical_id
            layered = Layered.of(properties, where)
            yield read.stage(name, where, logical_id, layered, kind, defaults)
