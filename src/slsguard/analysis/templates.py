"""What the runtime rules share: how a function is written, its resources, grouped places.

A Serverless service can hold functions of three syntaxes (its `functions:`, and SAM-less
CloudFormation functions in `resources:`), a SAM template holds SAM and plain Lambda
functions: a fix must be written in the syntax of the function it concerns.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from slsguard.findings import Origin, name_list
from slsguard.loading.yaml import YMap
from slsguard.model import Application, Dialect, Function, render

_RESOURCE_SYNTAX: dict[str, Dialect] = {
    "AWS::Serverless::Function": "sam",
    "AWS::Lambda::Function": "cloudformation",
}


@dataclass(frozen=True, slots=True)
class Resource:
    """A CloudFormation resource of the application: logical id, type, properties, origin."""

    logical_id: str
    type: str
    properties: YMap
    origin: Origin


def resource(app: Application, logical_id: str | None) -> Resource | None:
    """The resource with this logical id in the application's `Resources`, if any."""
    resources = app.resources
    if logical_id is None or not isinstance(resources, YMap):
        return None
    raw = resources.get(logical_id)
    if not isinstance(raw, YMap):
        return None
    origin = resources.origin_of(logical_id, app.resources_origin or app.origin)
    properties = raw.get("Properties")
    if not isinstance(properties, YMap):
        properties = YMap(origin.file, (origin.line, origin.column))
    return Resource(logical_id, render(raw.get("Type")), properties, origin)


def resources_of_type(app: Application, *types: str) -> Iterator[Resource]:
    """Every resource of one of the given types."""
    resources = app.resources
    if not isinstance(resources, YMap):
        return
    for logical_id, raw in resources.items():
        if isinstance(raw, YMap) and raw.get("Type") in types:
            found = resource(app, logical_id)
            if found is not None:
                yield found


def is_lambda_app(app: Application) -> bool:
    """False for a Serverless service of another provider (`provider: {name: kubeless}`)."""
    if app.kind != "serverless" or not isinstance(app.template, YMap):
        return True
    provider = app.template.get("provider")
    name = provider.get("name") if isinstance(provider, YMap) else provider
    return name is None or render(name).strip().lower() == "aws"


def syntax_of(app: Application, fn: Function) -> Dialect:
    """The syntax the function is written in (what its fix must use)."""
    found = resource(app, fn.logical_id)
    if found is not None and found.type in _RESOURCE_SYNTAX:
        return _RESOURCE_SYNTAX[found.type]
    return "serverless" if app.kind == "serverless" else "cloudformation"


def is_container_image(fn: Function, syntax: Dialect) -> bool:
    """Whether the function is deployed as a container image (no managed runtime, no zip)."""
    settings = fn.settings
    if not isinstance(settings, YMap):
        return False
    if syntax == "serverless":
        return settings.get("image") is not None
    return render(settings.get("PackageType")).lower() == "image"


def logical_id_of(value: Any) -> str | None:
    """The resource a `!Ref X`, `!GetAtt X.Attr` or `!Sub "...${X.Arn}..."` names."""
    if not isinstance(value, dict) or len(value) != 1:
        return None
    ((name, argument),) = value.items()
    if name == "Ref" and isinstance(argument, str):
        return argument
    if name == "Fn::GetAtt":
        parts = argument if isinstance(argument, list) else str(argument).split(".")
        return str(parts[0]) if parts else None
    if name == "Fn::Sub":
        template = argument[0] if isinstance(argument, list) and argument else argument
        names = [n for n in re.findall(r"\$\{([A-Za-z0-9]+)[.}]", str(template))]
        return names[0] if len(set(names)) == 1 else None
    return None


def mentions(value: Any, logical_id: str) -> bool:
    """Whether a value, or anything nested in it, refers to the resource `logical_id`."""
    if isinstance(value, dict):
        if logical_id_of(value) == logical_id:
            return True
        return any(mentions(item, logical_id) for item in value.values())
    if isinstance(value, list):
        return any(mentions(item, logical_id) for item in value)
    pattern = rf"(?<![A-Za-z0-9]){re.escape(logical_id)}(?![A-Za-z0-9])"
    return re.search(pattern, render(value)) is not None


def parameter_default(app: Application, value: Any) -> Any:
    """The default of the template parameter a `!Ref` names, else the value itself."""
    name = logical_id_of(value)
    template = app.template
    if name is None or not isinstance(value, dict) or "Ref" not in value:
        return value
    if not isinstance(template, YMap) or not isinstance(template.get("Parameters"), YMap):
        return value
    spec = template["Parameters"].get(name)
    if isinstance(spec, YMap) and "Default" in spec:
        return spec["Default"]
    return value


def describe(names: Iterable[str], limit: int = 4) -> str:
    """`function create` / `3 functions (create, list, delete)`."""
    unique = list(dict.fromkeys(names))
    if len(unique) == 1:
        return f"function {unique[0]}"
    return f"{len(unique)} functions ({name_list(unique, limit)})"


def key_name(syntax: Dialect, serverless: str, cloudformation: str) -> str:
    """The name of a setting in the function's syntax: `timeout` or `Timeout`."""
    return serverless if syntax == "serverless" else cloudformation
