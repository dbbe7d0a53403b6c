"""Go packages parsed with the tree-sitter Go grammar (imported only when Go code is found).

A Lambda function in Go is a `main` package whose `main` calls `lambda.Start(handler)` (or
`StartWithOptions`, `StartHandler`, `StartWithContext`) from `github.com/aws/aws-lambda-go`.
A package is every `.go` file of one folder except tests; its functions and methods are
indexed by name, each file's imports by local name, so calls resolve inside the package.
Packages of the same Go module (the `module` line of the nearest `go.mod`) that the handler's
package imports, directly or through each other, are loaded too (`local_packages`): Go apps
often keep the handler in `handlers/` and hand `lambda.Start` a method value built in `main`.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from slsguard import files
from slsguard.code.python_modules import ParseFailure, read_module
from slsguard.discovery import display_name

Node = Any
"""A tree-sitter node (the binding ships no type information)."""
LAMBDA = "github.com/aws/aws-lambda-go/lambda"
EVENTS = "github.com/aws/aws-lambda-go/events"
_STARTS = {"Start": 0, "StartWithOptions": 0, "StartHandler": 0, "StartWithContext": 1}
MAX_PACKAGE_FILES = 200
MAX_LOCAL_PACKAGES = 40
"""Module packages loaded for one handler: a Lambda's code reaches a handful of them."""
MAX_GO_MOD_BYTES = 256 * 1024


@cache
def _parser() -> Any:
    import tree_sitter
    import tree_sitter_go

    return tree_sitter.Parser(tree_sitter.Language(tree_sitter_go.language()))


def text_of(node: Node) -> str:
    """The source text of a node."""
    return str(node.text.decode("utf-8", "replace")) if node is not None else ""


@dataclass
class GoFile:
    """One parsed file: its imports (local name → path) and source lines."""

    path: Path
    display: str
    root: Node
    lines: list[str]
    imports: dict[str, str] = field(default_factory=dict)

    def position(self, node: Node) -> tuple[int, int, int, int]:
        """(line, column, end line, end column), 1-based."""
        (row, column), (end_row, end_column) = node.start_point, node.end_point
        return row + 1, column + 1, end_row + 1, end_column + 1

    def text(self, node: Node) -> str:
        """The stripped source line a node starts on."""
        row = node.start_point[0]
        return self.lines[row].strip() if row < len(self.lines) else ""


@dataclass
class GoPackage:
    """The files of one folder, with every function and method by name."""

    directory: Path
    files: list[GoFile] = field(default_factory=list)
    functions: dict[str, tuple[GoFile, Node]] = field(default_factory=dict)
    methods: dict[str, tuple[GoFile, Node]] = field(default_factory=dict)
    ambiguous: set[str] = field(default_factory=set)
    """Method names defined on more than one type of the package."""
    failures: list[ParseFailure] = field(default_factory=list)


def has_go_entry(directory: Path) -> Path | None:
    """The file of `directory` that calls `lambda.Start` (a cheap text check, no parsing)."""
    try:
        files = sorted(directory.glob("*.go"))[:MAX_PACKAGE_FILES]
    except OSError:
        return None
    for path in files:
        if path.name.endswith("_test.go") or not path.is_file():
            continue
        try:
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        if "aws-lambda-go/lambda" in text and ".Start" in text:
            return path
    return None


def load_package(directory: Path, scan_root: Path, cwd: Path) -> GoPackage:
    """Parse the `.go` files of one folder (bounded; files outside the scan root are skipped)."""
    package = GoPackage(directory)
    paths = [p for p in sorted(directory.glob("*.go")) if not p.name.endswith("_test.go")]
    for path in paths[:MAX_PACKAGE_FILES]:
        shown = display_name(path.resolve(), cwd)
        text = read_module(path.resolve(), scan_root, shown)
        if isinstance(text, ParseFailure):
            package.failures.append(text)
        if not isinstance(text, str):
            continue
        tree = _parser().parse(text.encode("utf-8"))
        if tree.root_node.has_error:
            line, column = _first_error(tree.root_node)
            package.failures.append(ParseFailure(shown, line, column, "syntax error"))
            continue
        file = GoFile(path, shown, tree.root_node, text.splitlines())
        _index(package, file)
        package.files.append(file)
    return package


def _index(package: GoPackage, file: GoFile) -> None:
    for node in file.root.named_children:
        if node.type == "import_declaration":
            for spec in _descendants(node, "import_spec"):
                path = text_of(spec.child_by_field_name("path")).strip('"`')
                alias = spec.child_by_field_name("name")
                file.imports[text_of(alias) if alias is not None else _local_name(path)] = path
        elif node.type == "function_declaration":
            package.functions[text_of(node.child_by_field_name("name"))] = (file, node)
        elif node.type == "method_declaration":
            name = text_of(node.child_by_field_name("name"))
            if name in package.methods:
                package.ambiguous.add(name)
            package.methods[name] = (file, node)


def _local_name(path: str) -> str:
    parts = path.split("/")
    last = parts[-1]
    if len(parts) > 1 and last.startswith("v") and last[1:].isdigit():
        last = parts[-2]  # `.../v2` is imported under the name before it
    return last.replace("-", "_")


def module_of(directory: Path, scan_root: Path) -> tuple[str, Path] | None:
    """(module path, folder) of the nearest go.mod at or above `directory`, within the root."""
    for folder in (directory, *directory.parents):
        if not folder.is_relative_to(scan_root):
            return None
        go_mod = folder / "go.mod"
        if go_mod.is_file():
            try:
                text = files.read_text(go_mod, MAX_GO_MOD_BYTES, errors="replace")
            except OSError:
                return None
            match = re.search(r"^module\s+(\S+)", text, re.MULTILINE)
            return (match.group(1).strip('"'), folder) if match else None
    return None


class GoPackages:
    """The Go packages of one application, each parsed once: the taint analysis and least
    privilege (`go_calls`) read the same trees (`packages_of(app)`)."""

    def __init__(self, cwd: Path) -> None:
        self.cwd = cwd
        self._packages: dict[tuple[Path, Path], GoPackage] = {}
        self._local: dict[tuple[Path, Path], dict[str, GoPackage]] = {}

    def package(self, directory: Path, scan_root: Path) -> GoPackage:
        """The package of one folder (parsed on first use)."""
        key = (directory.resolve(), scan_root)
        if key not in self._packages:
            self._packages[key] = load_package(directory, scan_root, self.cwd)
        return self._packages[key]

    def local(self, package: GoPackage, scan_root: Path) -> dict[str, GoPackage]:
        """The module packages `package` reaches by imports (see `local_packages`)."""
        key = (package.directory.resolve(), scan_root)
        if key not in self._local:
            self._local[key] = local_packages(package, scan_root, self.cwd, self)
        return self._local[key]


_STORES = 16
_stores: OrderedDict[int, tuple[object, GoPackages]] = OrderedDict()


def packages_of(app: object, cwd: Path) -> GoPackages:
    """The Go package store of one application (kept for the last few applications, like
    the code facts and the needs that share it)."""
    key = id(app)
    found = _stores.get(key)
    if found is not None and found[0] is app and found[1].cwd == cwd:
        _stores.move_to_end(key)
        return found[1]
    store = GoPackages(cwd)
    _stores[key] = (app, store)
    while len(_stores) > _STORES:
        _stores.popitem(last=False)
    return store


def local_packages(
    package: GoPackage, scan_root: Path, cwd: Path, store: GoPackages | None = None
) -> dict[str, GoPackage]:
    """Import path → package, for the packages of the module `package` reaches by imports."""
    found = module_of(package.directory, scan_root)
    if found is None:
        return {}
    module, folder = found
    loaded: dict[str, GoPackage] = {}
    queue = [package]
    while queue:
        for file in queue.pop().files:
            for path in file.imports.values():
                if path in loaded or len(loaded) >= MAX_LOCAL_PACKAGES:
                    continue
                if path != module and not path.startswith(module + "/"):
                    continue
                directory = (folder / path[len(module) :].lstrip("/")).resolve()
                if directory == package.directory.resolve() or not directory.is_dir():
                    continue
                if not directory.is_relative_to(scan_root):
                    continue
                loaded[path] = (
                    store.package(directory, scan_root)
                    if store is not None
                    else load_package(directory, scan_root, cwd)
                )
                queue.append(loaded[path])
    return loaded


def methods_named(packages: list[GoPackage], name: str) -> list[tuple[GoFile, Node]]:
    """The methods called `name` in `packages`, one per package (a package where two types
    define it gives none: receiver types are not tracked)."""
    return [
        package.methods[name]
        for package in packages
        if name in package.methods and name not in package.ambiguous
    ]


def entry_handler(
    package: GoPackage, imported: dict[str, GoPackage] | None = None
) -> tuple[GoFile, Node] | str:
    """The handler `lambda.Start` is given (a function, method value or literal), or why not.

    A function of an imported module package (`handlers.Handle`) or a method value whose
    method is defined once in the package or in the module packages it imports
    (`h.DeleteHandler` with `h := handlers.New(...)`) is followed too."""
    for file in package.files:
        for call in _descendants(file.root, "call_expression"):
            function = call.child_by_field_name("function")
            if function is None or function.type != "selector_expression":
                continue
            operand = function.child_by_field_name("operand")
            name = text_of(function.child_by_field_name("field"))
            if file.imports.get(text_of(operand)) != LAMBDA or name not in _STARTS:
                continue
            arguments = call.child_by_field_name("arguments").named_children
            index = _STARTS[name]
            if index >= len(arguments):
                return f"`{text_of(call)}` has no handler argument"
            return _handler_of(package, file, arguments[index], imported or {})
    return "no `lambda.Start` call is in the package"


def _handler_of(
    package: GoPackage, file: GoFile, node: Node, imported: dict[str, GoPackage]
) -> tuple[GoFile, Node] | str:
    if node.type == "func_literal":
        return file, node
    if node.type == "identifier" and text_of(node) in package.functions:
        return package.functions[text_of(node)]
    if node.type == "selector_expression":
        operand = text_of(node.child_by_field_name("operand"))
        name = text_of(node.child_by_field_name("field"))
        other = imported.get(file.imports.get(operand, ""))
        if other is not None and name in other.functions:  # `handlers.Handle`
            return other.functions[name]
        methods = methods_named([package, *imported.values()], name)  # a method value `h.Handle`
        if len(methods) == 1:
            return methods[0]
    return (
        f"the handler `{text_of(node)[:60]}` given to lambda.Start is not a function of the "
        "package or of the module packages it imports"
    )


def _descendants(node: Node, kind: str) -> list[Node]:
    found, stack = [], [node]
    while stack:
        current = stack.pop()
        if current.type == kind:
            found.append(current)
        stack.extend(reversed(current.named_children))
    return found


def _first_error(root: Node) -> tuple[int, int]:
    stack = [root]
    while stack:
        node = stack.pop()
        if node.type == "ERROR" or node.is_missing:
            return node.start_point[0] + 1, node.start_point[1] + 1
        stack.extend(reversed(node.children))
    return 1, 1
