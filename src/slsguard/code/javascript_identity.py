"""JavaScript and TypeScript: the caller's identity taken from the request (see `python_identity`).

Names bound to a part of the request (`const body = JSON.parse(event.body)`,
`event.pathParameters`) and identity values read from them (`body.userId`,
`const { userId } = body`) are followed to a data-store call (`GetCommand`, `.get(`,
`.query(`, `findOne(`, ...) or an `if` that tests them. A test that mentions the verified
claims (`requestContext`, `authorizer`, `claims`) is a guard and clears the names it uses.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace

from slsguard.code.javascript_checks import file_hit
from slsguard.code.javascript_modules import JsModule, Node, text_of
from slsguard.code.model import Hit, Taint
from slsguard.code.python_identity import IDENTITY
from slsguard.findings import FlowStep, Severity

_PARTS = {
    "body": "the request body",
    "queryStringParameters": "the query string",
    "pathParameters": "the path parameters",
}
_PART = re.compile(r"\bevent\.(body|queryStringParameters|pathParameters)\b")
_STORE = re.compile(
    r"(?:\b(?:Get|Put|Update|Delete|Query|Scan)(?:Item)?Command\b|"
    r"\.(?:get|put|update|delete|query|findOne|find|updateOne|deleteOne|execute)\()"
)
_VERIFIED = re.compile(r"requestContext|authorizer|claims|principalId")


def check_identity(module: JsModule, function: str) -> Iterator[Hit]:
    """Identity values from the request that key a data store or decide a branch."""
    parts: dict[str, str] = {}
    values: dict[str, tuple[str, str, FlowStep]] = {}
    guarded: set[str] = set()
    nodes = _walk(module.root)
    for node in nodes:
        if node.type == "variable_declarator":
            _bind(module, node, parts, values)
        elif node.type == "if_statement":
            condition = text_of(node.child_by_field_name("condition"))
            if _VERIFIED.search(condition):
                guarded |= set(re.findall(r"[A-Za-z_$][\w$]*", condition))
    for node in nodes:
        sink = _sink(node)
        if sink is None:
            continue
        found = _identity_in(module, sink[0], parts, values, guarded)
        if found is not None:
            yield _hit(module, node, sink[1], found, function)


def _walk(root: Node) -> list[Node]:
    found, stack = [], [root]
    while stack:
        node = stack.pop()
        found.append(node)
        stack.extend(reversed(node.named_children))
    return found


def _part(text: str, parts: dict[str, str]) -> str | None:
    match = _PART.search(text)
    if match:
        return _PARTS[match.group(1)]
    return parts.get(text.strip())


def _bind(
    module: JsModule,
    node: Node,
    parts: dict[str, str],
    values: dict[str, tuple[str, str, FlowStep]],
) -> None:
    name, value = node.child_by_field_name("name"), node.child_by_field_name("value")
    if value is None:
        return
    value_text = text_of(value)
    label = _part(value_text, parts)
    if name.type == "identifier" and label is not None and not _member_key(value_text):
        parts[text_of(name)] = label
        return
    step = FlowStep(module.display, *module.position(node)[:2], text_of(node).splitlines()[0][:120])
    if name.type == "object_pattern" and label is not None:  # const { userId } = body
        for item in name.named_children:
            key = text_of(item.child_by_field_name("key") or item)
            local = text_of(item.child_by_field_name("value") or item)
            if IDENTITY.match(key):
                values[local] = (key, label, step)
    elif name.type == "identifier":
        member = _member_key(value_text)
        owner = value_text.rsplit(".", 1)[0] if member else ""
        owner_label = _part(owner, parts) if owner else None
        if member and IDENTITY.match(member) and owner_label is not None:
            values[text_of(name)] = (member, owner_label, step)


def _member_key(text: str) -> str | None:
    match = re.fullmatch(r"[\w$.?\[\]'\"]+?\.([A-Za-z_]\w*)", text.strip())
    return match.group(1) if match else None


def _sink(node: Node) -> tuple[Node, str] | None:
    if node.type == "if_statement":
        condition = node.child_by_field_name("condition")
        return (condition, "an authorization branch") if condition is not None else None
    if node.type in ("call_expression", "new_expression") and _STORE.search(
        text_of(node.child_by_field_name("function") or node.child_by_field_name("constructor"))
        + "("
    ):
        arguments = node.child_by_field_name("arguments")
        return (arguments, "a data-store key") if arguments is not None else None
    return None


def _identity_in(
    module: JsModule,
    node: Node,
    parts: dict[str, str],
    values: dict[str, tuple[str, str, FlowStep]],
    guarded: set[str],
) -> tuple[str, str, tuple[FlowStep, ...]] | None:
    for item in _walk(node):
        text = text_of(item)
        named = item.type in ("identifier", "shorthand_property_identifier")
        if named and text in values and text not in guarded:
            key, bound, step = values[text]
            return key, bound, (step,)
        if item.type == "member_expression":
            field = text_of(item.child_by_field_name("property"))
            owner = text_of(item.child_by_field_name("object"))
            label = _part(owner, parts)
            if IDENTITY.match(field) and label is not None and owner not in guarded:
                read = FlowStep(module.display, *module.position(item)[:2], f"{text} ({label})")
                return field, label, (read,)
    return None


def _hit(
    module: JsModule,
    node: Node,
    sink: str,
    found: tuple[str, str, tuple[FlowStep, ...]],
    function: str,
) -> Hit:
    key, label, steps = found
    message = (
        f"the caller's {key} comes from {label} and decides {sink}: any signed-in caller "
        f"can act as another user (or claim another role) by sending another {key}"
    )
    fix = (
        "take the identity from the verified claims "
        "(`event.requestContext.authorizer.claims.sub`, or the JWT you verified) and ignore "
        "the one in the request, or check that the two match"
    )
    hit = file_hit(module, node, "client-controlled-identity", function, message, fix, "")
    if "jwt" in text_of(module.root).lower():
        hit = replace(hit, subject="jwt")
    first_line = text_of(node).strip().splitlines()[0][:120]
    sink_step = FlowStep(module.display, *module.position(node)[:2], first_line)
    taint = Taint(label, "the request", (*steps, sink_step))
    return replace(hit, taint=taint, severity=Severity.HIGH)
