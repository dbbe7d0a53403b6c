"""Go packages parsed with the tree-sitter Go grammar (imported only when Go code is found).

A Lambda function in Go is a `main` package whose `main` calls `lambda.Start(handler)` (or
`StartWithOptions`, `StartHandler`, `StartWithContext`) from `github.com/aws/aws-lambda-go`.
A package is every `.go` file of one folder except tests; its functions and methods are
indexed by name, each file's imports by local name, so calls resolve inside the package.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from slsguard.code.python_modules import ParseFailure, read_module
from slsguard.discovery import display_name

Node = Any
"""A tree-sitter node (the binding ships no type information)."""
LAMBDA = "github.com/aws/aws-lambda-go/lambda"
EVENTS = "github.com/aws/aws-lambda-go/events"
_STARTS = {"Start": 0, "StartWithOptions": 0, "StartHandler": 0, "StartWithContext": 1}
MAX_PACKAGE_FILES = 200


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
            package.methods[text_of(node.child_by_field_name("name"))] = (file, node)


def _local_name(path: str) -> str:
    parts = path.split("/")
    last = parts[-1]
    if len(parts) > 1 and last.startswith("v") and last[1:].isdigit():
        last = parts[-2]  # `.../v2` is imported under the name before it
    return last.replace("-", "_")


def entry_handler(package: GoPackage) -> tuple[GoFile, Node] | str:
    """The handler `lambda.Start` is given (a function, method value or literal), or why not."""
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
            return _handler_of(package, file, arguments[index])
    return "no `lambda.Start` call is in the package"


def _handler_of(package: GoPackage, file: GoFile, node: Node) -> tuple[GoFile, Node] | str:
    if node.type == "func_literal":
        return file, node
    if node.type == "identifier" and text_of(node) in package.functions:
        return package.functions[text_of(node)]
    if node.type == "selector_expression":  # a method value: `h.Handle`
        method = text_of(node.child_by_field_name("field"))
        if method in package.methods:
            return package.methods[method]
    return (
        f"the handler `{text_of(node)[:60]}` given to lambda.Start is not a function of the package"
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
