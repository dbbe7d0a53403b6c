"""Serverless Framework HTTP entry points: `http`, `httpApi`, `websocket`, `url`, `alb` events
and the AppSync plugin's APIs, read the way the Framework compiles them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

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
    items,
    literal,
    mapping,
    normal_method,
    normal_path,
    origins_of,
    policy_network,
    upper,
)
from slsguard.analysis._http_shared import appsync_endpoint, authorizer_kind, listener_network
from slsguard.findings import Origin
from slsguard.loading.yaml import YMap
from slsguard.model import Deferred, Function, Reference, Trigger, render

_NOT_LAMBDA = frozenset({"HTTP", "HTTP-PROXY", "HTTP_PROXY", "MOCK"})


class ServerlessEndpoints:
    """Builds the endpoints of one Serverless service."""

    def __init__(self, build: Build) -> None:
        self.build = build
        self.config = mapping(build.app.template)
        self.provider = mapping(self.config.get("provider"))
        self.provider_origin = child(self.config, "provider", build.app.origin)
        self.api_gateway = mapping(self.provider.get("apiGateway"))
        self.http_api = mapping(self.provider.get("httpApi"))
        self.http_api_origin = child(self.provider, "httpApi", self.provider_origin)
        self.service = build.app.name
        self.rest_network = self._rest_network()

    def endpoints(self) -> list[Endpoint]:
        """Every HTTP entry point the service's functions declare."""
        handlers: dict[str, Callable[[Function, Trigger], Endpoint | None]] = {
            "http": self.http,
            "httpApi": self.http_api_route,
            "websocket": self.websocket,
            "url": self.url,
            "alb": self.alb,
        }
        found: list[Endpoint] = []
        for fn in self.build.app.functions:
            for trigger in fn.triggers:
                handler = handlers.get(trigger.kind)
                if handler is None or _cloudformation_url(trigger):
                    continue
                endpoint = handler(fn, trigger)
                if endpoint is not None:
                    found.append(endpoint)
        found.extend(_preflights(found))
        found.extend(self.appsync())
        return found

    # -- REST API (`http`) ----------------------------------------------------------------

    def http(self, fn: Function, trigger: Trigger) -> Endpoint | None:
        """A REST API method (`- http:`)."""
        spec = _event_spec(trigger.settings)
        if spec is None:
            return None
        origin, inner = trigger.origin, _inner(trigger)
        integration = upper(spec.get("integration"))
        private = is_true(spec.get("private"))
        auth = self._rest_auth(spec, inner)
        if auth.kind == "none" and private:
            auth = Auth("api-key-only", detail="`private: true`")
        return Endpoint(
            kind="rest",
            function=None if integration in _NOT_LAMBDA else fn.name,
            method=normal_method(render(spec.get("method")) or "ANY"),
            path=normal_path(render(spec.get("path"))),
            api=self._rest_api_name(),
            auth=auth,
            api_key_required=private,
            validation=self._rest_validation(spec, inner, origin),
            cors=_rest_cors(spec, inner),
            origin=origin,
            syntax="serverless",
            network=self.rest_network[0],
            network_detail=self.rest_network[1],
        )

    def _rest_api_name(self) -> str:
        external = self.api_gateway.get("restApiId")
        return f"REST API {render(external)}" if external is not None else self.service

    def _rest_auth(self, spec: YMap, origin: Origin) -> Auth:
        if "cfAuthorizer" in spec:  # serverless-plugin-cfauthorizer
            where = child(spec, "cfAuthorizer", origin)
            return Auth("authorizer", render(spec["cfAuthorizer"]), where)
        value = spec.get("authorizer")
        if value is None:
            return Auth("none")
        where = child(spec, "authorizer", origin)
        if isinstance(value, str):
            return self._rest_named_authorizer(value, where)
        if not isinstance(value, YMap) or "Fn::GetAtt" in value or "Ref" in value:
            return Auth("authorizer", render(value), where, detail="an unresolved authorizer")
        kind = upper(value.get("type"))
        if kind == "AWS_IAM":
            return Auth("iam", "aws_iam", where)
        if "authorizerId" in value:
            return self._existing_authorizer(value.get("authorizerId"), kind, where)
        arn, name = value.get("arn"), value.get("name")
        if kind == "COGNITO_USER_POOLS" or self._cognito_arn(arn):
            return Auth("cognito", render(name or arn), where)
        if arn is not None or name is not None:
            return Auth("lambda", render(name or arn), where)
        return Auth("unknown", origin=where, detail="an authorizer without name or arn")

    def _rest_named_authorizer(self, value: str, where: Origin) -> Auth:
        if value.strip().upper() == "AWS_IAM":
            return Auth("iam", "aws_iam", where)
        if self._cognito_arn(value):
            return Auth("cognito", value, where)
        return Auth("lambda", value, where)  # A function of the service, or its ARN.

    def _cognito_arn(self, value: object) -> bool:
        if ":cognito-idp:" in render(value):
            return True
        return self.build.resource(value, "AWS::Cognito::UserPool") is not None

    def _existing_authorizer(self, value: object, kind: str, where: Origin) -> Auth:
        resource = self.build.resource(value, "AWS::ApiGateway::Authorizer")
        if resource is not None:
            kind = upper(resource.properties.get("Type")) or kind
        found = authorizer_kind(kind)
        return Auth(found, render(value), where)

    def _rest_validation(self, spec: YMap, inner: Origin, event: Origin) -> Validation:
        request = mapping(spec.get("request"))
        request_origin = child(spec, "request", inner)
        for key in ("schemas", "schema"):  # `schema` before Framework v3
            if request.get(key):
                return Validation(
                    "validated", f"request.{key}", child(request, key, request_origin)
                )
        if "reqValidatorName" in spec:  # serverless-reqvalidator-plugin
            return self._plugin_validation(spec, inner)
        return Validation("not-validated", "no `request.schemas`", event)

    def _plugin_validation(self, spec: YMap, origin: Origin) -> Validation:
        name = spec.get("reqValidatorName")
        where = child(spec, "reqValidatorName", origin)
        validator = self.build.resource(name, "AWS::ApiGateway::RequestValidator")
        if validator is None:
            return Validation("unknown", f"request validator {render(name)} is not defined here")
        models = mapping(spec.get("documentation")).get("requestModels")
        if is_true(validator.properties.get("ValidateRequestBody")) and models:
            return Validation("validated", f"validator {render(name)}", where)
        return Validation("not-validated", f"validator {render(name)} has no body model", where)

    def _rest_network(self) -> tuple[Network, str]:
        endpoint_type = upper(
            self.provider.get("endpointType", self.api_gateway.get("endpointType"))
        )
        if endpoint_type == "PRIVATE":
            return "private", "a private REST API (endpointType: PRIVATE)"
        policy = self.api_gateway.get("resourcePolicy", self.provider.get("resourcePolicy"))
        return policy_network(policy)

    # -- HTTP API (`httpApi`) -------------------------------------------------------------

    def http_api_route(self, fn: Function, trigger: Trigger) -> Endpoint | None:
        """An HTTP API route (`- httpApi:`)."""
        spec = trigger.settings
        if isinstance(spec, str):
            method, _, path = spec.strip().partition(" ")
            spec = YMap()
        elif isinstance(spec, YMap):
            method, path = render(spec.get("method")) or "*", render(spec.get("path"))
        else:
            return None
        method = normal_method(method or "*")
        path = "$default" if method == "ANY" and path.strip() in ("", "*") else normal_path(path)
        external = self.http_api.get("id")
        return Endpoint(
            kind="http",
            function=fn.name,
            method=method,
            path=path,
            api=f"HTTP API {render(external)}" if external is not None else self.service,
            auth=self._http_api_auth(spec, _inner(trigger)),
            api_key_required=False,
            validation=Validation("impossible", "HTTP APIs do not validate request bodies"),
            cors=self._http_api_cors(),
            origin=trigger.origin,
            syntax="serverless",
        )

    def _http_api_auth(self, spec: YMap, origin: Origin) -> Auth:
        value = spec.get("authorizer")
        if value is None:
            return Auth("none")
        where = child(spec, "authorizer", origin)
        if isinstance(value, str):
            name_only = YMap(where.file, (where.line, where.column))
            name_only["name"] = value
            value = name_only
        if not isinstance(value, YMap):
            return Auth("authorizer", render(value), where, detail="an unresolved authorizer")
        kind = (literal(value.get("type")) or "").lower()
        if kind == "aws_iam":
            return Auth("iam", "aws_iam", where)
        if "id" in value:
            resource = self.build.resource(value["id"], "AWS::ApiGatewayV2::Authorizer")
            found = upper(resource.properties.get("AuthorizerType")) if resource else kind
            return Auth(authorizer_kind(found), render(value["id"]), where)
        name = render(value.get("name"))
        declared = mapping(mapping(self.http_api.get("authorizers")).get(name))
        declared_type = (literal(declared.get("type")) or kind or "jwt").lower()
        if not declared and not kind:
            return Auth("authorizer", name, where, detail="not in provider.httpApi.authorizers")
        return Auth("lambda" if declared_type == "request" else "jwt", name, where)

    def _http_api_cors(self) -> Cors | None:
        value = self.http_api.get("cors")
        if value is None or value is False:
            return None
        where = child(self.http_api, "cors", self.http_api_origin)
        if isinstance(value, YMap):
            allowed = origins_of(value.get("allowedOrigins", "*"))
            return Cors(allowed, is_true(value.get("allowCredentials")), where)
        return Cors(("*",), False, where) if is_true(value) else None

    # -- WebSocket, function URL, ALB -----------------------------------------------------

    def websocket(self, fn: Function, trigger: Trigger) -> Endpoint | None:
        """A WebSocket route; only `$connect` can carry an authorizer."""
        spec = trigger.settings
        if isinstance(spec, str):
            route, spec = spec, YMap()
        elif isinstance(spec, YMap):
            route = render(spec.get("route"))
        else:
            return None
        auth = Auth("none")
        if route == "$connect" and spec.get("authorizer") is not None:
            value = spec["authorizer"]
            name = mapping(value).get("name", mapping(value).get("arn", value))
            auth = Auth("lambda", render(name), child(spec, "authorizer", _inner(trigger)))
        return Endpoint(
            kind="websocket",
            function=fn.name,
            method="",
            path=route,
            api=self.service,
            auth=auth,
            api_key_required=False,
            validation=Validation("impossible", "WebSocket messages are not HTTP bodies"),
            cors=None,
            origin=trigger.origin,
            syntax="serverless",
        )

    def url(self, fn: Function, trigger: Trigger) -> Endpoint | None:
        """A function URL (`url: true` or `url: {authorizer: aws_iam}`)."""
        spec = trigger.settings
        if isinstance(spec, Reference | Deferred):
            auth = Auth("unknown", origin=trigger.origin, detail="an unresolved `url` setting")
        elif upper(mapping(spec).get("authorizer")) == "AWS_IAM":
            auth = Auth("iam", "aws_iam", child(spec, "authorizer", trigger.origin))
        else:
            auth = Auth("none", origin=trigger.origin)
        return Endpoint(
            kind="url",
            function=fn.name,
            method="ANY",
            path="/",
            api=f"{fn.name} function URL",
            auth=auth,
            api_key_required=False,
            validation=Validation("impossible", "function URLs do not validate request bodies"),
            cors=_url_cors(mapping(spec), trigger.origin),
            origin=trigger.origin,
            syntax="serverless",
        )

    def alb(self, fn: Function, trigger: Trigger) -> Endpoint | None:
        """An Application Load Balancer listener rule (`- alb:`)."""
        spec = trigger.settings
        if not isinstance(spec, YMap):
            return None
        conditions = mapping(spec.get("conditions"))
        methods = [normal_method(render(item)) for item in items(conditions.get("method"))]
        paths = [render(item) for item in items(conditions.get("path"))]
        network = listener_network(self.build, spec.get("listenerArn"))
        return Endpoint(
            kind="alb",
            function=fn.name,
            method=methods[0] if len(methods) == 1 else "ANY",
            path=paths[0] if len(paths) == 1 else "*",
            api=f"listener {render(spec.get('listenerArn'))}",
            auth=self._alb_auth(spec, _inner(trigger)),
            api_key_required=False,
            validation=Validation("impossible", "load balancers do not validate request bodies"),
            cors=None,
            origin=trigger.origin,
            syntax="serverless",
            network=network[0],
            network_detail=network[1],
        )

    def _alb_auth(self, spec: YMap, origin: Origin) -> Auth:
        names = [render(item) for item in items(spec.get("authorizer"))]
        if not names:
            return Auth("none")
        declared = mapping(mapping(self.provider.get("alb")).get("authorizers"))
        kind = (literal(mapping(declared.get(names[0])).get("type")) or "").lower()
        found: AuthKind = (
            "cognito" if kind == "cognito" else "oidc" if kind == "oidc" else "authorizer"
        )
        return Auth(found, names[0], child(spec, "authorizer", origin))

    # -- AppSync (serverless-appsync-plugin) ----------------------------------------------

    def appsync(self) -> list[Endpoint]:
        """GraphQL APIs of the AppSync plugin: `appSync:` (v2) or `custom.appSync` (v1)."""
        found = []
        root = self.config.get("appSync")
        if isinstance(root, YMap):
            origin = child(self.config, "appSync", self.build.app.origin)
            authentication = mapping(root.get("authentication"))
            where = child(authentication, "type", child(root, "authentication", origin))
            extra = len(items(root.get("additionalAuthentications")))
            api = render(root.get("name")) or self.service
            found.append(
                appsync_endpoint(authentication.get("type"), extra, api, where, "serverless")
            )
        custom = mapping(self.config.get("custom"))
        custom_origin = child(self.config, "custom", self.build.app.origin)
        legacy = custom.get("appSync")
        legacy_origin = child(custom, "appSync", custom_origin)
        for index, api_spec in enumerate(items(legacy)):
            if not isinstance(api_spec, YMap):
                continue
            where = child(legacy, index, legacy_origin) if legacy is not api_spec else legacy_origin
            where = child(api_spec, "authenticationType", where)
            extra = len(items(api_spec.get("additionalAuthenticationProviders")))
            api = render(api_spec.get("name")) or self.service
            kind = api_spec.get("authenticationType")
            found.append(appsync_endpoint(kind, extra, api, where, "serverless"))
        return found


def _inner(trigger: Trigger) -> Origin:
    """The origin of the event's settings (`events[0].http`), under which its keys sit."""
    return trigger.origin.child(trigger.kind)


def _event_spec(settings: Any) -> YMap | None:
    """The `http` event as a mapping: `GET users/{id}` becomes {method, path}."""
    if isinstance(settings, YMap):
        return settings
    if isinstance(settings, str):
        method, _, path = settings.strip().partition(" ")
        spec = YMap()
        spec["method"], spec["path"] = method, path
        return spec
    return None


def _cloudformation_url(trigger: Trigger) -> bool:
    """An `AWS::Lambda::Url` resource: built from the resources, not from the function."""
    return (
        trigger.kind == "url"
        and isinstance(trigger.settings, YMap)
        and ("TargetFunctionArn" in trigger.settings)
    )


def _rest_cors(spec: YMap, origin: Origin) -> Cors | None:
    value = spec.get("cors")
    if value is None or value is False:
        return None
    where = child(spec, "cors", origin)
    if isinstance(value, YMap):
        # `origins` replaces `origin`; with neither, the Framework allows `*`.
        allowed = value.get("origins", value.get("origin", "*"))
        return Cors(origins_of(allowed), is_true(value.get("allowCredentials")), where)
    return Cors(("*",), False, where) if is_true(value) else None


def _url_cors(spec: YMap, origin: Origin) -> Cors | None:
    value = spec.get("cors")
    if value is None or value is False:
        return None
    where = child(spec, "cors", origin)
    if isinstance(value, YMap):
        allowed = origins_of(value.get("allowedOrigins", "*"))
        return Cors(allowed, is_true(value.get("allowCredentials")), where)
    return Cors(("*",), False, where) if is_true(value) else None


def _preflights(found: list[Endpoint]) -> list[Endpoint]:
    """The OPTIONS method the Framework adds for each path with `cors` (one per path)."""
    paths: dict[str, Endpoint] = {}
    for endpoint in found:
        if endpoint.kind == "rest" and endpoint.cors is not None:
            paths.setdefault(endpoint.path, endpoint)
    return [
        Endpoint(
            kind="rest",
            function=None,
            method="OPTIONS",
            path=path,
            api=endpoint.api,
            auth=Auth("none"),
            api_key_required=False,
            validation=Validation("impossible", "a CORS preflight has no body"),
            cors=endpoint.cors,
            origin=endpoint.cors.origin if endpoint.cors else endpoint.origin,
            syntax="serverless",
            network=endpoint.network,
            network_detail=endpoint.network_detail,
            preflight=True,
        )
        for path, endpoint in paths.items()
        if not any(e.path == path and e.method == "OPTIONS" and not e.preflight for e in found)
    ]
