"""JavaScript and TypeScript checks about keys, object ACLs and errors (see `python_access`).

- `jwt.sign(payload, "k")`, `crypto.createHmac("sha256", "k")`, `createCipheriv(alg, KEY, iv)`
  with a literal or a module constant: hardcoded-secret-in-code;
- `ACL: "public-read"` (or an `x-amz-acl` header) in the parameters of an S3 call:
  public-object-write, with the bucket as the subject (`bucket:env:PHOTOS`);
- a `catch (err)` whose response carries `err.stack`, or `err.message`/`String(err)`/
  `${err}` when the `try` throws nothing on purpose: error-details-exposed (a downstream
  Lambda's error payload returned is `javascript_invoke`).
"""

from __future__ import annotations

from collections.abc import Iterator

from slsguard.code.javascript_checks import file_hit
from slsguard.code.javascript_invoke import downstream_errors
from slsguard.code.javascript_modules import JsModule, Node, text_of
from slsguard.code.model import Hit
from slsguard.secrets.detect import mask

# Calls whose argument at the index is a key.
_KEY_CALLS = (("jwt.sign", 1), ("createHmac", 1), ("createCipheriv", 1), ("jws.sign", 1))
_PUBLIC_ACLS = frozenset({"public-read", "public-read-write"})
_RESPONDERS = ("callback", "cb", "done")


def check_access(module: JsModule, function: str, handler: bool) -> Iterator[Hit]:
    """The key and ACL hits of one module; error details only in the handler's own module."""
    stack = [module.root]
    while stack:
        node = stack.pop()
        stack.extend(node.named_children)
        if node.type == "call_expression":
            yield from _signing_key(module, node, function)
        elif node.type == "pair":
            yield from _public_acl(module, node, function)
        elif node.type == "try_statement" and handler:
            yield from _error_details(module, node, function)
    if handler:
        yield from downstream_errors(module, function)


def _signing_key(module: JsModule, node: Node, function: str) -> Iterator[Hit]:
    called = text_of(node.child_by_field_name("function"))
    index = next((i for name, i in _KEY_CALLS if called.endswith(name)), None)
    arguments = node.child_by_field_name("arguments")
    values = arguments.named_children if arguments is not None else []
    if index is None or len(values) <= index:
        return
    key, name = values[index], ""
    if key.type == "identifier":
        name = text_of(key)
        found = module.functions.get(name)
        key = found if found is not None else key
    if key.type not in ("string", "template_string") or "${" in text_of(key):
        return
    held = f"the constant {name}" if name else "a literal"
    message = (
        f"`{called}` signs or encrypts with {held} written in the code "
        f"({mask(text_of(key)[1:-1])}): anyone who reads the code can forge tokens or signatures"
    )
    fix = "keep the key in Secrets Manager (or sign with KMS) and read it at run time; rotate it"
    yield file_hit(module, key, "hardcoded-secret-in-code", function, message, fix, "signing-key")


def _public_acl(module: JsModule, node: Node, function: str) -> Iterator[Hit]:
    key = text_of(node.child_by_field_name("key")).strip("'\"")
    value = node.child_by_field_name("value")
    acl = text_of(value).strip("'\"`") if value is not None else ""
    if key not in ("ACL", "x-amz-acl") or acl not in _PUBLIC_ACLS or value is None:
        return
    message = (
        f"objects are stored with the canned ACL {acl} (`{key}`): anyone on the internet can "
        "read them" + (" and overwrite them" if acl.endswith("write") else "")
    )
    fix = (
        "drop the ACL (buckets disable ACLs by default) and serve the objects through "
        "CloudFront with an origin access control, or hand out pre-signed GET URLs"
    )
    subject = "bucket:" + _bucket(module, node.parent)
    yield file_hit(module, value, "public-object-write", function, message, fix, subject)


def _bucket(module: JsModule, parameters: Node | None) -> str:
    """The `Bucket` of the same parameters: a literal, `env:NAME`, or a module constant."""
    for pair in parameters.named_children if parameters is not None else []:
        if pair.type == "shorthand_property_identifier" and text_of(pair) == "Bucket":
            return ""
        if pair.type != "pair" or text_of(pair.child_by_field_name("key")) != "Bucket":
            continue
        value = pair.child_by_field_name("value")
        return _named(module, value, 0) if value is not None else ""
    return ""


def _named(module: JsModule, value: Node, depth: int) -> str:
    text = text_of(value)
    if value.type == "string":
        return text.strip("'\"")
    if text.startswith("process.env."):
        return "env:" + text.removeprefix("process.env.")
    if value.type == "identifier" and depth < 3:
        found = module.functions.get(text)
        return _named(module, found, depth + 1) if found is not None else ""
    return ""


def _error_details(module: JsModule, node: Node, function: str) -> Iterator[Hit]:
    handler = node.child_by_field_name("handler")
    body = node.child_by_field_name("body")
    parameter = handler.child_by_field_name("parameter") if handler is not None else None
    if handler is None or parameter is None or parameter.type != "identifier":
        return
    error = text_of(parameter)
    on_purpose = body is not None and _throws(body)
    for response in _responses(handler):
        leak = _leak(response, error, on_purpose)
        if leak is None:
            continue
        message = (
            f"the response returns {leak}: the caller sees internal details (file paths, "
            "queries, library versions) that help an attack"
        )
        fix = (
            "log the error (`console.error(err)`) and return a generic message with the request id"
        )
        yield file_hit(module, response, "error-details-exposed", function, message, fix)


def _throws(body: Node) -> bool:
    stack = [body]
    while stack:
        node = stack.pop()
        if node.type == "throw_statement":
            return True
        stack.extend(node.named_children)
    return False


def _responses(handler: Node) -> Iterator[Node]:
    """Return statements, and calls that answer (`callback(...)`, `res.send(...)`)."""
    stack = [handler]
    while stack:
        node = stack.pop()
        stack.extend(node.named_children)
        if node.type == "return_statement":
            yield node
        elif node.type == "call_expression":
            called = text_of(node.child_by_field_name("function"))
            if called in _RESPONDERS or called.endswith((".send", ".json")):
                yield node


def _leak(response: Node, error: str, on_purpose: bool) -> str | None:
    stack = [response]
    while stack:
        node = stack.pop()
        stack.extend(node.named_children)
        text = text_of(node)
        if node.type == "member_expression" and text == f"{error}.stack":
            return f"the stack trace (`{error}.stack`)"
        if on_purpose:
            continue
        if node.type == "member_expression" and text == f"{error}.message":
            return f"the error's message (`{error}.message`)"
        if node.type == "template_substitution" and text == f"${{{error}}}":
            return f"the error's message (`${{{error}}}`)"
        if node.type == "call_expression" and text in (f"String({error})", f"{error}.toString()"):
            return f"the error's message (`{text}`)"
    return None
