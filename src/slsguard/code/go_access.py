"""Go checks about secrets, keys, object ACLs, error details and the caller's identity.

The same findings as the Python and JavaScript checks, on every file of a Go handler's package:

- a secret literal (a known token format anywhere, or a literal given to a secret-named
  constant, variable or struct field: `const apiKey = "..."`), and a literal or constant
  used as a signing or encryption key (`hmac.New(sha256.New, []byte("k"))`,
  `aes.NewCipher(key)`, `token.SignedString([]byte(secret))`, a `jwt.Parse` key function
  returning `[]byte("k")`): hardcoded-secret-in-code;
- `ACL: types.ObjectCannedACLPublicRead` (or `"public-read"`, `s3.ObjectCannedACLPublicRead`,
  and the read-write ones) in S3 input: public-object-write, with the bucket as the subject;
- an API Gateway, function URL or ALB response whose `Body` carries an error's message
  (`err.Error()`, `fmt.Sprintf("...%v", err)`) of an error the code did not make itself
  (`errors.New`/`fmt.Errorf` in the function are on purpose), or `debug.Stack()`:
  error-details-exposed (a downstream Lambda's error payload returned is `go_invoke`);
- an identity (user id, username, email, role, tenant, admin flag) read from the query
  string or path parameters (`req.PathParameters["userId"]`) or from the decoded body
  (`body.UserID` after `json.Unmarshal([]byte(req.Body), &body)`) that keys a data-store
  call or decides an `if`, unless that `if` compares it with the verified claims
  (`req.RequestContext.Authorizer`): client-controlled-identity.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace

from slsguard.code.go_modules import GoFile, GoPackage, Node, text_of
from slsguard.code.model import Hit, Taint, source_location
from slsguard.code.python_identity import IDENTITY
from slsguard.findings import FlowStep, Severity
from slsguard.secrets.detect import classify, find_token, is_aws_documentation_key, mask

_STRINGS = ("interpreted_string_literal", "raw_string_literal")
_KEY_CALLS = {"hmac.New": 1, "aes.NewCipher": 0, "des.NewCipher": 0, "SignedString": 0}
_PARSERS = ("Parse", "ParseWithClaims")
_PUBLIC = re.compile(r"(?:^|\.)ObjectCannedACLPublicRead(?:Write)?$|^public-read(?:-write)?$")
RESPONSES = re.compile(
    r"^events\.(?:APIGateway\w*Response|ALBTargetGroupResponse|LambdaFunctionURLResponse)$"
)
_STORE_METHODS = frozenset(
    {"GetItem", "PutItem", "UpdateItem", "DeleteItem", "Query", "Scan", "BatchGetItem"}
    | {"QueryRow", "Exec", "QueryContext", "QueryRowContext", "ExecContext", "GetObject"}
    | {"FindOne", "Find", "UpdateOne", "DeleteOne", "ReplaceOne"}
)
_VERIFIED = re.compile(r"RequestContext|Authorizer|[Cc]laims|jwt|PrincipalID")
_PARTS = {"QueryStringParameters": "the query string", "PathParameters": "the path parameters"}
_SECRET_FIX = "move it to Secrets Manager and read it at run time; rotate the exposed value"


def check_package(package: GoPackage, function: str) -> Iterator[Hit]:
    """Every secret, key, ACL, error-details and identity hit of the package."""
    for file in package.files:
        named: set[int] = set()
        for node in walk(file.root):
            for name, value in _named_values(node):
                if value.type in _STRINGS:
                    named.add(value.id)
                    yield from _secret(file, value, name, function)
            if node.type in _STRINGS and node.id not in named and len(text_of(node)) >= 18:
                yield from _secret(file, node, "", function)
            elif node.type == "call_expression":
                yield from _signing_key(package, file, node, function)
            elif node.type == "keyed_element":
                yield from _public_acl(package, file, node, function)
            elif node.type == "composite_literal":
                yield from _error_details(file, node, function)
        for declaration in walk(file.root):
            if declaration.type in ("function_declaration", "method_declaration"):
                yield from _identity(file, declaration, function)


def _named_values(node: Node) -> Iterator[tuple[str, Node]]:
    """(name, value) of `const x = v`, `x := v`, `x = v` and `Field: v`."""
    if node.type in ("const_spec", "var_spec"):
        names = node.children_by_field_name("name")
        values = node.child_by_field_name("value")
        for name, value in zip(names, values.named_children if values else [], strict=False):
            yield text_of(name), value
    elif node.type in ("short_var_declaration", "assignment_statement"):
        left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
        if left is not None and right is not None:
            for name, value in zip(left.named_children, right.named_children, strict=False):
                yield _last(text_of(name)), value
    elif node.type == "keyed_element":
        key, value = (
            inner(node.child_by_field_name("key")),
            inner(node.child_by_field_name("value")),
        )
        if key is not None and value is not None:
            yield text_of(key).strip('"`'), value


def _secret(file: GoFile, node: Node, name: str, function: str) -> Iterator[Hit]:
    text = text_of(node)[1:-1]
    match = classify(name, text) if name else find_token(text)
    if match is None or is_aws_documentation_key(text):
        return
    what = {"placeholder": "a placeholder for a secret", "named": "a secret literal"}.get(
        match.kind, match.description
    )
    hit = go_hit(
        file,
        node,
        "hardcoded-secret-in-code",
        function,
        f"{name or 'the code'} holds {what} ({mask(text)})",
        _SECRET_FIX,
    )
    if match.kind == "placeholder":
        hit = replace(hit, severity=Severity.LOW)
    elif match.live:
        hit = replace(hit, severity=Severity.CRITICAL)
    yield hit


def _signing_key(package: GoPackage, file: GoFile, call: Node, function: str) -> Iterator[Hit]:
    callee = call.child_by_field_name("function")
    name = text_of(callee)
    method = (
        text_of(callee.child_by_field_name("field"))
        if callee is not None and callee.type == "selector_expression"
        else name
    )
    arguments = call.child_by_field_name("arguments").named_children
    keys: list[Node] = []
    index = _KEY_CALLS.get(name, _KEY_CALLS.get(method if method == "SignedString" else ""))
    if index is not None and index < len(arguments):
        keys.append(arguments[index])
    if method in _PARSERS and "jwt" in name.lower():  # the key function's returned key
        for literal in (a for a in arguments if a.type == "func_literal"):
            for statement in walk(literal):
                if statement.type == "return_statement" and statement.named_children:
                    keys.append(
                        statement.named_children[0].named_children[0]
                        if statement.named_children[0].type == "expression_list"
                        else statement.named_children[0]
                    )
    for key in keys:
        found = _constant(package, key)
        if found is None:
            continue
        literal, place, constant = found
        held = f"the constant {constant}" if constant else "a literal"
        message = (
            f"`{name}` signs or encrypts with {held} written in the code ({mask(literal)}): "
            "anyone who reads the code can forge tokens or signatures"
        )
        fix = (
            "keep the key in Secrets Manager (or sign with KMS) and read it at run time; rotate it"
        )
        yield go_hit(file, place, "hardcoded-secret-in-code", function, message, fix, "signing-key")


def _constant(
    package: GoPackage, node: Node | None, depth: int = 0
) -> tuple[str, Node, str] | None:
    """(text, where written, constant name) of a key: a literal, `[]byte(...)`, a constant."""
    if node is None or depth > 3:
        return None
    if node.type in _STRINGS:
        return text_of(node)[1:-1], node, ""
    if node.type in ("call_expression", "type_conversion_expression") and text_of(node).startswith(
        "[]byte("
    ):
        inner = node.child_by_field_name("arguments") or node.child_by_field_name("operand")
        argument = (
            inner.named_children[0]
            if inner is not None and inner.type == "argument_list" and inner.named_children
            else inner
        )
        return _constant(package, argument, depth + 1)
    if node.type == "identifier":
        value = _package_value(package, text_of(node))
        found = _constant(package, value, depth + 1)
        return (found[0], found[1], text_of(node)) if found is not None else None
    return None


def _public_acl(package: GoPackage, file: GoFile, element: Node, function: str) -> Iterator[Hit]:
    key, value = (
        inner(element.child_by_field_name("key")),
        inner(element.child_by_field_name("value")),
    )
    if key is None or value is None or text_of(key) != "ACL":
        return
    acl = _unwrapped(value)
    shown = text_of(acl).strip('"`')
    if not _PUBLIC.search(shown):
        return
    writes = shown.endswith(("Write", "write"))
    message = (
        f"objects are stored with a public canned ACL (`{shown}`): anyone on the internet can "
        "read them" + (" and overwrite them" if writes else "")
    )
    fix = (
        "drop the ACL (buckets disable ACLs by default) and serve the objects through "
        "CloudFront with an origin access control, or hand out pre-signed GET URLs"
    )
    subject = "bucket:" + _bucket(package, element.parent)
    yield go_hit(file, value, "public-object-write", function, message, fix, subject)


def _bucket(package: GoPackage, body: Node | None) -> str:
    """The `Bucket` of the same input: a literal, `env:NAME`, or a constant's value."""
    for element in body.named_children if body is not None else []:
        key = inner(element.child_by_field_name("key")) if element.type == "keyed_element" else None
        if key is None or text_of(key) != "Bucket":
            continue
        value = _unwrapped(inner(element.child_by_field_name("value")))
        if value is not None and value.type == "identifier":
            value = _unwrapped(_package_value(package, text_of(value)))
        text = text_of(value)
        if text.startswith("os.Getenv("):
            return "env:" + text.removeprefix("os.Getenv(").rstrip(")").strip('"`')
        return text.strip('"`') if value is not None and value.type in _STRINGS else ""
    return ""


def _error_details(file: GoFile, literal: Node, function: str) -> Iterator[Hit]:
    if not RESPONSES.match(text_of(literal.child_by_field_name("type"))):
        return
    body = literal.child_by_field_name("body")
    scope = _enclosing(literal)
    for element in body.named_children if body is not None else []:
        key = inner(element.child_by_field_name("key")) if element.type == "keyed_element" else None
        if key is None or text_of(key) != "Body":
            continue
        value = inner(element.child_by_field_name("value"))
        leak = _leak(value, scope)
        if value is None or leak is None:
            continue
        message = (
            f"the response returns {leak}: the caller sees internal details (file paths, "
            "queries, library versions) that help an attack"
        )
        fix = (
            'log the error (`log.Printf("%v", err)`) and return a generic message with the '
            "request id"
        )
        yield go_hit(file, value, "error-details-exposed", function, message, fix)


def _leak(value: Node | None, scope: Node | None) -> str | None:
    for node in walk(value) if value is not None else []:
        text = text_of(node)
        if node.type == "call_expression" and text in ("debug.Stack()", "string(debug.Stack())"):
            return "the stack trace (`debug.Stack()`)"
        if node.type == "call_expression" and text.endswith(".Error()"):
            error = text.removesuffix(".Error()")
            if not _made_here(scope, error):
                return f"the error's message (`{text}`)"
        formatted = node.type == "identifier" and _is_error_name(text) and _formatted(node)
        if formatted and not _made_here(scope, text):
            return f"the error's message (`{text_of(node.parent.parent)[:60]}`)"
    return None


def _formatted(node: Node) -> bool:
    """Whether the node is an argument of `fmt.Sprint*`."""
    arguments = node.parent
    call = arguments.parent if arguments is not None else None
    if arguments is None or call is None or arguments.type != "argument_list":
        return False
    return text_of(call.child_by_field_name("function")).startswith("fmt.Sprint")


def _is_error_name(name: str) -> bool:
    return name in ("err", "e", "error") or name.endswith("Err")


def _made_here(scope: Node | None, name: str) -> bool:
    """Whether the function itself makes the error (`errors.New`, `fmt.Errorf`): on purpose."""
    for node in walk(scope) if scope is not None else []:
        if node.type in ("short_var_declaration", "assignment_statement", "var_spec"):
            text = text_of(node)
            if text.startswith(name) and ("errors.New(" in text or "fmt.Errorf(" in text):
                return True
    return False


def _identity(file: GoFile, function_node: Node, function: str) -> Iterator[Hit]:
    """Identity values from the request that key a data store or decide a branch."""
    values: dict[str, tuple[str, str, tuple[FlowStep, ...]]] = {}  # name -> key, label, steps
    bodies: set[str] = set()  # names `json.Unmarshal([]byte(req.Body), &x)` decodes into
    guarded: set[str] = set()
    for node in walk(function_node):
        if (
            node.type == "call_expression"
            and text_of(node.child_by_field_name("function")) == "json.Unmarshal"
        ):
            arguments = node.child_by_field_name("arguments").named_children
            if len(arguments) == 2 and ".Body" in text_of(arguments[0]):
                bodies.add(text_of(arguments[1]).lstrip("&"))
        elif node.type in ("short_var_declaration", "assignment_statement"):
            for name, value in _named_values(node):
                found = _identity_read(file, value, bodies, values)
                if found is not None:
                    step = _step(file, node, text_of(node).splitlines()[0][:120])
                    values[name] = (found[0], found[1], (*found[2], step))
        elif node.type == "if_statement" and _VERIFIED.search(
            text_of(node.child_by_field_name("condition"))
        ):
            guarded |= {
                text_of(n)
                for n in walk(node.child_by_field_name("condition"))
                if n.type == "identifier"
            }
    for node in walk(function_node):
        sink = _sink(node)
        if sink is None:
            continue
        found = None
        for item in walk(sink[0]):
            if (
                item.type == "identifier"
                and text_of(item) in values
                and text_of(item) not in guarded
            ):
                found = values[text_of(item)]
                break
            direct = _identity_read(file, item, bodies, values)
            if direct is not None and item.type != "identifier":
                found = direct
                break
        if found is not None:
            yield _identity_hit(file, node, sink[1], found, function)


def _identity_read(
    file: GoFile,
    node: Node,
    bodies: set[str],
    values: dict[str, tuple[str, str, tuple[FlowStep, ...]]],
) -> tuple[str, str, tuple[FlowStep, ...]] | None:
    """An identity read from the request: `req.PathParameters["userId"]`, `body.UserID`."""
    if node.type == "index_expression":
        operand = text_of(node.child_by_field_name("operand"))
        key = text_of(node.child_by_field_name("index")).strip('"`')
        part = operand.rsplit(".", 1)[-1]
        if part in _PARTS and IDENTITY.match(key):
            return key, _PARTS[part], (_step(file, node, f"{text_of(node)} ({_PARTS[part]})"),)
    if node.type == "selector_expression":
        owner = text_of(node.child_by_field_name("operand"))
        field = text_of(node.child_by_field_name("field"))
        if owner in bodies and IDENTITY.match(_snake(field)):
            return (
                field,
                "the request body",
                (_step(file, node, f"{text_of(node)} (the request body)"),),
            )
    if node.type == "identifier" and text_of(node) in values:
        return values[text_of(node)]
    return None


def _sink(node: Node) -> tuple[Node, str] | None:
    if node.type == "if_statement":
        condition = node.child_by_field_name("condition")
        return (condition, "an authorization branch") if condition is not None else None
    if node.type == "call_expression":
        callee = node.child_by_field_name("function")
        if callee is not None and callee.type == "selector_expression":
            method = text_of(callee.child_by_field_name("field"))
            if method in _STORE_METHODS:
                return node.child_by_field_name("arguments"), f"the data-store key of `{method}`"
    return None


def _identity_hit(
    file: GoFile,
    node: Node,
    sink: str,
    identity: tuple[str, str, tuple[FlowStep, ...]],
    function: str,
) -> Hit:
    key, label, steps = identity
    privilege = re.search(r"(?i)admin|role|group", key) is not None
    consequence = (
        f"any signed-in caller can give themselves another role by sending {key}"
        if privilege
        else f"any signed-in caller can act as another user by sending another {key}"
    )
    message = f"the caller's {key} comes from {label} and decides {sink}: {consequence}"
    fix = (
        "take the identity from the verified claims "
        '(`req.RequestContext.Authorizer["claims"]`, or the JWT you verified) and ignore the one '
        "in the request, or check that the two match"
    )
    uses_jwt = "jwt" in "\n".join(file.lines).lower()
    hit = go_hit(
        file, node, "client-controlled-identity", function, message, fix, "jwt" if uses_jwt else ""
    )
    step = _step(file, node, text_of(node).splitlines()[0][:120])
    flow = steps if steps[-1].line == step.line else (*steps, step)
    return replace(hit, taint=Taint(label, "the request", flow), severity=Severity.HIGH)


def go_hit(
    file: GoFile, node: Node, kind: str, function: str, message: str, fix: str, subject: str = ""
) -> Hit:
    """A hit at `node` of `file`, in the Go function or method that encloses it."""
    line, column, end_line, end_column = file.position(node)
    scope = _enclosing(node)
    symbol = text_of(scope.child_by_field_name("name")) if scope is not None else "<package>"
    location = source_location(
        file.display, line, column, (end_line, end_column), symbol, file.text(node)
    )
    return Hit(kind, location, message, fix, None, subject, (function,))


def _step(file: GoFile, node: Node, text: str) -> FlowStep:
    line, column, _, _ = file.position(node)
    return FlowStep(file.display, line, column, text)


def _enclosing(node: Node) -> Node | None:
    current = node.parent
    while current is not None and current.type not in (
        "function_declaration",
        "method_declaration",
    ):
        current = current.parent
    return current


def _package_value(package: GoPackage, name: str) -> Node | None:
    for file in package.files:
        for declaration in file.root.named_children:
            if declaration.type not in ("const_declaration", "var_declaration"):
                continue
            for spec in walk(declaration):
                for found, value in (
                    _named_values(spec) if spec.type in ("const_spec", "var_spec") else ()
                ):
                    if found == name:
                        return value
    return None


def _unwrapped(node: Node | None) -> Node | None:
    """`x` of `aws.String(x)` and `&x`."""
    while node is not None:
        if node.type == "unary_expression":
            node = node.child_by_field_name("operand")
        elif node.type == "call_expression" and text_of(node.child_by_field_name("function")) in (
            "aws.String",
            "string",
        ):
            arguments = node.child_by_field_name("arguments").named_children
            node = arguments[0] if arguments else None
        else:
            return node
    return None


def inner(node: Node | None) -> Node | None:
    """The expression of a composite literal's element (`literal_element` unwrapped)."""
    if node is not None and node.type == "literal_element" and node.named_children:
        return node.named_children[0]
    return node


def _last(name: str) -> str:
    return name.rsplit(".", 1)[-1]


def _snake(name: str) -> str:
    """`UserID` → `user_id`, for the identity names."""
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name).lower()


def walk(node: Node | None) -> list[Node]:
    """Every named node under `node`, itself first, in source order."""
    found, stack = [], [node] if node is not None else []
    while stack:
        current = stack.pop()
        found.append(current)
        stack.extend(reversed(current.named_children))
    return found
