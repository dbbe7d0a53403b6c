"""npm dependency files: package.json and package-lock.json / npm-shrinkwrap.json (lockfile
versions 1, 2 and 3); yarn.lock and pnpm-lock.yaml are in `npm_lockfiles`."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from slsguard.deps import semver
from slsguard.deps.model import Manifest, Package, PackageSource
from slsguard.deps.reading import (
    ReadContext,
    UnreadableError,
    json_object_lines,
    load_json,
    resolved,
    table,
)

PROD_SECTIONS = ("dependencies", "optionalDependencies")
ALL_SECTIONS = ("dependencies", "optionalDependencies", "devDependencies")
_USER_REPO = re.compile(r"^[\w.-]+/[\w.-]+(#.*)?$")


@dataclass(frozen=True, slots=True)
class SpecKind:
    """What a package.json version specifier means."""

    name: str
    """The package installed (differs from the key for `npm:` aliases)."""
    version: str | None
    """The exact version, when the specifier is one."""
    source: PackageSource


def classify_spec(name: str, spec: str) -> SpecKind:
    """Read a package.json specifier: exact version, range, alias, git, URL or local path."""
    spec = spec.strip()
    if spec.startswith("npm:"):
        target = spec[4:]
        at = target.find("@", 1)
        if at > 0:
            return classify_spec(target[:at], target[at + 1 :])
        return SpecKind(target, None, "registry")
    if spec.startswith(("git", "github:", "gitlab:", "bitbucket:", "gist:")) or _USER_REPO.match(
        spec
    ):
        return SpecKind(name, None, "git")
    if spec.startswith(("http://", "https://")):
        return SpecKind(name, None, "url")
    if spec.startswith(("file:", "link:", "workspace:", "portal:", ".", "/", "~/")):
        return SpecKind(name, None, "path")
    exact = semver.parse(spec)
    return SpecKind(name, str(exact) if exact else None, "registry")


def read_package_json(path: Path, context: ReadContext) -> tuple[dict[str, Any], str]:
    """The parsed package.json (a mapping) and its text; UnreadableError when invalid."""
    text = context.read(path)
    data = load_json(text, path.name)
    if not isinstance(data, dict):
        raise UnreadableError(f"{path.name} is not a JSON object")
    return data, text


def declared(data: dict[str, Any], sections: tuple[str, ...]) -> dict[str, str]:
    """{name: specifier} from the given sections of a package.json."""
    out: dict[str, str] = {}
    for section in sections:
        for name, spec in table(data.get(section)).items():
            out.setdefault(str(name), str(spec))
    return out


def parse_package_json(path: Path, context: ReadContext) -> Manifest:
    """The dependencies package.json declares (devDependencies are development-only)."""
    data, text = read_package_json(path, context)
    lines = json_object_lines(text)
    source_lines = text.splitlines()
    packages = []
    for section in ALL_SECTIONS:
        line = lines.get((section,), 1)
        for key, spec in table(data.get(section)).items():
            kind = classify_spec(str(key), str(spec))
            line = _key_line(source_lines, str(key), line)
            packages.append(
                Package(
                    "npm",
                    kind.name,
                    kind.version,
                    str(spec),
                    context.origin(path, line),
                    dev=section == "devDependencies",
                    source=kind.source,
                )
            )
    first = min((lines[(s,)] for s in ALL_SECTIONS if (s,) in lines), default=1)
    return Manifest(
        resolved(path), "package-json", "npm", context.origin(path, first), tuple(packages)
    )


def _key_line(lines: list[str], key: str, start: int) -> int:
    """The first line from `start` on where `"key"` is written (keys of a section are in order)."""
    needle = f'"{key}"'
    for number in range(start, len(lines) + 1):
        if needle in lines[number - 1]:
            return number
    return start


def sibling_declared(path: Path, context: ReadContext) -> tuple[dict[str, str], dict[str, str]]:
    """(production, all) specifiers of the package.json next to a lockfile ({} when absent)."""
    sibling = path.with_name("package.json")
    if not context.allowed(sibling):
        return {}, {}
    try:
        data, _ = read_package_json(sibling, context)
    except UnreadableError:
        return {}, {}
    return declared(data, PROD_SECTIONS), declared(data, ALL_SECTIONS)


def parse_package_lock(path: Path, context: ReadContext) -> Manifest:
    """package-lock.json or npm-shrinkwrap.json, lockfile versions 1, 2 and 3."""
    text = context.read(path)
    data = load_json(text, path.name)
    if not isinstance(data, dict):
        raise UnreadableError(f"{path.name} is not a JSON object")
    lines = json_object_lines(text)
    _, direct = sibling_declared(path, context)
    if isinstance(data.get("packages"), dict) and int(data.get("lockfileVersion") or 1) >= 2:
        root = table(data["packages"].get(""))
        direct = direct or declared(root, ALL_SECTIONS)
        packages = list(_lock_v2(data["packages"], lines, direct, path, context))
    else:
        packages = list(_lock_v1(table(data.get("dependencies")), lines, direct, path, context))
    return Manifest(resolved(path), "package-lock", "npm", context.origin(path), tuple(packages))


def _lock_v2(
    entries: dict[str, Any],
    lines: dict[tuple[str, ...], int],
    direct: dict[str, str],
    path: Path,
    context: ReadContext,
) -> Iterator[Package]:
    for key, entry in entries.items():
        if "node_modules/" not in key or not isinstance(entry, dict) or entry.get("link"):
            continue  # the root project, workspace members and their symlinks
        name = str(entry.get("name") or key.rsplit("node_modules/", 1)[1])
        version = str(entry.get("version", ""))
        source = _resolved_source(str(entry.get("resolved", "")), version)
        yield Package(
            "npm",
            name,
            version if source == "registry" and version else None,
            version,
            context.origin(path, lines.get(("packages", key), 1)),
            direct=key == f"node_modules/{name}" and name in direct,
            dev=entry.get("dev") is True,
            source=source,
        )


def _lock_v1(
    dependencies: dict[str, Any],
    lines: dict[tuple[str, ...], int],
    direct: dict[str, str],
    path: Path,
    context: ReadContext,
) -> Iterator[Package]:
    pending: list[tuple[tuple[str, ...], dict[str, Any]]] = [(("dependencies",), dependencies)]
    while pending:
        prefix, level = pending.pop()
        for key, entry in level.items():
            if not isinstance(entry, dict):
                continue
            key_path = (*prefix, key)
            version = str(entry.get("version", ""))
            kind = classify_spec(key, version)
            yield Package(
                "npm",
                kind.name,
                kind.version,
                version,
                context.origin(path, lines.get(key_path, 1)),
                direct=len(prefix) == 1 and key in direct,
                dev=entry.get("dev") is True,
                source=kind.source,
            )
            nested = entry.get("dependencies")
            if isinstance(nested, dict):
                pending.append(((*key_path, "dependencies"), nested))


def _resolved_source(resolved: str, version: str) -> PackageSource:
    if resolved.startswith(("git", "github:")) or version.startswith(("git", "github:")):
        return "git"
    if resolved.startswith("file:") or version.startswith("file:"):
        return "path"
    if resolved and "codeload.github.com" in resolved:
        return "git"
    return "registry"
