"""Python dependency files besides requirements files: Pipfile and Pipfile.lock, poetry.lock,
uv.lock and pyproject.toml (requirements files are in `requirements`)."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path
from typing import Any

from slsguard.deps.model import Manifest, Package, PackageSource
from slsguard.deps.reading import (
    ReadContext,
    first_at_or_after,
    json_object_lines,
    line_containing,
    lines_containing,
    load_json,
    load_toml,
    resolved,
    table,
    toml_key_line,
    toml_table_lines,
)
from slsguard.deps.requirements import exact_version, requirement_package
from slsguard.deps.versions import canonical_name

_PIPENV_SOURCES: tuple[tuple[str, PackageSource], ...] = (
    ("git", "git"),
    ("path", "path"),
    ("file", "url"),
)
_POETRY_SOURCES: tuple[tuple[str, PackageSource], ...] = (
    ("git", "git"),
    ("path", "path"),
    ("url", "url"),
)
_POETRY_LOCK_SOURCES: dict[str, PackageSource] = {
    "git": "git",
    "directory": "path",
    "file": "path",
    "url": "url",
}


def parse_pipfile_lock(path: Path, context: ReadContext) -> Manifest:
    """Pipfile.lock: `default` packages ship, `develop` ones are development-only."""
    text = context.read(path)
    data = load_json(text, path.name)
    lines = json_object_lines(text)
    packages: list[Package] = []
    for section, dev in (("default", False), ("develop", True)):
        entries = data.get(section) if isinstance(data, dict) else None
        for name, entry in (entries or {}).items() if isinstance(entries, dict) else ():
            if not isinstance(entry, dict):
                continue
            origin = context.origin(path, lines.get((section, name), 1))
            packages.append(_pipfile_lock_entry(name, entry, origin, dev))
    return Manifest(resolved(path), "pipfile-lock", "PyPI", context.origin(path), tuple(packages))


def _pipfile_lock_entry(name: str, entry: dict[str, Any], origin: Any, dev: bool) -> Package:
    marker = entry.get("markers") if isinstance(entry.get("markers"), str) else ""
    for key, source in _PIPENV_SOURCES:
        if key in entry:
            return Package("PyPI", name, None, str(entry[key]), origin, dev=dev, source=source)
    specifier = str(entry.get("version", ""))
    version = exact_version(specifier)
    return Package("PyPI", name, version, specifier, origin, dev=dev, marker=str(marker or ""))


def parse_pipfile(path: Path, context: ReadContext) -> Manifest:
    """A Pipfile: `[packages]` ship, `[dev-packages]` do not; only `==` entries are pinned."""
    text = context.read(path)
    data = load_toml(text, path.name)
    packages: list[Package] = []
    for section, dev in (("packages", False), ("dev-packages", True)):
        table = data.get(section)
        for name, value in table.items() if isinstance(table, dict) else ():
            origin = context.origin(path, toml_key_line(text, section, name))
            packages.append(_pipfile_entry(name, value, origin, dev))
    origin = context.origin(path, _first_table(text, "packages"))
    return Manifest(resolved(path), "pipfile", "PyPI", origin, tuple(packages))


def _first_table(text: str, table: str) -> int:
    lines = toml_table_lines(text, table)
    return lines[0] if lines else 1


def _pipfile_entry(name: str, value: Any, origin: Any, dev: bool) -> Package:
    if isinstance(value, dict):
        for key, source in _PIPENV_SOURCES:
            if key in value:
                return Package("PyPI", name, None, str(value[key]), origin, dev=dev, source=source)
        specifier = str(value.get("version", "*"))
        marker = str(value.get("markers", ""))
    else:
        specifier, marker = str(value), ""
    version = exact_version(specifier)
    return Package("PyPI", name, version, specifier, origin, dev=dev, marker=marker)


def parse_poetry_lock(path: Path, context: ReadContext) -> Manifest:
    """poetry.lock: dev packages by `category` (older locks) or `groups` (newer ones)."""
    text = context.read(path)
    entries = _lock_packages(load_toml(text, path.name))
    headers = toml_table_lines(text, "package")
    names = lines_containing(text, "name =")
    packages = []
    for index, entry in enumerate(entries):
        line = headers[index] if index < len(headers) else 1
        origin = context.origin(path, first_at_or_after(names, line))
        groups = entry.get("groups")
        dev = entry.get("category") == "dev" or (
            isinstance(groups, list) and bool(groups) and "main" not in groups
        )
        source = _poetry_source(entry.get("source"))
        version = str(entry.get("version", "")) or None
        marker = entry.get("markers") if isinstance(entry.get("markers"), str) else ""
        packages.append(
            Package(
                "PyPI",
                str(entry.get("name", "?")),
                version if source == "registry" else None,
                version or "",
                origin,
                direct=False,
                dev=dev,
                marker=str(marker or ""),
                source=source,
            )
        )
    return Manifest(resolved(path), "poetry-lock", "PyPI", context.origin(path), tuple(packages))


def _lock_packages(data: dict[str, Any]) -> list[dict[str, Any]]:
    entries = data.get("package")
    return (
        [entry for entry in entries if isinstance(entry, dict)] if isinstance(entries, list) else []
    )


def _poetry_source(source: Any) -> PackageSource:
    return _POETRY_LOCK_SOURCES.get(str(table(source).get("type")), "registry")


def parse_uv_lock(path: Path, context: ReadContext) -> Manifest:
    """uv.lock: packages reachable from the project's own dependencies ship; the rest is dev."""
    text = context.read(path)
    entries = _lock_packages(load_toml(text, path.name))
    headers = toml_table_lines(text, "package")
    names = lines_containing(text, "name =")
    shipped = _uv_shipped(entries)
    packages = []
    for index, entry in enumerate(entries):
        source = table(entry.get("source"))
        if "editable" in source or "virtual" in source:
            continue  # the project itself (or a workspace member)
        line = headers[index] if index < len(headers) else 1
        name = str(entry.get("name", "?"))
        kind: PackageSource = (
            "registry" if "registry" in source else "git" if "git" in source else "path"
        )
        if "url" in source:
            kind = "url"
        version = str(entry.get("version", "")) or None
        packages.append(
            Package(
                "PyPI",
                name,
                version if kind == "registry" else None,
                version or "",
                context.origin(path, first_at_or_after(names, line)),
                direct=False,
                dev=shipped is not None and canonical_name("PyPI", name) not in shipped,
                source=kind,
            )
        )
    return Manifest(resolved(path), "uv-lock", "PyPI", context.origin(path), tuple(packages))


def _uv_shipped(entries: list[dict[str, Any]]) -> set[str] | None:
    """Names reachable from the root projects' dependencies and extras; None without a root."""
    graph: dict[str, list[str]] = {}
    roots: list[str] = []
    for entry in entries:
        name = canonical_name("PyPI", str(entry.get("name", "")))
        graph.setdefault(name, []).extend(_uv_names(entry.get("dependencies")))
        optional = entry.get("optional-dependencies")
        for extra in optional.values() if isinstance(optional, dict) else ():
            graph[name].extend(_uv_names(extra))
        source = entry.get("source")
        if isinstance(source, dict) and ("editable" in source or "virtual" in source):
            roots.append(name)
    if not roots:
        return None
    seen: set[str] = set()
    pending = [dep for root in roots for dep in graph.get(root, [])]
    while pending:
        name = pending.pop()
        if name not in seen:
            seen.add(name)
            pending.extend(graph.get(name, []))
    return seen


def _uv_names(value: Any) -> list[str]:
    if not isinstance(value, list):
        return []
    return [
        canonical_name("PyPI", str(item["name"]))
        for item in value
        if isinstance(item, dict) and "name" in item
    ]


def parse_pyproject(path: Path, context: ReadContext) -> Manifest | None:
    """Declared dependencies of pyproject.toml (PEP 621, dependency groups, Poetry); None when
    it declares none (a pyproject.toml that only configures tools)."""
    text = context.read(path)
    data = load_toml(text, path.name)
    packages = [*_pep621(data, text, path, context), *_poetry_declared(data, text, path, context)]
    if not packages:
        return None
    origin = packages[0].origin
    return Manifest(resolved(path), "pyproject", "PyPI", origin, tuple(packages))


def _pep621(data: dict[str, Any], text: str, path: Path, context: ReadContext) -> list[Package]:
    project = table(data.get("project"))
    groups: list[tuple[Any, bool]] = [(project.get("dependencies"), False)]
    optional = project.get("optional-dependencies")
    groups.extend(
        (extra, False) for extra in (optional or {}).values() if isinstance(optional, dict)
    )
    dependency_groups = data.get("dependency-groups")
    if isinstance(dependency_groups, dict):
        groups.extend((group, True) for group in dependency_groups.values())
    packages = []
    for items, dev in groups:
        for item in items if isinstance(items, list) else ():
            if not isinstance(item, str):
                continue
            origin = context.origin(path, line_containing(text, item))
            package = requirement_package(item, origin)
            if isinstance(package, Package):
                packages.append(replace(package, dev=dev))
    return packages


def _poetry_declared(
    data: dict[str, Any], text: str, path: Path, context: ReadContext
) -> list[Package]:
    poetry = table(table(data.get("tool")).get("poetry"))
    tables: list[tuple[str, Any, bool]] = [
        ("tool.poetry.dependencies", poetry.get("dependencies"), False),
        ("tool.poetry.dev-dependencies", poetry.get("dev-dependencies"), True),
    ]
    groups = poetry.get("group")
    for name, group in groups.items() if isinstance(groups, dict) else ():
        if isinstance(group, dict):
            header = f"tool.poetry.group.{name}.dependencies"
            tables.append((header, group.get("dependencies"), name != "main"))
    packages = []
    for header, entries, dev in tables:
        for name, value in entries.items() if isinstance(entries, dict) else ():
            if name.lower() == "python":
                continue
            origin = context.origin(path, toml_key_line(text, header, name))
            packages.append(_poetry_entry(name, value, origin, dev))
    return packages


def _poetry_entry(name: str, value: Any, origin: Any, dev: bool) -> Package:
    if isinstance(value, dict):
        for key, source in _POETRY_SOURCES:
            if key in value:
                return Package("PyPI", name, None, str(value[key]), origin, dev=dev, source=source)
        specifier = str(value.get("version", "*"))
    elif isinstance(value, list):
        specifier = "(several constraints)"
    else:
        specifier = str(value)
    # Poetry reads a bare version (`2.31.0`) as an exact pin.
    bare = re.fullmatch(r"\d+(\.\d+)*([a-zA-Z0-9.+-]*)", specifier.strip())
    version = specifier.strip() if bare else exact_version(specifier)
    return Package("PyPI", name, version, specifier, origin, dev=dev)
