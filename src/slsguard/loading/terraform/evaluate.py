"""Evaluate Terraform expressions as far as the configuration itself determines them.

Variables (module inputs, `*.tfvars`, defaults), locals, string templates, `jsonencode`,
`file`/`templatefile` under the scan root and a few pure functions are evaluated. A
reference to a resource of the same module becomes the CloudFormation intrinsic the rest of
slsguard understands (`aws_iam_role.app.arn` → `!GetAtt IamRoleApp.Arn`, `.id`/`.name` →
`!Ref`); everything else (data sources, unknown attributes, `each.value`, operators) stays an
explicit `Reference` with the expression as written. Objects and lists keep positions.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from slsguard import files
from slsguard.loading.terraform import hcl
from slsguard.loading.yaml import YList, YMap, load_text
from slsguard.model import Deferred, ParameterDefault, Reference, render

MAX_READ_BYTES = 1024 * 1024
MAX_DEPTH = 64
MAX_STRING = 1_000_000
"""Longest string an expression may build: locals that each double the last would otherwise
reach 2^63 characters (gigabytes after 30 steps)."""
_REF_ATTRIBUTES = frozenset({"id", "name", "function_name", "url", "bucket", "role"})
_ARN_ATTRIBUTES = frozenset({"arn", "invoke_arn", "qualified_arn", "qualified_invoke_arn"})
_NEGATIVE = re.compile(r"-\s*\d+")
_GETATT_ATTRIBUTES = {
    "root_resource_id": "RootResourceId",  # aws_api_gateway_rest_api
    "http_method": "HttpMethod",  # aws_api_gateway_method, so an integration finds its method
    "stage_name": "StageName",  # aws_api_gateway_stage, so method settings find their stage
}


@dataclass(slots=True)
class Resource:
    """A `resource` or `data` block of a module, with its address and logical id."""

    type: str
    name: str
    block: hcl.Block
    file: str
    logical_id: str
    data: bool = False

    @property
    def address(self) -> str:
        """`aws_iam_role.app` (`data.` in front for data sources)."""
        return f"{'data.' if self.data else ''}{self.type}.{self.name}"


@dataclass(slots=True)
class Scope:
    """What a module's expressions can name."""

    directory: Path
    root_directory: Path
    scan_root: Path
    display: Callable[[Path], str]
    variables: dict[str, tuple[object, str]] = field(default_factory=dict)
    """name → (expression or bound value, file)."""
    bound: dict[str, object] = field(default_factory=dict)
    """Variables given a value (module inputs, tfvars): already evaluated."""
    locals: dict[str, tuple[object, str]] = field(default_factory=dict)
    resources: dict[str, Resource] = field(default_factory=dict)
    modules: dict[str, Evaluator] = field(default_factory=dict)
    outputs: dict[str, tuple[object, str]] = field(default_factory=dict)
    read_files: list[str] = field(default_factory=list)


class Evaluator:
    """Evaluates expressions of one module (each `file` names where the expression is)."""

    def __init__(self, scope: Scope) -> None:
        self.scope = scope
        self._locals: dict[str, object] = {}
        self._busy: set[str] = set()
        self.cut_short: list[tuple[str, tuple[int, int], str]] = []
        """(file, position, reason) of expressions left unknown at a limit (reported)."""

    def value(self, expr: object, file: str, depth: int = 0) -> object:
        """The value of an expression: literals, located YMap/YList, intrinsics or references."""
        if depth > MAX_DEPTH:
            return self.limit(expr, file, "nesting too deep")
        if isinstance(expr, hcl.Lit):
            return expr.value
        if isinstance(expr, hcl.Opaque) and _NEGATIVE.fullmatch(expr.text.strip()):
            return int(expr.text.strip().replace(" ", ""))  # `-1`, an operator on a literal
        if isinstance(expr, hcl.Template):
            return self._template(expr, file, depth)
        if isinstance(expr, hcl.ObjectExpr):
            return self._object(expr, file, depth)
        if isinstance(expr, hcl.TupleExpr):
            items = YList(file, expr.pos)
            for item in expr.items:
                items.append(self.value(item, file, depth + 1))
                items.item_positions.append(getattr(item, "pos", expr.pos))
            return items
        if isinstance(expr, hcl.Call):
            from slsguard.loading.terraform.functions import call

            result = call(self, expr, file, depth + 1)
            if isinstance(result, str) and len(result) > MAX_STRING:
                return self.limit(expr, file, "string too large")
            return result
        if isinstance(expr, hcl.Conditional):
            return self._conditional(expr, file, depth)
        if isinstance(expr, hcl.Name | hcl.GetAttr | hcl.Index):
            return self._traversal(expr, file, depth)
        return _unknown(expr, "expression not evaluated")

    def limit(self, expr: object, file: str, reason: str) -> Reference:
        """An unknown value where a limit of slsguard's own stopped evaluation (reported
        once per kind of limit and module: the first place is where to look)."""
        if all(seen != reason for _file, _position, seen in self.cut_short):
            self.cut_short.append((file, getattr(expr, "pos", (1, 1)), reason))
        return _unknown(expr, reason)

    def _template(self, expr: hcl.Template, file: str, depth: int) -> object:
        values = [
            part if isinstance(part, str) else self.value(part, file, depth + 1)
            for part in expr.parts
        ]
        if len(values) == 1 and not isinstance(expr.parts[0], str):
            return values[0]
        if all(isinstance(v, str | int | float) and not isinstance(v, bool) for v in values):
            if sum(len(v) for v in values if isinstance(v, str)) > MAX_STRING:
                return self.limit(expr, file, "string too large")
            return "".join(str(v) for v in values)
        references = tuple(v for v in values if isinstance(v, Reference))
        references += tuple(r for v in values if isinstance(v, Deferred) for r in v.references)
        references = tuple(dict.fromkeys(references))  # the same local used twice is one
        if sum(len(_deferred_text(v)) for v in values) > MAX_STRING:
            return self.limit(expr, file, "string too large")
        if not references:
            text = "".join(_sub_text(v) for v in values)
            sub = YMap(file, expr.pos)
            sub["Fn::Sub"] = text
            sub.key_positions["Fn::Sub"] = expr.pos
            return sub
        return Deferred("".join(_deferred_text(v) for v in values), references)

    def _object(self, expr: hcl.ObjectExpr, file: str, depth: int) -> YMap:
        result = YMap(file, expr.pos)
        for item in expr.items:
            key = item.key
            if isinstance(key, hcl.Name):
                name = key.name
            else:
                evaluated = self.value(key, file, depth + 1)
                name = render(evaluated)
            result[name] = self.value(item.value, file, depth + 1)
            result.key_positions[name] = item.pos
        return result

    def _conditional(self, expr: hcl.Conditional, file: str, depth: int) -> object:
        condition = self.value(expr.condition, file, depth + 1)
        if isinstance(condition, bool):
            return self.value(expr.then if condition else expr.otherwise, file, depth + 1)
        return _unknown(expr, "the condition is decided at plan time")

    def _traversal(self, expr: object, file: str, depth: int) -> object:
        chain = traversal(expr)
        if not chain:
            return self._access(expr, file, depth)
        root, *rest = chain
        handler = {
            "var": self._variable,
            "local": self._local,
            "data": self._data,
            "module": self._module,
            "path": self._path,
        }.get(root)
        if handler is not None:
            return handler(expr, rest, file, depth)
        if root in ("each", "count", "self"):
            return _reference(expr, "terraform", "one value per instance")
        return self._resource(expr, [root, *rest])

    def _access(self, expr: object, file: str, depth: int) -> object:
        """`f(x)[key]`, `f(x).name`: the part of a computed value (or what it derives from)."""
        if not isinstance(expr, hcl.Index | hcl.GetAttr):
            return _unknown(expr, "expression not evaluated")
        target = self.value(expr.target, file, depth + 1)
        if isinstance(target, Reference):
            return derived(target, expr)
        key = expr.name if isinstance(expr, hcl.GetAttr) else self.value(expr.key, file, depth + 1)
        return _dig(target, [str(key)], expr)

    def _variable(self, expr: object, rest: list[str], file: str, depth: int) -> object:
        name = rest[0] if rest else ""
        if name in self.scope.bound:
            return _dig(self.scope.bound[name], rest[1:], expr)
        if name in self.scope.variables:
            default, where = self.scope.variables[name]
            if default is not None:
                value = _as_default(self.value(default, where, depth + 1), f"variable var.{name}")
                return _dig(value, rest[1:], expr)
        return Reference("var", name, _text(expr), True, "a variable without a value")

    def _local(self, expr: object, rest: list[str], file: str, depth: int) -> object:
        name = rest[0] if rest else ""
        if name not in self.scope.locals or name in self._busy:
            return _unknown(expr, "unknown local value")
        if name not in self._locals:
            self._busy.add(name)
            local_expr, where = self.scope.locals[name]
            self._locals[name] = self.value(local_expr, where, depth + 1)
            self._busy.discard(name)
        return _dig(self._locals[name], rest[1:], expr)

    def _path(self, expr: object, rest: list[str], file: str, depth: int) -> object:
        which = rest[0] if rest else ""
        if which == "module":
            return str(self.scope.directory)
        if which in ("root", "cwd"):
            return str(self.scope.root_directory)
        return _unknown(expr, "unknown path value")

    def _module(self, expr: object, rest: list[str], file: str, depth: int) -> object:
        child = self.scope.modules.get(rest[0]) if rest else None
        if child is None or len(rest) < 2 or rest[1] not in child.scope.outputs:
            return _reference(expr, "terraform", "an output of a module not analysed")
        output, where = child.scope.outputs[rest[1]]
        return _dig(child.value(output, where, depth + 1), rest[2:], expr)

    def _data(self, expr: object, rest: list[str], file: str, depth: int) -> object:
        from slsguard.loading.terraform.datasources import data_value

        if len(rest) < 3:
            return _unknown(expr, "incomplete data source reference")
        found = self.scope.resources.get(f"data.{rest[0]}.{rest[1]}")
        if found is None:
            return _reference(expr, "terraform", "a data source not in the configuration")
        return data_value(self, found, rest[2], expr, depth)

    def _resource(self, expr: object, chain: list[str]) -> object:
        if len(chain) < 3:
            return _unknown(expr, "expression not evaluated")
        found = self.scope.resources.get(f"{chain[0]}.{chain[1]}")
        if found is None:
            return _reference(expr, "terraform", "a resource not in the configuration")
        attribute = chain[2]
        pos = getattr(expr, "pos", (1, 1))
        wrapper = YMap(found.file, pos)
        if attribute in _ARN_ATTRIBUTES or attribute in _GETATT_ATTRIBUTES:
            arn = YList(found.file, pos)
            arn.extend([found.logical_id, _GETATT_ATTRIBUTES.get(attribute, "Arn")])
            wrapper["Fn::GetAtt"] = arn
        elif attribute in _REF_ATTRIBUTES:
            wrapper["Ref"] = found.logical_id
        else:
            return _reference(expr, "terraform", "an attribute known after apply")
        wrapper.key_positions[next(iter(wrapper))] = pos
        return wrapper

    def attribute(self, block: hcl.Block, name: str, file: str) -> object:
        """The value of a block's attribute (None when it is not set)."""
        attribute = block.body.attributes.get(name)
        return None if attribute is None else self.value(attribute.expr, file)

    def read_file(self, path_value: object, expr: object) -> tuple[str, str] | Reference:
        """(text, display name) of a file under the scan root named by `file(...)`."""
        if not isinstance(path_value, str):
            return _reference(expr, "file", "the path is not known")
        path = Path(path_value)
        target = (path if path.is_absolute() else self.scope.root_directory / path).resolve()
        if not target.is_relative_to(self.scope.scan_root):
            return _reference(expr, "file", "outside the scan root", resolvable=False)
        try:
            text = files.read_text(target, MAX_READ_BYTES, errors="replace")
        except OSError as error:
            return _reference(expr, "file", str(error), resolvable=False)
        self.scope.read_files.append(str(target))
        return text, self.scope.display(target)


def traversal(expr: object) -> list[str] | None:
    """`aws_iam_role.app.arn` as its names; indexes (instances) are skipped."""
    names: list[str] = []
    node = expr
    for _ in range(64):
        if isinstance(node, hcl.GetAttr):
            names.append(node.name)
            node = node.target
        elif isinstance(node, hcl.Index):
            key = node.key
            if isinstance(key, hcl.Template) and all(isinstance(p, str) for p in key.parts):
                names.append("".join(str(p) for p in key.parts))
            node = node.target
        elif isinstance(node, hcl.Name):
            names.append(node.name)
            return names[::-1]
        else:
            return None
    return None


def json_document(text: str, file: str, first_line: int) -> YMap | None:
    """JSON text (a heredoc body or a file) as a located YMap, lines shifted to the file."""
    if not text.lstrip().startswith("{"):
        return None
    loaded = load_text(text, file)
    if not isinstance(loaded.root, YMap) or loaded.problems:
        return None
    if first_line > 1:
        _shift(loaded.root, first_line - 1)
    return loaded.root


def _shift(node: Any, lines: int) -> None:
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, YMap):
            item.position = (item.position[0] + lines, item.position[1])
            item.key_positions = {k: (p[0] + lines, p[1]) for k, p in item.key_positions.items()}
            stack.extend(item.values())
        elif isinstance(item, YList):
            item.position = (item.position[0] + lines, item.position[1])
            item.item_positions = [(p[0] + lines, p[1]) for p in item.item_positions]
            stack.extend(item)


def _dig(value: object, rest: list[str], expr: object) -> object:
    for name in rest:
        if isinstance(value, dict) and name in value and not _is_intrinsic(value):
            value = value[name]
        elif (
            isinstance(value, list) and name.isdigit() and len(name) < 19 and int(name) < len(value)
        ):
            value = value[int(name)]
        else:
            return _reference(expr, "terraform", "a part of a value not known")
    return value


def derived(reference: Reference, expr: object) -> Reference:
    """A value computed from `reference` (`jsondecode(x)["key"]`): same source, new text."""
    text = _text(expr)
    return Reference(
        reference.source, reference.address, text, reference.resolvable, reference.reason
    )


def _is_intrinsic(value: dict[str, Any]) -> bool:
    return len(value) == 1 and next(iter(value)) in ("Ref", "Fn::GetAtt", "Fn::Sub")


def _text(expr: object) -> str:
    return str(getattr(expr, "text", "") or "?")


def _reference(expr: object, source: str, reason: str, resolvable: bool = True) -> Reference:
    text = _text(expr)
    return Reference(source, text, text, resolvable, reason)


def _unknown(expr: object, reason: str) -> Reference:
    return _reference(expr, "terraform", reason)


def _sub_text(value: object) -> str:
    if isinstance(value, dict) and len(value) == 1:
        ((name, argument),) = value.items()
        if name == "Ref":
            return "${" + str(argument) + "}"
        if name == "Fn::GetAtt" and isinstance(argument, list):
            return "${" + ".".join(str(part) for part in argument) + "}"
        if name == "Fn::Sub":
            return str(argument)
    return render(value)


def _deferred_text(value: object) -> str:
    if isinstance(value, Reference):
        return "${" + value.text + "}"
    return value.text if isinstance(value, Deferred) else _sub_text(value)


def _index_in(name: str, length: int) -> bool:
    """Whether `name` is a list index below `length` (a 100,000-digit one never is)."""
    return name.isdigit() and len(name) <= 18 and int(name) < length


def _as_default(value: object, variable: str) -> object:
    """A variable's default, its text marked as such (a deployment may set another value)."""
    if isinstance(value, str):
        return ParameterDefault(value, variable)
    if isinstance(value, list):
        return [_as_default(item, variable) for item in value]
    return value
