"""The values of the HTTP exposure model, and the small helpers its builders share.

`Endpoint` is one HTTP entry point; `Auth`, `Validation` and `Cors` describe what the
gateway checks before the function runs. `Build` is the per-application context the
builders for each syntax (Serverless, SAM, CloudFormation, OpenAPI) work in.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from slsguard.analysis.resources import Resource, ResourceIndex, referenced_ids
from slsguard.analysis.stacks import function_reference
from slsguard.discovery import display_name
from slsguard.findings import Origin
from slsguard.loading.yaml import YList, YMap, load_file
from slsguard.model import Application, Deferred, Dialect, Reference, render

EndpointKind = Literal["rest", "http", "websocket", "url", "alb", "appsync"]
AuthKind = Literal[
    "none", "iam", "cognito", "jwt", "lambda", "oidc", "authorizer", "api-key-only", "unknown"
]
"""`authorizer`: an authorizer whose type the templates do not show (an id, an unresolved
name); `unknown`: whether anything checks the caller cannot be told from the templates."""
ValidationState = Literal["validated", "not-validated", "impossible", "unknown"]
Network = Literal["internet", "private", "restricted", "unknown"]

AUTHENTICATED: frozenset[str] = frozenset({"iam", "cognito", "jwt", "lambda", "oidc", "authorizer"})


@dataclass(frozen=True, slots=True)
class Auth:
    """Who the gateway lets through: the kind of check and the authorizer that makes it."""

    kind: AuthKind
    authorizer: str | None = None
    """The authorizer's name, logical id or ARN (`aws_iam` for IAM)."""
    origin: Origin | None = None
    """Where the setting is written (`Authorizer: NONE`, `DefaultAuthorizer`, ...); None when
    nothing is written."""
    inherited: bool = False
    """From an API-wide default (`DefaultAuthorizer`, OpenAPI global `security`, `$connect`)."""
    detail: str = ""
    """Why the kind is `unknown`, or what else narrows access."""

    @property
    def authenticated(self) -> bool:
        """Whether the gateway checks an identity before the function runs."""
        return self.kind in AUTHENTICATED


@dataclass(frozen=True, slots=True)
class Validation:
    """Whether the gateway validates request bodies against a schema."""

    state: ValidationState
    detail: str = ""
    """The model or validator used, or what is missing."""
    origin: Origin | None = None


@dataclass(frozen=True, slots=True)
class Cors:
    """The CORS settings that apply to an endpoint."""

    allow_origins: tuple[str, ...]
    allow_credentials: bool
    origin: Origin
    """Where the CORS settings are written."""

    @property
    def wildcard(self) -> bool:
        """Whether any origin may read responses."""
        return "*" in self.allow_origins


@dataclass(frozen=True, slots=True)
class Endpoint:
    """One HTTP entry point: where it is, what it runs and what the gateway checks first."""

    kind: EndpointKind
    function: str | None
    """The function it invokes (None for non-Lambda integrations or when unresolvable)."""
    method: str
    """Upper case, `ANY` for every method; empty for WebSocket routes."""
    path: str
    """`/orders/{id}`, `$default`, a WebSocket route key, `/graphql` for AppSync."""
    api: str
    """The API: a logical id, `implicit REST API`, the Serverless service."""
    auth: Auth
    api_key_required: bool
    validation: Validation
    cors: Cors | None
    origin: Origin
    """The event key, Method or Route resource, or OpenAPI operation that declares it."""
    syntax: Dialect
    network: Network = "internet"
    network_detail: str = ""
    preflight: bool = False
    """A CORS preflight route the framework generates (OPTIONS, no function)."""

    @property
    def route(self) -> str:
        """`POST /orders`, or the route key alone for WebSocket routes."""
        return f"{self.method} {self.path}".strip()


@dataclass(frozen=True, slots=True)
class NamedAuthorizer:
    """An authorizer an API declares by name (SAM `Auth.Authorizers`, sls `authorizers`)."""

    kind: AuthKind
    origin: Origin


@dataclass
class Build:
    """What the builders of one application share: resources, functions, loaded files."""

    app: Application
    index: ResourceIndex
    functions: dict[str, str] = field(default_factory=dict)
    """Function logical id → function name."""
    loaded: dict[str, Any] = field(default_factory=dict)
    base_dir: Path | None = None
    scan_root: Path | None = None

    def function_of(self, value: object) -> str | None:
        """The function an ARN, `!GetAtt Fn.Arn` or integration URI points at."""
        for logical_id in referenced_ids(value):
            if logical_id in self.functions:
                return self.functions[logical_id]
        return function_reference(self.app, value)  # a function of another stack

    def resource(self, value: object, *types: str) -> Resource | None:
        """The resource of one of `types` that `!Ref X`/`!GetAtt X.Y` names."""
        for logical_id in referenced_ids(value):
            found = self.index.by_id.get(logical_id)
            if found is not None and found.type in types:
                return found
        if isinstance(value, str):
            found = self.index.by_id.get(value)
            if found is not None and found.type in types:
                return found
        return None

    def load_local(self, location: object) -> Any:
        """The document at a local path inside the scan root; None when it cannot be read."""
        text = literal(location)
        if not text or "://" in text or self.base_dir is None or self.scan_root is None:
            return None
        target = (self.base_dir / text).resolve()
        if not target.is_relative_to(self.scan_root) or not target.is_file():
            return None
        key = str(target)
        if key not in self.loaded:
            shown = display_name(target, self.app.names_folder())
            self.loaded[key] = load_file(key, shown).root
        return self.loaded[key]


def literal(value: object) -> str | None:
    """Plain text for a literal string or number; None for references and intrinsics."""
    if isinstance(value, bool | Reference | Deferred | dict | list):
        return None
    if isinstance(value, str | int | float):
        return str(value)
    return None


def upper(value: object) -> str:
    """A literal as upper-case text (empty for references)."""
    return (literal(value) or "").strip().upper()


def is_true(value: object) -> bool:
    """True for `true` written as a boolean or as text."""
    return value is True or (isinstance(value, str) and value.strip().lower() == "true")


def mapping(value: object) -> YMap:
    """The value when it is a mapping, else an empty one (so lookups stay short)."""
    return value if isinstance(value, YMap) else YMap()


def items(value: object) -> list[Any]:
    """A list value, or a single value as a one-item list."""
    if value is None:
        return []
    return list(value) if isinstance(value, YList | list) else [value]


def child(owner: object, key: str | int, origin: Origin) -> Origin:
    """The origin of `owner[key]` (the owner's when the key is absent)."""
    if isinstance(owner, YMap) and isinstance(key, str) and key in owner:
        return owner.origin_of(key, origin)
    if isinstance(owner, YList) and isinstance(key, int) and key < len(owner):
        return owner.origin_of(key, origin)
    return origin


def unquote(text: str) -> str:
    """`'*'` → `*`: SAM and API Gateway write header values as quoted literals."""
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        return text[1:-1]
    return text


def origins_of(value: object) -> tuple[str, ...]:
    """Allowed origins from a string or list, unquoted (references rendered as written)."""
    return tuple(unquote(render(item)) for item in items(value) if item is not None)


def normal_path(path: str) -> str:
    """`users/{id}/` → `/users/{id}`; route keys such as `$default` are kept."""
    path = path.strip()
    if path.startswith("$") or path == "*":
        return path
    return "/" + path.strip("/")


def normal_method(method: str) -> str:
    """`get` → `GET`, `*` and `x-amazon-apigateway-any-method` → `ANY`."""
    method = method.strip().upper()
    if method in ("*", "X-AMAZON-APIGATEWAY-ANY-METHOD"):
        return "ANY"
    return method


def policy_network(statements: object) -> tuple[Network, str]:
    """Who may reach an API under its resource policy: anyone, VPC endpoints, some IPs."""
    keys: set[str] = set()
    allows = public_allow = False
    for statement in items(statements):
        if not isinstance(statement, YMap):
            continue
        for block in mapping(statement.get("Condition")).values():
            keys.update(str(key).lower() for key in mapping(block))
        if upper(statement.get("Effect")) == "ALLOW":
            allows = True
            public_allow = public_allow or _public(statement.get("Principal"))
    if keys & {"aws:sourcevpce", "aws:sourcevpc"}:
        return "private", "its resource policy admits only requests from a VPC"
    if "aws:sourceip" in keys:
        return "restricted", "its resource policy admits only some source IP addresses"
    if allows and not public_allow:
        return "restricted", "its resource policy admits only named AWS principals"
    return "internet", ""


def _public(principal: object) -> bool:
    if isinstance(principal, YMap) and "AWS" in principal:
        principal = principal["AWS"]
    return any(literal(item) == "*" for item in items(principal))
