"""Taint tracking in Python handlers with the standard `ast`.

From the handler's event parameter, each access is classified by `events.reach`: trusted
data, a part of the event, or an attacker-controlled field. Attacker data flows through
assignments, f-strings, concatenation, `%` and `format`, containers, comprehensions,
returns and calls to functions of the same code (other modules included, to a bounded
depth); sanitizers stop it where they really make it safe (`int()`, `shlex.quote` for
commands, `os.path.basename` for paths, an allow-list check). Sinks are checked in
`python_sinks`.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable

from slsguard.code import python_sinks
from slsguard.code.events import (
    ATTRIBUTES,
    METHODS,
    WEB_ATTRIBUTES,
    WEB_METHODS,
    WEB_REQUEST,
    contained,
    reach,
)
from slsguard.code.model import EventRef, Hit, SourceField, Sources, Taint, Value
from slsguard.code.python_guards import allow_list, base_name, element, leading_text, leaves, merge
from slsguard.code.python_modules import (
    FunctionNode,
    Module,
    Modules,
    NotFollowed,
    handler_function,
)
from slsguard.findings import FlowStep

WHOLE_EVENT = EventRef(())
MAX_DEPTH = 4
_FIXED_HOST = re.compile(r"^[A-Za-z][\w+.-]*://[^/{}%]+/")
_CLEAN = frozenset(
    {
        *("int", "float", "bool", "len", "abs", "round", "hash", "id", "ord", "isinstance"),
        *("uuid.UUID", "decimal.Decimal", "datetime.datetime.fromisoformat", "math.floor"),
        *("hashlib.sha256", "hashlib.sha1", "hashlib.md5", "hmac.new", "hmac.compare_digest"),
    }
)
_SAFE_FOR: dict[str, frozenset[str]] = {
    "shlex.quote": frozenset({"command"}),
    "pipes.quote": frozenset({"command"}),
    "os.path.basename": frozenset({"path"}),
    "werkzeug.utils.secure_filename": frozenset({"path"}),
    "html.escape": frozenset({"html"}),
    "markupsafe.escape": frozenset({"html"}),
    "django.utils.html.escape": frozenset({"html"}),
    "bleach.clean": frozenset({"html"}),
}
_PARSERS = frozenset({"json.loads", "simplejson.loads", "ujson.loads", "orjson.loads"})
_PROPAGATORS = frozenset(
    {
        *("str", "repr", "bytes", "list", "dict", "tuple", "set", "sorted", "reversed"),
        *("base64.b64decode", "base64.b64encode", "base64.urlsafe_b64decode", "json.dumps"),
        *("urllib.parse.unquote", "urllib.parse.unquote_plus", "urllib.parse.parse_qs"),
        *("urllib.parse.urljoin", "urllib.parse.urlparse", "os.path.join", "posixpath.join"),
        *("pathlib.Path", "pathlib.PurePath", "os.path.abspath", "os.path.normpath"),
        *("os.path.splitext", "posixpath.splitext", "os.path.dirname", "os.path.expanduser"),
        *("codecs.decode", "html.unescape", "textwrap.dedent", "string.Template"),
    }
)
_STRING_BUILDERS = frozenset({"join", "format", "format_map", "replace", "substitute"})
# Methods of strings, bytes and containers that hand their data on: a path through any other
# method of tainted data is followed, but the finding says it may be wrong.
_KNOWN_METHODS = frozenset(
    {
        *("strip", "lstrip", "rstrip", "lower", "upper", "casefold", "title", "capitalize"),
        *("swapcase", "split", "rsplit", "splitlines", "partition", "rpartition", "encode"),
        *("decode", "replace", "format", "format_map", "join", "removeprefix", "removesuffix"),
        *("zfill", "ljust", "rjust", "center", "expandtabs", "translate", "get", "pop", "copy"),
        *("items", "values", "keys", "setdefault", "read", "getvalue", "group", "groups"),
        *("resolve", "absolute", "joinpath", "with_name", "with_suffix", "as_posix", "geturl"),
    }
)


def _concatenated(node: ast.BinOp) -> list[ast.expr]:
    """The operands of a `+` chain (`BASE + "/items/" + id`), else the two operands."""
    if not isinstance(node.op, ast.Add):
        return [node.left, node.right]
    left = _concatenated(node.left) if isinstance(node.left, ast.BinOp) else [node.left]
    return [*left, node.right]


def _configured_base(parts: list[ast.expr], values: list[Value]) -> bool:
    """Whether a URL's scheme and host come from configuration and the event only adds a path.

    True when the text starts with a value the event does not control (an environment
    variable, a setting, a constant) and a literal `/` separates it from the first part the
    event controls: `f"{API_URL}/items/{item_id}"`, `BASE + "/items/" + item_id`.
    """
    first = parts[0].value if isinstance(parts[0], ast.FormattedValue) else parts[0]
    if isinstance(first, ast.Constant) or values[0] is not None:
        return False
    for part, value in zip(parts[1:], values[1:], strict=True):
        if "/" in _literal_start(part):
            return True
        if value is not None:
            return False
    return False


def _configured_start(parts: list[ast.expr], values: list[Value]) -> bool:
    """Whether the text starts with a configured value the event's data follows at once
    (`BASE + item_id`): the host is fixed only if the value ends with `/`, unknown here."""
    first = parts[0].value if isinstance(parts[0], ast.FormattedValue) else parts[0]
    return (
        isinstance(first, ast.Name | ast.Attribute | ast.Subscript | ast.Call)
        and values[0] is None
        and len(values) > 1
        and values[1] is not None
    )


def _environment_name(node: ast.expr) -> str | None:
    """`X` of `os.environ["X"]`, `os.environ.get("X")` or `os.getenv("X")`."""
    if isinstance(node, ast.Subscript) and ast.unparse(node.value).endswith("environ"):
        key = node.slice
    elif isinstance(node, ast.Call) and node.args:
        if not ast.unparse(node.func).endswith(("environ.get", "getenv")):
            return None
        key = node.args[0]
    else:
        return None
    return key.value if isinstance(key, ast.Constant) and isinstance(key.value, str) else None


def _shown(part: ast.expr) -> str:
    """`ORDERS_API_URL` as the code writes it (shortened)."""
    inner = part.value if isinstance(part, ast.FormattedValue) else part
    return f"`{ast.unparse(inner)[:60]}`"


def _literal_start(part: ast.expr) -> str:
    """The literal text an operand starts with: a string, or an f-string's leading text
    (`BASE + f"/items/{item_id}"` separates host and event value with that `/`)."""
    if isinstance(part, ast.Constant):
        return part.value if isinstance(part.value, str) else ""
    if isinstance(part, ast.JoinedStr):
        return leading_text(part) or ""
    return ""


class Analysis:
    """One handler's analysis: the hits found from its event, across the code it calls."""

    def __init__(self, sources: Sources, modules: Modules, function: str) -> None:
        self.sources = sources
        self.modules = modules
        self.function = function
        self.hits: list[Hit] = []
        self.memo: dict[tuple[int, tuple[Value, ...]], Value] = {}
        self.active: set[int] = set()
        self.module_state: dict[int, tuple[dict[str, str], dict[str, set[str]]]] = {}

    def state(self, module: Module) -> tuple[dict[str, str], dict[str, set[str]]]:
        """The objects module-level assignments make (`parser = etree.XMLParser(...)`)."""
        key = id(module)
        if key not in self.module_state:
            self.module_state[key] = ({}, {})
            frame = Frame(self, module, None, MAX_DEPTH)
            frame.block(module.assignments)
            self.module_state[key] = (frame.instances, frame.flags)
        return self.module_state[key]

    def run(self, module: Module, symbol: str, event: EventRef = WHOLE_EVENT) -> NotFollowed | None:
        """Analyse the handler `symbol` of `module` (its first argument is `event`); why it
        cannot be followed, if so."""
        found = handler_function(self.modules, module, symbol)
        if isinstance(found, NotFollowed):
            return found
        values: list[Value] = [event]
        self.invoke(found[0], found[1], values, 0)
        return None

    def run_view(self, module: Module, node: FunctionNode, request_argument: bool) -> None:
        """Analyse a web view: its parameters are path parameters (Chalice, Flask, FastAPI),
        or its first one is the request (Django)."""
        params = [*node.args.posonlyargs, *node.args.args]
        frame = Frame(self, module, node, 0)
        values: list[Value] = [
            frame.access(WHOLE_EVENT, ("pathParameters", param.arg), param) for param in params
        ]
        method = len(params) > 1 and params[0].arg == "self"  # a class-based view's `get`
        if method:
            values[0] = None
        if request_argument and params:
            values[1 if method else 0] = EventRef((WEB_REQUEST,))
        for index, param in enumerate(params):  # FastAPI/Starlette `request: Request`
            if param.annotation is not None and ast.unparse(param.annotation).endswith("Request"):
                values[index] = EventRef((WEB_REQUEST,))
        self.invoke(module, node, values, 0)

    def invoke(self, module: Module, node: FunctionNode, values: list[Value], depth: int) -> Value:
        """Analyse a function with these argument values; the value it returns."""
        key = (id(node), tuple(values))
        if key in self.memo:
            return self.memo[key]
        if depth > MAX_DEPTH or id(node) in self.active:
            return None
        self.active.add(id(node))
        self.state(module)
        frame = Frame(self, module, node, depth)
        params = [*node.args.posonlyargs, *node.args.args]
        for index, param in enumerate(params):
            frame.env[param.arg] = values[index] if index < len(values) else None
        frame.block(node.body)
        self.active.discard(id(node))
        self.memo[key] = frame.returned
        return frame.returned


class Frame:
    """The variables of one function while its body is walked."""

    def __init__(
        self, analysis: Analysis, module: Module, node: FunctionNode | None, depth: int
    ) -> None:
        self.analysis = analysis
        self.module = module
        self.symbol = node.name if node is not None else "<module>"
        self.depth = depth
        self.env: dict[str, Value] = {}
        instances, flags = analysis.module_state.get(id(module), ({}, {}))
        self.instances: dict[str, str] = dict(instances)
        """Variables holding an object made by a known constructor (`requests.Session`)."""
        self.flags: dict[str, set[str]] = {name: set(f) for name, f in flags.items()}
        """Facts about variables the sinks need (`xml-unsafe` parsers)."""
        self.returned: Value = None

    # ------------------------------------------------------------------ statements

    def block(self, body: Iterable[ast.stmt]) -> None:
        """Walk statements in order."""
        for statement in body:
            self.statement(statement)

    def statement(self, node: ast.stmt) -> None:
        """One statement: bind what it assigns, evaluate what it calls."""
        if isinstance(node, ast.Assign):
            value = self.expr(node.value)
            for target in node.targets:
                self.bind(target, value, node)
            self._remember(node.targets, node.value)
            python_sinks.remember_secret(self, node.targets, node.value)
        elif isinstance(node, ast.AnnAssign | ast.AugAssign) and node.value is not None:
            value = self.expr(node.value)
            if isinstance(node, ast.AugAssign):
                value = merge(self.expr(node.target), value)
            self.bind(node.target, value, node)
        elif isinstance(node, ast.Expr):
            self.expr(node.value)
        elif isinstance(node, ast.Return) and node.value is not None:
            self.returned = merge(self.returned, self.expr(node.value))
        elif isinstance(node, ast.For | ast.AsyncFor):
            self.bind(node.target, element(self.expr(node.iter)), node)
            self.block(node.body)
            self.block(node.orelse)
        elif isinstance(node, ast.If):
            self._if(node)
        else:
            self._compound(node)

    def _compound(self, node: ast.stmt) -> None:
        if isinstance(node, ast.While):
            self.expr(node.test)
            self.block(node.body)
        elif isinstance(node, ast.With | ast.AsyncWith):
            for item in node.items:
                value = self.expr(item.context_expr)
                if item.optional_vars is not None:
                    self.bind(item.optional_vars, value, node)
            self.block(node.body)
        elif isinstance(node, ast.Try):
            self.block(node.body)
            for handler in node.handlers:
                self.block(handler.body)
            self.block(node.orelse)
            self.block(node.finalbody)

    def _if(self, node: ast.If) -> None:
        self.expr(node.test)
        checked, negated = allow_list(node.test)
        saved = {name: self.env.get(name) for name in checked}
        if checked and not negated:
            self.env.update(dict.fromkeys(checked))
        self.block(node.body)
        if checked and not negated:
            self.env.update(saved)
        self.block(node.orelse)
        if checked and negated and node.body and leaves(node.body[-1]):
            self.env.update(dict.fromkeys(checked))  # past `if x not in ALLOWED: return`

    def bind(self, target: ast.expr, value: Value, node: ast.AST) -> None:
        """Assign `value` to a target; a tainted value records the assignment as a step."""
        if isinstance(value, Taint):
            step = self.step(node, self.module.text(node))
            last = value.steps[-1] if value.steps else None
            if last is None or (last.file, last.line) != (step.file, step.line):
                value = value.step(step)
        if isinstance(target, ast.Name):
            self.env[target.id] = value
        elif isinstance(target, ast.Tuple | ast.List):
            for item in target.elts:
                self.bind(item, element(value) if isinstance(value, EventRef) else value, node)
        elif isinstance(target, ast.Starred):
            self.bind(target.value, value, node)
        elif isinstance(target, ast.Subscript | ast.Attribute) and value is not None:
            base = base_name(target)
            if base is not None and isinstance(value, Taint):
                self.env[base] = merge(self.env.get(base), value)

    def _remember(self, targets: list[ast.expr], value: ast.expr) -> None:
        if not isinstance(value, ast.Call):
            return
        made = self.qualname(value.func)
        for target in targets:
            if isinstance(target, ast.Name) and made:
                self.instances[target.id] = made
                self.flags[target.id] = python_sinks.constructor_flags(made, value)

    # ------------------------------------------------------------------ expressions

    def expr(self, node: ast.expr | None) -> Value:
        """The taint of an expression (checking every call in it against the sinks)."""
        if node is None or isinstance(node, ast.Constant | ast.Lambda):
            return None
        if isinstance(node, ast.Name):
            if node.id not in self.env and self.module.imports.get(node.id) == "flask.request":
                return EventRef((WEB_REQUEST,)) if self.analysis.sources.fields else None
            return self.env.get(node.id)
        if isinstance(node, ast.Subscript):
            return self._subscript(node)
        if isinstance(node, ast.Attribute):
            return self._attribute(node)
        if isinstance(node, ast.Call):
            return self.call(node)
        if isinstance(node, ast.JoinedStr):
            return self._formatted(node, node.values, leading_text(node))
        if isinstance(node, ast.BinOp):
            parts = _concatenated(node)
            first = parts[0]
            prefix = first.value if isinstance(first, ast.Constant) else None
            return self._formatted(node, parts, prefix)
        return self._other(node)

    def _other(self, node: ast.expr) -> Value:
        if isinstance(node, ast.FormattedValue):
            return self.expr(node.value)
        if isinstance(node, ast.Dict):
            keys = [self.expr(k) for k in node.keys if k is not None]
            values = [self.expr(v) for v in node.values]
            python_sinks.check_dict(self, node, values)
            return self.merge(node, [*keys, *values])
        if isinstance(node, ast.List | ast.Tuple | ast.Set):
            return self.merge(node, [self.expr(item) for item in node.elts])
        if isinstance(node, ast.ListComp | ast.SetComp | ast.GeneratorExp | ast.DictComp):
            return self._comprehension(node)
        if isinstance(node, ast.Await | ast.Starred | ast.UnaryOp):
            return self.expr(node.value if not isinstance(node, ast.UnaryOp) else node.operand)
        if isinstance(node, ast.IfExp):
            self.expr(node.test)
            return merge(self.expr(node.body), self.expr(node.orelse))
        if isinstance(node, ast.BoolOp):
            return self.merge(node, [self.expr(value) for value in node.values])
        if isinstance(node, ast.NamedExpr):
            value = self.expr(node.value)
            self.bind(node.target, value, node)
            return value
        if isinstance(node, ast.Compare):
            for item in (node.left, *node.comparators):
                self.expr(item)
        return None

    def _comprehension(
        self, node: ast.ListComp | ast.SetComp | ast.GeneratorExp | ast.DictComp
    ) -> Value:
        for generator in node.generators:
            self.bind(generator.target, element(self.expr(generator.iter)), node)
        if isinstance(node, ast.DictComp):
            return merge(self.expr(node.key), self.expr(node.value))
        return self.expr(node.elt)

    def _formatted(self, node: ast.expr, parts: list[ast.expr], prefix: object) -> Value:
        values = [self.expr(part) for part in parts]
        value = self.merge(node, values)
        if not isinstance(value, Taint):
            return value
        if isinstance(prefix, str) and _FIXED_HOST.match(prefix):
            return value.safe_for(frozenset({"ssrf"}))
        if _configured_base(parts, values):
            return value.safe_for(frozenset({"ssrf"}))
        if _configured_start(parts, values):
            if self._fixed_host(parts[0]):
                return value.safe_for(frozenset({"ssrf"}))
            return value.doubted(
                f"the URL starts with {_shown(parts[0])}, from configuration: if it ends with "
                "`/`, the event only adds a path"
            )
        return value

    def _fixed_host(self, part: ast.expr) -> bool:
        """Whether `part` reads an environment variable whose configured value fixes the
        URL's host (`ORDERS_API_URL = os.environ["ORDERS_API_URL"]`, set to `${Url}/backend/`)."""
        read = part.value if isinstance(part, ast.FormattedValue) else part
        if isinstance(read, ast.Name):
            read = next(
                (
                    statement.value
                    for statement in self.module.tree.body
                    if isinstance(statement, ast.Assign)
                    and any(isinstance(t, ast.Name) and t.id == read.id for t in statement.targets)
                ),
                read,
            )
        name = _environment_name(read)
        return name is not None and name in self.analysis.sources.fixed_hosts

    def _subscript(self, node: ast.Subscript) -> Value:
        base = self.expr(node.value)
        self.expr(node.slice)
        key = node.slice.value if isinstance(node.slice, ast.Constant) else None
        if isinstance(base, EventRef):
            return self.access(base, ("[]",) if not isinstance(key, str) else (key,), node)
        if isinstance(base, Taint):
            return base.shaped("json" if base.shape == "json" else "text")
        return None

    def _attribute(self, node: ast.Attribute) -> Value:
        base = self.expr(node.value)
        if isinstance(base, EventRef) and base.path == (WEB_REQUEST,):
            keys = WEB_ATTRIBUTES.get(node.attr)  # `request.args`, `app.current_request.json_body`
            return self.access(EventRef(()), keys, node) if keys else None
        if isinstance(base, EventRef):
            return self.access(base, ATTRIBUTES.get(node.attr, (node.attr,)), node)
        if isinstance(base, Taint):
            return base.shaped("json" if node.attr == "json_body" else base.shape)
        if node.attr == "current_event" and self.analysis.sources.fields:
            return EventRef(())  # Powertools event handlers: `app.current_event`
        if node.attr == "current_request" and self.analysis.sources.fields:
            return EventRef((WEB_REQUEST,))  # Chalice: `app.current_request`
        return None

    def access(self, ref: EventRef, keys: tuple[str, ...], node: ast.AST) -> Value:
        """Reading `keys` from a part of the event."""
        found = reach(self.analysis.sources, (*ref.path, *keys))
        if isinstance(found, SourceField):
            return self.source(found, node)
        return found

    def source(self, found: SourceField, node: ast.AST) -> Taint:
        """A new taint for an attacker field read at `node`."""
        text = f"{self.module.text(node)}  ← {found.label} ({found.trigger})"
        step = self.step(node, text)
        exact = found.path in ((), *(f.path for f in self.analysis.sources.fields))
        return Taint(found.label, found.trigger, (step,), shape=found.shape, exact=exact)

    def merge(self, node: ast.AST, values: Iterable[Value]) -> Value:
        """Several values combined into one (an event part handed over whole becomes input)."""
        result: Value = None
        for value in values:
            if isinstance(value, EventRef):
                field = contained(self.analysis.sources, value)
                value = self.source(field, node) if field is not None else None
            result = merge(result, value)
        return result

    def step(self, node: ast.AST, text: str) -> FlowStep:
        """A flow step at `node`."""
        line, column, _, _ = self.module.position(node)
        return FlowStep(self.module.display, line, column, text[:160])

    # ------------------------------------------------------------------ calls

    def qualname(self, node: ast.expr) -> str | None:
        """`subprocess.run` for `sp.run` after `import subprocess as sp`; None if not a name."""
        if isinstance(node, ast.Name):
            if node.id in self.instances:
                return self.instances[node.id]
            return self.module.imports.get(node.id, node.id)
        if isinstance(node, ast.Attribute):
            base = self.qualname(node.value)
            return f"{base}.{node.attr}" if base else None
        if isinstance(node, ast.Call):
            made = self.qualname(node.func)
            return made
        return None

    def call(self, node: ast.Call) -> Value:
        """Evaluate a call: check it against the sinks and return what it returns."""
        func = node.func
        receiver = self.expr(func.value) if isinstance(func, ast.Attribute) else None
        args = [self.expr(arg) for arg in node.args]
        kwargs = {kw.arg or "**": self.expr(kw.value) for kw in node.keywords}
        qual = self.qualname(func) or ""
        call = python_sinks.Call(node, qual, receiver, args, kwargs)
        python_sinks.check(self, call)
        return self._result(call)

    def _result(self, call: python_sinks.Call) -> Value:
        node, qual = call.node, call.qual
        method = node.func.attr if isinstance(node.func, ast.Attribute) else ""
        if isinstance(call.receiver, EventRef):
            return self._event_method(call.receiver, method, node)
        if qual in _CLEAN or qual.rsplit(".", 1)[-1] in ("isdigit", "isalnum", "count"):
            return None
        args = [*call.args, *call.kwargs.values()]
        if qual in _SAFE_FOR:
            value = self.merge(node, args)
            return value.safe_for(_SAFE_FOR[qual]) if isinstance(value, Taint) else value
        local = self._local(node.func)
        if local is not None:
            return self._into(local, call)
        if qual in _PARSERS:
            value = self.merge(node, args)
            return value.shaped("json") if isinstance(value, Taint) else value
        if qual in _PROPAGATORS or qual.endswith(".json"):
            if len(args) == 1 and isinstance(args[0], EventRef) and qual != "pathlib.Path":
                return args[0]
            value = self.merge(node, args)
            text = qual in ("str", "repr", "bytes", "json.dumps")
            return value.shaped("text") if text and isinstance(value, Taint) else value
        if isinstance(call.receiver, Taint):
            value = merge(call.receiver.shaped(call.receiver.shape), self.merge(node, args))
            if method in _KNOWN_METHODS or not isinstance(value, Taint):
                return value
            return value.doubted(
                f"the data passes through `.{method}()`, whose effect is not known"
            )
        if method in _STRING_BUILDERS:
            owner = node.func.value if isinstance(node.func, ast.Attribute) else None
            prefix = owner.value if isinstance(owner, ast.Constant) else None
            value = self.merge(node, args)
            if isinstance(value, Taint) and isinstance(prefix, str) and _FIXED_HOST.match(prefix):
                return value.safe_for(frozenset({"ssrf"}))
            return value
        return None

    def _event_method(self, ref: EventRef, method: str, node: ast.Call) -> Value:
        if ref.path == (WEB_REQUEST,):
            keys = WEB_METHODS.get(method)
            return self.access(EventRef(()), keys, node) if keys else None
        if method in METHODS:
            keys = tuple(k for k in METHODS[method] if k != "?")
            return self.access(ref, keys, node)
        key = node.args[0] if node.args else None
        if method in ("get", "pop", "__getitem__") and isinstance(key, ast.Constant):
            return self.access(ref, (str(key.value),), node)
        if method in ("items", "values", "copy", "keys"):
            return ref
        return None

    def _local(self, func: ast.expr) -> tuple[Module, FunctionNode] | None:
        """The function of the scanned code a call goes to, if any."""
        module = self.module
        name = func.id if isinstance(func, ast.Name) else None
        if name and name in module.functions:
            return module, module.functions[name]
        qual = self.qualname(func)
        if not qual or "." not in qual:
            return None
        owner, _, attr = qual.rpartition(".")
        target = self.analysis.modules.resolve(owner, module)
        if target is not None and attr in target.functions:
            return target, target.functions[attr]
        return None

    def _into(self, local: tuple[Module, FunctionNode], call: python_sinks.Call) -> Value:
        module, node = local
        values: list[Value] = []
        text = f"{self.module.text(call.node)}  → {node.name}() in {module.display}"
        for value in call.args:
            if isinstance(value, Taint):
                value = value.step(self.step(call.node, text))
            values.append(value)
        for param in node.args.args[len(values) :]:
            value = call.kwargs.get(param.arg)
            if isinstance(value, Taint):
                value = value.step(self.step(call.node, text))
            values.append(value)
        return self.analysis.invoke(module, node, values, self.depth + 1)
