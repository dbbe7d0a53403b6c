"""What an AWS Chalice `app.py` declares, read with `ast` (never imported, never run).

`app = Chalice(app_name=...)`; `@app.route(path, methods=[...], authorizer=...,
api_key_required=..., cors=...)`; `@app.authorizer()`; event functions (`@app.lambda_function`,
`on_s3_event`, `on_sqs_message`, `on_sns_message`, `on_cw_event`, `schedule`,
`on_kinesis_record`, `on_dynamodb_record`, `on_ws_*`); Blueprints defined in `chalicelib/`
and registered with `app.register_blueprint(bp, url_prefix=...)`; and the AWS clients the
code makes (`boto3.client("s3")` then `.get_object(...)`), from which Chalice's
auto-generated policy is built.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from pathlib import Path

MAX_APP_BYTES = 1024 * 1024
EVENT_KINDS = {
    "on_s3_event": "s3",
    "on_sqs_message": "sqs",
    "on_sns_message": "sns",
    "on_cw_event": "eventbridge",
    "schedule": "schedule",
    "on_kinesis_record": "stream",
    "on_dynamodb_record": "stream",
    "lambda_function": "direct",
    "on_ws_connect": "websocket",
    "on_ws_message": "websocket",
    "on_ws_disconnect": "websocket",
}


@dataclass(frozen=True, slots=True)
class Route:
    """One `@app.route` view: its methods, path, guards and where it is declared."""

    view: str
    path: str
    methods: tuple[str, ...]
    authorizer: str
    """`NONE`, `AWS_IAM`, `COGNITO_USER_POOLS` or `CUSTOM`."""
    authorizer_name: str
    api_key_required: bool
    cors: str | None
    """The allowed origin (`*` for `cors=True`), None without CORS."""
    file: Path
    line: int
    column: int


@dataclass(frozen=True, slots=True)
class EventFunction:
    """A function Chalice deploys on its own (`@app.on_s3_event(bucket=...)`, ...)."""

    name: str
    kind: str
    source: str
    """The bucket, queue, topic, schedule or stream the decorator names."""
    file: Path
    line: int
    column: int


@dataclass(frozen=True, slots=True)
class AwsCall:
    """A call on a boto3 client: `s3` `get_object` at a line of a file."""

    service: str
    method: str
    file: Path
    line: int


@dataclass
class ChaliceApp:
    """Everything the code of one Chalice project declares."""

    name: str = ""
    routes: list[Route] = field(default_factory=list)
    events: list[EventFunction] = field(default_factory=list)
    calls: list[AwsCall] = field(default_factory=list)
    authorizers: set[str] = field(default_factory=set)
    files: list[Path] = field(default_factory=list)


def read_chalice_app(project: Path, scan_root: Path) -> ChaliceApp:
    """The routes, event functions and AWS calls of `app.py` and its Blueprints."""
    found = ChaliceApp()
    app_tree = parse_python(project / "app.py", scan_root)
    if app_tree is None:
        return found
    prefixes = _blueprint_prefixes(app_tree)
    _read_module(found, app_tree, project / "app.py", "", {"Chalice"})
    library = project / "chalicelib"
    for path in sorted(library.rglob("*.py"))[:200] if library.is_dir() else []:
        tree = parse_python(path, scan_root)
        if tree is not None:
            _read_module(found, tree, path, "", {"Blueprint"}, prefixes)
    return found


def parse_python(path: Path, scan_root: Path) -> ast.Module | None:
    """The syntax tree of a Python file under the scan root (None when unreadable or big)."""
    resolved = path.resolve()
    if not resolved.is_relative_to(scan_root) or not resolved.is_file():
        return None
    try:
        if resolved.stat().st_size > MAX_APP_BYTES:
            return None
        return ast.parse(resolved.read_text(encoding="utf-8-sig"))
    except (OSError, SyntaxError, ValueError, UnicodeDecodeError, RecursionError, MemoryError):
        return None  # a hostile file (nesting past the parser's limit) is simply not read


def _blueprint_prefixes(tree: ast.Module) -> dict[str, str]:
    """Blueprint variable name → `url_prefix` from `app.register_blueprint(bp, url_prefix=)`."""
    prefixes: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and _attr(node.func) == "register_blueprint" and node.args:
            name = node.args[0].attr if isinstance(node.args[0], ast.Attribute) else None
            name = node.args[0].id if isinstance(node.args[0], ast.Name) else name
            prefix = _keyword(node, "url_prefix")
            if name:
                prefixes[name] = prefix if isinstance(prefix, str) else ""
    return prefixes


def _read_module(
    found: ChaliceApp,
    tree: ast.Module,
    path: Path,
    prefix: str,
    constructors: set[str],
    prefixes: dict[str, str] | None = None,
) -> None:
    owners = _owners(tree, constructors)
    if not owners:
        return
    found.files.append(path)
    authorizer_objects = _authorizer_objects(tree)
    clients = _clients(tree)
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            owner = node.func.value
            service = clients.get(owner.id) if isinstance(owner, ast.Name) else None
            if service:
                found.calls.append(AwsCall(service, node.func.attr, path, node.lineno))
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        for decorator in node.decorator_list:
            call = decorator if isinstance(decorator, ast.Call) else None
            target = call.func if call is not None else decorator
            if not isinstance(target, ast.Attribute) or not isinstance(target.value, ast.Name):
                continue
            owner_name = target.value.id
            if owner_name not in owners:
                continue
            here = (path, decorator.lineno, decorator.col_offset + 1)
            url_prefix = (prefixes or {}).get(owner_name, prefix)
            if target.attr == "route" and call is not None:
                found.routes.append(_route(node.name, call, url_prefix, authorizer_objects, here))
            elif target.attr == "authorizer":
                found.authorizers.add(node.name)
            elif target.attr in EVENT_KINDS:
                source = _source(call)
                kind = EVENT_KINDS[target.attr]
                found.events.append(EventFunction(node.name, kind, source, *here))


def _owners(tree: ast.Module, constructors: set[str]) -> dict[str, str]:
    """Module-level names bound to `Chalice(...)` or `Blueprint(...)`."""
    owners: dict[str, str] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call):
            made = _name(node.value.func)
            if made in constructors:
                for target in node.targets:
                    if isinstance(target, ast.Name):
                        owners[target.id] = made
    return owners


def app_name(project: Path, scan_root: Path) -> str | None:
    """`app_name` given to `Chalice(...)` in `app.py`."""
    tree = parse_python(project / "app.py", scan_root)
    for node in ast.walk(tree) if tree is not None else ():
        if isinstance(node, ast.Call) and _name(node.func) == "Chalice":
            value = _keyword(node, "app_name")
            if value is None and node.args and isinstance(node.args[0], ast.Constant):
                value = node.args[0].value
            return str(value) if value is not None else None
    return None


def _authorizer_objects(tree: ast.Module) -> dict[str, str]:
    """Names bound to `IAMAuthorizer()`, `CognitoUserPoolAuthorizer(...)`, `CustomAuthorizer`."""
    found: dict[str, str] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call):
            kind = _AUTHORIZER_TYPES.get(_name(node.value.func))
            for target in node.targets:
                if kind and isinstance(target, ast.Name):
                    found[target.id] = kind
    return found


_AUTHORIZER_TYPES = {
    "IAMAuthorizer": "AWS_IAM",
    "CognitoUserPoolAuthorizer": "COGNITO_USER_POOLS",
    "CustomAuthorizer": "CUSTOM",
}


def _route(
    view: str,
    call: ast.Call,
    prefix: str,
    objects: dict[str, str],
    here: tuple[Path, int, int],
) -> Route:
    path = call.args[0].value if call.args and isinstance(call.args[0], ast.Constant) else "/"
    methods = _keyword(call, "methods")
    listed = tuple(str(m).upper() for m in methods) if isinstance(methods, list) else ("GET",)
    authorizer = next((k.value for k in call.keywords if k.arg == "authorizer"), None)
    kind, name = "NONE", ""
    if isinstance(authorizer, ast.Name):
        name = authorizer.id
        kind = objects.get(name, "CUSTOM")
    elif isinstance(authorizer, ast.Call):
        name = _name(authorizer.func)
        kind = _AUTHORIZER_TYPES.get(name, "CUSTOM")
    cors = next((k.value for k in call.keywords if k.arg == "cors"), None)
    allowed: str | None = None
    if isinstance(cors, ast.Constant) and cors.value is True:
        allowed = "*"
    elif isinstance(cors, ast.Call):
        origin = _keyword(cors, "allow_origin")
        allowed = str(origin) if origin is not None else "*"
    api_key = _keyword(call, "api_key_required") is True
    full = (prefix.rstrip("/") + "/" + str(path).lstrip("/")) if prefix else str(path)
    return Route(view, full or "/", listed, kind, name, api_key, allowed, *here)


def _source(call: ast.Call | None) -> str:
    if call is None:
        return ""
    for key in ("bucket", "queue", "topic", "stream", "table"):
        value = _keyword(call, key)
        if isinstance(value, str):
            return value
    first = call.args[0] if call.args else None
    return str(first.value) if isinstance(first, ast.Constant) else ""


def _clients(tree: ast.Module) -> dict[str, str]:
    """Names bound to `boto3.client("svc")` anywhere in the module → service."""
    found: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call):
            func = node.value.func
            if _attr(func) == "client" and node.value.args:
                first = node.value.args[0]
                if isinstance(first, ast.Constant) and isinstance(first.value, str):
                    for target in node.targets:
                        if isinstance(target, ast.Name):
                            found[target.id] = first.value
    return found


def _keyword(call: ast.Call, name: str) -> object:
    for keyword in call.keywords:
        if keyword.arg == name:
            try:
                return ast.literal_eval(keyword.value)
            except (ValueError, SyntaxError):
                return None
    return None


def _name(node: ast.expr) -> str:
    if isinstance(node, ast.Name):
        return node.id
    return node.attr if isinstance(node, ast.Attribute) else ""


def _attr(node: ast.expr) -> str:
    return node.attr if isinstance(node, ast.Attribute) else ""
