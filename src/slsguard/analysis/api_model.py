"""The values `apis()` returns: APIs, their stages and the settings that operate them.

Every setting that is on carries the key that turns it on (`Setting.origin`), so a rule can
point at it (`DataTraceEnabled: true`); a setting that is off is `None`, and a rule about
something missing points at the stage's own origin, the key that opens it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from slsguard.findings import Origin, name_list
from slsguard.model import Dialect

ApiKind = Literal["rest", "http", "websocket"]
"""The syntax the API is written in, which is the syntax a fix must use."""

IMPLICIT = "implicit"
"""The `logical_id` of an API the framework creates from function events."""


@dataclass(frozen=True, slots=True)
class Setting:
    """A setting that is on: what it says, in words, and the key that turns it on."""

    value: str
    origin: Origin


@dataclass(frozen=True, slots=True)
class Stage:
    """One deployed stage of an API, with the operational settings that apply to it."""

    name: str
    """The stage name as written (`Prod`, `dev`, `$default`), rendered."""
    origin: Origin
    """The key that opens the stage: the stage resource, the API resource, `provider:`."""
    logical_id: str | None = None
    """The stage's CloudFormation logical id, generated ones included (`MyApiProdStage`)."""
    access_logging: Setting | None = None
    execution_logging: Setting | None = None
    """The execution log level (`INFO`, `ERROR`); None when off (REST and WebSocket only)."""
    data_trace: Setting | None = None
    """Full request and response bodies in the execution logs."""
    tracing: Setting | None = None
    """X-Ray tracing (REST APIs only)."""
    throttling: Setting | None = None
    """Stage or route throttling limits, or a usage plan with a throttle."""
    waf: Setting | None = None
    """The web ACL that filters the stage's requests (associated, or on CloudFront in front)."""
    address: str | None = None
    """The Terraform address of the stage resource (`aws_api_gateway_stage.prod`)."""


@dataclass(frozen=True, slots=True)
class CustomDomain:
    """A custom domain name that serves an API."""

    name: str
    origin: Origin
    security_policy: str | None = None
    """`TLS_1_0`, `TLS_1_2`, ... as written; None when left to the default."""
    logical_id: str | None = None


@dataclass(frozen=True, slots=True)
class Distribution:
    """A CloudFront distribution of the application and what its origins point at."""

    logical_id: str
    origin: Origin
    web_acl: Setting | None
    targets: frozenset[str]
    """Logical ids its origins refer to (an API, a function URL, a custom domain, ...)."""


@dataclass(frozen=True, slots=True)
class Api:
    """An API Gateway API (REST, HTTP or WebSocket) and its stages."""

    kind: ApiKind
    logical_id: str
    """The resource's logical id, or `implicit` for one created from function events."""
    origin: Origin
    """The key that opens it: the API resource, `provider:`, SAM `Globals.Api`."""
    public: bool
    """Reachable from the internet (a REST API with a PRIVATE endpoint is not)."""
    syntax: Dialect
    resource_id: str
    """The CloudFormation logical id the API gets, generated ones included
    (`ApiGatewayRestApi`, `HttpApi`, `ServerlessRestApi`): what other resources refer to."""
    stages: tuple[Stage, ...] = ()
    domains: tuple[CustomDomain, ...] = ()
    functions: tuple[str, ...] = ()
    """The functions it invokes, as far as the template says."""
    fronted_by: tuple[Distribution, ...] = ()
    """CloudFront distributions whose origins point at it."""
    address: str | None = None
    """The Terraform address of the API resource, for an API written in Terraform."""

    @property
    def label(self) -> str:
        """`REST API MyApi`, or `the implicit HTTP API` for a generated one."""
        name = {"rest": "REST API", "http": "HTTP API", "websocket": "WebSocket API"}[self.kind]
        if self.logical_id == IMPLICIT:
            return f"the implicit {name}"
        return f"{name} {self.address or self.logical_id}"

    def describe(self, stage: Stage) -> str:
        """`stage Prod of REST API MyApi`."""
        return f"stage {stage.name} of {self.label}"

    def placement(self, stage: Stage) -> str:
        """Where SAM or CloudFormation stage properties go for this stage."""
        if stage.address is not None:
            return f"in {stage.address}"
        if self.address is not None:
            return f"in the stage resource of {self.address}"
        if self.syntax == "sam":
            if self.logical_id == IMPLICIT:
                return f"under `Globals: {'Api' if self.kind == 'rest' else 'HttpApi'}:`"
            return f"under `Properties:` of {self.logical_id}"
        if stage.logical_id is None and stage.origin.path:
            return f"under `Properties: StageDescription:` of {stage.origin.path[-1]}"
        return f"under `Properties:` of {stage.logical_id or self.logical_id}"

    def serves(self) -> str:
        """`in front of create, list (2 functions)`, or an empty string when unknown."""
        if not self.functions:
            return ""
        return f"in front of {name_list(self.functions, 3)}"


@dataclass(frozen=True, slots=True)
class LoadBalancer:
    """An application load balancer that routes to functions of the application."""

    logical_id: str
    origin: Origin
    public: bool
    """Internet-facing (`Scheme` is not `internal`)."""
    functions: tuple[str, ...]
    waf: Setting | None = None
