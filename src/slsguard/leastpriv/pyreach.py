"""Which code of a Python package one handler can run: its entry function, what that
function refers to (local functions, classes and their methods, functions of imported local
modules, callbacks passed as arguments), transitively, plus every imported module's top
level (it runs on import).

Code is grouped by *owner*: a top-level function (`save`), a method (`Repo.save`) or a
module's top level (`<module>`); nested functions belong to their enclosing owner. The
analysis errs towards reaching more: an attribute call `x.save()` reaches every method
named `save` of the package, a referenced class reaches all its methods, and a decorated
function is reachable (a framework may register and call it).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from slsguard.code.python_modules import FunctionNode, Module, Modules

TOP = "<module>"

Owner = tuple[int, str]
"""(id of the module, owner name)."""


def owners(module: Module) -> Iterator[tuple[str, ast.AST]]:
    """Each owner of a module and its node (the module itself for `<module>`)."""
    yield TOP, module.tree
    for node in module.tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            yield node.name, node
        elif isinstance(node, ast.ClassDef):
            for item in node.body:
                if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef):
                    yield f"{node.name}.{item.name}", item


def owned_nodes(root: ast.AST, owner: str) -> Iterator[ast.AST]:
    """The nodes of an owner: its body with nested functions, without other owners."""
    stack = list(ast.iter_child_nodes(root))
    while stack:
        node = stack.pop()
        if owner == TOP and _is_owner(node):
            decorators = getattr(node, "decorator_list", [])
            stack.extend(decorators)  # decorators run on import
            if isinstance(node, ast.ClassDef):
                stack.extend(n for n in node.body if not _is_owner(n))
            continue
        yield node
        stack.extend(ast.iter_child_nodes(node))


def _is_owner(node: ast.AST) -> bool:
    return isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)


class Reachability:
    """The owners reachable from one entry function across the modules of a package."""

    def __init__(self, modules: Modules, seen: list[Module]) -> None:
        self.modules = modules
        self.seen = seen
        self._names: dict[int, dict[int, str]] = {}
        self._roots: dict[Owner, ast.AST] = {}
        self._methods: dict[str, list[Owner]] = {}
        self._classes: dict[tuple[int, str], list[Owner]] = {}
        self._refers: dict[Owner, list[Owner]] = {}
        self._always: frozenset[Owner] | None = None
        self._by_id = {id(m): m for m in seen}
        for module in seen:
            for name, node in owners(module):
                self._roots[(id(module), name)] = node
                cls, dot, method = name.partition(".")
                if dot:
                    self._methods.setdefault(method, []).append((id(module), name))
                    self._classes.setdefault((id(module), cls), []).append((id(module), name))

    def always(self) -> frozenset[Owner]:
        """The owners every entry reaches: each module's top level, its decorated functions
        and what they refer to. Computed once, so that the many functions of one handler
        module share it (N entries cost N walks of their own code, not N of the module)."""
        if self._always is None:
            start = {(id(m), TOP) for m in self.seen}
            start |= {(id(m), name) for m in self.seen for name in self._decorated(m)}
            self._always = frozenset(self._closure(start, frozenset()))
        return self._always

    def beyond(self, module: Module, entry: FunctionNode) -> set[Owner]:
        """The owners the entry function reaches that are not in `always()`."""
        return self._closure({(id(module), self._name_of(module, entry))}, self.always())

    def _closure(self, start: set[Owner], known: frozenset[Owner]) -> set[Owner]:
        """The owners reachable from `start`, stopping at those already `known` (closed)."""
        done: set[Owner] = set()
        todo = list(start)
        while todo:
            current = todo.pop()
            module = self._by_id.get(current[0])
            if current in done or current in known or module is None:
                continue
            done.add(current)
            todo.extend(self._refers_to(module, current[1]))
        return done

    def _name_of(self, module: Module, node: FunctionNode) -> str:
        names = self._names.get(id(module))
        if names is None:
            names = {id(n): name for name, n in owners(module)}
            self._names[id(module)] = names
        return names.get(id(node), node.name)

    def _decorated(self, module: Module) -> Iterator[str]:
        for name, node in owners(module):
            if getattr(node, "decorator_list", None):
                yield name

    def _refers_to(self, module: Module, owner: str) -> list[Owner]:
        """The owners `owner` refers to (read once per owner)."""
        key = (id(module), owner)
        found = self._refers.get(key)
        if found is None:
            found = self._refers[key] = list(self._referred(module, owner))
        return found

    def _referred(self, module: Module, owner: str) -> Iterator[Owner]:
        root = self._roots.get((id(module), owner))
        if root is None:
            return
        for node in owned_nodes(root, owner):
            if isinstance(node, ast.Name):
                yield from self._named(module, node.id)
            elif isinstance(node, ast.Attribute):
                yield from self._attribute(module, node)

    def _named(self, module: Module, name: str) -> Iterator[Owner]:
        yield from self._member(module, name)
        qualified = module.imports.get(name)
        if qualified is None:
            return
        owner, _, member = qualified.rpartition(".")
        found = self.modules.resolve(owner, module) if owner else None
        if found is not None:
            yield from self._member(found, member)

    def _member(self, module: Module, name: str) -> Iterator[Owner]:
        node = module.functions.get(name)
        if node is not None:
            yield id(module), self._name_of(module, node)
        yield from self._classes.get((id(module), name), ())  # a class: all its methods

    def _attribute(self, module: Module, node: ast.Attribute) -> Iterator[Owner]:
        if isinstance(node.value, ast.Name):
            qualified = module.imports.get(node.value.id)
            imported = self.modules.resolve(qualified, module) if qualified else None
            if imported is not None:
                yield from self._member(imported, node.attr)
        yield from self._methods.get(node.attr, ())  # `x.save()`: any method of that name
