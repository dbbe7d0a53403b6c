"""JavaScript/TypeScript: a downstream Lambda's error payload returned (see `python_invoke`).

The invoke response of `lambda.invoke({FunctionName, ...}).promise()` (SDK v2) or
`client.send(new InvokeCommand({...}))` (v3) carries `FunctionError` and a `Payload` with
the failed function's `errorMessage`, `errorType` and `stackTrace`. A response (a `return`,
`callback(...)`, `res.send(...)`) that holds that payload, whole or its error fields, is
reported inside a branch that tests `FunctionError`, or anywhere in a function that never
tests it. One field of a successful payload (`JSON.parse(r.Payload).body`) is not.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from slsguard.code.javascript_checks import file_hit
from slsguard.code.javascript_modules import JsModule, Node, text_of
from slsguard.code.model import Hit
from slsguard.code.python_invoke import payload_message

_FUNCTIONS = frozenset(
    {
        *("function_declaration", "function_expression", "arrow_function"),
        *("method_definition", "generator_function_declaration", "function"),
    }
)
_INVOKE = re.compile(r"\.invoke\s*\(|\bnew\s+InvokeCommand\s*\(")
"""An SDK v2 `invoke(...)` or a v3 `InvokeCommand`; the function must also name a
`FunctionName` (other `invoke` methods, such as Electron's, do not)."""
_ERROR_FIELDS = frozenset({"errorMessage", "errorType", "stackTrace", "trace"})
_RESPONDERS = ("callback", "cb", "done")
_FIX = (
    "test `FunctionError` in the invoke response, log the payload (`console.error`), and "
    "return a generic message with the request id"
)


def downstream_errors(module: JsModule, function: str) -> Iterator[Hit]:
    """Responses that carry an invoked function's payload, per function of the module."""
    for scope in _scopes(module.root):
        yield from _in_scope(module, scope, function)


def _scopes(root: Node) -> Iterator[Node]:
    stack = [root]
    while stack:
        node = stack.pop()
        stack.extend(node.named_children)
        text = text_of(node) if node.type in _FUNCTIONS else ""
        if _INVOKE.search(text) and "FunctionName" in text:
            yield node


def _own(scope: Node) -> Iterator[Node]:
    """The nodes of a function, not of the functions nested in it."""
    stack = list(scope.named_children)
    while stack:
        node = stack.pop()
        if node.type in _FUNCTIONS:
            continue
        yield node
        stack.extend(node.named_children)


def _in_scope(module: JsModule, scope: Node, function: str) -> Iterator[Hit]:
    nodes = list(_own(scope))
    flow = _Flow.of(nodes)
    if not flow.responses:
        return
    guarded = _error_branches(nodes)
    tested = bool(guarded) or any(
        n.type in ("member_expression", "string") and "FunctionError" in text_of(n) for n in nodes
    )
    for node in nodes:
        if not _answers(node) or not flow.carries(node):
            continue
        message = payload_message((node.start_byte, node.end_byte) in guarded, tested)
        if message is not None:
            yield file_hit(module, node, "error-details-exposed", function, message, _FIX)


def _answers(node: Node) -> bool:
    """A `return`, or a call that answers (`callback(...)`, `res.send(...)`, `res.json(...)`)."""
    if node.type == "return_statement":
        return bool(node.named_children)
    if node.type == "call_expression":
        called = text_of(node.child_by_field_name("function"))
        return called in _RESPONDERS or called.endswith((".send", ".json"))
    return False


class _Flow:
    """The names holding an invoke command or response, and those holding its payload."""

    def __init__(self) -> None:
        self.commands: set[str] = set()
        self.responses: set[str] = set()
        self.payloads: set[str] = set()

    @classmethod
    def of(cls, nodes: list[Node]) -> _Flow:
        flow = cls()
        declarators = [n for n in nodes if n.type == "variable_declarator"]
        for _ in range(2):  # Twice: walk order is not always source order.
            for declarator in declarators:
                name = declarator.child_by_field_name("name")
                value = declarator.child_by_field_name("value")
                if name is None or value is None or name.type != "identifier":
                    continue
                flow._learn(text_of(name), value)
        return flow

    def _learn(self, name: str, value: Node) -> None:
        text = text_of(value)
        if value.type == "new_expression" and "InvokeCommand" in text:
            self.commands.add(name)
        elif _INVOKE.search(text) or any(f"send({c})" in text for c in self.commands):
            self.responses.add(name)
        elif self.is_payload(value):
            self.payloads.add(name)

    def is_payload(self, node: Node) -> bool:
        """`r.Payload`, a payload name, or either parsed or decoded (`JSON.parse(...)`)."""
        if node.type == "identifier":
            return text_of(node) in self.payloads
        if node.type in ("await_expression", "parenthesized_expression", "as_expression"):
            return any(self.is_payload(child) for child in node.named_children[:1])
        if node.type == "member_expression":
            owner = node.child_by_field_name("object")
            field = text_of(node.child_by_field_name("property"))
            if field == "Payload" and owner is not None:
                return text_of(owner) in self.responses
            return field == "toString" and owner is not None and self.is_payload(owner)
        if node.type in ("call_expression", "new_expression"):
            arguments = node.child_by_field_name("arguments")
            called = node.child_by_field_name("function")
            values = arguments.named_children if arguments is not None else []
            return any(self.is_payload(v) for v in values[:1]) or (
                called is not None and self.is_payload(called)
            )
        return False

    def carries(self, node: Node) -> bool:
        """Whether `node` holds the payload whole or its error fields (not `.body`)."""
        if node.type in ("member_expression", "subscript_expression") and not self.is_payload(node):
            owner = node.child_by_field_name("object")
            if owner is not None and self.is_payload(owner):
                field = node.child_by_field_name("property") or node.child_by_field_name("index")
                return text_of(field).strip("'\"`") in _ERROR_FIELDS
        if self.is_payload(node):
            return True
        return any(self.carries(child) for child in node.named_children)


def _error_branches(nodes: list[Node]) -> set[tuple[int, int]]:
    """The answers inside the branch of an `if` taken when `FunctionError` is set."""
    found: set[tuple[int, int]] = set()
    for node in nodes:
        condition = node.child_by_field_name("condition") if node.type == "if_statement" else None
        if condition is None or "FunctionError" not in text_of(condition):
            continue
        negated = text_of(condition).strip("( ").startswith("!")
        branch = node.child_by_field_name("alternative" if negated else "consequence")
        stack = [branch] if branch is not None else []
        while stack:
            item = stack.pop()
            stack.extend(item.named_children)
            if _answers(item):
                found.add((item.start_byte, item.end_byte))
    return found
