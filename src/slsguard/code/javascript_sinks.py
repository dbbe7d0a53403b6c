"""The dangerous calls of JavaScript and TypeScript handlers."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from slsguard.code.events import contained
from slsguard.code.javascript_modules import Node, text_of
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
    from slsguard.code.javascript import JsFrame

FIXED_HOST = re.compile(r"^[A-Za-z][\w+.-]*://[^/${}]+/")
_CP = ("child_process", "node:child_process")
_COMMAND = frozenset(f"{m}.{f}" for m in _CP for f in ("exec", "execSync"))
_SPAWN = frozenset(f"{m}.{f}" for m in _CP for f in ("spawn", "spawnSync", "execFile"))
_CODE = frozenset(
    {
        "eval",
        "Function",
        "setTimeout",
        "setInterval",
        *(
            f"{m}.{f}"
            for m in ("vm", "node:vm")
            for f in (
                "runInContext",
                "runInNewContext",
                "runInThisContext",
                "Script",
                "compileFunction",
            )
        ),
    }
)
_SQL = frozenset({"query", "execute", "raw", "unsafe", "$queryRawUnsafe", "$executeRawUnsafe"})
_DYNAMO_KEYS = frozenset(
    {
        "FilterExpression",
        "KeyConditionExpression",
        "ConditionExpression",
        "UpdateExpression",
        "ProjectionExpression",
        "Statement",
    }
)
_MONGO = frozenset(
    {
        "find",
        "findOne",
        "findOneAndUpdate",
        "updateOne",
        "updateMany",
        "deleteOne",
        "deleteMany",
        "countDocuments",
    }
)
_DESERIALIZE = frozenset(
    {
        "node-serialize.unserialize",
        "serialize-javascript.unserialize",
        "funcster.deepDeserialize",
        "js-yaml.unsafeLoad",
    }
)
_HTTP = ("axios", "got", "node-fetch", "needle", "superagent", "request")
_VERBS = ("get", "post", "put", "patch", "delete", "head", "request")
_URL = frozenset(
    {
        "fetch",
        *_HTTP,
        *(f"{c}.{v}" for c in (*_HTTP, "http", "https", "node:http", "node:https") for v in _VERBS),
    }
)
_FS = ("fs", "node:fs", "fs/promises", "node:fs/promises", "fs.promises", "fs-extra")
_FS_CALLS = (
    "readFile",
    "readFileSync",
    "writeFile",
    "writeFileSync",
    "createReadStream",
    "createWriteStream",
    "unlink",
    "unlinkSync",
    "rm",
    "rmSync",
    "appendFile",
    "appendFileSync",
    "open",
    "openSync",
    "readdir",
    "readdirSync",
)
_PATH = frozenset(f"{m}.{c}" for m in _FS for c in _FS_CALLS)
_XML = frozenset({"libxmljs.parseXml", "libxmljs.parseXmlString", "libxmljs2.parseXml"})
_NOENT = re.compile(r"\bnoent\s*:\s*true\b")
_CONSOLE = frozenset(
    {"console.log", "console.info", "console.debug", "console.warn", "console.error"}
)
_SECRET_WORDS = frozenset({"token", "password", "secret", "authorization", "apikey", "api_key"})
FIXES = {
    "os-command-injection": 'run the program without a shell: `execFile("convert", [name, out])`',
    "code-injection": "never evaluate event data: `JSON.parse` it, or map it to allowed "
    "operations with an object",
    "sql-injection": "bind the values as parameters: "
    '`pool.query("SELECT * FROM t WHERE id = $1", [value])`',
    "nosql-injection": "pass event values through `ExpressionAttributeValues` and coerce Mongo "
    "filter values to strings (`String(value)`); never `$where`",
    "insecure-deserialization": "exchange data, not objects: `JSON.parse`",
    "server-side-request-forgery": "keep the scheme and host constant and check event values "
    "against an allow-list before building the URL",
    "path-traversal": "use `path.basename` (or an allow-list) on event values and keep the "
    "directory constant",
    "xml-external-entities": "parse without `noent` (and without `dtdload`)",
    "sensitive-data-logged": "log the fields you need (`context.awsRequestId`, an order id), "
    "never the whole event, its headers or credentials",
    "cross-site-scripting": "escape each value (`escape-html`, `he.encode`) or render with a "
    "template engine that escapes by default",
}


@dataclass(frozen=True, slots=True)
class JsCall:
    """A call being evaluated: its node, name, and the taint of its arguments."""

    node: Node
    qual: str
    method: str
    receiver: Value
    nodes: list[Node]
    values: list[Value]

    def arg(self, index: int) -> Value:
        """The value of argument `index` (None when absent)."""
        return self.values[index] if index < len(self.values) else None


def check(frame: JsFrame, call: JsCall) -> None:
    """Record a hit when this call is a sink reached by event data."""
    qual, node = call.qual, call.node
    if qual in _COMMAND:
        _report(frame, "os-command-injection", node, call.arg(0), f"`{qual}`")
    elif qual in _SPAWN and any("shell: true" in text_of(n) for n in call.nodes[1:]):
        _report(frame, "os-command-injection", node, call.arg(0), f"`{qual}` with a shell")
    if qual in _CODE and not (qual.startswith("set") and _is_function(call)):
        _report(frame, "code-injection", node, call.arg(0), f"`{qual}`")
    if call.method in _SQL and call.nodes and call.nodes[0].type != "object":
        _report(frame, "sql-injection", node, call.arg(0), f"the SQL of `{call.method}`")
    _nosql(frame, call)
    if qual in _DESERIALIZE:
        _report(frame, "insecure-deserialization", node, call.arg(0), f"`{qual}`")
    if qual in _URL:
        _report(frame, "server-side-request-forgery", node, _url(frame, call), f"`{qual}`")
    if qual in _PATH:
        _report(frame, "path-traversal", node, call.arg(0), f"the path of `{qual}`")
    if qual in _XML and any(_NOENT.search(text_of(n)) for n in call.nodes[1:]):
        _report(frame, "xml-external-entities", node, call.arg(0), f"`{qual}` with `noent`")
    if qual in _CONSOLE or (
        call.method in ("info", "debug", "warn", "error")
        and text_of(node).startswith(("logger.", "log."))
    ):
        _logging(frame, call)


def _is_function(call: JsCall) -> bool:
    return bool(call.nodes) and call.nodes[0].type in (
        "arrow_function",
        "function_expression",
        "identifier",
    )


def _url(frame: JsFrame, call: JsCall) -> Value:
    first = call.nodes[0] if call.nodes else None
    if first is not None and first.type == "identifier":
        # `request(options)`: the options object declared above decides the URL, not its
        # body or form fields.
        first = _declared_object(first) or first
    if first is not None and first.type == "object":
        for pair in first.named_children:
            if pair.type == "pair" and text_of(pair.child_by_field_name("key")) in (
                "url",
                "host",
                "hostname",
            ):
                return frame.expr(pair.child_by_field_name("value"))
        return None
    return call.arg(0)


_SCOPES = ("function_declaration", "arrow_function", "function_expression", "method_definition")


def _declared_object(name: Node) -> Node | None:
    """The object literal `const name = {...}` declares in the enclosing function, before use."""
    scope = name.parent
    while scope is not None and scope.type not in _SCOPES and scope.type != "program":
        scope = scope.parent
    declared: list[Node] = []
    stack = [scope] if scope is not None else []
    while stack:
        node = stack.pop()
        if node.start_byte >= name.start_byte:
            continue
        value = node.child_by_field_name("value") if node.type == "variable_declarator" else None
        named = value is not None and text_of(node.child_by_field_name("name")) == text_of(name)
        if value is not None and named and value.type == "object":
            declared.append(value)
        stack.extend(node.named_children)
    return max(declared, key=lambda value: value.start_byte, default=None)


def _nosql(frame: JsFrame, call: JsCall) -> None:
    for argument in call.nodes:
        if argument.type != "object":
            continue
        for pair in argument.named_children:
            key = text_of(pair.child_by_field_name("key")) if pair.type == "pair" else ""
            if key in _DYNAMO_KEYS:
                value = frame.expr(pair.child_by_field_name("value"))
                _report(frame, "nosql-injection", call.node, value, f"the DynamoDB {key}")
            if key.strip("'\"") == "$where" and call.method in _MONGO:
                value = frame.expr(pair.child_by_field_name("value"))
                _report(frame, "nosql-injection", call.node, value, "a MongoDB `$where`")
            elif pair.type == "pair" and call.method in _MONGO:
                value = frame.expr(pair.child_by_field_name("value"))
                if isinstance(value, Taint) and value.shape == "json":
                    _report(frame, "nosql-injection", call.node, value, "a MongoDB filter value")
    value = call.arg(0)
    if (
        call.method in _MONGO
        and isinstance(value, Taint)
        and value.shape == "json"
        and call.nodes
        and call.nodes[0].type != "object"
    ):
        _report(
            frame, "nosql-injection", call.node, value, f"the MongoDB filter of `{call.method}`"
        )


def _logging(frame: JsFrame, call: JsCall) -> None:
    for argument in call.nodes:
        what = _sensitive(frame, argument)
        if what:
            doubt = DEBUG_LEVEL_DOUBT if call.method == "debug" else ""
            step = frame.step(call.node, frame.module.text(call.node))
            taint = Taint(what, "", (step,), doubt=doubt)
            severity = Severity.LOW if doubt else None
            message = f"{what} is logged"
            _record(frame, "sensitive-data-logged", call.node, taint, message, severity)
            return


def _sensitive(frame: JsFrame, node: Node) -> str:
    if node.type == "identifier":
        value = frame.env.get(text_of(node))
        if isinstance(value, EventRef) and not value.path:
            return "the whole event"
        name = text_of(node)
        return f"`{name}`" if name.lower() in _SECRET_WORDS or is_secret_name(name) else ""
    if node.type in ("member_expression", "subscript_expression"):
        key = text_of(node.child_by_field_name("property") or node.child_by_field_name("index"))
        key = key.strip("'\"`")
        if key.lower() in _SECRET_WORDS or is_secret_name(key):
            return f"`{key}`"
        value = frame.expr(node)
        if (
            isinstance(value, Taint)
            and value.exact
            and value.field.endswith(("headers", "cookies"))
        ):
            return f"{value.field} (with credentials)"
        return ""
    for child in node.named_children:
        found = _sensitive(frame, child)
        if found:
            return found
    return ""


def check_object(frame: JsFrame, fields: dict[str, tuple[Node, Value]]) -> None:
    """A Lambda proxy response (`{headers: {"Content-Type": "text/html"}, body}`) whose body
    holds event data."""
    headers = fields.get("headers") or fields.get("multivalueheaders")
    if "body" not in fields or headers is None:
        return
    if "text/html" not in text_of(headers[0]).lower():
        return
    body, value = fields["body"]
    _report(frame, "cross-site-scripting", body, value, "the body of an HTML response")


def _report(frame: JsFrame, kind: str, node: Node, value: Value, what: str) -> None:
    if isinstance(value, EventRef):
        field = contained(frame.analysis.sources, value)
        value = frame.source(field, node) if field is not None else None
    sanitizer = {
        "os-command-injection": "command",
        "server-side-request-forgery": "ssrf",
        "path-traversal": "path",
        "cross-site-scripting": "html",
    }.get(kind, kind)
    if not isinstance(value, Taint) or sanitizer in value.sanitized:
        return
    _record(frame, kind, node, value, f"{value.field} from {value.trigger} reaches {what}")


def _record(
    frame: JsFrame,
    kind: str,
    node: Node,
    taint: Taint,
    message: str,
    severity: Severity | None = None,
) -> None:
    module = frame.module
    line, column, end_line, end_column = module.position(node)
    text = module.text(node)
    location = source_location(
        module.display, line, column, (end_line, end_column), frame.symbol, text
    )
    flow = taint.step(frame.step(node, text)) if taint.trigger else taint
    function = (frame.analysis.function,)
    hit = Hit(kind, location, message, FIXES[kind], flow, "", function, severity)
    frame.analysis.hits.append(hit)
