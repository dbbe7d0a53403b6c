"""Taint tracking in Go handlers (`aws-lambda-go`), the same model as the other analysers.

The handler's event parameter (an `events.*` type, or the last parameter) is the event; Go
fields are read as the JSON keys they decode (`req.QueryStringParameters["q"]` is
`queryStringParameters.q`, `record.S3.Object.Key` is `s3.object.key`). Data flows through
`:=`/`=`/`var`, `range`, `+`, `fmt.Sprintf`, `strings.*`, conversions, `json.Unmarshal` into
`&v`, returns, and calls into functions of the same package and of the module packages it
imports (`store.Put(...)`; a method by its name, since receiver types are not tracked: every
package's method of that name, as layered apps call `domain.Get` → `store.Get`, at most
`MAX_SAME_NAME` of them); `go_sinks` checks the calls.
"""

from __future__ import annotations

from dataclasses import dataclass

from slsguard.code import go_sinks
from slsguard.code.events import contained, reach
from slsguard.code.go_access import check_package, inner
from slsguard.code.go_invoke import downstream_errors
from slsguard.code.go_modules import (
    EVENTS,
    GoFile,
    GoPackage,
    GoPackages,
    Node,
    entry_handler,
    methods_named,
    text_of,
)
from slsguard.code.model import (
    CodeNote,
    EventRef,
    HandlerSource,
    Hit,
    SourceField,
    Sources,
    Taint,
    Value,
)
from slsguard.code.python_guards import merge
from slsguard.findings import FlowStep, Origin

MAX_DEPTH = 4
MAX_SAME_NAME = 4
"""Methods of one name followed for a call; more means a common name, not a call chain."""
_CLEAN = frozenset(
    {"strconv.Atoi", "strconv.ParseInt", "strconv.ParseFloat", "strconv.ParseBool", "len"}
)
_PATH_SAFE = frozenset({"path/filepath.Base", "path.Base"})
_HTML_SAFE = frozenset(
    {"html.EscapeString", "text/template.HTMLEscapeString", "html/template.HTMLEscapeString"}
)
_PROPAGATING_PACKAGES = ("fmt.Sprint", "strings.", "bytes.", "path/filepath.", "path.", "net/url.")
_FIELDS = {"SNS": "Sns", "URLDecodedKey": "key", "Records": "Records"}
"""Go field names whose JSON key is not the name with a lower-case first letter."""


@dataclass(frozen=True, slots=True)
class Result:
    """The hits and notes of one Go handler."""

    hits: tuple[Hit, ...] = ()
    notes: tuple[CodeNote, ...] = ()


def analyse(source: HandlerSource, sources: Sources, packages: GoPackages) -> Result:
    """Analyse the Go package of a handler from its `lambda.Start` call."""
    package = packages.package(source.root, source.scan_root)
    imported = packages.local(package, source.scan_root)
    failures = [*package.failures, *(f for other in imported.values() for f in other.failures)]
    notes = [_parse_note(failure) for failure in failures]
    checked = tuple(check_package(package, source.function)) + tuple(
        hit for file in package.files for hit in downstream_errors(file, source.function)
    )
    found = entry_handler(package, imported)
    if isinstance(found, str):
        message = (
            f"the Go handler of {source.function} in {source.display} cannot be followed: "
            f"{found}; its code is not analysed"
        )
        origin = Origin(source.display, (), 1, 1)
        fix = "pass a function of the module to lambda.Start, or review the code otherwise"
        notes.append(CodeNote("SLS004", origin, message, fix, source.function))
        return Result(checked, tuple(notes))
    analysis = GoAnalysis(sources, package, source.function, imported)
    file, node = found
    analysis.invoke(file, node, _event_arguments(file, node), 0)
    return Result((*analysis.hits, *checked), tuple(notes))


def _parse_note(failure: object) -> CodeNote:
    display, line, column = (getattr(failure, name) for name in ("display", "line", "column"))
    origin = Origin(str(display), (), int(line), int(column))
    fix = "fix the syntax; the code of this file was not analysed"
    return CodeNote("SLS001", origin, "handler code does not parse: syntax error", fix)


def _event_arguments(file: GoFile, node: Node) -> list[Value]:
    """Argument values for the handler: the event where its parameter is."""
    params = _parameters(node)
    values: list[Value] = [None] * len(params)
    for index, (_, kind) in enumerate(params):
        if kind.startswith(("events.", "*events.")) and file.imports.get("events") == EVENTS:
            values[index] = EventRef(())
            return values
    candidates = [i for i, (_, kind) in enumerate(params) if "Context" not in kind]
    if candidates:
        values[candidates[-1]] = EventRef(())
    return values


def _parameters(node: Node) -> list[tuple[str, str]]:
    """(name, type text) of each parameter, in order."""
    params = node.child_by_field_name("parameters")
    found: list[tuple[str, str]] = []
    for declaration in [] if params is None else params.named_children:
        kind = text_of(declaration.child_by_field_name("type"))
        names = [c for c in declaration.named_children if c.type == "identifier"]
        found += [(text_of(name), kind) for name in names] or [("_", kind)]
    return found


class GoAnalysis:
    """One handler's analysis across the functions of its package."""

    def __init__(
        self,
        sources: Sources,
        package: GoPackage,
        function: str,
        imported: dict[str, GoPackage] | None = None,
    ) -> None:
        self.sources = sources
        self.package = package
        self.imported = imported or {}
        self.function = function
        self.hits: list[Hit] = []
        self.memo: dict[tuple[int, tuple[Value, ...]], Value] = {}
        self.active: set[int] = set()
        self._package_imports: dict[int, frozenset[str]] = {}
        """id of a file → the imports of its package (asked for each SQL-named call)."""

    def invoke(self, file: GoFile, node: Node, values: list[Value], depth: int) -> Value:
        """Analyse a function with these argument values; what it returns."""
        key = (node.id, tuple(values))
        if key in self.memo:
            return self.memo[key]
        if depth > MAX_DEPTH or node.id in self.active:
            return None
        self.active.add(node.id)
        name = text_of(node.child_by_field_name("name")) or "func literal"
        frame = GoFrame(self, file, depth, name)
        for (param, _), value in zip(_parameters(node), values, strict=False):
            frame.env[param] = value
        body = node.child_by_field_name("body")
        if body is not None:
            frame.statement(body)
        self.active.discard(node.id)
        self.memo[key] = frame.returned
        return frame.returned

    def callees(self, call: go_sinks.GoCall) -> list[tuple[GoFile, Node]]:
        """The module functions or methods a call may run, when their code is in the scan."""
        qual = call.qual
        if qual and "." not in qual:
            found = self.package.functions.get(qual)
            return [found] if found else []
        path, _, name = qual.rpartition(".")
        if path in self.imported:
            found = self.imported[path].functions.get(name)
            return [found] if found else []
        if call.method and not qual:
            methods = methods_named([self.package, *self.imported.values()], call.method)
            return methods if len(methods) <= MAX_SAME_NAME else []
        return []

    def imports_of(self, file: GoFile) -> frozenset[str]:
        """The import paths of every file of the package `file` belongs to."""
        if not self._package_imports:
            for package in (self.package, *self.imported.values()):
                paths = frozenset(p for each in package.files for p in each.imports.values())
                self._package_imports.update((id(each), paths) for each in package.files)
        return self._package_imports.get(id(file), frozenset(file.imports.values()))


class GoFrame:
    """The variables of one function while its body is walked."""

    def __init__(self, analysis: GoAnalysis, file: GoFile, depth: int, symbol: str) -> None:
        self.analysis = analysis
        self.file = file
        self.depth = depth
        self.symbol = symbol
        self.env: dict[str, Value] = {}
        self.returned: Value = None

    def statement(self, node: Node | None) -> None:
        """One statement (blocks and control flow are walked in order)."""
        if node is None:
            return
        kind = node.type
        if kind in ("short_var_declaration", "assignment_statement"):
            self.assign(node.child_by_field_name("left"), node.child_by_field_name("right"))
        elif kind == "var_spec":
            names = [c for c in node.named_children if c.type == "identifier"]
            value = node.child_by_field_name("value")
            values = self.values(value) if value is not None else []
            for index, name in enumerate(names):
                self.env[text_of(name)] = values[index] if index < len(values) else None
        elif kind == "return_statement":
            for child in node.named_children:
                for value in self.values(child):
                    self.returned = merge(self.returned, value)
        elif kind == "range_clause":
            self.range(node)
        elif kind == "func_literal":
            return
        elif kind.endswith(("expression", "_literal")) and kind != "func_literal":
            self.expr(node)
        else:
            for child in node.named_children:
                self.statement(child)

    def values(self, node: Node) -> list[Value]:
        """The values of an expression list (one per item)."""
        if node.type == "expression_list":
            return [self.expr(child) for child in node.named_children]
        return [self.expr(node)]

    def assign(self, left: Node | None, right: Node | None) -> None:
        """`a, b := x, y` pairwise; `out, err := call()` gives the call's value to `out`."""
        if left is None or right is None:
            return
        values = self.values(right)
        targets = left.named_children if left.type == "expression_list" else [left]
        for index, target in enumerate(targets):
            value = values[index] if index < len(values) else None
            if target.type == "identifier":
                self.env[text_of(target)] = value

    def range(self, node: Node) -> None:
        value = self.expr(node.child_by_field_name("right"))
        element = EventRef((*value.path, "[]")) if isinstance(value, EventRef) else value
        left = node.child_by_field_name("left")
        names = [] if left is None else [c for c in left.named_children if c.type == "identifier"]
        if names:
            self.env[text_of(names[-1])] = element if len(names) > 1 else None

    def expr(self, node: Node | None) -> Value:
        """The taint of an expression, checking each call against the sinks."""
        if node is None:
            return None
        kind = node.type
        if kind == "identifier":
            return self.env.get(text_of(node))
        if kind == "selector_expression":
            owner = self.expr(node.child_by_field_name("operand"))
            return self.member(owner, text_of(node.child_by_field_name("field")), node)
        if kind == "index_expression":
            owner = self.expr(node.child_by_field_name("operand"))
            index = node.child_by_field_name("index")
            self.expr(index)
            literal = index is not None and index.type == "interpreted_string_literal"
            return self.member(owner, text_of(index).strip('"') if literal else "[]", node)
        if kind == "call_expression":
            return self.call(node)
        if kind == "composite_literal":
            return self.composite(node)
        if kind in ("func_literal", "interpreted_string_literal", "raw_string_literal"):
            return None
        if kind in ("int_literal", "float_literal", "true", "false", "nil"):
            return None
        return self.merge(node, [self.expr(child) for child in node.named_children])

    def composite(self, node: Node) -> Value:
        """A composite literal: its elements merged; a response's fields checked by name."""
        body = node.child_by_field_name("body")
        fields: dict[str, tuple[Node, Value]] = {}
        values: list[Value] = []
        for element in [] if body is None else body.named_children:
            if element.type != "keyed_element":
                values.append(self.expr(element))
                continue
            key = inner(element.child_by_field_name("key"))
            value_node = inner(element.child_by_field_name("value"))
            value = self.expr(value_node)
            values.append(value)
            if key is not None and value_node is not None:
                fields[text_of(key)] = (value_node, value)
        go_sinks.check_response(self, node, fields)
        return self.merge(node, values)

    def member(self, owner: Value, key: str, node: Node) -> Value:
        """Reading field or key `key` of a value."""
        if isinstance(owner, EventRef):
            for name in _json_keys(key):
                found = reach(self.analysis.sources, (*owner.path, name))
                if found is not None:
                    return self.source(found, node) if isinstance(found, SourceField) else found
            return None
        if isinstance(owner, Taint):
            return owner.shaped("json" if owner.shape == "json" else "text")
        return None

    def source(self, found: SourceField, node: Node) -> Taint:
        """A new taint for an attacker field read at `node`."""
        step = self.step(node, f"{self.file.text(node)}  ← {found.label} ({found.trigger})")
        exact = found.path in ((), *(f.path for f in self.analysis.sources.fields))
        return Taint(found.label, found.trigger, (step,), shape=found.shape, exact=exact)

    def merge(self, node: Node, values: list[Value]) -> Value:
        """Values combined; an event part handed over whole becomes input."""
        result: Value = None
        for value in values:
            if isinstance(value, EventRef):
                field = contained(self.analysis.sources, value)
                value = self.source(field, node) if field is not None else None
            result = merge(result, value)
        return result

    def step(self, node: Node, text: str) -> FlowStep:
        """A flow step at `node`."""
        line, column, _, _ = self.file.position(node)
        return FlowStep(self.file.display, line, column, text[:160])

    def qualname(self, node: Node) -> str:
        """`os/exec.Command` for `exec.Command` (the import path and the name)."""
        if node.type == "selector_expression":
            operand = node.child_by_field_name("operand")
            field = text_of(node.child_by_field_name("field"))
            if operand.type == "identifier" and text_of(operand) in self.file.imports:
                return f"{self.file.imports[text_of(operand)]}.{field}"
        return text_of(node) if node.type == "identifier" else ""

    def call(self, node: Node) -> Value:
        """Evaluate a call, check it, and return what it returns."""
        function = node.child_by_field_name("function")
        receiver: Value = None
        method = ""
        if function is not None and function.type == "selector_expression":
            method = text_of(function.child_by_field_name("field"))
            operand = function.child_by_field_name("operand")
            if not (operand.type == "identifier" and text_of(operand) in self.file.imports):
                receiver = self.expr(operand)
        arguments = node.child_by_field_name("arguments")
        nodes = [] if arguments is None else list(arguments.named_children)
        values = [self.expr(argument) for argument in nodes]
        qual = self.qualname(function) if function is not None else ""
        call = go_sinks.GoCall(node, qual, method, receiver, nodes, values)
        go_sinks.check(self, call)
        return self.result(call)

    def result(self, call: go_sinks.GoCall) -> Value:
        """What a call returns: cleaned, sanitised, propagated, or a local function's value."""
        qual, values = call.qual, call.values
        if qual in _CLEAN:
            return None
        if qual in _PATH_SAFE or qual in _HTML_SAFE:
            value = self.merge(call.node, values)
            safe = frozenset({"path" if qual in _PATH_SAFE else "html"})
            return value.safe_for(safe) if isinstance(value, Taint) else value
        if qual == "encoding/json.Unmarshal" and len(call.nodes) == 2:
            target = call.nodes[1]
            if target.type == "unary_expression" and target.named_children:
                target = target.named_children[0]
            value = self.merge(call.node, values[:1])
            if target.type == "identifier" and isinstance(value, Taint):
                self.env[text_of(target)] = value.shaped("json")
            return None
        callees = self.analysis.callees(call)
        if callees:
            returned: Value = call.receiver if isinstance(call.receiver, Taint) else None
            for file, function in callees:
                value = self.analysis.invoke(file, function, values, self.depth + 1)
                returned = merge(returned, value)
            return returned
        if qual.startswith(_PROPAGATING_PACKAGES) or qual in ("string", "[]byte"):
            return self.merge(call.node, values)
        if isinstance(call.receiver, Taint):
            return call.receiver
        return self.merge(call.node, values) if not qual and not call.method else None


def _json_keys(field: str) -> tuple[str, ...]:
    """The JSON keys a Go field of an `events` type may decode (special, camel, as is)."""
    camel = field[:1].lower() + field[1:]
    return tuple(dict.fromkeys((_FIELDS.get(field, camel), camel, field)))
