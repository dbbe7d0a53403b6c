"""Python checks about what the code does with keys, objects and errors.

- constants used as signing or encryption keys (`jwt.encode(payload, "k")`,
  `hmac.new(b"k", ...)`, a module constant passed to such a call): hardcoded-secret-in-code;
- objects stored with a public canned ACL (`ACL="public-read"`, `ExtraArgs={"ACL": ...}`,
  the ACL of a pre-signed URL or POST): public-object-write, with the bucket expression as
  the hit's subject so the rule can judge the bucket when the template defines it;
- an unexpected exception's message or stack returned by a broad `except`
  (`str(e)`, `repr(e)`, `f"{e}"`, `traceback.format_exc()`): error-details-exposed. Errors the
  `try` raises on purpose for the caller (`raise ValueError("...")`) are not reported; a
  downstream Lambda's error payload returned is `python_invoke`.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from slsguard.code.model import Hit
from slsguard.code.python_checks import file_hit, qualname
from slsguard.code.python_invoke import downstream_errors
from slsguard.code.python_modules import Module
from slsguard.secrets.detect import mask

# Calls whose argument (by position, or keyword) is a key: (qualified name, index, keyword).
_KEY_CALLS = {
    "jwt.encode": (1, "key"),
    "jose.jwt.encode": (1, "key"),
    "hmac.new": (0, "key"),
    "hmac.HMAC": (0, "key"),
    "hmac.digest": (0, "key"),
    "Crypto.Cipher.AES.new": (0, "key"),
    "cryptography.fernet.Fernet": (0, "key"),
    "itsdangerous.URLSafeTimedSerializer": (0, "secret_key"),
    "itsdangerous.URLSafeSerializer": (0, "secret_key"),
}
PUBLIC_ACLS = frozenset({"public-read", "public-read-write"})
_ACL_KEYS = frozenset({"ACL", "acl", "x-amz-acl"})
_BROAD = frozenset({"Exception", "BaseException"})
_STACK_CALLS = frozenset({"traceback.format_exc", "traceback.format_exception"})


def check_access(module: Module, function: str) -> Iterator[Hit]:
    """The key and ACL hits of one module (any module the handler reaches)."""
    for node in ast.walk(module.tree):
        if isinstance(node, ast.Call):
            yield from _signing_key(module, node, function)
            yield from _public_acl(module, node, function)


def check_errors(module: Module, function: str) -> Iterator[Hit]:
    """The error-detail hits of a function's own handler module (what it returns)."""
    for node in ast.walk(module.tree):
        if isinstance(node, ast.Try):
            yield from _error_details(module, node, function)
    yield from downstream_errors(module, function)


def _signing_key(module: Module, node: ast.Call, function: str) -> Iterator[Hit]:
    qual = qualname(module, node.func) or ""
    spec = next((v for k, v in _KEY_CALLS.items() if qual == k or qual.endswith("." + k)), None)
    if spec is None:
        return
    index, keyword = spec
    argument = node.args[index] if len(node.args) > index else None
    argument = next((kw.value for kw in node.keywords if kw.arg == keyword), argument)
    literal, place, name = _constant(module, argument)
    if literal is None or place is None:
        return
    held = f"the constant {name}" if name else "a literal"
    message = (
        f"`{qual}` signs or encrypts with {held} written in the code ({mask(literal)}): anyone "
        "who reads the code can forge tokens or signatures"
    )
    fix = (
        "keep the key in Secrets Manager (or use KMS to sign) and read it at run time; "
        "rotate the exposed key"
    )
    yield file_hit(module, place, "hardcoded-secret-in-code", function, message, fix, "signing-key")


def _constant(module: Module, node: ast.expr | None) -> tuple[str | None, ast.AST | None, str]:
    """The literal text of a key argument, where it is written, and the constant's name."""
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        # `"k".encode()`, `KEY.encode("utf-8")`: the text before it is encoded
        node = node.func.value if node.func.attr == "encode" else node
    if isinstance(node, ast.Constant) and isinstance(node.value, str | bytes):
        text = node.value.decode("latin-1") if isinstance(node.value, bytes) else node.value
        return text, node, ""
    if isinstance(node, ast.Name) and node.id in module.assigned:
        literal, place, _ = _constant(module, module.assigned[node.id].value)
        return literal, place, node.id
    return None, None, ""


def _public_acl(module: Module, node: ast.Call, function: str) -> Iterator[Hit]:
    for key, value in _acl_settings(node):
        acl = value.value if isinstance(value, ast.Constant) else None
        if acl not in PUBLIC_ACLS:
            continue
        method = node.func.attr if isinstance(node.func, ast.Attribute) else "the call"
        message = (
            f"`{method}` stores objects with the canned ACL {acl} (`{key}`): anyone on the "
            "internet can read them" + (" and overwrite them" if acl.endswith("write") else "")
        )
        fix = (
            "drop the ACL (buckets disable ACLs by default) and serve the objects through "
            "CloudFront with an origin access control, or hand out pre-signed GET URLs"
        )
        subject = "bucket:" + _bucket(module, node)
        yield file_hit(module, value, "public-object-write", function, message, fix, subject)


def _acl_settings(node: ast.Call) -> Iterator[tuple[str, ast.expr]]:
    """`ACL=...` keywords and `"ACL": ...` entries of dict arguments (ExtraArgs, Params)."""
    for keyword in node.keywords:
        if keyword.arg in _ACL_KEYS:
            yield keyword.arg or "", keyword.value
        elif isinstance(keyword.value, ast.Dict):
            yield from _dict_acls(keyword.value)
    for argument in node.args:
        if isinstance(argument, ast.Dict):
            yield from _dict_acls(argument)


def _dict_acls(node: ast.Dict) -> Iterator[tuple[str, ast.expr]]:
    for key, value in zip(node.keys, node.values, strict=False):
        if isinstance(key, ast.Constant) and key.value in _ACL_KEYS:
            yield str(key.value), value
        elif isinstance(value, ast.Dict):
            yield from _dict_acls(value)


def _bucket(module: Module, node: ast.Call) -> str:
    """The bucket a call names: `env:UPLOADS` for an environment read, the literal, or ``."""
    candidates = [kw.value for kw in node.keywords if kw.arg in ("Bucket", "bucket")]
    for keyword in node.keywords:
        if isinstance(keyword.value, ast.Dict):
            candidates += [
                value
                for key, value in zip(keyword.value.keys, keyword.value.values, strict=False)
                if isinstance(key, ast.Constant) and key.value == "Bucket"
            ]
    if len(node.args) >= 2 and getattr(node.func, "attr", "") == "upload_file":
        candidates.append(node.args[1])
    for candidate in candidates:
        named = _named_bucket(module, candidate, 0)
        if named:
            return named
    return ""


def _named_bucket(module: Module, node: ast.expr, depth: int) -> str:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.Name) and node.id in module.assigned and depth < 3:
        return _named_bucket(module, module.assigned[node.id].value, depth + 1)
    key: ast.expr | None = None
    if isinstance(node, ast.Subscript):
        key = node.slice
    elif isinstance(node, ast.Call) and node.args and _reads_environment(module, node):
        key = node.args[0]
    if isinstance(key, ast.Constant) and isinstance(key.value, str):
        return "env:" + key.value
    return ""


def _reads_environment(module: Module, node: ast.Call) -> bool:
    function = module.text(node.func)
    return "environ" in function or function == "os.getenv"


def _error_details(module: Module, node: ast.Try, function: str) -> Iterator[Hit]:
    if _raises_on_purpose(node):
        return  # The messages are the handler's own, meant for the caller.
    for handler in node.handlers:
        broad = handler.type is None or _names(handler.type) & _BROAD
        for returned in _returns(handler.body):
            leak = _leak(module, returned.value, handler.name if broad else None)
            if leak is None:
                continue
            message = (
                f"the response returns {leak}: the caller sees internal details (file paths, "
                "queries, library versions) that help an attack"
            )
            fix = (
                "log the exception (`logger.exception(...)`) and return a generic message with "
                "a correlation id (the request id)"
            )
            yield file_hit(module, returned, "error-details-exposed", function, message, fix)


def _raises_on_purpose(node: ast.Try) -> bool:
    return any(
        isinstance(item, ast.Raise) and isinstance(item.exc, ast.Call) and item.exc.args
        for statement in node.body
        for item in ast.walk(statement)
    )


def _returns(body: list[ast.stmt]) -> Iterator[ast.Return]:
    for statement in body:
        for item in ast.walk(statement):
            if isinstance(item, ast.Return) and item.value is not None:
                yield item


def _leak(module: Module, value: ast.expr | None, error: str | None) -> str | None:
    """What part of an error a returned value carries, or None."""
    for item in ast.walk(value) if value is not None else ():
        if isinstance(item, ast.Call) and (qualname(module, item.func) or "") in _STACK_CALLS:
            return "the stack trace (`traceback.format_exc()`)"
        found = _message_of(item, error) if error else None
        if found:
            return f"the exception's message (`{found}`)"
    return None


def _message_of(item: ast.AST, error: str) -> str | None:
    """`str(e)`, `repr(e)`, `{e}` in an f-string, `e.args`, `e.message`."""
    if isinstance(item, ast.Call) and isinstance(item.func, ast.Name):
        if item.func.id in ("str", "repr") and _is_name(item.args, error):
            return f"{item.func.id}({error})"
    elif isinstance(item, ast.FormattedValue) and _is_name([item.value], error):
        return f"{{{error}}}"
    elif isinstance(item, ast.Attribute) and item.attr in ("args", "message"):
        return f"{error}.{item.attr}" if _is_name([item.value], error) else None
    return None


def _is_name(nodes: list[ast.expr], name: str) -> bool:
    return bool(nodes) and isinstance(nodes[0], ast.Name) and nodes[0].id == name


def _names(node: ast.expr) -> set[str]:
    items = node.elts if isinstance(node, ast.Tuple) else [node]
    return {item.id if isinstance(item, ast.Name) else getattr(item, "attr", "") for item in items}
