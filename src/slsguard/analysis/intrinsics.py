"""CloudFormation values read for what they point at: referenced resources and ARN patterns.

Templates name their parts through intrinsics (`!Ref Api`, `!GetAtt Fn.Arn`,
`!Sub arn:...:/restapis/${Api}/stages/${Stage}`, `!Join`); these helpers follow them far
enough to tell which resource a value means, without evaluating anything deploy-time.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from slsguard.findings import Origin
from slsguard.loading.cloudformation import parameter_defaults
from slsguard.loading.yaml import YMap
from slsguard.model import Application, render

_SUB_VARIABLE = re.compile(r"\$\{(?!!)([^}]+)\}")
_MAX_DEPTH = 20


@dataclass(frozen=True, slots=True)
class Ref:
    """A reference inside a value: `!Ref X`, `!GetAtt X.Attr`, `${X}` or `${X.Attr}` in `!Sub`."""

    target: str
    attribute: str = ""


UNKNOWN = Ref("?")
"""A part slsguard cannot follow (a deploy-time variable, an `!If`): it may be anything."""

Piece = str | Ref


def resources_of(app: Application, *types: str) -> Iterator[tuple[str, YMap, Origin]]:
    """(logical id, properties, origin) of every resource of the given types."""
    resources = app.resources
    if not isinstance(resources, YMap):
        return
    parent = app.resources_origin or app.origin
    for logical_id, resource in resources.items():
        if isinstance(resource, YMap) and resource.get("Type") in types:
            properties = resource.get("Properties")
            origin = resources.origin_of(logical_id, parent)
            if not isinstance(properties, YMap):
                properties = YMap(origin.file, (origin.line, origin.column))
            yield logical_id, properties, origin


def resource_type(app: Application, logical_id: str) -> str | None:
    """The `Type` of a resource of the application, None when there is no such resource."""
    resources = app.resources
    resource = resources.get(logical_id) if isinstance(resources, YMap) else None
    return render(resource.get("Type")) if isinstance(resource, YMap) else None


def parameters(app: Application) -> dict[str, Any]:
    """The template's parameters: name → default (None for a parameter without default)."""
    template = app.template
    if app.kind == "serverless" or not isinstance(template, YMap):
        return {}
    declared = template.get("Parameters")
    names = dict.fromkeys(declared, None) if isinstance(declared, YMap) else {}
    return {**names, **parameter_defaults(template)}


def referenced_ids(value: Any, depth: int = 0) -> set[str]:
    """Every logical id (or parameter) a value refers to, however deeply nested."""
    found: set[str] = set()
    if depth > _MAX_DEPTH:
        return found
    if isinstance(value, dict):
        if len(value) == 1:
            ((name, argument),) = value.items()
            if name == "Ref" and isinstance(argument, str):
                return {argument.split(".", 1)[0]}
            if name == "Fn::GetAtt":
                parts = argument if isinstance(argument, list) else str(argument).split(".")
                return {str(parts[0])} if parts else found
            if name == "Fn::Sub":
                return _sub_ids(argument, depth)
        for item in value.values():
            found |= referenced_ids(item, depth + 1)
    elif isinstance(value, list):
        for item in value:
            found |= referenced_ids(item, depth + 1)
    return found


def _sub_ids(argument: Any, depth: int) -> set[str]:
    template, variables = _sub_parts(argument)
    found: set[str] = set()
    for name in _SUB_VARIABLE.findall(template):
        if name in variables:
            found |= referenced_ids(variables[name], depth + 1)
        elif not name.startswith("AWS::"):
            found.add(name.split(".", 1)[0])
    return found


def _sub_parts(argument: Any) -> tuple[str, Mapping[str, Any]]:
    if isinstance(argument, list) and argument:
        variables = argument[1] if len(argument) > 1 and isinstance(argument[1], dict) else {}
        return render(argument[0]), variables
    return render(argument) if isinstance(argument, str) else "", {}


def pieces(value: Any, defaults: Mapping[str, Any], depth: int = 0) -> tuple[Piece, ...]:
    """A string-valued expression as literal text and references, in order.

    Parameters with a default become their default; anything that cannot be followed
    (`!If`, `!Select`, a deploy-time variable) becomes `UNKNOWN`.
    """
    if isinstance(value, str):
        return (value,)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return (str(value),)
    if depth > _MAX_DEPTH or not isinstance(value, dict) or len(value) != 1:
        return (UNKNOWN,)
    ((name, argument),) = value.items()
    if name == "Ref" and isinstance(argument, str):
        return _named(argument, defaults)
    if name == "Fn::GetAtt":
        parts = argument if isinstance(argument, list) else str(argument).split(".", 1)
        if len(parts) == 2:
            return (Ref(str(parts[0]), str(parts[1])),)
    if name == "Fn::Sub":
        return _sub_pieces(argument, defaults, depth)
    if name == "Fn::Join" and isinstance(argument, list) and len(argument) == 2:
        return _join_pieces(argument, defaults, depth)
    return (UNKNOWN,)


def _named(name: str, defaults: Mapping[str, Any]) -> tuple[Piece, ...]:
    """`Param` (its default when it has one), `X` or `X.Attr`."""
    default = defaults.get(name)
    if isinstance(default, str | int):
        return (str(default),)
    target, _, attribute = name.partition(".")
    return (Ref(target, attribute),)


def _sub_pieces(argument: Any, defaults: Mapping[str, Any], depth: int) -> tuple[Piece, ...]:
    template, variables = _sub_parts(argument)
    result: list[Piece] = []
    position = 0
    for match in _SUB_VARIABLE.finditer(template):
        result.append(template[position : match.start()])
        name = match.group(1)
        if name in variables:
            result.extend(pieces(variables[name], defaults, depth + 1))
        else:
            result.extend(_named(name, defaults))
        position = match.end()
    result.append(template[position:].replace("${!", "${"))
    return tuple(piece for piece in result if piece != "")


def _join_pieces(argument: list[Any], defaults: Mapping[str, Any], depth: int) -> tuple[Piece, ...]:
    delimiter, items = render(argument[0]), argument[1]
    if not isinstance(items, list):
        return (UNKNOWN,)
    result: list[Piece] = []
    for index, item in enumerate(items):
        if index and delimiter:
            result.append(delimiter)
        result.extend(pieces(item, defaults, depth + 1))
    return tuple(result)


def match_pieces(
    value: Any, pattern: re.Pattern[str], defaults: Mapping[str, Any]
) -> tuple[Piece, ...] | None:
    """The groups of `pattern` in an expression: each a literal, one reference, or UNKNOWN.

    `/restapis/([^/]+)/stages/([^/]+)` over `!Sub arn:...:/restapis/${Api}/stages/prod`
    gives `(Ref("Api"), "prod")`; None when the expression does not match.
    """
    parts = pieces(value, defaults)
    text = "".join(
        part if isinstance(part, str) else f"\x00{index}\x00" for index, part in enumerate(parts)
    )
    found = pattern.search(text)
    if found is None:
        return None
    return tuple(_group_piece(group or "", parts) for group in found.groups())


def _group_piece(group: str, parts: tuple[Piece, ...]) -> Piece:
    single = re.fullmatch(r"\x00(\d+)\x00", group)
    if single:
        return parts[int(single.group(1))]
    return UNKNOWN if "\x00" in group else group


def text_of(value: Any, defaults: Mapping[str, Any]) -> str | None:
    """The literal text of a value once parameter defaults are applied; None if it has refs."""
    parts = pieces(value, defaults)
    if all(isinstance(part, str) for part in parts):
        return "".join(str(part) for part in parts)
    return None
