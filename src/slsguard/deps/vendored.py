"""Packages committed with the code: they ship whatever the manifests say.

- Python: `*.dist-info/METADATA` and `*.egg-info/PKG-INFO` (`Name:` and `Version:`) at the
  code root or in `vendor/` (Chalice copies `vendor/` into the package as is), `python/`
  (a layer) and `package/`;
- npm: committed `node_modules/<name>/package.json` and `node_modules/@scope/<name>/...`.

Each package is an exact version at the file that declares it, audited like a lockfile
entry. Listings are bounded: a folder with more entries than `MAX_ENTRIES` is cut there.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from slsguard.deps.model import Manifest, Package
from slsguard.deps.reading import ReadContext, UnreadableError

MAX_ENTRIES = 2000
PYTHON_FOLDERS = ("", "vendor", "python", "package")


def vendored(directory: Path, context: ReadContext) -> tuple[Manifest, ...]:
    """The vendored Python and npm packages of a code root (empty manifests are left out)."""
    python = _python(directory, context)
    npm = _npm(directory / "node_modules", context)
    return tuple(m for m in (python, npm) if m is not None)


def _entries(directory: Path) -> list[str]:
    try:
        with os.scandir(directory) as found:
            return sorted(entry.name for _, entry in zip(range(MAX_ENTRIES), found, strict=False))
    except OSError:
        return []


def _python(directory: Path, context: ReadContext) -> Manifest | None:
    packages: list[Package] = []
    for folder in (directory / name if name else directory for name in PYTHON_FOLDERS):
        for name in _entries(folder):
            metadata = _metadata_file(folder / name)
            if metadata is not None:
                package = _python_package(metadata, context)
                if package is not None:
                    packages.append(package)
    if not packages:
        return None
    origin = context.origin(directory)
    return Manifest(directory, "vendored", "PyPI", origin, tuple(packages))


def _metadata_file(folder: Path) -> Path | None:
    if folder.name.endswith(".dist-info"):
        return folder / "METADATA"
    if folder.name.endswith(".egg-info"):
        return folder / "PKG-INFO"
    return None


def _python_package(path: Path, context: ReadContext) -> Package | None:
    try:
        text = context.read(path)
    except UnreadableError:
        return None
    fields: dict[str, tuple[str, int]] = {}
    for number, line in enumerate(text.splitlines()[:200], start=1):
        if not line.strip():
            break  # the headers end at the first blank line; the description follows
        key, _, value = line.partition(":")
        if key in ("Name", "Version") and key not in fields:
            fields[key] = (value.strip(), number)
    if "Name" not in fields or "Version" not in fields:
        return None
    name, where = fields["Name"]
    version = fields["Version"][0]
    return Package("PyPI", name, version, f"=={version}", context.origin(path, where))


def _npm(folder: Path, context: ReadContext) -> Manifest | None:
    packages: list[Package] = []
    for name in _entries(folder):
        if name.startswith("."):
            continue
        inner = (
            [f"{name}/{sub}" for sub in _entries(folder / name)] if name.startswith("@") else [name]
        )
        for package_dir in inner:
            package = _npm_package(folder / package_dir / "package.json", context)
            if package is not None:
                packages.append(package)
    if not packages:
        return None
    return Manifest(folder, "vendored", "npm", context.origin(folder), tuple(packages))


def _npm_package(path: Path, context: ReadContext) -> Package | None:
    try:
        data = json.loads(context.read(path))
    except (UnreadableError, ValueError):
        return None
    if not isinstance(data, dict):
        return None
    name, version = data.get("name"), data.get("version")
    if not isinstance(name, str) or not isinstance(version, str):
        return None
    return Package("npm", name, version, version, context.origin(path))
