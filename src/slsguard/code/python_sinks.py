"""The dangerous calls of Python handlers, and what makes each one dangerous.

Each check looks at one call with the taint of its receiver and arguments (from
`python.Frame`) and records a `Hit` with the flow that reached it.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import TYPE_CHECKING

from slsguard.code.events import contained
from slsguard.code.model import (
    DEBUG_LEVEL_DOUBT,
    EventRef,
    Hit,
    Taint,
    Value,
    source_location,
)
from slsguard.findings import Severity
from slsguard.secrets.detect import is_secret_name

if TYPE_CHECKING:
    from slsguard.code.python import Frame

_COMMAND_ALWAYS = frozenset(
    {
        *("os.system", "os.popen", "os.popen2", "os.popen3", "subprocess.getoutput"),
        *("subprocess.getstatusoutput", "commands.getoutput", "asyncio.create_subprocess_shell"),
    }
)
_COMMAND_SHELL = frozenset(
    {
        *("subprocess.run", "subprocess.call", "subprocess.check_call"),
        *("subprocess.check_output", "subprocess.Popen"),
    }
)
_SHELLS = frozenset({"sh", "bash", "/bin/sh", "/bin/bash", "zsh", "cmd", "powershell"})
_CODE = frozenset({"eval", "exec", "compile", "builtins.eval", "builtins.exec"})
_SQL_METHODS = frozenset({"execute", "executemany", "executescript", "mogrify"})
_SQL_FUNCS = frozenset({"sqlalchemy.text", "sqlalchemy.sql.text", "pandas.read_sql"})
_DYNAMO_KEYS = frozenset(
    {
        *("FilterExpression", "KeyConditionExpression", "ConditionExpression"),
        *("UpdateExpression", "ProjectionExpression"),
    }
)
_MONGO = frozenset(
    {
        *("find", "find_one", "find_one_and_update", "find_one_and_delete", "update_one"),
        *("update_many", "delete_one", "delete_many", "count_documents", "aggregate"),
    }
)
_DESERIALIZE = frozenset(
    {
        *("pickle.loads", "pickle.load", "_pickle.loads", "cPickle.loads", "dill.loads"),
        *("jsonpickle.decode", "jsonpickle.loads", "marshal.loads", "yaml.unsafe_load"),
        *("shelve.open", "pandas.read_pickle"),
    }
)
_SAFE_YAML = ("SafeLoader", "CSafeLoader", "BaseLoader", "CBaseLoader")
_HTTP_VERBS = ("get", "post", "put", "patch", "delete", "head", "options", "stream")
_HTTP_CLIENTS = ("requests", "httpx", "requests.Session", "httpx.Client", "httpx.AsyncClient")
_URL_FUNCS = frozenset(
    {
        *(f"{client}.{verb}" for client in _HTTP_CLIENTS for verb in _HTTP_VERBS),
        *("urllib.request.urlopen", "urllib.request.Request", "urllib2.urlopen"),
        *("aiohttp.ClientSession.get", "aiohttp.ClientSession.post"),
    }
)
_URL_SECOND = frozenset(
    {
        *(f"{client}.request" for client in _HTTP_CLIENTS),
        *("urllib3.PoolManager.request", "urllib3.request", "aiohttp.ClientSession.request"),
    }
)
_PATH_FUNCS = frozenset(
    {
        *("open", "io.open", "os.open", "codecs.open", "os.remove", "os.unlink", "os.rmdir"),
        *("os.listdir", "os.makedirs", "os.mkdir", "os.rename", "shutil.rmtree", "shutil.copy"),
        *("shutil.copyfile", "shutil.copy2", "shutil.move", "tarfile.open", "zipfile.ZipFile"),
        *("flask.send_file", "PIL.Image.open", "os.scandir", "glob.glob"),
    }
)
_PATH_METHODS = frozenset({"read_text", "read_bytes", "write_text", "write_bytes", "unlink"})
_LXML = frozenset({"lxml.etree.fromstring", "lxml.etree.XML", "lxml.etree.parse"})
_LOG_METHODS = frozenset({"debug", "info", "warning", "warn", "error", "exception", "critical"})
_LOGGERS = frozenset({"logger", "log", "LOGGER", "LOG", "_logger", "_log", "logging"})
_SECRET_WORDS = frozenset({"token", "password", "secret", "authorization", "api_key", "apikey"})

FIXES = {
    "os-command-injection": "pass a list of arguments without a shell "
    '(`subprocess.run(["convert", name, out], check=True)`), or `shlex.quote` each value',
    "code-injection": "never evaluate event data: parse it (`json.loads`) or map it to "
    "allowed operations with a dictionary",
    "sql-injection": "bind the values as parameters: "
    '`cursor.execute("SELECT * FROM t WHERE id = %s", (value,))`',
    "nosql-injection": "pass event values through `ExpressionAttributeValues` (or boto3 "
    "`Key`/`Attr` conditions) and coerce Mongo filter values to strings; never `$where`",
    "insecure-deserialization": "parse data formats instead of objects: `json.loads`, "
    "`yaml.safe_load`",
    "server-side-request-forgery": "keep the scheme and host constant and check event "
    "values against an allow-list before building the URL",
    "path-traversal": "use `os.path.basename` (or an allow-list) on event values and keep "
    "the directory constant",
    "xml-external-entities": "parse with `defusedxml`, or an lxml parser with "
    "`resolve_entities=False, no_network=True` and no `load_dtd`",
    "sensitive-data-logged": "log the fields you need (`context.aws_request_id`, an order id), "
    "never the whole event, its headers or credentials",
    "cross-site-scripting": "escape each value with `html.escape` (or render with a template "
    "engine that escapes, such as Jinja2 with autoescape)",
}
_HTML_RESPONSES = {
    # qualified name → (content argument position, keyword), HTML unless the type says not
    "django.http.HttpResponse": (0, "content"),
    "django.http.response.HttpResponse": (0, "content"),
    "flask.Response": (0, "response"),
    "flask.make_response": (0, "rv"),
}
_TYPE_KEYWORDS = ("content_type", "mimetype")


@dataclass(frozen=True, slots=True)
class Call:
    """A call being evaluated: its node, qualified name and the taint of its parts."""

    node: ast.Call
    qual: str
    receiver: Value
    args: list[Value]
    kwargs: dict[str, Value]

    def arg(self, index: int, name: str) -> Value:
        """The positional argument `index`, or the keyword `name`."""
        if index < len(self.args):
            return self.args[index]
        return self.kwargs.get(name)


def check(frame: Frame, call: Call) -> None:
    """Record a hit when this call is a sink reached by event data."""
    node, qual = call.node, call.qual
    method = node.func.attr if isinstance(node.func, ast.Attribute) else ""
    _command(frame, call, qual)
    if qual in _CODE:
        _report(frame, "code-injection", node, call.arg(0, "source"), f"`{qual}`")
    if method in _SQL_METHODS or qual in _SQL_FUNCS:
        _report(frame, "sql-injection", node, call.arg(0, "sql"), f"the SQL of `{method or qual}`")
    _nosql(frame, call, method)
    _deserialize(frame, call, qual)
    if qual in _URL_FUNCS or qual in _URL_SECOND:
        index = 1 if qual in _URL_SECOND else 0
        _report(frame, "server-side-request-forgery", node, call.arg(index, "url"), f"`{qual}`")
    _path(frame, call, qual, method)
    _xml(frame, call, qual, method)
    _logging(frame, call, qual, method)
    _html_call(frame, call, qual)


def _command(frame: Frame, call: Call, qual: str) -> None:
    node = call.node
    if qual in _COMMAND_ALWAYS:
        _report(frame, "os-command-injection", node, call.arg(0, "cmd"), f"`{qual}`")
    elif qual in _COMMAND_SHELL:
        shell = next((kw.value for kw in node.keywords if kw.arg == "shell"), None)
        if isinstance(shell, ast.Constant) and shell.value is True:
            what = f"`{qual}` with `shell=True`"
            _report(frame, "os-command-injection", node, call.arg(0, "args"), what)
        elif node.args and isinstance(node.args[0], ast.List) and _shell_list(node.args[0]):
            _report(frame, "os-command-injection", node, call.args[0], f"a shell run by `{qual}`")


def _shell_list(node: ast.List) -> bool:
    first = node.elts[:2]
    texts = [item.value for item in first if isinstance(item, ast.Constant)]
    return len(texts) == 2 and texts[0] in _SHELLS and texts[1] in ("-c", "/c", "-Command")


def _nosql(frame: Frame, call: Call, method: str) -> None:
    node = call.node
    for key in _DYNAMO_KEYS & call.kwargs.keys():
        _report(frame, "nosql-injection", node, call.kwargs[key], f"the DynamoDB {key}")
    if method in ("execute_statement", "batch_execute_statement"):
        what = "a DynamoDB PartiQL statement"
        _report(frame, "nosql-injection", node, call.arg(0, "Statement"), what)
    if method in _MONGO and node.args:
        value = call.args[0]
        first = node.args[0]
        if isinstance(first, ast.Dict):
            value = _mongo_literal(frame, first)
        elif not (isinstance(value, Taint) and value.shape == "json"):
            value = None
        _report(frame, "nosql-injection", node, value, f"the MongoDB filter of `{method}`")


def _mongo_literal(frame: Frame, node: ast.Dict) -> Value:
    """The taint of a filter literal: a `$where` with event data, or a parsed-JSON value."""
    for key, item in zip(node.keys, node.values, strict=False):
        value = frame.expr(item)
        is_where = isinstance(key, ast.Constant) and key.value == "$where"
        if isinstance(value, Taint) and (is_where or value.shape == "json"):
            return value
    return None


def _deserialize(frame: Frame, call: Call, qual: str) -> None:
    node = call.node
    if qual in _DESERIALIZE:
        _report(frame, "insecure-deserialization", node, call.arg(0, "data"), f"`{qual}`")
    elif qual == "yaml.load":
        loader = next((kw.value for kw in node.keywords if kw.arg == "Loader"), None)
        if loader is None and len(node.args) > 1:
            loader = node.args[1]
        name = frame.qualname(loader) if loader is not None else None
        if name is None or not name.endswith(_SAFE_YAML):
            what = f"`yaml.load` with {'`' + name + '`' if name else 'the default loader'}"
            _report(frame, "insecure-deserialization", node, call.arg(0, "stream"), what)


def _path(frame: Frame, call: Call, qual: str, method: str) -> None:
    node = call.node
    if qual in _PATH_FUNCS:
        _report(frame, "path-traversal", node, call.arg(0, "file"), f"the path of `{qual}`")
    elif method in _PATH_METHODS and isinstance(call.receiver, Taint):
        _report(frame, "path-traversal", node, call.receiver, f"the path of `{method}`")
    elif method == "download_file":
        _report(frame, "path-traversal", node, call.arg(2, "Filename"), "the local file name")
    elif method == "upload_file":
        _report(frame, "path-traversal", node, call.arg(0, "Filename"), "the file uploaded")


def _xml(frame: Frame, call: Call, qual: str, method: str) -> None:
    node = call.node
    receiver = node.func.value if isinstance(node.func, ast.Attribute) else None
    name = receiver.id if isinstance(receiver, ast.Name) else ""
    if method == "setFeature" and len(node.args) == 2 and name:
        feature = node.args[0]
        enabled = isinstance(node.args[1], ast.Constant) and node.args[1].value is True
        attr = feature.attr if isinstance(feature, ast.Attribute) else ""
        if enabled and attr in ("feature_external_ges", "feature_external_pes"):
            frame.flags.setdefault(name, set()).add("xml-unsafe")
    if method in ("parse", "feed") and "xml-unsafe" in frame.flags.get(name, set()):
        what = "an XML parser that resolves external entities"
        _report(frame, "xml-external-entities", node, call.arg(0, "source"), what)
    if qual in _LXML:
        parser = node.args[1] if len(node.args) > 1 else None
        parser = parser or next((kw.value for kw in node.keywords if kw.arg == "parser"), None)
        if isinstance(parser, ast.Name) and "xml-unsafe" in frame.flags.get(parser.id, set()):
            what = f"`{qual}` with a parser that loads DTDs or entities"
            _report(frame, "xml-external-entities", node, call.arg(0, "text"), what)


def constructor_flags(qual: str, node: ast.Call) -> set[str]:
    """Facts about an object from its constructor (an lxml parser with unsafe options)."""
    if not (qual.startswith("lxml") and qual.endswith("XMLParser")):
        return set()
    for kw in node.keywords:
        value = kw.value.value if isinstance(kw.value, ast.Constant) else None
        unsafe = {"resolve_entities": True, "load_dtd": True, "no_network": False}
        if kw.arg in unsafe and value is unsafe[kw.arg]:
            return {"xml-unsafe"}
    return set()


def remember_secret(frame: Frame, targets: list[ast.expr], value: ast.expr) -> None:
    """Mark variables that hold a secret (read from a secret store or a secret variable)."""
    base = value
    while isinstance(base, ast.Subscript | ast.Attribute | ast.Call):
        if isinstance(base, ast.Call):
            method = base.func.attr if isinstance(base.func, ast.Attribute) else ""
            if method in ("get_secret_value", "get_secret") or _env_secret(base):
                break
            base = base.func
        else:
            base = base.value
    secret = base is not value and isinstance(base, ast.Call)
    if isinstance(base, ast.Name) and "secret" in frame.flags.get(base.id, set()):
        secret = True
    for target in targets:
        if isinstance(target, ast.Name) and secret:
            frame.flags.setdefault(target.id, set()).add("secret")


def _env_secret(node: ast.Call) -> bool:
    key = node.args[0] if node.args else None
    name = key.value if isinstance(key, ast.Constant) and isinstance(key.value, str) else ""
    func = ast.unparse(node.func)
    return bool(name) and func.endswith(("getenv", "environ.get")) and is_secret_name(name)


def _logging(frame: Frame, call: Call, qual: str, method: str) -> None:
    node = call.node
    receiver = node.func.value if isinstance(node.func, ast.Attribute) else None
    logger = isinstance(receiver, ast.Name) and (
        receiver.id in _LOGGERS
        or frame.instances.get(receiver.id, "").endswith("Logger")
        or frame.instances.get(receiver.id, "") == "logging.getLogger"
    )
    if not ((logger and method in _LOG_METHODS) or qual == "print"):
        return
    for arg in [*node.args, *(kw.value for kw in node.keywords if kw.arg != "extra")]:
        what = _sensitive(frame, arg)
        if what:
            doubt = DEBUG_LEVEL_DOUBT if method == "debug" and qual != "print" else ""
            taint = Taint(what, "", (frame.step(node, frame.module.text(node)),), doubt=doubt)
            severity = Severity.LOW if doubt else None
            _record(frame, "sensitive-data-logged", node, taint, f"{what} is logged", severity)
            return


def _sensitive(frame: Frame, node: ast.AST) -> str:
    """What secret or whole input a logged expression holds ("" when none)."""
    if isinstance(node, ast.Name):
        return _sensitive_name(frame, node.id)
    if isinstance(node, ast.Subscript | ast.Attribute):
        key = node.attr if isinstance(node, ast.Attribute) else getattr(node.slice, "value", "")
        if isinstance(key, str) and _secret_word(key):
            return f"`{key}`"
        value = frame.expr(node)
        if isinstance(value, Taint) and value.exact and value.field.endswith(_CREDENTIALS):
            return f"{value.field} (with credentials)"
        return ""
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.expr) and not (isinstance(node, ast.Call) and child is node.func):
            found = _sensitive(frame, child)
            if found:
                return found
    return ""


_CREDENTIALS = ("headers", "cookies")


def _sensitive_name(frame: Frame, name: str) -> str:
    value = frame.env.get(name)
    if isinstance(value, EventRef) and not value.path:
        return "the whole event"
    if isinstance(value, Taint) and value.exact and value.field.endswith(_CREDENTIALS):
        return f"{value.field} (with credentials)"
    if "secret" in frame.flags.get(name, set()):
        return f"the secret in `{name}`"
    return f"`{name}`" if _secret_word(name) else ""


def _secret_word(name: str) -> bool:
    return name.lower() in _SECRET_WORDS or is_secret_name(name)


def _html_call(frame: Frame, call: Call, qual: str) -> None:
    """Django's `HttpResponse` and Flask's `Response`/`make_response` serve HTML unless their
    content type says otherwise; Chalice's `Response` when its headers say `text/html`."""
    node = call.node
    keywords = {k.arg: k.value for k in node.keywords if k.arg}
    if qual in _HTML_RESPONSES:
        declared = [keywords[k] for k in _TYPE_KEYWORDS if k in keywords]
        if any("html" not in ast.unparse(value).lower() for value in declared):
            return
        index, name = _HTML_RESPONSES[qual]
        content = node.args[index] if index < len(node.args) else keywords.get(name)
        what = f"the HTML `{qual.rsplit('.', 1)[-1]}` serves"
        _report(frame, "cross-site-scripting", content or node, call.arg(index, name), what)
    elif qual in ("chalice.Response", "chalice.app.Response"):
        headers = keywords.get("headers")
        if headers is not None and "text/html" in ast.unparse(headers).lower():
            what = "the body of an HTML response"
            body = keywords.get("body", node)
            _report(frame, "cross-site-scripting", body, call.kwargs.get("body"), what)


def check_dict(frame: Frame, node: ast.Dict, values: list[Value]) -> None:
    """A Lambda proxy response (`{"headers": {"Content-Type": "text/html"}, "body": ...}`)
    whose body holds event data."""
    fields: dict[str, tuple[ast.expr, Value]] = {}
    for key, item, value in zip(node.keys, node.values, values, strict=True):
        if isinstance(key, ast.Constant) and isinstance(key.value, str):
            fields[key.value.lower()] = (item, value)
    headers = fields.get("headers") or fields.get("multivalueheaders")
    if "body" not in fields or headers is None:
        return
    if "text/html" not in ast.unparse(headers[0]).lower():
        return
    body, value = fields["body"]
    _report(frame, "cross-site-scripting", body, value, "the body of an HTML response")


def _report(frame: Frame, kind: str, node: ast.AST, value: Value, what: str) -> None:
    taint = _tainted(frame, node, value, _SANITIZER_KIND.get(kind, kind))
    if taint is None:
        return
    message = f"{taint.field} from {taint.trigger} reaches {what}"
    _record(frame, kind, node, taint, message)


_SANITIZER_KIND = {
    "os-command-injection": "command",
    "server-side-request-forgery": "ssrf",
    "path-traversal": "path",
    "cross-site-scripting": "html",
}


def _tainted(frame: Frame, node: ast.AST, value: Value, kind: str) -> Taint | None:
    if isinstance(value, EventRef):
        field = contained(frame.analysis.sources, value)
        value = frame.source(field, node) if field is not None else None
    if isinstance(value, Taint) and kind not in value.sanitized:
        return value
    return None


def _record(
    frame: Frame,
    kind: str,
    node: ast.AST,
    taint: Taint,
    message: str,
    severity: Severity | None = None,
) -> None:
    module = frame.module
    line, column, end_line, end_column = module.position(node)
    location = source_location(
        module.display, line, column, (end_line, end_column), frame.symbol, module.text(node)
    )
    sink = frame.step(node, module.text(node))
    flow = taint.step(sink) if taint.trigger else taint
    function = (frame.analysis.function,)
    hit = Hit(kind, location, message, FIXES[kind], flow, "", function, severity)
    frame.analysis.hits.append(hit)
