"""Helpers several rules share: where service-wide settings live, env vars once per place."""

from __future__ import annotations

from collections.abc import Iterator

from slsguard.findings import Origin
from slsguard.loading.policies import child_origin
from slsguard.loading.serverless import framework_major, function_logical_id, plugin_names
from slsguard.located import YMap
from slsguard.model import Application, EnvVar, Function, Trigger

__all__ = [
    "child_origin",
    "covered_by_service",
    "environment_once",
    "framework_major",
    "function_logical_id",
    "plugin_names",
    "service_level_origin",
]
"""`child_origin`, `plugin_names`, `function_logical_id` and `framework_major` are what the
loaders know that rules need too: re-exported here so rules never import a loader."""


def service_level_origin(app: Application) -> Origin | None:
    """Where settings for every function go: sls `provider:`, SAM `Globals.Function`."""
    if not app.documents:
        return None
    root = app.documents[0].root
    if not isinstance(root, YMap):
        return None
    if app.kind == "serverless" and "provider" in root:
        return root.origin_of("provider", app.origin)
    globals_section = root.get("Globals")
    if app.kind == "sam" and isinstance(globals_section, YMap):
        origin = root.origin_of("Globals", app.origin)
        if "Function" in globals_section:
            return globals_section.origin_of("Function", origin)
        return origin
    return None


def environment_once(app: Application) -> Iterator[tuple[EnvVar, tuple[Function, ...]]]:
    """Each environment variable once per place it is written, with the functions it reaches.

    Places are (file, line, column), not key paths: a SAM `Globals.Function.Environment`
    variable reaches each function under a different key path but is written once.
    """
    seen: dict[tuple[str, int, int], tuple[EnvVar, list[Function]]] = {}
    for fn in app.functions:
        for variable in fn.environment:
            origin = variable.origin
            entry = seen.setdefault((origin.file, origin.line, origin.column), (variable, []))
            if fn not in entry[1]:
                entry[1].append(fn)
    for variable, functions in seen.values():
        yield variable, tuple(functions)


_SERVICE_WIDE: dict[str, tuple[str, ...]] = {
    "tracing": ("serverless", "sam"),
    "log-retention": ("serverless",),
    "alarm": ("serverless",),
}
"""Per setting, the dialects where one service-wide entry (`provider:`, SAM `Globals`) sets it
for every function that does not set it itself."""


def covered_by_service(app: Application, fn: Function, setting: str) -> bool:
    """Whether a service-wide entry of `setting` reaches `fn` (a Serverless `functions:`
    entry for `provider:`, a SAM function for `Globals.Function`)."""
    from slsguard.analysis.templates import syntax_of

    return syntax_of(app, fn) in _SERVICE_WIDE.get(setting, ())


def function_url_id(fn: Function, trigger: Trigger) -> str:
    """The logical id of a function's URL resource, generated ones included: the
    Framework's `<Function>LambdaFunctionUrl`, an `AWS::Lambda::Url` resource's own, SAM's
    `<Function>Url`."""
    if trigger.origin.path[:1] == ("functions",):  # A Serverless function's `url:`.
        return function_logical_id(fn.name) + "Url"
    if isinstance(trigger.settings, YMap) and "TargetFunctionArn" in trigger.settings:
        return str(trigger.origin.path[-1])  # An AWS::Lambda::Url resource.
    return f"{fn.logical_id or fn.name}Url"
