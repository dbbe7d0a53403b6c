"""The layers a function uses, where each is written, and who publishes it.

Layers come from the function (`layers`, `Layers`), else (Serverless) `provider.layers`;
SAM adds `Globals.Function.Layers` to the function's own. A layer is a version ARN, a
reference to a layer defined in the same template (`!Ref MyLayer`, Serverless
`{Ref: FfmpegLambdaLayer}`), a template parameter, or a deploy-time value slsguard cannot see.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from slsguard.analysis.templates import (
    logical_id_of,
    parameter_default,
    resource,
)
from slsguard.findings import Origin
from slsguard.loading.yaml import YList, YMap
from slsguard.model import Application, Dialect, Function, render

# One ARN field: plain text, or variables such as `${AWS::Region}` that contain colons.
_FIELD = r"(?:\$\{[^}]*\}|#\{[^}]*\}|[^:$#])"
_LAYER_ARN = re.compile(
    rf"^arn:{_FIELD}+:lambda:(?P<region>{_FIELD}*):(?P<account>{_FIELD}*):layer:"
    rf"(?P<name>{_FIELD}+)(?::(?P<version>{_FIELD}+))?$"
)
_ROLE_ARN = re.compile(r"^arn:[^:]+:iam::(\d{12}):role/")
_OWN_ACCOUNT = ("${AWS::AccountId}", "${aws:accountId}", "#{AWS::AccountId}")
_LAYER_TYPES = ("AWS::Lambda::LayerVersion", "AWS::Serverless::LayerVersion")


@dataclass(frozen=True, slots=True)
class LayerRef:
    """One layer reference as written, resolved as far as the template allows."""

    origin: Origin
    text: str
    """The ARN (or expression) as written, rendered."""
    account: str | None
    """The publishing account: 12 digits, `self` for this account, None when unknown."""
    name: str
    version: str | None
    note: str = ""


def layer_refs(app: Application, fn: Function, syntax: Dialect) -> Iterator[LayerRef]:
    """The external layers the function uses (layers of this template are left out)."""
    for value, origin in _written(app, fn, syntax):
        note = ""
        if isinstance(value, dict) and "Ref" in value:
            if _defined_here(app, logical_id_of(value)):
                continue
            default = parameter_default(app, value)
            if default is value:
                continue  # A parameter without default, or an unknown reference.
            value, note = default, f" (the default of parameter {logical_id_of(value)})"
        parsed = _parse(render(value), origin, note)
        if parsed is not None:
            yield parsed


def _written(app: Application, fn: Function, syntax: Dialect) -> Iterator[tuple[Any, Origin]]:
    """(value, origin) of every layer item that applies to the function."""
    if syntax == "serverless":
        settings = fn.settings if isinstance(fn.settings, YMap) else YMap()
        if "layers" in settings:  # The function's list replaces the provider's.
            yield from _items(settings, "layers", fn.origin)
        else:
            provider, provider_origin = _section(app, "provider")
            yield from _items(provider, "layers", provider_origin)
        return
    own = resource(app, fn.logical_id)
    if own is not None:
        yield from _items(own.properties, "Layers", own.origin)
    if syntax == "sam":  # SAM appends the function's layers to those of `Globals`.
        section, where = _section(app, "Globals")
        if isinstance(section, YMap) and isinstance(section.get("Function"), YMap):
            yield from _items(section["Function"], "Layers", section.origin_of("Function", where))


def _section(app: Application, key: str) -> tuple[Any, Origin]:
    template = app.template if isinstance(app.template, YMap) else YMap()
    where = template.origin_of(key, app.origin) if key in template else app.origin
    return template.get(key), where


def _items(owner: Any, key: str, owner_origin: Origin) -> Iterator[tuple[Any, Origin]]:
    if not isinstance(owner, YMap) or not isinstance(owner.get(key), YList):
        return
    items = owner[key]
    list_origin = owner.origin_of(key, owner_origin)
    for index, item in enumerate(items):
        yield item, items.origin_of(index, list_origin)


def _defined_here(app: Application, logical_id: str | None) -> bool:
    """A layer of this template: a LayerVersion resource, or a Serverless `layers:` entry."""
    found = resource(app, logical_id)
    if found is not None:
        return found.type in _LAYER_TYPES
    layers, _ = _section(app, "layers")
    if app.kind != "serverless" or not isinstance(layers, YMap) or logical_id is None:
        return False
    return logical_id in {_serverless_layer_id(name) for name in layers}


def _serverless_layer_id(name: str) -> str:
    """The Framework's logical id of a layer: `ffmpeg` → `FfmpegLambdaLayer`."""
    normalized = name.replace("-", "Dash").replace("_", "Underscore")
    return normalized[:1].upper() + normalized[1:] + "LambdaLayer"


def _parse(text: str, origin: Origin, note: str) -> LayerRef | None:
    match = _LAYER_ARN.match(text.strip())
    if match is None:
        return None
    account = match["account"]
    if account in _OWN_ACCOUNT:
        owner: str | None = "self"
    elif re.fullmatch(r"\d{12}", account):
        owner = account
    else:
        owner = None  # A parameter or variable: unknown until deploy time.
    return LayerRef(origin, text.strip(), owner, match["name"], match["version"], note)


def own_accounts(app: Application) -> set[str]:
    """Accounts the functions run in: those of their execution roles and deployment roles."""
    found: set[str] = set()
    for fn in app.functions:
        if fn.role is not None:
            found.update(_ROLE_ARN.findall(fn.role.key))
    provider, _ = _section(app, "provider")
    if isinstance(provider, YMap):
        iam = provider.get("iam")
        roles = [
            provider.get("cfnRole"),
            iam.get("deploymentRole") if isinstance(iam, YMap) else None,
        ]
        for role in roles:
            found.update(_ROLE_ARN.findall(render(role)))
    return found
