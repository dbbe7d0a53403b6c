"""Python: the caller's identity taken from the request instead of the verified claims.

In each function, a value read from the request body, query string or path under an
identity name (`userId`, `username`, `email`, `role`, `tenantId`, `isAdmin`, ...) is followed
through plain assignments to where it decides something: a data-store key (the arguments of
`get_item`, `query`, `put_item`, `find_one`, `execute`, ...) or an authorization branch (an
`if` that tests it). A branch that compares it with the verified claims
(`requestContext.authorizer`, `claims`) is a guard and clears the value. The rule decides
whether the function authenticates its callers (an authorizer, or a JWT in the code).
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from dataclasses import dataclass, replace

from slsguard.code.model import Hit, Taint
from slsguard.code.python_checks import file_hit
from slsguard.code.python_modules import Module
from slsguard.findings import FlowStep, Severity

IDENTITY = re.compile(
    r"(?i)^(?:user_?id|userid|uid|user|user_?name|login|e_?mail|email_?address|role|roles|"
    r"tenant(?:_?id)?|account_?id|owner(?:_?id)?|customer_?id|is_?admin|admin|group_?id|groups)$"
)
_PARTS = {
    "body": "the request body",
    "queryStringParameters": "the query string",
    "multiValueQueryStringParameters": "the query string",
    "pathParameters": "the path parameters",
}
_STORE_METHODS = frozenset(
    {"get_item", "put_item", "update_item", "delete_item", "query", "scan", "batch_get_item"}
    | {"find_one", "find", "update_one", "delete_one", "replace_one", "execute", "get_object"}
)
_VERIFIED = re.compile(r"requestContext|authorizer|claims|jwt|principalId")


@dataclass(frozen=True, slots=True)
class _Identity:
    """An identity value read from the request: what, from where, and the path so far."""

    key: str
    label: str
    steps: tuple[FlowStep, ...]


def check_identity(module: Module, function: str) -> Iterator[Hit]:
    """Identity values from the request that key a data store or decide a branch."""
    uses_jwt = "jwt" in module.text(module.tree).lower()
    for node in module.functions.values():
        yield from _function(module, node, function, uses_jwt)


def _function(
    module: Module, node: ast.FunctionDef | ast.AsyncFunctionDef, function: str, uses_jwt: bool
) -> Iterator[Hit]:
    parts: dict[str, str] = {}  # names bound to a part of the request: `body` -> label
    values: dict[str, _Identity] = {}  # names bound to an identity read from the request
    guarded: set[str] = set()
    for statement in ast.walk(node):
        if isinstance(statement, ast.Assign) and len(statement.targets) == 1:
            _bind(module, statement, parts, values)
        elif isinstance(statement, ast.If) and _VERIFIED.search(module.text(statement.test)):
            guarded |= {n.id for n in ast.walk(statement.test) if isinstance(n, ast.Name)}
    for statement in ast.walk(node):
        sink = _sink(statement)
        if sink is None:
            continue
        found = _identity_in(module, sink[0], parts, values)
        if found is None or (found[0] and found[0] in guarded):
            continue
        yield _hit(module, statement, sink[1], found[1], function, uses_jwt)


def _bind(
    module: Module, statement: ast.Assign, parts: dict[str, str], values: dict[str, _Identity]
) -> None:
    target = statement.targets[0]
    if not isinstance(target, ast.Name):
        return
    label = _request_part(statement.value, parts)
    if label is not None:
        parts[target.id] = label
        return
    found = _identity_in(module, statement.value, parts, values)
    if found is not None:
        identity = found[1]
        step = _step(module, statement, module.text(statement).strip())
        steps = identity.steps if identity.steps[-1].line == step.line else (*identity.steps, step)
        values[target.id] = _Identity(identity.key, identity.label, steps)


def _request_part(node: ast.expr, parts: dict[str, str]) -> str | None:
    """The label of a request part an expression reads (`json.loads(event["body"])`)."""
    if isinstance(node, ast.BoolOp):  # `event.get("pathParameters") or {}`
        node = node.values[0]
    if isinstance(node, ast.Call) and node.args and qualname_tail(node.func) == "loads":
        node = node.args[0]
    if isinstance(node, ast.Name):
        return parts.get(node.id)
    key = _key_of(node)
    if key in _PARTS and _reads_event(node):
        return _PARTS[key]
    return None


def _identity_in(
    module: Module, node: ast.AST, parts: dict[str, str], values: dict[str, _Identity]
) -> tuple[str, _Identity] | None:
    """The first identity value inside `node`: (variable name or "", the identity)."""
    for item in ast.walk(node):
        if isinstance(item, ast.Name) and item.id in values:
            return item.id, values[item.id]
        key = _key_of(item)
        if key is None or not IDENTITY.match(key):
            continue
        owner = item.value if isinstance(item, ast.Subscript) else _call_owner(item)
        label = _request_part(owner, parts) if owner is not None else None
        if label is not None:
            step = _step(module, item, f"{module.text(item)} ({label})")
            return "", _Identity(key, label, (step,))
    return None


def _sink(statement: ast.AST) -> tuple[ast.AST, str] | None:
    """The part of a statement that decides with a value: a store call's arguments, a test."""
    if isinstance(statement, ast.If):
        return statement.test, "an authorization branch"
    method = qualname_tail(statement.func) if isinstance(statement, ast.Call) else ""
    if isinstance(statement, ast.Call) and method in _STORE_METHODS:
        arguments = ast.Tuple([*statement.args, *(k.value for k in statement.keywords)])
        return arguments, f"the data-store key of `{method}`"
    return None


def _hit(
    module: Module, node: ast.AST, sink: str, identity: _Identity, function: str, jwt: bool
) -> Hit:
    privilege = re.search(r"(?i)admin|role|group", identity.key) is not None
    consequence = (
        f"any signed-in caller can give themselves another role by sending {identity.key}"
        if privilege
        else f"any signed-in caller can act as another user by sending another {identity.key}"
    )
    message = (
        f"the caller's {identity.key} comes from {identity.label} and decides {sink}: {consequence}"
    )
    fix = (
        "take the identity from the verified claims "
        '(`event["requestContext"]["authorizer"]["claims"]["sub"]`, or the JWT you verified) '
        "and ignore the one in the request, or check that the two match"
    )
    hit = file_hit(
        module, node, "client-controlled-identity", function, message, fix, "jwt" if jwt else ""
    )
    step = _step(module, node, module.text(node).strip().splitlines()[0][:120])
    steps = identity.steps if identity.steps[-1].line == step.line else (*identity.steps, step)
    taint = Taint(identity.label, "the request", steps)
    return replace(hit, taint=taint, severity=Severity.HIGH)  # no exposure shift: authenticated


def _step(module: Module, node: ast.AST, text: str) -> FlowStep:
    line, column, _, _ = module.position(node)
    return FlowStep(module.display, line, column, text)


def _key_of(node: ast.AST) -> str | None:
    """`"userId"` of `x["userId"]` or `x.get("userId")`."""
    if isinstance(node, ast.Subscript):
        key = node.slice
    elif isinstance(node, ast.Call) and qualname_tail(node.func) == "get" and node.args:
        key = node.args[0]
    else:
        return None
    return key.value if isinstance(key, ast.Constant) and isinstance(key.value, str) else None


def _call_owner(node: ast.AST) -> ast.expr | None:
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        return node.func.value
    return None


def _reads_event(node: ast.AST) -> bool:
    owner = node.value if isinstance(node, ast.Subscript) else _call_owner(node)
    return isinstance(owner, ast.Name) and owner.id in ("event", "evt", "request", "req")


def qualname_tail(node: ast.expr) -> str:
    """The last name of a called function: `loads` of `json.loads`."""
    if isinstance(node, ast.Attribute):
        return node.attr
    return node.id if isinstance(node, ast.Name) else ""


__all__ = ["IDENTITY", "check_identity", "qualname_tail"]
