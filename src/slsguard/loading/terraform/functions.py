"""The Terraform functions slsguard evaluates: the pure ones a security reading depends on.

`jsonencode` keeps its argument's structure (so a policy written with it keeps the position
of every key), `file`/`templatefile` read files under the scan root only, and string and
collection helpers work on known values. Any other call, or a call on unknown values,
stays a `Reference` with the call as written.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from slsguard.loading.terraform import hcl
from slsguard.loading.terraform.evaluate import Evaluator, derived
from slsguard.loading.yaml import YList, YMap
from slsguard.model import Reference

TOO_DEEP_TO_DECODE = "json nested too deeply"
"""Why a `jsondecode()` value is unknown when its JSON nests deeper than Python decodes."""

_TEMPLATE_VAR = re.compile(r"\$\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}")


def call(evaluator: Evaluator, expr: hcl.Call, file: str, depth: int) -> object:
    """The value of a function call, or a Reference when it cannot be known."""
    name = expr.name.rsplit("::", 1)[-1]
    if name == "try":
        return _try(evaluator, expr, file, depth)
    args = [evaluator.value(arg, file, depth) for arg in expr.args]
    if name in ("file", "templatefile"):
        return _file(evaluator, expr, args, name == "templatefile")
    handler = _PURE.get(name)
    references = [arg for arg in args if isinstance(arg, Reference)]
    if name in _DERIVING and references:
        return derived(references[0], expr)  # A secret decoded or reformatted is still it.
    if handler is None or references:
        return Reference("terraform", expr.text, expr.text, True, f"{name}() is not evaluated")
    try:
        return handler(args)
    except RecursionError:  # jsondecode() of JSON nested thousands deep: Python's own limit
        return evaluator.limit(expr, file, TOO_DEEP_TO_DECODE)
    except (TypeError, ValueError, IndexError, KeyError, AttributeError):
        return Reference("terraform", expr.text, expr.text, True, f"{name}() is not evaluated")


def _try(evaluator: Evaluator, expr: hcl.Call, file: str, depth: int) -> object:
    for arg in expr.args:
        value = evaluator.value(arg, file, depth)
        if not isinstance(value, Reference):
            return value
    return Reference("terraform", expr.text, expr.text, True, "no argument of try() is known")


def _file(evaluator: Evaluator, expr: hcl.Call, args: list[Any], template: bool) -> object:
    found = evaluator.read_file(args[0] if args else None, expr)
    if isinstance(found, Reference):
        return found
    text, _display = found
    if template:
        variables = args[1] if len(args) > 1 and isinstance(args[1], dict) else {}

        def replace(match: re.Match[str]) -> str:
            value = variables.get(match.group(1))
            return value if isinstance(value, str) else match.group(0)

        text = _TEMPLATE_VAR.sub(replace, text)
    return text


def _plain(value: Any) -> Any:
    """A located value as plain JSON-able data."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _merge(args: list[Any]) -> YMap:
    first = next((a for a in args if isinstance(a, YMap)), None)
    merged = YMap(first.file if first else "", first.position if first else (1, 1))
    for arg in args:
        if isinstance(arg, dict):
            merged.update(arg)
            if isinstance(arg, YMap):
                merged.key_positions.update(arg.key_positions)
    return merged


def _concat(args: list[Any]) -> YList:
    first = next((a for a in args if isinstance(a, YList)), None)
    result = YList(first.file if first else "", first.position if first else (1, 1))
    for arg in args:
        if isinstance(arg, list):
            result.extend(arg)
            positions = arg.item_positions if isinstance(arg, YList) else []
            result.item_positions.extend(positions or [result.position] * len(arg))
    return result


def _lookup(args: list[Any]) -> Any:
    table, key = args[0], args[1]
    if key in table:
        return table[key]
    if len(args) > 2:
        return args[2]
    raise KeyError(key)


def _format(args: list[Any]) -> str:
    spec = str(args[0])
    return re.sub(r"%[sdv]", "{}", spec.replace("{", "{{").replace("}", "}}")).format(*args[1:])


_DERIVING = frozenset(
    {"jsondecode", "tostring", "trimspace", "base64decode", "lookup", "lower", "upper", "replace"}
)

_PURE: dict[str, Callable[[list[Any]], Any]] = {
    "jsonencode": lambda a: a[0],
    "jsondecode": lambda a: json.loads(a[0]),
    "tostring": lambda a: a[0],
    "tonumber": lambda a: a[0],
    "tolist": lambda a: a[0],
    "toset": lambda a: a[0],
    "tomap": lambda a: a[0],
    "lower": lambda a: str(a[0]).lower(),
    "upper": lambda a: str(a[0]).upper(),
    "trimspace": lambda a: str(a[0]).strip(),
    "join": lambda a: str(a[0]).join(str(x) for x in a[1]),
    "replace": lambda a: str(a[0]).replace(str(a[1]), str(a[2])),
    "format": _format,
    "merge": _merge,
    "concat": _concat,
    "lookup": _lookup,
    "coalesce": lambda a: next(x for x in a if x not in (None, "")),
    "element": lambda a: a[0][int(a[1]) % len(a[0])],
}
