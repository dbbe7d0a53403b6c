"""Python: a downstream Lambda's error payload returned to the caller (error-details-exposed).

When a function that `lambda_client.invoke(FunctionName=..., ...)` calls fails, the call
still succeeds: the response carries `FunctionError` and a `Payload` holding the failed
function's `errorMessage`, `errorType` and `stackTrace`. A handler that returns that
payload (whole, or its error fields) in its response shows the caller the other
function's internals. Reported when the payload is returned inside a branch that tests
`FunctionError`, or anywhere in a function that never tests it. Returning one field of a
successful payload (`payload["body"]`) is not: a failed call has no such field.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from slsguard.code.model import Hit
from slsguard.code.python_checks import file_hit
from slsguard.code.python_modules import Module

_ERROR_FIELDS = frozenset({"errorMessage", "errorType", "stackTrace", "trace"})
_UNWRAP = frozenset({"read", "decode", "loads", "load", "str", "bytes"})
"""Calls that turn the payload stream into its text or its document, keeping what it says."""
_MESSAGE = (
    "the response returns the payload of the Lambda function it invokes{when}: when that "
    "function fails the payload is its error (`errorMessage`, `errorType`, `stackTrace`), "
    "so the caller sees another function's internals"
)
_FIX = (
    "test `FunctionError` in the invoke response, log the payload, and return a generic "
    "message with a correlation id (the request id)"
)


def downstream_errors(module: Module, function: str) -> Iterator[Hit]:
    """Returns of an invoked function's payload, per function of the module."""
    for scope in ast.walk(module.tree):
        if isinstance(scope, ast.FunctionDef | ast.AsyncFunctionDef):
            yield from _in_scope(module, scope, function)


def _in_scope(
    module: Module, scope: ast.FunctionDef | ast.AsyncFunctionDef, function: str
) -> Iterator[Hit]:
    if not any(_is_invoke(node) for node in ast.walk(scope)):
        return
    flow = _Flow.of(scope)
    guarded = _error_branches(scope)
    tested = bool(guarded) or _mentions_function_error(scope)
    for node in ast.walk(scope):
        if not isinstance(node, ast.Return) or node.value is None:
            continue
        if not flow.carries(node.value):
            continue
        message = payload_message(id(node) in guarded, tested)
        if message is not None:
            yield file_hit(module, node, "error-details-exposed", function, message, _FIX)


def payload_message(in_error_branch: bool, tested: bool) -> str | None:
    """The finding's message for a response carrying an invoked function's payload (in every
    language), or None on the success path of a function that tests `FunctionError` (its
    error branch answers on its own)."""
    if in_error_branch:
        return _MESSAGE.format(when=" when `FunctionError` is set")
    if not tested:
        return _MESSAGE.format(when=" without testing `FunctionError`")
    return None


class _Flow:
    """The names holding an invoke response, and the names holding its payload."""

    def __init__(self) -> None:
        self.responses: set[str] = set()
        self.payloads: set[str] = set()

    @classmethod
    def of(cls, scope: ast.AST) -> _Flow:
        flow = cls()
        assignments = [n for n in ast.walk(scope) if isinstance(n, ast.Assign)]
        for _ in range(2):  # Twice: a payload may be read before it is named in walk order.
            for assignment in assignments:
                names = {t.id for t in assignment.targets if isinstance(t, ast.Name)}
                if _is_invoke(assignment.value):
                    flow.responses |= names
                elif flow.is_payload(assignment.value):
                    flow.payloads |= names
        return flow

    def is_payload(self, node: ast.AST) -> bool:
        """`resp["Payload"]`, a payload name, or either read, decoded or parsed."""
        if isinstance(node, ast.Name):
            return node.id in self.payloads
        if isinstance(node, ast.Subscript) and _key(node.slice) == "Payload":
            return self._is_response(node.value)
        if isinstance(node, ast.Call):
            name = _called_name(node.func)
            if name == "get" and node.args and _key(node.args[0]) == "Payload":
                return isinstance(node.func, ast.Attribute) and self._is_response(node.func.value)
            if name in _UNWRAP:
                inner = node.func.value if isinstance(node.func, ast.Attribute) else None
                candidates = [*node.args[:1], *([inner] if name in ("read", "decode") else [])]
                return any(self.is_payload(item) for item in candidates if item is not None)
        return False

    def _is_response(self, node: ast.AST) -> bool:
        return (isinstance(node, ast.Name) and node.id in self.responses) or _is_invoke(node)

    def carries(self, node: ast.AST) -> bool:
        """Whether `node` holds the payload whole or its error fields (not `payload["body"]`)."""
        if isinstance(node, ast.Subscript) and self.is_payload(node.value):
            key = _key(node.slice)
            return key is None or key in _ERROR_FIELDS
        if isinstance(node, ast.Call) and _called_name(node.func) == "get":
            owner = node.func.value if isinstance(node.func, ast.Attribute) else None
            if owner is not None and self.is_payload(owner):
                key = _key(node.args[0]) if node.args else None
                return key is None or key in _ERROR_FIELDS
        if self.is_payload(node):
            return True
        return any(self.carries(child) for child in ast.iter_child_nodes(node))


def _is_invoke(node: ast.AST) -> bool:
    """`client.invoke(FunctionName=...)` (boto3 takes keyword arguments only), awaited or not."""
    if isinstance(node, ast.Await):
        node = node.value
    return (
        isinstance(node, ast.Call)
        and _called_name(node.func) == "invoke"
        and any(keyword.arg == "FunctionName" for keyword in node.keywords)
    )


def _error_branches(scope: ast.AST) -> set[int]:
    """The returns inside the true branch of an `if` that tests `FunctionError`."""
    found: set[int] = set()
    for node in ast.walk(scope):
        if isinstance(node, ast.If) and _mentions_function_error(node.test):
            for statement in node.orelse if _negated(node.test) else node.body:
                found |= {id(n) for n in ast.walk(statement) if isinstance(n, ast.Return)}
    return found


def _negated(test: ast.expr) -> bool:
    """`not resp.get("FunctionError")`, `"FunctionError" not in resp`, `... is None`."""
    if isinstance(test, ast.UnaryOp):
        return isinstance(test.op, ast.Not)
    if isinstance(test, ast.Compare) and len(test.ops) == 1:
        return isinstance(test.ops[0], ast.NotIn | ast.Is)
    return False


def _mentions_function_error(node: ast.AST) -> bool:
    return any(
        (isinstance(item, ast.Constant) and item.value == "FunctionError")
        or (isinstance(item, ast.Attribute) and item.attr == "FunctionError")
        for item in ast.walk(node)
    )


def _called_name(func: ast.expr) -> str:
    if isinstance(func, ast.Attribute):
        return func.attr
    return func.id if isinstance(func, ast.Name) else ""


def _key(node: ast.AST) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None
