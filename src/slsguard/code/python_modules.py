"""Python modules of one code root: parsed once, with imports and positions mapped.

Local imports (`from orders.db import save`, `from .db import save`, `import helpers`)
resolve to files under the code root or next to the importing module, never outside the
scan root; files over the size bound or that fail to parse are recorded, not raised.
"""

from __future__ import annotations

import ast
import os
from dataclasses import dataclass, field
from pathlib import Path

from slsguard import files
from slsguard.code.model import HandlerSource
from slsguard.discovery import display_name

MAX_MODULE_BYTES = 1024 * 1024


def read_module(path: Path, scan_root: Path, display: str) -> str | ParseFailure | None:
    """The text of a resolved source file under the scan root (shared by the Python, JS and
    Go loaders); None when it is outside or missing; why it was not read (a ParseFailure,
    reported as SLS001) when it is there but a FIFO or device, over `MAX_MODULE_BYTES`,
    unreadable or not UTF-8: code that is not read must not pass for code without findings."""
    if not path.is_relative_to(scan_root) or not os.path.lexists(path) or path.is_dir():
        return None
    try:
        return files.read_text(path, MAX_MODULE_BYTES)
    except OSError as error:
        return _unread(display, str(error))
    except UnicodeDecodeError as error:
        return _unread(display, f"not UTF-8 text ({error.reason} at byte {error.start})")


def _unread(display: str, why: str) -> ParseFailure:
    fix = f"keep {display} a regular UTF-8 source file under {MAX_MODULE_BYTES // 1024} KiB"
    return ParseFailure(display, 1, 1, f"{display} was not read: {why}", True, fix)


FunctionNode = ast.FunctionDef | ast.AsyncFunctionDef


@dataclass
class Module:
    """A parsed module: its functions, its imports and how to place a node in its file."""

    path: Path
    display: str
    tree: ast.Module
    lines: list[str]
    line_map: tuple[int, ...] = ()
    column_offset: int = 0
    imports: dict[str, str] = field(default_factory=dict)
    """Local name → qualified name (`sp` → `subprocess`, `save` → `.db.save`)."""
    functions: dict[str, FunctionNode] = field(default_factory=dict)
    assigned: dict[str, ast.Assign] = field(default_factory=dict)
    """Module-level `name = <expression>` that is not a function (`handler = Mangum(app)`)."""
    assignments: list[ast.Assign] = field(default_factory=list)
    """Every module-level assignment, in order (what runs on import and binds names)."""

    def position(self, node: ast.AST) -> tuple[int, int, int, int]:
        """(line, column, end line, end column), 1-based, in the file as the user sees it."""
        line = getattr(node, "lineno", 1)
        end = getattr(node, "end_lineno", None) or line
        column = getattr(node, "col_offset", 0) + 1 + self.column_offset
        end_column = (getattr(node, "end_col_offset", None) or 0) + 1 + self.column_offset
        return self._line(line), column, self._line(end), end_column

    def _line(self, line: int) -> int:
        if self.line_map:
            return self.line_map[min(line, len(self.line_map)) - 1]
        return line

    def text(self, node: ast.AST) -> str:
        """The stripped source line a node starts on."""
        line = getattr(node, "lineno", 1)
        return self.lines[line - 1].strip() if 0 < line <= len(self.lines) else ""


MAX_SYNTAX_DEPTH = 200
"""Deepest syntax tree analysed. The analyses recurse over the tree, so a 50,000-term chain
or 50,000 nested parentheses would exhaust Python's stack; real code stays far below this."""


@dataclass(frozen=True, slots=True)
class ParseFailure:
    """A source file that could not be parsed, or was too deep to analyse (SLS001)."""

    display: str
    line: int
    column: int
    message: str
    limit: bool = False
    """True when the file parsed but a limit of slsguard's own stopped its analysis."""
    advice: str = ""
    """The fix, when it is not the one the kind of failure implies."""

    @property
    def text(self) -> str:
        """The finding's message."""
        if self.limit:
            return f"handler code not analysed: {self.message}"
        return f"handler code does not parse: {self.message}"

    @property
    def fix(self) -> str:
        """What the finding asks for."""
        if self.advice:
            return self.advice
        if self.limit:
            return "simplify the nesting; the code of this file was not analysed"
        return "fix the syntax; the code of this file was not analysed"


def too_deep(display: str, line: int, column: int) -> ParseFailure:
    """The failure for a syntax tree deeper than `MAX_SYNTAX_DEPTH`."""
    reason = f"its syntax nests deeper than {MAX_SYNTAX_DEPTH} levels (the depth limit)"
    return ParseFailure(display, line, column, reason, limit=True)


class Modules:
    """Loads and caches the modules reachable from one handler's code root."""

    def __init__(self, root: Path, scan_root: Path, cwd: Path) -> None:
        self.root = root
        self.scan_root = scan_root
        self.cwd = cwd
        self.cache: dict[Path, Module | None] = {}
        self.reached: dict[Path, Module] = {}
        """The modules read since `reset_reached`: what one function's analysis reached."""
        self.failures: list[ParseFailure] = []
        self._real: dict[Path, Path] = {}
        self._found: dict[tuple[str, Path], Path | None] = {}
        """(import, importing folder) → its file: asked by each of N functions, looked up once."""

    def handler(self, source: HandlerSource) -> Module | None:
        """The handler's own module (inline code is parsed from the template's text)."""
        if source.text is None:
            return self.file(source.path)
        module = self._parse(source.text, source.path, source.display)
        if module is not None:
            module.line_map = source.line_map
            module.column_offset = source.column_offset
        return module

    def reset_reached(self) -> None:
        """Start recording the modules one function's analysis reaches."""
        self.reached = {}

    def file(self, path: Path) -> Module | None:
        """The module in `path` (None when unreadable, too big or unparsable)."""
        real = self._real.get(path)
        if real is None:
            real = self._real[path] = path.resolve()
        path = real
        if path in self.cache:
            cached = self.cache[path]
            if cached is not None:
                self.reached[path] = cached
            return cached
        self.cache[path] = None
        display = display_name(path, self.cwd)
        text = read_module(path, self.scan_root, display)
        if isinstance(text, ParseFailure):
            self.failures.append(text)
        if not isinstance(text, str):
            return None
        module = self._parse(text, path, display)
        self.cache[path] = module
        if module is not None:
            self.reached[path] = module
        return module

    def _parse(self, text: str, path: Path, display: str) -> Module | None:
        try:
            tree = ast.parse(text, filename=display)
        except (SyntaxError, ValueError) as error:
            line = getattr(error, "lineno", None) or 1
            column = getattr(error, "offset", None) or 1
            reason = getattr(error, "msg", str(error))
            self.failures.append(ParseFailure(display, line, column, reason))
            return None
        except (RecursionError, MemoryError):  # the parser's own stack, on absurd nesting
            self.failures.append(too_deep(display, 1, 1))
            return None
        deep = _deeper_than(tree, MAX_SYNTAX_DEPTH)
        if deep is not None:
            line, column = getattr(deep, "lineno", 1), getattr(deep, "col_offset", 0) + 1
            self.failures.append(too_deep(display, line, column))
            return None
        module = Module(path, display, tree, text.splitlines())
        _index(module)
        return module

    def resolve(self, qualified: str, importer: Module) -> Module | None:
        """The local module named `qualified` (`orders.db`, `.db`), if it is in the code."""
        key = (qualified, importer.path.parent)
        if key not in self._found:
            self._found[key] = self._find(qualified, importer)
        found = self._found[key]
        return self.file(found) if found is not None else None

    def _find(self, qualified: str, importer: Module) -> Path | None:
        level = len(qualified) - len(qualified.lstrip("."))
        name = qualified.lstrip(".").replace(".", "/")
        bases = [importer.path.parent] if level else [self.root, importer.path.parent]
        if level > 1:
            bases = [importer.path.parents[min(level - 1, len(importer.path.parents) - 1)]]
        for base in bases:
            for candidate in (base / f"{name}.py", base / name / "__init__.py"):
                if name and (candidate.is_file() or files.special_kind(candidate)):
                    return candidate  # a FIFO is reported as not read
        return None


def _deeper_than(tree: ast.AST, limit: int) -> ast.AST | None:
    """The first node deeper than `limit` levels (found without recursion), or None."""
    stack: list[tuple[ast.AST, int]] = [(tree, 0)]
    while stack:
        node, depth = stack.pop()
        if depth > limit:
            return node
        stack.extend((child, depth + 1) for child in ast.iter_child_nodes(node))
    return None


def _index(module: Module) -> None:
    for node in module.tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            module.functions[node.name] = node
        elif isinstance(node, ast.ClassDef):
            for item in node.body:
                if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef):
                    module.functions.setdefault(f"{node.name}.{item.name}", item)
        elif isinstance(node, ast.Assign):
            module.assignments.append(node)
            if len(node.targets) == 1:
                _assignment(module, node)
    for entry in ast.walk(module.tree):
        if isinstance(entry, ast.Import):
            for alias in entry.names:
                local = alias.asname or alias.name.split(".")[0]
                module.imports[local] = alias.name if alias.asname else local
        elif isinstance(entry, ast.ImportFrom):
            prefix = "." * entry.level + (entry.module or "")
            for alias in entry.names:
                joined = f"{prefix}.{alias.name}" if entry.module else f"{prefix}{alias.name}"
                module.imports[alias.asname or alias.name] = joined


def _assignment(module: Module, node: ast.Assign) -> None:
    """`handler = run` and `handler = wrap(run)` name the function they stand for."""
    target, value = node.targets[0], node.value
    if not isinstance(target, ast.Name):
        return
    wrapped = value.args if isinstance(value, ast.Call) else [value]
    for item in wrapped:
        if isinstance(item, ast.Name) and item.id in module.functions:
            module.functions[target.id] = module.functions[item.id]
            return
    module.assigned[target.id] = node


@dataclass(frozen=True, slots=True)
class NotFollowed:
    """Why a handler symbol cannot be followed to a function, and the line that says so."""

    reason: str
    line: int = 1


def handler_function(
    modules: Modules, module: Module, symbol: str, depth: int = 0
) -> tuple[Module, FunctionNode] | NotFollowed:
    """The function a handler symbol names (through aliases and local re-imports), or why
    it cannot be followed."""
    if symbol in module.functions:
        return module, module.functions[symbol]
    assigned = module.assigned.get(symbol)
    if assigned is not None:
        return NotFollowed(_why_not(assigned.value), module.position(assigned)[0])
    imported = module.imports.get(symbol)
    if imported is not None and depth < 4:
        owner, _, name = imported.rpartition(".")
        target = modules.resolve(owner, module) if owner else None
        if target is not None:
            return handler_function(modules, target, name, depth + 1)
        return NotFollowed(f"it is imported from `{imported}`, which is not in the code")
    return NotFollowed(f"{module.display} does not define `{symbol}` as a function")


_ADAPTERS = {
    "Mangum": "an ASGI adapter (Mangum) serving a web app",
    "make_lambda_handler": "a WSGI adapter serving a web app",
    "handle_request": "a WSGI adapter serving a web app",
}


def _why_not(value: ast.expr) -> str:
    call = value.func if isinstance(value, ast.Call) else None
    name = ast.unparse(call).rsplit(".", 1)[-1] if call is not None else ""
    if name in _ADAPTERS:
        return f"it is {_ADAPTERS[name]} (`{ast.unparse(value)}`), whose routes are not followed"
    text = ast.unparse(value)
    return f"it is `{text[:60]}`, not a function slsguard can follow"


_WEB_APPS = frozenset({"Flask", "FastAPI", "Starlette", "Quart", "Sanic", "APIRouter"})
_WEB_DECORATORS = frozenset(
    {"route", "get", "post", "put", "patch", "delete", "head", "options", "api_route", "websocket"}
)


def web_app_views(module: Module, symbol: str) -> list[FunctionNode]:
    """The views of the web app a handler symbol serves: `handler = Mangum(app)` (ASGI),
    `make_lambda_handler(app)`, or the `app = Flask(...)` a WSGI adapter plugin serves."""
    assigned = module.assigned.get(symbol)
    call = assigned.value if assigned is not None else None
    if not isinstance(call, ast.Call):
        return []
    made = ast.unparse(call.func).rsplit(".", 1)[-1]
    if made in _WEB_APPS:
        app = symbol
    elif made in _ADAPTERS and call.args and isinstance(call.args[0], ast.Name):
        app = call.args[0].id
    else:
        return []
    return [
        node
        for node in ast.walk(module.tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and any(_decorates(decorator, app) for decorator in node.decorator_list)
    ]


def _decorates(decorator: ast.expr, app: str) -> bool:
    target = decorator.func if isinstance(decorator, ast.Call) else decorator
    return (
        isinstance(target, ast.Attribute)
        and isinstance(target.value, ast.Name)
        and target.value.id == app
        and target.attr in _WEB_DECORATORS
    )
