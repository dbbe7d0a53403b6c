"""Checks of whole JavaScript/TypeScript files that need no taint: secrets, JWT, TLS."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace

from slsguard.code.javascript_modules import JsModule, Node, text_of
from slsguard.code.model import JWT_BY_HAND, Hit, source_location
from slsguard.findings import Severity
from slsguard.secrets.detect import (
    classify,
    find_token,
    is_aws_documentation_key,
    is_secret_name,
    mask,
)

_TLS_FIX = "remove it; trust a private CA with the `ca` option instead"


def check_module(module: JsModule, function: str) -> Iterator[Hit]:
    """Every file-level hit of one module."""
    verifies = "verify(" in text_of(module.root) or "jwtVerify(" in text_of(module.root)
    stack = [module.root]
    while stack:
        node = stack.pop()
        stack.extend(node.named_children)
        yield from _node(module, node, function, verifies)


def _node(module: JsModule, node: Node, function: str, verifies: bool) -> Iterator[Hit]:
    kind = node.type
    if kind == "pair":
        key = text_of(node.child_by_field_name("key")).strip("'\"")
        value = node.child_by_field_name("value")
        if key == "rejectUnauthorized" and text_of(value) == "false":
            yield file_hit(
                module,
                node,
                "tls-verification-disabled",
                function,
                "`rejectUnauthorized: false` accepts any certificate",
                _TLS_FIX,
            )
        yield from _named(module, key, value, function)
    elif kind == "variable_declarator":
        name = node.child_by_field_name("name")
        value = node.child_by_field_name("value")
        yield from _named(module, text_of(name), value, function)
        if name.type == "object_pattern" and text_of(value) == "process.env":
            for item in name.named_children:
                if is_secret_name(text_of(item)):
                    yield _env(module, item, text_of(item), function)
    elif kind == "assignment_expression":
        left = text_of(node.child_by_field_name("left"))
        if left.endswith("NODE_TLS_REJECT_UNAUTHORIZED"):
            yield file_hit(
                module,
                node,
                "tls-verification-disabled",
                function,
                "`NODE_TLS_REJECT_UNAUTHORIZED = 0` turns TLS verification off for the "
                "whole process",
                _TLS_FIX,
            )
    elif kind in ("member_expression", "subscript_expression"):
        yield from _env_read(module, node, function)
    elif kind == "call_expression":
        yield from _jwt(module, node, function, verifies)
        if not verifies and _decodes_jwt_payload(module, node):
            yield file_hit(
                module,
                node,
                "jwt-signature-not-verified",
                function,
                "the JWT's payload is base64-decoded by hand: its claims are read without "
                "checking the signature",
                'verify it: `jwt.verify(token, key, { algorithms: ["RS256"] })`, or put an '
                "authorizer that verifies it (Cognito, JWT) in front of the route",
                JWT_BY_HAND,
            )
    elif kind == "string" and len(text_of(node)) >= 18:
        yield from _literal(module, node, "", function)


_BASE64_DECODERS = ("base64url.decode", "base64.decode", "atob", "Buffer.from")
_PAYLOAD = re.compile(r"""\.split\(\s*(['"`])\.\1\s*\)\s*\[\s*1\s*\]""")


def _decodes_jwt_payload(module: JsModule, node: Node) -> bool:
    """A base64 decode of a token's middle part: `atob(token.split('.')[1])`,
    `Buffer.from(parts[1], 'base64')` after `parts = token.split('.')`."""
    callee = text_of(node.child_by_field_name("function"))
    arguments = node.child_by_field_name("arguments")
    if not callee.endswith(_BASE64_DECODERS) or arguments is None:
        return False
    items = arguments.named_children
    if not items or (callee.endswith("Buffer.from") and "base64" not in text_of(arguments)):
        return False
    first = text_of(items[0])
    if _PAYLOAD.search(first):
        return True
    parts = re.fullmatch(r"([A-Za-z_$][\w$]*)\s*\[\s*1\s*\]", first)
    return parts is not None and _splits_on_dots(module, parts.group(1))


def _splits_on_dots(module: JsModule, name: str) -> bool:
    """Whether `name` is assigned a string split on `.` (`const parts = token.split('.')`)."""
    split = rf"""\b{re.escape(name)}\s*=\s*[^;\n]*\.split\(\s*(['"`])\.\1\s*\)\s*(;|$)"""
    return re.search(split, text_of(module.root), re.MULTILINE) is not None


def _named(module: JsModule, name: str, value: Node | None, function: str) -> Iterator[Hit]:
    if value is not None and value.type == "string" and name:
        yield from _literal(module, value, name, function)


def _literal(module: JsModule, node: Node, name: str, function: str) -> Iterator[Hit]:
    text = text_of(node)[1:-1]
    match = classify(name, text) if name else find_token(text)
    if match is None or is_aws_documentation_key(text):
        return
    what = {"placeholder": "a placeholder for a secret", "named": "a secret literal"}.get(
        match.kind, match.description
    )
    message = f"{name or 'the code'} holds {what} ({mask(text)})"
    fix = "move it to Secrets Manager and read it at run time; rotate the exposed value"
    hit = file_hit(module, node, "hardcoded-secret-in-code", function, message, fix)
    if match.kind == "placeholder":
        hit = replace(hit, severity=Severity.LOW)
    elif match.live:
        hit = replace(hit, severity=Severity.CRITICAL)
    yield hit


def _env_read(module: JsModule, node: Node, function: str) -> Iterator[Hit]:
    owner = text_of(node.child_by_field_name("object"))
    if owner != "process.env":
        return
    key = node.child_by_field_name("property") or node.child_by_field_name("index")
    name = text_of(key).strip("'\"`")
    if is_secret_name(name):
        yield _env(module, node, name, function)


def _env(module: JsModule, node: Node, name: str, function: str) -> Hit:
    message = f"the secret {name} is read from the function's environment"
    fix = (
        f"keep it in Secrets Manager, pass `{name}_ARN` and read it at run time "
        "(Powertools `getSecret`, or the Parameters and Secrets extension)"
    )
    return file_hit(module, node, "secret-read-from-environment", function, message, fix, name)


def _jwt(module: JsModule, node: Node, function: str, verifies: bool) -> Iterator[Hit]:
    func = text_of(node.child_by_field_name("function"))
    arguments = text_of(node.child_by_field_name("arguments"))
    fix = 'verify it: `jwt.verify(token, key, { algorithms: ["RS256"] })`'
    if func.endswith(("jwt.decode", "jsonwebtoken.decode", "decodeJwt")) and not verifies:
        yield file_hit(
            module,
            node,
            "jwt-signature-not-verified",
            function,
            f"`{func}` reads a JWT without checking its signature",
            fix,
        )
    elif func.endswith("verify") and "'none'" in arguments.replace('"', "'"):
        yield file_hit(
            module,
            node,
            "jwt-signature-not-verified",
            function,
            f"`{func}` accepts the `none` algorithm: an unsigned token passes",
            fix,
        )


def file_hit(
    module: JsModule,
    node: Node,
    kind: str,
    function: str,
    message: str,
    fix: str,
    subject: str = "",
) -> Hit:
    line, column, end_line, end_column = module.position(node)
    location = source_location(
        module.display,
        line,
        column,
        (end_line, end_column),
        _enclosing(module, node),
        module.text(node),
    )
    return Hit(kind, location, message, fix, None, subject, (function,))


def _enclosing(module: JsModule, node: Node) -> str:
    current = node.parent
    while current is not None:
        name = current.child_by_field_name("name")
        if current.type.endswith(("function_declaration", "method_definition")) and name:
            return text_of(name)
        if (
            current.type == "variable_declarator"
            and current.child_by_field_name("value")
            and current.child_by_field_name("value").type
            in ("arrow_function", "function_expression")
        ):
            return text_of(name)
        current = current.parent
    return "<module>"
