"""The targets of fix intents (`slsguard.fixes.Target`), made from the model and analyses.

A rule says *what* to change (`tracing` on this function); the target says *which thing* in
model terms (its kind, name, CloudFormation type and logical id, where it is written), so
that every dialect can write the change its own way.
"""

from __future__ import annotations

from slsguard.analysis.api_model import IMPLICIT, Api, Stage
from slsguard.analysis.http import Cors, Endpoint
from slsguard.analysis.intrinsics import resource_type
from slsguard.analysis.monitoring import deployed_names
from slsguard.findings import Origin, name_list
from slsguard.fixes import REMOVES_ACCESS, SetSetting, Setting, Target
from slsguard.model import Application, EnvVar, Function, Statement
from slsguard.tf_address import resource_name


def function_target(app: Application, fn: Function) -> Target:
    """The function itself (its key, or its resource's logical id)."""
    logical = fn.logical_id or fn.name
    names = sorted(deployed_names(app, fn))
    return Target(
        "function",
        fn.name,
        fn.origin,
        resource_type=resource_type(app, logical) or "AWS::Lambda::Function",
        logical_id=logical,
        deployed_name=names[0] if len(names) == 1 else "",
    )


def service_target(app: Application, origin: Origin, functions: tuple[str, ...]) -> Target:
    """The service-wide block (`provider:`, SAM `Globals`) for settings every function shares."""
    return Target("service", app.name, origin, functions=functions)


def resource_target(app: Application, logical_id: str, origin: Origin, name: str = "") -> Target:
    """A resource of the template, by logical id."""
    return Target(
        "resource",
        name or resource_name(app, logical_id),
        origin,
        resource_type=resource_type(app, logical_id) or "",
        logical_id=logical_id,
    )


def stage_target(app: Application, api: Api, stage: Stage) -> Target:
    """The resource that holds a stage's settings (the stage, its deployment, or the API)."""
    name = f"{api.resource_id}:{stage.name}"
    if api.syntax == "sam" and api.logical_id == IMPLICIT:
        return Target("service", name, stage.origin, variant=api.kind)
    logical = stage.logical_id or ""
    kind = resource_type(app, logical) if logical else None
    if kind is None:  # A generated stage: its settings live on the resource that opens it.
        logical = next(
            (str(p) for p in reversed(stage.origin.path) if resource_type(app, str(p))), ""
        )
        kind = resource_type(app, logical) if logical else None
    return Target(
        "stage", name, stage.origin, resource_type=kind or "", logical_id=logical, variant=api.kind
    )


def holder_target(api: Api, stage: Stage, setting: Origin) -> Target:
    """The mapping that holds a stage setting written at `setting` (to change it in place)."""
    holder = Origin(setting.file, setting.path[:-1], setting.line, setting.column)
    return Target("setting", f"{api.resource_id}:{stage.name}", holder, variant=api.kind)


def statement_target(statement: Statement) -> Target:
    """The statement mapping of a policy (to change its `Action` or `Resource` in place)."""
    return policy_statement_target(statement.policy, statement.origin)


def policy_statement_target(policy: str, origin: Origin) -> Target:
    """A statement of a resource policy (a bucket or topic policy), by where it is written."""
    return Target("setting", policy, origin, variant="iam-statement")


def statement_fix(
    statement: Statement, setting: Setting, written: str, wanted: object
) -> SetSetting:
    """Replace what a statement grants (`written`, its `Action` or `Resource`) with `wanted`:
    less access, so never applied without the user's choice of the value."""
    return SetSetting(
        statement_target(statement),
        setting,
        [wanted],
        REMOVES_ACCESS,
        note=f"in place of `{written}`; `slsguard policy` prints the statements the code needs",
    )


def environment_target(variable: EnvVar, functions: tuple[Function, ...]) -> Target:
    """The environment mapping that holds a variable (where a moved secret's name goes),
    named after the functions it reaches."""
    origin = variable.origin
    holder = Origin(origin.file, origin.path[:-1], origin.line, origin.column)
    names = tuple(fn.name for fn in functions)
    return Target("setting", name_list(names), holder, functions=names, variant="environment")


_NO_SETTING = frozenset(
    {"AWS::ElasticLoadBalancingV2::Listener", "AWS::ElasticLoadBalancingV2::ListenerRule"}
)
"""Routes whose authentication is an action of the listener, not a setting."""


def route_target(app: Application, endpoint: Endpoint) -> Target | None:
    """An HTTP route (the event, the method or route resource, the OpenAPI operation) whose
    authorization a fix sets; the variant is the API kind, `openapi` for an operation of an
    API definition (written the same way in every template syntax). None when no setting
    authenticates it: a load balancer listener's actions, an HTTP API's quick create."""
    if endpoint.origin.path[-1:] == ("Target",):
        return None
    variant = "openapi" if endpoint.syntax == "openapi" else endpoint.kind
    origin = endpoint.auth.origin or endpoint.origin
    if endpoint.kind == "appsync":  # The API's own `AuthenticationType`, changed in place.
        holder = Origin(origin.file, origin.path[:-1], origin.line, origin.column)
        return Target("setting", endpoint.api, holder, variant="appsync")
    path = endpoint.origin.path
    logical = str(path[-1]) if len(path) <= 2 and path[:1] != ("functions",) else ""
    kind = resource_type(app, logical) if logical else None
    if kind in _NO_SETTING:
        return None
    return Target(
        "route",
        endpoint.route,
        endpoint.origin,
        resource_type=kind or "",
        logical_id=logical if kind else "",
        variant=variant,
    )


def validation_target(app: Application, endpoint: Endpoint) -> Target | None:
    """Where a route's request validation is set: a request model already written (SAM
    `RequestModel` without `ValidateBody`), changed in place, else the route itself."""
    origin = endpoint.validation.origin
    if origin is not None and origin.path[-1:] == ("RequestModel",):
        return Target("setting", endpoint.route, origin, variant="request-model")
    return route_target(app, endpoint)


def cors_target(endpoint: Endpoint, cors: Cors) -> Target:
    """The CORS settings of a route (where they are written), to change the origins in place;
    the variant names the kind of API (`cors-rest`, `cors-http`, `cors-url`, `cors-openapi`)."""
    variant = "openapi" if endpoint.syntax == "openapi" else endpoint.kind
    return Target("setting", endpoint.api, cors.origin, variant=f"cors-{variant}")
