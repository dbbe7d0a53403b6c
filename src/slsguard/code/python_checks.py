"""Checks of whole Python files that need no taint: secrets, JWT and TLS settings.

A secret literal (SLS305), a secret-named environment variable read in code (SLS306), a
JWT decoded without its signature checked (SLS610), TLS verification turned off (SLS611)
and Powertools' `inject_lambda_context(log_event=True)` (SLS609) are wrong wherever the
code is, so every analysed module is checked once.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import replace

from slsguard.code.model import JWT_BY_HAND, Hit, source_location
from slsguard.code.python_modules import Module
from slsguard.findings import Severity
from slsguard.secrets.detect import (
    SecretMatch,
    classify,
    find_token,
    is_aws_documentation_key,
    is_secret_name,
    mask,
)

_ENV_READS = ("os.environ.get", "os.getenv", "os.environ.__getitem__", "environ.get")
_JWT_DECODE = frozenset({"jwt.decode", "jose.jwt.decode", "jwt.api_jwt.decode"})
_UNVERIFIED = frozenset({"jose.jwt.get_unverified_claims", "jwt.get_unverified_claims"})


def check_module(module: Module, function: str) -> Iterator[Hit]:
    """Every file-level hit of one module."""
    seen: set[int] = set()
    excused = _reads_before_verifying(module)
    for node in ast.walk(module.tree):
        if isinstance(node, ast.Call) and id(node) not in excused:
            yield from _call(module, node, function)
        elif isinstance(node, ast.Subscript):
            yield from _environ_subscript(module, node, function)
        elif isinstance(node, ast.Assign | ast.AnnAssign | ast.keyword | ast.Dict):
            yield from _named_literals(module, node, function, seen)
        elif _long_text(node) and id(node) not in seen:
            assert isinstance(node, ast.Constant)
            seen.add(id(node))
            yield from _literal(module, node, "", find_token(str(node.value)), function)
        if isinstance(node, ast.Attribute) and qualname(module, node) == "ssl.CERT_NONE":
            yield file_hit(
                module,
                node,
                "tls-verification-disabled",
                function,
                "`ssl.CERT_NONE` turns certificate verification off",
                "use `ssl.create_default_context()` and leave verification on",
            )


def _call(module: Module, node: ast.Call, function: str) -> Iterator[Hit]:
    qual = qualname(module, node.func) or ""
    keywords = {kw.arg: kw.value for kw in node.keywords if kw.arg}
    if qual in _JWT_DECODE or qual in _UNVERIFIED:
        reason = _jwt_unverified(qual, keywords)
        if reason:
            fix = (
                'verify it: `jwt.decode(token, key, algorithms=["RS256"], '
                "audience=...)` with the issuer's key"
            )
            yield file_hit(module, node, "jwt-signature-not-verified", function, reason, fix)
        return
    if _decodes_jwt_payload(module, node, qual):
        fix = (
            'verify it: `jwt.decode(token, key, algorithms=["RS256"], audience=...)`, or put '
            "an authorizer that verifies it (Cognito, JWT) in front of the route"
        )
        reason = (
            "the JWT's payload is base64-decoded by hand: its claims are read without "
            "checking the signature"
        )
        kind = "jwt-signature-not-verified"
        yield file_hit(module, node, kind, function, reason, fix, JWT_BY_HAND)
        return
    yield from _tls(module, node, qual, keywords, function)
    method = node.func.attr if isinstance(node.func, ast.Attribute) else ""
    if method == "inject_lambda_context" and _is(keywords.get("log_event"), True):
        fix = "drop `log_event=True` (or set `POWERTOOLS_LOGGER_LOG_EVENT` only while debugging)"
        message = "`inject_lambda_context(log_event=True)` logs the whole event"
        yield file_hit(module, node, "sensitive-data-logged", function, message, fix)
    if qual.endswith(_ENV_READS) or qual == "os.getenv":
        yield from _environment_read(module, node, function)


def _reads_before_verifying(module: Module) -> set[int]:
    """Unverified JWT reads in a function that then verifies the signature (ids of calls).

    Reading the header or claims first to pick the key (`kid`, issuer) is how JWKS
    verification works: `get_unverified_header/claims` or a decode with the signature check
    off, followed by `jwk.construct(...).verify(...)`, `jws.verify(...)` or
    `jwt.decode(token, key, algorithms=[...])` in the same function.
    """
    excused: set[int] = set()
    for scope in ast.walk(module.tree):
        if not isinstance(scope, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        calls = [node for node in ast.walk(scope) if isinstance(node, ast.Call)]
        if any(_verifies(module, call) for call in calls):
            excused.update(id(call) for call in calls if _reads_unverified(module, call))
    return excused


def _keywords(node: ast.Call) -> dict[str, ast.expr]:
    return {kw.arg: kw.value for kw in node.keywords if kw.arg}


def _verifies(module: Module, node: ast.Call) -> bool:
    """A call that checks a JWT's signature with a key."""
    qual = qualname(module, node.func) or ""
    if isinstance(node.func, ast.Attribute) and node.func.attr == "verify":
        return True  # jwk.construct(key).verify(message, signature), jws.verify(...)
    has_key = len(node.args) >= 2 or "key" in _keywords(node)
    return qual in _JWT_DECODE and has_key and not _jwt_unverified(qual, _keywords(node))


_BASE64_DECODERS = frozenset({"base64.b64decode", "base64.urlsafe_b64decode", "base64.decodebytes"})


def _decodes_jwt_payload(module: Module, node: ast.Call, qual: str) -> bool:
    """A base64 decode of a token's middle part: `b64decode(token.split(".")[1] + "==")`,
    or of `parts[1]` after `parts = token.split(".")`."""
    if qual not in _BASE64_DECODERS or not node.args:
        return False
    argument = node.args[0]
    while isinstance(argument, ast.BinOp):  # padding added: `parts[1] + "=="`
        argument = argument.left
    if not (isinstance(argument, ast.Subscript) and _is(argument.slice, 1)):
        return False
    target = argument.value
    if isinstance(target, ast.Name):
        return any(
            isinstance(assign, ast.Assign)
            and any(isinstance(t, ast.Name) and t.id == target.id for t in assign.targets)
            and isinstance(assign.value, ast.Call)
            and _splits_on_dots(assign.value)
            for assign in ast.walk(module.tree)
        )
    return isinstance(target, ast.Call) and _splits_on_dots(target)


def _splits_on_dots(call: ast.Call) -> bool:
    return (
        isinstance(call.func, ast.Attribute)
        and call.func.attr in ("split", "rsplit")
        and bool(call.args)
        and _is(call.args[0], ".")
    )


def _reads_unverified(module: Module, node: ast.Call) -> bool:
    """A read of a JWT's header or claims without the signature (never the `none` algorithm)."""
    qual = qualname(module, node.func) or ""
    if _decodes_jwt_payload(module, node, qual):
        return True
    reason = _jwt_unverified(qual, _keywords(node)) if qual in _JWT_DECODE | _UNVERIFIED else ""
    return bool(reason) and "`none`" not in reason


def _jwt_unverified(qual: str, keywords: dict[str, ast.expr]) -> str:
    if qual in _UNVERIFIED:
        return f"`{qual}` reads the claims without checking the signature"
    options = keywords.get("options")
    if isinstance(options, ast.Dict):
        for key, value in zip(options.keys, options.values, strict=False):
            if (
                isinstance(key, ast.Constant)
                and key.value == "verify_signature"
                and _is(value, False)
            ):
                return f"`{qual}` with `verify_signature: False` accepts any signature"
    if _is(keywords.get("verify"), False):
        return f"`{qual}` with `verify=False` accepts any signature"
    algorithms = keywords.get("algorithms")
    if isinstance(algorithms, ast.List | ast.Tuple):
        names = [e.value for e in algorithms.elts if isinstance(e, ast.Constant)]
        if any(isinstance(n, str) and n.lower() == "none" for n in names):
            return f"`{qual}` accepts the `none` algorithm: an unsigned token passes"
    return ""


def _tls(
    module: Module, node: ast.Call, qual: str, keywords: dict[str, ast.expr], function: str
) -> Iterator[Hit]:
    fix = 'remove `verify=False`; pass `verify="/path/to/ca.pem"` for a private CA'
    if _is(keywords.get("verify"), False):
        yield file_hit(
            module,
            node,
            "tls-verification-disabled",
            function,
            f"`{qual or 'call'}` with `verify=False` accepts any certificate",
            fix,
        )
    elif qual.startswith("aiohttp") and _is(keywords.get("ssl"), False):
        yield file_hit(
            module,
            node,
            "tls-verification-disabled",
            function,
            f"`{qual}` with `ssl=False` accepts any certificate",
            fix,
        )
    elif qual == "ssl._create_unverified_context":
        yield file_hit(
            module,
            node,
            "tls-verification-disabled",
            function,
            "`ssl._create_unverified_context()` accepts any certificate",
            "use `ssl.create_default_context()`",
        )
    elif _is(keywords.get("cert_reqs"), "CERT_NONE"):
        yield file_hit(
            module,
            node,
            "tls-verification-disabled",
            function,
            f'`{qual}` with `cert_reqs="CERT_NONE"` accepts any certificate',
            'use `cert_reqs="CERT_REQUIRED"`',
        )


def _environment_read(module: Module, node: ast.Call, function: str) -> Iterator[Hit]:
    key = node.args[0] if node.args else None
    if isinstance(key, ast.Constant) and isinstance(key.value, str) and is_secret_name(key.value):
        yield _env_hit(module, node, key.value, function)


def _environ_subscript(module: Module, node: ast.Subscript, function: str) -> Iterator[Hit]:
    base = qualname(module, node.value) or ""
    key = node.slice
    name = key.value if isinstance(key, ast.Constant) and isinstance(key.value, str) else ""
    if base.endswith("environ") and is_secret_name(name) and isinstance(node.ctx, ast.Load):
        yield _env_hit(module, node, name, function)


def _env_hit(module: Module, node: ast.AST, name: str, function: str) -> Hit:
    message = f"the secret {name} is read from the function's environment"
    fix = (
        f"keep it in Secrets Manager, pass `{name}_ARN` (or its name) and read it at run time, "
        'e.g. `parameters.get_secret(os.environ["' + name + '_ARN"])` (Powertools)'
    )
    return file_hit(module, node, "secret-read-from-environment", function, message, fix, name)


def _named_literals(module: Module, node: ast.AST, function: str, seen: set[int]) -> Iterator[Hit]:
    for name, value in _pairs(node):
        if isinstance(value, ast.Constant) and isinstance(value.value, str):
            seen.add(id(value))
            yield from _literal(module, value, name, classify(name, value.value), function)


def _pairs(node: ast.AST) -> Iterator[tuple[str, ast.expr]]:
    if isinstance(node, ast.Assign):
        for target in node.targets:
            name = target.id if isinstance(target, ast.Name) else getattr(target, "attr", "")
            yield str(name), node.value
    elif isinstance(node, ast.AnnAssign) and node.value is not None:
        target = node.target
        yield (target.id if isinstance(target, ast.Name) else ""), node.value
    elif isinstance(node, ast.keyword) and node.arg:
        yield node.arg, node.value
    elif isinstance(node, ast.Dict):
        for key, value in zip(node.keys, node.values, strict=False):
            if isinstance(key, ast.Constant) and isinstance(key.value, str):
                yield key.value, value


def _literal(
    module: Module, node: ast.Constant, name: str, match: SecretMatch | None, function: str
) -> Iterator[Hit]:
    text = str(node.value)
    if match is None or is_aws_documentation_key(text):
        return
    what = f"{name} holds " if name else "the code holds "
    message = f"{what}{_describe(match)} ({mask(text)})"
    fix = "move it to Secrets Manager and read it at run time; rotate the exposed value"
    hit = file_hit(module, node, "hardcoded-secret-in-code", function, message, fix)
    if match.kind == "placeholder":
        hit = replace(hit, severity=Severity.LOW)
    elif match.live:
        hit = replace(hit, severity=Severity.CRITICAL)
    yield hit


def file_hit(
    module: Module,
    node: ast.AST,
    kind: str,
    function: str,
    message: str,
    fix: str,
    subject: str = "",
) -> Hit:
    line, column, end_line, end_column = module.position(node)
    symbol = _enclosing(module, getattr(node, "lineno", 0))
    location = source_location(
        module.display, line, column, (end_line, end_column), symbol, module.text(node)
    )
    return Hit(kind, location, message, fix, None, subject, (function,))


def _enclosing(module: Module, line: int) -> str:
    for name, node in module.functions.items():
        if node.lineno <= line <= (node.end_lineno or node.lineno):
            return name
    return "<module>"


def qualname(module: Module, node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return module.imports.get(node.id, node.id)
    if isinstance(node, ast.Attribute):
        base = qualname(module, node.value)
        return f"{base}.{node.attr}" if base else None
    return None


def _is(node: ast.expr | None, value: object) -> bool:
    return (
        isinstance(node, ast.Constant) and node.value == value and type(node.value) is type(value)
    )


def _describe(match: SecretMatch) -> str:
    if match.kind == "placeholder":
        return "a placeholder for a secret"
    if match.kind == "named":
        return "a secret literal"
    article = "an" if match.description[:1].lower() in "aeiou" else "a"
    return f"{article} {match.description}"


def _long_text(node: ast.AST) -> bool:
    """A string literal long enough to hold a token."""
    return isinstance(node, ast.Constant) and isinstance(node.value, str) and len(node.value) >= 16
