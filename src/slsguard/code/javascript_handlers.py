"""Follow a JavaScript or TypeScript handler export to the function that receives the event.

Handlers are often not plain functions: `exports.handler = handler`, `export { handler }`,
`export const handler = middy(base).use(parser())`, `metricScope((m) => async (event) => ...)`,
`Sentry.AWSLambda.wrapHandler(fn)`, `api.run.bind(api)`, `export { handler } from "./impl"`.
They are followed in this order:

- a function, an arrow or a class method is the handler;
- a name is followed to its definition, in the module or in a relative import;
- a call is a wrapper: a function among its arguments is what it wraps (a function whose body
  is or returns another function, as in `metricScope(m => async (event) => ...)`, wraps the
  one it returns); a chained call (`middy(base).use(x)`) is followed through its object;
  `f.bind(x)` is `f`; a call of a local function without function arguments is what that
  function returns;
- `object.method` is the method of a class, of `new Class()`, or a key of an object literal.

What cannot be followed says why (an SLS004 note), never silence.
"""

from __future__ import annotations

from dataclasses import dataclass

from slsguard.code.javascript_modules import JsModule, JsModules, Node, text_of

_FUNCTIONS = frozenset(
    {
        "arrow_function",
        "function_expression",
        "function",
        "function_declaration",
        "generator_function_declaration",
        "method_definition",
    }
)
_THROUGH = frozenset(
    {
        "parenthesized_expression",
        "as_expression",
        "satisfies_expression",
        "non_null_expression",
        "await_expression",
        "type_assertion",
    }
)
_MAX_STEPS = 12


@dataclass(frozen=True, slots=True)
class Followed:
    """The function that receives the event, and the module it is written in."""

    module: JsModule
    node: Node


@dataclass(frozen=True, slots=True)
class Unfollowed:
    """Why the handler cannot be followed, and where it stopped."""

    reason: str
    module: JsModule
    node: Node | None


def follow_handler(
    module: JsModule, name: str, modules: JsModules | None = None
) -> Followed | Unfollowed:
    """The function an exported handler name stands for, or why it cannot be followed."""
    return _Follower(modules).name(module, name, None, 0)


def function_node(module: JsModule, name: str) -> Node | None:
    """The function node of a handler name in the same module (None when not followed)."""
    found = follow_handler(module, name)
    return found.node if isinstance(found, Followed) and found.module is module else None


class _Follower:
    """One walk from an export to a function (bounded in steps)."""

    def __init__(self, modules: JsModules | None) -> None:
        self.modules = modules

    def name(
        self, module: JsModule, name: str, at: Node | None, depth: int
    ) -> Followed | Unfollowed:
        if depth > _MAX_STEPS:
            return Unfollowed("too many wrappers to follow", module, at)
        node = module.functions.get(name)
        if node is not None and node is not at:
            return self.node(module, node, depth + 1)
        if name in module.classes:
            return Unfollowed(f"`{name}` is a class, not a function", module, at)
        imported = module.imports.get(name)
        if imported is not None:
            return self.imported(module, imported, at, depth + 1)
        return Unfollowed(f"`{name}` is not defined or exported in {module.display}", module, at)

    def imported(
        self, module: JsModule, spec: str, at: Node | None, depth: int
    ) -> Followed | Unfollowed:
        if self.modules is None:
            return Unfollowed(f"it is defined in `{spec}`", module, at)
        whole = self.modules.resolve(spec, module)
        if whole is not None:
            return self.name(whole, "default", None, depth + 1)
        specifier, _, symbol = spec.rpartition(".")
        target = self.modules.resolve(specifier, module) if specifier else None
        if target is not None:
            return self.name(target, symbol, None, depth + 1)
        if not spec.startswith("."):
            package = specifier or spec
            return Unfollowed(f"it comes from the package `{package}`, not read", module, at)
        return Unfollowed(f"`{specifier}` is not a file under the code root", module, at)

    def node(self, module: JsModule, node: Node, depth: int) -> Followed | Unfollowed:
        kind = node.type
        if kind in _FUNCTIONS:
            return Followed(module, node)
        if kind in ("identifier", "shorthand_property_identifier"):
            return self.name(module, text_of(node), node, depth)
        if kind in _THROUGH and node.named_children:
            return self.node(module, node.named_children[0], depth + 1)
        if kind == "member_expression":
            return self.member(module, node, depth)
        if kind == "call_expression":
            return self.call(module, node, depth)
        return Unfollowed(f"`{_short(node)}` is not a function", module, node)

    def call(self, module: JsModule, node: Node, depth: int) -> Followed | Unfollowed:
        callee = node.child_by_field_name("function")
        arguments = node.child_by_field_name("arguments")
        args = [] if arguments is None else list(arguments.named_children)
        required = _required(node)
        if required is not None:
            return self.imported(module, required, node, depth + 1)
        owner = callee.child_by_field_name("object") if callee.type == "member_expression" else None
        if owner is not None and text_of(callee.child_by_field_name("property")) == "bind":
            return self.node(module, owner, depth + 1)
        for arg in args:  # the wrapped function, written in place
            if arg.type in _FUNCTIONS:
                return Followed(module, returned_function(arg) or arg)
        for arg in args:  # the wrapped function, by name
            if arg.type in ("identifier", "member_expression"):
                found = self.node(module, arg, depth + 1)
                if isinstance(found, Followed):
                    return found
        if owner is not None and owner.type == "call_expression":
            return self.node(module, owner, depth + 1)  # middy(base).use(...)
        target = self.node(module, callee, depth + 1)
        if isinstance(target, Followed):
            inner = returned_function(target.node)
            if inner is not None:
                return Followed(target.module, inner)
            why = f"`{_short(callee)}(...)` returns no function slsguard can see"
            return Unfollowed(why, module, node)
        why = f"it is what `{_short(callee)}(...)` returns, and {target.reason}"
        return Unfollowed(why, module, node)

    def member(self, module: JsModule, node: Node, depth: int) -> Followed | Unfollowed:
        owner = node.child_by_field_name("object")
        prop = text_of(node.child_by_field_name("property"))
        required = _required(owner)
        if required is not None:
            return self.imported(module, f"{required}.{prop}", node, depth + 1)
        if owner.type == "identifier" and text_of(owner) in module.imports:
            spec = module.imports[text_of(owner)]
            return self.imported(module, f"{spec}.{prop}", node, depth + 1)
        target = self.definition(module, owner)
        if target is not None and target.type in ("class_declaration", "class"):
            method = _method(target, prop)
            if method is not None:
                return Followed(module, method)
        if target is not None and target.type == "object":
            for item in target.named_children:
                if item.type == "pair" and text_of(item.child_by_field_name("key")) == prop:
                    return self.node(module, item.child_by_field_name("value"), depth + 1)
                if item.type == "method_definition" and _named(item, prop):
                    return Followed(module, item)
        return Unfollowed(f"`{_short(node)}` is not a method slsguard can find", module, node)

    def definition(self, module: JsModule, node: Node) -> Node | None:
        """The class or object literal an expression names (`Api`, `api`, `new Api()`)."""
        if node.type == "new_expression":
            node = node.child_by_field_name("constructor")
        if node.type != "identifier":
            return node if node.type in ("class", "object") else None
        name = text_of(node)
        if name in module.classes:
            return module.classes[name]
        value = module.functions.get(name)
        return None if value is None or value is node else self.definition(module, value)


def returned_function(function: Node) -> Node | None:
    """The function a function returns (`m => async (event) => ...`), if it visibly does."""
    body = function.child_by_field_name("body")
    if body is None:
        return None
    if body.type in _FUNCTIONS:
        return body
    if body.type == "parenthesized_expression" and body.named_children:
        inner = body.named_children[0]
        return inner if inner.type in _FUNCTIONS else None
    for statement in body.named_children:
        if statement.type == "return_statement" and statement.named_children:
            value = statement.named_children[0]
            if value.type in _FUNCTIONS:
                return value
    return None


def _method(cls: Node, name: str) -> Node | None:
    body = cls.child_by_field_name("body")
    for member in [] if body is None else body.named_children:
        if member.type == "method_definition" and _named(member, name):
            return member
        if member.type in ("field_definition", "public_field_definition"):
            key = member.child_by_field_name("property") or member.child_by_field_name("name")
            value = member.child_by_field_name("value")
            if text_of(key) == name and value is not None and value.type in _FUNCTIONS:
                return value
    return None


def _named(node: Node, name: str) -> bool:
    return text_of(node.child_by_field_name("name")) == name


def _required(node: Node) -> str | None:
    """The specifier of `require("./x")`, when `node` is that call."""
    if node.type != "call_expression" or text_of(node.child_by_field_name("function")) != "require":
        return None
    arguments = node.child_by_field_name("arguments")
    first = arguments.named_children[0] if arguments and arguments.named_children else None
    return text_of(first).strip("'\"`") if first is not None and first.type == "string" else None


def _short(node: Node) -> str:
    text = " ".join(text_of(node).split())
    return text if len(text) <= 40 else text[:37] + "..."
