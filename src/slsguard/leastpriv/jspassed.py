"""SDK clients handed to functions and constructors in JavaScript/TypeScript.

`archive(s3, key)` calling `function archive(storage, key) { storage.putObject(...) }`, or
`new Repo(new AWS.DynamoDB.DocumentClient())` with `constructor(docs) { this.docs = docs }`
and `this.docs.get(...)` in a method: the client an argument holds is bound to the callee's
parameter, and in a constructor to the `this.` fields assigned from it (TypeScript parameter
properties too). Bindings are scoped (the function for a parameter, the class for a field), so
another function's parameter of the same name is left alone.

Callees are found by name: functions and classes of the same module, and those imported
from local modules (`require("./repo")`, `import { Repo } from "./repo"`). A method call on an
object (`repo.save(client)`, `helpers.tools.notify(sqs)`) binds the client in every method of
that name of the package, in classes and object literals: the object's class is not tracked,
so the analysis errs towards more. Only the calls the handler reaches pass clients: another
handler may hand the same helper another client.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from slsguard.code.javascript_modules import JsModule, JsModules, Node, text_of

Scope = tuple[int, int, str]
"""(id of the module, id of the function or class node, the bound name)."""

Evaluate = Callable[[Node, JsModule], object]
"""What an argument holds (`JavaScriptCalls.eval`)."""

_FUNCTION_TYPES = frozenset(
    {"function_declaration", "function_expression", "function", "arrow_function"}
)
_PARAMETER_NAMES = ("pattern", "left", "name")
"""Where a parameter node keeps its name: TypeScript `required_parameter`/`optional_parameter`
(`pattern`), a default value (`left`)."""


def passed_clients(
    modules: JsModules,
    seen: list[JsModule],
    evaluate: Evaluate,
    is_client: Callable[[object], bool],
    reaches: Callable[[JsModule, Node], bool] = lambda module, node: True,
) -> dict[Scope, object]:
    """The clients bound to callee parameters and `this.` fields by the calls of `seen` that
    `reaches` keeps.

    Two rounds, so that a parameter passed on to another function is followed once."""
    scoped: dict[Scope, object] = {}
    methods = _methods(seen)
    for _ in range(2):
        for module in seen:
            for node in _calls(module.root):
                if not reaches(module, node):
                    continue
                for index, value in _client_arguments(node, module, evaluate, is_client):
                    for callee in _callees(node, module, modules, methods):
                        _bind(scoped, callee, index, value)
    return scoped


def scoped_value(scoped: dict[Scope, object], module: JsModule, node: Node) -> object:
    """The client the name at `node` holds in an enclosing function or class, or None."""
    name = text_of(node)
    current: Node | None = node.parent
    while current is not None:
        found = scoped.get((id(module), current.id, name))
        if found is not None:
            return found
        current = current.parent
    return None


def _calls(root: Node) -> Iterator[Node]:
    stack = [root]
    while stack:
        node = stack.pop()
        if node.type in ("call_expression", "new_expression"):
            yield node
        stack.extend(node.named_children)


def _client_arguments(
    node: Node, module: JsModule, evaluate: Evaluate, is_client: Callable[[object], bool]
) -> Iterator[tuple[int, object]]:
    arguments = node.child_by_field_name("arguments")
    for index, arg in enumerate(arguments.named_children if arguments is not None else []):
        value = evaluate(arg, module)
        if is_client(value):
            yield index, value


Methods = dict[str, list[tuple[JsModule, Node]]]
"""Method name → each function of that name in a class or an object literal of the package."""


def _methods(seen: list[JsModule]) -> Methods:
    found: Methods = {}
    for module in seen:
        stack = [module.root]
        while stack:
            node = stack.pop()
            stack.extend(node.named_children)
            method = _method(node)
            if method is not None:
                found.setdefault(method[0], []).append((module, method[1]))
    return found


def _method(node: Node) -> tuple[str, Node] | None:
    """(name, function) of a method definition (`save(client) {}`) or of an object's
    function-valued property (`save: (client) => {}`)."""
    if node.type == "method_definition":
        function: Node | None = node
        key = node.child_by_field_name("name")
    elif node.type == "pair":
        function, key = node.child_by_field_name("value"), node.child_by_field_name("key")
        if function is not None and function.type not in _FUNCTION_TYPES:
            return None
    else:
        return None
    return (text_of(key), function) if function is not None and key is not None else None


def _callees(
    node: Node, module: JsModule, modules: JsModules, methods: Methods
) -> list[tuple[JsModule, Node]]:
    """The function or class declarations a call or `new` may run, in local modules."""
    field = "constructor" if node.type == "new_expression" else "function"
    target = node.child_by_field_name(field)
    if target is None:
        return []
    if target.type == "identifier":
        found = _declared(module, text_of(target), modules, depth=0)
        return [found] if found is not None else []
    if target.type != "member_expression":
        return []
    obj, prop = target.child_by_field_name("object"), target.child_by_field_name("property")
    if obj is None or prop is None:
        return []
    spec = module.imports.get(text_of(obj))
    imported = modules.resolve(spec, module) if spec and spec.startswith(".") else None
    if imported is not None:  # `repo.save(...)` with `repo` a local module
        found = _declared(imported, text_of(prop), modules, depth=1)
        if found is not None:
            return [found]
    return methods.get(text_of(prop), [])  # a method of an object whose class is not tracked


def _declared(
    module: JsModule, name: str, modules: JsModules, depth: int
) -> tuple[JsModule, Node] | None:
    if name in module.classes:
        return module, module.classes[name]
    found = module.functions.get(name)
    if found is not None and found.type in _FUNCTION_TYPES:
        return module, found
    if found is not None and found.type == "identifier" and depth < 4:  # an exported alias
        return _declared(module, text_of(found), modules, depth + 1)
    spec = module.imports.get(name)
    if spec is None or not spec.startswith(".") or depth >= 4:
        return None
    owner, _, member = spec.rpartition(".")
    imported = modules.resolve(owner, module) if owner.startswith(".") else None
    return _declared(imported, member, modules, depth + 1) if imported is not None else None


def _bind(
    scoped: dict[Scope, object], callee: tuple[JsModule, Node], index: int, value: object
) -> None:
    module, declaration = callee
    function = _constructor(declaration) if "class" in declaration.type else declaration
    if function is None:
        return
    parameters = _parameters(function)
    if index >= len(parameters):
        return
    parameter, name = parameters[index]
    if not name:
        return
    scoped[(id(module), function.id, name)] = value
    if function is declaration:
        return
    if any(child.type == "accessibility_modifier" for child in parameter.children):
        scoped[(id(module), declaration.id, f"this.{name}")] = value  # `constructor(private db)`
    for left, right in _assignments(function):
        if text_of(right) == name and text_of(left).startswith("this."):
            scoped[(id(module), declaration.id, text_of(left))] = value


def _constructor(declaration: Node) -> Node | None:
    body = declaration.child_by_field_name("body")
    for member in body.named_children if body is not None else []:
        name = member.child_by_field_name("name")
        if member.type == "method_definition" and text_of(name) == "constructor":
            return member
    return None


def _parameters(function: Node) -> list[tuple[Node, str]]:
    """Each positional parameter and its name (an empty name for a destructured one)."""
    single = function.child_by_field_name("parameter")  # `client => ...`
    if single is not None:
        return [(single, text_of(single))]
    parameters = function.child_by_field_name("parameters")
    found: list[tuple[Node, str]] = []
    for parameter in parameters.named_children if parameters is not None else []:
        if parameter.type == "comment":
            continue
        name = parameter
        for field in _PARAMETER_NAMES:
            name = name.child_by_field_name(field) or name
        found.append((parameter, text_of(name) if name.type == "identifier" else ""))
    return found


def _assignments(function: Node) -> Iterator[tuple[Node, Node]]:
    body = function.child_by_field_name("body")
    stack = [body] if body is not None else []
    while stack:
        node = stack.pop()
        if node.type == "assignment_expression":
            left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
            if left is not None and right is not None:
                yield left, right
        stack.extend(node.named_children)
