"""Small helpers of the Python analyser: merging taint, collection elements, guard tests."""

from __future__ import annotations

import ast

from slsguard.code.model import EventRef, Taint, Value


def merge(first: Value, second: Value) -> Value:
    """Two values combined: tainted if either is, safe only where both are."""
    if isinstance(first, Taint) and isinstance(second, Taint):
        sanitized = first.sanitized & second.sanitized
        shape = "json" if "json" in (first.shape, second.shape) else first.shape
        doubt = first.doubt or second.doubt
        return Taint(first.field, first.trigger, first.steps, sanitized, shape, doubt=doubt)
    if isinstance(first, Taint):
        return first
    if isinstance(second, Taint):
        return second
    return first if first is not None else second


def element(value: Value) -> Value:
    """One element of a collection value (`for record in event["Records"]`)."""
    if isinstance(value, EventRef):
        return EventRef((*value.path, "[]"))
    return value


def base_name(target: ast.expr) -> str | None:
    """The variable an attribute or item assignment writes into."""
    while isinstance(target, ast.Subscript | ast.Attribute):
        target = target.value
    return target.id if isinstance(target, ast.Name) else None


def leading_text(node: ast.JoinedStr) -> str | None:
    """The constant text an f-string starts with."""
    first = node.values[0] if node.values else None
    return first.value if isinstance(first, ast.Constant) and isinstance(first.value, str) else None


def allow_list(test: ast.expr) -> tuple[list[str], bool]:
    """Variables an `if` proves safe (`x in ALLOWED`, `x.isdigit()`, `re.fullmatch(p, x)`)."""
    negated = isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not)
    inner = test.operand if isinstance(test, ast.UnaryOp) else test
    if isinstance(inner, ast.Compare) and len(inner.ops) == 1 and isinstance(inner.left, ast.Name):
        op = inner.ops[0]
        allowed = isinstance(inner.comparators[0], ast.Name | ast.Set | ast.List | ast.Tuple)
        if allowed and isinstance(op, ast.In | ast.NotIn):
            return [inner.left.id], negated != isinstance(op, ast.NotIn)
    if isinstance(inner, ast.Call) and isinstance(inner.func, ast.Attribute):
        name = inner.func.attr
        if name in ("isdigit", "isdecimal", "isalnum") and isinstance(inner.func.value, ast.Name):
            return [inner.func.value.id], negated
        if name in ("fullmatch", "match") and len(inner.args) > 1:
            subject = inner.args[1]
            if isinstance(subject, ast.Name):
                return [subject.id], negated
    return [], False


def leaves(node: ast.stmt) -> bool:
    """Whether a statement leaves the block (`return`, `raise`, `continue`, `break`)."""
    return isinstance(node, ast.Return | ast.Raise | ast.Continue | ast.Break)
