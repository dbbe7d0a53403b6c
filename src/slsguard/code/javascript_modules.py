"""JavaScript and TypeScript modules parsed with tree-sitter (imported only when needed).

A module knows its top-level functions (declarations, `const f = () => ...`, `exports.f =`,
`module.exports = { f }`, `export ...`) and its imports (`require` and `import`), so calls
resolve to other files of the same code root; nothing outside the scan root is read.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from slsguard import files
from slsguard.code.model import HandlerSource
from slsguard.code.python_modules import (
    MAX_SYNTAX_DEPTH,
    ParseFailure,
    read_module,
    too_deep,
)
from slsguard.code.tsconfig import alias_targets
from slsguard.discovery import display_name

Node = Any
"""A tree-sitter node (the binding ships no type information)."""
_QUOTES = "'\"`"
_SUFFIXES = ("", ".js", ".mjs", ".cjs", ".ts", ".mts", ".cts", "/index.js", "/index.ts")


@cache
def _parser(typescript: bool) -> Any:
    import tree_sitter

    if typescript:
        import tree_sitter_typescript

        language = tree_sitter.Language(tree_sitter_typescript.language_typescript())
    else:
        import tree_sitter_javascript

        language = tree_sitter.Language(tree_sitter_javascript.language())
    return tree_sitter.Parser(language)


@dataclass
class JsModule:
    """A parsed module: its functions, imports and source lines."""

    path: Path
    display: str
    root: Node
    lines: list[str]
    line_map: tuple[int, ...] = ()
    column_offset: int = 0
    imports: dict[str, str] = field(default_factory=dict)
    functions: dict[str, Node] = field(default_factory=dict)
    classes: dict[str, Node] = field(default_factory=dict)

    def position(self, node: Node) -> tuple[int, int, int, int]:
        """(line, column, end line, end column), 1-based."""
        (row, column), (end_row, end_column) = node.start_point, node.end_point
        return (
            self._line(row + 1),
            column + 1 + self.column_offset,
            self._line(end_row + 1),
            end_column + 1 + self.column_offset,
        )

    def _line(self, line: int) -> int:
        return self.line_map[min(line, len(self.line_map)) - 1] if self.line_map else line

    def text(self, node: Node) -> str:
        """The stripped source line a node starts on."""
        row = node.start_point[0]
        return self.lines[row].strip() if row < len(self.lines) else ""


def text_of(node: Node) -> str:
    """The source text of a node."""
    return str(node.text.decode("utf-8", "replace")) if node is not None else ""


class JsModules:
    """Loads and caches the modules of one code root."""

    def __init__(self, root: Path, scan_root: Path, cwd: Path) -> None:
        self.root = root
        self.scan_root = scan_root
        self.cwd = cwd
        self.cache: dict[Path, JsModule | None] = {}
        self.failures: list[ParseFailure] = []
        self.reached: dict[int, JsModule] = {}
        """The modules asked for since `reset_reached`: those one handler reaches, when the
        handlers of a code root share the modules."""

    def handler(self, source: HandlerSource) -> JsModule | None:
        """The handler's module (inline code is parsed from the template's text)."""
        if source.text is None:
            return self.file(source.path)
        module = self._parse(source.text, source.path, source.display, False)
        if module is not None:
            module.line_map, module.column_offset = source.line_map, source.column_offset
        return module

    def file(self, path: Path) -> JsModule | None:
        """The module in `path`, when readable, small enough and parsable."""
        module = self._file(path)
        if module is not None:
            self.reached.setdefault(id(module), module)
        return module

    def reset_reached(self) -> None:
        """Start recording anew the modules asked for (one handler's analysis)."""
        self.reached = {}

    def _file(self, path: Path) -> JsModule | None:
        path = path.resolve()
        if path in self.cache:
            return self.cache[path]
        self.cache[path] = None
        display = display_name(path, self.cwd)
        text = read_module(path, self.scan_root, display)
        if isinstance(text, ParseFailure):
            self.failures.append(text)
        if not isinstance(text, str):
            return None
        typescript = path.suffix in (".ts", ".mts", ".cts")
        module = self._parse(text, path, display, typescript)
        self.cache[path] = module
        return module

    def _parse(self, text: str, path: Path, display: str, typescript: bool) -> JsModule | None:
        tree = _parser(typescript).parse(text.encode("utf-8"))
        root = tree.root_node
        if root.has_error:
            line, column = _first_error(root)
            self.failures.append(ParseFailure(display, line, column, "syntax error"))
            return None
        deep = _deeper_than(root, MAX_SYNTAX_DEPTH)
        if deep is not None:
            line, column = deep
            self.failures.append(too_deep(display, line, column))
            return None
        module = JsModule(path, display, root, text.splitlines())
        _index(module, root)
        return module

    def resolve(self, specifier: str, importer: JsModule) -> JsModule | None:
        """The local module a relative `require`/`import` (or a tsconfig alias) names."""
        if not specifier.startswith("."):
            if specifier.startswith(("node:", "@aws-sdk/", "aws-sdk")):
                return None  # never a path alias; skips the tsconfig lookup on hot paths
            for base in alias_targets(specifier, importer.path, self.scan_root):
                found = self._file_at(base)
                if found is not None:
                    return found
            return None
        return self._file_at(importer.path.parent / specifier)

    def _file_at(self, base: Path) -> JsModule | None:
        for suffix in _SUFFIXES:
            candidate = Path(str(base) + suffix) if suffix else base
            if _is_module_file(candidate):
                return self.file(candidate)  # a FIFO is reported as not read
        typescript = base.with_suffix(".ts")
        if base.suffix == ".js" and _is_module_file(typescript):  # TS imports its `.js` name
            return self.file(typescript)
        return None


def _is_module_file(path: Path) -> bool:
    """A file an import may name: a regular file, or a FIFO, socket or device (which `file`
    reports as not read instead of opening it)."""
    return path.is_file() or files.special_kind(path) is not None


def _deeper_than(root: Node, limit: int) -> tuple[int, int] | None:
    """(line, column) of the first node deeper than `limit`, walked with a cursor (no
    recursion, no Python object per node)."""
    cursor = root.walk()
    depth = 0
    while True:
        if depth > limit:
            point = cursor.node.start_point
            return point[0] + 1, point[1] + 1
        if cursor.goto_first_child():
            depth += 1
            continue
        while not cursor.goto_next_sibling():
            if not cursor.goto_parent():
                return None
            depth -= 1


def _first_error(root: Node) -> tuple[int, int]:
    stack = [root]
    while stack:
        node = stack.pop()
        if node.type == "ERROR" or node.is_missing:
            return node.start_point[0] + 1, node.start_point[1] + 1
        stack.extend(reversed(node.children))
    return 1, 1


def _index(module: JsModule, root: Node) -> None:
    for statement in root.named_children:
        node = statement.child_by_field_name("declaration") or statement
        if node.type in ("function_declaration", "generator_function_declaration"):
            module.functions[text_of(node.child_by_field_name("name"))] = node
        elif node.type in ("lexical_declaration", "variable_declaration"):
            for declarator in node.named_children:
                _declarator(module, declarator)
        elif node.type in ("class_declaration", "class"):
            module.classes[text_of(node.child_by_field_name("name"))] = node
        elif node.type == "import_statement":
            _import(module, node)
        elif node.type == "export_statement":
            _export_clause(module, node)
        elif node.type == "expression_statement":
            _exports(module, node.named_children[0] if node.named_children else None)


def _declarator(module: JsModule, node: Node) -> None:
    if node.type != "variable_declarator":
        return
    name, value = node.child_by_field_name("name"), node.child_by_field_name("value")
    if value is None:
        return
    required = _required(value)
    if required is not None:
        if name.type == "identifier":
            module.imports[text_of(name)] = required
        elif name.type == "object_pattern":
            for item in name.named_children:
                key = item.child_by_field_name("key") if item.type == "pair_pattern" else item
                local = item.child_by_field_name("value") if item.type == "pair_pattern" else item
                module.imports[text_of(local)] = f"{required}.{text_of(key)}"
    elif name.type == "identifier":
        module.functions[text_of(name)] = value


def _required(value: Node) -> str | None:
    """The module a `require("x")` (or `require("x").y`) names."""
    if value.type == "member_expression":
        inner = _required(value.child_by_field_name("object"))
        prop = text_of(value.child_by_field_name("property"))
        return f"{inner}.{prop}" if inner else None
    if value.type == "await_expression" and value.named_children:
        return _required(value.named_children[0])
    if value.type != "call_expression" or text_of(value.child_by_field_name("function")) not in (
        "require",
        "import",
    ):
        return None
    arguments = value.child_by_field_name("arguments").named_children
    if arguments and arguments[0].type == "string":
        return text_of(arguments[0]).strip("'\"`")
    return None


def _import(module: JsModule, node: Node) -> None:
    source = text_of(node.child_by_field_name("source")).strip("'\"")
    for clause in node.named_children:
        if clause.type != "import_clause":
            continue
        for part in clause.named_children:
            if part.type == "identifier":
                module.imports[text_of(part)] = source
            elif part.type == "namespace_import":
                module.imports[text_of(part.named_children[-1])] = source
            elif part.type == "named_imports":
                for spec in part.named_children:
                    name = spec.child_by_field_name("name")
                    alias = spec.child_by_field_name("alias") or name
                    module.imports[text_of(alias)] = f"{source}.{text_of(name)}"


def _exports(module: JsModule, node: Node | None) -> None:
    if node is None or node.type != "assignment_expression":
        return
    left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
    target = text_of(left)
    if target.startswith(("exports.", "module.exports.")):
        _export(module, target.rsplit(".", 1)[-1], right)
    elif target == "module.exports" and right.type == "object":
        for item in right.named_children:
            if item.type == "pair":
                key, value = item.child_by_field_name("key"), item.child_by_field_name("value")
                _export(module, text_of(key), value)
            elif item.type == "shorthand_property_identifier":
                _export(module, text_of(item), item)


def _export(module: JsModule, name: str, value: Node) -> None:
    # `exports.handler = handler` exports the local of the same name: keep the local.
    if value.type in ("identifier", "shorthand_property_identifier") and text_of(value) == name:
        return
    module.functions[name] = value


def _export_clause(module: JsModule, node: Node) -> None:
    """`export { inner as handler }`, `export { handler } from "./impl"`, `export default x`."""
    source = node.child_by_field_name("source")
    value = node.child_by_field_name("value")
    if value is not None:
        _export(module, "default", value)
    for clause in node.named_children:
        if clause.type != "export_clause":
            continue
        for spec in clause.named_children:
            name = spec.child_by_field_name("name")
            alias = text_of(spec.child_by_field_name("alias") or name)
            if source is not None:
                module.imports[alias] = f"{text_of(source).strip(_QUOTES)}.{text_of(name)}"
            else:
                _export(module, alias, name)
