"""Taint tracking in JavaScript and TypeScript handlers (tree-sitter grammars from PyPI).

The same model as the Python analyser: from the handler's event parameter, accesses reach
attacker fields per trigger (`events.reach`), and data flows through declarations and
destructuring, template strings, `+`, containers, `JSON.parse`, returns and calls into
functions of the same code; `javascript_sinks` checks the calls.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from slsguard.code import javascript_sinks
from slsguard.code.events import contained, reach
from slsguard.code.javascript_access import check_access
from slsguard.code.javascript_checks import check_module
from slsguard.code.javascript_handlers import Followed, follow_handler, function_node
from slsguard.code.javascript_identity import check_identity
from slsguard.code.javascript_modules import JsModule, JsModules, Node, text_of
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
_CLEAN = frozenset(
    {"parseInt", "parseFloat", "Number", "Boolean", "Math.floor", "encodeURIComponent"}
)
_PATH_SAFE = frozenset({"path.basename", "node:path.basename"})
_HTML_SAFE = frozenset(
    {
        *("escape-html", "he.encode", "he.escape", "lodash.escape", "lodash.escape.default"),
        *("validator.escape", "xss", "sanitize-html", "dompurify.sanitize", "html-escaper.escape"),
    }
)
# Methods of strings, arrays and objects that hand their data on: a path through any other
# method of tainted data is followed, but the finding says it may be wrong.
_KNOWN_METHODS = frozenset(
    {
        *("trim", "trimStart", "trimEnd", "toLowerCase", "toUpperCase", "toLocaleLowerCase"),
        *("toLocaleUpperCase", "split", "slice", "substring", "substr", "concat", "replace"),
        *("replaceAll", "padStart", "padEnd", "toString", "valueOf", "normalize", "map"),
        *("filter", "join", "at", "charAt", "repeat", "flat", "find", "shift", "pop", "get"),
    }
)
_PROPAGATE = frozenset(
    {
        "String",
        "JSON.stringify",
        "decodeURIComponent",
        "Buffer.from",
        "path.join",
        "path.resolve",
        "node:path.join",
        "url.resolve",
        "Promise.resolve",
    }
)
_FIXED_HOST = javascript_sinks.FIXED_HOST
_PER_ELEMENT = frozenset({"map", "flatMap", "forEach", "filter", "find", "some", "every"})
_CALLBACK_RESULT = frozenset({"map", "flatMap", "then"})


@dataclass(frozen=True, slots=True)
class Result:
    """The hits and notes of one JavaScript or TypeScript handler."""

    hits: tuple[Hit, ...] = ()
    notes: tuple[CodeNote, ...] = ()


def analyse(
    source: HandlerSource, sources: Sources, modules: JsModules, module: JsModule | None
) -> Result:
    """The taint paths of one handler (`module`, its parsed file) through every local module
    it reaches. The modules are those of its code root, shared by the handlers there; their
    parse failures and file-level checks (`handler_checks`, `reached_checks`) are the
    caller's to report, once per module."""
    analysis = JsAnalysis(sources, modules, source.function)
    notes: list[CodeNote] = []
    if module is not None:
        found = follow_handler(module, source.symbol, modules)
        if isinstance(found, Followed):
            analysis.invoke(found.module, found.node, [EventRef(())], 0, source.symbol)
        else:
            line, column = found.module.position(found.node)[:2] if found.node else (1, 1)
            origin = Origin(found.module.display, (), line, column)
            message = (
                f"the handler `{source.symbol}` of {source.function} in {source.display} "
                f"cannot be followed: {found.reason}; its code is not analysed"
            )
            fix = "export the handler as a function slsguard can follow, or review it otherwise"
            notes.append(CodeNote("SLS004", origin, message, fix, source.function))
    return Result(tuple(analysis.hits), tuple(notes))


def handler_checks(module: JsModule, function: str) -> Iterator[Hit]:
    """The file-level checks of a handler's own module: secrets, keys, ACLs, the error
    details it returns and the identity it trusts."""
    yield from check_module(module, function)
    yield from check_access(module, function, True)
    yield from check_identity(module, function)


def reached_checks(module: JsModule, function: str) -> Iterator[Hit]:
    """The file-level checks of a module a handler reaches: secrets, keys and ACLs."""
    yield from check_module(module, function)
    yield from check_access(module, function, False)


class JsAnalysis:
    """One handler's analysis across the functions it calls."""

    def __init__(self, sources: Sources, modules: JsModules, function: str) -> None:
        self.sources = sources
        self.modules = modules
        self.function = function
        self.hits: list[Hit] = []
        self.memo: dict[tuple[int, tuple[Value, ...]], Value] = {}
        self.active: set[int] = set()

    def invoke(
        self, module: JsModule, node: Node, values: list[Value], depth: int, name: str
    ) -> Value:
        """Analyse a function with these argument values; what it returns."""
        key = (node.id, tuple(values))
        if key in self.memo:
            return self.memo[key]
        if depth > MAX_DEPTH or node.id in self.active:
            return None
        self.active.add(node.id)
        frame = JsFrame(self, module, node, depth, name)
        params = node.child_by_field_name("parameters") or node.child_by_field_name("parameter")
        items = (
            []
            if params is None
            else (params.named_children if params.type == "formal_parameters" else [params])
        )
        for index, param in enumerate(items):
            frame.bind(param, values[index] if index < len(values) else None, param)
        body = node.child_by_field_name("body")
        if body is not None and body.type == "statement_block":
            frame.block(body)
        elif body is not None:
            frame.returned = frame.expr(body)
        self.active.discard(node.id)
        self.memo[key] = frame.returned
        return frame.returned


class JsFrame:
    """The variables of one function while its body is walked."""

    def __init__(
        self, analysis: JsAnalysis, module: JsModule, node: Node, depth: int, name: str
    ) -> None:
        self.analysis = analysis
        self.module = module
        self.symbol = name
        self.depth = depth
        self.env: dict[str, Value] = {}
        self.returned: Value = None

    def block(self, node: Node) -> None:
        """Walk the statements under `node` in order."""
        for child in node.named_children:
            self.statement(child)

    def statement(self, node: Node) -> None:
        """One statement."""
        kind = node.type
        if kind in ("lexical_declaration", "variable_declaration"):
            for declarator in node.named_children:
                value = self.expr(declarator.child_by_field_name("value"))
                name = declarator.child_by_field_name("name")
                if name is not None:
                    self.bind(name, value, declarator)
        elif kind == "return_statement":
            for child in node.named_children:
                self.returned = merge(self.returned, self.expr(child))
        elif kind in ("for_in_statement", "for_of_statement"):
            value = self.expr(node.child_by_field_name("right"))
            element = EventRef((*value.path, "[]")) if isinstance(value, EventRef) else value
            left = node.child_by_field_name("left")
            if left is not None:
                self.bind(left, element, node)
            self.statement(node.child_by_field_name("body"))
        elif kind == "expression_statement":
            for child in node.named_children:
                self.expr(child)
        elif kind in ("function_declaration", "class_declaration", "comment"):
            return
        else:
            for child in node.named_children:
                if child.type.endswith(("statement", "block", "clause", "declaration", "case")):
                    self.statement(child)
                elif child.type.endswith(("expression", "_expression")):
                    self.expr(child)

    def bind(self, target: Node, value: Value, node: Node) -> None:
        """Assign a value to an identifier or a destructuring pattern."""
        if isinstance(value, Taint):
            step = self.step(node, self.module.text(node))
            last = value.steps[-1] if value.steps else None
            if last is None or (last.file, last.line) != (step.file, step.line):
                value = value.step(step)
        kind = target.type
        if kind in ("identifier", "shorthand_property_identifier_pattern"):
            self.env[text_of(target)] = value
        elif kind in ("required_parameter", "optional_parameter", "assignment_pattern"):
            inner = target.child_by_field_name("pattern") or target.child_by_field_name("left")
            if inner is not None:
                self.bind(inner, value, node)
        elif kind == "object_pattern":
            for item in target.named_children:
                key = item.child_by_field_name("key") if item.type == "pair_pattern" else item
                local = item.child_by_field_name("value") if item.type == "pair_pattern" else item
                self.bind(local, self.member(value, text_of(key), item), node)
        elif kind == "array_pattern":
            for item in target.named_children:
                self.bind(item, self.member(value, "[]", item), node)

    def expr(self, node: Node | None) -> Value:
        """The taint of an expression, checking each call against the sinks."""
        if node is None:
            return None
        kind = node.type
        if kind == "identifier":
            return self.env.get(text_of(node))
        if kind in ("member_expression", "subscript_expression"):
            return self._member_expression(node)
        if kind in ("call_expression", "new_expression"):
            return self.call(node)
        if kind == "template_string":
            substitutions = [
                c
                for c in node.named_children
                if c.type == "template_substitution" and c.named_children
            ]
            values = [self.expr(c.named_children[0]) for c in substitutions]
            value = self._fixed(self.merge(node, values), text_of(node)[1:])
            if isinstance(value, Taint) and _configured_template(node, substitutions, values):
                return value.safe_for(frozenset({"ssrf"}))
            return value
        if kind == "binary_expression":
            operands = _concatenated(node)
            values = [self.expr(operand) for operand in operands]
            first = operands[0]
            value = self._fixed(
                self.merge(node, values),
                text_of(first).strip("'\"") if first.type == "string" else "",
            )
            if isinstance(value, Taint) and _configured_sum(operands, values):
                return value.safe_for(frozenset({"ssrf"}))
            return value
        if kind == "assignment_expression":
            value = self.expr(node.child_by_field_name("right"))
            left = node.child_by_field_name("left")
            if left.type == "identifier":
                self.bind(left, value, node)
            return value
        if kind in ("arrow_function", "function_expression", "string", "number", "regex"):
            return None
        if kind == "object":
            return self._object(node)
        return self.merge(
            node,
            [
                self.expr(child)
                for child in node.named_children
                if child.type not in ("type_annotation", "property_identifier")
            ],
        )

    def _object(self, node: Node) -> Value:
        """An object literal: its values merged; a response's fields checked by name."""
        fields: dict[str, tuple[Node, Value]] = {}
        values: list[Value] = []
        for child in node.named_children:
            if child.type == "pair":
                key, item = child.child_by_field_name("key"), child.child_by_field_name("value")
                value = self.expr(item)
                fields[text_of(key).strip("'\"`").lower()] = (item, value)
            elif child.type == "shorthand_property_identifier":
                value = self.env.get(text_of(child))
                fields[text_of(child).lower()] = (child, value)
            else:
                value = self.expr(child)
            values.append(value)
        javascript_sinks.check_object(self, fields)
        return self.merge(node, values)

    def _fixed(self, value: Value, prefix: str) -> Value:
        if isinstance(value, Taint) and _FIXED_HOST.match(prefix):
            return value.safe_for(frozenset({"ssrf"}))
        return value

    def _member_expression(self, node: Node) -> Value:
        owner = self.expr(node.child_by_field_name("object"))
        if node.type == "member_expression":
            key = text_of(node.child_by_field_name("property"))
        else:
            index = node.child_by_field_name("index")
            self.expr(index)
            key = (
                text_of(index).strip("'\"`")
                if index is not None and index.type == "string"
                else "[]"
            )
        return self.member(owner, key, node)

    def member(self, owner: Value, key: str, node: Node) -> Value:
        """Reading `key` from a value."""
        if isinstance(owner, EventRef):
            found = reach(self.analysis.sources, (*owner.path, key))
            return self.source(found, node) if isinstance(found, SourceField) else found
        if isinstance(owner, Taint):
            return owner.shaped("json" if owner.shape == "json" else "text")
        return None

    def source(self, found: SourceField, node: Node) -> Taint:
        """A new taint for an attacker field read at `node`."""
        step = self.step(node, f"{self.module.text(node)}  ← {found.label} ({found.trigger})")
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
        line, column, _, _ = self.module.position(node)
        return FlowStep(self.module.display, line, column, text[:160])

    def qualname(self, node: Node) -> str:
        """`child_process.exec` for `cp.exec` after `const cp = require("child_process")`."""
        if node.type == "identifier":
            name = text_of(node)
            return self.module.imports.get(name, name)
        if node.type == "member_expression":
            base = self.qualname(node.child_by_field_name("object"))
            return f"{base}.{text_of(node.child_by_field_name('property'))}" if base else ""
        return ""

    def call(self, node: Node) -> Value:
        """Evaluate a call, check it, and return what it returns."""
        func = node.child_by_field_name("function") or node.child_by_field_name("constructor")
        receiver = None
        if func is not None and func.type == "member_expression":
            receiver = self.expr(func.child_by_field_name("object"))
        elif func is not None and func.type != "identifier":
            self.expr(func)  # `new Function(code)()`, `(await import("x")).run(...)`
        arguments = node.child_by_field_name("arguments")
        nodes = (
            []
            if arguments is None
            else [a for a in arguments.named_children if a.type != "comment"]
        )
        values = [self.expr(a) for a in nodes]
        qual = self.qualname(func) if func is not None else ""
        method = (
            text_of(func.child_by_field_name("property"))
            if func is not None and func.type == "member_expression"
            else ""
        )
        call = javascript_sinks.JsCall(node, qual, method, receiver, nodes, values)
        javascript_sinks.check(self, call)
        returned = self._callbacks(call)
        return merge(self._result(call, func), returned)

    def _callbacks(self, call: javascript_sinks.JsCall) -> Value:
        """Walk the inline callbacks of `.map`/`.forEach`/`.then`; what `.map`/`.then` give."""
        if call.method not in _PER_ELEMENT and call.method != "then":
            return None
        item = call.receiver
        if call.method in _PER_ELEMENT and isinstance(item, EventRef):
            item = EventRef((*item.path, "[]"))
        returned: Value = None
        for argument in call.nodes[:1]:
            if argument.type in ("arrow_function", "function_expression"):
                returned = merge(returned, self.closure(argument, item))
        return returned if call.method in _CALLBACK_RESULT else None

    def closure(self, node: Node, value: Value) -> Value:
        """Run an inline function with the variables in scope; its first parameter is `value`."""
        frame = JsFrame(self.analysis, self.module, node, self.depth, self.symbol)
        frame.env = dict(self.env)
        params = node.child_by_field_name("parameters") or node.child_by_field_name("parameter")
        items = (
            []
            if params is None
            else (params.named_children if params.type == "formal_parameters" else [params])
        )
        if items:
            frame.bind(items[0], value, items[0])
        body = node.child_by_field_name("body")
        if body is not None and body.type == "statement_block":
            frame.block(body)
        elif body is not None:
            frame.returned = frame.expr(body)
        return frame.returned

    def _result(self, call: javascript_sinks.JsCall, func: Node | None) -> Value:
        qual, values = call.qual, call.values
        if qual in _CLEAN or call.method in ("includes", "test", "length"):
            return None
        if qual in _PATH_SAFE or qual in _HTML_SAFE:
            value = self.merge(call.node, values)
            safe = frozenset({"path" if qual in _PATH_SAFE else "html"})
            return value.safe_for(safe) if isinstance(value, Taint) else value
        if qual == "JSON.parse":
            value = self.merge(call.node, values)
            return value.shaped("json") if isinstance(value, Taint) else value
        local = self._local(func)
        if local is not None:
            text = f"{self.module.text(call.node)}  → {local[1]} in {local[0].display}"
            passed = [
                v.step(self.step(call.node, text)) if isinstance(v, Taint) else v for v in values
            ]
            return self.analysis.invoke(local[0], local[2], passed, self.depth + 1, local[1])
        if qual in ("String", "JSON.stringify"):
            value = self.merge(call.node, values)
            return value.shaped("text") if isinstance(value, Taint) else value
        if qual in _PROPAGATE or isinstance(call.receiver, Taint):
            value = merge(
                call.receiver if isinstance(call.receiver, Taint) else None,
                self.merge(call.node, values),
            )
            if qual in _PROPAGATE or call.method in _KNOWN_METHODS or not isinstance(value, Taint):
                return value
            return value.doubted(
                f"the data passes through `.{call.method}()`, whose effect is not known"
            )
        if call.method in ("join", "concat", "replace", "format"):
            return self.merge(call.node, values)
        return None

    def _local(self, func: Node | None) -> tuple[JsModule, str, Node] | None:
        if func is None:
            return None
        module = self.module
        if func.type == "identifier":
            name = text_of(func)
            found = function_node(module, name)
            if found is not None:
                return module, name, found
            qual = module.imports.get(name, "")
        elif func.type == "member_expression":
            qual = self.qualname(func)
        else:
            return None
        owner, _, attr = qual.rpartition(".")
        target = self.analysis.modules.resolve(owner, module) if owner else None
        found = function_node(target, attr) if target is not None else None
        return (target, attr, found) if target is not None and found is not None else None


def _concatenated(node: Node) -> list[Node]:
    """The operands of a `+` chain (`BASE + "/items/" + id`), else the two operands."""
    left = node.child_by_field_name("left")
    right = node.child_by_field_name("right")
    operator = node.child_by_field_name("operator")
    if operator is None or text_of(operator) != "+":
        return [left, right]
    head = _concatenated(left) if left.type == "binary_expression" else [left]
    return [*head, right]


def _configured_sum(operands: list[Node], values: list[Value]) -> bool:
    """`BASE + "/items/" + id`: the host comes from configuration, the event adds a path."""
    if operands[0].type in ("string", "template_string") or values[0] is not None:
        return False
    for operand, value in zip(operands[1:], values[1:], strict=True):
        if "/" in _literal_start(operand):
            return True
        if value is not None:
            return False
    return False


def _literal_start(operand: Node) -> str:
    """The literal text an operand starts with: a string, or a template's text before its
    first substitution (`BASE + `/items/${id}`` separates host and event value with `/`)."""
    if operand.type == "string":
        return text_of(operand)
    if operand.type == "template_string":
        substitution = next(
            (c for c in operand.named_children if c.type == "template_substitution"), None
        )
        end = substitution.start_byte if substitution else operand.end_byte
        return operand.text[1 : end - operand.start_byte].decode() if operand.text else ""
    return ""


def _configured_template(node: Node, substitutions: list[Node], values: list[Value]) -> bool:
    """`${process.env.API_URL}/items/${id}`: configured host, a `/`, then the event's part."""
    raw = text_of(node).encode()
    start = node.start_byte + 1  # after the backtick
    if not substitutions or substitutions[0].start_byte != start or values[0] is not None:
        return False
    for previous, current, value in zip(substitutions, substitutions[1:], values[1:], strict=False):
        gap = raw[previous.end_byte - node.start_byte : current.start_byte - node.start_byte]
        if b"/" in gap:
            return True
        if value is not None:
            return False
    return False
