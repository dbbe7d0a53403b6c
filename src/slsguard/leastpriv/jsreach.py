"""Which code of a JavaScript/TypeScript package one handler can run: the function the
handler export stands for, what it refers to (functions and classes of its module, members
of imported local modules, callbacks passed as arguments), transitively, plus every module's
top level (it runs on import).

Code is grouped by *owner*: a function bound at the top level (`function save`, `const save =
() => ...`, `exports.save = ...`), a class method (`Repo.save`), or the module's top level
(`<module>`, which includes functions written inline in top-level calls such as route
registrations). Nested functions belong to their enclosing owner. The analysis errs towards
reaching more: `x.save()` reaches every method and exported function named `save`, a referenced
class reaches all its methods.
"""

from __future__ import annotations

from collections.abc import Iterator

from slsguard.code.javascript_modules import JsModule, JsModules, Node, text_of

TOP = "<module>"
ENTRY = "<entry>"
_FUNCTIONS = frozenset(
    {
        "arrow_function",
        "function_expression",
        "function",
        "function_declaration",
        "generator_function",
        "generator_function_declaration",
    }
)

Owner = tuple[int, str]
"""(id of the module, owner name)."""


def owners(module: JsModule) -> Iterator[tuple[str, Node]]:
    """Each function or method owner of a module and its node."""
    for name, node in module.functions.items():
        if node.type in _FUNCTIONS:
            yield name, node
    for name, node in module.classes.items():
        body = node.child_by_field_name("body")
        for member in body.named_children if body is not None else []:
            if member.type == "method_definition":
                yield f"{name}.{text_of(member.child_by_field_name('name'))}", member


class Reachability:
    """The owners reachable from one entry function across the modules of a package."""

    def __init__(self, modules: JsModules, seen: list[JsModule]) -> None:
        self.modules = modules
        self.seen = seen
        self.roots: dict[int, Owner] = {}
        """id of an owner's node → the owner."""
        self._nodes: dict[Owner, Node] = {}
        self._members: dict[str, list[Owner]] = {}
        self._classes: dict[tuple[int, str], list[Owner]] = {}
        for module in seen:
            for name, node in owners(module):
                owner = (id(module), name)
                self.roots.setdefault(node.id, owner)
                self._nodes[owner] = node
                cls, dot, member = name.rpartition(".")
                self._members.setdefault(member, []).append(owner)
                if dot:
                    self._classes.setdefault((id(module), cls), []).append(owner)

    def owner_of(self, module: JsModule, node: Node) -> Owner:
        """The owner of the code at `node`: the nearest enclosing owner function."""
        current: Node | None = node
        while current is not None:
            found = self.roots.get(current.id)
            if found is not None and found[0] == id(module):
                return found
            current = current.parent
        return id(module), TOP

    def from_entry(self, module: JsModule, entry: Node) -> set[Owner]:
        """Every owner the entry function reaches (itself and each module's top level)."""
        start = self.roots.get(entry.id)
        if start is None:  # an inline function (a wrapper's argument): an owner of its own
            start = (id(module), ENTRY)
            self.roots[entry.id] = start
            self._nodes[start] = entry
        by_id = {id(m): m for m in self.seen}
        done: set[Owner] = set()
        todo = [start, *((id(m), TOP) for m in self.seen)]
        while todo:
            current = todo.pop()
            if current in done or current[0] not in by_id:
                continue
            done.add(current)
            todo.extend(self._refers_to(by_id[current[0]], current))
        return done

    def _refers_to(self, module: JsModule, owner: Owner) -> Iterator[Owner]:
        root: Node = self._nodes.get(owner, module.root)
        stack: list[Node] = [root]
        while stack:
            node = stack.pop()
            if node is not root and self.roots.get(node.id, owner) != owner:
                continue  # another owner's code: reached only when referred to
            if _exported(node):
                continue  # `module.exports = {a, b}`, `exports.a = a`: a definition, not a use
            if node.type in ("identifier", "shorthand_property_identifier"):
                yield from self._named(module, text_of(node))
            elif node.type == "property_identifier" and not _defined_here(node):
                yield from self._members.get(text_of(node), ())
            elif node.type == "member_expression":
                yield from self._imported_member(module, node)
            stack.extend(node.named_children)

    def _named(self, module: JsModule, name: str) -> Iterator[Owner]:
        yield from self._member(module, name)
        spec = module.imports.get(name)
        if spec is None:
            return
        imported = self.modules.resolve(spec, module) if spec.startswith(".") else None
        if imported is not None:  # a default or namespace import used as a value
            yield from self._member(imported, "default")
            return
        owner, _, member = spec.rpartition(".")
        found = self.modules.resolve(owner, module) if owner.startswith(".") else None
        if found is not None:
            yield from self._named(found, member)

    def _member(self, module: JsModule, name: str, depth: int = 0) -> Iterator[Owner]:
        if (id(module), name) in self._nodes:
            yield id(module), name
        yield from self._classes.get((id(module), name), ())
        alias = module.functions.get(name)  # `module.exports = { read: readItem }`
        if alias is not None and alias.type == "identifier" and depth < 4:
            yield from self._member(module, text_of(alias), depth + 1)

    def _imported_member(self, module: JsModule, node: Node) -> Iterator[Owner]:
        obj = node.child_by_field_name("object")
        prop = node.child_by_field_name("property")
        spec = module.imports.get(text_of(obj)) if obj is not None else None
        if spec is None or prop is None or not spec.startswith("."):
            return
        imported = self.modules.resolve(spec, module)
        if imported is not None:
            yield from self._named(imported, text_of(prop))


def _defined_here(node: Node) -> bool:
    """Whether a property name is being defined (`exports.x = ...`, `{ x: ... }`), not used."""
    parent = node.parent
    if parent is None:
        return False
    if parent.type == "pair":
        return bool(parent.child_by_field_name("key") == node)
    grand = parent.parent
    return bool(
        parent.type == "member_expression"
        and grand is not None
        and grand.type == "assignment_expression"
        and grand.child_by_field_name("left") == parent
    )


def _exported(node: Node) -> bool:
    """Whether `node` is what an export names (`exports.a = a`, `module.exports = {a, b}`,
    `export { a }`): a definition, not a use."""
    if node.type in ("export_clause", "export_specifier"):
        return True
    parent = node.parent
    if node.type not in ("identifier", "object") or parent is None:
        return False
    if parent.type != "assignment_expression" or parent.child_by_field_name("right") != node:
        return False
    left = parent.child_by_field_name("left")
    target = text_of(left) if left is not None else ""
    return target in ("module.exports", "exports") or target.startswith(
        ("module.exports.", "exports.")
    )
