"""OpenAPI definitions of API Gateway APIs: operations, their security, integration, validation.

Read from an inline `DefinitionBody`/`Body`, an `AWS::Include` transform or a local
`DefinitionUri`/`BodyS3Location` file inside the scan root. An S3 location or a file
outside the scan root cannot be read: the API's operations are then unknown, never public.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from slsguard.analysis._http_model import (
    Auth,
    AuthKind,
    Build,
    Cors,
    Validation,
    child,
    is_true,
    literal,
    mapping,
    normal_method,
    normal_path,
    origins_of,
    unquote,
)
from slsguard.findings import Origin
from slsguard.loading.yaml import YMap, origin_of_node
from slsguard.model import render

METHODS = frozenset(
    {"get", "put", "post", "delete", "options", "head", "patch", "x-amazon-apigateway-any-method"}
)
_CORS_ORIGIN = "method.response.header.Access-Control-Allow-Origin"
_CORS_CREDENTIALS = "method.response.header.Access-Control-Allow-Credentials"

BodyStatus = Literal["absent", "loaded", "unreadable"]
# Ordered weakest first: the weakest alternative of a `security` list decides who gets in.
_STRENGTH: dict[str, int] = {"none": 0, "api-key-only": 1, "unknown": 2}


@dataclass(frozen=True, slots=True)
class Body:
    """An API's OpenAPI definition, or why there is none to read."""

    status: BodyStatus
    document: YMap | None = None
    origin: Origin | None = None
    where: str = ""
    """How it is given, for messages: `DefinitionUri s3://...`."""


@dataclass(frozen=True, slots=True)
class Operation:
    """One method of one path of an OpenAPI definition."""

    method: str
    path: str
    origin: Origin
    security: Any
    """The `security` list that applies (the operation's, else the global one), or None."""
    security_origin: Origin | None
    security_global: bool
    function: str | None
    validation: Validation
    cors: Cors | None


def body_of(value: object, origin: Origin, build: Build) -> Body:
    """The definition in `DefinitionBody`/`Body` (inline or `AWS::Include`) or a file location."""
    if value is None:
        return Body("absent")
    if isinstance(value, YMap) and "Fn::Transform" in value:
        parameters = mapping(mapping(value["Fn::Transform"]).get("Parameters"))
        value = parameters.get("Location")
    elif isinstance(value, YMap) and ("paths" in value or "openapi" in value or "swagger" in value):
        return Body("loaded", value, origin)
    document = build.load_local(value)
    if isinstance(document, YMap):
        return Body("loaded", document, origin_of_node(document, document.file))
    return Body("unreadable", where=render(value))


def scheme_kinds(document: YMap) -> dict[str, AuthKind]:
    """The kind of check each security scheme of a definition makes."""
    schemes = document.get("securityDefinitions")
    if not isinstance(schemes, YMap):
        schemes = mapping(mapping(document.get("components")).get("securitySchemes"))
    return {name: _scheme_kind(mapping(spec)) for name, spec in schemes.items()}


def _scheme_kind(spec: YMap) -> AuthKind:
    auth_type = (literal(spec.get("x-amazon-apigateway-authtype")) or "").lower()
    authorizer = mapping(spec.get("x-amazon-apigateway-authorizer"))
    authorizer_type = (literal(authorizer.get("type")) or "").lower()
    if auth_type == "awssigv4":
        return "iam"
    if auth_type == "cognito_user_pools" or authorizer_type == "cognito_user_pools":
        return "cognito"
    if authorizer_type in ("token", "request"):
        return "lambda"
    if authorizer_type == "jwt":
        return "jwt"
    if (literal(spec.get("type")) or "").lower() == "apikey" and not authorizer:
        return "api-key-only"
    return "authorizer"


def auth_of(
    security: Any, kinds: dict[str, AuthKind], origin: Origin | None, inherited: bool
) -> tuple[Auth, bool]:
    """The auth a `security` list demands, and whether it includes an API key.

    Each item of the list is an alternative: the weakest one decides who gets in.
    """
    if not isinstance(security, list):
        return Auth("unknown", origin=origin, detail="`security` is not a list"), False
    if not security:
        return Auth("none", origin=origin, inherited=inherited), False
    weakest: Auth | None = None
    api_key = True
    for requirement in security:
        auth, with_key = _alternative(mapping(requirement), kinds, origin, inherited)
        api_key = api_key and with_key
        if weakest is None or _strength(auth) < _strength(weakest):
            weakest = auth
    assert weakest is not None
    return weakest, api_key


def _alternative(
    requirement: YMap, kinds: dict[str, AuthKind], origin: Origin | None, inherited: bool
) -> tuple[Auth, bool]:
    found: list[tuple[AuthKind, str]] = []
    for name in requirement:
        if name == "NONE":  # SAM's marker for "not the default authorizer"
            continue
        kind: AuthKind = "iam" if name in ("AWS_IAM", "sigv4") else kinds.get(name, "unknown")
        if name == "api_key" and name not in kinds:
            kind = "api-key-only"  # The scheme SAM adds for `ApiKeyRequired`.
        found.append((kind, name))
    api_key = any(kind == "api-key-only" for kind, _ in found)
    for kind, name in found:
        if kind not in ("api-key-only", "unknown"):
            return Auth(kind, name, origin, inherited), api_key
    if any(kind == "unknown" for kind, _ in found):
        names = ", ".join(name for kind, name in found if kind == "unknown")
        return Auth(
            "unknown", origin=origin, detail=f"security scheme {names} is not defined"
        ), api_key
    if api_key:
        return Auth("api-key-only", origin=origin, inherited=inherited), True
    return Auth("none", origin=origin, inherited=inherited), False


def _strength(auth: Auth) -> int:
    return _STRENGTH.get(auth.kind, 3)


def operations(body: Body, build: Build, http_api: bool) -> list[Operation]:
    """Every operation of a loaded definition, with its security, integration and validation."""
    document, origin = body.document, body.origin
    if document is None or origin is None:
        return []
    paths = document.get("paths")
    if not isinstance(paths, YMap):
        return []
    paths_origin = child(document, "paths", origin)
    cors = _http_api_cors(document, origin) if http_api else None
    found: list[Operation] = []
    for path, spec in paths.items():
        if not isinstance(spec, YMap):
            continue
        path_origin = paths.origin_of(path, paths_origin)
        path_cors = cors if http_api else _preflight_cors(spec, path_origin)
        for method, operation in spec.items():
            if method.lower() not in METHODS or not isinstance(operation, YMap):
                continue
            where = spec.origin_of(method, path_origin)
            found.append(
                _operation(document, origin, path, method, operation, where, build, http_api)
            )
            if path_cors is not None:
                found[-1] = _with_cors(found[-1], path_cors)
    return found


def _operation(
    document: YMap,
    origin: Origin,
    path: str,
    method: str,
    operation: YMap,
    where: Origin,
    build: Build,
    http_api: bool,
) -> Operation:
    native = mapping(operation.get("x-amazon-apigateway-auth"))
    if (literal(native.get("type")) or "").upper() == "AWS_IAM":
        # API Gateway's own per-operation extension: SigV4, whatever `security` says.
        sigv4 = YMap(native.file, native.position)
        sigv4["AWS_IAM"] = []
        security, security_origin, is_global = (
            [sigv4],
            child(operation, "x-amazon-apigateway-auth", where),
            False,
        )
    elif "security" in operation:
        security, security_origin, is_global = (
            operation["security"],
            child(operation, "security", where),
            False,
        )
    elif "security" in document:
        security, security_origin, is_global = (
            document["security"],
            child(document, "security", origin),
            True,
        )
    else:
        security, security_origin, is_global = None, None, False
    integration = mapping(operation.get("x-amazon-apigateway-integration"))
    function = build.function_of(integration.get("uri"))
    return Operation(
        method=normal_method(method),
        path=normal_path(path),
        origin=where,
        security=security,
        security_origin=security_origin,
        security_global=is_global,
        function=function,
        validation=_validation(document, operation, where, http_api),
        cors=None,
    )


def _with_cors(operation: Operation, cors: Cors) -> Operation:
    return Operation(
        operation.method,
        operation.path,
        operation.origin,
        operation.security,
        operation.security_origin,
        operation.security_global,
        operation.function,
        operation.validation,
        cors,
    )


def _validation(document: YMap, operation: YMap, where: Origin, http_api: bool) -> Validation:
    if http_api:
        return Validation("impossible", "HTTP APIs do not validate request bodies")
    key = "x-amazon-apigateway-request-validator"
    name = operation.get(key, document.get(key))
    if name is None:
        return Validation("not-validated", f"no `{key}`", where)
    validators = mapping(document.get("x-amazon-apigateway-request-validators"))
    validator = validators.get(literal(name) or "")
    if not isinstance(validator, YMap):
        return Validation("unknown", f"request validator {render(name)} is not defined here")
    if not is_true(validator.get("validateRequestBody")):
        return Validation("not-validated", f"validator {render(name)} does not check bodies", where)
    if not _has_body_schema(operation):
        return Validation("not-validated", "the operation declares no body schema", where)
    return Validation("validated", f"validator {render(name)}", where)


def _has_body_schema(operation: YMap) -> bool:
    content = mapping(mapping(operation.get("requestBody")).get("content"))
    if any(isinstance(media, YMap) and "schema" in media for media in content.values()):
        return True
    parameters = operation.get("parameters")
    return isinstance(parameters, list) and any(
        isinstance(item, YMap) and item.get("in") == "body" and "schema" in item
        for item in parameters
    )


def _http_api_cors(document: YMap, origin: Origin) -> Cors | None:
    cors = document.get("x-amazon-apigateway-cors")
    if not isinstance(cors, YMap):
        return None
    return Cors(
        origins_of(cors.get("allowOrigins")),
        is_true(cors.get("allowCredentials")),
        child(document, "x-amazon-apigateway-cors", origin),
    )


def _preflight_cors(path_spec: YMap, path_origin: Origin) -> Cors | None:
    """CORS of a REST path, from the headers its OPTIONS mock integration returns."""
    options = path_spec.get("options")
    if not isinstance(options, YMap):
        return None
    integration = mapping(options.get("x-amazon-apigateway-integration"))
    for response in mapping(integration.get("responses")).values():
        parameters = mapping(mapping(response).get("responseParameters"))
        if _CORS_ORIGIN in parameters:
            allowed = unquote(render(parameters[_CORS_ORIGIN]))
            credentials = unquote(render(parameters.get(_CORS_CREDENTIALS))).lower() == "true"
            where = child(path_spec, "options", path_origin)
            return Cors((allowed,), credentials, where)
    return None
