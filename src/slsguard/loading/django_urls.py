"""Django's URL configuration, read without importing anything: which views are entry points.

A Django app served from Lambda (Zappa `django_settings`, serverless-wsgi's
`custom.wsgi.app: mysite.wsgi.application`) answers the
paths of its `ROOT_URLCONF` (named in the settings module): each `path()`, `re_path()` or
`url()` of `urlpatterns` (with `urlpatterns += [...]`) routes to a view function, imported
(`from . import views`, `from shop.views import order`, `import shop.views`) or defined in
the urls module, and `include("api.urls")` (or `include(module)`) nests another URL module
under a prefix. Path converters become path parameters (`orders/<int:id>/` →
`/orders/{id}/`). A class-based view (`OrderView.as_view()`: a Django `View`, a REST
framework `APIView`, any class of the project) is each of its HTTP method handlers
(`get`, `post`, ...), named `OrderView.get`, whose second argument is the request.
`admin.site.urls`, REST framework routers (`router.register`) and views built at run time are
not followed. Modules are files under the project within the scan root; nesting is bounded.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

from slsguard.loading.chalice_app import parse_python

MAX_URL_MODULES = 40
MAX_WSGI_BYTES = 64 * 1024
_ROUTES = frozenset({"path", "re_path", "url"})
_CONVERTER = re.compile(r"<(?:\w+:)?(\w+)>")
_REGEX_GROUP = re.compile(r"\(\?P<(\w+)>[^)]*\)")

View = list[str]
"""[function, METHOD, path, file relative to the project, "1": its first argument is the
request]."""


def django_views(project: Path, settings_module: str, scan_root: Path) -> list[View] | None:
    """The routed views of a Django project, or None when its URL configuration is not found
    (the caller then falls back to every `views.py` function)."""
    settings = _module_file(project, settings_module)
    tree = parse_python(settings, scan_root) if settings is not None else None
    urlconf = _root_urlconf(tree) if tree is not None else None
    if urlconf is None:
        return None
    reader = _Reader(project, scan_root)
    reader.read(urlconf, "/")
    return reader.views if reader.found else None


def wsgi_views(handler: Path, symbol: str, project: Path, scan_root: Path) -> list[View]:
    """The routed views behind a Django WSGI module a serverless-wsgi handler serves
    (`application = get_wsgi_application()` with `DJANGO_SETTINGS_MODULE` set in it)."""
    try:  # a cheap look first: most handlers are not Django's WSGI module
        with handler.open("rb") as stream:
            if b"get_wsgi_application" not in stream.read(MAX_WSGI_BYTES):
                return []
    except OSError:
        return []
    tree = parse_python(handler, scan_root)
    settings = None
    serves = False
    for node in ast.walk(tree) if tree is not None else ():
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call):
            targets = {t.id for t in node.targets if isinstance(t, ast.Name)}
            serves |= symbol in targets and _called(node.value) == "get_wsgi_application"
        if isinstance(node, ast.Call) and _called(node) == "setdefault" and len(node.args) == 2:
            key, value = node.args
            if isinstance(key, ast.Constant) and key.value == "DJANGO_SETTINGS_MODULE":
                settings = value.value if isinstance(value, ast.Constant) else None
    if not serves or not isinstance(settings, str):
        return []
    return django_views(project, settings, scan_root) or []


class _Reader:
    """Walks URL modules from the root configuration, collecting (view, path) pairs."""

    def __init__(self, project: Path, scan_root: Path) -> None:
        self.project = project
        self.scan_root = scan_root
        self.views: list[View] = []
        self.seen: set[tuple[str, str]] = set()
        self.found = False

    def read(self, module: str, prefix: str) -> None:
        """Read the `urlpatterns` of `module`, its routes under `prefix`."""
        if (module, prefix) in self.seen or len(self.seen) >= MAX_URL_MODULES:
            return
        self.seen.add((module, prefix))
        file = _module_file(self.project, module)
        tree = parse_python(file, self.scan_root) if file is not None else None
        if tree is None:
            return
        self.found = True
        names = _imports(tree, module)
        local = {n.name for n in tree.body if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)}
        for call in _patterns(tree):
            route = _route(call)
            if route is None or len(call.args) < 2:
                continue
            path = prefix + route
            target = call.args[1]
            included = _included(target, names)
            if included is not None:
                self.read(included, path if path.endswith("/") else path + "/")
                continue
            view = _view(_as_view_class(target), names, module, local | _classes(tree))
            if view is not None:
                self.add(view[0], view[1], path)

    def add(self, module: str, function: str, path: str) -> None:
        """Record a view when its module is a file of the project that defines it."""
        file = _module_file(self.project, module)
        tree = parse_python(file, self.scan_root) if file is not None else None
        if file is None or tree is None:
            return
        relative = file.relative_to(self.project).as_posix()
        for node in tree.body:
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name == function:
                self.views.append([function, "ANY", path, relative, "1"])
            elif isinstance(node, ast.ClassDef) and node.name == function:
                for method in node.body:
                    handles = getattr(method, "name", "") in _HTTP_METHODS
                    if isinstance(method, ast.FunctionDef | ast.AsyncFunctionDef) and handles:
                        view = f"{node.name}.{method.name}"
                        self.views.append([view, method.name.upper(), path, relative, "1"])


_HTTP_METHODS = ("get", "post", "put", "patch", "delete", "head", "options")
"""The handlers Django's `View.dispatch` calls, by the request's method."""


def _as_view_class(target: ast.expr) -> ast.expr:
    """The class of `OrderView.as_view(...)` (the view is its methods), else the target."""
    func = target.func if isinstance(target, ast.Call) else None
    if isinstance(func, ast.Attribute) and func.attr == "as_view":
        return func.value
    return target


def _classes(tree: ast.Module) -> set[str]:
    return {node.name for node in tree.body if isinstance(node, ast.ClassDef)}


def _root_urlconf(tree: ast.Module) -> str | None:
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "ROOT_URLCONF" for t in node.targets
        ):
            value = node.value
            if isinstance(value, ast.Constant) and isinstance(value.value, str):
                return value.value
    return None


def _module_file(project: Path, module: str) -> Path | None:
    """The file of a dotted module under the project: `a/b.py` or `a/b/__init__.py`."""
    base = project.joinpath(*module.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def _imports(tree: ast.Module, module: str) -> dict[str, tuple[str, str]]:
    """Local name → (module, attribute or '' for a module) of the urls module's imports."""
    package = module.rpartition(".")[0]
    names: dict[str, tuple[str, str]] = {}
    for node in tree.body:
        if isinstance(node, ast.ImportFrom):
            source = _absolute(node.module or "", node.level, package)
            for alias in node.names:
                local = alias.asname or alias.name
                # `from . import views` names a module; `from .views import order` a function.
                names[local] = (
                    (f"{source}.{alias.name}".strip("."), "")
                    if not node.module
                    else (source, alias.name)
                )
        elif isinstance(node, ast.Import):
            for alias in node.names:
                names[alias.asname or alias.name] = (alias.name, "")
    return names


def _absolute(module: str, level: int, package: str) -> str:
    if level == 0:
        return module
    parts = package.split(".") if package else []
    base = parts[: len(parts) - (level - 1)] if level > 1 else parts
    return ".".join([*base, module] if module else base)


def _patterns(tree: ast.Module) -> list[ast.Call]:
    """The route calls of `urlpatterns = [...]` and `urlpatterns += [...]`."""
    calls: list[ast.Call] = []
    for node in tree.body:
        value = None
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "urlpatterns" for t in node.targets
        ):
            value = node.value
        elif isinstance(node, ast.AugAssign) and isinstance(node.target, ast.Name):
            value = node.value if node.target.id == "urlpatterns" else None
        if isinstance(value, ast.List | ast.Tuple):
            calls += [item for item in value.elts if isinstance(item, ast.Call)]
    return [call for call in calls if _called(call) in _ROUTES]


def _called(call: ast.Call) -> str:
    func = call.func
    return (
        func.attr
        if isinstance(func, ast.Attribute)
        else func.id
        if isinstance(func, ast.Name)
        else ""
    )


def _route(call: ast.Call) -> str | None:
    """The route as a path with `{name}` parameters (`orders/<int:id>/` → `orders/{id}/`)."""
    first = call.args[0] if call.args else None
    if not isinstance(first, ast.Constant) or not isinstance(first.value, str):
        return None
    text = first.value
    if _called(call) != "path":  # a regular expression
        text = _REGEX_GROUP.sub(r"{\1}", text).removeprefix("^").removesuffix("$")
    return _CONVERTER.sub(r"{\1}", text)


def _included(target: ast.expr, names: dict[str, tuple[str, str]]) -> str | None:
    """The module an `include(...)` names."""
    if not isinstance(target, ast.Call) or _called(target) != "include" or not target.args:
        return None
    first = target.args[0]
    if isinstance(first, ast.Tuple) and first.elts:
        first = first.elts[0]
    if isinstance(first, ast.Constant) and isinstance(first.value, str):
        return first.value
    if isinstance(first, ast.Name) and first.id in names:
        return ".".join(part for part in names[first.id] if part)
    return None


def _view(
    target: ast.expr, names: dict[str, tuple[str, str]], module: str, local: set[str]
) -> tuple[str, str] | None:
    """(module, function) of a view reference: `views.order`, `order`, `shop.views.order`."""
    if isinstance(target, ast.Name):
        if target.id in local:
            return module, target.id
        found = names.get(target.id)
        return (found[0], found[1]) if found is not None and found[1] else None
    if isinstance(target, ast.Attribute):
        owner = ast.unparse(target.value)
        found = names.get(owner)
        if found is not None:  # `from shop import views` then `views.order`: a module
            return ".".join(part for part in found if part), target.attr
        if owner in {name for name, _ in names.values()}:
            return owner, target.attr  # `import shop.views` then `shop.views.order`
    return None
