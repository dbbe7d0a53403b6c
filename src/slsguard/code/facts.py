"""The code facts of an application, computed once and shared by every code rule.

For each function: locate its handler (`locate`), decide what is attacker-controlled
(`sources`), analyse the code (`python`, `javascript`) and run the file-level checks.
Functions that share a handler file share its findings (one finding names them all).
Handlers that cannot be analysed become SLS004 notes, files that fail to parse SLS001.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from slsguard.code.locate import Missing, locate
from slsguard.code.model import CodeNote, EventRef, HandlerSource, Hit, Sources
from slsguard.code.python import WHOLE_EVENT, Analysis
from slsguard.code.python_access import check_access, check_errors
from slsguard.code.python_checks import check_module
from slsguard.code.python_identity import check_identity
from slsguard.code.python_modules import Module, Modules, NotFollowed, web_app_views
from slsguard.code.sources import route_sources, sources_of
from slsguard.findings import Origin, Severity, Violation, name_list
from slsguard.loading.chalice import EVENT_ROOT, VIEWS
from slsguard.loading.django_urls import wsgi_views
from slsguard.model import Application, Function, Note, render

ModuleCheck = Callable[[Any, str], Iterator[Hit]]
"""A check of a whole module (Python or JavaScript), its hits attributed to the named
function."""

if TYPE_CHECKING:  # tree-sitter loads only for JS code
    from slsguard.code.javascript_modules import JsModule, JsModules

CODE_RULES = frozenset({"SLS305", "SLS306", *(f"SLS6{number:02d}" for number in range(1, 16))})


@dataclass(frozen=True, slots=True)
class CodeFacts:
    """Every code hit of an application, its notes, and each function's sources."""

    hits: tuple[Hit, ...] = ()
    notes: tuple[CodeNote, ...] = ()
    sources: tuple[tuple[str, Sources], ...] = ()

    def sources_of(self, function: str) -> Sources | None:
        """The sources computed for `function` (None when its code was not analysed)."""
        return next((s for name, s in self.sources if name == function), None)


_CACHE_SIZE = 16
_cache: OrderedDict[int, tuple[Application, CodeFacts]] = OrderedDict()


def code_facts(app: Application) -> CodeFacts:
    """The code facts of `app` (computed once per application object)."""
    key = id(app)
    cached = _cache.get(key)
    if cached is not None and cached[0] is app:
        _cache.move_to_end(key)
        return cached[1]
    facts = _compute(app, app.names_folder())
    _cache[key] = (app, facts)
    while len(_cache) > _CACHE_SIZE:
        _cache.popitem(last=False)
    return facts


def code_notes(app: Application, active: frozenset[str]) -> list[Note]:
    """SLS004 and SLS001 notes about handler code, when a code rule (or SLS004) runs."""
    if not active & (CODE_RULES | {"SLS004"}) or not app.functions:  # read only when asked
        return []
    notes = []
    for note in code_facts(app).notes:
        severity = Severity.INFO if note.rule_id == "SLS004" else None
        violation = Violation(
            note.origin, note.message, note.fix, severity, note.function, functions=note.functions
        )
        notes.append(Note(note.rule_id, violation))
    return notes


class _Run:
    """The state of one application's analysis."""

    def __init__(self, app: Application, cwd: Path) -> None:
        self.app = app
        self.cwd = cwd
        self.hits: list[Hit] = []
        self.notes: list[CodeNote] = []
        self.missing: list[Missing] = []
        self.sources: list[tuple[str, Sources]] = []
        self.modules: dict[tuple[Path, Path], Modules] = {}
        self.js_modules: dict[tuple[Path, Path], JsModules] = {}
        self.checked: dict[tuple[int, ModuleCheck], tuple[list[Hit], list[str]]] = {}
        """Per module and check: its hits, and the later functions that share them."""

    def function(self, fn: Function) -> None:
        located = locate(self.app, fn, self.cwd)
        if isinstance(located, Missing):
            self.missing.append(located)
        elif isinstance(located, CodeNote):
            self.notes.append(located)
        elif isinstance(located, HandlerSource):
            views = web_views(self.app, fn) or _django_wsgi(located)
            if views and located.language == "python":
                self.views(fn, located, views)
                return
            sources = replace(sources_of(self.app, fn), fixed_hosts=_fixed_hosts(fn))
            self.sources.append((fn.name, sources))
            try:
                if located.language == "python":
                    self.python(located, sources, _event_root(self.app, fn))
                elif located.language == "go":
                    self.go(located, sources)
                else:
                    self.javascript(located, sources)
            except RecursionError:  # a safety net: the depth limit should stop this first
                self.notes.append(_cut_short(located))

    def python(
        self, source: HandlerSource, sources: Sources, event: EventRef = WHOLE_EVENT
    ) -> None:
        key = (source.root, source.scan_root)
        modules = self.modules.setdefault(key, Modules(source.root, source.scan_root, self.cwd))
        modules.reset_reached()
        module = modules.handler(source)
        if module is None:
            return
        analysis = Analysis(sources, modules, source.function)
        why = analysis.run(module, source.symbol, event)
        views = web_app_views(module, source.symbol) if why is not None else []
        for view in views:  # a web app behind Mangum or a WSGI adapter: each of its views
            analysis.run_view(module, view, request_argument=False)
        if why is not None and not views:
            self.notes.append(_undefined(source, why))
        self.hits.extend(analysis.hits)
        self.checks(module, modules, source.function)

    def checks(self, module: Module, modules: Modules, function: str) -> None:
        """The file-level checks of a handler's module and of every module its analysis
        reached (only those: a module another function imports is not this function's)."""
        reached = {id(m): m for m in (module, *modules.reached.values())}
        for checked in reached.values():
            self.shared(checked, function, _reached_checks)
        # What the handler returns and decides: its own module, attributed to it alone.
        self.shared(module, function, _own_checks)

    def shared(self, module: Module | JsModule, function: str, check: ModuleCheck) -> None:
        """The hits of `check` on `module`, computed for the first function that runs it;
        the functions after it sharing the module are only named on those hits (so that N
        functions of one handler file check it once, not N times)."""
        key = (id(module), check)
        known = self.checked.get(key)
        if known is None:
            self.checked[key] = (list(check(module, function)), [])
            self.hits.extend(self.checked[key][0])
        else:
            known[1].append(function)

    def views(
        self, fn: Function, source: HandlerSource, views: list[tuple[str, str, str, str, bool]]
    ) -> None:
        """A web framework's views (Chalice routes): each with the sources of its route."""
        key = (source.root, source.scan_root)
        modules = self.modules.setdefault(key, Modules(source.root, source.scan_root, self.cwd))
        modules.reset_reached()
        module = modules.handler(source)
        if module is None:
            return
        self.sources.append((fn.name, sources_of(self.app, fn)))
        for view, method, path, file, request in views:
            written = modules.file(source.root / file) if file else module
            node = written.functions.get(view) if written is not None else None
            if written is None or node is None:
                continue
            analysis = Analysis(route_sources(self.app, fn, method, path), modules, fn.name)
            analysis.run_view(written, node, request_argument=request)
            self.hits.extend(analysis.hits)
        self.checks(module, modules, source.function)

    def javascript(self, source: HandlerSource, sources: Sources) -> None:
        # tree-sitter loads only for JS code
        from slsguard.code.javascript import analyse, handler_checks, reached_checks
        from slsguard.code.javascript_modules import JsModules

        key = (source.root, source.scan_root)
        modules = self.js_modules.get(key)
        if modules is None:
            modules = self.js_modules[key] = JsModules(*key, self.cwd)
        modules.reset_reached()
        handler = modules.handler(source)
        result = analyse(source, sources, modules, handler)
        self.hits.extend(result.hits)
        self.notes.extend(result.notes)
        reached = {id(m): m for m in (handler, *modules.reached.values()) if m is not None}
        for checked in reached.values():
            check = handler_checks if checked is handler else reached_checks
            self.shared(checked, source.function, check)

    def go(self, source: HandlerSource, sources: Sources) -> None:
        from slsguard.code.go import analyse  # tree-sitter-go loads only for Go code
        from slsguard.code.go_modules import packages_of

        result = analyse(source, sources, packages_of(self.app, self.cwd))
        self.hits.extend(result.hits)
        self.notes.extend(result.notes)

    def facts(self) -> CodeFacts:
        for failure in (f for m in self.js_modules.values() for f in m.failures):
            origin = Origin(failure.display, (), failure.line, failure.column)
            self.notes.append(CodeNote("SLS001", origin, failure.text, failure.fix))
        for hits, later in self.checked.values():
            if later:
                self.hits.extend(replace(hit, functions=tuple(later)) for hit in hits)
        for modules in self.modules.values():
            for failure in modules.failures:
                origin = Origin(failure.display, (), failure.line, failure.column)
                self.notes.append(CodeNote("SLS001", origin, failure.text, failure.fix))
        for outside in (True, False):
            group = [item for item in self.missing if item.outside is outside]
            if group:
                self.notes.append(_missing(group))
        return CodeFacts(_merged(self.hits), tuple(_unique(self.notes)), tuple(self.sources))


def _metadata(app: Application, fn: Function, key: str) -> object:
    resources = app.resources if isinstance(app.resources, dict) else {}
    resource = resources.get(fn.logical_id or "")
    metadata = resource.get("Metadata") if isinstance(resource, dict) else None
    return metadata.get(key) if isinstance(metadata, dict) else None


def _django_wsgi(source: HandlerSource) -> list[tuple[str, str, str, str, bool]]:
    """The routed views of a Django project behind serverless-wsgi (`mysite.wsgi.application`)."""
    if source.language != "python" or source.text is not None:
        return []
    found = wsgi_views(source.path, source.symbol, source.root, source.scan_root)
    return [(view, method, path, file, flag == "1") for view, method, path, file, flag in found]


def _event_root(app: Application, fn: Function) -> EventRef:
    """The event keys a framework's event object stands for (Chalice `S3Event`: the object)."""
    root = _metadata(app, fn, EVENT_ROOT) if app.kind == "chalice" else None
    return EventRef(tuple(str(k) for k in root)) if isinstance(root, list) else EventRef(())


def web_views(app: Application, fn: Function) -> list[tuple[str, str, str, str, bool]]:
    """(view, METHOD, path, file, takes the request) of each view a web framework's
    function serves (Chalice routes, Flask routes and Django views behind Zappa)."""
    views = _metadata(app, fn, VIEWS) if app.kind in ("chalice", "zappa") else None
    if not isinstance(views, list):
        return []
    found = [[str(part) for part in v] for v in views if isinstance(v, list) and len(v) == 5]
    return [(view, method, path, file, flag == "1") for view, method, path, file, flag in found]


def _compute(app: Application, cwd: Path) -> CodeFacts:
    run = _Run(app, cwd)
    for fn in app.functions:
        run.function(fn)
    return run.facts()


def _fixed_hosts(fn: Function) -> frozenset[str]:
    """The function's environment variables whose value, as the template writes it, has a
    `/` after its scheme and host (`https://api.example.com/v1`, `${ApiUrl}/backend/`)."""
    return frozenset(
        env.name
        for env in fn.environment
        if "/" in re.sub(r"^[A-Za-z][A-Za-z0-9+.-]*://", "", render(env.value))
    )


def _cut_short(source: HandlerSource) -> CodeNote:
    origin = Origin(source.display, (), 1, 1)
    message = (
        f"handler code not analysed: the analysis of {source.function} reached Python's "
        "recursion limit (the code nests or calls too deeply), so its findings are missing"
    )
    fix = "simplify the nesting; the code of this handler was not analysed"
    return CodeNote("SLS001", origin, message, fix, source.function)


def _undefined(source: HandlerSource, why: NotFollowed) -> CodeNote:
    origin = Origin(source.display, (), why.line, 1)
    message = (
        f"the handler `{source.symbol}` of {source.function} in {source.display} cannot be "
        f"followed: {why.reason}; its code is not analysed"
    )
    return CodeNote("SLS004", origin, message, "check the handler name", source.function)


def _missing(missing: list[Missing]) -> CodeNote:
    """One note for handlers whose files are missing for the same reason."""
    names = name_list(item.function for item in missing)
    if missing[0].outside:
        why = "is not under the scan root"
        fix = "scan the folder that holds the handler code too"
    else:
        why = "is not found (the file does not exist; is it built before deploying?)"
        fix = "check the handler path, or scan after the build that creates the file"
    message = (
        f"the handler code of {names} {why} (expected {missing[0].expected}.*): it is not analysed"
    )
    functions = tuple(dict.fromkeys(item.function for item in missing))
    function = functions[0] if len(functions) == 1 else None
    return CodeNote("SLS004", missing[0].origin, message, fix, function, functions)


def _merged(hits: list[Hit]) -> tuple[Hit, ...]:
    """One hit per rule and place; functions sharing the code are all named."""
    merged: dict[tuple[str, str | None, int, int], tuple[Hit, dict[str, None]]] = {}
    for hit in hits:
        key = (hit.kind, hit.location.file, hit.location.line, hit.location.column)
        if key in merged:
            merged[key][1].update(dict.fromkeys(hit.functions))
        else:
            merged[key] = (hit, dict.fromkeys(hit.functions))
    return tuple(
        hit if len(names) == len(hit.functions) else replace(hit, functions=tuple(names))
        for hit, names in merged.values()
    )


def _reached_checks(module: Module, function: str) -> Iterator[Hit]:
    """The checks of every module a handler reaches: secrets, JWT, TLS, keys and ACLs."""
    yield from check_module(module, function)
    yield from check_access(module, function)


def _own_checks(module: Module, function: str) -> Iterator[Hit]:
    """The checks of a handler's own module: the errors it returns, the identity it trusts."""
    yield from check_errors(module, function)
    yield from check_identity(module, function)


def _unique(notes: list[CodeNote]) -> list[CodeNote]:
    return list({(n.rule_id, n.origin, n.message): n for n in notes}.values())
