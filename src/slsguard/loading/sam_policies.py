"""The AWS SAM policy templates (``DynamoDBCrudPolicy``, ``S3ReadPolicy``...) and their expansion.

The templates are data shipped with slsguard: ``slsguard/data/sam_policy_templates.json``, a
copy of ``samtranslator/policy_templates_data/policy_templates.json`` from the
``aws-sam-translator`` wheel whose version and build date the file records (Apache-2.0; its
licence is next to it; ``scripts/refresh_sam_policy_templates.py`` refreshes it). It is read
lazily, once, and cached.

`expand` turns a template plus the arguments written in a SAM template into the IAM statements
SAM really produces, as plain dicts, with CloudFormation values rendered as readable strings:

* ``{"Ref": Param}`` and ``${Param}`` / mapping variables of ``Fn::Sub`` take the argument;
* an argument that is not a plain string is rendered: ``{"Ref": "X"}`` -> ``${X}``,
  ``{"Fn::GetAtt": ["A", "B"]}`` (or ``"A.B"``) -> ``${A.B}``, ``{"Fn::Sub": s}`` -> ``s`` (with
  its own mapping applied), ``{"Fn::Join": [d, parts]}`` -> the parts joined by ``d``, numbers
  and booleans -> their text; anything else (``Fn::ImportValue``, ``Fn::Select``, lists...) and a
  missing argument become ``${Param}``, the template's parameter name;
* pseudo parameters (``${AWS::Region}``, ``${AWS::AccountId}``, ``${AWS::Partition}``...) and any
  other unknown ``${X}`` are kept as they are; ``${!X}`` becomes the literal ``${X}`` as in
  CloudFormation;
* ``Fn::Sub`` always collapses to a string; ``Fn::Join`` collapses when every part renders;
* ``Fn::If`` cannot be decided (policy templates have no Conditions): the *true* branch is taken,
  unless the false branch is broader (``"*"`` or a list containing ``"*"``), so a wildcard is
  never hidden.  ``{"Ref": "AWS::NoValue"}`` removes the key or list item holding it.
  No shipped template uses ``Fn::If`` or ``Fn::Join`` today; they are handled for future data.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from types import MappingProxyType
from typing import Final

__all__ = [
    "PolicyTemplatesUnavailableError",
    "expand",
    "is_policy_template",
    "template_names",
    "templates_date",
    "templates_version",
]

_DATA: Final = "data/sam_policy_templates.json"

_PLACEHOLDER_RE: Final = re.compile(r"\$\{([^}]*)\}")


class PolicyTemplatesUnavailableError(RuntimeError):
    """The SAM policy templates data file cannot be found or read (a broken installation)."""


@dataclass(frozen=True, slots=True)
class _Template:
    """One policy template: its parameter names and its statements (raw JSON)."""

    parameters: tuple[str, ...]
    statements: tuple[object, ...]


@dataclass(frozen=True, slots=True)
class _Catalog:
    """The loaded data file."""

    version: str
    """The templates' own "Version" and the aws-sam-translator release they come from."""
    date: str
    templates: Mapping[str, _Template]


class _NoValue:
    """Marker for ``{"Ref": "AWS::NoValue"}``: the holder key/item is removed."""

    __slots__ = ()


_NO_VALUE: Final = _NoValue()


# --------------------------------------------------------------------------- loading


def _parse_template(raw: object) -> _Template:
    if not isinstance(raw, Mapping):
        return _Template((), ())
    params = raw.get("Parameters")
    names = tuple(str(p) for p in params) if isinstance(params, Mapping) else ()
    definition = raw.get("Definition")
    statements: object = definition.get("Statement") if isinstance(definition, Mapping) else None
    if isinstance(statements, Mapping):
        statements = [statements]
    return _Template(names, tuple(statements) if isinstance(statements, list) else ())


@functools.cache
def _catalog() -> _Catalog:
    """Read and cache the data file (once per process)."""
    try:
        data = json.loads(resources.files("slsguard").joinpath(_DATA).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise PolicyTemplatesUnavailableError(f"cannot read {_DATA}: {exc}") from exc
    if not isinstance(data, Mapping) or not isinstance(data.get("Templates"), Mapping):
        raise PolicyTemplatesUnavailableError(f"{_DATA}: no 'Templates' object")
    templates = {str(name): _parse_template(raw) for name, raw in data["Templates"].items()}
    version = f"{data.get('Version', 'unknown')} ({data.get('source')} {data.get('version')})"
    return _Catalog(version, str(data.get("date", "")), MappingProxyType(templates))


# --------------------------------------------------------------------------- public API


def templates_version() -> str:
    """The data's version: the JSON "Version" and the aws-sam-translator release.

    For example ``"0.0.1 (aws-sam-translator 1.115.0)"`` (the JSON's own "Version" has been
    ``0.0.1`` for years; the release is what really identifies the data).
    """
    return _catalog().version


def templates_release() -> str:
    """The aws-sam-translator release the templates were copied from (``1.115.0``)."""
    return _catalog().version.rsplit(" ", 1)[-1].rstrip(")")


def templates_date() -> str:
    """The build date (``YYYY-MM-DD``) of the aws-sam-translator wheel the data comes from."""
    return _catalog().date


def template_names() -> tuple[str, ...]:
    """The names of all SAM policy templates, sorted."""
    return tuple(sorted(_catalog().templates))


def is_policy_template(name: str) -> bool:
    """Whether `name` is a SAM policy template (case-sensitive, as in SAM)."""
    return name in _catalog().templates


def expand(name: str, arguments: Mapping[str, object]) -> list[dict[str, object]] | None:
    """The IAM statements the policy template `name` produces with `arguments`.

    `arguments` is the mapping written under the template in a SAM ``Policies`` list (for
    ``- DynamoDBCrudPolicy: {TableName: orders}`` it is ``{"TableName": "orders"}``); keys that
    are not parameters of the template are ignored, as SAM does.  Returns fresh plain dicts
    (Effect, Action, Resource, Condition...) with the substitutions described in the module
    docstring, or None when `name` is not a policy template.
    """
    template = _catalog().templates.get(name)
    if template is None:
        return None
    args: Mapping[str, object] = arguments if isinstance(arguments, Mapping) else {}
    scope: dict[str, str] = {}
    for param in template.parameters:
        text = _text(_evaluate(args[param], {})) if param in args else None
        scope[param] = text if text is not None else f"${{{param}}}"
    statements: list[dict[str, object]] = []
    for raw in template.statements:
        value = _evaluate(raw, scope)
        if isinstance(value, dict):
            statements.append(value)
    return statements


# --------------------------------------------------------------------------- evaluation


def _evaluate(node: object, scope: Mapping[str, str]) -> object:
    """Evaluate intrinsics in `node`; `scope` maps template parameters to their text."""
    if isinstance(node, list):
        items = (_evaluate(item, scope) for item in node)
        return [item for item in items if item is not _NO_VALUE]
    if not isinstance(node, Mapping):
        return node
    if len(node) == 1:
        key, arg = next(iter(node.items()))
        if key == "Ref" or (isinstance(key, str) and key.startswith("Fn::")):
            return _intrinsic(str(key), arg, scope)
    result: dict[str, object] = {}
    for key, value in node.items():
        evaluated = _evaluate(value, scope)
        if evaluated is not _NO_VALUE:
            result[str(key)] = evaluated
    return result


def _intrinsic(key: str, arg: object, scope: Mapping[str, str]) -> object:
    if key == "Ref" and isinstance(arg, str):
        if arg == "AWS::NoValue":
            return _NO_VALUE
        return scope.get(arg, f"${{{arg}}}")
    if key == "Fn::GetAtt":
        return _get_att(arg, scope)
    if key == "Fn::Sub":
        return _sub(arg, scope)
    if key == "Fn::Join":
        return _join(arg, scope)
    if key == "Fn::If" and isinstance(arg, list) and len(arg) == 3:
        when_true = _evaluate(arg[1], scope)
        when_false = _evaluate(arg[2], scope)
        if _is_wildcard(when_false) and not _is_wildcard(when_true):
            return when_false
        return when_true
    return {key: _evaluate(arg, scope)}


def _get_att(arg: object, scope: Mapping[str, str]) -> object:
    if isinstance(arg, str) and "." in arg:
        return f"${{{arg}}}"
    if isinstance(arg, list) and len(arg) == 2:
        parts = [_text(_evaluate(part, scope)) for part in arg]
        if parts[0] is not None and parts[1] is not None:
            return f"${{{parts[0]}.{parts[1]}}}"
    return {"Fn::GetAtt": _evaluate(arg, scope)}


def _sub(arg: object, scope: Mapping[str, str]) -> object:
    if isinstance(arg, str):
        text, variables = arg, {}
    elif (
        isinstance(arg, list)
        and len(arg) == 2
        and isinstance(arg[0], str)
        and isinstance(arg[1], Mapping)
    ):
        text = arg[0]
        variables = {str(k): _text(_evaluate(v, scope)) for k, v in arg[1].items()}
    else:
        return {"Fn::Sub": _evaluate(arg, scope)}

    def replace(match: re.Match[str]) -> str:
        var = match.group(1)
        if var.startswith("!"):
            return f"${{{var[1:]}}}"
        if var in variables:
            value = variables[var]
            return value if value is not None else match.group(0)
        return scope.get(var, match.group(0))

    return _PLACEHOLDER_RE.sub(replace, text)


def _join(arg: object, scope: Mapping[str, str]) -> object:
    if isinstance(arg, list) and len(arg) == 2 and isinstance(arg[0], str):
        parts = _evaluate(arg[1], scope)
        if isinstance(parts, list):
            texts = [_text(part) for part in parts]
            if all(t is not None for t in texts):
                return arg[0].join(t for t in texts if t is not None)
        return {"Fn::Join": [arg[0], parts]}
    return {"Fn::Join": _evaluate(arg, scope)}


def _text(value: object) -> str | None:
    """`value` as a string when it is a scalar, else None."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return None


def _is_wildcard(value: object) -> bool:
    return value == "*" or (isinstance(value, list) and "*" in value)
