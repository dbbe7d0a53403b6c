"""Go: a downstream Lambda's error payload returned (see `python_invoke`).

`client.Invoke(ctx, &lambda.InvokeInput{...})` (SDK v2, or `svc.Invoke(&lambda.InvokeInput{
...})` in v1) returns an output whose `FunctionError` is set when the invoked function
failed, and whose `Payload` is then that function's `errorMessage`, `errorType` and
`stackTrace`. An API Gateway, function URL or ALB response whose `Body` carries the payload
(`string(out.Payload)`, a value `json.Unmarshal` decoded it into, or its error fields) is
reported inside an `if` that tests `FunctionError`, or anywhere in a function that never
tests it. One field of a successful payload (`result.Body`) is not.
"""

from __future__ import annotations

from collections.abc import Iterator

from slsguard.code.go_access import RESPONSES, go_hit, inner, walk
from slsguard.code.go_modules import GoFile, Node, text_of
from slsguard.code.model import Hit
from slsguard.code.python_invoke import payload_message

_FUNCTIONS = ("function_declaration", "method_declaration", "func_literal")
_ERROR_FIELDS = frozenset({"errorMessage", "errorType", "stackTrace", "ErrorMessage", "ErrorType"})
_FIX = (
    'test `out.FunctionError` after `Invoke`, log the payload (`log.Printf("%s", '
    "out.Payload)`), and return a generic message with the request id"
)


def downstream_errors(file: GoFile, function: str) -> Iterator[Hit]:
    """Responses whose `Body` carries an invoked function's payload, per Go function."""
    for scope in walk(file.root):
        text = text_of(scope) if scope.type in _FUNCTIONS else ""
        if ".Invoke(" in text and "InvokeInput" in text:
            yield from _in_scope(file, scope, function)


def _in_scope(file: GoFile, scope: Node, function: str) -> Iterator[Hit]:
    nodes = walk(scope.child_by_field_name("body"))
    flow = _Flow.of(nodes)
    guarded = _error_branches(nodes)
    tested = any(n.type == "field_identifier" and text_of(n) == "FunctionError" for n in nodes)
    for node in nodes:
        body = _response_body(node)
        if body is None or not flow.carries(body):
            continue
        message = payload_message((node.start_byte, node.end_byte) in guarded, tested)
        if message is not None:
            yield go_hit(file, body, "error-details-exposed", function, message, _FIX)


def _response_body(node: Node) -> Node | None:
    """The `Body` value of an `events.APIGateway...Response{...}` literal."""
    if node.type != "composite_literal":
        return None
    if not RESPONSES.match(text_of(node.child_by_field_name("type"))):
        return None
    body = node.child_by_field_name("body")
    for element in body.named_children if body is not None else []:
        if element.type != "keyed_element":
            continue
        key = inner(element.child_by_field_name("key"))
        if key is not None and text_of(key) == "Body":
            return inner(element.child_by_field_name("value"))
    return None


class _Flow:
    """The names holding an invoke output, and those holding its payload."""

    def __init__(self) -> None:
        self.outputs: set[str] = set()
        self.payloads: set[str] = set()

    @classmethod
    def of(cls, nodes: list[Node]) -> _Flow:
        flow = cls()
        for _ in range(2):  # Twice: a payload may be decoded before it is used.
            for node in nodes:
                if node.type in ("short_var_declaration", "assignment_statement"):
                    flow._assigned(node)
                elif node.type == "call_expression":
                    flow._decoded(node)
        return flow

    def _assigned(self, node: Node) -> None:
        left = node.child_by_field_name("left")
        right = node.child_by_field_name("right")
        names = [text_of(n) for n in left.named_children] if left is not None else []
        if not names or right is None:
            return
        if ".Invoke(" in text_of(right) and "InvokeInput" in text_of(right):
            self.outputs.add(names[0])
        elif any(self.is_payload(value) for value in right.named_children[:1]):
            self.payloads.add(names[0])

    def _decoded(self, call: Node) -> None:
        """`json.Unmarshal(out.Payload, &result)` makes `result` hold the payload."""
        if text_of(call.child_by_field_name("function")) != "json.Unmarshal":
            return
        arguments = call.child_by_field_name("arguments")
        values = arguments.named_children if arguments is not None else []
        if len(values) == 2 and self.is_payload(values[0]):
            self.payloads.add(text_of(values[1]).lstrip("&"))

    def is_payload(self, node: Node) -> bool:
        """`out.Payload`, a payload name, or either converted (`string(out.Payload)`)."""
        if node.type == "identifier":
            return text_of(node) in self.payloads
        if node.type == "selector_expression":
            operand = node.child_by_field_name("operand")
            field = text_of(node.child_by_field_name("field"))
            return field == "Payload" and operand is not None and text_of(operand) in self.outputs
        if node.type in ("call_expression", "type_conversion_expression"):
            arguments = node.child_by_field_name("arguments")
            operand = node.child_by_field_name("operand")
            values = arguments.named_children if arguments is not None else []
            values += [operand] if operand is not None else []
            return any(self.is_payload(value) for value in values[:1])
        return False

    def carries(self, node: Node) -> bool:
        """Whether `node` holds the payload whole or its error fields (not `result.Body`)."""
        if node.type in ("selector_expression", "index_expression") and not self.is_payload(node):
            operand = node.child_by_field_name("operand")
            if operand is not None and self.is_payload(operand):
                field = node.child_by_field_name("field") or node.child_by_field_name("index")
                return text_of(field).strip('"`') in _ERROR_FIELDS
        if self.is_payload(node):
            return True
        return any(self.carries(child) for child in node.named_children)


def _error_branches(nodes: list[Node]) -> set[tuple[int, int]]:
    """The response literals inside the branch of an `if` taken when `FunctionError` is set."""
    found: set[tuple[int, int]] = set()
    for node in nodes:
        condition = node.child_by_field_name("condition") if node.type == "if_statement" else None
        if condition is None or "FunctionError" not in text_of(condition):
            continue
        text = text_of(condition).replace(" ", "")
        negated = text.endswith(("==nil", '==""')) or text.startswith("!")
        branch = node.child_by_field_name("alternative" if negated else "consequence")
        found |= {(n.start_byte, n.end_byte) for n in walk(branch) if _response_body(n)}
    return found
