"""AWS SAM HTTP entry points: `Api` and `HttpApi` events on implicit and explicit APIs,
their OpenAPI definitions, `FunctionUrlConfig` and `AWS::Serverless::GraphQLApi`.

SAM applies an API's `Auth.DefaultAuthorizer` to every method, its own events and its
OpenAPI paths alike, unless an event says `Authorizer: NONE` (OPTIONS preflights only with
`AddDefaultAuthorizerToCorsPreflight`, true by default); `Globals.Api`/`Globals.HttpApi`
apply to the implicit API and to every explicit one.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

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
from slsguard.analysis._http_shared import appsync_endpoint, url_endpoint
from slsguard.analysis._openapi import Body, Operation, auth_of, body_of, operations, scheme_kinds
from slsguard.findings import Origin
from slsguard.loading.sam import merge_globals
from slsguard.loading.yaml import YMap
from slsguard.model import Function, Trigger, render

IMPLICIT = {False: "ServerlessRestApi", True: "ServerlessHttpApi"}
_LABEL = {False: "implicit REST API", True: "implicit HTTP API"}


@dataclass
class SamApi:
    """One REST or HTTP API of a SAM template, with its `Globals` merged in."""

    label: str
    http: bool
    properties: YMap
    origin: Origin
    authorizers: dict[str, AuthKind] = field(default_factory=dict)
    default: Auth | None = None
    preflight_default: bool = True
    api_key: bool = False
    cors: Cors | None = None
    network: tuple[Network, str] = ("internet", "")
    body: Body = field(default_factory=lambda: Body("absent"))
    operations: dict[tuple[str, str], Operation] = field(default_factory=dict)
    known: bool = True
    """False for an API defined outside the template: its settings are unknown."""


class SamEndpoints:
    """Builds the endpoints of a SAM template."""

    def __init__(self, build: Build) -> None:
        self.build = build
        self.template = mapping(build.app.template)
        self.globals = mapping(self.template.get("Globals"))
        self.globals_origin = child(self.template, "Globals", build.app.origin)
        self.apis: dict[str, SamApi] = {}
        for http, resource_type in (
            (False, "AWS::Serverless::Api"),
            (True, "AWS::Serverless::HttpApi"),
        ):
            for resource in build.index.of_type(resource_type):
                props = self._with_globals(resource.properties, http)
                self.apis[resource.logical_id] = self._api(
                    resource.logical_id, http, props, resource.properties_origin
                )

    def endpoints(self) -> list[Endpoint]:
        """Events, OpenAPI operations no event declares, preflights, URLs and GraphQL APIs."""
        found: list[Endpoint] = []
        for fn in self.build.app.functions:
            for trigger in fn.triggers:
                if not isinstance(trigger.settings, YMap):
                    continue
                if trigger.kind in ("http", "httpApi"):
                    found.append(self.event(fn, trigger, trigger.kind == "httpApi"))
                elif trigger.kind == "url" and "TargetFunctionArn" not in trigger.settings:
                    # `AWS::Lambda::Url` resources are built with the other resources.
                    origins = (trigger.origin, trigger.origin)
                    found.append(
                        url_endpoint(self.build, fn.name, fn.name, trigger.settings, origins, "sam")
                    )
        for api in self.apis.values():
            found.extend(self._unclaimed(api))
        found.extend(self._preflights(found))
        found.extend(self.graphql())
        return found

    # -- APIs -----------------------------------------------------------------------------

    def _with_globals(self, properties: YMap, http: bool) -> YMap:
        section = self.globals.get("HttpApi" if http else "Api")
        if isinstance(section, YMap):
            merged = merge_globals(section, properties)
            return merged if isinstance(merged, YMap) else properties
        return properties

    def _implicit(self, http: bool) -> SamApi:
        logical_id = IMPLICIT[http]
        if logical_id not in self.apis:
            section = self.globals.get("HttpApi" if http else "Api")
            origin = child(self.globals, "HttpApi" if http else "Api", self.globals_origin)
            props = section if isinstance(section, YMap) else YMap()
            api = self._api(_LABEL[http], http, props, origin)
            api.body = Body("absent")
            self.apis[logical_id] = api
        return self.apis[logical_id]

    def _api(self, label: str, http: bool, props: YMap, origin: Origin) -> SamApi:
        auth = mapping(props.get("Auth"))
        auth_origin = child(props, "Auth", origin)
        api = SamApi(label, http, props, origin)
        api.authorizers = _authorizer_kinds(mapping(auth.get("Authorizers")), http)
        if "DefaultAuthorizer" in auth:
            api.default = self._named(
                auth["DefaultAuthorizer"], api, child(auth, "DefaultAuthorizer", auth_origin), True
            )
        api.preflight_default = auth.get("AddDefaultAuthorizerToCorsPreflight") is not False
        api.api_key = is_true(auth.get("ApiKeyRequired"))
        api.cors = _cors(props, origin, http)
        api.network = _network(props, auth)
        key = "DefinitionBody" if "DefinitionBody" in props else "DefinitionUri"
        if key in props:
            api.body = body_of(props[key], child(props, key, origin), self.build)
            kinds = {**scheme_kinds(api.body.document or YMap()), **api.authorizers}
            api.authorizers = kinds
            for operation in operations(api.body, self.build, http):
                api.operations[(operation.method, operation.path)] = operation
        return api

    def _named(self, value: object, api: SamApi, where: Origin, inherited: bool) -> Auth:
        name = literal(value)
        if name is None:
            return Auth("authorizer", render(value), where, inherited, "an unresolved authorizer")
        if name == "NONE":
            return Auth("none", origin=where)
        if name == "AWS_IAM":
            return Auth("iam", "AWS_IAM", where, inherited)
        return Auth(api.authorizers.get(name, "authorizer"), name, where, inherited)

    def _api_of(self, properties: YMap, http: bool) -> SamApi:
        reference = properties.get("ApiId" if http else "RestApiId")
        if reference is None:
            return self._implicit(http)
        resource = self.build.resource(
            reference, "AWS::Serverless::HttpApi" if http else "AWS::Serverless::Api"
        )
        if resource is not None and resource.logical_id in self.apis:
            return self.apis[resource.logical_id]
        return SamApi(render(reference), http, YMap(), Origin(self.build.app.file), known=False)

    # -- events ---------------------------------------------------------------------------

    def event(self, fn: Function, trigger: Trigger, http: bool) -> Endpoint:
        """An `Api` or `HttpApi` event of a function."""
        props = mapping(mapping(trigger.settings).get("Properties"))
        props_origin = child(trigger.settings, "Properties", trigger.origin)
        api = self._api_of(props, http)
        method = normal_method(render(props.get("Method")) or ("*" if http else ""))
        path = render(props.get("Path")) or "$default"
        path = normal_path(path)
        operation = api.operations.pop((method, path), None)
        event_auth = mapping(props.get("Auth"))
        auth_origin = child(props, "Auth", props_origin)
        auth = self._event_auth(api, event_auth, auth_origin, operation)
        api_key = self._api_key(api, event_auth, operation)
        if auth.kind == "none" and api_key:
            auth = Auth("api-key-only", origin=auth.origin)
        network = api.network
        if isinstance(event_auth.get("ResourcePolicy"), YMap):
            network = _resource_policy_network(event_auth["ResourcePolicy"])
        return Endpoint(
            kind="http" if http else "rest",
            function=fn.name,
            method=method,
            path=path,
            api=api.label,
            auth=auth,
            api_key_required=api_key,
            validation=self._validation(props, props_origin, operation, http),
            cors=api.cors or (operation.cors if operation else None),
            origin=trigger.origin,
            syntax="sam",
            network=network[0],
            network_detail=network[1],
        )

    def _event_auth(
        self, api: SamApi, event_auth: YMap, origin: Origin, operation: Operation | None
    ) -> Auth:
        if "Authorizer" in event_auth:
            where = child(event_auth, "Authorizer", origin)
            return self._named(event_auth["Authorizer"], api, where, False)
        body = self._operation_auth(api, operation)
        if body is not None and body.authenticated:
            return body
        if api.default is not None:
            return api.default
        if body is not None:
            return body
        if not api.known:
            detail = f"API {api.label} is not an AWS::Serverless::Api of this template"
            return Auth("unknown", detail=detail)
        if api.body.status == "unreadable":
            return Auth("unknown", detail=f"the API definition {api.body.where} cannot be read")
        return Auth("none")

    def _operation_auth(self, api: SamApi, operation: Operation | None) -> Auth | None:
        if operation is None or operation.security is None:
            return None
        return auth_of(
            operation.security,
            api.authorizers,
            operation.security_origin,
            operation.security_global,
        )[0]

    def _api_key(self, api: SamApi, event_auth: YMap, operation: Operation | None) -> bool:
        if "ApiKeyRequired" in event_auth:
            return is_true(event_auth["ApiKeyRequired"])
        if api.api_key and not api.http:
            return True
        if operation is not None and operation.security is not None:
            return auth_of(operation.security, api.authorizers, None, False)[1]
        return False

    def _validation(
        self, props: YMap, origin: Origin, operation: Operation | None, http: bool
    ) -> Validation:
        if http:
            return Validation("impossible", "HTTP APIs do not validate request bodies")
        model = mapping(props.get("RequestModel"))
        where = child(props, "RequestModel", origin)
        if model.get("Model") is not None:
            if is_true(model.get("ValidateBody")):
                return Validation("validated", f"model {render(model['Model'])}", where)
            return Validation(
                "not-validated",
                f"RequestModel {render(model['Model'])} without ValidateBody",
                where,
            )
        if operation is not None and operation.validation.state != "not-validated":
            return operation.validation
        return Validation("not-validated", "no RequestModel")

    # -- the rest -------------------------------------------------------------------------

    def _unclaimed(self, api: SamApi) -> list[Endpoint]:
        """OpenAPI operations no event declares (integrations with other services, ...)."""
        found = []
        for operation in api.operations.values():
            auth = self._operation_auth(api, operation)
            # The default reaches OPTIONS only with AddDefaultAuthorizerToCorsPreflight.
            takes_default = operation.method != "OPTIONS" or api.preflight_default
            if (auth is None or not auth.authenticated) and api.default and takes_default:
                auth = api.default
            auth = auth or Auth("none")
            api_key = (api.api_key and not api.http) or self._api_key(api, YMap(), operation)
            if auth.kind == "none" and api_key:
                auth = Auth("api-key-only", origin=auth.origin)
            found.append(
                Endpoint(
                    kind="http" if api.http else "rest",
                    function=operation.function,
                    method=operation.method,
                    path=operation.path,
                    api=api.label,
                    auth=auth,
                    api_key_required=api_key,
                    validation=operation.validation,
                    cors=api.cors or operation.cors,
                    origin=operation.origin,
                    syntax="openapi",
                    network=api.network[0],
                    network_detail=api.network[1],
                )
            )
        return found

    def _preflights(self, found: list[Endpoint]) -> list[Endpoint]:
        """The OPTIONS methods SAM adds to every path of a REST API with `Cors`."""
        extra: dict[tuple[str, str], Endpoint] = {}
        declared = {(e.api, e.path) for e in found if e.method == "OPTIONS"}
        by_label = {api.label: api for api in self.apis.values()}
        for endpoint in found:
            api = by_label.get(endpoint.api)
            key = (endpoint.api, endpoint.path)
            if api is None or api.http or api.cors is None or key in declared or key in extra:
                continue
            auth = api.default if api.default and api.preflight_default else Auth("none")
            extra[key] = replace(
                endpoint,
                function=None,
                method="OPTIONS",
                auth=auth,
                api_key_required=False,
                validation=Validation("impossible", "a CORS preflight has no body"),
                origin=api.cors.origin,
                preflight=True,
            )
        return list(extra.values())

    def graphql(self) -> list[Endpoint]:
        """`AWS::Serverless::GraphQLApi` resources."""
        found = []
        for resource in self.build.index.of_type("AWS::Serverless::GraphQLApi"):
            auth = mapping(resource.properties.get("Auth"))
            where = child(auth, "Type", resource.origin_of("Auth"))
            extra = len(items(auth.get("Additional")))
            found.append(
                appsync_endpoint(auth.get("Type"), extra, resource.logical_id, where, "sam")
            )
        return found


def _authorizer_kinds(authorizers: YMap, http: bool) -> dict[str, AuthKind]:
    kinds: dict[str, AuthKind] = {}
    for name, spec in authorizers.items():
        spec = mapping(spec)
        if "UserPoolArn" in spec:
            kinds[name] = "cognito"
        elif "FunctionArn" in spec:
            kinds[name] = "lambda"
        elif "JwtConfiguration" in spec or http:
            kinds[name] = "jwt"
        else:
            kinds[name] = "authorizer"
    return kinds


def _cors(props: YMap, origin: Origin, http: bool) -> Cors | None:
    key = "CorsConfiguration" if http else "Cors"
    value = props.get(key)
    if value is None or value is False:
        return None
    where = child(props, key, origin)
    if isinstance(value, YMap):
        allowed = value.get("AllowOrigins" if http else "AllowOrigin", "*" if http else None)
        return Cors(origins_of(allowed), is_true(value.get("AllowCredentials")), where)
    if http:
        return Cors(("*",), False, where) if is_true(value) else None
    return Cors(origins_of(value), False, where)  # `Cors: "'*'"` is the allowed origin


def _network(props: YMap, auth: YMap) -> tuple[Network, str]:
    endpoint = props.get("EndpointConfiguration")
    kind = upper(mapping(endpoint).get("Type") if isinstance(endpoint, YMap) else endpoint)
    if kind == "PRIVATE":
        return "private", "a private REST API (EndpointConfiguration PRIVATE)"
    policy = auth.get("ResourcePolicy")
    return _resource_policy_network(policy) if isinstance(policy, YMap) else ("internet", "")


def _resource_policy_network(policy: YMap) -> tuple[Network, str]:
    """SAM's `ResourcePolicy` shorthands: VPC, IP and account allow-lists, custom statements."""
    if {"SourceVpcWhitelist", "IntrinsicVpcWhitelist", "IntrinsicVpceWhitelist"} & policy.keys():
        return "private", "its resource policy admits only requests from a VPC"
    if "IpRangeWhitelist" in policy:
        return "restricted", "its resource policy admits only some source IP addresses"
    if "AwsAccountWhitelist" in policy:
        return "restricted", "its resource policy admits only the listed AWS accounts"
    return policy_network(policy.get("CustomStatements"))
