"""CloudFormation HTTP entry points: API Gateway methods and routes, imported OpenAPI bodies,
function URLs, load balancer listeners and AppSync APIs (also in SAM templates and in a
Serverless service's `resources:`)."""

from __future__ import annotations

from slsguard.analysis._http_model import (
    Auth,
    AuthKind,
    Build,
    Cors,
    Endpoint,
    Network,
    Validation,
    is_true,
    items,
    mapping,
    normal_method,
    normal_path,
    origins_of,
    policy_network,
    unquote,
    upper,
)
from slsguard.analysis._http_shared import (
    appsync_endpoint,
    authorizer_kind,
    listener_network,
    url_endpoint,
)
from slsguard.analysis._openapi import auth_of, body_of, operations, scheme_kinds
from slsguard.analysis.resources import Resource
from slsguard.loading.yaml import YMap
from slsguard.model import render

REST_API = "AWS::ApiGateway::RestApi"
V2_API = "AWS::ApiGatewayV2::Api"
_TYPE_KINDS: dict[str, AuthKind] = {
    "NONE": "none",
    "AWS_IAM": "iam",
    "COGNITO_USER_POOLS": "cognito",
    "CUSTOM": "lambda",
    "JWT": "jwt",
}
_CORS_ORIGIN = "method.response.header.Access-Control-Allow-Origin"
_CORS_CREDENTIALS = "method.response.header.Access-Control-Allow-Credentials"
_MAX_PATH_DEPTH = 64


class CloudFormationEndpoints:
    """Builds the endpoints declared by plain CloudFormation resources."""

    def __init__(self, build: Build) -> None:
        self.build = build
        self.index = build.index

    def endpoints(self) -> list[Endpoint]:
        """Every HTTP entry point among the application's resources."""
        return [
            *self.rest_methods(),
            *self.bodies(),
            *self.routes(),
            *self.quick_create(),
            *self.urls(),
            *self.load_balancers(),
            *self.graphql(),
        ]

    # -- REST APIs ------------------------------------------------------------------------

    def rest_methods(self) -> list[Endpoint]:
        """`AWS::ApiGateway::Method` resources."""
        methods = self.index.of_type("AWS::ApiGateway::Method")
        cors = self._preflight_cors(methods)
        return [self._rest_method(method, cors) for method in methods]

    def _rest_method(self, method: Resource, cors: dict[str, Cors]) -> Endpoint:
        props = method.properties
        api = self.build.resource(props.get("RestApiId"), REST_API)
        integration = mapping(props.get("Integration"))
        lambda_integration = upper(integration.get("Type")) in ("AWS", "AWS_PROXY")
        auth = self._auth(method, "AWS::ApiGateway::Authorizer", "Type")
        api_key = is_true(props.get("ApiKeyRequired"))
        if auth.kind == "none" and api_key:
            auth = Auth("api-key-only", origin=auth.origin)
        network = self._rest_network(api)
        return Endpoint(
            kind="rest",
            function=self.build.function_of(integration.get("Uri")) if lambda_integration else None,
            method=normal_method(render(props.get("HttpMethod"))),
            path=self._path(props.get("ResourceId")),
            api=self._api_label(api, props.get("RestApiId")),
            auth=auth,
            api_key_required=api_key,
            validation=self._validation(method),
            cors=cors.get(render(props.get("ResourceId"))),
            origin=method.origin,
            syntax="cloudformation",
            network=network[0],
            network_detail=network[1],
        )

    def _auth(self, resource: Resource, authorizer_type: str, type_key: str) -> Auth:
        props = resource.properties
        if "AuthorizationType" not in props:
            return Auth("none")
        value = self.index.resolve(props["AuthorizationType"])
        where = resource.origin_of("AuthorizationType")
        name = upper(value)
        kind = _TYPE_KINDS.get(name)
        if kind is None:
            return Auth("unknown", origin=where, detail=f"AuthorizationType {render(value)}")
        if kind == "none":
            return Auth("none", origin=where)
        authorizer = self.build.resource(props.get("AuthorizerId"), authorizer_type)
        if authorizer is not None and kind != "iam":
            kind = authorizer_kind(upper(authorizer.properties.get(type_key)) or name)
        label = (
            authorizer.logical_id if authorizer is not None else render(props.get("AuthorizerId"))
        )
        return Auth(kind, label or name, where)

    def _path(self, resource_id: object) -> str:
        parts: list[str] = []
        current = resource_id
        for _ in range(_MAX_PATH_DEPTH):
            resource = self.build.resource(current, "AWS::ApiGateway::Resource")
            if resource is None:
                break
            parts.append(render(resource.properties.get("PathPart")))
            current = resource.properties.get("ParentId")
        root = "RootResourceId" in render(current)
        path = "/" + "/".join(reversed(parts))
        return path if root else "…" + path

    def _api_label(self, api: Resource | None, reference: object) -> str:
        if api is not None:
            return api.logical_id
        if self.build.app.kind == "serverless" and "ApiGatewayRestApi" in render(reference):
            return self.build.app.name  # The REST API the Framework generates.
        return render(reference) or "REST API"

    def _rest_network(self, api: Resource | None) -> tuple[Network, str]:
        if api is None:
            return "internet", ""
        types = mapping(api.properties.get("EndpointConfiguration")).get("Types")
        if any(upper(item) == "PRIVATE" for item in items(types)):
            return "private", f"{api.logical_id} is a private REST API"
        policy = mapping(api.properties.get("Policy"))
        return policy_network(policy.get("Statement"))

    def _validation(self, method: Resource) -> Validation:
        props = method.properties
        if "RequestValidatorId" not in props:
            return Validation("not-validated", "no RequestValidatorId", method.origin)
        validator = self.build.resource(
            props["RequestValidatorId"], "AWS::ApiGateway::RequestValidator"
        )
        where = method.origin_of("RequestValidatorId")
        if validator is None:
            return Validation("unknown", f"validator {render(props['RequestValidatorId'])}")
        if not is_true(validator.properties.get("ValidateRequestBody")):
            detail = f"validator {validator.logical_id} does not check bodies"
            return Validation("not-validated", detail, where)
        if not props.get("RequestModels"):
            return Validation("not-validated", "no RequestModels", where)
        return Validation("validated", f"validator {validator.logical_id}", where)

    def _preflight_cors(self, methods: list[Resource]) -> dict[str, Cors]:
        """CORS per API resource, from the headers its OPTIONS mock integration returns."""
        found: dict[str, Cors] = {}
        for method in methods:
            if upper(method.properties.get("HttpMethod")) != "OPTIONS":
                continue
            integration = mapping(method.properties.get("Integration"))
            for response in items(integration.get("IntegrationResponses")):
                parameters = mapping(mapping(response).get("ResponseParameters"))
                if _CORS_ORIGIN in parameters:
                    allowed = unquote(render(parameters[_CORS_ORIGIN]))
                    credentials = render(parameters.get(_CORS_CREDENTIALS))
                    found[render(method.properties.get("ResourceId"))] = Cors(
                        (allowed,), unquote(credentials).lower() == "true", method.origin
                    )
        return found

    def bodies(self) -> list[Endpoint]:
        """Operations of OpenAPI definitions imported with `Body` or `BodyS3Location`."""
        found = []
        for api in self.index.of_type(REST_API, V2_API):
            http = api.type == V2_API
            if http and upper(api.properties.get("ProtocolType")) == "WEBSOCKET":
                continue
            key = "Body" if "Body" in api.properties else "BodyS3Location"
            body = body_of(api.properties.get(key), api.origin_of(key), self.build)
            kinds = scheme_kinds(body.document or YMap())
            network: tuple[Network, str] = ("internet", "") if http else self._rest_network(api)
            for operation in operations(body, self.build, http):
                security = operation.security if operation.security is not None else []
                auth, api_key = auth_of(
                    security, kinds, operation.security_origin, operation.security_global
                )
                found.append(
                    Endpoint(
                        kind="http" if http else "rest",
                        function=operation.function,
                        method=operation.method,
                        path=operation.path,
                        api=api.logical_id,
                        auth=auth,
                        api_key_required=api_key,
                        validation=operation.validation,
                        cors=operation.cors or (self._v2_cors(api) if http else None),
                        origin=operation.origin,
                        syntax="openapi",
                        network=network[0],
                        network_detail=network[1],
                    )
                )
        return found

    # -- HTTP and WebSocket APIs ----------------------------------------------------------

    def routes(self) -> list[Endpoint]:
        """`AWS::ApiGatewayV2::Route` resources."""
        found = []
        for route in self.index.of_type("AWS::ApiGatewayV2::Route"):
            props = route.properties
            api = self.build.resource(props.get("ApiId"), V2_API)
            key = render(props.get("RouteKey"))
            websocket = self._websocket(api, key)
            method, _, path = key.partition(" ") if " " in key else ("", "", key)
            auth = self._auth(route, "AWS::ApiGatewayV2::Authorizer", "AuthorizerType")
            api_key = is_true(props.get("ApiKeyRequired"))
            if auth.kind == "none" and api_key:
                auth = Auth("api-key-only", origin=auth.origin)
            found.append(
                Endpoint(
                    kind="websocket" if websocket else "http",
                    function=self._route_function(props.get("Target")),
                    method="" if websocket else normal_method(method or "ANY"),
                    path=path if websocket else normal_path(path),
                    api=api.logical_id if api else render(props.get("ApiId")),
                    auth=auth,
                    api_key_required=api_key,
                    validation=Validation("impossible", "no body validation on this API"),
                    cors=None if websocket or api is None else self._v2_cors(api),
                    origin=route.origin,
                    syntax="cloudformation",
                )
            )
        return found

    def _websocket(self, api: Resource | None, route_key: str) -> bool:
        if api is not None:
            return upper(api.properties.get("ProtocolType")) == "WEBSOCKET"
        return " " not in route_key and route_key != "$default"

    def _route_function(self, target: object) -> str | None:
        integration = self.build.resource(target, "AWS::ApiGatewayV2::Integration")
        if integration is None:
            return None
        return self.build.function_of(integration.properties.get("IntegrationUri"))

    def _v2_cors(self, api: Resource) -> Cors | None:
        cors = api.properties.get("CorsConfiguration")
        if not isinstance(cors, YMap):
            return None
        return Cors(
            origins_of(cors.get("AllowOrigins")),
            is_true(cors.get("AllowCredentials")),
            api.origin_of("CorsConfiguration"),
        )

    def quick_create(self) -> list[Endpoint]:
        """An HTTP API with `Target`: API Gateway creates an open `$default` route for it."""
        found = []
        for api in self.index.of_type(V2_API):
            if "Target" not in api.properties or "Body" in api.properties:
                continue
            found.append(
                Endpoint(
                    kind="http",
                    function=self.build.function_of(api.properties["Target"]),
                    method="ANY",
                    path="$default",
                    api=api.logical_id,
                    auth=Auth("none", origin=api.origin_of("Target")),
                    api_key_required=False,
                    validation=Validation("impossible", "HTTP APIs do not validate request bodies"),
                    cors=self._v2_cors(api),
                    origin=api.origin_of("Target"),
                    syntax="cloudformation",
                )
            )
        return found

    # -- function URLs, load balancers, AppSync -------------------------------------------

    def urls(self) -> list[Endpoint]:
        """`AWS::Lambda::Url` resources."""
        found = []
        for url in self.index.of_type("AWS::Lambda::Url"):
            target = url.properties.get("TargetFunctionArn")
            function = self.build.function_of(target)
            found.append(
                url_endpoint(
                    self.build,
                    function,
                    function or render(target),
                    url.properties,
                    (url.properties_origin, url.origin),
                    "cloudformation",
                )
            )
        return found

    def load_balancers(self) -> list[Endpoint]:
        """Listeners and listener rules that forward to a Lambda target group."""
        found = []
        for listener in self.index.of_type("AWS::ElasticLoadBalancingV2::Listener"):
            network = self._balancer_network(listener.properties.get("LoadBalancerArn"))
            endpoint = self._forwarding(listener, "DefaultActions", network)
            if endpoint is not None:
                found.append(endpoint)
        for rule in self.index.of_type("AWS::ElasticLoadBalancingV2::ListenerRule"):
            network = listener_network(self.build, rule.properties.get("ListenerArn"))
            endpoint = self._forwarding(rule, "Actions", network)
            if endpoint is not None:
                found.append(endpoint)
        return found

    def _balancer_network(self, balancer_arn: object) -> tuple[Network, str]:
        balancer = self.build.resource(balancer_arn, "AWS::ElasticLoadBalancingV2::LoadBalancer")
        if balancer is not None and upper(balancer.properties.get("Scheme")) == "INTERNAL":
            return "private", f"load balancer {balancer.logical_id} is internal"
        return "internet", ""

    def _forwarding(
        self, owner: Resource, key: str, network: tuple[Network, str]
    ) -> Endpoint | None:
        actions = [mapping(action) for action in items(owner.properties.get(key))]
        groups = [group for action in actions for group in self._lambda_groups(action)]
        if not groups:
            return None
        types = {render(action.get("Type")).lower() for action in actions}
        kind: AuthKind = "none"
        if "authenticate-cognito" in types:
            kind = "cognito"
        elif "authenticate-oidc" in types:
            kind = "oidc"
        method, path = _rule_conditions(owner.properties.get("Conditions"))
        return Endpoint(
            kind="alb",
            function=self._group_function(groups),
            method=method,
            path=path,
            api=owner.logical_id,
            auth=Auth(kind, origin=owner.origin_of(key)),
            api_key_required=False,
            validation=Validation("impossible", "load balancers do not validate request bodies"),
            cors=None,
            origin=owner.origin,
            syntax="cloudformation",
            network=network[0],
            network_detail=network[1],
        )

    def _lambda_groups(self, action: YMap) -> list[Resource]:
        references = [action.get("TargetGroupArn")]
        forward = mapping(action.get("ForwardConfig"))
        references.extend(
            mapping(item).get("TargetGroupArn") for item in items(forward.get("TargetGroups"))
        )
        groups = []
        for reference in references:
            group = self.build.resource(reference, "AWS::ElasticLoadBalancingV2::TargetGroup")
            if group is not None and upper(group.properties.get("TargetType")) == "LAMBDA":
                groups.append(group)
        return groups

    def _group_function(self, groups: list[Resource]) -> str | None:
        for group in groups:
            for target in items(group.properties.get("Targets")):
                function = self.build.function_of(mapping(target).get("Id"))
                if function is not None:
                    return function
        return None

    def graphql(self) -> list[Endpoint]:
        """`AWS::AppSync::GraphQLApi` resources."""
        found = []
        for api in self.index.of_type("AWS::AppSync::GraphQLApi"):
            mode = self.index.resolve(api.properties.get("AuthenticationType"))
            extra = len(items(api.properties.get("AdditionalAuthenticationProviders")))
            where = api.origin_of("AuthenticationType")
            found.append(appsync_endpoint(mode, extra, api.logical_id, where, "cloudformation"))
        return found


def _rule_conditions(conditions: object) -> tuple[str, str]:
    methods: list[str] = []
    paths: list[str] = []
    for condition in items(conditions):
        condition = mapping(condition)
        field = render(condition.get("Field")).lower()
        values = items(condition.get("Values"))
        if field == "path-pattern":
            config = mapping(condition.get("PathPatternConfig"))
            paths.extend(render(value) for value in values or items(config.get("Values")))
        elif field == "http-request-method":
            config = mapping(condition.get("HttpRequestMethodConfig"))
            methods.extend(normal_method(render(v)) for v in values or items(config.get("Values")))
    return (methods[0] if len(methods) == 1 else "ANY", paths[0] if len(paths) == 1 else "*")
